/** Process identity, exit, limits and per-thread registrations. */
import { E } from '../../errno';
import { err, int, num, type SyscallDef } from '../table';

const RLIM_INFINITY = (1n << 64n) - 1n;
const RLIMIT_STACK = 3, RLIMIT_NOFILE = 7, RLIMIT_NLIMITS = 16;
const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

/** Default limits as a fresh Linux login sees them: [soft, hard]. */
function defaultLimit(resource: number): [bigint, bigint] {
  if (resource === RLIMIT_STACK) return [8n << 20n, RLIM_INFINITY];
  if (resource === RLIMIT_NOFILE) return [1024n, 4096n];
  return [RLIM_INFINITY, RLIM_INFINITY];
}

export const processSyscalls: SyscallDef[] = [
  {
    name: 'exit', args: ['d'],
    handler: ({ proc, k }, a) => { k.terminate(proc, { kind: 'exited', code: int(a[0]!) & 0xff }); return 0n; },
  },
  {
    name: 'exit_group', args: ['d'],
    handler: ({ proc, k }, a) => { k.terminate(proc, { kind: 'exited', code: int(a[0]!) & 0xff }); return 0n; },
  },
  { name: 'getpid', args: [], handler: ({ proc }) => BigInt(proc.pid) },
  { name: 'gettid', args: [], handler: ({ proc }) => BigInt(proc.tid) },
  { name: 'getppid', args: [], handler: ({ proc }) => BigInt(proc.ppid) },
  { name: 'getuid', args: [], handler: ({ k }) => BigInt(k.uid) },
  { name: 'geteuid', args: [], handler: ({ k }) => BigInt(k.uid) },
  { name: 'getgid', args: [], handler: ({ k }) => BigInt(k.gid) },
  { name: 'getegid', args: [], handler: ({ k }) => BigInt(k.gid) },
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
    name: 'prlimit64', args: ['d', 'd', 'p', 'p'],
    handler: ({ proc }, a) => {
      const pid = int(a[0]!), resource = int(a[1]!), newp = num(a[2]!), oldp = num(a[3]!);
      if (pid !== 0 && pid !== proc.pid) return err(E.ESRCH);
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
    name: 'sched_getaffinity', args: ['d', 'u', 'p'],
    handler: ({ proc }, a) => {
      const pid = int(a[0]!), size = num(a[1]!), mask = num(a[2]!);
      if (pid !== 0 && pid !== proc.pid) return err(E.ESRCH);
      if (size < 8 || size % 8 !== 0) return err(E.EINVAL);
      const b = new Uint8Array(8);
      b[0] = 1;
      proc.cpu.mem.writeBytes(mask, b);
      return 8n;
    },
  },
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
