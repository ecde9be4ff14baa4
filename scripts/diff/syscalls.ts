/**
 * Syscalls mode: both guests run at full speed between syscalls, and are compared at each syscall
 * (number, arguments, result), then on final stdout and exit status.
 *
 * - runlinuxd: `QCatchSyscalls:1` (stops at entry and return).
 * - qemu-user 7.2 has no QCatchSyscalls; instead of parsing `-strace` text, every syscall
 *   instruction in the program's executable segments gets a `Z0` breakpoint (a static binary
 *   cannot run other code), so qemu stops right before each syscall; we read the arguments, step
 *   over it (breakpoint removed for the step) and read the result. Exact numbers, no text parsing.
 *
 * Host-dependent syscalls (RESYNC) get qemu's result and output buffers copied into runlinuxd, as
 * in lockstep mode, so both programs keep seeing the same values.
 */
import { readFileSync } from 'node:fs';
import type { StopReply } from '../../gdbstub/client';
import { ALIAS, RESYNC, type DiffArch } from './arch';
import { ALL_SYSCALLS } from '../../kernel/syscall/dispatch';
import { launch, waitExit, type LaunchOptions } from './launch';
import { leValue, Side } from './side';
import { syncInitialStack } from './sync';

export interface SyscallEvent {
  nr: number;
  name: string;
  args: bigint[];
  /** null: the syscall did not return (exit, exit_group, execve...). */
  ret: bigint | null;
}

type Ev = { kind: 'syscall'; sc: SyscallEvent } | { kind: 'signal'; sig: number } | { kind: 'end'; desc: string };

export interface SyscallMismatch {
  index: number;
  name: string;
  what: string;
  qemu: string;
  ours: string;
  /** Both values look like user-space addresses (placement may legitimately differ). */
  address: boolean;
}

export interface SyscallResult {
  ok: boolean;
  syscalls: number;
  seconds: number;
  trace: string[];
  mismatches: SyscallMismatch[];
  fatal: string | null;
  exit: { qemu: string; ours: string } | null;
  stdout: { qemu: string; ours: string; equal: boolean } | null;
  resynced: Record<string, number>;
  notes: string[];
}

/** Virtual addresses of every syscall instruction in the executable PT_LOAD segments of an ELF64. */
export function syscallSites(elf: Buffer, pattern: Buffer, align: number): bigint[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) throw new Error('not an ELF64 file');
  const phoff = Number(elf.readBigUInt64LE(32)), phentsize = elf.readUInt16LE(54), phnum = elf.readUInt16LE(56);
  const out: bigint[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (elf.readUInt32LE(ph) !== 1 || !(elf.readUInt32LE(ph + 4) & 1)) continue; // PT_LOAD, PF_X
    const off = Number(elf.readBigUInt64LE(ph + 8)), vaddr = elf.readBigUInt64LE(ph + 16), filesz = Number(elf.readBigUInt64LE(ph + 32));
    for (let o = 0; o + pattern.length <= filesz; o += align) {
      if (elf.compare(pattern, 0, pattern.length, off + o, off + o + pattern.length) === 0) out.push(vaddr + BigInt(o));
    }
  }
  return out;
}

const NO_RETURN = new Set(['rt_sigreturn', 'exit', 'exit_group', 'execve', 'execveat']);
const DEFS = new Map(ALL_SYSCALLS.map((d) => [d.name, d]));
const fmtEnd = (s: StopReply): string => (s.kind === 'exited' ? `exit ${s.code}` : s.kind === 'terminated' ? `killed by signal ${s.signal}` : `signal ${s.signal}`);
const isAddr = (v: bigint): boolean => v >= 0x10000n && v < 1n << 48n;

export async function syscalls(arch: DiffArch, o: LaunchOptions & { progress: (l: string) => void; maxSyscalls?: number }): Promise<SyscallResult> {
  const L = await launch({ ...o, qemuArgs: [...arch.qemuArgs, ...(o.qemuArgs ?? [])] });
  const notes: string[] = [];
  const resynced: Record<string, number> = {};
  const trace: string[] = [];
  const mismatches: SyscallMismatch[] = [];
  let q: Side | null = null, u: Side | null = null;
  const t0 = Date.now();
  try {
    q = await Side.connect('qemu', L.qemu.port, 250);
    u = await Side.connect('ours', L.ours.port, 1 << 20);
    await Promise.all([q.init(), u.init()]);
    const top = await syncInitialStack(arch, q, u, notes);
    const sites = syscallSites(readFileSync(o.program), arch.syscallInsn, arch.insnAlign);
    // qemu-user's signal trampoline (rt_sigreturn) sits in the page above the stack (riscv64 7.2)
    const tramp = await q.readMem(top, 0x1000);
    const trampSites: bigint[] = [];
    for (let i = 0; i + arch.syscallInsn.length <= tramp.length; i += arch.insnAlign) {
      if (tramp.compare(arch.syscallInsn, 0, arch.syscallInsn.length, i, i + arch.syscallInsn.length) === 0) trampSites.push(top + BigInt(i));
    }
    if (trampSites.length) notes.push(`qemu signal trampoline syscall sites: ${trampSites.map((a) => '0x' + a.toString(16)).join(',')}`);
    const siteSet = new Set([...sites, ...trampSites]);
    const kind = arch.syscallInsn.length;
    await q.reads([...siteSet].map((a) => `Z0,${a.toString(16)},${kind}`)); // one reply each; qemu acks in order
    const catching = (await u.client.request('QCatchSyscalls:1')) === 'OK';
    if (!catching) {
      notes.push('runlinuxd did not accept QCatchSyscalls: using syscall-site breakpoints on it too');
      for (const a of sites) await u.client.insertBreakpoint(0, a, kind);
    }
    notes.push(`${sites.length} syscall sites in the program`);

    const regs = async (s: Side): Promise<{ g: Buffer; p: Map<number, Buffer> }> => s.readAll([]);
    const r = (s: Side, st: { g: Buffer; p: Map<number, Buffer> }, n: string): bigint => leValue(s.value(n, st.g, st.p)!);

    // qemu / breakpoint flavour: continue to the next syscall site, read args, step over it.
    let qSig = 0, uSig = 0;
    const viaBreakpoints = async (s: Side, sig: number): Promise<Ev> => {
      const stop = await s.client.resume(sig ? `C${sig.toString(16).padStart(2, '0')}` : 'c');
      if (stop.kind !== 'signal') return { kind: 'end', desc: fmtEnd(stop) };
      const st = await regs(s);
      const pc = r(s, st, arch.pc);
      if (stop.signal !== 5 || !siteSet.has(pc)) return { kind: 'signal', sig: stop.signal };
      const nr = Number(r(s, st, arch.syscallNr));
      const args = arch.syscallArgs.map((n) => r(s, st, n));
      await s.client.removeBreakpoint(0, pc, kind);
      const sc: SyscallEvent = { nr, name: arch.syscallNames.get(nr) ?? `syscall_${nr}`, args, ret: null };
      // Run to the next instruction rather than single-stepping: qemu-aarch64 7.2 executes one
      // instruction too many when stepping over `svc`, which would clobber the result register.
      let after: StopReply;
      const next = pc + BigInt(kind);
      if (NO_RETURN.has(sc.name)) after = await s.client.resume('s');
      else {
        if (!siteSet.has(next)) await s.client.insertBreakpoint(0, next, kind);
        after = await s.client.resume('c');
        if (!siteSet.has(next) && after.kind === 'signal') await s.client.removeBreakpoint(0, next, kind);
      }
      if (after.kind !== 'signal') {
        endAfter.set(s, fmtEnd(after));
        return { kind: 'syscall', sc };
      }
      await s.client.insertBreakpoint(0, pc, kind);
      sc.ret = r(s, await regs(s), arch.syscallRet);
      if (after.signal !== 5) pendingSig.set(s, after.signal);
      return { kind: 'syscall', sc };
    };
    const endAfter = new Map<Side, string>();
    const pendingSig = new Map<Side, number>();
    const viaCatch = async (s: Side, sig: number): Promise<Ev> => {
      const stop = await s.client.resume(sig ? `C${sig.toString(16).padStart(2, '0')}` : 'c');
      if (stop.kind !== 'signal') return { kind: 'end', desc: fmtEnd(stop) };
      if (stop.signal !== 5 || stop.fields['syscall_entry'] === undefined) return { kind: 'signal', sig: stop.signal };
      const st = await regs(s);
      const nr = Number(r(s, st, arch.syscallNr));
      const args = arch.syscallArgs.map((n) => r(s, st, n));
      const sc: SyscallEvent = { nr, name: arch.syscallNames.get(nr) ?? `syscall_${nr}`, args, ret: null };
      const after = await s.client.resume('c');
      if (after.kind !== 'signal') {
        endAfter.set(s, fmtEnd(after));
        return { kind: 'syscall', sc };
      }
      if (after.signal === 5 && after.fields['syscall_return'] !== undefined) sc.ret = r(s, await regs(s), arch.syscallRet);
      else pendingSig.set(s, after.signal);
      return { kind: 'syscall', sc };
    };
    const next = async (s: Side, sig: number, catchMode: boolean): Promise<Ev> => {
      const e = endAfter.get(s);
      if (e !== undefined) return { kind: 'end', desc: e };
      const ps = pendingSig.get(s);
      if (ps !== undefined) {
        pendingSig.delete(s);
        return { kind: 'signal', sig: ps };
      }
      return catchMode ? viaCatch(s, sig) : viaBreakpoints(s, sig);
    };

    const aliases = new Map<bigint, bigint>();
    let fatal: string | null = null;
    let exit: SyscallResult['exit'] = null;
    let lastProgress = t0;
    let n = 0;
    const max = o.maxSyscalls ?? Number.MAX_SAFE_INTEGER;
    const qside = q, uside = u;
    while (n < max) {
      const [qe, ue] = await Promise.all([next(qside, qSig, false), next(uside, uSig, catching)]);
      qSig = uSig = 0;
      if (qe.kind === 'end' || ue.kind === 'end') {
        exit = { qemu: qe.kind === 'end' ? qe.desc : `still running (${qe.kind})`, ours: ue.kind === 'end' ? ue.desc : `still running (${ue.kind})` };
        if (exit.qemu !== exit.ours) fatal = `end differs: qemu ${exit.qemu}, ours ${exit.ours}`;
        break;
      }
      if (qe.kind === 'signal' || ue.kind === 'signal') {
        const a = qe.kind === 'signal' ? `signal ${qe.sig}` : `syscall ${qe.sc.name}`, b = ue.kind === 'signal' ? `signal ${ue.sig}` : `syscall ${ue.sc.name}`;
        trace.push(`#${n} qemu ${a} / ours ${b}`);
        if (a !== b) { fatal = `event ${n}: qemu ${a}, ours ${b}`; break; }
        qSig = uSig = (qe as { sig: number }).sig;
        continue;
      }
      const a = qe.sc, b = ue.sc;
      n++;
      const fmtArgs = (x: SyscallEvent): string => x.args.map((v) => '0x' + v.toString(16)).join(',');
      trace.push(`#${n} ${a.name}(${fmtArgs(a)}) = ${a.ret === null ? '?' : BigInt.asIntN(64, a.ret)}`);
      if (a.nr !== b.nr) {
        fatal = `syscall #${n}: qemu ${a.name}(${fmtArgs(a)}), ours ${b.name}(${fmtArgs(b)})`;
        break;
      }
      const def = DEFS.get(a.name);
      a.args.slice(0, def ? def.args.length : 0).forEach((v, i) => {
        const w = b.args[i]!;
        if (v !== w && aliases.get(v) !== w) mismatches.push({ index: n, name: a.name, what: `arg${i}`, qemu: '0x' + v.toString(16), ours: '0x' + w.toString(16), address: isAddr(v) && isAddr(w) });
      });
      const out = RESYNC[a.name];
      if (a.ret !== null && b.ret !== null) {
        if (a.ret !== b.ret && ALIAS.has(a.name)) {
          aliases.set(a.ret, b.ret);
          resynced[a.name + ' (alias)'] = (resynced[a.name + ' (alias)'] ?? 0) + 1;
        } else if (a.ret !== b.ret && aliases.get(a.ret) !== b.ret) {
          if (out) {
            resynced[a.name] = (resynced[a.name] ?? 0) + 1;
            await u.writeReg(arch.syscallRet, a.ret);
          } else {
            // not resynchronised: an address (mmap placement) must stay ours or our program faults
            mismatches.push({ index: n, name: a.name, what: 'result', qemu: '0x' + a.ret.toString(16), ours: '0x' + b.ret.toString(16), address: isAddr(a.ret) && isAddr(b.ret) });
          }
        }
        for (const [ai, len, off = 0] of BigInt.asIntN(64, a.ret) < 0n ? [] : out ?? []) {
          const ptr = a.args[ai]!;
          const cnt = len === 'ret' ? Number(BigInt.asIntN(64, a.ret)) : len;
          if (ptr !== 0n && cnt > 0) await u.writeMem(ptr + BigInt(off), await q.readMem(ptr + BigInt(off), cnt));
        }
      } else if ((a.ret === null) !== (b.ret === null)) {
        fatal = `syscall #${n} ${a.name}: returned on one side only (qemu ${a.ret === null ? 'no' : 'yes'}, ours ${b.ret === null ? 'no' : 'yes'})`;
        break;
      }
      const now = Date.now();
      if (now - lastProgress > 3000) {
        lastProgress = now;
        o.progress(`syscalls: ${n} syscalls, ${((now - t0) / 1000).toFixed(0)} s`);
      }
    }
    let stdout: SyscallResult['stdout'] = null;
    if (exit) {
      q.client.close();
      u.client.close();
      await Promise.all([waitExit(L.qemu), waitExit(L.ours)]);
      const qa = Buffer.concat(L.qemu.stdout).toString('latin1'), ua = Buffer.concat(L.ours.stdout).toString('latin1');
      stdout = { qemu: qa, ours: ua, equal: qa === ua };
    }
    const ok = !fatal && exit !== null && stdout !== null && stdout.equal && mismatches.every((m) => m.address);
    return { ok, syscalls: n, seconds: (Date.now() - t0) / 1000, trace, mismatches, fatal, exit, stdout, resynced, notes };
  } finally {
    q?.client.close();
    u?.client.close();
    L.cleanup();
  }
}

export function formatSyscallResult(r: SyscallResult, verbose = false): string {
  const lines: string[] = [];
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (verbose) lines.push(...r.trace);
  if (Object.keys(r.resynced).length) lines.push(`resynchronised: ${JSON.stringify(r.resynced)}`);
  for (const m of r.mismatches.slice(0, 30)) lines.push(`${m.address ? 'address differs' : 'MISMATCH'}: syscall #${m.index} ${m.name} ${m.what}: qemu ${m.qemu}, ours ${m.ours}`);
  if (r.fatal) {
    lines.push(`DIVERGENCE: ${r.fatal}`, '  last syscalls (qemu):', ...r.trace.slice(-8).map((t) => '    ' + t));
  }
  if (r.stdout && !r.stdout.equal) lines.push(`stdout DIFFERS:\n--- qemu\n${r.stdout.qemu.slice(0, 2000)}\n--- ours\n${r.stdout.ours.slice(0, 2000)}`);
  lines.push(`${r.ok ? 'OK' : 'FAIL'}: ${r.syscalls} syscalls in ${r.seconds.toFixed(1)} s` +
    (r.exit ? `, end: qemu ${r.exit.qemu}, ours ${r.exit.ours}` : '') + (r.stdout ? `, stdout ${r.stdout.equal ? 'equal' : 'DIFFERS'}` : ''));
  return lines.join('\n');
}


