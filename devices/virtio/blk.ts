/**
 * virtio-blk device (virtio 1.2 §5.2). Requests run synchronously on QueueNotify.
 * Request layout (§5.2.6): le32 type, le32 reserved, le64 sector | data | u8 status.
 * Offered features: VERSION_1, FLUSH, BLK_SIZE, SEG_MAX, and RO when the backend is read-only.
 */
import type { DmaMemory } from '../bus';
import { SECTOR_SIZE, type BlockBackend } from '../block-backend';
import { VIRTIO_BLK_CFG as CFG, VIRTIO_BLK_F, VIRTIO_BLK_ID_BYTES, VIRTIO_BLK_S, VIRTIO_BLK_T, VIRTIO_ID } from './constants';
import { gather, scatter, VirtioDevice, VirtqError, type Chain, type VirtQueue } from './queue';

export interface VirtioBlkOptions {
  /** Queue size offered (QueueNumMax). Default 128, like QEMU's default 256/2. */
  queueSize?: number;
  /** GET_ID answer (serial), at most 20 bytes. */
  serial?: string;
  /** Largest request the device accepts, in bytes (bounds host allocation). Default 16 MiB. */
  maxRequestBytes?: number;
}

export class VirtioBlk extends VirtioDevice {
  readonly deviceId = VIRTIO_ID.BLOCK;
  readonly configSize = CFG.SIZE;
  private readonly config = new Uint8Array(CFG.SIZE);
  private readonly serial: Uint8Array;
  private readonly maxRequestBytes: number;
  private readonly header = new Uint8Array(16);

  constructor(mem: DmaMemory, readonly backend: BlockBackend, opts: VirtioBlkOptions = {}) {
    const qs = opts.queueSize ?? 128;
    super(mem, [qs]);
    const dv = new DataView(this.config.buffer);
    dv.setBigUint64(CFG.CAPACITY, BigInt(backend.sectorCount), true);
    dv.setUint32(CFG.SEG_MAX, Math.max(1, qs - 2), true);
    dv.setUint32(CFG.BLK_SIZE, SECTOR_SIZE, true);
    this.serial = new TextEncoder().encode(opts.serial ?? 'runlinuxd-disk').subarray(0, VIRTIO_BLK_ID_BYTES);
    this.maxRequestBytes = opts.maxRequestBytes ?? 16 << 20;
  }

  protected deviceTypeFeatures(): [number, number] {
    let lo = (1 << VIRTIO_BLK_F.FLUSH) | (1 << VIRTIO_BLK_F.BLK_SIZE) | (1 << VIRTIO_BLK_F.SEG_MAX);
    if (this.backend.readOnly) lo |= 1 << VIRTIO_BLK_F.RO;
    return [lo, 0];
  }

  configRead(off: number, size: 1 | 2 | 4): number {
    if (off < 0 || off + size > CFG.SIZE) return 0;
    const c = this.config;
    if (size === 1) return c[off]!;
    if (size === 2) return c[off]! | (c[off + 1]! << 8);
    return (c[off]! | (c[off + 1]! << 8) | (c[off + 2]! << 16) | (c[off + 3]! << 24)) >>> 0;
  }

  protected processQueue(q: VirtQueue): void {
    let any = false;
    for (let c = q.pop(this.mem); c !== null; c = q.pop(this.mem)) {
      const written = this.handle(c);
      q.push(this.mem, c.head, written);
      any = true;
    }
    if (any) this.usedBufferNotify(q);
  }

  /** Executes one request; returns the number of bytes written into the chain. */
  private handle(c: Chain): number {
    if (c.readableLen < 16) throw new VirtqError(`virtio-blk: request header is ${c.readableLen} bytes, need 16`);
    if (c.writableLen < 1) throw new VirtqError('virtio-blk: request has no status byte');
    const h = gather(this.mem, c.readable, 0, 16);
    const hv = new DataView(h.buffer);
    const type = hv.getUint32(0, true);
    const sectorBig = hv.getBigUint64(8, true);
    const statusOff = c.writableLen - 1;
    const done = (status: number, dataLen: number): number => {
      scatter(this.mem, c.writable, statusOff, Uint8Array.of(status));
      return dataLen + 1;
    };
    const inRange = (bytes: number): boolean =>
      bytes % SECTOR_SIZE === 0 && sectorBig + BigInt(bytes / SECTOR_SIZE) <= BigInt(this.backend.sectorCount);
    switch (type) {
      case VIRTIO_BLK_T.IN: {
        const len = statusOff;
        if (!inRange(len) || len > this.maxRequestBytes) return done(VIRTIO_BLK_S.IOERR, 0);
        const buf = new Uint8Array(len);
        try { this.backend.read(Number(sectorBig), buf); } catch { return done(VIRTIO_BLK_S.IOERR, 0); }
        scatter(this.mem, c.writable, 0, buf);
        return done(VIRTIO_BLK_S.OK, len);
      }
      case VIRTIO_BLK_T.OUT: {
        const len = c.readableLen - 16;
        // §5.2.6.2: with VIRTIO_BLK_F_RO offered, a write fails with IOERR and writes nothing.
        if (this.backend.readOnly || !inRange(len) || len > this.maxRequestBytes) return done(VIRTIO_BLK_S.IOERR, 0);
        const data = gather(this.mem, c.readable, 16, len);
        try { this.backend.write(Number(sectorBig), data); } catch { return done(VIRTIO_BLK_S.IOERR, 0); }
        return done(VIRTIO_BLK_S.OK, 0);
      }
      case VIRTIO_BLK_T.FLUSH: {
        try { this.backend.flush(); } catch { return done(VIRTIO_BLK_S.IOERR, 0); }
        return done(VIRTIO_BLK_S.OK, 0);
      }
      case VIRTIO_BLK_T.GET_ID: {
        const id = new Uint8Array(Math.min(VIRTIO_BLK_ID_BYTES, statusOff));
        id.set(this.serial.subarray(0, id.length));
        scatter(this.mem, c.writable, 0, id);
        return done(VIRTIO_BLK_S.OK, id.length);
      }
      default:
        return done(VIRTIO_BLK_S.UNSUPP, 0);
    }
  }
}
