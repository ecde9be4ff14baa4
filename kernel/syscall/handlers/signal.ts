/**
 * Signal syscalls (Linux kernel/signal.c; man 2 sigaction, sigprocmask, kill, tgkill, sigpending,
 * sigaltstack, sigsuspend, sigtimedwait, sigreturn). Delivery happens in the kernel loop after the
 * syscall returns; these only change the state in kernel/task/signal.ts.
 *
 * Targets: this kernel runs one process with one thread, so kill/tkill/tgkill reach only the
 * caller (pid/tid = its own, pid 0 or -pgid = its group); any other pid is ESRCH, and kill(-1)
 * (everyone but the caller) is ESRCH too. Blocking waits (rt_sigsuspend, rt_sigtimedwait
 * without a timeout) end when a signal is generated — by a debugger today, since no other
 * process or timer can send one yet; like Linux, the wait is then endless (SIGINT the daemon).
 */
import { MemFault } from '../../../arch/common/memory';
import { E } from '../../errno';
import { NSIG, SIG } from '../../signals';
import type { Process } from '../../task/process';
import { BadFrame, sigframeFor } from '../../task/sigframe';
import {
  deliverable, decodeStack, encodeSigInfo, encodeStack, force, generate, handlerIgnores, SA, sasSsFlags, setAltStack,
  setBlocked, SI, sigbit, SS_AUTODISARM, STACK_T_SIZE, UNBLOCKABLE, userInfo, type SigInfo,
} from '../../task/signal';
import { err, int, num, type KernelServices, type SyscallDef } from '../table';

const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
const SIGSET_SIZE = 8n;
const INT_MIN = -0x8000_0000;

/** UAPI_SA_FLAGS: the sa_flags bits rt_sigaction keeps (SA_RESTORER only where the arch has it). */
function uapiFlags(restorer: boolean): bigint {
  return SA.NOCLDSTOP | SA.NOCLDWAIT | SA.SIGINFO | SA.ONSTACK | SA.RESTART | SA.NODEFER | SA.RESETHAND |
    SA.EXPOSE_TAGBITS | (restorer ? SA.RESTORER : 0n);
}

/** Sends `info` to `p` (generation); SIGKILL ends it on the spot. */
function send(k: KernelServices, p: Process, info: SigInfo): void {
  if (generate(p, info) === 'kill') {
    k.terminate(p, { kind: 'signaled', signal: SIG.SIGKILL, detail: `killed by ${info.code === SI.TKILL ? 'tkill' : 'kill'}(SIGKILL)` });
  }
}

/** Common tail of kill/tkill/tgkill once the target is found: check_kill_permission, then send. */
function sendChecked(k: KernelServices, p: Process, sig: number, code: number): bigint {
  if (sig < 0 || sig > NSIG) return err(E.EINVAL);
  if (sig === 0) return 0n;
  send(k, p, userInfo(sig, code, p.pid, k.uid));
  return 0n;
}

/**
 * Waits (as a Promise for the kernel loop) until `ready()` holds, re-checking whenever a signal is
 * generated and every 50 ms (which also keeps the daemon alive, as a hung Linux task keeps its
 * terminal busy); a terminated process or the optional timeout ends the wait too.
 */
function waitUntil(p: Process, ready: () => boolean, timeoutMs: number | null): Promise<'ready' | 'timeout' | 'dead'> {
  return new Promise((resolve) => {
    let done = false;
    let wake = p.signals.nextSignal();
    const finish = (r: 'ready' | 'timeout' | 'dead'): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      wake.cancel();
      resolve(r);
    };
    const check = (): void => {
      if (done) return;
      if (p.status) finish('dead');
      else if (ready()) finish('ready');
    };
    const rearm = (): void => {
      void wake.promise.then(() => {
        if (done) return;
        check();
        if (!done) { wake = p.signals.nextSignal(); rearm(); }
      });
    };
    const poll = setInterval(check, 50);
    const timer = timeoutMs === null ? null : setTimeout(() => finish('timeout'), timeoutMs);
    rearm();
  });
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
  {
    name: 'kill', args: ['d', 'S'],
    handler: ({ proc, k }, a) => {
      const pid = int(a[0]!), sig = int(a[1]!);
      if (pid === INT_MIN) return err(E.ESRCH);
      // pid > 0: that process; 0: our process group; -1: every process but us; < -1: group -pid.
      // Our process is its own group leader here (pgid = pid).
      const target = pid > 0 ? pid === proc.pid : pid === 0 ? true : pid === -1 ? false : -pid === proc.pid;
      if (!target) return err(E.ESRCH);
      return sendChecked(k, proc, sig, SI.USER);
    },
  },
  {
    name: 'tkill', args: ['d', 'S'],
    handler: ({ proc, k }, a) => {
      const tid = int(a[0]!), sig = int(a[1]!);
      if (tid <= 0) return err(E.EINVAL);
      if (tid !== proc.tid) return err(E.ESRCH);
      return sendChecked(k, proc, sig, SI.TKILL);
    },
  },
  {
    name: 'tgkill', args: ['d', 'd', 'S'],
    handler: ({ proc, k }, a) => {
      const tgid = int(a[0]!), tid = int(a[1]!), sig = int(a[2]!);
      if (tid <= 0 || tgid <= 0) return err(E.EINVAL);
      if (tid !== proc.tid || tgid !== proc.pid) return err(E.ESRCH);
      return sendChecked(k, proc, sig, SI.TKILL);
    },
  },
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
      // The frame of the handler that ends the wait stores the old mask (set_restore_sigmask).
      proc.signals.savedMask = proc.sigmask;
      setBlocked(proc, set);
      if (deliverable(proc) !== 0n) return err(E.EINTR);
      k.warn(`rt_sigsuspend: pid ${proc.pid} waits for a signal (nothing in this kernel sends one yet besides a debugger)`);
      return waitUntil(proc, () => deliverable(proc) !== 0n, null).then(() => err(E.EINTR));
    },
  },
  {
    name: 'rt_sigtimedwait', args: ['p', 'p', 'p', 'u'],
    handler: ({ proc, k }, a) => {
      if (a[3] !== SIGSET_SIZE) return err(E.EINVAL);
      const mem = proc.cpu.mem;
      const want = mem.readU64(num(a[0]!)) & ~UNBLOCKABLE;
      const infop = num(a[1]!), tsp = num(a[2]!);
      let timeoutMs: number | null = null;
      if (tsp !== 0) {
        const sec = BigInt.asIntN(64, mem.readU64(tsp)), nsec = BigInt.asIntN(64, mem.readU64(tsp + 8));
        if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return err(E.EINVAL);
        timeoutMs = Number(sec) * 1000 + Number(nsec) / 1e6;
      }
      const take = (): bigint | null => {
        const info = proc.signals.pending.dequeue(want);
        if (!info) return null;
        if (infop !== 0) mem.writeBytes(infop, encodeSigInfo(info));
        return BigInt(info.signo);
      };
      const now = take();
      if (now !== null) return now;
      if (timeoutMs === 0) return err(E.EAGAIN);
      // While waiting the awaited signals count as unblocked (Linux's real_blocked dance), so an
      // arrival of one, or of any other unblocked signal (then EINTR), ends the wait.
      const real = proc.sigmask;
      setBlocked(proc, real & ~want);
      if (timeoutMs === null) k.warn(`rt_sigtimedwait: pid ${proc.pid} waits for a signal without a timeout`);
      return waitUntil(proc, () => deliverable(proc) !== 0n, timeoutMs).then((why) => {
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
