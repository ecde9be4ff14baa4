/**
 * A file as mmap sees it: private mappings copy its pages in on first touch; shared mappings of
 * every process map the same RAM frames (one page cache per inode), written back to the file by
 * msync, munmap, fsync and process exit. Pages wholly past the end of the file are not there
 * (the access is SIGBUS), as Linux's filemap_fault answers.
 */
import { FRAME_SIZE } from '../../arch/common/memory';
import type { Inode } from '../fs/inode';
import type { AddressSpace } from './address-space';
import type { FrameAllocator } from './frames';

const cache = new WeakMap<Inode, MappedFile>();

export class MappedFile {
  /** File page index -> RAM offset of its frame (the cache holds one reference). */
  private readonly pages = new Map<number, number>();

  /** Address spaces with shared mappings of the file (a truncation takes pages from them). */
  readonly users = new Set<AddressSpace>();
  /** VMAs mapping the file: while there are any, the file counts as open (it survives unlink). */
  private mappings = 0;

  private constructor(readonly inode: Inode, private readonly frames: FrameAllocator, private readonly u8: Uint8Array) {}

  /** A VMA now maps the file / no longer does. */
  retain(): void { if (this.mappings++ === 0) this.inode.opened(); }
  release(): void { if (--this.mappings === 0) this.inode.released(); }

  /** The page cache of `inode`, if it was ever mapped. */
  static existing(inode: Inode): MappedFile | undefined { return cache.get(inode); }

  /** write(2) into the file: cached pages take the new bytes too (one page cache, as on Linux). */
  afterWrite(offset: number, data: Uint8Array): void {
    this.eachPage(offset, data.length, (off, from, to) => this.u8.set(data.subarray(from - offset, to - offset), off + (from % FRAME_SIZE)));
  }

  /** read(2) from the file: bytes written through a shared mapping and not yet written back win. */
  overlay(offset: number, buf: Uint8Array, n: number): void {
    this.eachPage(offset, n, (off, from, to) => buf.set(this.u8.subarray(off + (from % FRAME_SIZE), off + (from % FRAME_SIZE) + (to - from)), from - offset));
  }

  /** The file shrank: pages wholly past the new end leave every shared mapping (access: SIGBUS). */
  afterTruncate(size: number): void {
    for (const as of this.users) as.zapFile(this, size);
    // The part of the last page past the new end reads as zero (and is never written back).
    const tail = this.pages.get(Math.floor(size / FRAME_SIZE));
    if (tail !== undefined && size % FRAME_SIZE !== 0) this.u8.fill(0, tail + (size % FRAME_SIZE), tail + FRAME_SIZE);
    this.trim();
  }

  private eachPage(offset: number, len: number, f: (off: number, from: number, to: number) => void): void {
    if (this.pages.size === 0) return;
    for (const [index, off] of this.pages) {
      const at = index * FRAME_SIZE;
      const from = Math.max(offset, at), to = Math.min(offset + len, at + FRAME_SIZE);
      if (from < to) f(off, from, to);
    }
  }

  static of(inode: Inode, frames: FrameAllocator, u8: Uint8Array): MappedFile {
    let f = cache.get(inode);
    if (!f) {
      f = new MappedFile(inode, frames, u8);
      cache.set(inode, f);
    }
    return f;
  }

  size(): number { return this.inode.stat().size; }

  /** Copies the file's bytes at `offset` into RAM at `off` (one frame; zero past the end). */
  fill(offset: number, off: number): void {
    const page = this.pages.get(offset / FRAME_SIZE);
    if (page !== undefined) { this.u8.copyWithin(off, page, page + FRAME_SIZE); return; }
    this.inode.read(offset, this.u8.subarray(off, off + FRAME_SIZE));
  }

  /** The shared frame of the page at `offset`, with a reference for the caller's page table. */
  sharedFrame(offset: number): number {
    const index = offset / FRAME_SIZE;
    let off = this.pages.get(index);
    if (off === undefined) {
      off = this.frames.alloc();
      this.inode.read(offset, this.u8.subarray(off, off + FRAME_SIZE));
      this.pages.set(index, off);
    }
    this.frames.ref(off);
    return off;
  }

  /** Writes the cached pages of [offset, offset+len) back into the file, never past its end. */
  writeBack(offset: number, len: number): void {
    const size = this.size();
    for (const [index, off] of this.pages) {
      const at = index * FRAME_SIZE;
      if (at + FRAME_SIZE <= offset || at >= offset + len || at >= size) continue;
      this.inode.write(at, this.u8.subarray(off, off + Math.min(FRAME_SIZE, size - at)));
    }
  }

  /** Drops cached pages no page table maps any more (after their last munmap). */
  trim(): void {
    for (const [index, off] of this.pages) {
      if (this.frames.refCount(off) > 1) continue;
      this.frames.release(off);
      this.pages.delete(index);
    }
  }
}

/** truncate(2), ftruncate(2), O_TRUNC: the file and the mappings of it shrink together. */
export function truncateFile(inode: Inode, size: number): void {
  inode.truncate(size);
  MappedFile.existing(inode)?.afterTruncate(size);
}
