/**
 * loadImage on each arch's real hello: segments as demand-paged file mappings, bss, page rights,
 * brk base and the initial stack exactly as Linux's create_elf_tables lays it out.
 */
import test from 'ava';
import type { ArchName } from '../../arch/common/cpu';
import { Access, FRAME_SIZE } from '../../arch/common/memory';
import { ElfError, parseElf } from '../../kernel/loader/elf';
import { AT, loadImage, STACK_SIZE } from '../../kernel/loader/exec';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../kernel/mm/address-space';
import { faultOf, fixtureBytes, hi, lo, SPECS, world } from './_helpers';

const ARCHES: ArchName[] = ['riscv64', 'aarch64', 'x86_64', 'loongarch64'];
const CREDS = { uid: 1000, euid: 1001, gid: 1002, egid: 1003 };
const RANDOM = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const PATH = '/sbin/hello';
const ARGV = ['hello', 'ünï', ''];
const ENVP = ['HOME=/', 'TERM=linux'];

const pageDown = (a: number, ps: number): number => Math.floor(a / ps) * ps;
const pageUp = (a: number, ps: number): number => Math.ceil(a / ps) * ps;

function load(arch: ArchName, argv = ARGV, envp = ENVP) {
  const w = world({ ramBytes: 32 * 1024 * 1024, pageSize: SPECS[arch].pageSize });
  const data = fixtureBytes(arch);
  const spec = SPECS[arch];
  const img = parseElf(data, spec.elfMachine, spec.pageSize);
  const r = loadImage(w.as, spec, img, data, PATH, argv, envp, CREDS, RANDOM);
  return { ...w, data, spec, img, r };
}

/** Independent model of the stack layout: where each string lands and where sp ends up. */
function expectedLayout(arch: ArchName, argv: string[], envp: string[], nAux: number) {
  const spec = SPECS[arch];
  let p = spec.stackTop - 8;
  const len = (s: string): number => Buffer.byteLength(s) + 1;
  const execfn = (p -= len(PATH));
  const env = envp.map(len).reverse().map((n) => (p -= n)).reverse();
  const args = argv.map(len).reverse().map((n) => (p -= n)).reverse();
  p = pageDown(p, 16);
  const platform = spec.platform === null ? 0 : (p -= len(spec.platform));
  const random = (p -= 16);
  const words = 1 + argv.length + 1 + envp.length + 1 + 2 * nAux;
  const sp = pageDown(p - words * 8, 16);
  return { execfn, env, args, platform, random, sp };
}

for (const arch of ARCHES) {
  test(`${arch}: initial stack: argc, argv, envp, auxv, alignment`, (t) => {
    const { mem, r, spec, img, data } = load(arch);
    const ps = spec.pageSize;
    t.is(r.bias, 0);
    t.is(r.entry, img.entry);
    t.is(r.sp % 16, 0);
    const u64 = (va: number): number => Number(mem.readU64(va));

    t.is(u64(r.sp), 3, 'argc');
    const argPtrs = [0, 1, 2].map((i) => u64(r.sp + 8 + 8 * i));
    t.deepEqual(argPtrs.map((a) => mem.readCString(a)), ARGV);
    t.is(u64(r.sp + 8 * 4), 0, 'argv NULL');
    const envPtrs = [0, 1].map((i) => u64(r.sp + 8 * 5 + 8 * i));
    t.deepEqual(envPtrs.map((a) => mem.readCString(a)), ENVP);
    t.is(u64(r.sp + 8 * 7), 0, 'envp NULL');

    const aux = new Map<number, number>();
    const keys: number[] = [];
    let a = r.sp + 8 * 8;
    for (;; a += 16) {
      const k = u64(a), v = u64(a + 8);
      keys.push(k);
      if (k === AT.NULL) { t.is(v, 0); break; }
      t.false(aux.has(k), `AT ${k} twice`);
      aux.set(k, v);
    }
    const auxBytes = mem.readBytes(r.sp + 8 * 8, a + 16 - (r.sp + 8 * 8));
    t.deepEqual(r.auxv, auxBytes, 'returned auxv is what the guest sees');

    const expectKeys = [AT.PHDR, AT.PHENT, AT.PHNUM, AT.PAGESZ, AT.BASE, AT.FLAGS, AT.ENTRY, AT.UID, AT.EUID, AT.GID, AT.EGID,
      AT.SECURE, AT.RANDOM, AT.HWCAP, ...(spec.hwcap2 !== null ? [AT.HWCAP2] : []), AT.CLKTCK, AT.EXECFN, ...(spec.platform ? [AT.PLATFORM] : [])];
    t.deepEqual([...aux.keys()].sort((x, y) => x - y), [...expectKeys].sort((x, y) => x - y));
    t.is(aux.get(AT.PHDR), img.phdrVaddr!);
    t.is(aux.get(AT.PHENT), 56);
    t.is(aux.get(AT.PHNUM), arch === 'loongarch64' ? 8 : 9);
    t.is(aux.get(AT.PAGESZ), ps);
    t.is(aux.get(AT.BASE), 0);
    t.is(aux.get(AT.FLAGS), 0);
    t.is(aux.get(AT.ENTRY), img.entry);
    t.is(aux.get(AT.UID), 1000);
    t.is(aux.get(AT.EUID), 1001);
    t.is(aux.get(AT.GID), 1002);
    t.is(aux.get(AT.EGID), 1003);
    t.is(aux.get(AT.SECURE), 0);
    t.is(aux.get(AT.CLKTCK), 100);
    t.is(BigInt(aux.get(AT.HWCAP)!), spec.hwcap);
    t.is(aux.has(AT.HWCAP2) ? BigInt(aux.get(AT.HWCAP2)!) : null, spec.hwcap2);
    t.deepEqual(mem.readBytes(aux.get(AT.RANDOM)!, 16), RANDOM);
    t.is(mem.readCString(aux.get(AT.EXECFN)!), PATH);
    if (spec.platform) t.is(mem.readCString(aux.get(AT.PLATFORM)!), spec.platform);
    // AT_PHDR really points at the program headers
    t.deepEqual(mem.readBytes(aux.get(AT.PHDR)!, img.phnum * 56), data.subarray(64, 64 + img.phnum * 56));

    // exact placement (Linux: execfn at the top, then envp and argv strings, 16-align, platform, random)
    const x = expectedLayout(arch, ARGV, ENVP, aux.size + 1);
    t.is(aux.get(AT.EXECFN), x.execfn);
    t.is(x.execfn + PATH.length + 1, spec.stackTop - 8);
    t.deepEqual(envPtrs, x.env);
    t.deepEqual(argPtrs, x.args);
    t.is(aux.get(AT.RANDOM), x.random);
    if (spec.platform) t.is(aux.get(AT.PLATFORM), x.platform);
    t.is(r.sp, x.sp);
    // the last word of the stack is untouched and everything above the strings is zero
    t.is(u64(spec.stackTop - 8), 0);
    // only the stack frames written so far are resident
    t.is(w(arch).residentAfterLoad, Math.floor((spec.stackTop - 1) / FRAME_SIZE) - Math.floor(r.sp / FRAME_SIZE) + 1);
  });

  test(`${arch}: segments hold the file's bytes, bss is zero, rights are enforced`, (t) => {
    const { mem, as, img, data, spec } = load(arch);
    const ps = spec.pageSize;
    for (const s of img.loads) {
      t.deepEqual(mem.readBytes(s.vaddr, s.filesz), data.subarray(s.offset, s.offset + s.filesz), `segment at 0x${s.vaddr.toString(16)}`);
      // from the page start to vaddr: the file's bytes (the whole file page is mapped)
      const pgoff = s.vaddr - pageDown(s.vaddr, ps);
      t.deepEqual(mem.readBytes(s.vaddr - pgoff, pgoff), data.subarray(s.offset - pgoff, s.offset));
      // after p_filesz up to the end of the page: zero (bss and padzero)
      const end = pageUp(s.vaddr + s.memsz, ps);
      t.deepEqual(mem.readBytes(s.vaddr + s.filesz, end - s.vaddr - s.filesz), new Uint8Array(end - s.vaddr - s.filesz));
    }
    const bss = img.loads.find((s) => s.memsz > s.filesz && s.filesz > 0)!;
    t.truthy(bss, 'a segment with bss');

    const text = img.loads.find((s) => s.flags === 5)!;
    const ro = img.loads.find((s) => s.flags === 4)!;
    const rw = img.loads.find((s) => s.flags === 6)!;
    t.deepEqual(faultOf(() => mem.store8(lo(text.vaddr), hi(text.vaddr), 0)), { addr: BigInt(text.vaddr), access: Access.Write });
    t.deepEqual(faultOf(() => mem.store32(lo(ro.vaddr + 4), hi(ro.vaddr + 4), 0)), { addr: BigInt(ro.vaddr + 4), access: Access.Write });
    t.deepEqual(faultOf(() => mem.fetchFrame(lo(ro.vaddr), hi(ro.vaddr))), { addr: BigInt(ro.vaddr), access: Access.Exec });
    t.deepEqual(faultOf(() => mem.fetchFrame(lo(rw.vaddr), hi(rw.vaddr))), { addr: BigInt(rw.vaddr), access: Access.Exec });
    t.is(mem.fetchFrame(lo(img.entry), hi(img.entry)) >= 0, true);
    // the text is unchanged after the refused store
    t.is(mem.load8(lo(text.vaddr), hi(text.vaddr)), data[text.offset]);
    // data and bss are writable and keep what is written
    mem.store32(lo(bss.vaddr + bss.filesz), hi(bss.vaddr + bss.filesz), 0x12345678);
    t.is(mem.load32(lo(bss.vaddr + bss.filesz), hi(bss.vaddr + bss.filesz)), 0x12345678);
    // the file image itself is never written through a private mapping
    t.deepEqual(data, fixtureBytes(arch));

    // VMAs: one per segment, page-rounded, then the stack
    const prot = (f: number): number => (f & 4 ? PROT_READ : 0) | (f & 2 ? PROT_WRITE : 0) | (f & 1 ? PROT_EXEC : 0);
    t.deepEqual(as.vmas.map((v) => [v.start, v.end, v.prot, v.name]), [
      ...img.loads.map((s) => [pageDown(s.vaddr, ps), pageUp(s.vaddr + s.memsz, ps), prot(s.flags), PATH]),
      [spec.stackTop - STACK_SIZE, spec.stackTop, PROT_READ | PROT_WRITE, '[stack]'],
    ]);

    // brk starts on the page after the last segment
    const last = img.loads[img.loads.length - 1]!;
    t.is(as.brkStart, pageUp(last.vaddr + last.memsz, ps));
    t.is(as.brk(0), as.brkStart);
    t.deepEqual(faultOf(() => mem.load8(lo(as.brkStart), hi(as.brkStart))), { addr: BigInt(as.brkStart), access: Access.Read });
    // and the stack is not executable, nothing above its top is mapped, page 0 is not mapped
    t.deepEqual(faultOf(() => mem.fetchFrame(lo(spec.stackTop - 16), hi(spec.stackTop - 16))), { addr: BigInt(spec.stackTop - 16), access: Access.Exec });
    t.deepEqual(faultOf(() => mem.load8(lo(spec.stackTop), hi(spec.stackTop))), { addr: BigInt(spec.stackTop), access: Access.Read });
    t.deepEqual(faultOf(() => mem.load8(0, 0)), { addr: 0n, access: Access.Read });
  });
}

const residents = new Map<ArchName, number>();
function w(arch: ArchName): { residentAfterLoad: number } {
  if (!residents.has(arch)) residents.set(arch, load(arch).as.residentPages);
  return { residentAfterLoad: residents.get(arch)! };
}

test('riscv64: exact numbers (brk base 0x15000, AT_PHDR 0x10040, entry 0x112a8)', (t) => {
  const { as, r, mem } = load('riscv64');
  t.is(as.brkStart, 0x15000);
  t.is(as.brkEnd, 0x15000);
  t.is(r.entry, 0x112a8);
  // argc=3, 3 argv + NULL, 2 envp + NULL, 16 aux pairs (no AT_HWCAP2 on riscv) + AT_NULL
  t.is(r.auxv.length, 17 * 16);
  // Linux's order: AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, ...
  t.deepEqual([0, 1, 2, 3].map((i) => Number(mem.readU64(r.sp + 8 * 8 + 16 * i))), [AT.HWCAP, AT.PAGESZ, AT.CLKTCK, AT.PHDR]);
  t.is(Number(mem.readU64(r.sp + 8 * 8 + 16 * 3 + 8)), 0x10040, 'AT_PHDR');
});

test('loongarch64: 16 KiB pages: brk base 0x44000, VMAs on 16 KiB boundaries', (t) => {
  const { as } = load('loongarch64');
  t.is(as.brkStart, 0x44000);
  t.deepEqual(as.vmas.slice(0, 4).map((v) => [v.start, v.end]), [[0x10000, 0x14000], [0x20000, 0x24000], [0x30000, 0x34000], [0x40000, 0x44000]]);
});

test('demand paging: loading touches only the stack; each read populates exactly its frame', (t) => {
  const { as, mem, img, frames } = load('x86_64');
  const before = as.residentPages;
  t.is(frames.usedFrames, before);
  mem.load8(lo(img.entry), hi(img.entry));
  t.is(as.residentPages, before + 1);
  mem.load8(lo(img.entry + 1), hi(img.entry + 1));
  t.is(as.residentPages, before + 1, 'same frame');
  const bss = img.loads[3]!;
  mem.load8(lo(bss.vaddr + 0x700), hi(bss.vaddr + 0x700));
  t.is(as.residentPages, before + 2);
});

test('no argv, no envp: argc 0 and two NULLs', (t) => {
  const { mem, r } = load('riscv64', [], []);
  t.is(mem.readU64(r.sp), 0n);
  t.is(mem.readU64(r.sp + 8), 0n);
  t.is(mem.readU64(r.sp + 16), 0n);
  t.is(mem.readU64(r.sp + 24), BigInt(AT.HWCAP));
  t.is(r.sp % 16, 0);
});

test('E2BIG: strings over a quarter of the stack', (t) => {
  const big = 'x'.repeat(1024 * 1024);
  const e = t.throws(() => load('riscv64', ['a', big, big], []), { instanceOf: ElfError });
  t.is(e?.message, 'arguments and environment too large (2097156 bytes of strings, 24 of pointers; E2BIG)');
});

test('E2BIG: the pointer arrays count too (1.1 million empty arguments)', (t) => {
  // 1.1 MB of strings is under the 2 MiB limit, but 8.8 MB of argv pointers do not fit in the
  // 8 MiB stack at all: Linux says E2BIG (bprm_stack_limits), the loader must not write below it.
  // (no t.throws: ava chokes describing a call site holding a million-element array)
  const caught = (argv: string[]): string => {
    try { load('riscv64', argv, []); } catch (e) { return `${(e as Error).constructor.name}: ${(e as Error).message}`; }
    return 'no error';
  };
  t.is(caught(new Array<string>(1_100_000).fill('')),
    'ElfError: arguments and environment too large (1100000 bytes of strings, 8800000 of pointers; E2BIG)');
  t.is(caught(new Array<string>(240_000).fill('')),
    'ElfError: arguments and environment too large (240000 bytes of strings, 1920000 of pointers; E2BIG)');
});

test('just under the limit loads (strings + pointers = 2 MiB)', (t) => {
  const argv = ['a', 'x'.repeat(2 * 1024 * 1024 - 2 - 1 - 16)];
  const { r, mem } = load('riscv64', argv, []);
  t.is(mem.readU64(r.sp), 2n);
  t.is(mem.readCString(Number(mem.readU64(r.sp + 16)), 3 * 1024 * 1024)!.length, 2 * 1024 * 1024 - 19);
});

test('static-pie (ET_DYN) is loaded at pieBase with every address biased', (t) => {
  const data = fixtureBytes('riscv64').slice();
  new DataView(data.buffer).setUint16(16, 3, true);
  const w0 = world();
  const spec = SPECS.riscv64;
  const img = parseElf(data, 243, 4096);
  const r = loadImage(w0.as, spec, img, data, PATH, ['p'], [], CREDS, RANDOM);
  const bias = spec.pieBase - 0x10000;
  t.is(r.bias, bias);
  t.is(r.entry, 0x112a8 + bias);
  t.is(w0.as.vmas[0]!.start, spec.pieBase);
  t.is(w0.as.brkStart, 0x15000 + bias);
  // pieBase + image reaches spec.stackTop - 8 MiB: the stack follows the image after a guard
  // page instead of being mapped over it
  t.deepEqual(w0.as.vmas.map((v) => [v.start - bias, v.end - bias, v.name]), [
    [0x10000, 0x11000, PATH], [0x11000, 0x13000, PATH], [0x13000, 0x14000, PATH], [0x14000, 0x15000, PATH],
    [0x16000, 0x16000 + STACK_SIZE, '[stack]'],
  ]);
  t.deepEqual(w0.mem.readBytes(r.entry, 16), data.subarray(0x2a8, 0x2a8 + 16));
  let a = r.sp + 8 * 4;
  const aux = new Map<number, bigint>();
  for (; w0.mem.readU64(a) !== 0n; a += 16) aux.set(Number(w0.mem.readU64(a)), w0.mem.readU64(a + 8));
  t.is(aux.get(AT.PHDR), BigInt(0x10040 + bias));
  t.is(aux.get(AT.ENTRY), BigInt(0x112a8 + bias));
});

test('no PT_PHDR: AT_PHDR found through the PT_LOAD that maps e_phoff', (t) => {
  const data = fixtureBytes('riscv64').slice();
  new DataView(data.buffer).setUint32(64, 0, true); // PT_PHDR -> PT_NULL
  const w0 = world();
  const img = parseElf(data, 243, 4096);
  t.is(img.phdrVaddr, null);
  const r = loadImage(w0.as, SPECS.riscv64, img, data, PATH, ['p'], [], CREDS, RANDOM);
  t.is(w0.mem.readU64(r.sp + 8 * 4 + 16 * 3), BigInt(AT.PHDR));
  t.is(w0.mem.readU64(r.sp + 8 * 5 + 16 * 3), 0x10040n);
});

test('executable stack when PT_GNU_STACK has PF_X', (t) => {
  const data = fixtureBytes('riscv64').slice();
  new DataView(data.buffer).setUint32(64 + 56 * 6 + 4, 7, true);
  const w0 = world();
  const r = loadImage(w0.as, SPECS.riscv64, parseElf(data, 243, 4096), data, PATH, ['p'], [], CREDS, RANDOM);
  t.is(w0.as.find(r.sp)!.prot, PROT_READ | PROT_WRITE | PROT_EXEC);
  t.true(w0.mem.fetchFrame(lo(r.sp), hi(r.sp)) > 0);
});
