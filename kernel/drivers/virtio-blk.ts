/**
 * Guest-side virtio-blk driver over virtio-mmio, the way ArceOS's virtio-drivers talks to
 * QEMU: every access goes through Bus MMIO reads/writes and guest RAM, nothing reaches into the
 * device model. Init follows virtio 1.2 §3.1.1; requests follow §5.2.6; one request in flight,
 * completed by polling the used ring (the device finishes synchronously on QueueNotify).
 */
import type { Bus } from '../../devices/bus';
import {
  VIRTIO_BLK_F, VIRTIO_BLK_ID_BYTES, VIRTIO_BLK_S, VIRTIO_BLK_T, VIRTIO_F, VIRTIO_ID, VIRTIO_MMIO as R,
  VIRTIO_STATUS as S, VIRTQ_DESC_F,
} from '../../devices/virtio/constants';

export const SECTOR_SIZE = 512;

export class VirtioBlkError extends Error {
  constructor(message: string) { super(`virtio-blk: ${message}`); this.name = 'VirtioBlkError'; }
}

/** A region of guest RAM the driver may use for rings, headers and bounce buffers. */
export interface DmaRegion { base: number; size: number }

export interface RequestResult { status: number; usedLen: number; data: Uint8Array | null }

const align = (v: number, a: number): number => Math.ceil(v / a) * a;
const STATUS_NAMES: Record<number, string> = { [VIRTIO_BLK_S.OK]: 'OK', [VIRTIO_BLK_S.IOERR]: 'IOERR', [VIRTIO_BLK_S.UNSUPP]: 'UNSUPP' };

export class VirtioBlkDriver {
  /** Disk size in 512-byte sectors (virtio_blk_config.capacity). */
  readonly capacity: number;
  /** VIRTIO_BLK_F_RO was offered: writes will fail. */
  readonly readOnly: boolean;
  /** VIRTIO_BLK_F_FLUSH negotiated. */
  readonly hasFlush: boolean;
  private availIdx = 0;
  private lastUsed = 0;

  private constructor(
    private readonly bus: Bus, readonly mmioBase: number, private readonly qsize: number,
    private readonly desc: number, private readonly avail: number, private readonly used: number,
    private readonly hdr: number, private readonly statusAddr: number,
    private readonly buf: number, private readonly bufSize: number,
    features: [number, number], capacity: number,
  ) {
    this.capacity = capacity;
    this.readOnly = ((features[0] >>> VIRTIO_BLK_F.RO) & 1) === 1;
    this.hasFlush = ((features[0] >>> VIRTIO_BLK_F.FLUSH) & 1) === 1;
  }

  /** Alias of `capacity`, so the driver is directly a FAT32 block device. */
  get sectorCount(): number { return this.capacity; }

  /**
   * Finds and initialises the virtio-blk device at `mmioBase` (§3.1.1), placing queue 0 and the
   * request buffers in `dma` (guest RAM, 16-byte aligned, at least 4 KiB).
   */
  static probe(bus: Bus, mmioBase: number, dma: DmaRegion, opts: { queueSize?: number } = {}): VirtioBlkDriver {
    const rd = (off: number): number => bus.read(mmioBase + off, 4);
    const wr = (off: number, v: number): void => bus.write(mmioBase + off, 4, v);
    const at = `at 0x${mmioBase.toString(16)}`;
    const magic = rd(R.MAGIC_VALUE);
    if (magic !== R.MAGIC) throw new VirtioBlkError(`${at}: bad magic 0x${magic.toString(16)} (not virtio-mmio)`);
    const version = rd(R.VERSION);
    if (version !== 2) throw new VirtioBlkError(`${at}: virtio-mmio version ${version} unsupported (need 2; legacy devices are not handled)`);
    const id = rd(R.DEVICE_ID);
    if (id !== VIRTIO_ID.BLOCK) throw new VirtioBlkError(`${at}: device id ${id} is not a block device (${VIRTIO_ID.BLOCK})`);
    if (dma.base % 16 !== 0 || dma.size < 4096) throw new VirtioBlkError(`DMA area 0x${dma.base.toString(16)}+${dma.size} must be 16-byte aligned and >= 4096 bytes`);

    // 1-3: reset, ACKNOWLEDGE, DRIVER.
    wr(R.STATUS, 0);
    if (rd(R.STATUS) !== 0) throw new VirtioBlkError(`${at}: device did not reset`);
    let status = S.ACKNOWLEDGE;
    wr(R.STATUS, status);
    status |= S.DRIVER;
    wr(R.STATUS, status);
    // 4: features.
    wr(R.DEVICE_FEATURES_SEL, 0);
    const dlo = rd(R.DEVICE_FEATURES);
    wr(R.DEVICE_FEATURES_SEL, 1);
    const dhi = rd(R.DEVICE_FEATURES);
    const versionBit = 1 << (VIRTIO_F.VERSION_1 - 32);
    const fail = (msg: string): never => { wr(R.STATUS, status | S.FAILED); throw new VirtioBlkError(`${at}: ${msg}`); };
    if (!(dhi & versionBit)) fail('device does not offer VIRTIO_F_VERSION_1');
    const want = (1 << VIRTIO_BLK_F.RO) | (1 << VIRTIO_BLK_F.FLUSH) | (1 << VIRTIO_BLK_F.BLK_SIZE);
    const features: [number, number] = [(dlo & want) >>> 0, versionBit];
    wr(R.DRIVER_FEATURES_SEL, 0);
    wr(R.DRIVER_FEATURES, features[0]);
    wr(R.DRIVER_FEATURES_SEL, 1);
    wr(R.DRIVER_FEATURES, features[1]);
    // 5-6: FEATURES_OK and re-check.
    status |= S.FEATURES_OK;
    wr(R.STATUS, status);
    if (!(rd(R.STATUS) & S.FEATURES_OK)) fail('device refused our feature subset (FEATURES_OK not set)');
    // 7: queue 0.
    wr(R.QUEUE_SEL, 0);
    if (rd(R.QUEUE_READY) !== 0) fail('queue 0 already ready after reset');
    const max = rd(R.QUEUE_NUM_MAX);
    if (max === 0) fail('queue 0 not available (QueueNumMax = 0)');
    let q = 1;
    while (q * 2 <= Math.min(max, opts.queueSize ?? 16)) q *= 2;
    const desc = dma.base;
    const avail = desc + 16 * q;
    const used = align(avail + 6 + 2 * q, 4);
    const hdr = align(used + 6 + 8 * q, 16);
    const statusAddr = hdr + 16;
    const buf = align(statusAddr + 1, SECTOR_SIZE);
    const bufSize = Math.floor((dma.base + dma.size - buf) / SECTOR_SIZE) * SECTOR_SIZE;
    if (bufSize < SECTOR_SIZE) fail(`DMA area of ${dma.size} bytes too small for a ${q}-entry queue and one sector`);
    bus.writeBytes(desc, new Uint8Array(hdr - desc)); // zero rings
    wr(R.QUEUE_NUM, q);
    wr(R.QUEUE_DESC_LOW, desc % 0x1_0000_0000); wr(R.QUEUE_DESC_HIGH, Math.floor(desc / 0x1_0000_0000));
    wr(R.QUEUE_DRIVER_LOW, avail % 0x1_0000_0000); wr(R.QUEUE_DRIVER_HIGH, Math.floor(avail / 0x1_0000_0000));
    wr(R.QUEUE_DEVICE_LOW, used % 0x1_0000_0000); wr(R.QUEUE_DEVICE_HIGH, Math.floor(used / 0x1_0000_0000));
    wr(R.QUEUE_READY, 1);
    if (rd(R.QUEUE_READY) !== 1) fail(`device rejected queue 0 (status 0x${rd(R.STATUS).toString(16)})`);
    // Config: capacity, read under a stable ConfigGeneration (§4.2.2.2).
    let capacity = 0;
    for (let gen = -1, tries = 0; ; tries++) {
      if (tries > 8) fail('config generation keeps changing');
      gen = rd(R.CONFIG_GENERATION);
      capacity = rd(R.CONFIG + 4) * 0x1_0000_0000 + rd(R.CONFIG);
      if (rd(R.CONFIG_GENERATION) === gen) break;
    }
    // 8: DRIVER_OK.
    status |= S.DRIVER_OK;
    wr(R.STATUS, status);
    return new VirtioBlkDriver(bus, mmioBase, q, desc, avail, used, hdr, statusAddr, buf, bufSize, features, capacity);
  }

  private checkRange(sector: number, count: number, what: string): void {
    if (!Number.isInteger(sector) || !Number.isInteger(count) || sector < 0 || count < 0 || sector + count > this.capacity) {
      throw new VirtioBlkError(`${what} sectors [${sector}, +${count}) outside a ${this.capacity}-sector disk`);
    }
  }

  /** Reads `count` sectors starting at `sector`. */
  readSectors(sector: number, count: number): Uint8Array {
    this.checkRange(sector, count, 'read');
    const out = new Uint8Array(count * SECTOR_SIZE);
    const per = this.bufSize / SECTOR_SIZE;
    for (let done = 0; done < count;) {
      const n = Math.min(per, count - done);
      const r = this.request(VIRTIO_BLK_T.IN, sector + done, n * SECTOR_SIZE);
      this.expectOk(r, `read of sectors [${sector + done}, +${n})`);
      out.set(r.data!, done * SECTOR_SIZE);
      done += n;
    }
    return out;
  }

  /** Writes `data` (a multiple of 512 bytes) starting at `sector`. */
  writeSectors(sector: number, data: Uint8Array): void {
    if (data.length % SECTOR_SIZE !== 0) throw new VirtioBlkError(`write of ${data.length} bytes is not a multiple of ${SECTOR_SIZE}`);
    if (this.readOnly) throw new VirtioBlkError(`write to sector ${sector} refused: device is read-only (VIRTIO_BLK_F_RO)`);
    const count = data.length / SECTOR_SIZE;
    this.checkRange(sector, count, 'write');
    for (let off = 0; off < data.length;) {
      const n = Math.min(this.bufSize, data.length - off);
      const r = this.request(VIRTIO_BLK_T.OUT, sector + off / SECTOR_SIZE, data.subarray(off, off + n));
      this.expectOk(r, `write of sectors [${sector + off / SECTOR_SIZE}, +${n / SECTOR_SIZE})`);
      off += n;
    }
  }

  /** VIRTIO_BLK_T_FLUSH (a no-op when the device did not offer VIRTIO_BLK_F_FLUSH). */
  flush(): void {
    if (!this.hasFlush) return;
    this.expectOk(this.request(VIRTIO_BLK_T.FLUSH, 0, 0), 'flush');
  }

  /** VIRTIO_BLK_T_GET_ID: the device serial, NUL padding removed. */
  getId(): string {
    const r = this.request(VIRTIO_BLK_T.GET_ID, 0, VIRTIO_BLK_ID_BYTES);
    this.expectOk(r, 'get-id');
    const d = r.data!;
    const end = d.indexOf(0);
    return new TextDecoder().decode(end < 0 ? d : d.subarray(0, end));
  }

  private expectOk(r: RequestResult, what: string): void {
    if (r.status !== VIRTIO_BLK_S.OK) {
      throw new VirtioBlkError(`${what} failed with status ${STATUS_NAMES[r.status] ?? r.status}`);
    }
  }

  /**
   * Submits one request and waits for it: a header descriptor, an optional data descriptor
   * (device-readable `Uint8Array` for OUT, device-writable `number` bytes for IN/GET_ID) and
   * a status descriptor. Returns the raw status byte (no range pre-checks: tests use this to
   * probe device behaviour).
   */
  request(type: number, sector: number, data: Uint8Array | number): RequestResult {
    const bus = this.bus;
    const dataLen = typeof data === 'number' ? data : data.length;
    if (dataLen > this.bufSize) throw new VirtioBlkError(`request of ${dataLen} bytes exceeds the ${this.bufSize}-byte bounce buffer`);
    bus.writeU32(this.hdr, type);
    bus.writeU32(this.hdr + 4, 0);
    bus.writeU64(this.hdr + 8, BigInt(sector));
    bus.writeU8(this.statusAddr, 0xff);
    if (typeof data !== 'number') bus.writeBytes(this.buf, data);
    let d = 0;
    const put = (addr: number, len: number, flags: number, last: boolean): void => {
      const p = this.desc + 16 * d;
      bus.writeU64(p, addr);
      bus.writeU32(p + 8, len);
      bus.writeU16(p + 12, last ? flags : flags | VIRTQ_DESC_F.NEXT);
      bus.writeU16(p + 14, last ? 0 : d + 1);
      d++;
    };
    put(this.hdr, 16, 0, false);
    if (dataLen > 0) put(this.buf, dataLen, typeof data === 'number' ? VIRTQ_DESC_F.WRITE : 0, false);
    put(this.statusAddr, 1, VIRTQ_DESC_F.WRITE, true);
    bus.writeU16(this.avail + 4 + 2 * (this.availIdx % this.qsize), 0);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    bus.writeU16(this.avail + 2, this.availIdx);
    bus.write(this.mmioBase + R.QUEUE_NOTIFY, 4, 0);

    let spins = 0;
    while (bus.readU16(this.used + 2) === this.lastUsed) {
      if (++spins > 1000) {
        const st = bus.read(this.mmioBase + R.STATUS, 4);
        if (st & S.DEVICE_NEEDS_RESET) throw new VirtioBlkError('device entered DEVICE_NEEDS_RESET');
        throw new VirtioBlkError('request not completed (used ring idle)');
      }
    }
    const slot = this.used + 4 + 8 * (this.lastUsed % this.qsize);
    const id = bus.readU32(slot);
    const usedLen = bus.readU32(slot + 4);
    this.lastUsed = (this.lastUsed + 1) & 0xffff;
    const isr = bus.read(this.mmioBase + R.INTERRUPT_STATUS, 4);
    if (isr !== 0) bus.write(this.mmioBase + R.INTERRUPT_ACK, 4, isr);
    if (id !== 0) throw new VirtioBlkError(`used ring returned descriptor ${id}, expected 0`);
    const status = bus.readU8(this.statusAddr);
    const out = typeof data === 'number' && dataLen > 0 && status === VIRTIO_BLK_S.OK ? bus.readBytes(this.buf, dataLen) : null;
    return { status, usedLen, data: out };
  }
}
