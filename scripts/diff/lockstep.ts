/**
 * Lockstep mode: run qemu-user and runlinuxd instruction by instruction and compare every register
 * after every instruction, stopping at the first divergence. Two references (`--reference`):
 *
 * - `trace` (default, scripts/diff/lockstep-trace.ts): qemu runs free and logs its registers before
 *   every instruction (`-singlestep -d cpu,fpu,nochain`); runlinuxd is single-stepped over RSP.
 * - `gdb` (this file): qemu is single-stepped through its own gdb stub too; every register both
 *   target descriptions share is compared (FP registers after FP instructions and every
 *   {@link FULL_CHECK_EVERY} steps). Slower (qemu 7.2's stub flushes its translation cache at every
 *   stop), but it also compares registers the trace does not show (riscv64 fcsr after every FP
 *   instruction).
 *
 * Host-dependent values are resynchronised in both: the initial stack (qemu's bytes from sp to the
 * top, incl. AT_RANDOM and the auxv), the syscalls listed in RESYNC, and counter reads
 * (rdcycle/rdtime/rdinstret).
 */
import type { DiffArch } from './arch';
import { ALIAS, RESYNC } from './arch';
import { describeInsn, FULL_CHECK_EVERY, hex, type Divergence, type LockstepOptions, type LockstepResult } from './common';
import { compareStdout, launch } from './launch';
import { lockstepTrace } from './lockstep-trace';
import { leValue, Side, type StepResult } from './side';
import { syncInitialStack } from './sync';

export { formatDivergence, type Divergence, type LockstepOptions, type LockstepResult, type Reference } from './common';

export function lockstep(arch: DiffArch, o: LockstepOptions): Promise<LockstepResult> {
  return (o.reference ?? 'trace') === 'trace' ? lockstepTrace(arch, o) : lockstepGdb(arch, o);
}

export async function lockstepGdb(arch: DiffArch, o: LockstepOptions): Promise<LockstepResult> {
  const L = await launch({ ...o, qemuArgs: [...arch.qemuArgs, ...(o.qemuArgs ?? [])] });
  const notes: string[] = [];
  const resynced: Record<string, number> = {};
  const bump = (k: string): void => { resynced[k] = (resynced[k] ?? 0) + 1; };
  let q: Side | null = null, u: Side | null = null;
  try {
    q = await Side.connect('qemu', L.qemu.port, 250);
    u = await Side.connect('ours', L.ours.port, 1 << 20);
    await Promise.all([q.init(), u.init()]);
    if (!u.pipelined) notes.push('runlinuxd did not accept QStartNoAckMode: no pipelining');

    // Registers both expose, split into g-resident (compared each step) and FP (read on demand).
    const common = [...q.byName.keys()].filter((n) => u!.byName.has(n) && !arch.ignore.has(n));
    const fpSet = new Set(arch.fpRegs);
    const gNames = common.filter((n) => !fpSet.has(n) && q!.byName.get(n)!.gOffset >= 0 && u!.byName.get(n)!.gOffset >= 0);
    const pNames = common.filter((n) => !gNames.includes(n));
    const pSet = new Set(pNames);
    const qP = pNames.map((n) => q!.byName.get(n)!.regnum);
    const uP = pNames.map((n) => u!.byName.get(n)!.regnum);
    const onlyQ = q.regs.map((r) => r.name).filter((n) => !u!.byName.has(n));
    const onlyU = u.regs.map((r) => r.name).filter((n) => !q!.byName.has(n));
    notes.push(`compared: ${gNames.length} registers every step; ${pNames.length} (${pNames.slice(0, 3).join(',')}...) by p: the ones an FP instruction writes after it, all every ${FULL_CHECK_EVERY} steps and at syscalls`);
    if (onlyU.length) notes.push(`only runlinuxd exposes: ${onlyU.join(',')}`);
    if (onlyQ.length) notes.push(`only qemu exposes: ${onlyQ.length} registers (${onlyQ.slice(0, 6).join(',')}...)`);
    const sameLayout = gNames.every((n) => q!.byName.get(n)!.gOffset === u!.byName.get(n)!.gOffset) && q.gSize === u.gSize;

    const get = (s: Side, st: { g: Buffer | null; p: Map<number, Buffer> }, n: string): Buffer | null => s.value(n, st.g, st.p);
    const reg = (s: Side, st: { g: Buffer | null; p: Map<number, Buffer> }, n: string): bigint => leValue(get(s, st, n)!);

    // ---- initial state: copy qemu's stack (argv/envp/auxv/AT_RANDOM) into ours ----
    await syncInitialStack(arch, q, u, notes);
    let qs = await q.readAll(qP);
    let us = await u.readAll(uP);

    const recent: { step: number; pc: bigint; ib: Buffer }[] = [];
    const aliases = new Map<bigint, bigint>();
    const insnCache = new Map<bigint, Buffer>();
    const insnAt = async (pc: bigint): Promise<Buffer> => {
      let b = insnCache.get(pc);
      if (!b) {
        b = await u!.readMem(pc, 4);
        if (b.length < 4) b = Buffer.concat([b, Buffer.alloc(4 - b.length)]);
        insnCache.set(pc, b);
      }
      return b;
    };
    const describe = (b: Buffer, pc: bigint): { insn: string; dis: string } => describeInsn(arch.classify(b).len, arch.disasm, b, pc);

    const compare = (qst: { g: Buffer | null; p: Map<number, Buffer> }, ust: typeof qst, names: readonly string[]): Divergence['regs'] => {
      const out: Divergence['regs'] = [];
      if (names === gNames && sameLayout && qst.g && ust.g && qst.g.equals(ust.g)) return out;
      for (const n of names) {
        const a = get(q!, qst, n), b = get(u!, ust, n);
        if (a && b && aliases.size && aliases.get(leValue(a)) === leValue(b)) continue;
        if (!a || !b || (a.length === b.length ? !a.equals(b) : leValue(a) !== leValue(b))) out.push({ name: n, qemu: hex(a), ours: hex(b) });
      }
      return out;
    };

    // Step 0: the entry state.
    let div: Divergence | null = null;
    const mkDiv = (step: number, pc: bigint, what: string, regs: Divergence['regs'], b: Buffer | null): Divergence => {
      const d = b ? describe(b, pc) : { insn: '?', dis: '?' };
      const lines = recent.map((r) => { const x = describe(r.ib, r.pc); return `${r.step}: ${r.pc.toString(16)} ${x.insn} ${x.dis}`; });
      return { step, pc, insn: d.insn, disasm: d.dis, what, regs, recent: lines };
    };
    const d0 = [...compare(qs, us, gNames), ...compare(qs, us, pNames)];
    if (d0.length) div = mkDiv(0, reg(q, qs, arch.pc), 'registers differ at the entry point', d0, null);

    const t0 = Date.now();
    let lastProgress = t0;
    let steps = 0;
    let sig = 0;
    let exit: LockstepResult['exit'] = null;
    const maxMs = (o.maxSeconds ?? Infinity) * 1000;
    while (!div && steps < o.maxSteps && Date.now() - t0 < maxMs) {
      const pc = reg(q, qs, arch.pc);
      const ib = await insnAt(pc);
      const cls = arch.classify(ib);
      const full = cls.syscall || steps % FULL_CHECK_EVERY === 0;
      // FP instructions: read only what they may write (destination + fcsr); all FP state on full checks
      const seq = !sig && arch.atomicSequence ? await arch.atomicSequence(pc, insnAt) : null;
      const sel = full || seq ? pNames : cls.fp ? cls.fpWrites.filter((n) => pSet.has(n)) : [];
      const qSel = sel === pNames ? qP : sel.map((n) => q!.byName.get(n)!.regnum);
      const uSel = sel === pNames ? uP : sel.map((n) => u!.byName.get(n)!.regnum);
      const [qr, ur]: StepResult[] = seq
        ? await Promise.all([q.runTo(seq, qP), u.runTo(seq, uP)])
        : await Promise.all([q.step(qSel, sig), u.step(uSel, sig)]);
      if (seq) bump('exclusive sequence run as one step');
      steps++;
      recent.push({ step: steps, pc, ib }); // disassembled only for a report
      if (recent.length > 12) recent.shift();
      if (qr.stop.kind !== 'signal' || ur.stop.kind !== 'signal') {
        const fmt = (s: StepResult['stop']): string => (s.kind === 'exited' ? `exit ${s.code}` : s.kind === 'terminated' ? `killed by signal ${s.signal}` : `stopped with signal ${s.signal}`);
        exit = { qemu: fmt(qr.stop), ours: fmt(ur.stop) };
        if (exit.qemu !== exit.ours) div = mkDiv(steps, pc, `end differs: qemu ${exit.qemu}, ours ${exit.ours}`, [], ib);
        break;
      }
      if (qr.stop.signal !== ur.stop.signal) {
        const regs = qr.g && ur.g ? compare({ g: qr.g, p: qs.p }, { g: ur.g, p: us.p }, gNames) : [];
        div = mkDiv(steps, pc, `stop signal differs (gdb numbering): qemu ${qr.stop.signal}, ours ${ur.stop.signal}`, regs, ib);
        break;
      }
      sig = qr.stop.signal === 5 ? 0 : qr.stop.signal;
      const merge = (old: Map<number, Buffer>, upd: Map<number, Buffer>): Map<number, Buffer> => {
        if (upd.size === 0) return old;
        const m = new Map(old);
        for (const [k, v] of upd) m.set(k, v);
        return m;
      };
      const qn = { g: qr.g!, p: merge(qs.p, qr.p) };
      const un = { g: ur.g!, p: merge(us.p, ur.p) };
      if (cls.syscall) {
        const nr = Number(reg(q, qs, arch.syscallNr));
        const name = arch.syscallNames.get(nr) ?? `syscall_${nr}`;
        const out = RESYNC[name];
        const qret = reg(q, qn, arch.syscallRet), uret = reg(u, un, arch.syscallRet);
        if (ALIAS.has(name) && qret !== uret) {
          aliases.set(qret, uret);
          bump(name + ' (alias)');
        } else if (out) {
          const writes: Promise<void>[] = [];
          if (qret !== uret) {
            writes.push(u.writeReg(arch.syscallRet, qret));
            bump(name);
          }
          for (const [ai, len, off = 0] of BigInt.asIntN(64, qret) < 0n ? [] : out) {
            const ptr = reg(q, qs, arch.syscallArgs[ai]!);
            const n = len === 'ret' ? Number(BigInt.asIntN(64, qret)) : len;
            if (ptr === 0n || n <= 0) continue;
            const data = await q.readMem(ptr + BigInt(off), n);
            writes.push(u.writeMem(ptr + BigInt(off), data));
          }
          await Promise.all(writes);
          if (writes.length) {
            const r = await u.readAll(full ? uP : []);
            un.g = r.g;
            if (full) un.p = r.p;
          }
        }
      }
      if (cls.qemuStepsTwo && reg(q, qn, arch.pc) !== reg(u, un, arch.pc)) {
        // qemu-aarch64 7.2 runs one more instruction when single-stepping over these; catch up
        for (let extra = 0; extra < 2 && reg(q, qn, arch.pc) !== reg(u, un, arch.pc); extra++) {
          const r = await u.step([], 0);
          if (r.stop.kind !== 'signal' || !r.g) break;
          un.g = r.g;
          steps++;
          bump(cls.syscall ? 'qemu stepped past the syscall instruction' : 'qemu stepped past a yield/wfe/wfi');
        }
      }
      if (cls.counterReg) {
        const v = reg(q, qn, cls.counterReg);
        if (v !== reg(u, un, cls.counterReg)) {
          await u.writeReg(cls.counterReg, v);
          const r = await u.readAll(full ? uP : []);
          un.g = r.g;
          if (full) un.p = r.p;
          bump('counter');
        }
      }
      const regs = compare(qn, un, gNames);
      if (sel.length) regs.push(...compare(qn, un, sel));
      if (regs.length) {
        div = mkDiv(steps, pc, 'registers differ after this instruction', regs, ib);
        break;
      }
      qs = qn;
      us = un;
      const now = Date.now();
      if (now - lastProgress >= (o.progressMs ?? 3000)) {
        lastProgress = now;
        o.progress(`lockstep: ${steps} steps, ${Math.round(steps / ((now - t0) / 1000))} steps/s, pc=0x${reg(q, qn, arch.pc).toString(16)}`);
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    let stdoutEqual: boolean | null = null;
    if (exit && !div) {
      q.client.close();
      u.client.close();
      stdoutEqual = await compareStdout(L, notes);
    }
    return { ok: !div && stdoutEqual !== false, reference: 'gdb', steps, seconds, rate: steps / Math.max(seconds, 1e-3), divergence: div, exit, stdoutEqual, resynced, notes };
  } finally {
    q?.client.close();
    u?.client.close();
    L.cleanup();
  }
}
