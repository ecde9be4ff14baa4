/**
 * Lockstep against qemu's execution trace (`--reference trace`, the default).
 *
 * qemu-user runs `-g PORT -singlestep -d cpu,fpu,nochain -D FIFO`: it logs its whole register state
 * before every instruction (scripts/diff/trace.ts) and runs free between syscalls. runlinuxd is
 * single-stepped over RSP in pipelined batches (`s`, `g`, `p`... for up to {@link DEFAULT_BATCH}
 * instructions in one write); after each of its steps its registers are compared with the next
 * trace entry. What the trace cannot show comes from qemu's gdb stub, which stops qemu only at
 * syscalls ({@link QemuSyscallStops}: a breakpoint on every syscall instruction of the program):
 *
 * - the initial stack (copied into runlinuxd before the first instruction, as in the gdb
 *   reference);
 * - syscall results and the memory that host-dependent syscalls write (RESYNC: clock_gettime,
 *   getrandom, uname...): read from qemu after the syscall and written into runlinuxd before its
 *   next instruction, so no buffer the trace cannot see ever differs;
 * - state the trace omits (riscv64: `fcsr`): compared at every syscall.
 *
 * Signals: when runlinuxd's step stops with a signal (a fault, or one raised by a syscall), the
 * next step delivers it and the state at the handler's first instruction is compared with the
 * trace entry after the faulting (or syscall) instruction — qemu logs no entry in between.
 * aarch64 exclusive sequences (LDXR..STXR) are run to their end on runlinuxd (a stepped STXR
 * fails) and compared with the trace entry at the same pc.
 */
import { closeSync, readFileSync } from 'node:fs';
import type { StopReply } from '../../gdbstub/client';
import { ALIAS, RESYNC, type DiffArch, type InsnClass } from './arch';
import { describeInsn, FULL_CHECK_EVERY, hex, type Divergence, type LockstepOptions, type LockstepResult } from './common';
import { compareStdout, launch } from './launch';
import { leValue, Side, type StepResult } from './side';
import { syncInitialStack } from './sync';
import { syscallSites } from './syscalls';
import { TraceReader, putHexLE, traceFormat, type TraceEntry } from './trace';

/** Steps per write to runlinuxd (measured: docs/perf.md "Differential runner"). */
export const DEFAULT_BATCH = 64;

const NO_RETURN = new Set(['rt_sigreturn', 'exit', 'exit_group', 'execve', 'execveat']);
const fmtEnd = (s: StopReply): string => (s.kind === 'exited' ? `exit ${s.code}` : s.kind === 'terminated' ? `killed by signal ${s.signal}` : `stopped with signal ${s.signal}`);
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** One syscall as qemu made it, seen from its gdb stub. */
export interface QemuSyscall {
  pc: bigint;
  nr: number;
  name: string;
  args: bigint[];
  /** Result register after it; null if it did not return (exit_group...). */
  ret: bigint | null;
  /** Memory it wrote (RESYNC syscalls only), read after it returned. */
  bufs: { addr: bigint; data: Buffer }[];
  /** Registers the trace does not show, read before the syscall (riscv64: fcsr). */
  extra: Map<string, Buffer>;
}

/**
 * Drives qemu's gdb stub: breakpoints on every syscall instruction, continue, and at each stop
 * record the syscall (number, arguments, qemu's result and output buffers); guest signals are
 * passed back to qemu (`C<sig>`, qemu-user asks gdb before delivering each). Never waits for the
 * comparison: qemu only ever waits for the trace reader (the FIFO).
 */
export class QemuSyscallStops {
  private readonly queue: QemuSyscall[] = [];
  private waiter: (() => void) | null = null;
  /** How qemu's guest ended (`exit N`, `killed by signal N`), once it has. */
  end: string | null = null;
  error: Error | null = null;
  readonly signals: number[] = [];
  syscalls = 0;
  private readonly endWaiters: (() => void)[] = [];

  constructor(
    private readonly q: Side,
    private readonly arch: DiffArch,
    private readonly sites: Set<bigint>,
    /** Names of registers to read at each stop (see {@link QemuSyscall.extra}). */
    private readonly extra: string[],
  ) {}

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private finish(end: string): void {
    this.end = end;
    this.wake();
    for (const w of this.endWaiters.splice(0)) w();
  }

  start(): void {
    this.loop().catch((e: Error) => {
      this.error = e;
      this.finish(`gdb stub error: ${e.message}`);
    });
  }

  private async loop(): Promise<void> {
    const { q, arch } = this;
    const kind = arch.syscallInsn.length;
    const pregs = this.extra.map((n) => q.byName.get(n)!.regnum);
    const reg = (st: { g: Buffer; p: Map<number, Buffer> }, n: string): bigint => leValue(q.value(n, st.g, st.p)!);
    let sig = 0;
    for (;;) {
      const st = await q.client.resume(sig ? `C${hex2(sig)}` : 'c');
      sig = 0;
      if (st.kind !== 'signal') return this.finish(fmtEnd(st));
      if (st.signal !== 5) {
        this.signals.push(st.signal);
        sig = st.signal;
        continue;
      }
      const regs = await q.readAll(pregs);
      const pc = reg(regs, arch.pc);
      if (!this.sites.has(pc)) {
        sig = 5; // a SIGTRAP of the program's own (ebreak/brk): deliver it as without a debugger
        this.signals.push(5);
        continue;
      }
      const nr = Number(reg(regs, arch.syscallNr));
      const sc: QemuSyscall = {
        pc, nr, name: arch.syscallNames.get(nr) ?? `syscall_${nr}`, args: arch.syscallArgs.map((n) => reg(regs, n)), ret: null, bufs: [],
        extra: new Map(this.extra.map((n) => [n, q.value(n, regs.g, regs.p)!])),
      };
      await q.client.removeBreakpoint(0, pc, kind);
      // Run to the next instruction rather than single-stepping (qemu-aarch64 7.2 steps one
      // instruction too far over svc); a signal the syscall raised stops qemu there as well.
      const next = pc + BigInt(kind);
      let after: StopReply;
      if (NO_RETURN.has(sc.name)) after = await q.client.resume('s');
      else {
        if (!this.sites.has(next)) await q.client.insertBreakpoint(0, next, kind);
        after = await q.client.resume('c');
        if (!this.sites.has(next) && after.kind === 'signal') await q.client.removeBreakpoint(0, next, kind);
      }
      if (after.kind === 'signal') {
        await q.client.insertBreakpoint(0, pc, kind);
        if (!NO_RETURN.has(sc.name)) {
          sc.ret = reg(await q.readAll([]), arch.syscallRet);
          for (const [ai, len, off = 0] of BigInt.asIntN(64, sc.ret) < 0n ? [] : RESYNC[sc.name] ?? []) {
            const ptr = sc.args[ai]!;
            const n = len === 'ret' ? Number(BigInt.asIntN(64, sc.ret)) : len;
            if (ptr !== 0n && n > 0) sc.bufs.push({ addr: ptr + BigInt(off), data: await q.readMem(ptr + BigInt(off), n) });
          }
        }
        if (after.signal !== 5) {
          this.signals.push(after.signal);
          sig = after.signal;
        }
      }
      this.syscalls++;
      this.queue.push(sc);
      this.wake();
      if (after.kind !== 'signal') return this.finish(fmtEnd(after));
    }
  }

  /** The next syscall qemu made, in order; null if qemu's guest ended first. */
  async next(): Promise<QemuSyscall | null> {
    while (this.queue.length === 0 && this.end === null) await new Promise<void>((r) => { this.waiter = r; });
    return this.queue.shift() ?? null;
  }

  /** How qemu's guest ended (waits for it, at most `ms`). */
  async ended(ms = 10000): Promise<string> {
    if (this.end !== null) return this.end;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((r) => this.endWaiters.push(r)), new Promise<void>((r) => { t = setTimeout(r, ms); })]);
    clearTimeout(t);
    return this.end ?? 'still running';
  }
}

interface Item {
  entry: TraceEntry;
  ib: Buffer;
  cls: InsnClass;
  /** FP registers compared after this step (names). */
  fp: string[];
  /** Registers read after this step (regnums of `fp`, then of the syscall extras). */
  pregs: number[];
  /** Signal delivered by this step (the trace's next entry is then the handler's first instruction). */
  sig: number;
  /** The step expected to fault fetching at ours' pc (see pendingFetch). */
  fetch?: boolean;
}

export async function lockstepTrace(arch: DiffArch, o: LockstepOptions): Promise<LockstepResult> {
  const fmt = traceFormat(arch.name);
  const L = await launch({ ...o, qemuArgs: [...arch.qemuArgs, ...(o.qemuArgs ?? [])], qemuTrace: fmt.logItems });
  const notes: string[] = [];
  const resynced: Record<string, number> = {};
  const bump = (k: string): void => { resynced[k] = (resynced[k] ?? 0) + 1; };
  let q: Side | null = null, u: Side | null = null;
  let reader: TraceReader | null = null;
  const batchMax = Math.max(1, o.batch ?? DEFAULT_BATCH);
  try {
    q = await Side.connect('qemu', L.qemu.port, 250);
    u = await Side.connect('ours', L.ours.port, 1 << 20);
    await Promise.all([q.init(), u.init()]);
    if (!u.pipelined) throw new Error('runlinuxd did not accept QStartNoAckMode: the trace reference needs pipelining (use --reference gdb)');
    // qemu has opened the FIFO (before its gdb stub started): reading may begin
    reader = new TraceReader(L.traceFd, fmt);
    const ours = u, qemu = q, trace = reader;

    // ---- initial state: copy qemu's stack (argv/envp/auxv/AT_RANDOM) into ours ----
    const top = await syncInitialStack(arch, qemu, ours, notes);
    const sites = new Set(syscallSites(readFileSync(o.program), arch.syscallInsn, arch.insnAlign));
    const tramp = await qemu.readMem(top, 0x1000);
    for (let i = 0; i + arch.syscallInsn.length <= tramp.length; i += arch.insnAlign) {
      if (tramp.compare(arch.syscallInsn, 0, arch.syscallInsn.length, i, i + arch.syscallInsn.length) === 0) sites.add(top + BigInt(i));
    }
    await qemu.reads([...sites].map((a) => `Z0,${a.toString(16)},${arch.syscallInsn.length}`));

    // Registers: ours' g packet (all shown by the trace) every step; FP registers after the FP
    // instructions writing them, all every FULL_CHECK_EVERY steps and at syscalls; registers only
    // the gdb stubs show (riscv64 fcsr) at syscalls, read from both stubs.
    const fpNames = arch.fpRegs.filter((n) => ours.byName.has(n) && !arch.ignore.has(n) && fmt.names.has(n));
    const atSyscall = arch.fpRegs.filter((n) => ours.byName.has(n) && qemu.byName.has(n) && !arch.ignore.has(n) && !fmt.names.has(n));
    const ctl = new QemuSyscallStops(qemu, arch, sites, atSyscall);
    ctl.start(); // qemu runs: the trace begins
    const e0 = await trace.get(0);
    if (!e0) throw new Error(`qemu wrote no trace (it ended: ${await ctl.ended(2000)}; stderr: ${Buffer.concat(L.qemu.stderr).toString().slice(0, 300)})`);
    const gRegs = ours.regs.filter((r) => r.gOffset >= 0);
    const untraced = gRegs.filter((r) => !fmt.names.has(r.name));
    const gLayout = gRegs.filter((r) => fmt.names.has(r.name)).map((r) => ({ name: r.name, off: r.gOffset, len: r.bits / 8 }));
    const fpSet = new Set(fpNames);
    const allFp = fpNames;
    const allFpNums = allFp.map((n) => ours.byName.get(n)!.regnum);
    const atSyscallNums = atSyscall.map((n) => ours.byName.get(n)!.regnum);
    notes.push(`reference: qemu's execution trace; compared: ${gLayout.length} registers every step, ${allFp.length} FP registers after the FP instructions writing them (all every ${FULL_CHECK_EVERY} steps and at syscalls)` +
      (atSyscall.length ? `, ${atSyscall.join(',')} at syscalls (not in the trace)` : ''));
    if (untraced.length) notes.push(`not in qemu's trace, not compared: ${untraced.map((r) => r.name).join(',')}`);

    const aliases = new Map<bigint, bigint>();
    let scratch = Buffer.alloc(0);
    const expectG = (e: TraceEntry, ourG: Buffer): Buffer => {
      if (scratch.length !== ourG.length) scratch = Buffer.alloc(ourG.length);
      const b = scratch;
      for (const r of untraced) ourG.copy(b, r.gOffset, r.gOffset, r.gOffset + r.bits / 8);
      for (const x of gLayout) e.fill(x.name, b, x.off, x.len);
      return b;
    };
    const diffG = (e: TraceEntry, ourG: Buffer): Divergence['regs'] => {
      const exp = expectG(e, ourG);
      if (exp.equals(ourG)) return [];
      const out: Divergence['regs'] = [];
      for (const x of gLayout) {
        const a = exp.subarray(x.off, x.off + x.len), b = ourG.subarray(x.off, x.off + x.len);
        if (a.equals(b) || (aliases.size && aliases.get(leValue(a)) === leValue(b))) continue;
        out.push({ name: x.name, qemu: hex(a), ours: hex(b) });
      }
      return out;
    };
    const diffP = (e: TraceEntry, ourP: Map<number, Buffer>, names: readonly string[]): Divergence['regs'] => {
      const out: Divergence['regs'] = [];
      for (const n of names) {
        const r = ours.byName.get(n)!;
        const b = ourP.get(r.regnum);
        const a = e.bytes(n, r.bits / 8);
        if (!a || !b) continue;
        if (!a.equals(b.subarray(0, a.length))) out.push({ name: n, qemu: hex(a), ours: hex(b) });
      }
      return out;
    };

    // Instruction bytes from ours' memory, read 256 bytes at a time (one round trip per block
    // instead of one per new pc; code is not modified while it runs in the corpus).
    const BLOCK = 256n;
    const blocks = new Map<bigint, Buffer>();
    const insnCache = new Map<bigint, Buffer>();
    const block = async (base: bigint): Promise<Buffer> => {
      let b = blocks.get(base);
      if (!b) {
        b = await ours.readMem(base, Number(BLOCK));
        blocks.set(base, b);
      }
      return b;
    };
    const insnAt = async (pc: bigint): Promise<Buffer> => {
      let b = insnCache.get(pc);
      if (!b) {
        const base = pc & ~(BLOCK - 1n), off = Number(pc - base);
        const cur = await block(base);
        b = cur.subarray(off, off + 4);
        if (b.length < 4 && cur.length === Number(BLOCK)) b = Buffer.concat([b, (await block(base + BLOCK)).subarray(0, 4 - b.length)]);
        if (b.length < 4) b = Buffer.concat([b, Buffer.alloc(4 - b.length)]);
        insnCache.set(pc, b);
      }
      return b;
    };
    const recent: { step: number; pc: bigint; ib: Buffer }[] = [];
    const describe = (b: Buffer, pc: bigint): { insn: string; dis: string } => describeInsn(arch.classify(b).len, arch.disasm, b, pc);
    const mkDiv = (step: number, pc: bigint, what: string, regs: Divergence['regs'], b: Buffer | null): Divergence => {
      const d = b ? describe(b, pc) : { insn: '?', dis: '?' };
      const lines = recent.map((r) => { const x = describe(r.ib, r.pc); return `${r.step}: ${r.pc.toString(16)} ${x.insn} ${x.dis}`; });
      return { step, pc, insn: d.insn, disasm: d.dis, what, regs, recent: lines };
    };

    // ---- step 0: the entry state ----
    let div: Divergence | null = null;
    {
      const st = await ours.readAll(allFpNums);
      const regs = [...diffG(e0, st.g), ...diffP(e0, st.p, allFp)];
      if (regs.length) div = mkDiv(0, e0.pc, 'registers differ at the entry point', regs, null);
    }

    const t0 = Date.now();
    const maxMs = (o.maxSeconds ?? Infinity) * 1000;
    let lastProgress = t0;
    /** Index of the trace entry equal to ours' current state (= instructions executed). */
    let idx = 0;
    let pendingSig = 0, chained = 0;
    /**
     * Ours' state after a control transfer to `pc` that qemu's trace does not follow: qemu faults
     * fetching there before it logs anything, ours (like Linux ptrace) completes the step and
     * faults on the next one. That next step must stop with a signal and change nothing.
     */
    let pendingFetch: { g: Buffer; expected: TraceEntry | null; item: Item } | null = null;
    let exit: LockstepResult['exit'] = null;
    let timedOut = false;
    const ourReg = (g: Buffer, n: string): bigint => leValue(ours.value(n, g, new Map())!);
    const patchG = (g: Buffer, n: string, v: bigint): void => {
      const r = ours.byName.get(n)!;
      if (r.gOffset >= 0) putHexLE(g, r.gOffset, v.toString(16), r.bits / 8);
    };
    /** The end of both runs: ours ended with `ourEnd` after instruction `at`. */
    const ending = async (at: number, ourEnd: string, pc: bigint, ib: Buffer | null): Promise<void> => {
      const after = await trace.get(at + 1);
      const qEnd = await ctl.ended();
      exit = { qemu: qEnd, ours: ourEnd };
      if (after) div = mkDiv(at + 1, pc, `ours ended (${ourEnd}) where qemu went on to 0x${after.pc.toString(16)}`, [], ib);
      else if (qEnd !== ourEnd) div = mkDiv(at + 1, pc, `end differs: qemu ${qEnd}, ours ${ourEnd}`, [], ib);
    };

    while (!div && !exit && idx < o.maxSteps) {
      if (Date.now() - t0 >= maxMs) { timedOut = true; break; }
      // ---- a batch: the next instructions of qemu's trace, up to a syscall / counter read ----
      const items: Item[] = [];
      let seq: bigint[] | null = null;
      while (items.length < batchMax && idx + items.length < o.maxSteps) {
        const e = await trace.get(idx + items.length);
        if (!e) break;
        const ib = await insnAt(e.pc);
        const cls = arch.classify(ib);
        if (pendingSig) {
          // deliver the pending signal; nothing of this instruction is done by this step
          items.push({ entry: e, ib, cls, fp: allFp, pregs: allFpNums, sig: pendingSig });
          pendingSig = 0;
          break;
        }
        if (pendingFetch) {
          items.push({ ...pendingFetch.item, fp: [], pregs: [], sig: 0, fetch: true });
          break;
        }
        if (arch.atomicSequence && (seq = await arch.atomicSequence(e.pc, insnAt))) {
          if (items.length) seq = null;
          break;
        }
        const n = idx + items.length;
        const fp = cls.syscall || n % FULL_CHECK_EVERY === 0 ? allFp : cls.fp ? cls.fpWrites.filter((x) => fpSet.has(x)) : [];
        const pregs = fp.map((x) => ours.byName.get(x)!.regnum);
        if (cls.syscall) pregs.push(...atSyscallNums);
        items.push({ entry: e, ib, cls, fp, pregs, sig: 0 });
        if (cls.syscall || cls.counterReg) break;
      }
      if (seq) {
        // ---- aarch64 LDXR..STXR: run ours to the end of the sequence, find the same pc in the trace ----
        const e = (await trace.get(idx))!;
        const ib = await insnAt(e.pc);
        const r = await ours.runTo(seq, allFpNums);
        if (r.stop.kind !== 'signal' || r.stop.signal !== 5 || !r.g) {
          div = mkDiv(idx + 1, e.pc, `exclusive sequence: ours stopped with ${fmtEnd(r.stop)}`, [], ib);
          break;
        }
        const pc = ourReg(r.g, arch.pc);
        let k = idx + 1, ek: TraceEntry | null = null;
        for (; k <= idx + 64; k++) {
          ek = await trace.get(k);
          if (!ek || ek.pc === pc) break;
        }
        if (!ek || ek.pc !== pc) {
          div = mkDiv(idx + 1, e.pc, `exclusive sequence: ours ended it at 0x${pc.toString(16)}, not a pc qemu reached next`, [], ib);
          break;
        }
        bump('exclusive sequence run as one step');
        recent.push({ step: k, pc: e.pc, ib });
        if (recent.length > 12) recent.shift();
        const regs = [...diffG(ek, r.g), ...diffP(ek, r.p, allFp)];
        if (regs.length) { div = mkDiv(k, e.pc, 'registers differ after this exclusive sequence', regs, ib); break; }
        idx = k;
        continue;
      }
      if (items.length === 0) {
        // qemu's guest ended before executing instruction idx, ours is still alive
        const e = await trace.get(Math.max(0, idx - 1));
        div = mkDiv(idx, e?.pc ?? 0n, `qemu's guest ended (${await ctl.ended()}) but ours did not`, [], null);
        break;
      }

      const results: StepResult[] = await ours.stepBatch(items.map((it) => ({ sig: it.sig, pregs: it.pregs })));
      let done = 0;
      for (let b = 0; b < items.length && !div && !exit; b++) {
        const it = items[b]!, r = results[b]!;
        const at = idx + b; // trace index of the state before this step
        const pc = it.entry.pc;
        recent.push({ step: at + 1, pc, ib: it.ib });
        if (recent.length > 12) recent.shift();
        if (r.stop.kind !== 'signal') {
          if (it.cls.syscall && !it.sig) await ctl.next(); // exit_group: qemu's record of it
          await ending(at, fmtEnd(r.stop), pc, it.ib);
          done = b + 1;
          break;
        }
        if (!r.g) { div = mkDiv(at + 1, pc, `runlinuxd gave no registers after the step (${r.stop.raw})`, [], it.ib); break; }
        if (it.fetch) {
          const pf = pendingFetch!;
          pendingFetch = null;
          // a trap instruction (ebreak/brk) looks the same: ours reports SIGTRAP, pc still at it
          const trap = r.stop.signal === 5 && ourReg(pf.g, arch.pc) === pf.item.entry.pc;
          if ((r.stop.signal === 5 && !trap) || !r.g.equals(pf.g)) {
            const target = ourReg(pf.g, arch.pc);
            div = pf.expected
              ? mkDiv(at + 1, pc, 'registers differ after this instruction', diffG(pf.expected, pf.g), it.ib)
              : mkDiv(at + 1, pc, `qemu's guest ended here (${await ctl.ended()}), ours went on to 0x${target.toString(16)}`, [], it.ib);
            break;
          }
          bump(trap ? 'trap instruction (SIGTRAP)' : `fetch fault after a jump (signal ${r.stop.signal})`);
          pendingSig = r.stop.signal;
          break;
        }
        // ---- syscall: qemu's result and buffers, aliases, registers the trace does not show ----
        if (it.cls.syscall && !it.sig) {
          const sc = await ctl.next();
          const nr = Number(it.entry.value(arch.syscallNr) ?? -1n);
          if (!sc || sc.pc !== pc || sc.nr !== nr) {
            div = mkDiv(at + 1, pc, `qemu's gdb stub saw ${sc ? `syscall ${sc.name} at 0x${sc.pc.toString(16)}` : `no syscall (${await ctl.ended()})`} where the trace has syscall ${nr}`, [], it.ib);
            break;
          }
          const extra: Divergence['regs'] = [];
          for (const n of atSyscall) {
            const a = sc.extra.get(n), bb = r.p.get(ours.byName.get(n)!.regnum);
            if (a && bb && leValue(a) !== leValue(bb)) extra.push({ name: n, qemu: hex(a), ours: hex(bb) });
          }
          if (extra.length) { div = mkDiv(at, pc, `registers not in the trace differ at syscall ${sc.name}`, extra, it.ib); break; }
          const uret = ourReg(r.g, arch.syscallRet);
          if (sc.ret !== null && sc.ret !== uret) {
            if (ALIAS.has(sc.name)) {
              aliases.set(sc.ret, uret);
              bump(sc.name + ' (alias)');
            } else if (RESYNC[sc.name]) {
              await ours.writeReg(arch.syscallRet, sc.ret);
              patchG(r.g, arch.syscallRet, sc.ret);
              bump(sc.name);
            }
          }
          if (sc.bufs.length) {
            await Promise.all(sc.bufs.map((x) => ours.writeMem(x.addr, x.data)));
            if (!(sc.ret !== null && sc.ret !== uret)) bump(sc.name + ' (memory)');
          }
        }
        if (r.stop.signal !== 5) {
          // a fault (the instruction did not complete) or a signal raised by the syscall: deliver it
          // with the next step and compare at the handler with the trace's next entry
          // (while delivering one: another became deliverable, e.g. two unblocked at once; qemu
          // sets up both frames before the next instruction too)
          if (it.sig && ++chained > 8) { div = mkDiv(at + 1, pc, `delivering signal ${it.sig}: ours stopped with signal ${r.stop.signal} again and again`, [], it.ib); break; }
          if (!it.sig) chained = 0;
          pendingSig = r.stop.signal;
          done = b; // the trace entry `at` stays current
          bump(`signal ${r.stop.signal}`);
          break;
        }
        let expected = await trace.get(at + 1), adv = 1;
        const ourPc = ourReg(r.g, arch.pc);
        if (it.sig && expected?.pc !== ourPc) {
          // a step that delivers a signal may stop at the handler's entry (Linux ptrace) or run its
          // first instruction too (qemu's gdb stub): the trace's entry after the handler entry
          const e2 = await trace.get(at + 2);
          if (e2 && e2.pc === ourPc) { expected = e2; adv = 2; }
        }
        if (it.sig) bump(adv === 2 ? 'signal delivered, step ran the next instruction too' : 'signal delivered, step stopped before the next instruction');
        if (it.cls.syscall && !it.sig && expected && expected.pc !== ourPc) {
          // runlinuxd's gdb stub (daemon/gdb-target.ts) steps one instruction too many over a
          // syscall that blocked (a read that waits for input): docs/fidelity.md. Tolerated and
          // counted when that instruction is an ordinary one.
          const e2 = await trace.get(at + 2);
          if (e2 && e2.pc === ourPc) {
            const nextCls = arch.classify(await insnAt(expected.pc));
            if (!nextCls.syscall && !nextCls.counterReg && !nextCls.fp) {
              expected = e2;
              adv = 2;
              bump('runlinuxd stepped past the instruction after a blocking syscall');
            }
          }
        }
        if (!it.sig && !it.cls.syscall && expected?.pc !== ourPc) {
          pendingFetch = { g: r.g, expected, item: it };
          break;
        }
        if (!expected) {
          div = mkDiv(at + 1, pc, `qemu's guest ended here (${await ctl.ended()}), ours went on to 0x${ourPc.toString(16)}`, [], it.ib);
          break;
        }
        if (it.cls.counterReg && !it.sig) {
          const v = expected.value(it.cls.counterReg);
          if (v !== null && v !== ourReg(r.g, it.cls.counterReg)) {
            await ours.writeReg(it.cls.counterReg, v);
            patchG(r.g, it.cls.counterReg, v);
            bump('counter');
          }
        }
        const regs = [...diffG(expected, r.g), ...diffP(expected, r.p, it.fp)];
        if (regs.length) {
          div = mkDiv(at + 1, pc, it.sig ? `registers differ after delivering signal ${it.sig}` : 'registers differ after this instruction', regs, it.ib);
          break;
        }
        done = b + adv;
      }
      idx += done;
      trace.release(idx - 16);
      const now = Date.now();
      if (now - lastProgress >= (o.progressMs ?? 3000)) {
        lastProgress = now;
        o.progress(`lockstep: ${idx} steps, ${Math.round(idx / ((now - t0) / 1000))} steps/s, pc=0x${(trace.peek(idx)?.pc ?? 0n).toString(16)}`);
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    if (timedOut) notes.push(`stopped after ${o.maxSeconds} s (--max-seconds)`);
    if (ctl.signals.length) notes.push(`signals qemu reported: ${ctl.signals.join(',')}`);
    if (ctl.error) notes.push(`qemu gdb stub: ${ctl.error.message}`);
    let stdoutEqual: boolean | null = null;
    if (exit && !div) {
      qemu.client.close();
      ours.client.close();
      stdoutEqual = await compareStdout(L, notes);
    }
    return { ok: !div && stdoutEqual !== false, reference: 'trace', steps: idx, seconds, rate: idx / Math.max(seconds, 1e-3), divergence: div, exit, stdoutEqual, resynced, notes };
  } finally {
    q?.client.close();
    u?.client.close();
    if (reader) reader.close();
    else if (L.traceFd >= 0) closeSync(L.traceFd);
    L.cleanup();
  }
}
