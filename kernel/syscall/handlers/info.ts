/** uname and the clocks. */
import { E } from '../../errno';
import { err, int, num, type SyscallCtx, type SyscallDef } from '../table';

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;
const NS = 1_000_000_000n;

function clockNs({ proc, k }: SyscallCtx, clock: number): bigint | null {
  switch (clock) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: return k.realtimeNs();
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME: return k.monotonicNs();
    case CLOCK_PROCESS_CPUTIME_ID: return k.cpuTimeNs(proc);
    case CLOCK_THREAD_CPUTIME_ID: return k.cpuTimeNs(proc, true);
    default: return null;
  }
}

function timespec(sec: bigint, nsec: bigint): Uint8Array {
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  dv.setBigInt64(0, sec, true);
  dv.setBigInt64(8, nsec, true);
  return b;
}

function utsField(s: string): Uint8Array {
  const b = new Uint8Array(65);
  b.set(Buffer.from(s.slice(0, 64), 'utf8').subarray(0, 64));
  return b;
}

export const infoSyscalls: SyscallDef[] = [
  {
    name: 'uname', args: ['p'],
    handler: ({ proc, k }, a) => {
      const fields = ['Linux', k.hostname, '6.1.0-runlinuxd', '#1 SMP PREEMPT_DYNAMIC', k.arch.spec.unameMachine, '(none)'];
      const b = new Uint8Array(65 * 6);
      fields.forEach((f, i) => b.set(utsField(f), i * 65));
      proc.cpu.mem.writeBytes(num(a[0]!), b);
      return 0n;
    },
  },
  {
    name: 'clock_gettime', args: ['d', 'p'],
    handler: (ctx, a) => {
      const ns = clockNs(ctx, int(a[0]!));
      if (ns === null) return err(E.EINVAL);
      ctx.proc.cpu.mem.writeBytes(num(a[1]!), timespec(ns / NS, ns % NS));
      return 0n;
    },
  },
  {
    name: 'clock_getres', args: ['d', 'p'],
    handler: (ctx, a) => {
      if (clockNs(ctx, int(a[0]!)) === null) return err(E.EINVAL);
      if (a[1] !== 0n) ctx.proc.cpu.mem.writeBytes(num(a[1]!), timespec(0n, 1n));
      return 0n;
    },
  },
  {
    name: 'gettimeofday', args: ['p', 'p'],
    handler: ({ proc, k }, a) => {
      const ns = k.realtimeNs();
      if (a[0] !== 0n) proc.cpu.mem.writeBytes(num(a[0]!), timespec(ns / NS, (ns % NS) / 1000n));
      if (a[1] !== 0n) proc.cpu.mem.writeBytes(num(a[1]!), new Uint8Array(8));
      return 0n;
    },
  },
  {
    name: 'nanosleep', args: ['p', 'p'],
    handler: (ctx, a) => sleepFor(ctx, CLOCK_MONOTONIC, 0, num(a[0]!), num(a[1]!)),
  },
  {
    name: 'clock_nanosleep', args: ['d', 'x', 'p', 'p'],
    handler: (ctx, a) => {
      const clock = int(a[0]!);
      if (clock === CLOCK_THREAD_CPUTIME_ID) return err(E.EINVAL);
      if (clockNs(ctx, clock) === null) return err(E.EINVAL);
      return sleepFor(ctx, clock, int(a[1]!), num(a[2]!), num(a[3]!));
    },
  },
  {
    name: 'times', args: ['p'],
    handler: ({ proc, k }, a) => {
      // clock ticks at USER_HZ = 100: user time from retired instructions (1 GHz).
      const ticks = (n: number): bigint => BigInt(Math.floor(n / 10_000_000));
      if (a[0] !== 0n) {
        const b = new Uint8Array(32), dv = new DataView(b.buffer);
        dv.setBigInt64(0, ticks(proc.group.instret), true);
        dv.setBigInt64(16, ticks(proc.group.children.reduce((s, c) => s + c.deadInstret, 0)), true);
        proc.cpu.mem.writeBytes(num(a[0]!), b);
      }
      return k.monotonicNs() / 10_000_000n;
    },
  },
];

const TIMER_ABSTIME = 1;

/**
 * nanosleep and clock_nanosleep: parks the task until the deadline; a signal ends it early with
 * EINTR and the time left in `rem` (relative sleeps only).
 */
function sleepFor(ctx: SyscallCtx, clock: number, flags: number, req: number, rem: number): bigint | Promise<bigint> {
  const { proc, k } = ctx;
  const mem = proc.cpu.mem;
  const sec = BigInt.asIntN(64, mem.readU64(req)), nsec = BigInt.asIntN(64, mem.readU64(req + 8));
  if (sec < 0n || nsec < 0n || nsec >= NS) return err(E.EINVAL);
  const t = sec * NS + nsec;
  const abs = (flags & TIMER_ABSTIME) !== 0;
  const now = clockNs(ctx, clock)!;
  // Deadlines live on the monotonic clock; an absolute time on another clock is shifted onto it.
  const deadline = k.monotonicNs() + (abs ? t - now : t);
  if (deadline <= k.monotonicNs()) return 0n;
  return k.sleep(proc, [], () => undefined, deadline).then((r) => {
    if (r === 'timeout') return 0n;
    if (!abs && rem !== 0) {
      const left = deadline - k.monotonicNs();
      mem.writeBytes(rem, timespec(left > 0n ? left / NS : 0n, left > 0n ? left % NS : 0n));
    }
    return err(E.EINTR);
  });
}
