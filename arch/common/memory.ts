/**
 * Guest virtual memory as a CPU core sees it: a direct-mapped software TLB per access kind in
 * front of a {@link Pager} that owns the translation (the kernel's page table in Linux mode, the
 * arch's page-table walker in machine mode). Physical memory is one ArrayBuffer shared with the
 * device Bus; the OS commits its pages only when touched, so a large one costs nothing up front.
 *
 * Hot-path addresses are 64-bit values split into int32 halves (lo, hi), the register-file
 * representation of the cores (see docs/perf.md); kernel-side helpers take plain numbers, exact
 * for every user address (< 2^53).
 *
 * Internal frames are always 4 KiB; an arch whose Linux page size is larger (LoongArch: 16 KiB)
 * maps several consecutive frames per page, which the Pager handles.
 */

export const FRAME_SHIFT = 12;
export const FRAME_SIZE = 1 << FRAME_SHIFT;
export const FRAME_MASK = FRAME_SIZE - 1;

const TLB_BITS = 10;
const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;
/** Tag that no virtual page has: `lo >>> 12` is always below 2^20. */
const NO_TAG = -1;

export const enum Access { Read = 0, Write = 1, Exec = 2 }

export function accessName(a: Access): 'r' | 'w' | 'x' {
  return a === Access.Read ? 'r' : a === Access.Write ? 'w' : 'x';
}

/** Translation provider. */
export interface Pager {
  /**
   * Returns the byte offset in RAM of the 4 KiB frame backing virtual frame `vfn` (= va / 4096,
   * exact as a double for every 64-bit address) for `access`, after demand paging or
   * copy-on-write as needed; -1 when the access must fault.
   */
  translate(vfn: number, access: Access): number;
}

/** Thrown by memory accesses that the Pager refuses; cores turn it into a 'fault' StopReason. */
export class MemFault {
  constructor(readonly addr: bigint, readonly access: Access) {}
}

/**
 * Thrown by an access that touches a debugger watchpoint, before the access takes effect: gdb
 * treats riscv, aarch64 and loongarch watchpoints as non-steppable and expects the stop with pc
 * at the accessing instruction (it then steps over it with the watchpoint removed).
 */
export class WatchHit extends MemFault {}

/** A data watchpoint, set by the debugger. */
export interface Watchpoint { addr: number; len: number; read: boolean; write: boolean }

export function vaOf(lo: number, hi: number): number {
  return hi * 4294967296 + (lo >>> 0);
}

export function bigOf(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export class Memory {
  readonly u8: Uint8Array;
  readonly dv: DataView;
  pager: Pager;

  /**
   * Read and write TLBs, slot `(lo >>> 12) & TLB_MASK`: tag `lo >>> 12` in *Lo, `hi` in *Hi, the
   * frame's RAM offset in *Off. Public so that a core whose run loop is too large for V8 to inline
   * the accessors can test a hit inline ({@link TLB_MASK}); a miss must go through the accessors.
   * Write entries never cover a code frame or a watched frame.
   */
  readonly rLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  readonly rHi = new Int32Array(TLB_SIZE);
  readonly rOff = new Int32Array(TLB_SIZE);
  readonly wLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  readonly wHi = new Int32Array(TLB_SIZE);
  readonly wOff = new Int32Array(TLB_SIZE);
  private readonly xLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  private readonly xHi = new Int32Array(TLB_SIZE);
  private readonly xOff = new Int32Array(TLB_SIZE);

  /** 1 for frames whose instructions a core has decoded and cached. */
  private readonly codeFrames: Uint8Array;
  /** Called with a frame index when a frame holding decoded code is written. */
  onCodeWrite: (frame: number) => void = () => {};

  private watchpoints: Watchpoint[] = [];

  /** High word of the last {@link load64}. */
  hi = 0;

  constructor(readonly ram: ArrayBuffer, pager: Pager) {
    if (ram.byteLength % FRAME_SIZE !== 0 || ram.byteLength > 2 ** 31) {
      throw new RangeError('RAM must be a multiple of 4 KiB and at most 2 GiB');
    }
    this.u8 = new Uint8Array(ram);
    this.dv = new DataView(ram);
    this.pager = pager;
    this.codeFrames = new Uint8Array(ram.byteLength >>> FRAME_SHIFT);
  }

  /** Forgets every cached translation: after any page-table change or a switch of Pager. */
  flushTlb(): void {
    this.rLo.fill(NO_TAG);
    this.wLo.fill(NO_TAG);
    this.xLo.fill(NO_TAG);
  }

  setPager(pager: Pager): void {
    this.pager = pager;
    this.flushTlb();
  }

  // ---- hot-path accessors (lo/hi address halves) ----

  load8(lo: number, hi: number): number {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK;
    if (this.rLo[i] === vpn && this.rHi[i] === hi) return this.u8[this.rOff[i]! + (lo & FRAME_MASK)]!;
    return this.u8[this.fillSlow(lo, hi, Access.Read) + (lo & FRAME_MASK)]!;
  }

  load16(lo: number, hi: number): number {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK, o = lo & FRAME_MASK;
    if (this.rLo[i] === vpn && this.rHi[i] === hi && o <= FRAME_SIZE - 2) return this.dv.getUint16(this.rOff[i]! + o, true);
    return this.loadSlow(lo, hi, 2, Access.Read);
  }

  load32(lo: number, hi: number): number {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK, o = lo & FRAME_MASK;
    if (this.rLo[i] === vpn && this.rHi[i] === hi && o <= FRAME_SIZE - 4) return this.dv.getInt32(this.rOff[i]! + o, true);
    return this.loadSlow(lo, hi, 4, Access.Read) | 0;
  }

  /** Returns the low word; the high word is left in {@link hi}. */
  load64(lo: number, hi: number): number {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK, o = lo & FRAME_MASK;
    if (this.rLo[i] === vpn && this.rHi[i] === hi && o <= FRAME_SIZE - 8) {
      const p = this.rOff[i]! + o;
      this.hi = this.dv.getInt32(p + 4, true);
      return this.dv.getInt32(p, true);
    }
    const offs = this.probe(lo, hi, 8, Access.Read), u8 = this.u8;
    this.hi = u8[offs[4]!]! | (u8[offs[5]!]! << 8) | (u8[offs[6]!]! << 16) | (u8[offs[7]!]! << 24);
    return u8[offs[0]!]! | (u8[offs[1]!]! << 8) | (u8[offs[2]!]! << 16) | (u8[offs[3]!]! << 24);
  }

  store8(lo: number, hi: number, v: number): void {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK;
    if (this.wLo[i] === vpn && this.wHi[i] === hi) { this.u8[this.wOff[i]! + (lo & FRAME_MASK)] = v; return; }
    this.u8[this.fillSlow(lo, hi, Access.Write) + (lo & FRAME_MASK)] = v;
  }

  store16(lo: number, hi: number, v: number): void {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK, o = lo & FRAME_MASK;
    if (this.wLo[i] === vpn && this.wHi[i] === hi && o <= FRAME_SIZE - 2) { this.dv.setUint16(this.wOff[i]! + o, v, true); return; }
    this.storeSlow(lo, hi, 2, v);
  }

  store32(lo: number, hi: number, v: number): void {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK, o = lo & FRAME_MASK;
    if (this.wLo[i] === vpn && this.wHi[i] === hi && o <= FRAME_SIZE - 4) { this.dv.setInt32(this.wOff[i]! + o, v, true); return; }
    this.storeSlow(lo, hi, 4, v);
  }

  store64(lo: number, hi: number, vlo: number, vhi: number): void {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK, o = lo & FRAME_MASK;
    if (this.wLo[i] === vpn && this.wHi[i] === hi && o <= FRAME_SIZE - 8) {
      const p = this.wOff[i]! + o;
      this.dv.setInt32(p, vlo, true);
      this.dv.setInt32(p + 4, vhi, true);
      return;
    }
    // Every byte is translated before any is written, so a fault leaves memory untouched.
    const offs = this.probe(lo, hi, 8, Access.Write), u8 = this.u8;
    for (let k = 0; k < 4; k++) { u8[offs[k]!] = (vlo >>> (8 * k)) & 0xff; u8[offs[k + 4]!] = (vhi >>> (8 * k)) & 0xff; }
  }

  /**
   * Byte offset in RAM of the frame holding instruction address (lo, hi), for a core's decode
   * cache. Throws MemFault(Exec) when not executable.
   */
  fetchFrame(lo: number, hi: number): number {
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK;
    if (this.xLo[i] === vpn && this.xHi[i] === hi) return this.xOff[i]!;
    return this.fillSlow(lo, hi, Access.Exec);
  }

  /**
   * A core calls this when it caches decoded instructions of a frame: later writes to the frame
   * take the slow path once, which reports them through {@link onCodeWrite}.
   */
  markCode(frame: number): void {
    if (this.codeFrames[frame]) return;
    this.codeFrames[frame] = 1;
    const off = frame << FRAME_SHIFT;
    for (let i = 0; i < TLB_SIZE; i++) if (this.wOff[i] === off) this.wLo[i] = NO_TAG;
  }

  /** Something other than a store (the kernel, a debugger) wrote into RAM frame `frame`. */
  invalidateFrame(frame: number): void {
    if (!this.codeFrames[frame]) return;
    this.codeFrames[frame] = 0;
    this.onCodeWrite(frame);
  }

  // ---- watchpoints ----

  setWatchpoints(list: Watchpoint[]): void {
    this.watchpoints = list.slice();
    this.flushTlb();
  }

  get watching(): boolean { return this.watchpoints.length > 0; }

  // ---- slow paths ----

  /**
   * Translates, checks watchpoints (not for the kernel's own accesses), fills the TLB when
   * allowed; returns the frame offset.
   */
  private fillSlow(lo: number, hi: number, access: Access, kernel = false): number {
    const vfn = hi * 1048576 + (lo >>> FRAME_SHIFT);
    const off = this.pager.translate(vfn, access);
    if (off < 0) throw new MemFault(bigOf(lo, hi), access);
    const frame = off >>> FRAME_SHIFT;
    if (access === Access.Write && this.codeFrames[frame]) {
      this.codeFrames[frame] = 0;
      this.onCodeWrite(frame);
    }
    if (this.watchpoints.length > 0 && access !== Access.Exec && this.watchedFrame(vfn)) {
      if (!kernel) this.checkWatch(vaOf(lo, hi), access);
      return off; // never cached: every access to a watched frame comes back here
    }
    const vpn = lo >>> FRAME_SHIFT, i = vpn & TLB_MASK;
    if (access === Access.Read) { this.rLo[i] = vpn; this.rHi[i] = hi; this.rOff[i] = off; }
    else if (access === Access.Write) { this.wLo[i] = vpn; this.wHi[i] = hi; this.wOff[i] = off; }
    else { this.xLo[i] = vpn; this.xHi[i] = hi; this.xOff[i] = off; }
    return off;
  }

  private watchedFrame(vfn: number): boolean {
    for (const w of this.watchpoints) {
      if (Math.floor(w.addr / FRAME_SIZE) <= vfn && vfn <= Math.floor((w.addr + w.len - 1) / FRAME_SIZE)) return true;
    }
    return false;
  }

  private checkWatch(va: number, access: Access): void {
    for (const w of this.watchpoints) {
      if (va >= w.addr && va < w.addr + w.len && (access === Access.Read ? w.read : w.write)) {
        throw new WatchHit(BigInt(va), access);
      }
    }
  }

  /** Little-endian load of `size` bytes that may cross a frame boundary or hit a watchpoint. */
  /**
   * RAM offsets of `size` bytes from (lo, hi), translated in ascending order so that a fault or a
   * watchpoint is reported at the lowest byte concerned, as hardware and qemu report it.
   */
  private probe(lo: number, hi: number, size: number, access: Access): number[] {
    const offs: number[] = [];
    for (let k = 0; k < size; k++) {
      const l = (lo + k) | 0, h = (l >>> 0) < (lo >>> 0) ? (hi + 1) | 0 : hi;
      offs.push(this.fillSlow(l, h, access) + (l & FRAME_MASK));
    }
    return offs;
  }

  /** Little-endian load of `size` bytes that may cross a frame boundary or hit a watchpoint. */
  private loadSlow(lo: number, hi: number, size: number, access: Access): number {
    const offs = this.probe(lo, hi, size, access);
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = v * 256 + this.u8[offs[k]!]!;
    return v;
  }

  private storeSlow(lo: number, hi: number, size: number, v: number): void {
    const offs = this.probe(lo, hi, size, Access.Write);
    for (let k = 0; k < size; k++) this.u8[offs[k]!] = (v >>> (8 * k)) & 0xff;
  }

  // ---- kernel-side helpers (number addresses, may throw MemFault) ----

  private frameFor(va: number, access: Access): number {
    const lo = va % 4294967296 | 0, hi = Math.floor(va / 4294967296) | 0;
    return this.fillSlow(lo, hi, access, true) + (va % FRAME_SIZE);
  }

  readBytes(va: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const p = this.frameFor(va + done, Access.Read);
      const n = Math.min(len - done, FRAME_SIZE - ((va + done) % FRAME_SIZE));
      out.set(this.u8.subarray(p, p + n), done);
      done += n;
    }
    return out;
  }

  writeBytes(va: number, data: Uint8Array): void {
    // Translate every page first so a fault leaves memory untouched.
    const parts: Array<[number, number, number]> = [];
    for (let done = 0; done < data.length;) {
      const p = this.frameFor(va + done, Access.Write);
      const n = Math.min(data.length - done, FRAME_SIZE - ((va + done) % FRAME_SIZE));
      parts.push([p, done, n]);
      done += n;
    }
    for (const [p, from, n] of parts) this.u8.set(data.subarray(from, from + n), p);
  }

  /** Reads a NUL-terminated string of at most `max` bytes (without the NUL); null if longer. */
  readCString(va: number, max = 4096): string | null {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.u8[this.frameFor(va + i, Access.Read)]!;
      if (b === 0) return Buffer.from(bytes).toString('utf8');
      bytes.push(b);
    }
    return null;
  }

  readU32(va: number): number { return this.dvOf(va, 4).getUint32(0, true); }
  readU64(va: number): bigint { return this.dvOf(va, 8).getBigUint64(0, true); }

  writeU16(va: number, v: number): void {
    this.writeBytes(va, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
  }

  writeU32(va: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.writeBytes(va, b);
  }

  writeU64(va: number, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.writeBytes(va, b);
  }

  private dvOf(va: number, len: number): DataView {
    const b = this.readBytes(va, len);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
}
