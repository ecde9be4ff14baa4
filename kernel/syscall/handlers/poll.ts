/**
 * Waiting for readiness on several descriptors (Linux fs/select.c): ppoll, pselect6, and the
 * x86_64-only poll and select. One scan asks each file's poll() (the same question blocking I/O
 * and epoll ask); when nothing is ready the task sleeps on the scanned files' queues until a
 * rescan finds something, the deadline passes (one last scan, as do_poll makes) or a signal
 * arrives (-ERESTARTNOHAND: restarted only when no handler runs). The timeout is written back
 * with the time left (poll_select_finish), and the optional signal mask applies for the call
 * only (set_user_sigmask; see setTemporaryMask). epoll_pwait shares the wait and the mask.
 */
import { MemFault } from '../../../arch/common/memory';
import { E, SysError } from '../../errno';
import { NOFILE } from '../../fs/fdtable';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM } from '../../fs/poll';
import type { Process } from '../../task/process';
import { deliverable, restoreSavedMask, setTemporaryMask } from '../../task/signal';
import type { WaitQueue } from '../../task/wait';
import { err, ERESTARTNOHAND, int, num, type SyscallCtx, type SyscallDef } from '../table';

const NS = 1_000_000_000n;
const SIGSET_SIZE = 8n;

// ---- the parts poll, select and epoll share ----

/** A wait's end: the monotonic deadline (null: none) and whether it was zero (one scan only). */
export interface Deadline { at: bigint | null; zero: boolean }

export const FOREVER: Deadline = { at: null, zero: false };

type TimeFormat = 'timespec' | 'timeval';

/** poll_select_set_timeout: `sec`/`nsec` from now; EINVAL for a negative or unnormalised time. */
export function deadlineIn(ctx: SyscallCtx, sec: bigint, nsec: bigint): Deadline {
  if (sec < 0n || nsec < 0n || nsec >= NS) throw new SysError(E.EINVAL);
  const now = ctx.k.monotonicNs();
  return sec === 0n && nsec === 0n ? { at: now, zero: true } : { at: now + sec * NS + nsec, zero: false };
}

/** A user timespec or timeval at `addr` as a deadline (0: wait forever). select's timeval
 *  carries whole seconds of tv_usec over instead of refusing them, as Linux does. */
export function readDeadline(ctx: SyscallCtx, addr: number, format: TimeFormat): Deadline {
  if (addr === 0) return FOREVER;
  const mem = ctx.proc.cpu.mem;
  const sec = BigInt.asIntN(64, mem.readU64(addr)), sub = BigInt.asIntN(64, mem.readU64(addr + 8));
  if (format === 'timespec') return deadlineIn(ctx, sec, sub);
  return deadlineIn(ctx, sec + sub / 1_000_000n, (sub % 1_000_000n) * 1000n);
}

/** A millisecond timeout (poll, epoll_wait): negative waits forever. */
export function msDeadline(ctx: SyscallCtx, ms: number): Deadline {
  if (ms < 0) return FOREVER;
  return deadlineIn(ctx, BigInt(Math.floor(ms / 1000)), BigInt(ms % 1000) * 1_000_000n);
}

/**
 * set_user_sigmask: with a mask, it is blocked for the call (EINVAL unless `size` is the
 * kernel's sigset size). Returns whether one was set.
 */
export function setUserSigmask(ctx: SyscallCtx, addr: number, size: bigint): boolean {
  if (addr === 0) return false;
  if (size !== SIGSET_SIZE) throw new SysError(E.EINVAL);
  setTemporaryMask(ctx.proc, ctx.proc.cpu.mem.readU64(addr));
  return true;
}

/**
 * restore_saved_sigmask_unless: the old mask comes back now unless a signal ended the wait
 * (its handler's frame keeps the old mask for sigreturn).
 */
export function restoreSigmaskUnless(proc: Process, interrupted: boolean): void {
  if (!interrupted) restoreSavedMask(proc);
}

/** How a wait ended: the scan's result, the deadline, or a signal. */
export type WaitOutcome<T> = T | 'timeout' | 'interrupted';

/**
 * The wait loop of do_poll, do_select and ep_poll. `scan` answers a result when something is
 * ready and adds the queues to sleep on to its argument. A signal that can be delivered ends a
 * fruitless wait before a zero timeout does (poll, select) unless `zeroFirst` (epoll_wait).
 */
export function waitReady<T>(
  ctx: SyscallCtx, scan: (queues: WaitQueue[]) => T | undefined, d: Deadline, zeroFirst = false,
): WaitOutcome<T> | Promise<WaitOutcome<T>> {
  const queues: WaitQueue[] = [];
  const first = scan(queues);
  if (first !== undefined) return first;
  if (d.zero && zeroFirst) return 'timeout';
  if (deliverable(ctx.proc) !== 0n) return 'interrupted';
  if (d.zero) return 'timeout';
  const again = (): T | undefined => scan([]);
  return ctx.k.sleep(ctx.proc, queues, again, d.at).then((r) => (r === 'timeout' ? again() ?? 'timeout' : r));
}

/** Runs `then` on a result that may still be on its way. */
function settle<T>(r: T | Promise<T>, then: (v: T) => bigint): bigint | Promise<bigint> {
  return r instanceof Promise ? r.then(then) : then(r);
}

/**
 * poll_select_finish: the temporary mask goes unless interrupted, and a non-zero timeout is
 * updated with the time left. A timeout that cannot be written turns a restart into EINTR.
 */
function finish(ctx: SyscallCtx, ret: bigint, tsp: number, format: TimeFormat, d: Deadline): bigint {
  restoreSigmaskUnless(ctx.proc, ret === ERESTARTNOHAND);
  if (tsp === 0 || d.zero || d.at === null) return ret;
  const now = ctx.k.monotonicNs();
  const left = d.at > now ? d.at - now : 0n;
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  dv.setBigInt64(0, left / NS, true);
  dv.setBigInt64(8, format === 'timeval' ? (left % NS) / 1000n : left % NS, true);
  try {
    ctx.proc.cpu.mem.writeBytes(tsp, b);
  } catch (e) {
    if (!(e instanceof MemFault)) throw e;
    return ret === ERESTARTNOHAND ? err(E.EINTR) : ret;
  }
  return ret;
}

/** One descriptor's poll() mask (null: not open); its queue joins `queues`. */
function pollFd(p: Process, fd: number, queues: WaitQueue[]): number | null {
  if (!p.fds.has(fd)) return null;
  const r = p.fds.get(fd).poll();
  if (r.queue) queues.push(r.queue);
  return r.events;
}

// ---- poll ----

interface PollFd { fd: number; events: number }

/** do_poll: revents per entry (POLLERR and POLLHUP whether asked for or not, POLLNVAL for a
 *  descriptor not open), or undefined when none is ready. */
function pollScan(p: Process, fds: PollFd[], queues: WaitQueue[]): number[] | undefined {
  let ready = 0;
  const revents = fds.map(({ fd, events }) => {
    if (fd < 0) return 0;
    const m = pollFd(p, fd, queues);
    const r = m === null ? POLLNVAL : m & (events | POLLERR | POLLHUP);
    if (r) ready++;
    return r;
  });
  return ready > 0 ? revents : undefined;
}

/** do_sys_poll: EINVAL past RLIMIT_NOFILE; revents written back, the count of ready entries. */
function doPoll(ctx: SyscallCtx, addr: number, n: number, d: Deadline): bigint | Promise<bigint> {
  if (n > NOFILE) return err(E.EINVAL);
  const mem = ctx.proc.cpu.mem;
  const fds: PollFd[] = [];
  for (let i = 0; i < n; i++) fds.push({ fd: mem.readU32(addr + i * 8) | 0, events: mem.readU32(addr + i * 8 + 4) & 0xffff });
  return settle(waitReady(ctx, (q) => pollScan(ctx.proc, fds, q), d), (r) => {
    if (r === 'interrupted') return ERESTARTNOHAND;
    const revents = r === 'timeout' ? fds.map(() => 0) : r;
    revents.forEach((v, i) => mem.writeU16(addr + i * 8 + 6, v));
    return BigInt(revents.filter((v) => v !== 0).length);
  });
}

function ppoll(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const tsp = num(a[2]!);
  const d = readDeadline(ctx, tsp, 'timespec');
  setUserSigmask(ctx, num(a[3]!), a[4]!);
  let r: bigint | Promise<bigint>;
  try {
    r = doPoll(ctx, num(a[0]!), num(a[1]!), d);
  } catch (e) {
    restoreSavedMask(ctx.proc);
    throw e;
  }
  return settle(r, (ret) => finish(ctx, ret, tsp, 'timespec', d));
}

// ---- select ----

/** What select counts as ready for reading, writing and exceptions (fs/select.c). */
const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;
const SELECT_SETS = [POLLIN_SET, POLLOUT_SET, POLLEX_SET];

/**
 * The fd table's size as Linux's fdtable max_fds would be: BITS_PER_LONG at first, grown in
 * steps of powers of two times 128 (expand_fdtable). select ignores bits at or above it.
 */
function maxFds(p: Process): number {
  const top = p.fds.list().at(-1) ?? 0;
  if (top < 64) return 64;
  let n = 1;
  while (n < Math.floor(top / 128) + 1) n *= 2;
  return n * 128;
}

/** An fd_set of `n` bits read as whole longs, as get_fd_set does (null pointer: no set). */
function readFdSet(ctx: SyscallCtx, addr: number, n: number): Uint8Array | null {
  return addr === 0 ? null : ctx.proc.cpu.mem.readBytes(addr, Math.ceil(n / 64) * 8);
}

const bit = (set: Uint8Array | null, fd: number): boolean => set !== null && (set[fd >> 3]! & (1 << (fd & 7))) !== 0;

/**
 * core_sys_select: EINVAL for n < 0, n clamped to the table's size, EBADF for a set bit on a
 * descriptor that is not open (max_select_fd, before any wait); the sets come back with the
 * ready bits only and the result counts every bit set.
 */
function doSelect(ctx: SyscallCtx, n: number, addrs: number[], d: Deadline): bigint | Promise<bigint> {
  if (n < 0) return err(E.EINVAL);
  const p = ctx.proc;
  n = Math.min(n, maxFds(p));
  const sets = addrs.map((addr) => readFdSet(ctx, addr, n));
  const watched: number[] = [];
  for (let fd = 0; fd < n; fd++) {
    if (!sets.some((s) => bit(s, fd))) continue;
    if (!p.fds.has(fd)) return err(E.EBADF);
    watched.push(fd);
  }
  const scan = (queues: WaitQueue[]): Uint8Array[] | undefined => {
    const out = sets.map((s) => new Uint8Array(s?.length ?? 0));
    let ready = 0;
    for (const fd of watched) {
      const m = pollFd(p, fd, queues) ?? 0;
      sets.forEach((s, i) => {
        if (bit(s, fd) && m & SELECT_SETS[i]!) { out[i]![fd >> 3]! |= 1 << (fd & 7); ready++; }
      });
    }
    return ready > 0 ? out : undefined;
  };
  return settle(waitReady(ctx, scan, d), (r) => {
    if (r === 'interrupted') return ERESTARTNOHAND;
    const out = r === 'timeout' ? sets.map((s) => new Uint8Array(s?.length ?? 0)) : r;
    let count = 0;
    addrs.forEach((addr, i) => {
      if (addr === 0) return;
      p.cpu.mem.writeBytes(addr, out[i]!);
      for (const b of out[i]!) for (let x = b; x; x &= x - 1) count++;
    });
    return BigInt(count);
  });
}

function selectWith(ctx: SyscallCtx, a: bigint[], tsp: number, format: TimeFormat, maskArg: number): bigint | Promise<bigint> {
  const d = readDeadline(ctx, tsp, format);
  if (maskArg !== 0) {
    // pselect6's sixth argument: { const sigset_t *ss; size_t ss_len; }.
    const mem = ctx.proc.cpu.mem;
    setUserSigmask(ctx, num(mem.readU64(maskArg)), mem.readU64(maskArg + 8));
  }
  let r: bigint | Promise<bigint>;
  try {
    r = doSelect(ctx, int(a[0]!), [num(a[1]!), num(a[2]!), num(a[3]!)], d);
  } catch (e) {
    restoreSavedMask(ctx.proc);
    throw e;
  }
  return settle(r, (ret) => finish(ctx, ret, tsp, format, d));
}

export const pollSyscalls: SyscallDef[] = [
  { name: 'ppoll', args: ['p', 'u', 'p', 'p', 'u'], handler: ppoll },
  {
    name: 'poll', args: ['p', 'u', 'd'],
    handler: (ctx, a) => doPoll(ctx, num(a[0]!), num(a[1]!), msDeadline(ctx, int(a[2]!))),
  },
  { name: 'pselect6', args: ['d', 'p', 'p', 'p', 'p', 'p'], handler: (ctx, a) => selectWith(ctx, a, num(a[4]!), 'timespec', num(a[5]!)) },
  { name: 'select', args: ['d', 'p', 'p', 'p', 'p'], handler: (ctx, a) => selectWith(ctx, a, num(a[4]!), 'timeval', 0) },
];
