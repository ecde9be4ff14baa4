/**
 * Process life: clone/fork/vfork, execve, exit, wait4/waitid, identity (pids, sessions, process
 * groups), futexes, limits and per-thread registrations.
 */
import { E, SysError } from '../../errno';
import { ElfError } from '../../loader/elf';
import { MapError } from '../../mm/address-space';
import { readAll, S_IFMT, S_IFREG } from '../../fs/inode';
import type { CloneRequest } from '../../kernel';
import { waitStatus, type Process, type ThreadGroup } from '../../task/process';
import { lookupAt, AT_FDCWD, pathArg } from './fs';
import { WaitQueue } from '../../task/wait';
import { err, ERESTARTSYS, int, num, type SyscallCtx, type SyscallDef } from '../table';

const RLIM_INFINITY = (1n << 64n) - 1n;
const NGROUPS_MAX = 65536;

/** set*id arguments: each -1 (unchanged) or the id already held. */
function keepsIds(id: number, args: bigint[]): bigint {
  return args.every((x) => int(x) === -1 || int(x) === id) ? 0n : err(E.EPERM);
}
const RLIMIT_STACK = 3, RLIMIT_NOFILE = 7, RLIMIT_NLIMITS = 16;
const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

const CLONE = {
  VM: 0x100, FS: 0x200, FILES: 0x400, SIGHAND: 0x800, PIDFD: 0x1000, PTRACE: 0x2000, VFORK: 0x4000, PARENT: 0x8000,
  THREAD: 0x10000, NEWNS: 0x20000, SYSVSEM: 0x40000, SETTLS: 0x80000, PARENT_SETTID: 0x100000,
  CHILD_CLEARTID: 0x200000, DETACHED: 0x400000, UNTRACED: 0x800000, CHILD_SETTID: 0x1000000,
} as const;
/** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: no namespaces here. */
const NAMESPACES = 0x7e020000;

const WNOHANG = 1, WUNTRACED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x1000000, __WALL = 0x40000000, __WCLONE = 0x80000000;
const P_ALL = 0, P_PID = 1, P_PGID = 2;

const FUTEX = { WAIT: 0, WAKE: 1, REQUEUE: 3, CMP_REQUEUE: 4, WAKE_OP: 5, WAIT_BITSET: 9, WAKE_BITSET: 10, PRIVATE: 128, CLOCK_REALTIME: 256 } as const;
const NS = 1_000_000_000n;

/** Default limits as a fresh Linux login sees them: [soft, hard]. */
function defaultLimit(resource: number): [bigint, bigint] {
  if (resource === RLIMIT_STACK) return [8n << 20n, RLIM_INFINITY];
  if (resource === RLIMIT_NOFILE) return [1024n, 4096n];
  return [RLIM_INFINITY, RLIM_INFINITY];
}

// ---- clone ----

interface CloneArgs { flags: number; exitSignal: number; stack: bigint; parentTid: bigint; childTid: bigint; tls: bigint }

function doClone(ctx: SyscallCtx, c: CloneArgs): bigint | Promise<bigint> {
  const { proc, k } = ctx;
  const f = c.flags;
  if (f & NAMESPACES) return err(E.EPERM);
  if (f & CLONE.THREAD && !(f & CLONE.SIGHAND)) return err(E.EINVAL);
  if (f & CLONE.SIGHAND && !(f & CLONE.VM)) return err(E.EINVAL);
  if (c.exitSignal < 0 || c.exitSignal > 64) return err(E.EINVAL);
  const req: CloneRequest = {
    thread: (f & CLONE.THREAD) !== 0, vm: (f & CLONE.VM) !== 0, vfork: (f & CLONE.VFORK) !== 0,
    files: (f & CLONE.FILES) !== 0, fs: (f & CLONE.FS) !== 0, sighand: (f & CLONE.SIGHAND) !== 0,
    newSp: c.stack, tls: f & CLONE.SETTLS ? c.tls : null,
    childClearTid: f & CLONE.CHILD_CLEARTID ? c.childTid : null,
    exitSignal: f & CLONE.THREAD ? 0 : c.exitSignal,
  };
  let child: Process;
  try {
    child = k.clone(proc, req);
  } catch (e) {
    if (e instanceof MapError) return err(E.ENOMEM);
    throw e;
  }
  const tid = BigInt(child.tid);
  if (f & CLONE.PARENT_SETTID) proc.cpu.mem.writeU32(num(c.parentTid), child.tid);
  if (f & CLONE.CHILD_SETTID) child.cpu.mem.writeU32(num(c.childTid), child.tid);
  if (req.vfork) return k.waitVfork(proc, child.group).then(() => tid);
  return tid;
}

// ---- wait ----

function matches(g: ThreadGroup, who: { type: number; id: number }, caller: Process): boolean {
  switch (who.type) {
    case P_ALL: return true;
    case P_PID: return g.pid === who.id;
    case P_PGID: return g.pgid === (who.id === 0 ? caller.group.pgid : who.id);
    default: return false;
  }
}

/**
 * do_wait: reaps (or with WNOWAIT peeks at) a zombie child that `who` selects; parks the caller
 * until one exists unless WNOHANG. ECHILD when no child could ever match.
 */
function waitChild(ctx: SyscallCtx, who: { type: number; id: number }, options: number,
  report: (g: ThreadGroup) => bigint): bigint | Promise<bigint> {
  const { proc, k } = ctx;
  const me = proc.group;
  const find = (): ThreadGroup | null | undefined => {
    const kids = me.children.filter((c) => matches(c, who, proc));
    if (kids.length === 0) return null;
    return kids.find((c) => c.exit !== null);
  };
  const collect = (g: ThreadGroup): bigint => {
    const r = report(g);
    if (!(options & WNOWAIT)) k.reap(g);
    return r;
  };
  const now = find();
  if (now === null) return err(E.ECHILD);
  if (now) return collect(now);
  if (options & WNOHANG) return 0n;
  return k.sleep(proc, [me.childEvents], () => find() ?? (find() === null ? null : undefined), null).then((r) => {
    if (r === 'interrupted') return ERESTARTSYS;
    if (r === null || r === 'timeout') return err(E.ECHILD);
    return collect(r);
  });
}

function wait4(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const pid = int(a[0]!), statusp = num(a[1]!), options = int(a[2]!), rusage = num(a[3]!);
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE)) return err(E.EINVAL);
  const who = pid > 0 ? { type: P_PID, id: pid } : pid === 0 ? { type: P_PGID, id: 0 } : pid === -1 ? { type: P_ALL, id: 0 } : { type: P_PGID, id: -pid };
  const mem = ctx.proc.cpu.mem;
  return waitChild(ctx, who, options, (g) => {
    if (statusp !== 0) mem.writeU32(statusp, waitStatus(g.exit!));
    if (rusage !== 0) mem.writeBytes(rusage, rusageOf(g.instret));
    return BigInt(g.pid);
  });
}

/** si_code of a SIGCHLD siginfo for an exit status. */
function cldCode(g: ThreadGroup): number {
  const s = g.exit!;
  return s.kind === 'exited' ? 1 : s.core ? 3 : 2;
}

function waitid(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const type = int(a[0]!), id = int(a[1]!), infop = num(a[2]!), options = int(a[3]!);
  if (options & ~(WNOHANG | WEXITED | WUNTRACED | WCONTINUED | WNOWAIT | __WALL | __WCLONE)) return err(E.EINVAL);
  if (!(options & (WEXITED | WUNTRACED | WCONTINUED))) return err(E.EINVAL);
  if (type !== P_ALL && type !== P_PID && type !== P_PGID) return err(E.EINVAL);
  const mem = ctx.proc.cpu.mem;
  const r = waitChild(ctx, { type, id }, options, (g) => {
    if (infop !== 0) {
      const b = new Uint8Array(128), dv = new DataView(b.buffer);
      const s = g.exit!;
      dv.setInt32(0, 17, true); // SIGCHLD
      dv.setInt32(8, cldCode(g), true);
      dv.setInt32(16, g.pid, true);
      dv.setUint32(20, ctx.k.uid, true);
      dv.setInt32(24, s.kind === 'exited' ? s.code : s.signal, true);
      mem.writeBytes(infop, b);
    }
    return 0n;
  });
  // WNOHANG with nothing to report: waitid returns 0 and si_pid 0.
  if (r === 0n && options & WNOHANG && infop !== 0) mem.writeBytes(infop, new Uint8Array(128));
  return r;
}

/** struct rusage with only the user time filled (from retired instructions at 1 GHz). */
function rusageOf(instret: number): Uint8Array {
  const b = new Uint8Array(144), dv = new DataView(b.buffer);
  const us = BigInt(Math.floor(instret / 1000));
  dv.setBigInt64(0, us / 1_000_000n, true);
  dv.setBigInt64(8, us % 1_000_000n, true);
  return b;
}

// ---- execve ----

function readStrings(ctx: SyscallCtx, addr: number): string[] {
  const out: string[] = [];
  if (addr === 0) return out;
  const mem = ctx.proc.cpu.mem;
  for (let i = 0; ; i++) {
    if (i > 0x20000) throw new SysError(E.E2BIG);
    const p = num(mem.readU64(addr + i * 8));
    if (p === 0) return out;
    const s = mem.readCString(p, 128 * 1024);
    if (s === null) throw new SysError(E.E2BIG);
    out.push(s);
  }
}

function execve(ctx: SyscallCtx, dirfd: number, pathAddr: bigint, argvAddr: bigint, envpAddr: bigint, flags: number): bigint {
  const path = pathArg(ctx, pathAddr);
  const argv = readStrings(ctx, num(argvAddr));
  const envp = readStrings(ctx, num(envpAddr));
  const node = lookupAt(ctx, dirfd, path, !(flags & 0x100), (flags & 0x1000) !== 0);
  const st = node.inode.stat();
  if ((st.mode & S_IFMT) !== S_IFREG) return err(E.EACCES);
  if (!(st.mode & 0o111)) return err(E.EACCES);
  try {
    ctx.k.exec(ctx.proc, node.path(), readAll(node.inode), argv, envp);
  } catch (e) {
    if (e instanceof ElfError) return err(E.ENOEXEC);
    if (e instanceof MapError) return err(E.ENOMEM);
    throw e;
  }
  // The new image starts with the registers exec set; the "result" register is one of them.
  return ctx.k.arch.abi.arg(ctx.proc.cpu, 0);
}

// ---- futex ----

function futexTimeout(ctx: SyscallCtx, addr: number, op: number, absolute: boolean): bigint | null {
  if (addr === 0) return null;
  const mem = ctx.proc.cpu.mem;
  const sec = BigInt.asIntN(64, mem.readU64(addr)), nsec = BigInt.asIntN(64, mem.readU64(addr + 8));
  if (sec < 0n || nsec < 0n || nsec >= NS) throw new SysError(E.EINVAL);
  const t = sec * NS + nsec;
  if (!absolute) return ctx.k.monotonicNs() + t;
  // An absolute time on CLOCK_REALTIME (FUTEX_CLOCK_REALTIME) becomes a monotonic deadline.
  return op & FUTEX.CLOCK_REALTIME ? ctx.k.monotonicNs() + (t - ctx.k.realtimeNs()) : t;
}

function futex(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const { proc, k } = ctx;
  const uaddr = num(a[0]!), op = int(a[1]!), val = int(a[2]!);
  const cmd = op & 0x7f, shared = !(op & FUTEX.PRIVATE);
  if (uaddr % 4 !== 0) return err(E.EINVAL);
  const key = (addr: number): string => k.futexKey(proc, addr, shared);
  switch (cmd) {
    case FUTEX.WAIT: case FUTEX.WAIT_BITSET: {
      const bitset = cmd === FUTEX.WAIT_BITSET ? int(a[5]!) : -1;
      if (bitset === 0) return err(E.EINVAL);
      const deadline = futexTimeout(ctx, num(a[3]!), op, cmd === FUTEX.WAIT_BITSET);
      if ((proc.cpu.mem.readU32(uaddr) | 0) !== val) return err(E.EAGAIN);
      const kk = key(uaddr);
      const q = new WaitQueue();
      const waiter = { bitset, woken: false, wake: () => q.wake() };
      k.futexes.enqueue(kk, waiter);
      return k.sleep(proc, [q], () => (waiter.woken ? true : undefined), deadline).then((r) => {
        if (r === true) return 0n;
        k.futexes.remove(waiter);
        if (r === 'timeout') return err(E.ETIMEDOUT);
        return deadline === null ? ERESTARTSYS : err(E.EINTR);
      });
    }
    case FUTEX.WAKE: case FUTEX.WAKE_BITSET: {
      const bitset = cmd === FUTEX.WAKE_BITSET ? int(a[5]!) : -1;
      if (bitset === 0) return err(E.EINVAL);
      // Linux's futex_wake wakes at least one waiter, whatever the count says.
      return BigInt(k.futexes.wake(key(uaddr), Math.max(val, 1), bitset));
    }
    case FUTEX.REQUEUE: case FUTEX.CMP_REQUEUE: {
      const move = int(a[3]!), uaddr2 = num(a[4]!);
      if (val < 0 || move < 0) return err(E.EINVAL);
      if (cmd === FUTEX.CMP_REQUEUE && (proc.cpu.mem.readU32(uaddr) | 0) !== int(a[5]!)) return err(E.EAGAIN);
      return BigInt(k.futexes.requeue(key(uaddr), key(uaddr2), val, move));
    }
    case FUTEX.WAKE_OP: {
      const uaddr2 = num(a[4]!), encoded = int(a[5]!);
      const mem = proc.cpu.mem;
      const opcode = (encoded >>> 28) & 7, cmp = (encoded >>> 24) & 15;
      let oparg = (encoded << 8) >> 20;
      const cmparg = (encoded << 20) >> 20;
      if (encoded & (8 << 28)) oparg = 1 << (oparg & 31);
      const old = mem.readU32(uaddr2) | 0;
      const next = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][opcode];
      if (next === undefined) return err(E.ENOSYS);
      mem.writeU32(uaddr2, next >>> 0);
      let n = k.futexes.wake(key(uaddr), val);
      const test = [old === cmparg, old !== cmparg, old < cmparg, old <= cmparg, old > cmparg, old >= cmparg][cmp];
      if (test === undefined) return err(E.ENOSYS);
      if (test) n += k.futexes.wake(key(uaddr2), int(a[3]!));
      return BigInt(n);
    }
    default:
      return err(E.ENOSYS);
  }
}

const PR = { SET_PDEATHSIG: 1, GET_PDEATHSIG: 2, GET_DUMPABLE: 3, SET_DUMPABLE: 4, SET_NAME: 15, GET_NAME: 16, SET_NO_NEW_PRIVS: 38, GET_NO_NEW_PRIVS: 39 } as const;

/** prctl: the thread name (comm), dumpable, no_new_privs, the parent-death signal. */
function prctl({ proc }: SyscallCtx, a: bigint[]): bigint {
  const mem = proc.cpu.mem;
  switch (int(a[0]!)) {
    case PR.SET_NAME: {
      const name = mem.readCString(num(a[1]!), 4096) ?? '';
      proc.comm = Buffer.from(name, 'utf8').subarray(0, 15).toString('utf8');
      return 0n;
    }
    case PR.GET_NAME: {
      const b = new Uint8Array(16);
      b.set(Buffer.from(proc.comm, 'utf8').subarray(0, 15));
      mem.writeBytes(num(a[1]!), b);
      return 0n;
    }
    case PR.SET_PDEATHSIG: {
      const sig = int(a[1]!);
      if (sig < 0 || sig > 64) return err(E.EINVAL);
      proc.pdeathSignal = sig;
      return 0n;
    }
    case PR.GET_PDEATHSIG: mem.writeU32(num(a[1]!), proc.pdeathSignal); return 0n;
    case PR.GET_DUMPABLE: return 1n;
    case PR.SET_DUMPABLE: return int(a[1]!) === 0 || int(a[1]!) === 1 ? 0n : err(E.EINVAL);
    case PR.SET_NO_NEW_PRIVS: return a[1] === 1n ? 0n : err(E.EINVAL);
    case PR.GET_NO_NEW_PRIVS: return 1n;
    default: return err(E.EINVAL);
  }
}

export const processSyscalls: SyscallDef[] = [
  {
    name: 'exit', args: ['d'],
    handler: ({ proc, k }, a) => { k.exitThread(proc, { kind: 'exited', code: int(a[0]!) & 0xff }); return 0n; },
  },
  {
    name: 'exit_group', args: ['d'],
    handler: ({ proc, k }, a) => { k.terminate(proc, { kind: 'exited', code: int(a[0]!) & 0xff }); return 0n; },
  },
  {
    name: 'clone', args: ['x', 'p', 'p', 'p', 'p'],
    handler: (ctx, a) => {
      const flags = Number(BigInt.asUintN(32, a[0]!));
      // Generic order (flags, stack, parent_tid, tls, child_tid); x86_64 swaps the last two.
      const [tls, ctid] = ctx.k.arch.spec.name === 'x86_64' ? [a[4]!, a[3]!] : [a[3]!, a[4]!];
      return doClone(ctx, { flags: flags & ~0xff, exitSignal: flags & 0xff, stack: a[1]!, parentTid: a[2]!, childTid: ctid, tls });
    },
  },
  {
    name: 'clone3', args: ['p', 'u'],
    handler: (ctx, a) => {
      const size = num(a[1]!);
      if (size < 64) return err(E.EINVAL);
      const mem = ctx.proc.cpu.mem, p = num(a[0]!);
      const q = (i: number): bigint => mem.readU64(p + i * 8);
      const flags = Number(BigInt.asUintN(32, q(0)));
      const stack = q(5), stackSize = q(6);
      return doClone(ctx, {
        flags, exitSignal: Number(q(4)), stack: stack === 0n ? 0n : stack + stackSize,
        parentTid: q(3), childTid: q(2), tls: q(7),
      });
    },
  },
  {
    name: 'fork', args: [],
    handler: (ctx) => doClone(ctx, { flags: 0, exitSignal: 17, stack: 0n, parentTid: 0n, childTid: 0n, tls: 0n }),
  },
  {
    name: 'vfork', args: [],
    handler: (ctx) => doClone(ctx, { flags: CLONE.VM | CLONE.VFORK, exitSignal: 17, stack: 0n, parentTid: 0n, childTid: 0n, tls: 0n }),
  },
  {
    name: 'execve', args: ['s', 'p', 'p'],
    handler: (ctx, a) => execve(ctx, AT_FDCWD, a[0]!, a[1]!, a[2]!, 0),
  },
  {
    name: 'execveat', args: ['f', 's', 'p', 'p', 'x'],
    handler: (ctx, a) => execve(ctx, int(a[0]!), a[1]!, a[2]!, a[3]!, int(a[4]!)),
  },
  { name: 'wait4', args: ['d', 'p', 'x', 'p'], handler: wait4 },
  { name: 'waitid', args: ['d', 'd', 'p', 'x', 'p'], handler: waitid },
  { name: 'getpid', args: [], handler: ({ proc }) => BigInt(proc.pid) },
  { name: 'gettid', args: [], handler: ({ proc }) => BigInt(proc.tid) },
  { name: 'getppid', args: [], handler: ({ proc }) => BigInt(proc.ppid) },
  { name: 'getuid', args: [], handler: ({ k }) => BigInt(k.uid) },
  { name: 'geteuid', args: [], handler: ({ k }) => BigInt(k.uid) },
  { name: 'getgid', args: [], handler: ({ k }) => BigInt(k.gid) },
  { name: 'getegid', args: [], handler: ({ k }) => BigInt(k.gid) },
  {
    name: 'getresuid', args: ['p', 'p', 'p'],
    handler: ({ proc, k }, a) => { for (const p of a.slice(0, 3)) proc.cpu.mem.writeU32(num(p), k.uid); return 0n; },
  },
  {
    name: 'getresgid', args: ['p', 'p', 'p'],
    handler: ({ proc, k }, a) => { for (const p of a.slice(0, 3)) proc.cpu.mem.writeU32(num(p), k.gid); return 0n; },
  },
  { name: 'getgroups', args: ['d', 'p'], handler: () => 0n },
  {
    name: 'setuid', args: ['d'],
    handler: ({ k }, a) => (int(a[0]!) === k.uid ? 0n : err(E.EPERM)),
  },
  {
    name: 'setgid', args: ['d'],
    handler: ({ k }, a) => (int(a[0]!) === k.gid ? 0n : err(E.EPERM)),
  },
  // Credentials are the daemon's, one set for every process: a call that keeps them succeeds, one
  // that would change them is EPERM (as setuid above), even for root.
  { name: 'setreuid', args: ['d', 'd'], handler: ({ k }, a) => keepsIds(k.uid, a.slice(0, 2)) },
  { name: 'setregid', args: ['d', 'd'], handler: ({ k }, a) => keepsIds(k.gid, a.slice(0, 2)) },
  { name: 'setresuid', args: ['d', 'd', 'd'], handler: ({ k }, a) => keepsIds(k.uid, a.slice(0, 3)) },
  { name: 'setresgid', args: ['d', 'd', 'd'], handler: ({ k }, a) => keepsIds(k.gid, a.slice(0, 3)) },
  // setfsuid/setfsgid never fail: they return the previous id, which stays.
  { name: 'setfsuid', args: ['d'], handler: ({ k }) => BigInt(k.uid) },
  { name: 'setfsgid', args: ['d'], handler: ({ k }) => BigInt(k.gid) },
  {
    name: 'setgroups', args: ['d', 'p'],
    handler: ({ k }, a) => {
      const n = int(a[0]!);
      if (n < 0 || n > NGROUPS_MAX) return err(E.EINVAL);
      if (k.uid !== 0) return err(E.EPERM);
      // The supplementary list is empty (getgroups) and cannot be given members.
      return n === 0 ? 0n : err(E.EPERM);
    },
  },
  {
    name: 'getpgid', args: ['d'],
    handler: ({ proc, k }, a) => {
      const pid = int(a[0]!);
      const g = pid === 0 ? proc.group : k.groups.get(pid);
      return g ? BigInt(g.pgid) : err(E.ESRCH);
    },
  },
  {
    name: 'setpgid', args: ['d', 'd'],
    handler: ({ proc, k }, a) => {
      const pid = int(a[0]!), pgid = int(a[1]!);
      if (pgid < 0) return err(E.EINVAL);
      const g = pid === 0 ? proc.group : k.groups.get(pid);
      if (!g || (g !== proc.group && g.parent !== proc.group)) return err(E.ESRCH);
      if (g.pid === g.sid) return err(E.EPERM);
      g.pgid = pgid === 0 ? g.pid : pgid;
      return 0n;
    },
  },
  {
    name: 'getsid', args: ['d'],
    handler: ({ proc, k }, a) => {
      const pid = int(a[0]!);
      const g = pid === 0 ? proc.group : k.groups.get(pid);
      return g ? BigInt(g.sid) : err(E.ESRCH);
    },
  },
  {
    name: 'setsid', args: [],
    handler: ({ proc, k }) => {
      const g = proc.group;
      // A process group leader cannot start a session (another group would be left behind).
      if ([...k.groups.values()].some((x) => x.pgid === g.pid && x.alive)) {
        if (g.pgid === g.pid) return err(E.EPERM);
      }
      g.sid = g.pgid = g.pid;
      return BigInt(g.pid);
    },
  },
  {
    name: 'set_tid_address', args: ['p'],
    handler: ({ proc }, a) => { proc.clearChildTid = a[0]!; return BigInt(proc.tid); },
  },
  {
    name: 'set_robust_list', args: ['p', 'u'],
    handler: ({ proc }, a) => {
      if (a[1] !== 24n) return err(E.EINVAL);
      proc.robustList = a[0]!;
      return 0n;
    },
  },
  {
    name: 'get_robust_list', args: ['d', 'p', 'p'],
    handler: ({ proc, k }, a) => {
      const tid = int(a[0]!);
      const t = tid === 0 ? proc : k.findTask(tid);
      if (!t) return err(E.ESRCH);
      proc.cpu.mem.writeU64(num(a[1]!), t.robustList);
      proc.cpu.mem.writeU64(num(a[2]!), 24n);
      return 0n;
    },
  },
  { name: 'sched_yield', args: [], handler: () => 0n },
  { name: 'prctl', args: ['d', 'x', 'x', 'x', 'x'], handler: prctl },
  {
    name: 'sched_getscheduler', args: ['d'],
    handler: ({ k }, a) => (int(a[0]!) === 0 || k.findTask(int(a[0]!)) ? 0n : err(E.ESRCH)), // SCHED_OTHER
  },
  {
    name: 'sched_getparam', args: ['d', 'p'],
    handler: ({ proc, k }, a) => {
      if (int(a[0]!) !== 0 && !k.findTask(int(a[0]!))) return err(E.ESRCH);
      proc.cpu.mem.writeU32(num(a[1]!), 0); // sched_priority of SCHED_OTHER
      return 0n;
    },
  },
  {
    name: 'prlimit64', args: ['d', 'd', 'p', 'p'],
    handler: ({ proc, k }, a) => {
      const pid = int(a[0]!), resource = int(a[1]!), newp = num(a[2]!), oldp = num(a[3]!);
      if (pid !== 0 && !k.groups.has(pid)) return err(E.ESRCH);
      if (resource < 0 || resource >= RLIMIT_NLIMITS) return err(E.EINVAL);
      const mem = proc.cpu.mem;
      if (newp !== 0) {
        const soft = mem.readU64(newp), hard = mem.readU64(newp + 8);
        if (soft > hard) return err(E.EINVAL);
      }
      if (oldp !== 0) {
        const [soft, hard] = defaultLimit(resource);
        mem.writeU64(oldp, soft);
        mem.writeU64(oldp + 8, hard);
      }
      return 0n;
    },
  },
  {
    name: 'getrlimit', args: ['d', 'p'],
    handler: ({ proc }, a) => {
      const resource = int(a[0]!);
      if (resource < 0 || resource >= RLIMIT_NLIMITS) return err(E.EINVAL);
      const [soft, hard] = defaultLimit(resource);
      proc.cpu.mem.writeU64(num(a[1]!), soft);
      proc.cpu.mem.writeU64(num(a[1]!) + 8, hard);
      return 0n;
    },
  },
  { name: 'setrlimit', args: ['d', 'p'], handler: () => 0n },
  {
    name: 'getrusage', args: ['d', 'p'],
    handler: ({ proc }, a) => {
      const who = int(a[0]!);
      if (who !== 0 && who !== -1 && who !== 1) return err(E.EINVAL);
      const n = who === -1 ? proc.group.children.reduce((s, c) => s + c.deadInstret, 0) : who === 1 ? proc.cpu.instret : proc.group.instret;
      proc.cpu.mem.writeBytes(num(a[1]!), rusageOf(n));
      return 0n;
    },
  },
  {
    name: 'sched_getaffinity', args: ['d', 'u', 'p'],
    handler: ({ proc, k }, a) => {
      const pid = int(a[0]!), size = num(a[1]!), mask = num(a[2]!);
      if (pid !== 0 && !k.findTask(pid)) return err(E.ESRCH);
      if (size < 8 || size % 8 !== 0) return err(E.EINVAL);
      const b = new Uint8Array(8);
      b[0] = 1;
      proc.cpu.mem.writeBytes(mask, b);
      return 8n;
    },
  },
  {
    name: 'sched_setaffinity', args: ['d', 'u', 'p'],
    handler: ({ proc, k }, a) => {
      const pid = int(a[0]!);
      if (pid !== 0 && !k.findTask(pid)) return err(E.ESRCH);
      const first = proc.cpu.mem.readBytes(num(a[2]!), Math.min(num(a[1]!), 8));
      return first[0]! & 1 ? 0n : err(E.EINVAL);
    },
  },
  { name: 'futex', args: ['p', 'x', 'd', 'p', 'p', 'x'], handler: futex },
  {
    name: 'getrandom', args: ['p', 'u', 'x'],
    handler: ({ proc, k }, a) => {
      const buf = num(a[0]!), flags = int(a[2]!);
      if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return err(E.EINVAL);
      const len = Math.min(num(a[1]!), 33554431);
      const b = new Uint8Array(len);
      k.fillRandom(b);
      proc.cpu.mem.writeBytes(buf, b);
      return BigInt(len);
    },
  },
];
