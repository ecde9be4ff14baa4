/**
 * The wait syscalls through a deterministic kernel (handlers called directly on a spawned
 * process's memory): select/pselect6 fd_sets, EBADF/EINVAL, the time left written back,
 * ppoll/pselect6/epoll_pwait's temporary signal mask (kept for the handler when a signal ends
 * the wait, restored at once otherwise), epoll_event's layout, wakes of sleeping calls, and the
 * argument checks of eventfd2, timerfd_* and signalfd4.
 */
import test from 'ava';
import { aarch64 } from '../../arch/aarch64';
import { InputFile, OutputFile } from '../../kernel/fs/stdio';
import { TmpFileSystem } from '../../kernel/fs/tmpfs';
import { Vfs } from '../../kernel/fs/vfs';
import { Kernel } from '../../kernel/kernel';
import { E, SysError } from '../../kernel/errno';
import { SIG } from '../../kernel/signals';
import { ALL_SYSCALLS } from '../../kernel/syscall/dispatch';
import { ERESTARTNOHAND, type SyscallCtx } from '../../kernel/syscall/table';
import { SI, sigbit } from '../../kernel/task/signal';
import { fixtureBytes } from './_helpers';

const USR1 = sigbit(SIG.SIGUSR1);
const POLLIN = 1, POLLOUT = 4, EPOLLET = 1 << 31;

function setup() {
  const sink = { isTty: false, write: () => {} };
  const k = new Kernel({
    arch: aarch64, ram: new ArrayBuffer(32 << 20), reservedBytes: 0, deterministic: true,
    log: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} },
    vfs: new Vfs(new TmpFileSystem({ dev: 1, clock: () => 0n })),
    stdio: [new InputFile('stdin', { isTty: false, read: () => Promise.resolve(0) }), new OutputFile('stdout', sink), new OutputFile('stderr', sink)],
  });
  const proc = k.spawn('/bin/hello', fixtureBytes('aarch64', 'hello'), ['/bin/hello'], []);
  const ctx: SyscallCtx = { proc, k };
  const call = (name: string, ...args: Array<number | bigint>): bigint | Promise<bigint> => {
    const def = ALL_SYSCALLS.find((d) => d.name === name);
    if (!def) throw new Error(`no ${name}`);
    // As the kernel's invoke: a SysError thrown by a handler is its -errno.
    const errno = (e: unknown): bigint => { if (e instanceof SysError) return BigInt(-e.errno); throw e; };
    try {
      const r = def.handler(ctx, [...args, 0, 0, 0, 0, 0, 0].slice(0, 6).map((v) => BigInt.asUintN(64, BigInt(v))));
      return typeof r === 'bigint' ? r : r.catch(errno);
    } catch (e) {
      return errno(e);
    }
  };
  const sync = (name: string, ...args: Array<number | bigint>): bigint => {
    const r = call(name, ...args);
    if (typeof r !== 'bigint') throw new Error(`${name} blocked`);
    return BigInt.asIntN(64, r);
  };
  const mem = proc.cpu.mem;
  const scratch = Number(sync('mmap', 0, 1 << 16, 3, 0x22, -1, 0));
  let next = scratch;
  const alloc = (n: number): number => { const a = next; next += (n + 15) & ~15; return a; };
  const pipe = (): [number, number] => {
    const a = alloc(8);
    sync('pipe2', a, 0);
    return [mem.readU32(a), mem.readU32(a + 4)];
  };
  const u64s = (...v: bigint[]): number => {
    const a = alloc(8 * v.length);
    v.forEach((x, i) => mem.writeU64(a + 8 * i, x));
    return a;
  };
  const fdset = (...fds: number[]): number => u64s(fds.reduce((m, fd) => m | (1n << BigInt(fd)), 0n));
  const write = (fd: number, s: string): void => { const a = alloc(s.length); mem.writeBytes(a, Buffer.from(s)); sync('write', fd, a, s.length); };
  return { k, proc, mem, call, sync, alloc, pipe, u64s, fdset, write };
}

test('select: ready bits written back and counted; EBADF, EINVAL; n clamped to the table', (t) => {
  const s = setup();
  const [r, w] = s.pipe();
  const zero = s.u64s(0n, 0n);
  const rs = s.fdset(r), ws = s.fdset(r, w);
  t.is(s.sync('pselect6', w + 1, rs, ws, 0, zero, 0), 1n);
  t.is(s.mem.readU64(rs), 0n);
  t.is(s.mem.readU64(ws), 1n << BigInt(w));
  s.write(w, 'x');
  const rs2 = s.fdset(r), ws2 = s.fdset(w);
  t.is(s.sync('pselect6', 1024, rs2, ws2, 0, zero, 0), 2n, 'nfds beyond the table is clamped');
  t.is(s.mem.readU64(rs2), 1n << BigInt(r));
  t.is(s.sync('pselect6', -1, 0, 0, 0, zero, 0), -BigInt(E.EINVAL));
  t.is(s.sync('pselect6', 20, s.fdset(r, 19), 0, 0, zero, 0), -BigInt(E.EBADF));
  t.is(s.sync('pselect6', 20, s.fdset(r), 0, 0, s.u64s(0n, 1_000_000_000n), 0), -BigInt(E.EINVAL));
});

test('pselect6 sleeps until a write and writes back the time left; a timeout leaves 0', async (t) => {
  const s = setup();
  const [r, w] = s.pipe();
  const ts = s.u64s(5n, 0n), rs = s.fdset(r);
  const p = s.call('pselect6', r + 1, rs, 0, 0, ts, 0);
  t.true(p instanceof Promise);
  s.write(w, 'x');
  t.is(await p, 1n);
  const left = s.mem.readU64(ts) * 1_000_000_000n + s.mem.readU64(ts + 8);
  t.true(left > 4_900_000_000n && left <= 5_000_000_000n, `${left}`);
  const [r2] = s.pipe();
  const ts2 = s.u64s(0n, 20_000_000n);
  const q = s.call('pselect6', r2 + 1, s.fdset(r2), 0, 0, ts2, 0);
  s.k.timers.advance(true);
  t.is(await q, 0n);
  t.deepEqual([s.mem.readU64(ts2), s.mem.readU64(ts2 + 8)], [0n, 0n]);
});

test('ppoll/pselect6 mask: a signal it unblocks ends the wait and the old mask waits for the handler', (t) => {
  const s = setup();
  const [r] = s.pipe();
  s.proc.sigmask = USR1;
  s.k.signalTask(s.proc, { signo: SIG.SIGUSR1, errno: 0, code: SI.TKILL, pid: 1, uid: 0 });
  const empty = s.u64s(0n);
  const pfd = s.alloc(8);
  s.mem.writeU32(pfd, r);
  s.mem.writeU32(pfd + 4, POLLIN);
  t.is(s.sync('ppoll', pfd, 1, 0, empty, 8), ERESTARTNOHAND);
  t.is(s.proc.sigmask, 0n, 'the temporary mask stays for delivery');
  t.is(s.proc.signals.savedMask, USR1);
  s.proc.sigmask = USR1;
  s.proc.signals.savedMask = null;
  t.is(s.sync('pselect6', r + 1, s.fdset(r), 0, 0, 0, s.u64s(BigInt(empty), 8n)), ERESTARTNOHAND);
  t.is(s.proc.signals.savedMask as bigint | null, USR1);
  s.proc.sigmask = USR1;
  s.proc.signals.savedMask = null;
  t.is(s.sync('ppoll', pfd, 1, 0, empty, 4), -BigInt(E.EINVAL), 'sigsetsize must be 8');
  t.is(s.proc.sigmask, USR1);
});

test('ppoll/epoll_pwait mask: when something is ready at once the old mask is back and the signal stays pending', (t) => {
  const s = setup();
  const [r, w] = s.pipe();
  s.write(w, 'x');
  s.proc.sigmask = USR1;
  s.k.signalTask(s.proc, { signo: SIG.SIGUSR1, errno: 0, code: SI.TKILL, pid: 1, uid: 0 });
  const empty = s.u64s(0n);
  const pfd = s.alloc(8);
  s.mem.writeU32(pfd, r);
  s.mem.writeU32(pfd + 4, POLLIN | POLLOUT);
  t.is(s.sync('ppoll', pfd, 1, 0, empty, 8), 1n);
  t.is(s.mem.readU32(pfd + 4) >>> 16, POLLIN);
  t.is(s.proc.sigmask, USR1);
  t.is(s.proc.signals.savedMask, null);
  t.is(s.proc.signals.pending.set, USR1);
  const ep = Number(s.sync('epoll_create1', 0));
  const [r2] = s.pipe();
  const evp = s.alloc(16);
  s.mem.writeU32(evp, POLLIN);
  s.mem.writeU64(evp + 8, 0x1122334455667788n);
  t.is(s.sync('epoll_ctl', ep, 1, r2, evp), 0n);
  const out = s.alloc(32);
  t.is(s.sync('epoll_pwait', ep, out, 2, 0, empty, 8), 0n, 'a zero timeout answers before the signal');
  t.is(s.proc.sigmask, USR1);
  t.is(s.sync('epoll_pwait', ep, out, 2, -1, empty, 8), -BigInt(E.EINTR));
  t.is(s.proc.signals.savedMask, USR1);
});

test('epoll_pwait: struct epoll_event is 16 bytes on aarch64; a sleeping wait is woken by a write', async (t) => {
  const s = setup();
  const [r, w] = s.pipe();
  const ep = Number(s.sync('epoll_create1', 0o2000000));
  const evp = s.alloc(16);
  s.mem.writeU32(evp, POLLIN | EPOLLET);
  s.mem.writeU64(evp + 8, 0xfeedn);
  t.is(s.sync('epoll_ctl', ep, 1, r, evp), 0n);
  t.is(s.sync('epoll_ctl', r, 1, w, evp), -BigInt(E.EINVAL), 'not an epoll');
  t.is(s.sync('epoll_pwait', ep, s.alloc(16), 0, 0, 0, 0), -BigInt(E.EINVAL));
  const out = s.alloc(48);
  const p = s.call('epoll_pwait', ep, out, 3, -1, 0, 8);
  t.true(p instanceof Promise);
  s.write(w, 'x');
  t.is(await p, 1n);
  t.is(s.mem.readU32(out), POLLIN);
  t.is(s.mem.readU64(out + 8), 0xfeedn);
});

test('eventfd2, timerfd and signalfd4 argument checks', (t) => {
  const s = setup();
  t.is(s.sync('eventfd2', 0, 0x10), -BigInt(E.EINVAL));
  const e = Number(s.sync('eventfd2', 7, 0o4000));
  const buf = s.alloc(8);
  t.is(s.sync('read', e, buf, 8), 8n);
  t.is(s.mem.readU64(buf), 7n);
  t.is(s.sync('read', e, buf, 8), -BigInt(E.EAGAIN));
  t.is(s.sync('timerfd_create', 3, 0), -BigInt(E.EINVAL));
  t.is(s.sync('timerfd_create', 1, 1), -BigInt(E.EINVAL));
  const tfd = Number(s.sync('timerfd_create', 1, 0));
  const its = s.u64s(0n, 10_000_000n, 0n, 1_000_000_000n);
  t.is(s.sync('timerfd_settime', tfd, 0, its, 0), -BigInt(E.EINVAL));
  t.is(s.sync('timerfd_settime', e, 0, s.u64s(0n, 0n, 0n, 1n), 0), -BigInt(E.EINVAL), 'not a timerfd');
  t.is(s.sync('timerfd_settime', tfd, 0, s.u64s(0n, 10_000_000n, 1n, 0n), 0), 0n);
  const cur = s.alloc(32);
  t.is(s.sync('timerfd_gettime', tfd, cur), 0n);
  t.deepEqual([s.mem.readU64(cur), s.mem.readU64(cur + 8)], [0n, 10_000_000n], 'it_interval first');
  const left = s.mem.readU64(cur + 16) * 1_000_000_000n + s.mem.readU64(cur + 24);
  t.true(left > 999_000_000n && left <= 1_000_000_000n, `${left}`);
  const mask = s.u64s(USR1);
  t.is(s.sync('signalfd4', -1, mask, 4, 0), -BigInt(E.EINVAL));
  t.is(s.sync('signalfd4', -1, mask, 8, 1), -BigInt(E.EINVAL));
  t.is(s.sync('signalfd4', e, mask, 8, 0), -BigInt(E.EINVAL));
  const sfd = Number(s.sync('signalfd4', -1, mask, 8, 0o4000));
  t.is(s.sync('signalfd4', sfd, mask, 8, 0), BigInt(sfd));
});
