/**
 * parseElf: every validation rule, each with its exact ElfError message, on real fixtures with
 * single fields patched (so that everything else in the file stays valid), plus a corruption fuzz.
 */
import test from 'ava';
import { ElfError, parseElf, PT_INTERP, PT_LOAD, PT_GNU_STACK, PF_R, PF_W, PF_X } from '../../kernel/loader/elf';
import { loadImage } from '../../kernel/loader/exec';
import { MapError } from '../../kernel/mm/address-space';
import { fixtureBytes, rng, SPECS, world } from './_helpers';

const RV = fixtureBytes('riscv64');
const A64 = fixtureBytes('aarch64');
const X64 = fixtureBytes('x86_64');
const LA = fixtureBytes('loongarch64');
const EM_RISCV = 243, EM_AARCH64 = 183, EM_X86_64 = 62, EM_LOONGARCH = 258;

function patched(src: Uint8Array, f: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const b = src.slice();
  f(new DataView(b.buffer), b);
  return b;
}
const ph = (i: number, field: number): number => 64 + 56 * i + field;
const P_TYPE = 0, P_FLAGS = 4, P_OFFSET = 8, P_VADDR = 16, P_FILESZ = 32, P_MEMSZ = 40;

function elfError(t: import('ava').ExecutionContext, data: Uint8Array, message: string, machine = EM_RISCV, pageSize = 4096): void {
  const e = t.throws(() => parseElf(data, machine, pageSize), { instanceOf: ElfError });
  t.is(e?.message, message);
}

// ---- good files ----

test('riscv64 hello parses to its exact program headers', (t) => {
  const img = parseElf(RV, EM_RISCV, 4096);
  t.deepEqual(img, {
    pie: false, entry: 0x112a8, phoff: 64, phnum: 9, phentsize: 56, interp: null, execStack: false, phdrVaddr: 0x10040,
    loads: [
      { type: PT_LOAD, flags: PF_R, offset: 0, vaddr: 0x10000, filesz: 0x2a8, memsz: 0x2a8, align: 0x1000 },
      { type: PT_LOAD, flags: PF_R | PF_X, offset: 0x2a8, vaddr: 0x112a8, filesz: 0x1354, memsz: 0x1354, align: 0x1000 },
      { type: PT_LOAD, flags: PF_R | PF_W, offset: 0x1600, vaddr: 0x13600, filesz: 0x70, memsz: 0xa00, align: 0x1000 },
      { type: PT_LOAD, flags: PF_R | PF_W, offset: 0x1670, vaddr: 0x14670, filesz: 0xf8, memsz: 0x730, align: 0x1000 },
    ],
  });
});

test('each arch fixture parses with its own machine and page size', (t) => {
  const a = parseElf(A64, EM_AARCH64, 4096);
  t.is(a.entry, 0x2102f0);
  t.deepEqual(a.loads.map((s) => [s.vaddr, s.memsz]), [[0x200000, 0x2ec], [0x2102f0, 0x148c], [0x221780, 0x880], [0x2317e8, 0x730]]);
  const x = parseElf(X64, EM_X86_64, 4096);
  t.is(x.entry, 0x2012f0);
  t.deepEqual(x.loads.map((s) => [s.offset, s.filesz]), [[0, 0x2e4], [0x2f0, 0x13be], [0x16b0, 0x18], [0x16c8, 0xf8]]);
  const l = parseElf(LA, EM_LOONGARCH, 16384);
  t.is(l.entry, 0x20258);
  t.is(l.phnum, 8);
  t.is(l.phdrVaddr, 0x10040);
  t.deepEqual(l.loads.map((s) => s.vaddr), [0x10000, 0x20258, 0x31d60, 0x41dc8]);
});

test('ET_DYN is a static-pie image', (t) => {
  t.true(parseElf(patched(RV, (dv) => dv.setUint16(16, 3, true)), EM_RISCV, 4096).pie);
});

test('PT_GNU_STACK with PF_X asks for an executable stack', (t) => {
  const b = patched(RV, (dv) => {
    t.is(dv.getUint32(ph(6, P_TYPE), true), PT_GNU_STACK);
    dv.setUint32(ph(6, P_FLAGS), PF_R | PF_W | PF_X, true);
  });
  t.true(parseElf(b, EM_RISCV, 4096).execStack);
});

test('a segment ending exactly at 2^47 is accepted', (t) => {
  const b = patched(RV, (dv) => {
    dv.setBigUint64(ph(4, P_VADDR), BigInt(2 ** 47 - 0x1000 + 0x670), true);
    dv.setBigUint64(ph(4, P_MEMSZ), 0x990n, true);
  });
  t.is(parseElf(b, EM_RISCV, 4096).loads[3]!.vaddr + 0x990, 2 ** 47);
});

// ---- bad input, one message each ----

test('empty file, 3 bytes, bad magic', (t) => {
  elfError(t, new Uint8Array(0), 'not an ELF file (bad magic)');
  elfError(t, Uint8Array.of(0x7f, 0x45, 0x4c), 'not an ELF file (bad magic)');
  elfError(t, patched(RV, (_dv, b) => { b[1] = 0x46; }), 'not an ELF file (bad magic)');
  elfError(t, patched(RV, (_dv, b) => { b[0] = 0; }), 'not an ELF file (bad magic)');
});

test('truncated header (<64 bytes)', (t) => {
  elfError(t, RV.slice(0, 4), 'truncated ELF header (4 of 64 bytes)');
  elfError(t, RV.slice(0, 63), 'truncated ELF header (63 of 64 bytes)');
});

test('32-bit class, big-endian, bad EI_VERSION', (t) => {
  elfError(t, patched(RV, (_dv, b) => { b[4] = 1; }), 'not a 64-bit ELF (EI_CLASS 1)');
  elfError(t, patched(RV, (_dv, b) => { b[4] = 0; }), 'not a 64-bit ELF (EI_CLASS 0)');
  elfError(t, patched(RV, (_dv, b) => { b[5] = 2; }), 'not a little-endian ELF (EI_DATA 2)');
  elfError(t, patched(RV, (_dv, b) => { b[6] = 0; }), 'unsupported ELF version 0');
});

test('ET_REL, ET_CORE, ET_NONE are not executables', (t) => {
  elfError(t, patched(RV, (dv) => dv.setUint16(16, 1, true)), 'not an executable (e_type 1)');
  elfError(t, patched(RV, (dv) => dv.setUint16(16, 4, true)), 'not an executable (e_type 4)');
  elfError(t, patched(RV, (dv) => dv.setUint16(16, 0, true)), 'not an executable (e_type 0)');
});

test('wrong machine names both machines', (t) => {
  elfError(t, A64, 'ELF is for AArch64, not RISC-V', EM_RISCV);
  elfError(t, RV, 'ELF is for RISC-V, not AArch64', EM_AARCH64);
  elfError(t, X64, 'ELF is for x86-64, not LoongArch', EM_LOONGARCH, 16384);
  elfError(t, LA, 'ELF is for LoongArch, not x86-64', EM_X86_64);
  elfError(t, patched(RV, (dv) => dv.setUint16(18, 999, true)), 'ELF is for machine 999, not RISC-V');
  elfError(t, RV, 'ELF is for RISC-V, not 7', 7);
});

test('e_version other than 1', (t) => {
  elfError(t, patched(RV, (dv) => dv.setUint32(20, 2, true)), 'unsupported e_version');
});

test('e_phentsize must be 56', (t) => {
  elfError(t, patched(RV, (dv) => dv.setUint16(54, 32, true)), 'e_phentsize 32, expected 56');
  elfError(t, patched(RV, (dv) => dv.setUint16(54, 64, true)), 'e_phentsize 64, expected 56');
});

test('e_phnum 0, above 1024, PN_XNUM', (t) => {
  elfError(t, patched(RV, (dv) => dv.setUint16(56, 0, true)), 'e_phnum 0 out of range');
  elfError(t, patched(RV, (dv) => dv.setUint16(56, 1025, true)), 'e_phnum 1025 out of range');
  elfError(t, patched(RV, (dv) => dv.setUint16(56, 0xffff, true)), 'e_phnum 65535 out of range');
  // 1024 is in range but the table no longer fits in the file.
  elfError(t, patched(RV, (dv) => dv.setUint16(56, 1024, true)),
    'program headers (offset 64, 1024 entries) extend past the end of the file (11648 bytes)');
});

test('program headers past EOF', (t) => {
  const len = RV.length;
  elfError(t, patched(RV, (dv) => dv.setBigUint64(32, BigInt(len - 9 * 56 + 1), true)),
    `program headers (offset ${len - 9 * 56 + 1}, 9 entries) extend past the end of the file (11648 bytes)`);
  // exactly at the end is fine as far as the table goes (the entries are then garbage: section headers)
  t.notThrows(() => {
    try { parseElf(patched(RV, (dv) => dv.setBigUint64(32, BigInt(len - 9 * 56), true)), EM_RISCV, 4096); } catch (e) {
      if (!(e instanceof ElfError)) throw e;
    }
  });
  elfError(t, RV.slice(0, 64 + 56 * 9 - 1),
    'program headers (offset 64, 9 entries) extend past the end of the file (567 bytes)');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(32, 2n ** 53n, true)), 'e_phoff 0x20000000000000 is out of range');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(32, 2n ** 64n - 1n, true)), 'e_phoff 0xffffffffffffffff is out of range');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(32, 2n ** 53n - 1n, true)),
    'program headers (offset 9007199254740991, 9 entries) extend past the end of the file (11648 bytes)');
});

test('e_entry beyond 2^53', (t) => {
  elfError(t, patched(RV, (dv) => dv.setBigUint64(24, 2n ** 64n - 1n, true)), 'e_entry 0xffffffffffffffff is out of range');
});

test('PT_LOAD file range past EOF', (t) => {
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(3, P_FILESZ), 11648n, true)),
    'segment 3: file range 5632+11648 extends past the end of the file (11648 bytes)');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(1, P_OFFSET), 11648n, true)),
    'segment 1: file range 11648+680 extends past the end of the file (11648 bytes)');
  // p_offset + p_filesz == length is still inside
  const img = parseElf(patched(RV, (dv) => {
    dv.setBigUint64(ph(4, P_FILESZ), BigInt(11648 - 0x1670), true);
    dv.setBigUint64(ph(4, P_MEMSZ), BigInt(11648 - 0x1670), true);
  }), EM_RISCV, 4096);
  t.is(img.loads[3]!.filesz, 11648 - 0x1670);
});

test('p_filesz > p_memsz', (t) => {
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(3, P_MEMSZ), 0x10n, true)), 'segment 3: p_filesz 112 > p_memsz 16');
});

test('p_vaddr and p_offset incongruent modulo the page size', (t) => {
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(2, P_VADDR), 0x112b0n, true)),
    'segment 2: p_vaddr 0x112b0 and p_offset 0x2a8 differ modulo the page size');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(2, P_OFFSET), 0x2a0n, true)),
    'segment 2: p_vaddr 0x112a8 and p_offset 0x2a0 differ modulo the page size');
  // offset > vaddr (negative difference) that is not a page multiple
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(1, P_VADDR), 0x8n, true)),
    'segment 1: p_vaddr 0x8 and p_offset 0x0 differ modulo the page size');
  // a riscv64 (4 KiB) layout is not loadable with 16 KiB pages
  elfError(t, RV, 'segment 2: p_vaddr 0x112a8 and p_offset 0x2a8 differ modulo the page size', EM_RISCV, 16384);
});

test('PT_LOAD segments out of order or overlapping', (t) => {
  const swapped = patched(RV, (_dv, b) => {
    const a = b.slice(ph(3, 0), ph(4, 0)), c = b.slice(ph(4, 0), ph(5, 0));
    b.set(c, ph(3, 0));
    b.set(a, ph(4, 0));
  });
  elfError(t, swapped, 'segment 4: PT_LOAD segments are not in ascending order');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(3, P_MEMSZ), 0x1071n, true)), 'segment 4 overlaps the previous PT_LOAD');
  // touching is not overlapping: 0x13600 + 0x1070 = 0x14670
  t.is(parseElf(patched(RV, (dv) => dv.setBigUint64(ph(3, P_MEMSZ), 0x1070n, true)), EM_RISCV, 4096).loads.length, 4);
  // same start as the previous segment
  elfError(t, patched(RV, (dv) => {
    dv.setBigUint64(ph(4, P_VADDR), 0x13670n, true);
  }), 'segment 4 overlaps the previous PT_LOAD');
});

test('a segment reaching beyond 2^47', (t) => {
  elfError(t, patched(RV, (dv) => {
    dv.setBigUint64(ph(4, P_VADDR), BigInt(2 ** 47 - 0x1000 + 0x670), true);
    dv.setBigUint64(ph(4, P_MEMSZ), 0x1000n, true);
  }), 'segment 4: 0x7ffffffff670+0x1000 is beyond user space');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(4, P_MEMSZ), BigInt(2 ** 47), true)),
    'segment 4: 0x14670+0x800000000000 is beyond user space');
});

test('p_offset / p_vaddr / p_filesz / p_memsz / p_align beyond 2^53', (t) => {
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(4, P_OFFSET), 2n ** 53n, true)), 'segment 4 p_offset 0x20000000000000 is out of range');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(4, P_VADDR), 2n ** 63n, true)), 'segment 4 p_vaddr 0x8000000000000000 is out of range');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(2, P_FILESZ), 2n ** 60n, true)), 'segment 2 p_filesz 0x1000000000000000 is out of range');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(2, P_MEMSZ), 2n ** 64n - 1n, true)), 'segment 2 p_memsz 0xffffffffffffffff is out of range');
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(0, 48), 2n ** 53n, true)), 'segment 0 p_align 0x20000000000000 is out of range');
  // a non-PT_LOAD header gets the same treatment (the numbers are read before the type matters)
  elfError(t, patched(RV, (dv) => dv.setBigUint64(ph(8, P_OFFSET), 2n ** 63n, true)), 'segment 8 p_offset 0x8000000000000000 is out of range');
});

test('no PT_LOAD at all', (t) => {
  elfError(t, patched(RV, (dv) => { for (const i of [1, 2, 3, 4]) dv.setUint32(ph(i, P_TYPE), 0, true); }), 'no PT_LOAD segment');
});

/** The NOTE header (index 7) turned into PT_INTERP naming a string appended to the file. */
function withInterp(name: string, filesz = name.length + 1): Uint8Array {
  const b = new Uint8Array(RV.length + 64);
  b.set(RV);
  b.set(Buffer.from(name + '\0', 'latin1'), RV.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(ph(7, P_TYPE), PT_INTERP, true);
  dv.setBigUint64(ph(7, P_OFFSET), BigInt(RV.length), true);
  dv.setBigUint64(ph(7, P_FILESZ), BigInt(filesz), true);
  return b;
}

test('PT_INTERP is parsed, and loadImage refuses it naming the interpreter', (t) => {
  const data = withInterp('/lib/ld-musl-riscv64.so.1');
  const img = parseElf(data, EM_RISCV, 4096);
  t.is(img.interp, '/lib/ld-musl-riscv64.so.1');
  const w = world();
  const e = t.throws(() => loadImage(w.as, SPECS.riscv64, img, data, '/bin/x', ['x'], [], { uid: 0, euid: 0, gid: 0, egid: 0 }, new Uint8Array(16)),
    { instanceOf: ElfError });
  t.is(e?.message, 'dynamically linked programs are not supported (interpreter /lib/ld-musl-riscv64.so.1); build it static');
  t.deepEqual(w.as.vmas, [], 'nothing mapped');
  t.is(w.frames.usedFrames, 0);
});

test('bad PT_INTERP: empty, too long, past EOF', (t) => {
  elfError(t, withInterp('/x', 0), 'bad PT_INTERP');
  elfError(t, withInterp('/x', 4097), 'bad PT_INTERP');
  elfError(t, withInterp('/x', 65), 'bad PT_INTERP');
  // a NUL-less interpreter string within bounds is kept whole
  t.is(parseElf(withInterp('/abc', 4), EM_RISCV, 4096).interp, '/abc');
});

// ---- fuzz ----

test('2,000 random corruptions of header and program headers: success or ElfError, nothing else', (t) => {
  const next = rng(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const interesting = [0n, 1n, 2n, 3n, 0x38n, 0x40n, 0xfffn, 0x1000n, 0x4000n, BigInt(RV.length), BigInt(RV.length + 1),
    2n ** 31n, 2n ** 32n - 1n, 2n ** 47n - 1n, 2n ** 47n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
  const span = 64 + 56 * 9;
  const before = process.memoryUsage().arrayBuffers;
  let ok = 0, bad = 0, loaded = 0;
  const w = world({ ramBytes: 4 * 1024 * 1024, commitLimit: 64 * 1024 * 1024 });
  for (let n = 0; n < 2000; n++) {
    const b = RV.slice();
    const dv = new DataView(b.buffer);
    const kind = Math.floor(next() * 4);
    const at = Math.floor(next() * span);
    if (kind === 0) b[at] = Math.floor(next() * 256);
    else if (kind === 1 && at + 2 <= span) dv.setUint16(at & ~1, Number(pick(interesting) & 0xffffn), true);
    else if (kind === 2 && at + 4 <= span) dv.setUint32(at & ~3, Number(pick(interesting) & 0xffffffffn), true);
    else if ((at & ~7) + 8 <= span) dv.setBigUint64(at & ~7, pick(interesting) & (2n ** 64n - 1n), true);
    let img;
    try {
      img = parseElf(b, EM_RISCV, 4096);
    } catch (e) {
      if (!(e instanceof ElfError)) { t.fail(`mutation ${n}: ${String(e)}`); return; }
      bad++;
      continue;
    }
    ok++;
    // Whatever parses stays inside the file and user space.
    for (const s of img.loads) {
      if (s.offset + s.filesz > b.length || s.vaddr + s.memsz > 2 ** 47 || s.filesz > s.memsz) { t.fail(`mutation ${n}: bad segment accepted`); return; }
    }
    // ... and loading it either works or fails with ElfError / MapError.
    try {
      loadImage(w.as, SPECS.riscv64, img, b, '/f', ['f'], [], { uid: 0, euid: 0, gid: 0, egid: 0 }, new Uint8Array(16));
      loaded++;
    } catch (e) {
      if (!(e instanceof ElfError || e instanceof MapError)) { t.fail(`mutation ${n} (load): ${String(e)}`); return; }
    }
    w.as.destroy();
    w.as.brkStart = w.as.brkEnd = 0;
  }
  t.is(ok + bad, 2000);
  t.true(ok > 100 && bad > 100, `ok ${ok}, bad ${bad}`);
  t.true(loaded > 0);
  t.is(w.frames.usedFrames, 0, 'every frame came back');
  t.true(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, 'no huge allocation');
});
