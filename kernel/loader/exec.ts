/**
 * Maps an ELF image into a fresh address space and builds the initial stack as Linux's
 * fs/binfmt_elf.c (create_elf_tables) lays it out: from the top, the executable's name,
 * environment and argument strings, the platform string, AT_RANDOM's 16 bytes, then (16-byte
 * aligned) argc, argv[], NULL, envp[], NULL and the auxiliary vector.
 */
import type { ArchSpec } from '../../arch/common/cpu';
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from '../mm/address-space';
import { ElfError, PF_R, PF_W, PF_X, type ElfImage } from './elf';

export const AT = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12,
  GID: 13, EGID: 14, PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26, EXECFN: 31,
} as const;

/** RLIMIT_STACK's default, which is also the size of the stack mapping. */
export const STACK_SIZE = 8 * 1024 * 1024;
/** Bytes of argument and environment strings accepted (Linux: a quarter of the stack). */
const MAX_ARG_BYTES = STACK_SIZE / 4;

export interface Credentials { uid: number; euid: number; gid: number; egid: number }

export interface ExecResult {
  entry: number;
  sp: number;
  /** The auxiliary vector as the guest sees it (for gdb's qXfer:auxv:read). */
  auxv: Uint8Array;
  /** Load bias (0 unless static-pie). */
  bias: number;
}

function pageDown(a: number, ps: number): number { return Math.floor(a / ps) * ps; }
function pageUp(a: number, ps: number): number { return Math.ceil(a / ps) * ps; }

function prot(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

export function loadImage(
  as: AddressSpace, spec: ArchSpec, img: ElfImage, data: Uint8Array, path: string,
  argv: string[], envp: string[], creds: Credentials, random: Uint8Array,
): ExecResult {
  if (img.interp !== null) {
    throw new ElfError(`dynamically linked programs are not supported (interpreter ${img.interp}); build it static`);
  }
  const ps = spec.pageSize;
  const bias = img.pie ? spec.pieBase - pageDown(img.loads[0]!.vaddr, ps) : 0;
  let top = 0;
  for (const s of img.loads) {
    const va = s.vaddr + bias;
    const start = pageDown(va, ps), end = pageUp(va + s.memsz, ps);
    const pgoff = va - start;
    if (end === start) continue;
    as.map({
      start, end, prot: prot(s.flags), shared: false, name: path,
      file: { data: data.subarray(s.offset - pgoff, s.offset + s.filesz), base: 0, path },
    });
    top = Math.max(top, end);
  }
  as.setBrkBase(top);

  const stackProt = PROT_READ | PROT_WRITE | (img.execStack ? PROT_EXEC : 0);
  // The stack must not land on the image (a static-pie at pieBase can reach it): then it
  // follows the image after a guard page, as qemu-user places it.
  let stackTop = spec.stackTop;
  if (!as.isFree(stackTop - STACK_SIZE, stackTop)) stackTop = top + ps + STACK_SIZE;
  as.map({ start: stackTop - STACK_SIZE, end: stackTop, prot: stackProt, shared: false, file: null, name: '[stack]' });

  const enc = (s: string): Uint8Array => Buffer.from(s + '\0', 'utf8');
  const argBytes = [...argv, ...envp].reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
  // Linux (bprm_stack_limits) charges the pointer arrays against the same limit.
  const ptrBytes = (Math.max(argv.length, 1) + envp.length) * 8;
  if (argBytes + ptrBytes > MAX_ARG_BYTES) {
    throw new ElfError(`arguments and environment too large (${argBytes} bytes of strings, ${ptrBytes} of pointers; E2BIG)`);
  }

  let p = stackTop - 8;
  const put = (bytes: Uint8Array): number => { p -= bytes.length; as.kernelWrite(p, bytes); return p; };
  const execfn = put(enc(path));
  const envPtrs: number[] = [];
  for (let i = envp.length - 1; i >= 0; i--) envPtrs.unshift(put(enc(envp[i]!)));
  const argPtrs: number[] = [];
  for (let i = argv.length - 1; i >= 0; i--) argPtrs.unshift(put(enc(argv[i]!)));
  p = Math.floor(p / 16) * 16;
  const platform = spec.platform === null ? 0 : put(enc(spec.platform));
  const rand = put(random.subarray(0, 16));

  const phdr = img.phdrVaddr !== null ? img.phdrVaddr + bias : phdrFromLoads(img) + bias;
  // Linux's order (fs/binfmt_elf.c create_elf_tables); AT_HWCAP2 only where the arch defines it.
  const aux: Array<[number, number | bigint]> = [
    [AT.HWCAP, spec.hwcap], [AT.PAGESZ, ps], [AT.CLKTCK, 100], [AT.PHDR, phdr], [AT.PHENT, img.phentsize],
    [AT.PHNUM, img.phnum], [AT.BASE, 0], [AT.FLAGS, 0], [AT.ENTRY, img.entry + bias], [AT.UID, creds.uid],
    [AT.EUID, creds.euid], [AT.GID, creds.gid], [AT.EGID, creds.egid], [AT.SECURE, 0], [AT.RANDOM, rand],
  ];
  if (spec.hwcap2 !== null) aux.push([AT.HWCAP2, spec.hwcap2]);
  aux.push([AT.EXECFN, execfn]);
  if (platform) aux.push([AT.PLATFORM, platform]);
  aux.push([AT.NULL, 0]);

  const words: Array<number | bigint> = [argv.length, ...argPtrs, 0, ...envPtrs, 0];
  for (const [k, v] of aux) words.push(k, v);
  const sp = Math.floor((p - words.length * 8) / 16) * 16;
  const table = new Uint8Array(words.length * 8);
  const dv = new DataView(table.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, BigInt(w), true));
  as.kernelWrite(sp, table);
  const auxStart = (argv.length + envp.length + 3) * 8;
  return { entry: img.entry + bias, sp, auxv: table.slice(auxStart), bias };
}

/** Program headers' address when there is no PT_PHDR: inside the segment that maps e_phoff. */
function phdrFromLoads(img: ElfImage): number {
  for (const s of img.loads) {
    if (img.phoff >= s.offset && img.phoff + img.phnum * img.phentsize <= s.offset + s.filesz) {
      return s.vaddr + (img.phoff - s.offset);
    }
  }
  return 0;
}
