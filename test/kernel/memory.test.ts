/**
 * arch/common Memory over a kernel AddressSpace: fast and slow paths, frame-crossing and
 * unaligned accesses, atomicity on faults, kernel helpers, TLB coherence, code-write detection,
 * watchpoints.
 */
import test from 'ava';
import { Access, FRAME_SIZE, Memory, WatchHit } from '../../arch/common/memory';
import { PROT_READ, PROT_WRITE } from '../../kernel/mm/address-space';
import { anon, faultOf, hi, lo, world, type World } from './_helpers';

const RW = PROT_READ | PROT_WRITE;
const A = 0x10000; // two RW frames at A, A + 4096

function setup(): World {
  const w = world();
  w.as.map(anon(A, A + 2 * FRAME_SIZE));
  return w;
}
const bytes = (w: World, va: number, n: number): number[] => [...w.mem.readBytes(va, n)];

test('RAM size checks', (t) => {
  const w = world();
  t.throws(() => new Memory(new ArrayBuffer(4097), w.as), { instanceOf: RangeError, message: 'RAM must be a multiple of 4 KiB and at most 2 GiB' });
});

test('2/4/8-byte stores and loads crossing a frame boundary, every split', (t) => {
  const w = setup(), m = w.mem;
  for (let k = 1; k < 8; k++) {
    const va = A + FRAME_SIZE - k;
    m.store64(lo(va), 0, 0x44332211, 0x88776655 | 0);
    t.deepEqual(bytes(w, va, 8), [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88], `store64 split ${k}`);
    t.is(m.load64(lo(va), 0), 0x44332211);
    t.is(m.hi, 0x88776655 | 0);
    if (k < 4) {
      m.store32(lo(va), 0, 0xdeadbeef | 0);
      t.deepEqual(bytes(w, va, 4), [0xef, 0xbe, 0xad, 0xde], `store32 split ${k}`);
      t.is(m.load32(lo(va), 0), 0xdeadbeef | 0, 'load32 is signed');
    }
    if (k < 2) {
      m.store16(lo(va), 0, 0xfedc);
      t.deepEqual(bytes(w, va, 2), [0xdc, 0xfe]);
      t.is(m.load16(lo(va), 0), 0xfedc, 'load16 is unsigned');
    }
  }
});

test('unaligned accesses inside a frame, fast path (TLB warm) and slow path (cold)', (t) => {
  const w = setup(), m = w.mem;
  for (const warm of [false, true]) {
    if (!warm) m.flushTlb(); else { m.load8(lo(A), 0); m.store8(lo(A), 0, 0); }
    m.store16(lo(A + 1), 0, 0xa1b2);
    m.store32(lo(A + 3), 0, 0x01020304);
    m.store64(lo(A + 9), 0, 0x0a0b0c0d, 0x7f6e5d4c);
    t.deepEqual(bytes(w, A + 1, 16), [0xb2, 0xa1, 0x04, 0x03, 0x02, 0x01, 0, 0, 0x0d, 0x0c, 0x0b, 0x0a, 0x4c, 0x5d, 0x6e, 0x7f]);
    if (!warm) m.flushTlb();
    t.is(m.load16(lo(A + 1), 0), 0xa1b2);
    t.is(m.load32(lo(A + 3), 0), 0x01020304);
    t.is(m.load64(lo(A + 9), 0), 0x0a0b0c0d);
    t.is(m.hi, 0x7f6e5d4c);
    t.is(m.load8(lo(A + 16), 0), 0x7f);
  }
  // the last aligned slot of a frame stays on the fast path and right
  m.store64(lo(A + FRAME_SIZE - 8), 0, -1, -2);
  t.is(m.load64(lo(A + FRAME_SIZE - 8), 0), -1);
  t.is(m.hi, -2);
  t.is(m.load8(lo(A + FRAME_SIZE), 0), 0, 'next frame untouched');
});

test('a store whose second part faults leaves memory untouched', (t) => {
  const w = world(), m = w.mem;
  w.as.map(anon(A, A + FRAME_SIZE));
  w.as.map(anon(A + FRAME_SIZE, A + 2 * FRAME_SIZE, PROT_READ));
  const end = A + FRAME_SIZE;
  for (let k = 1; k < 8; k++) {
    const f = faultOf(() => m.store64(lo(end - k), 0, 0x11111111, 0x22222222));
    t.is(f.access, Access.Write);
    t.is(Number(f.addr) >>> 12, end >>> 12, `fault in the second frame (split ${k})`);
  }
  t.deepEqual(faultOf(() => m.store32(lo(end - 2), 0, -1)).access, Access.Write);
  t.deepEqual(faultOf(() => m.store16(lo(end - 1), 0, 0xffff)).access, Access.Write);
  t.deepEqual(bytes(w, end - 8, 16), new Array(16).fill(0));
  // unmapped second frame: same
  w.as.unmap(end, FRAME_SIZE);
  t.is(Number(faultOf(() => m.store64(lo(end - 4), 0, 1, 2)).addr) >>> 12, end >>> 12);
  t.deepEqual(bytes(w, end - 8, 8), new Array(8).fill(0));
  // loads crossing into nothing fault too
  t.is(faultOf(() => m.load64(lo(end - 4), 0)).access, Access.Read);
  t.is(faultOf(() => m.load16(lo(end - 1), 0)).access, Access.Read);
});

test('addresses above 4 GiB and accesses crossing the 2^32 boundary (lo wraps, hi carries)', (t) => {
  const w = world(), m = w.mem;
  w.as.map(anon(0xffff_f000, 0x1_0000_1000));
  const va = 0xffff_fffc;
  m.store64(lo(va), hi(va), 0x04030201, 0x08070605);
  t.deepEqual(bytes(w, va, 8), [1, 2, 3, 4, 5, 6, 7, 8]);
  t.is(m.load32(lo(0x1_0000_0000), 1), 0x08070605);
  t.is(m.load32(lo(0xffff_fffe), 0), 0x06050403);
  t.is(m.load16(lo(0xffff_ffff), 0), 0x0504);
  t.is(m.load64(lo(va), hi(va)), 0x04030201);
  t.is(m.hi, 0x08070605);
  // same TLB slot, different hi: no aliasing
  w.as.map(anon(0x1_ffff_f000, 0x2_0000_0000));
  m.store8(lo(0x1_ffff_f000), 1, 0x99);
  m.store8(lo(0xffff_f000), 0, 0x42);
  t.is(m.load8(lo(0x1_ffff_f000), 1), 0x99);
  t.is(m.load8(lo(0xffff_f000), 0), 0x42);
  // kernel helpers split numbers into halves the same way
  t.is(m.readU64(va), 0x0807060504030201n);
  // a sign-extended kernel address faults with its full 64-bit value
  t.deepEqual(faultOf(() => m.load8(0x1000, -1)), { addr: 0xffff_ffff_0000_1000n, access: Access.Read });
});

test('TLB: direct-mapped slots that collide keep their own translations', (t) => {
  const w = world(), m = w.mem;
  const b = A + 1024 * FRAME_SIZE; // same TLB index as A
  w.as.map(anon(A, A + FRAME_SIZE));
  w.as.map(anon(b, b + FRAME_SIZE));
  m.store32(lo(A), 0, 1);
  m.store32(lo(b), 0, 2);
  t.is(m.load32(lo(A), 0), 1);
  t.is(m.load32(lo(b), 0), 2);
  t.is(m.load32(lo(A), 0), 1);
});

test('TLB: no stale translation after munmap, mprotect, a re-map, or destroy', (t) => {
  const w = setup(), m = w.mem;
  m.store32(lo(A), 0, 5);
  t.is(m.load32(lo(A), 0), 5);
  w.as.unmap(A, FRAME_SIZE);
  t.deepEqual(faultOf(() => m.load32(lo(A), 0)), { addr: BigInt(A), access: Access.Read });
  t.deepEqual(faultOf(() => m.store8(lo(A), 0, 1)), { addr: BigInt(A), access: Access.Write });
  w.as.map(anon(A, A + FRAME_SIZE));
  t.is(m.load32(lo(A), 0), 0, 'a fresh page, not the old frame');
  m.store32(lo(A + FRAME_SIZE), 0, 7);
  w.as.protect(A + FRAME_SIZE, FRAME_SIZE, PROT_READ);
  t.deepEqual(faultOf(() => m.store32(lo(A + FRAME_SIZE), 0, 8)), { addr: BigInt(A + FRAME_SIZE), access: Access.Write });
  t.is(m.load32(lo(A + FRAME_SIZE), 0), 7);
  w.as.destroy();
  t.deepEqual(faultOf(() => m.load32(lo(A + FRAME_SIZE), 0)), { addr: BigInt(A + FRAME_SIZE), access: Access.Read });
});

test('readBytes / writeBytes across frames; writeBytes is all-or-nothing', (t) => {
  const w = world(), m = w.mem;
  w.as.map(anon(A, A + 2 * FRAME_SIZE));
  w.as.map(anon(A + 2 * FRAME_SIZE, A + 3 * FRAME_SIZE, PROT_READ));
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
  m.writeBytes(A + 100, data);
  t.deepEqual(m.readBytes(A + 100, 5000), data);
  t.deepEqual(m.readBytes(A, 0), new Uint8Array(0));
  const before = m.readBytes(A, 3 * FRAME_SIZE);
  const f = faultOf(() => m.writeBytes(A + FRAME_SIZE + 10, new Uint8Array(FRAME_SIZE).fill(0xff)));
  t.deepEqual(f, { addr: BigInt(A + 2 * FRAME_SIZE), access: Access.Write });
  t.deepEqual(m.readBytes(A, 3 * FRAME_SIZE), before, 'nothing written');
  t.deepEqual(faultOf(() => m.readBytes(A + 3 * FRAME_SIZE - 2, 4)), { addr: BigInt(A + 3 * FRAME_SIZE), access: Access.Read });
  m.writeU32(A, 0xcafebabe);
  m.writeU64(A + 8, -2n);
  t.is(m.readU32(A), 0xcafebabe);
  t.is(m.readU64(A + 8), 0xffff_ffff_ffff_fffen);
  m.writeU64(A + FRAME_SIZE - 4, 0x1122334455667788n);
  t.is(m.readU64(A + FRAME_SIZE - 4), 0x1122334455667788n);
  t.is(m.readU32(A + FRAME_SIZE), 0x11223344);
});

test('readCString: across a frame, the length limit, running into unmapped memory', (t) => {
  const w = world(), m = w.mem;
  w.as.map(anon(A, A + 2 * FRAME_SIZE));
  m.writeBytes(A + FRAME_SIZE - 3, Buffer.from('héllo\0', 'utf8'));
  t.is(m.readCString(A + FRAME_SIZE - 3), 'héllo');
  m.writeBytes(A, Buffer.from('abc\0'));
  t.is(m.readCString(A, 4), 'abc', '3 bytes + NUL within 4');
  t.is(m.readCString(A, 3), null, 'NUL not within max bytes');
  t.is(m.readCString(A + 3, 1), '');
  t.is(m.readCString(A, 0), null);
  // default max 4096 counts the NUL (like PATH_MAX): 4095 characters pass, 4096 do not
  m.writeBytes(A, new Uint8Array(4096).fill(0x61));
  m.store8(lo(A + 4095), 0, 0);
  t.is(m.readCString(A)!.length, 4095);
  m.store8(lo(A + 4095), 0, 0x61);
  m.store8(lo(A + 4096), 0, 0);
  m.writeBytes(A, new Uint8Array(4096).fill(0x61));
  t.is(m.readCString(A), null);
  // no NUL before the end of the mapping
  m.writeBytes(A + FRAME_SIZE, new Uint8Array(FRAME_SIZE).fill(0x62));
  t.deepEqual(faultOf(() => m.readCString(A + FRAME_SIZE + 10, 10000)), { addr: BigInt(A + 2 * FRAME_SIZE), access: Access.Read });
});

test('markCode: the first store to a code frame reports it once, with the frame', (t) => {
  const w = setup(), m = w.mem;
  const calls: number[] = [];
  m.onCodeWrite = (f) => calls.push(f);
  m.store32(lo(A), 0, 1); // W TLB warm before markCode
  const frame = w.as.translate(A / FRAME_SIZE, Access.Read) >>> 12;
  const other = w.as.translate(A / FRAME_SIZE + 1, Access.Read) >>> 12;
  t.not(frame, other);
  m.markCode(frame);
  m.markCode(frame);
  m.store8(lo(A + 5), 0, 1);
  t.deepEqual(calls, [frame], 'warm TLB entry was dropped by markCode');
  m.store32(lo(A + 8), 0, 2);
  m.store64(lo(A + 16), 0, 3, 4);
  t.deepEqual(calls, [frame], 'once');
  m.store8(lo(A + FRAME_SIZE), 0, 1);
  t.deepEqual(calls, [frame], 'another frame');
  m.markCode(frame);
  m.writeBytes(A + 100, Uint8Array.of(1, 2));
  t.deepEqual(calls, [frame, frame], 'kernel writes count');
  m.markCode(other);
  m.store16(lo(A + FRAME_SIZE - 1), 0, 0xffff); // crossing into the code frame `other`
  t.deepEqual(calls, [frame, frame, other]);
  m.load32(lo(A), 0);
  m.markCode(frame);
  m.load32(lo(A + 4), 0);
  t.deepEqual(calls.length, 3, 'loads never report');
});

/** The WatchHit an access throws, or null when it completes. */
function watchOf(f: () => unknown): { addr: bigint; access: Access } | null {
  try { f(); return null; } catch (e) {
    if (e instanceof WatchHit) return { addr: e.addr, access: e.access };
    throw e;
  }
}

test('watchpoints stop an access before it happens, at its lowest watched byte; elsewhere in the frame does not', (t) => {
  const w = setup(), m = w.mem;
  const W = A + 0x100;
  m.store32(lo(W), 0, 0x1234); m.load32(lo(W), 0); // warm TLB, must be flushed by setWatchpoints
  m.setWatchpoints([{ addr: W, len: 4, read: false, write: true }]);
  t.true(m.watching);
  t.is(watchOf(() => m.store32(lo(W + 4), 0, 1)), null);
  t.is(watchOf(() => m.load32(lo(W), 0)), null, 'reads do not hit a write watchpoint');
  t.is(watchOf(() => m.store8(lo(W - 1), 0, 1)), null);
  t.deepEqual(watchOf(() => m.store8(lo(W + 3), 0, 9)), { addr: BigInt(W + 3), access: Access.Write });
  t.is(m.load8(lo(W + 3), 0), 0x00, 'the store did not happen');
  t.deepEqual(watchOf(() => m.store64(lo(W - 4), 0, -1, -1)), { addr: BigInt(W), access: Access.Write }, 'overlap from below: the watchpoint start');
  t.is(m.load32(lo(W - 4), 0), 0x01000000, 'no byte of the stopped store was written');
  t.is(m.load32(lo(W), 0), 0x1234);

  m.setWatchpoints([{ addr: W, len: 4, read: true, write: false }]);
  t.deepEqual(watchOf(() => m.load32(lo(W - 2), 0)), { addr: BigInt(W), access: Access.Read });
  t.deepEqual(watchOf(() => m.load16(lo(W + 2), 0)), { addr: BigInt(W + 2), access: Access.Read });
  t.is(watchOf(() => m.load32(lo(W + 0x800), 0)), null);
  t.is(watchOf(() => m.store32(lo(W), 0, 5)), null);

  m.setWatchpoints([{ addr: W, len: 1, read: true, write: true }]);
  t.deepEqual(watchOf(() => m.load8(lo(W), 0)), { addr: BigInt(W), access: Access.Read });
  t.deepEqual(watchOf(() => m.store8(lo(W), 0, 1)), { addr: BigInt(W), access: Access.Write });
  t.is(watchOf(() => { m.load8(lo(W + 1), 0); m.store8(lo(W + 1), 0, 1); m.load8(lo(A + FRAME_SIZE), 0); }), null);

  m.setWatchpoints([]);
  t.false(m.watching);
  m.store8(lo(W), 0, 2);
  t.is(m.load8(lo(W), 0), 2);
});

test('exec fetches: rights and frame offsets', (t) => {
  const w = world(), m = w.mem;
  w.as.map(anon(A, A + FRAME_SIZE, PROT_READ | 4));
  w.as.map(anon(A + FRAME_SIZE, A + 2 * FRAME_SIZE, RW));
  const f = m.fetchFrame(lo(A + 0x123), 0);
  t.is(f % FRAME_SIZE, 0);
  m.store8(lo(A + FRAME_SIZE), 0, 1);
  t.is(m.fetchFrame(lo(A + 0x456), 0), f);
  t.deepEqual(faultOf(() => m.fetchFrame(lo(A + FRAME_SIZE), 0)), { addr: BigInt(A + FRAME_SIZE), access: Access.Exec });
});

test('a frame-crossing access into a bad page faults at that page\'s first byte', (t) => {
  const w = world(), m = w.mem;
  w.as.map(anon(A, A + FRAME_SIZE));
  const end = A + FRAME_SIZE;
  t.deepEqual(faultOf(() => m.store64(lo(end - 2), 0, 1, 2)), { addr: BigInt(end), access: Access.Write });
  t.is(m.load16(lo(end - 2), 0), 0, 'nothing written');
  t.deepEqual(faultOf(() => m.load32(lo(end - 1), 0)), { addr: BigInt(end), access: Access.Read });
});

test('kernel-side accesses (syscall buffers) never trigger watchpoints, as under qemu-user', (t) => {
  const w = setup(), m = w.mem;
  m.setWatchpoints([{ addr: A + 8, len: 8, read: true, write: true }]);
  t.is(m.readBytes(A, 32).length, 32);
  t.is(m.readBytes(A + 8, 4).length, 4);
  m.writeBytes(A + 8, Uint8Array.of(1, 2, 3));
  t.deepEqual([...m.readBytes(A + 8, 3)], [1, 2, 3]);
});
