/**
 * kernel/mm/mapped-file.ts with kernel/mm/address-space.ts: one page cache per inode shared by
 * every MAP_SHARED mapping, coherence with read(2)/write(2), write-back (msync, munmap, exit)
 * never past EOF, truncation taking pages from every mapping (SIGBUS past the end), private
 * copies, mremap moving shared pages, MADV_DONTNEED keeping shared memory, and the file kept
 * alive by its mappings.
 */
import test from 'ava';
import { Access } from '../../arch/common/memory';
import { InodeFile, O } from '../../kernel/fs/file';
import type { Inode } from '../../kernel/fs/inode';
import { Vfs } from '../../kernel/fs/vfs';
import { AddressSpace, PROT_READ, PROT_WRITE } from '../../kernel/mm/address-space';
import { MappedFile, truncateFile } from '../../kernel/mm/mapped-file';
import { anon, hi, lo, memFor, tmpfs, world, type World } from './_helpers';

const PAGE = 4096;
const RW = PROT_READ | PROT_WRITE;
const A = 0x10_0000_0000, B = 0x20_0000_0000, C = 0x30_0000_0000;

function setup(size = 3 * PAGE, seed = 1) {
  const w = world();
  const fs = tmpfs(1);
  const vfs = new Vfs(fs);
  const inode = fs.root.create('f', 0o644);
  const init = new Uint8Array(size);
  for (let i = 0; i < size; i++) init[i] = (i * 31 + seed) & 0xff || 1; // never 0
  inode.write(0, init);
  const m = MappedFile.of(inode, w.frames, w.u8);
  const as2 = new AddressSpace(w.frames, w.u8, PAGE, 16 * 1024 * 1024, 0x10_0000_0000);
  const w2: World = { ...w, as: as2, mem: memFor(w, as2) };
  const file = (flags: number = O.RDWR) => new InodeFile(vfs.resolve(vfs.root, vfs.root, '/f', true), flags).hold();
  return { w, w2, fs, vfs, inode, m, init, file };
}

function mapFile(w: World, m: MappedFile, start: number, len: number, o: { base?: number; shared?: boolean; prot?: number } = {}): void {
  w.as.map(anon(start, start + len, o.prot ?? RW, { shared: o.shared ?? true, file: { mapped: m, base: o.base ?? 0, path: '/f' }, name: '/f' }));
}

const ld = (w: World, va: number): number => w.mem.load8(lo(va), hi(va));
const st = (w: World, va: number, v: number): void => w.mem.store8(lo(va), hi(va), v);
const frame = (w: World, va: number, access = Access.Read): number => w.as.translate(Math.floor(va / PAGE), access);
const raw = (i: Inode, off: number, n = 1): number[] => {
  const b = new Uint8Array(n);
  const k = i.read(off, b);
  return [...b.subarray(0, k)];
};

test('shared: both address spaces map the same frame; a store in one is a load in the other', (t) => {
  const { w, w2, m, init } = setup();
  mapFile(w, m, A, 3 * PAGE);
  mapFile(w2, m, B, 2 * PAGE, { base: PAGE });
  t.is(ld(w, A + 5), init[5]!, 'filled from the file');
  st(w, A + PAGE + 7, 0x11);
  t.is(ld(w2, B + 7), 0x11, 'file offset 4103 in both');
  st(w2, B + PAGE + 9, 0x22);
  t.is(ld(w, A + 2 * PAGE + 9), 0x22);
  t.is(frame(w, A + PAGE), frame(w2, B));
  t.is(frame(w, A + 2 * PAGE, Access.Write), frame(w2, B + PAGE, Access.Write), 'writing needs no copy');
  t.not(frame(w, A), frame(w, A + PAGE));
  t.is(w.frames.refCount(frame(w, A + PAGE)), 3, 'the cache and two page tables');
  t.true(m.users.has(w.as) && m.users.has(w2.as));
  t.is(MappedFile.of(m.inode, w.frames, w.u8), m, 'one cache per inode');
  t.is(MappedFile.existing(m.inode), m);
});

test('coherence: read(2) sees stores not yet written back; write(2) reaches the mapped pages', (t) => {
  const { w, m, inode, init, file } = setup();
  mapFile(w, m, A, 3 * PAGE);
  st(w, A + 10, 0x5a);
  t.deepEqual(raw(inode, 10), [init[10]!], 'the file itself is unchanged before write-back');
  const f = file();
  const buf = new Uint8Array(4);
  t.is(f.pread(buf, 9), 4);
  t.deepEqual([...buf], [init[9]!, 0x5a, init[11]!, init[12]!], 'read(2) overlays the cached page');
  t.is(f.pwrite(Uint8Array.of(1, 2, 3), PAGE - 1), 3, 'across a page boundary');
  t.deepEqual([ld(w, A + PAGE - 1), ld(w, A + PAGE), ld(w, A + PAGE + 1)], [1, 2, 3]);
  f.seek(2 * PAGE, 0);
  f.write(Uint8Array.of(0x77));
  t.is(ld(w, A + 2 * PAGE), 0x77);
  // A page never touched is not cached: write(2) simply goes to the file, the mapping reads it later.
  const { w: w3, m: m3, file: file3 } = setup();
  mapFile(w3, m3, A, 3 * PAGE);
  file3().pwrite(Uint8Array.of(0x66), 2 * PAGE + 1);
  t.is(ld(w3, A + 2 * PAGE + 1), 0x66);
});

test('write-back: msync writes the shared pages of the range into the file', (t) => {
  const { w, m, inode, init } = setup();
  mapFile(w, m, A, 3 * PAGE);
  st(w, A + 1, 0xa1);
  st(w, A + PAGE + 1, 0xa2);
  st(w, A + 2 * PAGE + 1, 0xa3);
  w.as.writeBack(A + PAGE, PAGE);
  t.deepEqual([raw(inode, 1)[0], raw(inode, PAGE + 1)[0], raw(inode, 2 * PAGE + 1)[0]], [init[1], 0xa2, init[2 * PAGE + 1]], 'only the middle page');
  w.as.writeBack(A, 3 * PAGE);
  t.deepEqual([raw(inode, 1)[0], raw(inode, 2 * PAGE + 1)[0]], [0xa1, 0xa3]);
  t.is(inode.stat().size, 3 * PAGE);
});

test('write-back clamps at EOF: stores past the end of the last page never grow the file', (t) => {
  const { w, m, inode, init } = setup(5000);
  mapFile(w, m, A, 2 * PAGE);
  st(w, A + 4999, 0xe1);
  st(w, A + 5000, 0xe2); // in the last page, past EOF: allowed, never written back
  st(w, A + 2 * PAGE - 1, 0xe3);
  w.as.writeBack(A, 2 * PAGE);
  t.is(inode.stat().size, 5000);
  t.deepEqual(raw(inode, 4998, 10), [init[4998]!, 0xe1]);
  m.writeBack(0, 1 << 30);
  t.is(inode.stat().size, 5000);
  // munmap writes back as well, with the same clamp.
  st(w, A + 4000, 0xe4);
  w.as.unmap(A, 2 * PAGE);
  t.deepEqual(raw(inode, 4000), [0xe4]);
  t.is(inode.stat().size, 5000);
});

test('beyondFile: pages wholly past EOF fault (translate -1); the partial last page maps', (t) => {
  const { w, m } = setup(5000);
  mapFile(w, m, A, 3 * PAGE);
  mapFile(w, m, B, 2 * PAGE, { base: PAGE });
  t.false(w.as.beyondFile(A + PAGE));
  t.not(frame(w, A + PAGE), -1);
  t.true(w.as.beyondFile(A + 2 * PAGE));
  t.true(w.as.beyondFile(A + 3 * PAGE - 1));
  t.is(frame(w, A + 2 * PAGE), -1);
  t.is(frame(w, A + 2 * PAGE, Access.Write), -1);
  t.false(w.as.beyondFile(B + PAGE - 1), 'file offset 8191: the partial page');
  t.true(w.as.beyondFile(B + PAGE), 'file offset 8192');
  t.false(w.as.beyondFile(C), 'unmapped: not a file question');
  w.as.map(anon(C, C + PAGE));
  t.false(w.as.beyondFile(C), 'anonymous memory has no end');
  // An empty file: even the first page is past the end.
  const e = setup(0);
  mapFile(e.w, e.m, A, PAGE);
  t.true(e.w.as.beyondFile(A));
  t.is(frame(e.w, A), -1);
});

test('truncate: pages past the new end leave every shared mapping (SIGBUS); their frames go back', (t) => {
  const { w, w2, m, inode, init } = setup();
  mapFile(w, m, A, 3 * PAGE);
  mapFile(w2, m, B, 3 * PAGE);
  for (let p = 0; p < 3; p++) { ld(w, A + p * PAGE); ld(w2, B + p * PAGE); }
  const used = w.frames.usedFrames;
  const f0 = frame(w, A);
  truncateFile(inode, 100);
  for (const [ww, base] of [[w, A], [w2, B]] as Array<[World, number]>) {
    t.is(frame(ww, base + PAGE), -1);
    t.is(frame(ww, base + 2 * PAGE), -1);
    t.true(ww.as.beyondFile(base + PAGE));
    t.is(frame(ww, base), f0, 'the page holding the new end stays');
  }
  t.is(w.frames.usedFrames, used - 2, 'pages 1 and 2 are freed (no page table, no cache)');
  t.is(ld(w, A + 99), init[99]!);
  // Growing the file again brings pages back, reading zeros.
  truncateFile(inode, 3 * PAGE);
  t.false(w.as.beyondFile(A + PAGE));
  t.is(ld(w, A + 2 * PAGE + 5), 0);
  t.is(ld(w2, B + PAGE), 0);
});

test('truncate: the cut tail of the last cached page reads as zero (mapping and read(2))', (t) => {
  // Linux zeroes the partial page (truncate_inode_pages_range -> folio_zero_range), so bytes
  // past the new end read 0 through a mapping, and stay 0 when the file grows back.
  const { w, m, inode, file } = setup(2 * PAGE);
  mapFile(w, m, A, 2 * PAGE);
  ld(w, A);
  ld(w, A + PAGE);
  truncateFile(inode, 100);
  t.is(ld(w, A + 200), 0, 'mapping: byte 200 of a 100-byte file');
  truncateFile(inode, 2 * PAGE);
  const buf = new Uint8Array(1);
  file(O.RDONLY).pread(buf, 200);
  t.is(buf[0], 0, 'read(2) after the file grew back');
  w.as.writeBack(A, 2 * PAGE);
  t.deepEqual(raw(inode, 200), [0], 'msync must not write the old bytes back into the hole');
});

test('truncate: a forked child\'s shared pages past the new end are zapped too', (t) => {
  const { w, m, inode } = setup();
  mapFile(w, m, A, 3 * PAGE);
  ld(w, A + 2 * PAGE);
  const child = w.as.fork();
  const wc: World = { ...w, as: child, mem: memFor(w, child) };
  t.is(frame(wc, A + 2 * PAGE), frame(w, A + 2 * PAGE), 'fork shares the page');
  truncateFile(inode, PAGE);
  t.is(frame(w, A + 2 * PAGE), -1, 'parent');
  t.true(child.beyondFile(A + 2 * PAGE));
  t.is(frame(wc, A + 2 * PAGE), -1, 'child: access past EOF must fault (SIGBUS), not reach the old page');
});

test('private: a copy filled from the cache or the file; stores stay in this mapping', (t) => {
  const { w, w2, m, inode, init } = setup();
  mapFile(w, m, A, 3 * PAGE);
  st(w, A + 3, 0x33); // dirty shared page, not yet written back
  mapFile(w2, m, B, 3 * PAGE, { shared: false });
  t.is(ld(w2, B + 3), 0x33, 'a private page is copied from the cached (newest) page');
  t.is(ld(w2, B + PAGE + 3), init[PAGE + 3]!, 'or read from the file');
  t.not(frame(w2, B), frame(w, A));
  st(w2, B + 4, 0x44);
  t.is(ld(w, A + 4), init[4]!, 'private stores do not reach shared mappings');
  w2.as.writeBack(B, 3 * PAGE);
  w2.as.unmap(B, 3 * PAGE);
  t.deepEqual(raw(inode, 4), [init[4]!], '...nor the file');
  t.false(m.users.has(w2.as), 'a private mapping is not a user of the cache');
});

test('remap (mremap): a moved shared mapping keeps its frames and file offset', (t) => {
  const { w, w2, m, inode } = setup(4 * PAGE);
  mapFile(w, m, A, 2 * PAGE, { base: PAGE });
  mapFile(w2, m, B, 4 * PAGE);
  st(w, A + 1, 0x61);
  const f = frame(w, A);
  w.as.remap(A, 2 * PAGE, C, 3 * PAGE);
  t.is(w.as.find(A), undefined);
  t.is(frame(w, C), f, 'the page moved with its frame');
  t.is(ld(w, C + 1), 0x61);
  t.is(w.as.find(C)!.file!.base, PAGE);
  st(w, C + 2 * PAGE + 5, 0x62); // the grown part: file offset 3 pages + 5
  t.is(ld(w2, B + 3 * PAGE + 5), 0x62, 'still the same page cache');
  w.as.writeBack(C, 3 * PAGE);
  t.deepEqual([raw(inode, PAGE + 1)[0], raw(inode, 3 * PAGE + 5)[0]], [0x61, 0x62]);
  // Shrinking in place writes back and drops the cut part.
  st(w, C + 2 * PAGE + 6, 0x63);
  w.as.remap(C, 3 * PAGE, C, PAGE);
  t.deepEqual(raw(inode, 3 * PAGE + 6), [0x63]);
  t.is(w.as.find(C + PAGE), undefined);
  t.is(w.as.find(C)!.end, C + PAGE);
});

test('discard (MADV_DONTNEED): shared memory keeps its contents; private file pages reread the file', (t) => {
  const { w, m, init } = setup();
  mapFile(w, m, A, PAGE);
  mapFile(w, m, B, PAGE, { shared: false });
  w.as.map(anon(C, C + PAGE));
  w.as.map(anon(C + PAGE, C + 2 * PAGE, RW, { shared: true }));
  st(w, A, 0x71);
  st(w, B, 0x72);
  st(w, C, 0x73);
  st(w, C + PAGE, 0x74);
  const sharedFrame = frame(w, A);
  t.true(w.as.discard(A, PAGE));
  t.true(w.as.discard(B, PAGE));
  t.true(w.as.discard(C, 2 * PAGE));
  t.is(ld(w, A), 0x71, 'shared file mapping');
  t.is(frame(w, A), sharedFrame);
  t.is(ld(w, B), 0x71, 'private file mapping: the file\'s (cached) contents again');
  t.is(ld(w, C), 0, 'private anonymous: zero');
  t.is(ld(w, C + PAGE), 0x74, 'shared anonymous');
  t.false(w.as.discard(C + 2 * PAGE, PAGE), 'unmapped: false (ENOMEM)');
  t.not(init[0], 0x71, 'the file itself held another byte: 0x71 above came from the cached page');
});

test('lifetime: mappings keep an unlinked file; the last munmap releases it and the cache', (t) => {
  const { w, w2, fs, m } = setup();
  const base = w.frames.usedFrames;
  mapFile(w, m, A, 3 * PAGE);
  mapFile(w2, m, B, 3 * PAGE);
  for (let p = 0; p < 3; p++) { ld(w, A + p * PAGE); ld(w2, B + p * PAGE); }
  t.is(w.frames.usedFrames, base + 3, 'three cache frames, shared');
  fs.root.unlink('f');
  t.is(fs.usedBytes, 3 * PAGE, 'still mapped');
  w.as.unmap(A + PAGE, PAGE); // split: still mapped around the hole
  w.as.unmap(A, PAGE);
  w.as.unmap(A + 2 * PAGE, PAGE);
  t.is(fs.usedBytes, 3 * PAGE, 'w2 still maps it');
  t.is(w.frames.usedFrames, base + 3);
  w2.as.unmap(B, 3 * PAGE);
  t.is(w.frames.usedFrames, base, 'the cache is trimmed with the last mapping');
  t.is(fs.usedBytes, 0, 'and the unlinked file is freed');
});

test('destroy (exit, exec): shared pages are written back and the frames released', (t) => {
  const { w, m, inode } = setup();
  const base = w.frames.usedFrames;
  mapFile(w, m, A, 3 * PAGE);
  st(w, A + PAGE + 1, 0x81);
  w.as.destroy();
  t.deepEqual(raw(inode, PAGE + 1), [0x81]);
  t.is(w.frames.usedFrames, base);
  t.false(m.users.has(w.as));
});
