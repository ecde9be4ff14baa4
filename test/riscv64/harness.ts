/**
 * Test harness: a flat Pager (Map vfn -> frame offset over a small RAM) and helpers to load an
 * assembled snippet and run it on a riscv64 hart.
 */
import { Access, Memory, type Pager } from '../../arch/common/memory';
import { createCpu, type RvCpu } from '../../arch/riscv64/cpu';
import { assemble, type Program } from './asm';

export const CODE = 0x10000;
export const DATA = 0x20000;

export class FlatPager implements Pager {
  readonly map = new Map<number, { off: number; r: boolean; w: boolean; x: boolean }>();
  private next = 0;
  constructor(readonly frames: number) {}
  mapPage(va: number, perms = 'rwx'): number {
    const vfn = Math.floor(va / 4096);
    let e = this.map.get(vfn);
    if (!e) {
      if (this.next >= this.frames) throw new Error('out of frames');
      e = { off: this.next++ * 4096, r: true, w: true, x: true };
      this.map.set(vfn, e);
    }
    e.r = perms.includes('r'); e.w = perms.includes('w'); e.x = perms.includes('x');
    return e.off;
  }
  translate(vfn: number, access: Access): number {
    const e = this.map.get(vfn);
    if (!e) return -1;
    if (access === Access.Read && !e.r) return -1;
    if (access === Access.Write && !e.w) return -1;
    if (access === Access.Exec && !e.x) return -1;
    return e.off;
  }
}

export interface Vm { cpu: RvCpu; mem: Memory; pager: FlatPager; prog: Program }

/** Loads `src` at CODE (pages rwx), maps DATA..DATA+2 pages rw, pc = CODE. */
export function load(src: string, opts: { at?: number; frames?: number } = {}): Vm {
  const pager = new FlatPager(opts.frames ?? 32);
  const mem = new Memory(new ArrayBuffer((opts.frames ?? 32) * 4096), pager);
  const at = opts.at ?? CODE;
  const prog = assemble(src);
  for (let p = Math.floor(at / 4096) * 4096; p < at + prog.bytes.length + 4; p += 4096) pager.mapPage(p, 'rwx');
  pager.mapPage(DATA, 'rw');
  pager.mapPage(DATA + 4096, 'rw');
  mem.writeBytes(at, prog.bytes);
  const cpu = createCpu(mem);
  cpu.pc = BigInt(at);
  return { cpu, mem, pager, prog };
}

/** Runs `src` until it stops on ebreak (appended) and returns the Vm. Registers via `init`. */
export function exec(src: string, init: Record<string, bigint | number> = {}): Vm & { stop: ReturnType<RvCpu['run']> } {
  const vm = load(src + '\nebreak\n');
  for (const [k, v] of Object.entries(init)) vm.cpu.setReg(regNum(k), BigInt(v));
  const stop = vm.cpu.run(100000);
  return { ...vm, stop };
}

import { xreg } from './asm';
export function regNum(name: string): number { return xreg(name); }

/** Register value as unsigned 64-bit hex, for compact assertions. */
export function hx(v: bigint): string { return '0x' + BigInt.asUintN(64, v).toString(16); }
export const u64 = (v: bigint) => BigInt.asUintN(64, v);
export const s64 = (v: bigint) => BigInt.asIntN(64, v);
