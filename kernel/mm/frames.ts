/**
 * Physical frame allocator over the guest RAM buffer, with reference counts so that address
 * spaces can share frames copy-on-write. Frames are 4 KiB (arch/common/memory FRAME_SIZE).
 */
import { FRAME_SHIFT, FRAME_SIZE } from '../../arch/common/memory';

export class OutOfMemory extends Error {}

export class FrameAllocator {
  private readonly refs: Uint16Array;
  private readonly free: number[] = [];
  private next: number;
  private used = 0;
  /**
   * Called when a freed frame is handed out again: code decoded from its old contents (by any
   * process's CPU) must be forgotten.
   */
  onReuse: (frame: number) => void = () => {};

  /**
   * @param u8 the whole RAM
   * @param first first allocatable frame index (frames below are reserved, e.g. for DMA rings)
   */
  constructor(private readonly u8: Uint8Array, first: number) {
    this.refs = new Uint16Array(u8.length >>> FRAME_SHIFT);
    this.next = first;
  }

  get totalFrames(): number { return this.refs.length; }
  get usedFrames(): number { return this.used; }

  /** A zeroed frame with one reference; returns its byte offset in RAM. */
  alloc(): number {
    let frame = this.free.pop();
    if (frame === undefined) {
      if (this.next >= this.refs.length) throw new OutOfMemory('guest RAM exhausted');
      frame = this.next++;
    } else {
      this.u8.fill(0, frame << FRAME_SHIFT, (frame << FRAME_SHIFT) + FRAME_SIZE);
      this.onReuse(frame);
    }
    this.refs[frame] = 1;
    this.used++;
    return frame << FRAME_SHIFT;
  }

  ref(off: number): void {
    const f = off >>> FRAME_SHIFT;
    if (this.refs[f] === 0xffff) throw new OutOfMemory('frame shared too often');
    this.refs[f]!++;
  }

  refCount(off: number): number { return this.refs[off >>> FRAME_SHIFT]!; }

  release(off: number): void {
    const f = off >>> FRAME_SHIFT;
    if (this.refs[f] === 0) throw new Error(`double free of frame ${f}`);
    if (--this.refs[f]! === 0) {
      this.free.push(f);
      this.used--;
    }
  }
}
