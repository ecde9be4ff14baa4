/** brk, mmap (anonymous and of files), munmap, mremap, mprotect, madvise, msync. */
import { E } from '../../errno';
import { InodeFile } from '../../fs/file';
import { S_IFCHR, S_IFMT, S_IFREG } from '../../fs/inode';
import { MapError, PROT_EXEC, PROT_READ, PROT_WRITE, USER_TOP, type VmaFile } from '../../mm/address-space';
import { MappedFile } from '../../mm/mapped-file';
import { err, int, num, type SyscallCtx, type SyscallDef } from '../table';

const MAP_SHARED = 0x1, MAP_PRIVATE = 0x2, MAP_SHARED_VALIDATE = 0x3, MAP_TYPE = 0xf;
const MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
const MADV_DONTNEED = 4;
/** Advice values Linux 6.1 accepts (others: EINVAL); only DONTNEED changes what memory holds. */
const KNOWN_ADVICE = new Set([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
/** Device number of /dev/zero (1:5): mapping it is anonymous memory. */
const DEV_ZERO = (1 << 8) | 5;
const MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;

/** Runs an address-space change; a MapError becomes its -errno. */
function mapErrors<T>(f: () => T): T | bigint {
  try {
    return f();
  } catch (e) {
    if (e instanceof MapError) return err(E[e.errno]);
    throw e;
  }
}

/**
 * What a file descriptor maps: a regular file's pages (EACCES unless opened for reading, and
 * for writing too when MAP_SHARED and PROT_WRITE), or nothing for /dev/zero (anonymous).
 */
function fileMapping(ctx: SyscallCtx, fd: number, offset: number, prot: number, shared: boolean): VmaFile | null {
  const f = ctx.proc.fds.get(fd);
  const st = f.stat(), type = st.mode & S_IFMT;
  if (type === S_IFCHR && st.rdev === DEV_ZERO) return null;
  if (!(f instanceof InodeFile) || type !== S_IFREG) throw new MapError('ENODEV', 'not a mappable file');
  if (!f.readable || (shared && prot & PROT_WRITE && !f.writable)) throw new MapError('EACCES', 'file not open for that access');
  return { mapped: MappedFile.of(f.inode, ctx.k.frames, ctx.proc.cpu.mem.u8), base: offset, path: f.name };
}
const PROT_ALL = PROT_READ | PROT_WRITE | PROT_EXEC;

export const memorySyscalls: SyscallDef[] = [
  {
    name: 'brk', args: ['p'], hexResult: true,
    handler: ({ proc }, a) => BigInt(proc.as.brk(num(a[0]!))),
  },
  {
    name: 'mmap', args: ['p', 'u', 'x', 'x', 'f', 'x'], hexResult: true,
    handler: (ctx, a) => {
      const { proc } = ctx;
      const as = proc.as, ps = as.pageSize;
      const addr = num(a[0]!), len = num(a[1]!), prot = int(a[2]!), flags = int(a[3]!), fd = int(a[4]!);
      const type = flags & MAP_TYPE;
      if (len === 0 || (type !== MAP_PRIVATE && type !== MAP_SHARED && type !== MAP_SHARED_VALIDATE)) return err(E.EINVAL);
      if (prot & ~PROT_ALL) return err(E.EINVAL);
      const size = Math.ceil(len / ps) * ps;
      if (!Number.isFinite(size) || size > USER_TOP) return err(E.ENOMEM);
      const offset = Number(BigInt.asIntN(64, a[5]!));
      let file: VmaFile | null = null;
      if (!(flags & MAP_ANONYMOUS)) {
        if (offset % ps !== 0 || offset < 0) return err(E.EINVAL);
        const f = mapErrors(() => fileMapping(ctx, fd, offset, prot, type !== MAP_PRIVATE));
        if (typeof f === 'bigint') return f;
        file = f;
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
      const mapped = mapErrors(() => as.map({ start, end: start + size, prot, shared: type !== MAP_PRIVATE, file, name: file?.path ?? '' }));
      if (typeof mapped === 'bigint') return mapped;
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
      return mapErrors(() => (proc.as.protect(addr, size, prot) ? 0n : err(E.ENOMEM)));
    },
  },
  {
    name: 'madvise', args: ['p', 'u', 'd'],
    handler: ({ proc }, a) => {
      const addr = num(a[0]!), len = num(a[1]!), advice = int(a[2]!), ps = proc.as.pageSize;
      if (addr % ps !== 0 || !KNOWN_ADVICE.has(advice)) return err(E.EINVAL);
      const size = Math.ceil(len / ps) * ps;
      if (advice === MADV_DONTNEED && size > 0) {
        if (!proc.as.discard(addr, size)) return err(E.ENOMEM);
      }
      return 0n;
    },
  },
  {
    name: 'mremap', args: ['p', 'u', 'u', 'x', 'p'], hexResult: true,
    handler: ({ proc }, a) => {
      const as = proc.as, ps = as.pageSize;
      const old = num(a[0]!), flags = int(a[3]!), fixedAt = num(a[4]!);
      const oldLen = Math.ceil(num(a[1]!) / ps) * ps, newLen = Math.ceil(num(a[2]!) / ps) * ps;
      if (old % ps !== 0 || flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return err(E.EINVAL);
      if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return err(E.EINVAL);
      if (flags & MREMAP_DONTUNMAP || newLen === 0 || oldLen === 0 || !Number.isFinite(newLen)) return err(E.EINVAL);
      if (newLen > USER_TOP) return err(E.ENOMEM);
      const v = as.find(old);
      if (!v || old + oldLen > v.end) return err(E.EFAULT);
      return mapErrors(() => {
        if (flags & MREMAP_FIXED) {
          if (fixedAt % ps !== 0 || (fixedAt < old + oldLen && old < fixedAt + newLen)) return err(E.EINVAL);
          as.unmap(fixedAt, newLen);
          as.remap(old, oldLen, fixedAt, newLen);
          return BigInt(fixedAt);
        }
        if (newLen <= oldLen || as.isFree(old + oldLen, old + newLen)) {
          as.remap(old, oldLen, old, newLen);
          return BigInt(old);
        }
        if (!(flags & MREMAP_MAYMOVE)) return err(E.ENOMEM);
        const to = as.findFree(newLen);
        if (to === null) return err(E.ENOMEM);
        as.remap(old, oldLen, to, newLen);
        return BigInt(to);
      });
    },
  },
  {
    name: 'msync', args: ['p', 'u', 'x'],
    handler: ({ proc }, a) => {
      const addr = num(a[0]!), len = num(a[1]!), flags = int(a[2]!), ps = proc.as.pageSize;
      if (addr % ps !== 0 || flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) || (flags & MS_ASYNC && flags & MS_SYNC)) return err(E.EINVAL);
      const end = addr + Math.ceil(len / ps) * ps;
      for (let at = addr; at < end;) {
        const v = proc.as.find(at);
        if (!v) return err(E.ENOMEM);
        at = v.end;
      }
      proc.as.writeBack(addr, end - addr);
      return 0n;
    },
  },
];
