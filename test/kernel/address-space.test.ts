/**
 * FrameAllocator, AddressSpace and the mmap/munmap/mprotect/brk/madvise syscalls: demand paging,
 * placement, splitting, rights, commit accounting, brk, copy-on-write fork, MADV_DONTNEED.
 */
import test from 'ava';
import { Access } from '../../arch/common/memory';
import { E, SysError } from '../../kernel/errno';
import { MapError, PROT_EXEC, PROT_READ, PROT_WRITE, USER_TOP } from '../../kernel/mm/address-space';
import { FrameAllocator, OutOfMemory } from '../../kernel/mm/frames';
import { memorySyscalls } from '../../kernel/syscall/handlers/memory';
import type { SyscallCtx } from '../../kernel/syscall/table';
import { FdTable } from '../../kernel/fs/fdtable';
import { anon, faultOf, hi, lo, memFor, world, type World } from './_helpers';

const RW = PROT_READ | PROT_WRITE;
const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANON = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
const PA = MAP_PRIVATE | MAP_ANON;
const TiB = 2 ** 40;
const BASE = 0x10_0000_0000; // world()'s mmapBase

function sys(w: World, name: string, ...args: Array<number | bigint>): bigint {
  const def = memorySyscalls.find((d) => d.name === name)!;
  const ctx = { proc: { as: w.as, fds: new FdTable() }, k: {} } as unknown as SyscallCtx;
  const r = def.handler(ctx, args.map((a) => BigInt.asUintN(64, BigInt(a))));
  if (typeof r !== 'bigint') throw new Error('async handler');
  return r;
}
const mmap = (w: World, addr: number, len: number | bigint, prot: number, flags: number): bigint => sys(w, 'mmap', addr, len, prot, flags, -1, 0);
const err = (e: number): bigint => BigInt(-e);
const st8 = (w: World, va: number, v: number): void => w.mem.store8(lo(va), hi(va), v);
const ld8 = (w: World, va: number): number => w.mem.load8(lo(va), hi(va));
const st32 = (w: World, va: number, v: number): void => w.mem.store32(lo(va), hi(va), v);
const ld32 = (w: World, va: number): number => w.mem.load32(lo(va), hi(va));

// ---- FrameAllocator ----

test('frames: alloc from `first`, refcounts, reuse zeroed, double free, exhaustion', (t) => {
  const u8 = new Uint8Array(4 * 4096);
  const f = new FrameAllocator(u8, 1);
  t.is(f.totalFrames, 4);
  const a = f.alloc(), b = f.alloc(), c = f.alloc();
  t.deepEqual([a, b, c], [4096, 8192, 12288]);
  t.is(f.usedFrames, 3);
  const e = t.throws(() => f.alloc(), { instanceOf: OutOfMemory });
  t.is(e?.message, 'guest RAM exhausted');
  f.ref(b);
  t.is(f.refCount(b), 2);
  f.release(b);
  t.is(f.refCount(b), 1);
  t.is(f.usedFrames, 3);
  u8.fill(0xee, b, b + 4096);
  f.release(b);
  t.is(f.usedFrames, 2);
  t.is(f.refCount(b), 0);
  t.is(t.throws(() => f.release(b))?.message, 'double free of frame 2');
  t.is(f.alloc(), b, 'the freed frame is reused');
  t.deepEqual(u8.subarray(b, b + 4096), new Uint8Array(4096), 'and zeroed');
  t.is(u8[0], 0);
});

// ---- demand paging ----

test('demand paging: only touched frames are allocated; fresh pages read zero', (t) => {
  const w = world();
  w.as.map(anon(0x100000, 0x110000));
  t.is(w.as.residentPages, 0);
  t.is(ld32(w, 0x103000), 0);
  t.is(w.as.residentPages, 1);
  st8(w, 0x107fff, 0x5a);
  t.is(w.as.residentPages, 2);
  t.is(w.frames.usedFrames, 2);
  t.is(ld8(w, 0x107fff), 0x5a);
  // a dirty frame given back and handed out again reads as zero
  w.as.unmap(0x100000, 0x10000);
  t.is(w.frames.usedFrames, 0);
  w.as.map(anon(0x200000, 0x201000));
  t.deepEqual(w.mem.readBytes(0x200000, 4096), new Uint8Array(4096));
});

test('16 KiB pages: four 4 KiB frames per page, populated one by one', (t) => {
  const w = world({ pageSize: 16384 });
  t.is(mmap(w, 0, 5000, RW, PA), BigInt(BASE));
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.end]), [[BASE, BASE + 16384]]);
  st8(w, BASE + 16383, 1);
  t.is(w.as.residentPages, 1);
  t.throws(() => w.as.map(anon(0x1000, 0x5000)), { instanceOf: MapError, message: 'bad mapping 1000-5000' });
  t.is(sys(w, 'munmap', BASE + 4096, 4096), err(E.EINVAL));
  t.is(sys(w, 'mprotect', BASE + 4096, 4096, PROT_READ), err(E.EINVAL));
});

// ---- placement ----

test('findFree: first fit upward from mmapBase (qemu-user), top-down below it only when nothing above fits', (t) => {
  const w = world();
  t.is(w.as.findFree(0x1000), BASE);
  w.as.map(anon(BASE + 0x1000, BASE + 0x3000));
  t.is(w.as.findFree(0x1000), BASE, 'the hole below a mapping');
  t.is(w.as.findFree(0x2000), BASE + 0x3000, 'too big for the hole');
  w.as.map(anon(BASE, BASE + 0x1000));
  w.as.map(anon(BASE - 0x2000, BASE - 0x1000)); // below the base: not in the upward search
  t.is(w.as.findFree(0x1000), BASE + 0x3000);
  const high = world({ mmapBase: USER_TOP - 0x2000 });
  t.is(high.as.findFree(0x2000), USER_TOP - 0x2000);
  t.is(high.as.findFree(0x4000), USER_TOP - 0x2000 - 0x4000, 'no room above: below the base');
  high.as.map(anon(0x1000, USER_TOP - 0x2000, 0));
  t.is(high.as.findFree(0x4000), null);
});

test('mmap: upward placement from the base, hint honoured when free, ignored when not', (t) => {
  const w = world();
  t.is(mmap(w, 0, 100, RW, PA), BigInt(BASE));
  t.is(mmap(w, 0, 0x2000, RW, PA), BigInt(BASE + 0x1000));
  t.is(mmap(w, 0x5000_0000, 0x1000, RW, PA), 0x5000_0000n);
  t.is(mmap(w, 0x5000_0000, 0x1000, RW, PA), BigInt(BASE + 0x3000), 'occupied hint');
  t.is(mmap(w, 0x6000_0800, 0x1000, RW, PA), BigInt(BASE + 0x4000), 'unaligned hint is not used');
  t.deepEqual(w.as.vmas.map((v) => v.start), [0x5000_0000, BASE, BASE + 0x1000, BASE + 0x3000, BASE + 0x4000]);
});

test('mmap: holes left by munmap are not reused while there is room above (qemu-user\'s mmap_next_start)', (t) => {
  const w = world();
  const a = mmap(w, 0, 1 << 20, RW, PA), b = mmap(w, 0, 0x1000, RW, PA), c = mmap(w, 0, 3 << 20, RW, PA);
  t.deepEqual([a, b, c], [BigInt(BASE), BigInt(BASE + (1 << 20)), BigInt(BASE + (1 << 20) + 0x1000)]);
  t.is(sys(w, 'munmap', Number(a), 1 << 20), 0n);
  t.is(mmap(w, 0, 0x1000, RW, PA), c + BigInt(3 << 20));
  t.is(mmap(w, 0x7000_0000, 0x1000, RW, PA), 0x7000_0000n, 'a free hint is used and leaves the pointer alone');
  t.is(mmap(w, 0, 0x1000, RW, PA), c + BigInt((3 << 20) + 0x1000));
});

test('mmap: MAP_FIXED replaces, MAP_FIXED_NOREPLACE refuses with EEXIST (also together with MAP_FIXED)', (t) => {
  const w = world();
  t.is(mmap(w, 0x40000, 0x3000, RW, PA | MAP_FIXED), 0x40000n);
  st8(w, 0x41000, 7);
  t.is(w.frames.usedFrames, 1);
  t.is(mmap(w, 0x41000, 0x1000, PROT_READ, PA | MAP_FIXED_NOREPLACE), err(E.EEXIST));
  t.is(mmap(w, 0x41000, 0x1000, PROT_READ, PA | MAP_FIXED_NOREPLACE | MAP_FIXED), err(E.EEXIST));
  t.is(ld8(w, 0x41000), 7, 'untouched by the refusals');
  t.is(mmap(w, 0x43000, 0x1000, PROT_READ, PA | MAP_FIXED_NOREPLACE), 0x43000n, 'free: fine');
  t.is(mmap(w, 0x41000, 0x1000, PROT_READ, PA | MAP_FIXED), 0x41000n);
  t.is(w.frames.usedFrames, 0, 'the replaced page was released');
  t.is(ld8(w, 0x41000), 0);
  t.deepEqual(faultOf(() => st8(w, 0x41000, 1)), { addr: 0x41000n, access: Access.Write });
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.end, v.prot]), [
    [0x40000, 0x41000, RW], [0x41000, 0x42000, PROT_READ], [0x42000, 0x43000, RW], [0x43000, 0x44000, PROT_READ]]);
});

test('mmap argument errors', (t) => {
  const w = world();
  t.is(mmap(w, 0, 0, RW, PA), err(E.EINVAL), 'length 0');
  t.is(mmap(w, 0, 4096, RW, MAP_ANON), err(E.EINVAL), 'neither private nor shared');
  t.is(mmap(w, 0, 4096, 8, PA), err(E.EINVAL), 'unknown prot bit');
  t.is(mmap(w, 0x1234, 4096, RW, PA | MAP_FIXED), err(E.EINVAL), 'unaligned fixed');
  t.is(mmap(w, USER_TOP - 4096, 8192, RW, PA | MAP_FIXED), err(E.ENOMEM), 'fixed past user space');
  t.is(mmap(w, 0, 2n ** 62n, RW, PA), err(E.ENOMEM), '2^62');
  t.is(mmap(w, 0, 2n ** 64n - 1n, RW, PA), err(E.ENOMEM), '2^64-1');
  t.is(mmap(w, 0, TiB, RW, PA), err(E.ENOMEM), '1 TiB private writable exceeds the commit limit');
  t.is(t.throws(() => sys(w, 'mmap', 0, 4096, RW, MAP_PRIVATE, 5, 0), { instanceOf: SysError })?.errno, E.EBADF);
  t.deepEqual(w.as.vmas, []);
});

// ---- munmap ----

test('munmap of the middle splits the VMA; the hole faults, both sides keep their data', (t) => {
  const w = world();
  t.is(mmap(w, 0x70000, 0x3000, RW, PA | MAP_FIXED), 0x70000n);
  st32(w, 0x70ffc, 0x11111111);
  st32(w, 0x71000, 0x22222222);
  st32(w, 0x72000, 0x33333333);
  t.is(w.frames.usedFrames, 3);
  t.is(sys(w, 'munmap', 0x71000, 1), 0n, 'length rounds up to a page');
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.end]), [[0x70000, 0x71000], [0x72000, 0x73000]]);
  t.is(w.frames.usedFrames, 2);
  t.deepEqual(faultOf(() => ld32(w, 0x71000)), { addr: 0x71000n, access: Access.Read }, 'no stale TLB entry');
  t.deepEqual(faultOf(() => st8(w, 0x71fff, 0)), { addr: 0x71fffn, access: Access.Write });
  t.is(ld32(w, 0x70ffc), 0x11111111);
  t.is(ld32(w, 0x72000), 0x33333333);
  t.is(sys(w, 'munmap', 0x71000, 0x1000), 0n, 'unmapping a hole is fine');
  t.is(sys(w, 'munmap', 0x71001, 0x1000), err(E.EINVAL));
  t.is(sys(w, 'munmap', 0x71000, 0), err(E.EINVAL));
  t.is(sys(w, 'munmap', 0x71000, 2n ** 64n - 1n), err(E.EINVAL));
  // the split halves unmap independently and the commit charge goes with them
  t.is(sys(w, 'munmap', 0x60000, 0x20000), 0n);
  t.deepEqual(w.as.vmas, []);
  t.is(w.frames.usedFrames, 0);
  t.is(mmap(w, 0, 16 * 1024 * 1024, RW, PA), BigInt(BASE), 'the whole commit limit is free again');
});

test('munmap of a file mapping keeps the right file offset on the right-hand piece', (t) => {
  const w = world();
  const data = Uint8Array.from({ length: 0x3000 }, (_, i) => (i >> 12) + 1);
  w.as.map({ start: 0x80000, end: 0x83000, prot: PROT_READ, shared: false, file: { data, base: 0, path: '/f' }, name: '/f' });
  w.as.unmap(0x80000, 0x1000);
  w.as.unmap(0x81000, 0x1000);
  t.is(ld8(w, 0x82000), 3);
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.file?.base]), [[0x82000, 0x2000]]);
});

// ---- mprotect ----

test('mprotect of part of a mapping splits it and is enforced through Memory (TLB flushed)', (t) => {
  const w = world();
  mmap(w, 0x90000, 0x4000, RW, PA | MAP_FIXED);
  for (let p = 0; p < 4; p++) st32(w, 0x90000 + p * 0x1000, p + 1); // write TLB entries for all four
  t.is(sys(w, 'mprotect', 0x91000, 0x2000, PROT_READ), 0n);
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.end, v.prot]), [[0x90000, 0x91000, RW], [0x91000, 0x93000, PROT_READ], [0x93000, 0x94000, RW]]);
  t.deepEqual(faultOf(() => st32(w, 0x91000, 9)), { addr: 0x91000n, access: Access.Write });
  t.deepEqual(faultOf(() => st8(w, 0x92abc, 9)), { addr: 0x92abcn, access: Access.Write });
  t.is(ld32(w, 0x91000), 2);
  t.is(ld32(w, 0x92000), 3);
  st32(w, 0x90000, 10);
  st32(w, 0x93000, 40);
  t.is(sys(w, 'mprotect', 0x92000, 0x1000, 0), 0n);
  t.deepEqual(faultOf(() => ld8(w, 0x92000)), { addr: 0x92000n, access: Access.Read });
  t.deepEqual(faultOf(() => w.mem.fetchFrame(lo(0x90000), 0)), { addr: 0x90000n, access: Access.Exec });
  t.is(sys(w, 'mprotect', 0x90000, 0x1000, PROT_READ | PROT_EXEC), 0n);
  t.is(w.mem.fetchFrame(lo(0x90000), 0) % 4096, 0);
  t.is(sys(w, 'mprotect', 0x92000, 0x1000, RW), 0n);
  t.is(ld32(w, 0x92000), 3, 'PROT_NONE kept the contents');
});

test('mprotect over a hole: ENOMEM and nothing changes; argument errors', (t) => {
  const w = world();
  mmap(w, 0xa0000, 0x1000, RW, PA | MAP_FIXED);
  mmap(w, 0xa2000, 0x1000, RW, PA | MAP_FIXED);
  t.false(w.as.protect(0xa0000, 0x3000, PROT_READ));
  t.is(sys(w, 'mprotect', 0xa0000, 0x3000, PROT_READ), err(E.ENOMEM));
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.end, v.prot]), [[0xa0000, 0xa1000, RW], [0xa2000, 0xa3000, RW]]);
  st8(w, 0xa0000, 1);
  t.is(sys(w, 'mprotect', 0xa0001, 0x1000, PROT_READ), err(E.EINVAL));
  t.is(sys(w, 'mprotect', 0xa0000, 0x1000, 0x10), err(E.EINVAL));
  t.is(sys(w, 'mprotect', 0xa0000, 0, PROT_READ), 0n);
  t.is(sys(w, 'mprotect', 0xb0000, 0x1000, PROT_READ), err(E.ENOMEM));
  t.is(sys(w, 'mprotect', 0xa0000, 2n ** 64n - 4096n, PROT_READ), err(E.ENOMEM));
});

// ---- commit accounting ----

test('commit limit: private writable memory is charged; PROT_NONE and MAP_SHARED are not', (t) => {
  const TOP = 0x7000_0000_0000;
  const w = world({ commitLimit: 1024 * 1024, mmapBase: TOP });
  const a = mmap(w, 0, 600 * 1024, RW, PA);
  t.is(a, BigInt(TOP));
  t.is(mmap(w, 0, 600 * 1024, RW, PA), err(E.ENOMEM));
  t.is(mmap(w, 0, 600 * 1024, PROT_READ, PA), BigInt(TOP + 600 * 1024), 'read-only: not charged');
  const none = mmap(w, 0, TiB, 0, PA);
  t.is(none, BigInt(TOP + 1200 * 1024), '1 TiB PROT_NONE reservation');
  t.is(mmap(w, 0, TiB, RW, MAP_SHARED | MAP_ANON) > 0n, true, '1 TiB MAP_SHARED (Linux would say ENOMEM: shmem is accounted)');
  // making the reservation writable would commit it: refused, and it stays PROT_NONE
  t.is(sys(w, 'mprotect', Number(none), TiB, RW), err(E.ENOMEM));
  t.is(w.as.find(Number(none))!.prot, 0);
  t.is(mmap(w, 0, 300 * 1024, RW, PA) > 0n, true, 'the refused mprotect did not eat the budget');
  // a part of it may be made writable within the budget
  t.is(sys(w, 'mprotect', Number(none), 64 * 1024, RW), 0n);
  t.is(mmap(w, 0, 64 * 1024, RW, PA), err(E.ENOMEM), '600 + 300 + 64 KiB committed');
  // MAP_FIXED over committed memory is charged only for the difference
  t.is(mmap(w, Number(a), 600 * 1024, RW, PA | MAP_FIXED), a);
  t.is(sys(w, 'munmap', Number(a), 600 * 1024), 0n);
  t.is(mmap(w, 0, 600 * 1024, RW, PA) > 0n, true, 'munmap gave the charge back');
});

// ---- brk ----

test('brk: grow, shrink, refuse below the start, into a mapping, past the commit limit', (t) => {
  const w = world({ commitLimit: 1024 * 1024 });
  w.as.setBrkBase(0x400000);
  t.is(sys(w, 'brk', 0), 0x400000n);
  t.is(sys(w, 'brk', 0x400010), 0x400010n);
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.end, v.name, v.prot]), [[0x400000, 0x401000, '[heap]', RW]]);
  st8(w, 0x400fff, 0xab);
  t.is(sys(w, 'brk', 0x403000), 0x403000n);
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.end]), [[0x400000, 0x403000]], 'heap VMAs merged');
  t.is(ld8(w, 0x402fff), 0);
  t.deepEqual(faultOf(() => ld8(w, 0x403000)), { addr: 0x403000n, access: Access.Read });
  t.is(sys(w, 'brk', 0x3fffff), 0x403000n, 'below the start');
  t.is(sys(w, 'brk', 0x401001), 0x401001n, 'shrink');
  t.deepEqual(w.as.vmas.map((v) => [v.start, v.end]), [[0x400000, 0x402000]]);
  t.deepEqual(faultOf(() => ld8(w, 0x402000)), { addr: 0x402000n, access: Access.Read });
  t.is(ld8(w, 0x400fff), 0xab);
  t.is(sys(w, 'brk', 0x403000), 0x403000n);
  t.is(ld8(w, 0x402000), 0, 'regrown pages are fresh');
  mmap(w, 0x405000, 0x1000, PROT_READ, PA | MAP_FIXED);
  t.is(sys(w, 'brk', 0x405001), 0x403000n, 'into a mapping');
  t.is(sys(w, 'brk', 0x405000), 0x405000n, 'up to it');
  t.is(sys(w, 'brk', 0x400000 + 2 * 1024 * 1024), 0x405000n);
  w.as.unmap(0x405000, 0x1000);
  t.is(sys(w, 'brk', 0x400000 + 2 * 1024 * 1024), 0x405000n, 'past the commit limit');
  t.is(sys(w, 'brk', 0x400000 + TiB), 0x405000n);
  t.is(sys(w, 'brk', 2n ** 64n - 1n), 0x405000n);
  t.is(sys(w, 'brk', 0x400000), 0x400000n, 'back to empty');
  t.deepEqual(w.as.vmas, []);
  t.is(w.frames.usedFrames, 0);
});

// ---- fork ----

test('fork: copy-on-write; writes diverge; refcounts; destroy frees; frames are reused', (t) => {
  const w = world();
  mmap(w, 0xc0000, 0x2000, RW, PA | MAP_FIXED);
  st32(w, 0xc0000, 0xaaaa);
  st32(w, 0xc1000, 0xbbbb);
  t.is(w.frames.usedFrames, 2);
  const child = w.as.fork();
  const cm = memFor(w, child);
  const cw: World = { ...w, as: child, mem: cm };
  t.is(w.frames.usedFrames, 2, 'nothing copied yet');
  t.is(ld32(cw, 0xc0000), 0xaaaa);
  t.is(ld32(w, 0xc0000), 0xaaaa);
  st32(w, 0xc0000, 0x1111);
  t.is(w.frames.usedFrames, 3);
  t.is(ld32(cw, 0xc0000), 0xaaaa, 'child keeps the old data');
  t.is(ld32(w, 0xc0000), 0x1111);
  st32(cw, 0xc1000, 0x2222);
  t.is(w.frames.usedFrames, 4);
  t.is(ld32(w, 0xc1000), 0xbbbb);
  t.is(ld32(cw, 0xc1000), 0x2222);
  // the second writer of a page finds it unshared and keeps the frame
  st32(cw, 0xc0000, 0x3333);
  t.is(w.frames.usedFrames, 4);
  child.destroy();
  t.is(w.frames.usedFrames, 2);
  t.is(ld32(w, 0xc0000), 0x1111);
  t.is(ld32(w, 0xc1000), 0xbbbb);
  // the parent's page whose copy went to the child writes in place now
  st32(w, 0xc1000, 0x4444);
  t.is(w.frames.usedFrames, 2);
  const before = w.frames.usedFrames;
  const f = w.frames.alloc();
  t.true(f < 6 * 4096, `a released frame is reused (got frame ${f / 4096})`);
  w.frames.release(f);
  t.is(w.frames.usedFrames, before);
});

test('fork: a read before the COW write does not leave a stale read translation', (t) => {
  const w = world();
  mmap(w, 0xc0000, 0x1000, RW, PA | MAP_FIXED);
  st32(w, 0xc0000, 1);
  const child = w.as.fork();
  const cw: World = { ...w, as: child, mem: memFor(w, child) };
  t.is(ld32(w, 0xc0000), 1);       // read TLB: the shared frame
  st32(w, 0xc0000, 2);             // copy-on-write: a new frame
  t.is(ld32(w, 0xc0000), 2, 'the parent reads its own write');
  st32(cw, 0xc0000, 3);
  t.is(ld32(w, 0xc0000), 2, 'and not the child\'s');
  t.is(ld32(cw, 0xc0000), 3);
});

test('fork: mprotect read-only then writable again still copies on write', (t) => {
  const w = world();
  mmap(w, 0xc0000, 0x2000, RW, PA | MAP_FIXED);
  st32(w, 0xc0000, 1);
  st32(w, 0xc1000, 5);
  t.is(sys(w, 'mprotect', 0xc1000, 0x1000, PROT_READ), 0n); // read-only before the fork
  const child = w.as.fork();
  const cw: World = { ...w, as: child, mem: memFor(w, child) };
  t.is(sys(w, 'mprotect', 0xc0000, 0x1000, PROT_READ), 0n);
  t.is(sys(w, 'mprotect', 0xc0000, 0x2000, RW), 0n);
  st32(w, 0xc0000, 2);
  st32(w, 0xc1000, 6);
  t.is(ld32(cw, 0xc0000), 1);
  t.is(ld32(cw, 0xc1000), 5);
  t.is(ld32(w, 0xc0000), 2);
  t.is(ld32(w, 0xc1000), 6);
  t.is(w.frames.usedFrames, 4);
});

test('fork: a kernel write (loader, debugger) into a shared read-only page copies it', (t) => {
  const w = world();
  mmap(w, 0xc0000, 0x1000, RW, PA | MAP_FIXED);
  st32(w, 0xc0000, 1);
  sys(w, 'mprotect', 0xc0000, 0x1000, PROT_READ | PROT_EXEC);
  const child = w.as.fork();
  const cw: World = { ...w, as: child, mem: memFor(w, child) };
  t.is(ld32(cw, 0xc0000), 1);
  child.kernelWrite(0xc0000, Uint8Array.of(0xcc));
  t.is(ld32(cw, 0xc0000), 0xcc);
  t.is(ld32(w, 0xc0000), 1, 'the parent\'s text is not patched');
  t.deepEqual(faultOf(() => st8(cw, 0xc0000, 0)), { addr: 0xc0000n, access: Access.Write }, 'still read-only');
});

test('fork: MAP_SHARED memory stays shared both ways', (t) => {
  const w = world();
  mmap(w, 0xd0000, 0x1000, RW, MAP_SHARED | MAP_ANON | MAP_FIXED);
  st32(w, 0xd0000, 1);
  const child = w.as.fork();
  const cw: World = { ...w, as: child, mem: memFor(w, child) };
  st32(cw, 0xd0000, 2);
  t.is(ld32(w, 0xd0000), 2);
  st32(w, 0xd0004, 3);
  t.is(ld32(cw, 0xd0004), 3);
  t.is(w.frames.usedFrames, 1);
});

test('kernelWrite when RAM is exhausted: MapError ENOMEM, no stray write', (t) => {
  const w = world({ ramBytes: 4 * 4096 });
  w.as.map(anon(0x1000, 0x5000));
  for (let p = 1; p < 4; p++) st8(w, p * 0x1000, p);
  const e = t.throws(() => w.as.kernelWrite(0x4000, Uint8Array.of(9, 9)), { instanceOf: MapError });
  t.is(e?.errno, 'ENOMEM');
  const child = w.as.fork();
  const e2 = t.throws(() => child.kernelWrite(0x1000, Uint8Array.of(9)), { instanceOf: MapError });
  t.is(e2?.errno, 'ENOMEM');
  t.deepEqual(w.u8.subarray(0, 4096), new Uint8Array(4096), 'reserved frame 0 untouched');
  t.is(ld8(w, 0x1000), 1);
  // a user access that cannot get a frame faults and reports it
  let oom = 0;
  w.as.onOutOfMemory = () => { oom++; };
  t.deepEqual(faultOf(() => st8(w, 0x2000, 5)), { addr: 0x2000n, access: Access.Write });
  t.is(oom, 1);
  t.is(ld8(w, 0x2000), 2);
});

// ---- madvise ----

test('madvise(MADV_DONTNEED): anonymous pages read zero, file pages re-read the file', (t) => {
  const w = world();
  mmap(w, 0xe0000, 0x3000, RW, PA | MAP_FIXED);
  for (let p = 0; p < 3; p++) st32(w, 0xe0000 + p * 0x1000, 0x77 + p);
  t.is(sys(w, 'madvise', 0xe1000, 0x1000, 4), 0n);
  t.is(w.frames.usedFrames, 2);
  t.is(ld32(w, 0xe1000), 0);
  t.is(ld32(w, 0xe0000), 0x77);
  t.is(ld32(w, 0xe2000), 0x79);
  const data = Uint8Array.from({ length: 0x1000 }, (_, i) => i & 0xff);
  w.as.map({ start: 0xf0000, end: 0xf1000, prot: RW, shared: false, file: { data, base: 0, path: '/d' }, name: '/d' });
  st8(w, 0xf0010, 0xee);
  t.is(ld8(w, 0xf0010), 0xee);
  t.is(sys(w, 'madvise', 0xf0000, 1, 4), 0n);
  t.is(ld8(w, 0xf0010), 0x10);
  t.is(sys(w, 'madvise', 0xe0001, 0x1000, 4), err(E.EINVAL));
  t.is(sys(w, 'madvise', 0xe0000, 0x5000, 4), err(E.ENOMEM));
  t.is(ld32(w, 0xe0000), 0x77, 'nothing dropped by the refused call');
  t.is(sys(w, 'madvise', 0xe0000, 0x1000, 0), 0n, 'MADV_NORMAL');
  t.is(ld32(w, 0xe0000), 0x77);
});

test('madvise(MADV_DONTNEED) on a page shared after fork drops only this side', (t) => {
  const w = world();
  mmap(w, 0xe0000, 0x1000, RW, PA | MAP_FIXED);
  st32(w, 0xe0000, 5);
  const child = w.as.fork();
  const cw: World = { ...w, as: child, mem: memFor(w, child) };
  t.true(child.discard(0xe0000, 0x1000));
  t.is(ld32(cw, 0xe0000), 0);
  t.is(ld32(w, 0xe0000), 5);
  st32(w, 0xe0000, 6);
  t.is(w.frames.usedFrames, 2, 'parent writes in place (refcount 1), child has its fresh zero page');
});

test('exec-only and write-only rights', (t) => {
  const w = world();
  w.as.map(anon(0x1000, 0x2000, PROT_EXEC));
  t.true(w.mem.fetchFrame(lo(0x1000), 0) > 0);
  t.deepEqual(faultOf(() => ld8(w, 0x1000)), { addr: 0x1000n, access: Access.Read });
});
