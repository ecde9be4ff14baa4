/**
 * Transport-independent virtio: split virtqueues (virtio 1.2 §2.7) and the device core
 * (§2.1 status, §2.2 feature bits, §2.4 reset, §2.5 config generation) that every device type
 * extends and that every transport (MMIO §4.2 now, PCI §4.1 later) drives. TinyEMU's
 * virtio.c is the model: one core, thin transports.
 *
 * Robustness contract: nothing the driver puts in guest memory makes the device throw. A
 * malformed queue or descriptor chain puts the device in DEVICE_NEEDS_RESET (§2.1.1) and raises
 * a configuration-change interrupt; the device then ignores notifications until reset.
 */
import type { DmaMemory } from '../bus';
import { VIRTIO_F, VIRTIO_INT, VIRTIO_STATUS, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_DESC_F } from './constants';

/** A malformed ring or descriptor chain. */
export class VirtqError extends Error {
  constructor(message: string) { super(message); this.name = 'VirtqError'; }
}

export interface Segment { addr: number; len: number }

/** One popped descriptor chain: device-readable segments first, then device-writable ones. */
export interface Chain {
  head: number;
  readable: Segment[];
  writable: Segment[];
  readableLen: number;
  writableLen: number;
}

/** Device side of one split virtqueue (§2.7). */
export class VirtQueue {
  /** QueueNum as set by the driver (defaults to the maximum, §4.2.2). */
  size: number;
  ready = false;
  descAddr = 0;
  driverAddr = 0;
  deviceAddr = 0;
  /** Next avail ring slot the device will consume (free-running u16). */
  lastAvailIdx = 0;
  /** used->idx the device will publish next (free-running u16). */
  usedIdx = 0;

  constructor(readonly index: number, readonly maxSize: number) {
    this.size = maxSize;
  }

  reset(): void {
    this.size = this.maxSize;
    this.ready = false;
    this.descAddr = this.driverAddr = this.deviceAddr = 0;
    this.lastAvailIdx = this.usedIdx = 0;
  }

  /** §2.7 alignment and size rules plus "every ring lies in RAM". Returns a reason or null. */
  check(mem: DmaMemory): string | null {
    const n = this.size;
    if (n === 0 || n > this.maxSize || (n & (n - 1)) !== 0) return `queue ${this.index}: bad size ${n} (max ${this.maxSize}, power of 2)`;
    if (this.descAddr % 16 !== 0) return `queue ${this.index}: descriptor table 0x${this.descAddr.toString(16)} not 16-byte aligned`;
    if (this.driverAddr % 2 !== 0) return `queue ${this.index}: driver area 0x${this.driverAddr.toString(16)} not 2-byte aligned`;
    if (this.deviceAddr % 4 !== 0) return `queue ${this.index}: device area 0x${this.deviceAddr.toString(16)} not 4-byte aligned`;
    if (!mem.isRam(this.descAddr, 16 * n)) return `queue ${this.index}: descriptor table 0x${this.descAddr.toString(16)} outside RAM`;
    if (!mem.isRam(this.driverAddr, 6 + 2 * n)) return `queue ${this.index}: driver area 0x${this.driverAddr.toString(16)} outside RAM`;
    if (!mem.isRam(this.deviceAddr, 6 + 8 * n)) return `queue ${this.index}: device area 0x${this.deviceAddr.toString(16)} outside RAM`;
    return null;
  }

  /** Avail flags say the driver wants no interrupt (§2.7.7). */
  interruptSuppressed(mem: DmaMemory): boolean {
    return (mem.readU16(this.driverAddr) & VIRTQ_AVAIL_F_NO_INTERRUPT) !== 0;
  }

  /**
   * Pops the next available chain, or null when the avail ring is empty.
   * Throws VirtqError on any malformation (bad index, loop, address outside RAM, ordering).
   */
  pop(mem: DmaMemory): Chain | null {
    const n = this.size;
    const availIdx = mem.readU16(this.driverAddr + 2);
    const pending = (availIdx - this.lastAvailIdx) & 0xffff;
    if (pending === 0) return null;
    if (pending > n) throw new VirtqError(`queue ${this.index}: avail idx ${availIdx} is ${pending} ahead of ${this.lastAvailIdx} (size ${n})`);
    const head = mem.readU16(this.driverAddr + 4 + 2 * (this.lastAvailIdx % n));
    this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
    if (head >= n) throw new VirtqError(`queue ${this.index}: avail head ${head} >= size ${n}`);
    const chain: Chain = { head, readable: [], writable: [], readableLen: 0, writableLen: 0 };
    let i = head;
    for (let count = 0; ; count++) {
      if (count >= n) throw new VirtqError(`queue ${this.index}: descriptor chain from ${head} longer than the queue (loop?)`);
      const d = this.descAddr + 16 * i;
      const addr = mem.readU64(d);
      const len = mem.readU32(d + 8);
      const flags = mem.readU16(d + 12);
      const next = mem.readU16(d + 14);
      if (flags & VIRTQ_DESC_F.INDIRECT) throw new VirtqError(`queue ${this.index}: indirect descriptor ${i} not negotiated`);
      if (!mem.isRam(addr, len)) {
        throw new VirtqError(`queue ${this.index}: descriptor ${i} buffer 0x${addr.toString(16)}+${len} outside RAM`);
      }
      if (flags & VIRTQ_DESC_F.WRITE) {
        chain.writable.push({ addr, len });
        chain.writableLen += len;
      } else {
        if (chain.writable.length > 0) throw new VirtqError(`queue ${this.index}: readable descriptor ${i} after a writable one`);
        chain.readable.push({ addr, len });
        chain.readableLen += len;
      }
      if (!(flags & VIRTQ_DESC_F.NEXT)) break;
      if (next >= n) throw new VirtqError(`queue ${this.index}: descriptor ${i} next ${next} >= size ${n}`);
      i = next;
    }
    return chain;
  }

  /** Publishes a used element and bumps used->idx (§2.7.8). */
  push(mem: DmaMemory, head: number, written: number): void {
    const slot = this.deviceAddr + 4 + 8 * (this.usedIdx % this.size);
    mem.writeU32(slot, head);
    mem.writeU32(slot + 4, written);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    mem.writeU16(this.deviceAddr + 2, this.usedIdx);
  }
}

/** Copies `len` bytes starting `offset` bytes into the concatenation of `segs`. */
export function gather(mem: DmaMemory, segs: Segment[], offset: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let done = 0;
  for (const s of segs) {
    if (done === len) break;
    if (offset >= s.len) { offset -= s.len; continue; }
    const n = Math.min(s.len - offset, len - done);
    out.set(mem.readBytes(s.addr + offset, n), done);
    done += n;
    offset = 0;
  }
  if (done !== len) throw new VirtqError(`chain too short: wanted ${len} bytes, had ${done}`);
  return out;
}

/** Writes `data` starting `offset` bytes into the concatenation of `segs`. */
export function scatter(mem: DmaMemory, segs: Segment[], offset: number, data: Uint8Array): void {
  let done = 0;
  for (const s of segs) {
    if (done === data.length) break;
    if (offset >= s.len) { offset -= s.len; continue; }
    const n = Math.min(s.len - offset, data.length - done);
    mem.writeBytes(s.addr + offset, data.subarray(done, done + n));
    done += n;
    offset = 0;
  }
  if (done !== data.length) throw new VirtqError(`chain too short: wanted ${data.length} bytes, had ${done}`);
}

/**
 * The virtio device core: status, feature negotiation, queues, interrupt status, config
 * generation. Device types (blk, ...) extend it; transports translate registers into calls.
 */
export abstract class VirtioDevice {
  abstract readonly deviceId: number;
  readonly vendorId: number = 0x554d4551;
  status = 0;
  /** InterruptStatus (§4.2.2; ISR on PCI §4.1.4.5). */
  isr = 0;
  configGeneration = 0;
  /** Driver-accepted features, as two 32-bit halves [bits 0..31, bits 32..63]. */
  readonly driverFeatures: [number, number] = [0, 0];
  readonly queues: VirtQueue[];
  /** Why the device last entered DEVICE_NEEDS_RESET, for logs and tests. */
  lastError: string | null = null;
  /** Interrupt line callback, set by the board: level true = asserted. */
  onInterrupt: ((level: boolean) => void) | null = null;

  constructor(readonly mem: DmaMemory, queueSizes: number[]) {
    this.queues = queueSizes.map((s, i) => new VirtQueue(i, s));
  }

  /** Device-type feature bits as [lo, hi] halves; VERSION_1 is added by the core. */
  protected abstract deviceTypeFeatures(): [number, number];
  abstract readonly configSize: number;
  abstract configRead(off: number, size: 1 | 2 | 4): number;
  configWrite(_off: number, _size: 1 | 2 | 4, _value: number): void { /* read-only config by default */ }
  /** Processes everything available on `q`; may throw VirtqError (turned into NEEDS_RESET). */
  protected abstract processQueue(q: VirtQueue): void;
  /** Device-type state reset (§2.4). */
  protected resetDeviceState(): void { /* none by default */ }

  /** Offered features, [lo, hi]. */
  deviceFeatures(): [number, number] {
    const [lo, hi] = this.deviceTypeFeatures();
    return [lo >>> 0, (hi | (1 << (VIRTIO_F.VERSION_1 - 32))) >>> 0];
  }

  hasFeature(bit: number): boolean {
    const half = bit < 32 ? this.driverFeatures[0] : this.driverFeatures[1];
    return ((half >>> (bit & 31)) & 1) === 1;
  }

  /** §2.4 device reset. */
  reset(): void {
    this.status = 0;
    this.isr = 0;
    this.driverFeatures[0] = this.driverFeatures[1] = 0;
    for (const q of this.queues) q.reset();
    this.lastError = null;
    this.resetDeviceState();
    this.updateIrq();
  }

  /** Status register write (§2.1, §3.1.1). Writing 0 resets; FEATURES_OK is refused when the
   *  driver accepted unknown features or not VERSION_1 (no legacy interface here). */
  writeStatus(v: number): void {
    v &= 0xff;
    if (v === 0) { this.reset(); return; }
    if ((v & VIRTIO_STATUS.FEATURES_OK) && !(this.status & VIRTIO_STATUS.FEATURES_OK)) {
      const [dlo, dhi] = this.deviceFeatures();
      const [lo, hi] = this.driverFeatures;
      const subset = (lo & ~dlo) === 0 && (hi & ~dhi) === 0;
      if (!subset || !this.hasFeature(VIRTIO_F.VERSION_1)) v &= ~VIRTIO_STATUS.FEATURES_OK;
    }
    this.status = (v | (this.status & VIRTIO_STATUS.DEVICE_NEEDS_RESET)) & 0xff;
  }

  /** Driver features write, only accepted before FEATURES_OK (§2.2). */
  writeDriverFeatures(sel: number, value: number): void {
    if (this.status & VIRTIO_STATUS.FEATURES_OK) return;
    if (sel === 0 || sel === 1) this.driverFeatures[sel] = value >>> 0;
  }

  /** QueueReady=1: validates the rings; an invalid queue puts the device in NEEDS_RESET. */
  setQueueReady(q: VirtQueue, ready: boolean): void {
    if (!ready) { q.ready = false; return; }
    const err = q.check(this.mem);
    if (err !== null) { this.fail(err); return; }
    q.lastAvailIdx = 0;
    q.usedIdx = 0;
    q.ready = true;
  }

  /** QueueNotify: processes the queue synchronously. Never throws. */
  notify(index: number): void {
    const q = this.queues[index];
    if (q === undefined || !q.ready) return;
    if (!(this.status & VIRTIO_STATUS.DRIVER_OK) || (this.status & VIRTIO_STATUS.DEVICE_NEEDS_RESET)) return;
    try {
      this.processQueue(q);
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  /** Marks the device broken (§2.1.2) and tells the driver with a config-change interrupt. */
  fail(reason: string): void {
    this.lastError = reason;
    this.status |= VIRTIO_STATUS.DEVICE_NEEDS_RESET;
    if (this.status & VIRTIO_STATUS.DRIVER_OK) {
      this.isr |= VIRTIO_INT.CONFIG_CHANGE;
      this.updateIrq();
    }
  }

  /** Called by device types after pushing used buffers. */
  protected usedBufferNotify(q: VirtQueue): void {
    this.isr |= VIRTIO_INT.USED_BUFFER;
    if (!q.interruptSuppressed(this.mem)) this.updateIrq();
  }

  ackInterrupt(bits: number): void {
    this.isr &= ~bits;
    this.updateIrq();
  }

  private updateIrq(): void {
    this.onInterrupt?.(this.isr !== 0);
  }
}
