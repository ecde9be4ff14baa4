/** brk, mmap, munmap, mprotect, madvise over the process's AddressSpace. */
import { E } from '../../errno';
import { MapError, PROT_EXEC, PROT_READ, PROT_WRITE, USER_TOP } from '../../mm/address-space';
import { err, int, num, type SyscallDef } from '../table';

const MAP_SHARED = 0x1, MAP_PRIVATE = 0x2, MAP_SHARED_VALIDATE = 0x3, MAP_TYPE = 0xf;
const MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
const MADV_DONTNEED = 4;
const PROT_ALL = PROT_READ | PROT_WRITE | PROT_EXEC;

export const memorySyscalls: SyscallDef[] = [
  {
    name: 'brk', args: ['p'], hexResult: true,
    handler: ({ proc }, a) => BigInt(proc.as.brk(num(a[0]!))),
  },
  {
    name: 'mmap', args: ['p', 'u', 'x', 'x', 'f', 'x'], hexResult: true,
    handler: ({ proc }, a) => {
      const as = proc.as, ps = as.pageSize;
      const addr = num(a[0]!), len = num(a[1]!), prot = int(a[2]!), flags = int(a[3]!), fd = int(a[4]!);
      const type = flags & MAP_TYPE;
      if (len === 0 || (type !== MAP_PRIVATE && type !== MAP_SHARED && type !== MAP_SHARED_VALIDATE)) return err(E.EINVAL);
      if (prot & ~PROT_ALL) return err(E.EINVAL);
      const size = Math.ceil(len / ps) * ps;
      if (!Number.isFinite(size) || size > USER_TOP) return err(E.ENOMEM);
      if (!(flags & MAP_ANONYMOUS)) {
        proc.fds.get(fd);
        return err(E.ENODEV);
      }
      const fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0;
      if (fixed && addr % ps !== 0) return err(E.EINVAL);
      let start: number | null;
      let searched = false;
      if (fixed) {
        if (addr + size > USER_TOP) return err(E.ENOMEM);
        if (flags & MAP_FIXED_NOREPLACE && !as.isFree(addr, addr + size)) return err(E.EEXIST); // even with MAP_FIXED too (do_mmap)
        start = addr;
      } else if (addr !== 0 && addr % ps === 0 && as.isFree(addr, addr + size)) {
        start = addr;
      } else {
        start = as.findFree(size);
        searched = true;
      }
      if (start === null) return err(E.ENOMEM);
      try {
        as.map({ start, end: start + size, prot, shared: type !== MAP_PRIVATE, file: null, name: '' });
      } catch (e) {
        if (e instanceof MapError) return err(E[e.errno]);
        throw e;
      }
      if (searched && start >= as.mmapBase) as.mmapNext = start + size;
      return BigInt(start);
    },
  },
  {
    name: 'munmap', args: ['p', 'u'],
    handler: ({ proc }, a) => {
      const addr = num(a[0]!), len = num(a[1]!), ps = proc.as.pageSize;
      if (addr % ps !== 0 || len === 0 || addr + len > USER_TOP) return err(E.EINVAL);
      proc.as.unmap(addr, Math.ceil(len / ps) * ps);
      return 0n;
    },
  },
  {
    name: 'mprotect', args: ['p', 'u', 'x'],
    handler: ({ proc }, a) => {
      const addr = num(a[0]!), len = num(a[1]!), prot = int(a[2]!), ps = proc.as.pageSize;
      if (addr % ps !== 0 || prot & ~PROT_ALL) return err(E.EINVAL);
      if (len === 0) return 0n;
      const size = Math.ceil(len / ps) * ps;
      if (addr + size > USER_TOP) return err(E.ENOMEM);
      try {
        return proc.as.protect(addr, size, prot) ? 0n : err(E.ENOMEM);
      } catch (e) {
        if (e instanceof MapError) return err(E[e.errno]);
        throw e;
      }
    },
  },
  {
    name: 'madvise', args: ['p', 'u', 'd'],
    handler: ({ proc }, a) => {
      const addr = num(a[0]!), len = num(a[1]!), advice = int(a[2]!), ps = proc.as.pageSize;
      if (addr % ps !== 0) return err(E.EINVAL);
      const size = Math.ceil(len / ps) * ps;
      if (advice === MADV_DONTNEED && size > 0) {
        if (!proc.as.discard(addr, size)) return err(E.ENOMEM);
      }
      return 0n;
    },
  },
];
