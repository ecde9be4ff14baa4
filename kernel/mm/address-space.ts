/**
 * A process's user address space: VMAs (what may be mapped, with what rights and contents) and a
 * page table (what is mapped now). It is the CPU memory's Pager in Linux mode: pages are
 * populated on first touch (demand paging), private writable pages shared after a fork are
 * copied on the first write, and anything outside a VMA or against its rights faults.
 *
 * Addresses are JS numbers (exact below 2^53; every user address is below 2^48).
 */
import { Access, FRAME_SIZE, type Pager } from '../../arch/common/memory';
import { FrameAllocator, OutOfMemory } from './frames';
import type { MappedFile } from './mapped-file';

export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

const PTE_R = 1, PTE_W = 2, PTE_X = 4, PTE_COW = 8;
const PTE_FLAGS = 0xfff;

/**
 * Contents of a file-backed mapping at file offset `base + (va - start)`: either fixed bytes
 * (ELF segments, the vDSO; zero past their end) or a file mapped with mmap.
 */
export interface VmaFile { data?: Uint8Array; mapped?: MappedFile; base: number; path: string }

export interface Vma {
  start: number;
  end: number;
  prot: number;
  shared: boolean;
  file: VmaFile | null;
  /** Shown in /proc/self/maps and the monitor: [heap], [stack], a path. */
  name: string;
}

export class MapError extends Error {
  constructor(readonly errno: 'ENOMEM' | 'EEXIST' | 'EINVAL' | 'EACCES' | 'ENODEV', message: string) { super(message); }
}

/** Highest user address + 1 that the kernel hands out (47-bit user space). */
export const USER_TOP = 2 ** 47;

function ptePerms(prot: number): number {
  return (prot & PROT_READ ? PTE_R : 0) | (prot & PROT_WRITE ? PTE_W : 0) | (prot & PROT_EXEC ? PTE_X : 0);
}

export class AddressSpace implements Pager {
  /** Sorted, non-overlapping. */
  vmas: Vma[] = [];
  private readonly pt = new Map<number, number>();
  brkStart = 0;
  brkEnd = 0;
  /** Next address mmap searches from (see findFree). */
  mmapNext: number;
  /** Bytes of private writable mappings, bounded by commitLimit (Linux's overcommit heuristic). */
  private committed = 0;
  /** Called after any change that cached translations must not outlive. */
  onChange: () => void = () => {};
  /** Called once when a page cannot be populated because guest RAM is exhausted. */
  onOutOfMemory: () => void = () => {};

  constructor(
    private readonly frames: FrameAllocator,
    private readonly u8: Uint8Array,
    readonly pageSize: number,
    readonly commitLimit: number,
    readonly mmapBase: number,
  ) {
    this.mmapNext = mmapBase;
  }

  // ---- Pager ----

  translate(vfn: number, access: Access): number {
    const pte = this.pt.get(vfn);
    if (pte !== undefined) {
      const need = access === Access.Read ? PTE_R : access === Access.Write ? PTE_W : PTE_X;
      if (pte & need) return pte - (pte & PTE_FLAGS);
      if (access === Access.Write && pte & PTE_COW) return this.breakCow(vfn, pte);
      return -1;
    }
    const va = vfn * FRAME_SIZE;
    const vma = this.find(va);
    if (!vma) return -1;
    const allowed = access === Access.Read ? vma.prot & PROT_READ : access === Access.Write ? vma.prot & PROT_WRITE : vma.prot & PROT_EXEC;
    if (!allowed || this.beyondFile(va)) return -1;
    try {
      return this.populate(vfn, vma);
    } catch (e) {
      if (e instanceof OutOfMemory) { this.onOutOfMemory(); return -1; }
      throw e;
    }
  }

  private populate(vfn: number, vma: Vma): number {
    const f = vma.file;
    const from = f ? f.base + (vfn * FRAME_SIZE - vma.start) : 0;
    let off: number;
    if (f?.mapped && vma.shared) {
      off = f.mapped.sharedFrame(from);
      f.mapped.users.add(this);
    } else {
      off = this.frames.alloc();
      if (f?.mapped) f.mapped.fill(from, off);
      else if (f?.data && from < f.data.length) this.u8.set(f.data.subarray(from, Math.min(f.data.length, from + FRAME_SIZE)), off);
    }
    this.pt.set(vfn, off | ptePerms(vma.prot));
    return off;
  }

  /** The page of `va` lies wholly past the end of the file it maps (an access is SIGBUS). */
  beyondFile(va: number): boolean {
    const v = this.find(va);
    const m = v?.file?.mapped;
    if (!v || !m) return false;
    const page = v.file!.base + (Math.floor(va / FRAME_SIZE) * FRAME_SIZE - v.start);
    return page >= Math.ceil(m.size() / FRAME_SIZE) * FRAME_SIZE;
  }

  /** Drops the pages of shared mappings of `m` that lie wholly past a file size of `size`. */
  zapFile(m: MappedFile, size: number): void {
    const end = Math.ceil(size / FRAME_SIZE) * FRAME_SIZE;
    for (const v of this.vmas) {
      if (v.file?.mapped !== m || !v.shared) continue;
      const from = Math.max(v.start, v.start + (end - v.file.base));
      if (from < v.end) this.dropPages(from, v.end);
    }
    this.onChange();
  }

  /** msync: shared file pages of [start, start+len) go back to their files. */
  writeBack(start: number, len: number): void {
    for (const v of this.vmas) {
      const m = v.file?.mapped;
      if (!m || !v.shared || v.end <= start || v.start >= start + len) continue;
      const lo = Math.max(start, v.start), hi = Math.min(start + len, v.end);
      m.writeBack(v.file!.base + (lo - v.start), hi - lo);
    }
  }

  /**
   * Gives `vfn` a frame of its own (copying a shared one) with `perms`; -1 when RAM is exhausted.
   * A copy changes the frame behind the page, so cached translations of every kind (the read
   * and exec TLB entries still name the shared frame) must go.
   */
  private breakCow(vfn: number, pte: number, perms = (pte & (PTE_R | PTE_X)) | PTE_W): number {
    const off = pte - (pte & PTE_FLAGS);
    if (this.frames.refCount(off) === 1) {
      this.pt.set(vfn, off | perms);
      return off;
    }
    let copy: number;
    try { copy = this.frames.alloc(); } catch (e) {
      if (e instanceof OutOfMemory) { this.onOutOfMemory(); return -1; }
      throw e;
    }
    this.u8.copyWithin(copy, off, off + FRAME_SIZE);
    this.frames.release(off);
    this.pt.set(vfn, copy | perms);
    this.onChange();
    return copy;
  }

  // ---- VMAs ----

  find(va: number): Vma | undefined {
    let lo = 0, hi = this.vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, v = this.vmas[mid]!;
      if (va < v.start) hi = mid - 1;
      else if (va >= v.end) lo = mid + 1;
      else return v;
    }
    return undefined;
  }

  isFree(start: number, end: number): boolean {
    return start >= 0 && end <= USER_TOP && start < end && !this.vmas.some((v) => v.start < end && start < v.end);
  }

  /**
   * Where mmap puts a mapping without a usable hint, as qemu-user does (linux-user/mmap.c,
   * mmap_find_vma): the first free range at or above a pointer that starts at the mmap base and
   * moves to the end of each such mapping (holes left by munmap are not reused until the search
   * wraps), so that runs are comparable address for address with qemu; below the base, top down,
   * only when nothing above fits. The caller advances {@link mmapNext} once the mapping is made.
   */
  findFree(len: number): number | null {
    for (const from of [this.mmapNext, this.mmapBase]) {
      let at = from;
      for (const v of this.vmas) {
        if (v.end <= at) continue;
        if (v.start >= at + len) break;
        at = v.end;
      }
      if (at + len <= USER_TOP) return at;
    }
    let top = this.mmapBase;
    for (let i = this.vmas.length - 1; i >= -1; i--) {
      const v = this.vmas[i];
      const floor = v ? v.end : this.pageSize;
      if (v && v.start >= top) continue;
      if (top - len >= floor) return top - len;
      if (!v) break;
      top = Math.min(top, v.start);
    }
    return null;
  }

  /**
   * Maps [start, start+len) (page-aligned by the caller), replacing whatever was there
   * (MAP_FIXED semantics; callers check isFree for the other modes).
   */
  map(vma: Vma): void {
    if (vma.start % this.pageSize || vma.end % this.pageSize || vma.end <= vma.start || vma.end > USER_TOP) {
      throw new MapError('EINVAL', `bad mapping ${vma.start.toString(16)}-${vma.end.toString(16)}`);
    }
    const add = this.commitOf(vma);
    const removed = this.committedIn(vma.start, vma.end);
    if (this.committed - removed + add > this.commitLimit) {
      throw new MapError('ENOMEM', `mapping of ${vma.end - vma.start} bytes exceeds the guest memory limit`);
    }
    this.unmap(vma.start, vma.end - vma.start);
    this.committed += add;
    vma.file?.mapped?.retain();
    const i = this.vmas.findIndex((v) => v.start > vma.start);
    this.vmas.splice(i < 0 ? this.vmas.length : i, 0, vma);
  }

  unmap(start: number, len: number): void {
    const end = start + len;
    if (!this.vmas.some((v) => v.start < end && start < v.end)) return;
    this.splitAt(start);
    this.splitAt(end);
    this.writeBack(start, len);
    const files = new Set<MappedFile>();
    this.vmas = this.vmas.filter((v) => {
      if (v.start >= start && v.end <= end) {
        this.committed -= this.commitOf(v);
        this.dropPages(v.start, v.end);
        if (v.file?.mapped) files.add(v.file.mapped);
        v.file?.mapped?.release();
        return false;
      }
      return true;
    });
    for (const m of files) m.trim();
    this.onChange();
  }

  /**
   * mremap: the mapping [start, start+oldLen) — one VMA — becomes [to, to+newLen), its pages
   * moving along. The caller has checked that the new range is free (beyond the old one).
   */
  remap(start: number, oldLen: number, to: number, newLen: number): void {
    this.splitAt(start);
    this.splitAt(start + oldLen);
    if (newLen < oldLen) {
      this.unmap(start + newLen, oldLen - newLen);
      oldLen = newLen;
    }
    const v = this.find(start)!;
    const grow = newLen - oldLen;
    const add = this.commitOf(v) ? grow : 0;
    if (add > 0 && this.committed + add > this.commitLimit) {
      throw new MapError('ENOMEM', `mremap to ${newLen} bytes exceeds the guest memory limit`);
    }
    this.committed += add;
    if (to === start) {
      v.end = start + newLen;
      this.onChange();
      return;
    }
    const moved: Array<[number, number]> = [];
    for (let a = start; a < start + oldLen; a += FRAME_SIZE) {
      const pte = this.pt.get(a / FRAME_SIZE);
      if (pte === undefined) continue;
      this.pt.delete(a / FRAME_SIZE);
      moved.push([(to + (a - start)) / FRAME_SIZE, pte]);
    }
    for (const [vfn, pte] of moved) this.pt.set(vfn, pte);
    this.vmas.splice(this.vmas.indexOf(v), 1);
    const nv: Vma = { ...v, start: to, end: to + newLen, file: v.file ? { ...v.file } : null };
    const i = this.vmas.findIndex((x) => x.start > to);
    this.vmas.splice(i < 0 ? this.vmas.length : i, 0, nv);
    this.onChange();
  }

  /** Returns false when part of the range is not mapped (Linux: ENOMEM). */
  protect(start: number, len: number, prot: number): boolean {
    const end = start + len;
    for (let a = start; a < end;) {
      const v = this.find(a);
      if (!v) return false;
      a = v.end;
    }
    // Making private memory writable commits it (Linux: mprotect_fixup's vm_enough_memory).
    let grow = 0;
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) continue;
      const n = Math.min(end, v.end) - Math.max(start, v.start);
      grow += (this.commitOf({ ...v, prot }) ? n : 0) - (this.commitOf(v) ? n : 0);
    }
    if (grow > 0 && this.committed + grow > this.commitLimit) {
      throw new MapError('ENOMEM', `mprotect of ${len} bytes exceeds the guest memory limit`);
    }
    this.splitAt(start);
    this.splitAt(end);
    for (const v of this.vmas) {
      if (v.start < start || v.end > end) continue;
      this.committed += this.commitOf({ ...v, prot }) - this.commitOf(v);
      v.prot = prot;
      for (let a = v.start; a < v.end; a += FRAME_SIZE) {
        const vfn = a / FRAME_SIZE, pte = this.pt.get(vfn);
        if (pte === undefined) continue;
        const off = pte - (pte & PTE_FLAGS);
        let perms = ptePerms(prot);
        // A private page whose frame is still shared (after fork, whether or not it was
        // writable then) must be copied before the first write: copy-on-write, not W.
        if (perms & PTE_W && !v.shared && (pte & PTE_COW || this.frames.refCount(off) > 1)) perms = (perms & ~PTE_W) | PTE_COW;
        this.pt.set(vfn, off | perms);
      }
    }
    this.onChange();
    return true;
  }

  /**
   * madvise(MADV_DONTNEED): drops the pages of [start, start+len) so they read as fresh
   * (zero, or the file's contents) on the next touch. False when part of it is unmapped.
   */
  discard(start: number, len: number): boolean {
    for (let a = start; a < start + len;) {
      const v = this.find(a);
      if (!v) return false;
      a = v.end;
    }
    // Shared memory keeps its contents (they live in the shared object, not in this mapping).
    for (const v of this.vmas) {
      if (v.shared || v.end <= start || v.start >= start + len) continue;
      this.dropPages(Math.max(start, v.start), Math.min(start + len, v.end));
    }
    this.onChange();
    return true;
  }

  private splitAt(a: number): void {
    const v = this.find(a);
    if (!v || v.start === a) return;
    const right: Vma = { ...v, start: a, file: v.file ? { ...v.file, base: v.file.base + (a - v.start) } : null };
    right.file?.mapped?.retain();
    v.end = a;
    this.vmas.splice(this.vmas.indexOf(v) + 1, 0, right);
  }

  private dropPages(start: number, end: number): void {
    if ((end - start) / FRAME_SIZE > this.pt.size) {
      for (const [vfn, pte] of this.pt) {
        if (vfn * FRAME_SIZE >= start && vfn * FRAME_SIZE < end) { this.frames.release(pte - (pte & PTE_FLAGS)); this.pt.delete(vfn); }
      }
      return;
    }
    for (let a = start; a < end; a += FRAME_SIZE) {
      const pte = this.pt.get(a / FRAME_SIZE);
      if (pte === undefined) continue;
      this.frames.release(pte - (pte & PTE_FLAGS));
      this.pt.delete(a / FRAME_SIZE);
    }
  }

  private commitOf(v: Vma): number {
    return !v.shared && v.prot & PROT_WRITE ? v.end - v.start : 0;
  }

  private committedIn(start: number, end: number): number {
    let n = 0;
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) continue;
      if (this.commitOf(v)) n += Math.min(end, v.end) - Math.max(start, v.start);
    }
    return n;
  }

  // ---- brk ----

  setBrkBase(va: number): void {
    this.brkStart = this.brkEnd = va;
  }

  /** Linux brk(2): returns the new break, or the old one when the request cannot be met. */
  brk(want: number): number {
    if (want < this.brkStart || want > USER_TOP) return this.brkEnd;
    const oldTop = Math.ceil(this.brkEnd / this.pageSize) * this.pageSize;
    const newTop = Math.ceil(want / this.pageSize) * this.pageSize;
    if (newTop > oldTop) {
      if (!this.isFree(oldTop, newTop)) return this.brkEnd;
      try {
        this.map({ start: oldTop, end: newTop, prot: PROT_READ | PROT_WRITE, shared: false, file: null, name: '[heap]' });
      } catch (e) {
        if (e instanceof MapError) return this.brkEnd;
        throw e;
      }
      this.mergeHeap();
    } else if (newTop < oldTop) {
      this.unmap(newTop, oldTop - newTop);
    }
    this.brkEnd = want;
    return want;
  }

  private mergeHeap(): void {
    const heap = this.vmas.filter((v) => v.name === '[heap]');
    for (let i = 1; i < heap.length; i++) {
      const a = heap[i - 1]!, b = heap[i]!;
      if (a.end === b.start && a.prot === b.prot) {
        a.end = b.end;
        this.vmas.splice(this.vmas.indexOf(b), 1);
        heap.splice(i--, 1);
      }
    }
  }

  // ---- kernel access, ignoring user rights (loader, signal frames) ----

  /** Writes into user memory as the kernel, populating pages whatever their protection. */
  kernelWrite(va: number, data: Uint8Array): void {
    for (let done = 0; done < data.length;) {
      const a = va + done;
      const off = this.kernelFrame(a);
      const n = Math.min(data.length - done, FRAME_SIZE - (a % FRAME_SIZE));
      this.u8.set(data.subarray(done, done + n), off + (a % FRAME_SIZE));
      done += n;
    }
  }

  private kernelFrame(va: number): number {
    const vfn = Math.floor(va / FRAME_SIZE);
    const vma = this.find(va);
    if (!vma) throw new MapError('EINVAL', `kernel write to unmapped address 0x${va.toString(16)}`);
    const pte = this.pt.get(vfn);
    let off: number;
    if (pte === undefined) {
      try { return this.populate(vfn, vma); } catch (e) {
        if (!(e instanceof OutOfMemory)) throw e;
        off = -1;
      }
    } else if (pte & PTE_COW) {
      off = this.breakCow(vfn, pte);
    } else if (!vma.shared && this.frames.refCount(pte - (pte & PTE_FLAGS)) > 1) {
      // A read-only private page shared with another process (fork): copy it, keep its rights.
      off = this.breakCow(vfn, pte, pte & (PTE_R | PTE_W | PTE_X));
    } else {
      off = pte - (pte & PTE_FLAGS);
    }
    if (off < 0) throw new MapError('ENOMEM', `guest RAM exhausted writing 0x${va.toString(16)}`);
    return off;
  }

  /** Frames in use by this address space. */
  get residentPages(): number { return this.pt.size; }

  /** A copy-on-write duplicate, as fork(2) makes. */
  fork(): AddressSpace {
    const child = new AddressSpace(this.frames, this.u8, this.pageSize, this.commitLimit, this.mmapBase);
    child.vmas = this.vmas.map((v) => ({ ...v }));
    for (const v of child.vmas) {
      v.file?.mapped?.retain();
      if (v.shared) v.file?.mapped?.users.add(child);
    }
    child.brkStart = this.brkStart;
    child.brkEnd = this.brkEnd;
    child.mmapNext = this.mmapNext;
    child.committed = this.committed;
    for (const [vfn, pte] of this.pt) {
      const v = this.find(vfn * FRAME_SIZE);
      let shared = pte;
      if (v && !v.shared && pte & (PTE_W | PTE_COW)) shared = (pte & ~PTE_W) | PTE_COW;
      this.pt.set(vfn, shared);
      child.pt.set(vfn, shared);
      this.frames.ref(pte - (pte & PTE_FLAGS));
    }
    this.onChange();
    return child;
  }

  /** Releases every frame (process exit / exec). */
  destroy(): void {
    this.writeBack(0, USER_TOP);
    for (const pte of this.pt.values()) this.frames.release(pte - (pte & PTE_FLAGS));
    this.pt.clear();
    for (const v of this.vmas) {
      const m = v.file?.mapped;
      if (!m) continue;
      m.users.delete(this);
      m.trim();
      m.release();
    }
    this.vmas = [];
    this.committed = 0;
    this.onChange();
  }
}

