/** Waiting for readiness on several files: ppoll. */
import type { Process } from '../../task/process';
import type { WaitQueue } from '../../task/wait';
import { E } from '../../errno';
import { NOFILE } from '../../fs/fdtable';
import { POLLERR, POLLHUP, POLLNVAL } from '../../fs/poll';
import { err, num, type SyscallCtx, type SyscallDef } from '../table';

interface PollFd { fd: number; events: number }

/** revents for each entry, and the queues to sleep on when none is ready. POLLERR and POLLHUP
 *  are reported whether asked for or not, as Linux does. */
function pollOnce(p: Process, fds: PollFd[]): { revents: number[]; ready: number; queues: WaitQueue[] } {
  const queues: WaitQueue[] = [];
  let ready = 0;
  const revents = fds.map(({ fd, events }) => {
    if (fd < 0) return 0;
    if (!p.fds.has(fd)) { ready++; return POLLNVAL; }
    const s = p.fds.get(fd).poll();
    const r = s.events & (events | POLLERR | POLLHUP);
    if (r) ready++;
    else if (s.queue) queues.push(s.queue);
    return r;
  });
  return { revents, ready, queues };
}

function ppoll(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const mem = ctx.proc.cpu.mem;
  const addr = num(a[0]!), n = num(a[1]!), tsp = num(a[2]!);
  if (n > NOFILE) return err(E.EINVAL);
  const fds: PollFd[] = [];
  for (let i = 0; i < n; i++) fds.push({ fd: mem.readU32(addr + i * 8) | 0, events: mem.readU32(addr + i * 8 + 4) & 0xffff });
  let deadline: bigint | null = null;
  if (tsp !== 0) {
    const sec = BigInt.asIntN(64, mem.readU64(tsp)), nsec = BigInt.asIntN(64, mem.readU64(tsp + 8));
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return err(E.EINVAL);
    deadline = ctx.k.monotonicNs() + sec * 1_000_000_000n + nsec;
  }
  const store = (revents: number[]): void => {
    revents.forEach((r, i) => mem.writeU16(addr + i * 8 + 6, r));
  };
  const first = pollOnce(ctx.proc, fds);
  if (first.ready > 0 || deadline === ctx.k.monotonicNs()) { store(first.revents); return BigInt(first.ready); }
  return ctx.k.sleep(ctx.proc, first.queues, () => {
    const r = pollOnce(ctx.proc, fds);
    return r.ready > 0 ? r : undefined;
  }, deadline).then((r) => {
    if (r === 'interrupted') return err(E.EINTR);
    if (r === 'timeout') { store(fds.map(() => 0)); return 0n; }
    store(r.revents);
    return BigInt(r.ready);
  });
}

export const pollSyscalls: SyscallDef[] = [
  { name: 'ppoll', args: ['p', 'u', 'p', 'p', 'u'], handler: ppoll },
];
