/**
 * ELF64 little-endian executable parsing with validation of every field the loader relies on
 * (System V gABI, "ELF Header" and "Program Header"). A malformed file is an ElfError with a
 * precise message, never an exception from deep inside or an allocation sized by the file.
 */

export class ElfError extends Error {}

export const PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6, PT_GNU_STACK = 0x6474e551;
export const PF_X = 1, PF_W = 2, PF_R = 4;
const ET_EXEC = 2, ET_DYN = 3;
const EHDR_SIZE = 64, PHDR_SIZE = 56, MAX_PHNUM = 1024;
/** 47-bit user address space: no segment may reach past it. */
const USER_LIMIT = 2 ** 47;

const MACHINES: Record<number, string> = {
  3: 'i386', 40: 'ARM', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 258: 'LoongArch',
};

export interface Segment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfImage {
  /** ET_DYN (static-pie) images are loaded at a base chosen by the loader. */
  pie: boolean;
  entry: number;
  phoff: number;
  phnum: number;
  phentsize: number;
  loads: Segment[];
  interp: string | null;
  execStack: boolean;
  /** PT_PHDR's vaddr, when present. */
  phdrVaddr: number | null;
}

function u64(dv: DataView, off: number, what: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${what} 0x${v.toString(16)} is out of range`);
  return Number(v);
}

export function parseElf(data: Uint8Array, machine: number, pageSize: number): ElfImage {
  if (data.length < 4 || data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46) {
    throw new ElfError('not an ELF file (bad magic)');
  }
  if (data.length < EHDR_SIZE) throw new ElfError(`truncated ELF header (${data.length} of ${EHDR_SIZE} bytes)`);
  if (data[4] !== 2) throw new ElfError(`not a 64-bit ELF (EI_CLASS ${data[4]})`);
  if (data[5] !== 1) throw new ElfError(`not a little-endian ELF (EI_DATA ${data[5]})`);
  if (data[6] !== 1) throw new ElfError(`unsupported ELF version ${data[6]}`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = dv.getUint16(16, true);
  if (type !== ET_EXEC && type !== ET_DYN) throw new ElfError(`not an executable (e_type ${type})`);
  const em = dv.getUint16(18, true);
  if (em !== machine) {
    throw new ElfError(`ELF is for ${MACHINES[em] ?? `machine ${em}`}, not ${MACHINES[machine] ?? machine}`);
  }
  if (dv.getUint32(20, true) !== 1) throw new ElfError('unsupported e_version');
  const entry = u64(dv, 24, 'e_entry');
  const phoff = u64(dv, 32, 'e_phoff');
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) throw new ElfError(`e_phentsize ${phentsize}, expected ${PHDR_SIZE}`);
  if (phnum === 0 || phnum > MAX_PHNUM) throw new ElfError(`e_phnum ${phnum} out of range`);
  if (phoff + phnum * PHDR_SIZE > data.length) {
    throw new ElfError(`program headers (offset ${phoff}, ${phnum} entries) extend past the end of the file (${data.length} bytes)`);
  }

  const loads: Segment[] = [];
  let interp: string | null = null;
  let execStack = false;
  let phdrVaddr: number | null = null;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    const s: Segment = {
      type: dv.getUint32(o, true),
      flags: dv.getUint32(o + 4, true),
      offset: u64(dv, o + 8, `segment ${i} p_offset`),
      vaddr: u64(dv, o + 16, `segment ${i} p_vaddr`),
      filesz: u64(dv, o + 32, `segment ${i} p_filesz`),
      memsz: u64(dv, o + 40, `segment ${i} p_memsz`),
      align: u64(dv, o + 48, `segment ${i} p_align`),
    };
    if (s.type === PT_LOAD) {
      if (s.offset + s.filesz > data.length) {
        throw new ElfError(`segment ${i}: file range ${s.offset}+${s.filesz} extends past the end of the file (${data.length} bytes)`);
      }
      if (s.filesz > s.memsz) throw new ElfError(`segment ${i}: p_filesz ${s.filesz} > p_memsz ${s.memsz}`);
      if (s.vaddr + s.memsz > USER_LIMIT) throw new ElfError(`segment ${i}: 0x${s.vaddr.toString(16)}+0x${s.memsz.toString(16)} is beyond user space`);
      if ((s.vaddr - s.offset) % pageSize !== 0) {
        throw new ElfError(`segment ${i}: p_vaddr 0x${s.vaddr.toString(16)} and p_offset 0x${s.offset.toString(16)} differ modulo the page size`);
      }
      const prev = loads[loads.length - 1];
      if (prev && s.vaddr < prev.vaddr) throw new ElfError(`segment ${i}: PT_LOAD segments are not in ascending order`);
      if (prev && s.vaddr < prev.vaddr + prev.memsz) throw new ElfError(`segment ${i} overlaps the previous PT_LOAD`);
      loads.push(s);
    } else if (s.type === PT_INTERP) {
      if (s.offset + s.filesz > data.length || s.filesz === 0 || s.filesz > 4096) throw new ElfError('bad PT_INTERP');
      interp = Buffer.from(data.subarray(s.offset, s.offset + s.filesz)).toString('latin1').replace(/\0.*$/s, '');
    } else if (s.type === PT_GNU_STACK) {
      execStack = (s.flags & PF_X) !== 0;
    } else if (s.type === PT_PHDR) {
      phdrVaddr = s.vaddr;
    }
  }
  if (loads.length === 0) throw new ElfError('no PT_LOAD segment');
  return { pie: type === ET_DYN, entry, phoff, phnum, phentsize, loads, interp, execStack, phdrVaddr };
}
