/** Shared set-up for the kernel loader / mm unit tests (not a test file itself). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchName, ArchSpec, Cpu } from '../../arch/common/cpu';
import { type Access, Memory, MemFault } from '../../arch/common/memory';
import { AddressSpace, PROT_READ, PROT_WRITE, type Vma } from '../../kernel/mm/address-space';
import { FrameAllocator } from '../../kernel/mm/frames';
import { FdTable } from '../../kernel/fs/fdtable';
import type { FsContext } from '../../kernel/fs/vfs';
import { Process, SigHandlers, ThreadGroup } from '../../kernel/task/process';
import { SysError } from '../../kernel/errno';
import { TmpFileSystem, type TmpfsOptions } from '../../kernel/fs/tmpfs';

export const ROOT = join(__dirname, '..', '..');

export function fixtureBytes(arch: ArchName, name = 'hello'): Uint8Array {
  return new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', arch, name)));
}

/** Plain ArchSpec literals (the arch folders are not imported: they are being written). */
export const SPECS: Record<ArchName, ArchSpec> = {
  riscv64: {
    name: 'riscv64', elfMachine: 243, pageSize: 4096, unameMachine: 'riscv64', platform: null,
    hwcap: 0x112dn, hwcap2: null, stackTop: 0x40_0080_1000, mmapBase: 0x3f_f000_0000, pieBase: 0x40_0000_0000,
    sigactionRestorer: false,
  },
  aarch64: {
    name: 'aarch64', elfMachine: 183, pageSize: 4096, unameMachine: 'aarch64', platform: 'aarch64',
    hwcap: 0xefffn, hwcap2: 0x3n, stackTop: 0x55_0080_0000, mmapBase: 0x54_0000_0000, pieBase: 0x55_5555_0000,
    sigactionRestorer: true,
  },
  x86_64: {
    name: 'x86_64', elfMachine: 62, pageSize: 4096, unameMachine: 'x86_64', platform: 'x86_64',
    hwcap: 0x178bfbffn, hwcap2: 0x2n, stackTop: 0x7fff_f800_0000, mmapBase: 0x7fff_0000_0000, pieBase: 0x55_5555_4000,
    sigactionRestorer: true,
  },
  loongarch64: {
    name: 'loongarch64', elfMachine: 258, pageSize: 16384, unameMachine: 'loongarch64', platform: 'loongarch',
    hwcap: 0x3fn, hwcap2: null, stackTop: 0x40_0080_0000, mmapBase: 0x3f_f000_0000, pieBase: 0x55_5555_4000,
    sigactionRestorer: false,
  },
};

export interface World {
  ram: ArrayBuffer;
  u8: Uint8Array;
  frames: FrameAllocator;
  as: AddressSpace;
  mem: Memory;
}

/** RAM + frame allocator (frame 0 reserved) + address space + Memory with the TLB hooked up. */
export function world(o: { ramBytes?: number; pageSize?: number; commitLimit?: number; mmapBase?: number } = {}): World {
  const ramBytes = o.ramBytes ?? 16 * 1024 * 1024;
  const ram = new ArrayBuffer(ramBytes);
  const u8 = new Uint8Array(ram);
  const frames = new FrameAllocator(u8, 1);
  const as = new AddressSpace(frames, u8, o.pageSize ?? 4096, o.commitLimit ?? ramBytes, o.mmapBase ?? 0x10_0000_0000);
  const mem = new Memory(ram, as);
  as.onChange = () => mem.flushTlb();
  return { ram, u8, frames, as, mem };
}

/** A Memory for a forked child, sharing RAM with the parent. */
export function memFor(w: World, as: AddressSpace): Memory {
  const mem = new Memory(w.ram, as);
  as.onChange = () => mem.flushTlb();
  return mem;
}

export function anon(start: number, end: number, prot = PROT_READ | PROT_WRITE, extra: Partial<Vma> = {}): Vma {
  return { start, end, prot, shared: false, file: null, name: '', ...extra };
}

export const lo = (va: number): number => (va % 4294967296) | 0;
export const hi = (va: number): number => Math.floor(va / 4294967296) | 0;

/** Runs `f`, which must throw a MemFault; returns it (ava's t.throws wants Error instances). */
export function memFault(f: () => unknown): MemFault {
  try {
    f();
  } catch (e) {
    if (e instanceof MemFault) return e;
    throw e;
  }
  throw new Error('expected a MemFault, nothing was thrown');
}

export function faultOf(f: () => unknown): { addr: bigint; access: Access } {
  const e = memFault(f);
  return { addr: e.addr, access: e.access };
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}



/** A task of a one-thread process over world `w`, with `cpu` (no kernel around it). */
export function testTask(w: World, cpu: Cpu, pid = 7): Process {
  const g = new ThreadGroup(pid, null, w.as, '/t', pid, pid);
  const t = new Process(pid, g, cpu, new FdTable(), null as unknown as FsContext, new SigHandlers());
  g.tasks.push(t);
  return t;
}

/** Runs `f`, which must throw a SysError; returns its errno (a wrong errno shows in t.is). */
export function errnoOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof SysError) return e.errno;
    throw e;
  }
  throw new Error('expected a SysError, nothing was thrown');
}

/** An in-memory tmpfs (st_dev `dev`) whose clock ticks 1000 ns per reading. */
export function tmpfs(dev = 0x21, opts: Partial<TmpfsOptions> = {}): TmpFileSystem {
  let t = 0n;
  return new TmpFileSystem({ dev, clock: () => (t += 1000n), ...opts });
}
