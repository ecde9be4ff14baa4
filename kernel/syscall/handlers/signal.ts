/**
 * Signal syscalls (Linux kernel/signal.c; man 2 sigaction, sigprocmask, kill, tgkill, sigpending,
 * sigaltstack, sigsuspend, sigtimedwait, sigreturn). Delivery happens in the kernel loop after the
 * syscall returns; these only change the state in kernel/task/signal.ts.
 *
 * Targets: kill reaches a process (any thread not blocking the signal), a process group
 * (pid 0, -pgid) or every process but the caller (-1); tkill/tgkill reach one thread.
 */
import { MemFault } from '../../../arch/common/memory';
import { E } from '../../errno';
import { NSIG, SIG } from '../../signals';
import type { Process } from '../../task/process';
import { BadFrame, sigframeFor } from '../../task/sigframe';
import {
  deliverable, decodeStack, encodeSigInfo, encodeStack, force, generate, handlerIgnores, SA, sasSsFlags, setAltStack,
  setBlocked, setTemporaryMask, SI, sigbit, SS_AUTODISARM, STACK_T_SIZE, UNBLOCKABLE, userInfo, type SigInfo,
} from '../../task/signal';
import { err, int, num, type SyscallCtx, type SyscallDef } from '../table';

const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
const SIGSET_SIZE = 8n;
const INT_MIN = -0x8000_0000;

/** UAPI_SA_FLAGS: the sa_flags bits rt_sigaction keeps (SA_RESTORER only where the arch has it). */
function uapiFlags(restorer: boolean): bigint {
  return SA.NOCLDSTOP | SA.NOCLDWAIT | SA.SIGINFO | SA.ONSTACK | SA.RESTART | SA.NODEFER | SA.RESETHAND |
    SA.EXPOSE_TAGBITS | (restorer ? SA.RESTORER : 0n);
}

/** check_kill_permission's argument checks; 0 is a probe that sends nothing. */
function badSignal(sig: number): bigint | null {
  if (sig < 0 || sig > NSIG) return err(E.EINVAL);
  return null;
}

function kill(ctx: SyscallCtx, pid: number, sig: number): bigint {
  const { proc, k } = ctx;
  const bad = badSignal(sig);
  if (bad !== null) return bad;
  if (pid === INT_MIN) return err(E.ESRCH);
  const all = [...k.groups.values()].filter((g) => g.alive && g.tasks.length > 0);
  // pid > 0: that process; 0: our process group; -1: every process but us; < -1: group -pid.
  const targets = pid > 0 ? all.filter((g) => g.pid === pid)
    : pid === 0 ? all.filter((g) => g.pgid === proc.group.pgid)
      : pid === -1 ? all.filter((g) => g !== proc.group)
        : all.filter((g) => g.pgid === -pid);
  if (targets.length === 0) return err(E.ESRCH);
  if (sig === 0) return 0n;
  for (const g of targets) k.signalGroup(g, userInfo(sig, SI.USER, proc.pid, k.uid));
  return 0n;
}

function tgkill(ctx: SyscallCtx, tgid: number, tid: number, sig: number): bigint {
  const { proc, k } = ctx;
  const bad = badSignal(sig);
  if (bad !== null) return bad;
  if (tid <= 0 || tgid === 0 || tgid < -1) return err(E.EINVAL);
  const t = k.findTask(tid);
  if (!t || (tgid > 0 && t.pid !== tgid)) return err(E.ESRCH);
  if (sig === 0) return 0n;
  k.signalTask(t, userInfo(sig, SI.TKILL, proc.pid, k.uid));
  return 0n;
}

export const signalSyscalls: SyscallDef[] = [
  {
    name: 'rt_sigaction', args: ['S', 'p', 'p', 'u'],
    handler: ({ proc, k }, a) => {
      const sig = int(a[0]!), act = num(a[1]!), old = num(a[2]!);
      if (a[3] !== SIGSET_SIZE || sig < 1 || sig > NSIG) return err(E.EINVAL);
      if (act !== 0 && (sig === SIG.SIGKILL || sig === SIG.SIGSTOP)) return err(E.EINVAL);
      // struct sigaction: handler, flags, [restorer where the arch has SA_RESTORER], mask.
      const restorer = k.arch.spec.sigactionRestorer;
      const size = restorer ? 32 : 24;
      const mem = proc.cpu.mem;
      const next = act !== 0 ? mem.readBytes(act, size) : null;
      const cur = proc.sigactions[sig]!;
      if (old !== 0) {
        const b = new Uint8Array(size), dv = new DataView(b.buffer);
        dv.setBigUint64(0, cur.handler, true);
        dv.setBigUint64(8, cur.flags, true);
        if (restorer) dv.setBigUint64(16, cur.restorer, true);
        dv.setBigUint64(restorer ? 24 : 16, cur.mask, true);
        mem.writeBytes(old, b);
      }
      if (next) {
        const dv = new DataView(next.buffer);
        const sa = {
          handler: dv.getBigUint64(0, true),
          flags: dv.getBigUint64(8, true) & uapiFlags(restorer),
          restorer: restorer ? dv.getBigUint64(16, true) : 0n,
          mask: dv.getBigUint64(restorer ? 24 : 16, true) & ~UNBLOCKABLE,
        };
        proc.sigactions[sig] = sa;
        // POSIX 3.3.1.3: setting an ignoring disposition discards the pending instances.
        if (handlerIgnores(sa, sig)) proc.signals.pending.flush(sigbit(sig));
      }
      return 0n;
    },
  },
  {
    name: 'rt_sigprocmask', args: ['d', 'p', 'p', 'u'],
    handler: ({ proc }, a) => {
      const how = int(a[0]!), set = num(a[1]!), old = num(a[2]!);
      if (a[3] !== SIGSET_SIZE) return err(E.EINVAL);
      const mem = proc.cpu.mem;
      const next = set !== 0 ? mem.readU64(set) : null;
      if (next !== null && how !== SIG_BLOCK && how !== SIG_UNBLOCK && how !== SIG_SETMASK) return err(E.EINVAL);
      if (old !== 0) mem.writeU64(old, proc.sigmask);
      if (next !== null) setBlocked(proc, how === SIG_BLOCK ? proc.sigmask | next : how === SIG_UNBLOCK ? proc.sigmask & ~next : next);
      return 0n;
    },
  },
  {
    name: 'rt_sigpending', args: ['p', 'u'],
    handler: ({ proc }, a) => {
      const size = num(a[1]!);
      if (size > Number(SIGSET_SIZE)) return err(E.EINVAL);
      const set = proc.signals.pending.set & proc.sigmask;
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, set, true);
      proc.cpu.mem.writeBytes(num(a[0]!), b.subarray(0, size));
      return 0n;
    },
  },
  { name: 'kill', args: ['d', 'S'], handler: (ctx, a) => kill(ctx, int(a[0]!), int(a[1]!)) },
  { name: 'tkill', args: ['d', 'S'], handler: (ctx, a) => tgkill(ctx, -1, int(a[0]!), int(a[1]!)) },
  { name: 'tgkill', args: ['d', 'd', 'S'], handler: (ctx, a) => tgkill(ctx, int(a[0]!), int(a[1]!), int(a[2]!)) },
  {
    name: 'sigaltstack', args: ['p', 'p'],
    handler: ({ proc, k }, a) => {
      const ss = num(a[0]!), oss = num(a[1]!);
      const mem = proc.cpu.mem;
      const sp = k.arch.abi.getSp(proc.cpu);
      const next = ss !== 0 ? decodeStack(mem.readBytes(ss, STACK_T_SIZE)) : null;
      const cur = proc.signals.altstack;
      const old = encodeStack({ sp: cur.sp, size: cur.size, flags: sasSsFlags(cur, sp) | (cur.flags & SS_AUTODISARM) });
      if (next) {
        const e = setAltStack(proc.signals, next, sp, sigframeFor(k.arch.spec.name).minSigStackSize);
        if (e) return err(e);
      }
      if (oss !== 0) mem.writeBytes(oss, old);
      return 0n;
    },
  },
  {
    name: 'rt_sigsuspend', args: ['p', 'u'],
    handler: ({ proc, k }, a) => {
      if (a[1] !== SIGSET_SIZE) return err(E.EINVAL);
      const set = proc.cpu.mem.readU64(num(a[0]!));
      setTemporaryMask(proc, set);
      if (deliverable(proc) !== 0n) return err(E.EINTR);
      return k.sleep(proc, [], () => undefined, null).then(() => err(E.EINTR));
    },
  },
  {
    name: 'rt_sigtimedwait', args: ['p', 'p', 'p', 'u'],
    handler: ({ proc, k }, a) => {
      if (a[3] !== SIGSET_SIZE) return err(E.EINVAL);
      const mem = proc.cpu.mem;
      const want = mem.readU64(num(a[0]!)) & ~UNBLOCKABLE;
      const infop = num(a[1]!), tsp = num(a[2]!);
      let timeoutNs: bigint | null = null;
      if (tsp !== 0) {
        const sec = BigInt.asIntN(64, mem.readU64(tsp)), nsec = BigInt.asIntN(64, mem.readU64(tsp + 8));
        if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return err(E.EINVAL);
        timeoutNs = sec * 1_000_000_000n + nsec;
      }
      const take = (): bigint | null => {
        const info = proc.signals.pending.dequeue(want);
        if (!info) return null;
        if (infop !== 0) mem.writeBytes(infop, encodeSigInfo(info));
        return BigInt(info.signo);
      };
      const now = take();
      if (now !== null) return now;
      if (timeoutNs === 0n) return err(E.EAGAIN);
      // While waiting the awaited signals count as unblocked (Linux's real_blocked dance), so an
      // arrival of one, or of any other unblocked signal (then EINTR), ends the wait.
      const real = proc.sigmask;
      setBlocked(proc, real & ~want);
      const deadline = timeoutNs === null ? null : k.monotonicNs() + timeoutNs;
      return k.sleep(proc, [], () => undefined, deadline).then((why) => {
        setBlocked(proc, real);
        const got = take();
        if (got !== null) return got;
        return err(why === 'timeout' ? E.EAGAIN : E.EINTR);
      });
    },
  },
  {
    name: 'rt_sigreturn', args: [],
    handler: ({ proc, k }) => {
      const frames = sigframeFor(k.arch.spec.name);
      let ret: bigint;
      try {
        const r = frames.restore(proc.cpu, k.arch.gdb);
        ret = r.ret;
        setBlocked(proc, r.mask);
        // restore_altstack: errors (EPERM while on the stack, ...) are ignored.
        setAltStack(proc.signals, r.stack, k.arch.abi.getSp(proc.cpu), frames.minSigStackSize);
      } catch (e) {
        if (!(e instanceof BadFrame) && !(e instanceof MemFault)) throw e;
        force(proc, { signo: SIG.SIGSEGV, errno: 0, code: SI.KERNEL, pid: 0, uid: 0, detail: e instanceof BadFrame ? e.message : 'rt_sigreturn: bad frame' });
        return 0n;
      }
      // The result register keeps the value the frame restored (Linux returns regs->a0 / x0).
      return ret;
    },
  },
];
