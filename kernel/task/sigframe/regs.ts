/**
 * Register access for signal frames through the arch's gdb register table (GdbArch): by gdb
 * register name, as little-endian bytes or as an unsigned value. Frame code needs nothing of an
 * arch's internals this way; the names are gdb's standard feature names (org.gnu.gdb.riscv.cpu,
 * org.gnu.gdb.aarch64.core, ...).
 */
import type { Cpu, GdbArch, GdbRegister } from '../../../arch/common/cpu';

const indexes = new WeakMap<GdbArch, Map<string, GdbRegister>>();

export class RegView {
  private readonly byName: Map<string, GdbRegister>;

  constructor(readonly cpu: Cpu, gdb: GdbArch) {
    let m = indexes.get(gdb);
    if (!m) {
      m = new Map(gdb.registers.filter((r) => r).map((r) => [r.name, r]));
      indexes.set(gdb, m);
    }
    this.byName = m;
  }

  private reg(name: string): GdbRegister {
    const r = this.byName.get(name);
    if (!r) throw new Error(`signal frame: the ${this.cpu.arch} register table has no register "${name}"`);
    return r;
  }

  size(name: string): number { return this.reg(name).size; }

  bytes(name: string): Uint8Array { return this.reg(name).read(this.cpu); }

  setBytes(name: string, b: Uint8Array): void { this.reg(name).write(this.cpu, b); }

  get(name: string): bigint {
    const b = this.bytes(name);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }

  set(name: string, v: bigint): void {
    const r = this.reg(name);
    const b = new Uint8Array(r.size);
    let u = BigInt.asUintN(r.size * 8, v);
    for (let i = 0; i < r.size; i++) { b[i] = Number(u & 0xffn); u >>= 8n; }
    r.write(this.cpu, b);
  }
}
