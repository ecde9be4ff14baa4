/**
 * The system bus: physical address -> RAM or MMIO device (TinyEMU's PhysMemoryMap).
 *
 * Devices only know offsets; the bus owns base addresses and rejects overlapping mappings.
 * Devices that DMA (virtio) use the `DmaMemory` helpers, which reach RAM only, never MMIO.
 * Physical addresses are JS numbers (integers < 2^53).
 */
import { Ram } from './ram';

/** A memory-mapped device, TinyEMU style: the bus hands it offsets relative to its base. */
export interface MmioDevice {
  readonly name: string;
  /** Size in bytes of the MMIO window. */
  readonly size: number;
  read(off: number, size: 1 | 2 | 4): number;
  write(off: number, size: 1 | 2 | 4, value: number): void;
}

/** An access that hit no RAM or device, or a DMA access that left RAM. */
export class BusError extends Error {
  constructor(readonly addr: number, readonly size: number, readonly access: 'read' | 'write', detail?: string) {
    super(`bus ${access} of ${size} byte(s) at 0x${addr.toString(16)}: ${detail ?? 'unmapped address'}`);
    this.name = 'BusError';
  }
}

/** Guest-physical memory as seen by a DMA-capable device (or a guest-side driver). */
export interface DmaMemory {
  /** True when [pa, pa+len) lies entirely inside one RAM region. */
  isRam(pa: number, len: number): boolean;
  readBytes(pa: number, len: number): Uint8Array;
  writeBytes(pa: number, data: Uint8Array): void;
  readU8(pa: number): number;
  readU16(pa: number): number;
  readU32(pa: number): number;
  /** u64 as a number (exact below 2^53; larger values are beyond any RAM anyway). */
  readU64(pa: number): number;
  readBigU64(pa: number): bigint;
  writeU8(pa: number, v: number): void;
  writeU16(pa: number, v: number): void;
  writeU32(pa: number, v: number): void;
  writeU64(pa: number, v: number | bigint): void;
}

interface RamRegion { base: number; end: number; ram: Ram }
interface DevRegion { base: number; end: number; dev: MmioDevice }

const MAX_PA = Number.MAX_SAFE_INTEGER;

export class Bus implements DmaMemory {
  private rams: RamRegion[] = [];
  private devs: DevRegion[] = [];
  private lastRam: RamRegion | null = null;

  /** Maps `ram` at physical address `base`. */
  attachRam(base: number, ram: Ram): void {
    this.claim(base, ram.size, 'RAM');
    const r = { base, end: base + ram.size, ram };
    this.rams.push(r);
    this.rams.sort((a, b) => a.base - b.base);
  }

  /** Maps `dev` at physical address `base`; throws if the window overlaps anything mapped. */
  attach(base: number, dev: MmioDevice): void {
    this.claim(base, dev.size, dev.name);
    this.devs.push({ base, end: base + dev.size, dev });
    this.devs.sort((a, b) => a.base - b.base);
  }

  /** The device mapped at exactly `base`, if any. */
  deviceAt(base: number): MmioDevice | undefined {
    return this.devs.find((d) => d.base === base)?.dev;
  }

  private claim(base: number, size: number, what: string): void {
    if (!Number.isInteger(base) || base < 0 || !Number.isInteger(size) || size <= 0 || base + size > MAX_PA) {
      throw new RangeError(`bus: cannot map ${what} at 0x${base.toString(16)} size 0x${size.toString(16)}`);
    }
    const end = base + size;
    for (const r of [...this.rams.map((x) => ({ ...x, name: 'RAM' })), ...this.devs.map((x) => ({ ...x, name: x.dev.name }))]) {
      if (base < r.end && r.base < end) {
        throw new RangeError(`bus: ${what} [0x${base.toString(16)}, 0x${end.toString(16)}) overlaps ${r.name} ` +
          `[0x${r.base.toString(16)}, 0x${r.end.toString(16)})`);
      }
    }
  }

  private findRam(pa: number, len: number): RamRegion | null {
    const l = this.lastRam;
    if (l !== null && pa >= l.base && pa + len <= l.end) return l;
    for (const r of this.rams) {
      if (pa >= r.base && pa + len <= r.end) { this.lastRam = r; return r; }
    }
    return null;
  }

  private findDev(pa: number, len: number): DevRegion | null {
    for (const d of this.devs) if (pa >= d.base && pa + len <= d.end) return d;
    return null;
  }

  /** CPU-style load: RAM or MMIO. Unmapped -> BusError. */
  read(addr: number, size: 1 | 2 | 4): number {
    const r = this.findRam(addr, size);
    if (r !== null) {
      const o = addr - r.base;
      const dv = r.ram.dv;
      return size === 1 ? dv.getUint8(o) : size === 2 ? dv.getUint16(o, true) : dv.getUint32(o, true);
    }
    const d = this.findDev(addr, size);
    if (d !== null) return d.dev.read(addr - d.base, size) >>> 0;
    throw new BusError(addr, size, 'read');
  }

  /** CPU-style store: RAM or MMIO. Unmapped -> BusError. */
  write(addr: number, size: 1 | 2 | 4, value: number): void {
    const r = this.findRam(addr, size);
    if (r !== null) {
      const o = addr - r.base;
      const dv = r.ram.dv;
      if (size === 1) dv.setUint8(o, value); else if (size === 2) dv.setUint16(o, value, true); else dv.setUint32(o, value >>> 0, true);
      return;
    }
    const d = this.findDev(addr, size);
    if (d !== null) { d.dev.write(addr - d.base, size, value >>> 0); return; }
    throw new BusError(addr, size, 'write');
  }

  // ---- DMA helpers (RAM only) ----

  isRam(pa: number, len: number): boolean {
    return Number.isInteger(pa) && Number.isInteger(len) && pa >= 0 && len >= 0 && this.findRam(pa, len) !== null;
  }

  private ramFor(pa: number, len: number, access: 'read' | 'write'): RamRegion {
    const r = Number.isInteger(pa) && pa >= 0 ? this.findRam(pa, len) : null;
    if (r === null) throw new BusError(pa, len, access, 'DMA outside RAM');
    return r;
  }

  readBytes(pa: number, len: number): Uint8Array {
    const r = this.ramFor(pa, len, 'read');
    const o = pa - r.base;
    return r.ram.u8.slice(o, o + len);
  }

  writeBytes(pa: number, data: Uint8Array): void {
    const r = this.ramFor(pa, data.length, 'write');
    r.ram.u8.set(data, pa - r.base);
  }

  readU8(pa: number): number { const r = this.ramFor(pa, 1, 'read'); return r.ram.u8[pa - r.base]!; }
  readU16(pa: number): number { const r = this.ramFor(pa, 2, 'read'); return r.ram.dv.getUint16(pa - r.base, true); }
  readU32(pa: number): number { const r = this.ramFor(pa, 4, 'read'); return r.ram.dv.getUint32(pa - r.base, true); }
  readU64(pa: number): number {
    const r = this.ramFor(pa, 8, 'read');
    const o = pa - r.base;
    return r.ram.dv.getUint32(o + 4, true) * 0x1_0000_0000 + r.ram.dv.getUint32(o, true);
  }
  readBigU64(pa: number): bigint { const r = this.ramFor(pa, 8, 'read'); return r.ram.dv.getBigUint64(pa - r.base, true); }
  writeU8(pa: number, v: number): void { const r = this.ramFor(pa, 1, 'write'); r.ram.u8[pa - r.base] = v; }
  writeU16(pa: number, v: number): void { const r = this.ramFor(pa, 2, 'write'); r.ram.dv.setUint16(pa - r.base, v, true); }
  writeU32(pa: number, v: number): void { const r = this.ramFor(pa, 4, 'write'); r.ram.dv.setUint32(pa - r.base, v >>> 0, true); }
  writeU64(pa: number, v: number | bigint): void {
    const r = this.ramFor(pa, 8, 'write');
    r.ram.dv.setBigUint64(pa - r.base, BigInt.asUintN(64, BigInt(v)), true);
  }
}
