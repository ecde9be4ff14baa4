/**
 * Decoded-instruction cache shared by the interpreters (PERF.md technique 1): one Int32Array
 * per 4 KiB code frame, `slotInts` ints per instruction slot of `granule` bytes, filled lazily
 * (a zero slot is "not decoded yet"). A store into a frame (Memory.onCodeWrite), an instruction
 * barrier or a breakpoint change clears slots back to zero, so a core never drops the array it
 * is running from. One cache per Memory (every hart of an address space shares it).
 */
import { FRAME_SHIFT, FRAME_SIZE, type Memory } from './memory';

export class DecodeCache {
  private readonly frames: Array<Int32Array | null>;
  private readonly live: number[] = [];
  /** Ints per frame. */
  readonly frameInts: number;
  /** Debugger breakpoints (virtual addresses), checked when a slot decodes. */
  breakpoints: ReadonlySet<bigint> = new Set();

  constructor(readonly mem: Memory, readonly granule: number, readonly slotInts: number) {
    this.frameInts = (FRAME_SIZE / granule) * slotInts;
    this.frames = new Array<Int32Array | null>(mem.u8.length >>> FRAME_SHIFT).fill(null);
    const prev = mem.onCodeWrite;
    mem.onCodeWrite = (frame) => { prev(frame); this.frames[frame]?.fill(0); };
  }

  /** Slots of the frame at RAM offset `off` (from Memory.fetchFrame); the frame becomes code. */
  frame(off: number): Int32Array {
    const f = off >>> FRAME_SHIFT;
    let d = this.frames[f];
    if (!d) {
      d = new Int32Array(this.frameInts);
      this.frames[f] = d;
      this.live.push(f);
      this.mem.markCode(f);
    }
    return d;
  }

  /** Int index of the slot for frame offset `o`. */
  index(o: number): number { return Math.floor(o / this.granule) * this.slotInts; }

  /** Forgets the instruction decoded at offset `o` of the frame at RAM offset `off`, if any. */
  invalidate(off: number, o: number): void {
    const d = this.frames[off >>> FRAME_SHIFT];
    if (d) d[this.index(o)] = 0;
  }

  /** Forgets every decoded instruction (instruction barriers). */
  clear(): void {
    for (const f of this.live) this.frames[f]!.fill(0);
  }
}

const caches = new WeakMap<Memory, DecodeCache>();

/** The cache of `mem`, created with the arch's slot geometry on first use. */
export function decodeCacheOf(mem: Memory, granule: number, slotInts: number): DecodeCache {
  let c = caches.get(mem);
  if (!c) { c = new DecodeCache(mem, granule, slotInts); caches.set(mem, c); }
  return c;
}
