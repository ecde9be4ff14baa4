/** rt_sigaction and rt_sigprocmask: the signal dispositions and mask of the process. */
import { E } from '../../errno';
import { NSIG, SIG } from '../../signals';
import { err, int, num, type SyscallDef } from '../table';

const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
/** SIGKILL and SIGSTOP can be neither caught nor blocked. */
const UNBLOCKABLE = (1n << BigInt(SIG.SIGKILL - 1)) | (1n << BigInt(SIG.SIGSTOP - 1));

export const signalSyscalls: SyscallDef[] = [
  {
    name: 'rt_sigaction', args: ['S', 'p', 'p', 'u'],
    handler: ({ proc, k }, a) => {
      const sig = int(a[0]!), act = num(a[1]!), old = num(a[2]!);
      if (a[3] !== 8n || sig < 1 || sig > NSIG) return err(E.EINVAL);
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
        proc.sigactions[sig] = {
          handler: dv.getBigUint64(0, true),
          flags: dv.getBigUint64(8, true),
          restorer: restorer ? dv.getBigUint64(16, true) : 0n,
          mask: dv.getBigUint64(restorer ? 24 : 16, true) & ~UNBLOCKABLE,
        };
      }
      return 0n;
    },
  },
  {
    name: 'rt_sigprocmask', args: ['d', 'p', 'p', 'u'],
    handler: ({ proc }, a) => {
      const how = int(a[0]!), set = num(a[1]!), old = num(a[2]!);
      if (a[3] !== 8n) return err(E.EINVAL);
      const mem = proc.cpu.mem;
      const next = set !== 0 ? mem.readU64(set) : null;
      if (next !== null && how !== SIG_BLOCK && how !== SIG_UNBLOCK && how !== SIG_SETMASK) return err(E.EINVAL);
      if (old !== 0) mem.writeU64(old, proc.sigmask);
      if (next !== null) {
        const m = how === SIG_BLOCK ? proc.sigmask | next : how === SIG_UNBLOCK ? proc.sigmask & ~next : next;
        proc.sigmask = m & ~UNBLOCKABLE;
      }
      return 0n;
    },
  },
];
