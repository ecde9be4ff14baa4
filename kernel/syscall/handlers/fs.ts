/**
 * Path-based file syscalls over the VFS: open, stat, directories, links, renames, times,
 * access checks, the working directory and umask. Every *at call resolves from a directory
 * descriptor or the cwd (AT_FDCWD) and may take AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH.
 */
import { E, SysError } from '../../errno';
import { InodeFile, O, type OpenFile } from '../../fs/file';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Inode } from '../../fs/inode';
import { openFifo } from '../../fs/pipe';
import { encodeDirents, encodeStat, encodeStatfs, encodeStatx } from '../../fs/stat-abi';
import { openFlagsFromGuest } from '../../fs/open-flags';
import { opensItself } from '../../fs/synthetic';
import type { VNode } from '../../fs/vfs';
import { truncateFile } from '../../mm/mapped-file';
import { err, ERESTARTSYS, int, num, uint, type SyscallCtx, type SyscallDef } from '../table';

export const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_EACCESS = 0x200;
const AT_EMPTY_PATH = 0x1000;
const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
const F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4;
const UTIME_NOW = (1n << 30n) - 1n, UTIME_OMIT = (1n << 30n) - 2n;
const PATH_MAX = 4096;

/** A path argument (EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX). */
export function pathArg(ctx: SyscallCtx, addr: bigint): string {
  const s = ctx.proc.cpu.mem.readCString(num(addr), PATH_MAX);
  if (s === null) throw new SysError(E.ENAMETOOLONG);
  return s;
}

/** An open-flags argument in the kernel's (asm-generic) numbering. */
export function guestFlags(ctx: SyscallCtx, a: bigint): number {
  return openFlagsFromGuest(ctx.k.arch.spec.name, int(a));
}

/** The directory a relative path of an *at call starts from. */
function startDir(ctx: SyscallCtx, dirfd: number): VNode {
  if (dirfd === AT_FDCWD) return ctx.proc.fs.cwd;
  const f = ctx.proc.fds.get(dirfd);
  if (!(f instanceof InodeFile)) throw new SysError(E.ENOTDIR);
  return f.vnode;
}

/** Resolves (dirfd, path); with AT_EMPTY_PATH an empty path names dirfd itself. */
export function lookupAt(ctx: SyscallCtx, dirfd: number, path: string, follow: boolean, emptyOk = false): VNode {
  if (path === '' && emptyOk) {
    if (dirfd === AT_FDCWD) return ctx.proc.fs.cwd;
    const f = ctx.proc.fds.get(dirfd);
    if (f instanceof InodeFile) return f.vnode;
    throw new SysError(E.EBADF);
  }
  const { fs } = ctx.proc;
  return ctx.k.vfs.resolve(fs.root, path.startsWith('/') ? fs.root : startDir(ctx, dirfd), path, follow);
}

function parentAt(ctx: SyscallCtx, dirfd: number, path: string): { dir: VNode; name: string; trailingSlash: boolean } {
  const { fs } = ctx.proc;
  return ctx.k.vfs.parentOf(fs.root, path.startsWith('/') ? fs.root : startDir(ctx, dirfd), path);
}

function typeOf(i: Inode): number { return i.type & S_IFMT; }

/** The description an open of `node` makes: a device's own, or the generic one. */
export function openNode(node: VNode, flags: number): OpenFile {
  const i = node.inode;
  if (opensItself(i) && !(flags & O.PATH)) return i.open(flags, node.path());
  return new InodeFile(node, flags);
}

function openat(ctx: SyscallCtx, dirfd: number, path: string, flags: number, mode: number): bigint | Promise<bigint> {
  const { proc, k } = ctx;
  if ((flags & O.TMPFILE) === O.TMPFILE) return err(E.ENOTSUP);
  const acc = flags & O.ACCMODE;
  if (acc === 3) return err(E.EINVAL);
  const follow = !(flags & O.NOFOLLOW);
  let node: VNode;
  let created = false;
  if (flags & O.CREAT) {
    const p = parentAt(ctx, dirfd, path);
    if (p.name === '') return err(E.EISDIR);
    let existing: VNode | null = null;
    try { existing = k.vfs.child(p.dir, p.name); } catch (e) { if (!(e instanceof SysError) || e.errno !== E.ENOENT) throw e; }
    if (existing) {
      if (flags & O.EXCL) return err(E.EEXIST);
      node = typeOf(existing.inode) === S_IFLNK && follow ? lookupAt(ctx, dirfd, path, true) : existing;
    } else {
      if (p.trailingSlash) return err(E.EISDIR);
      p.dir.inode.create(p.name, mode & 0o7777 & ~proc.fs.umask);
      node = k.vfs.child(p.dir, p.name);
      created = true;
    }
  } else {
    node = lookupAt(ctx, dirfd, path, follow);
  }
  const t = typeOf(node.inode);
  if (t === S_IFLNK && !(flags & O.PATH)) return err(E.ELOOP);
  if (flags & O.DIRECTORY && t !== S_IFDIR) return err(E.ENOTDIR);
  if (t === S_IFDIR && (acc !== O.RDONLY || (flags & O.CREAT && !created))) return err(E.EISDIR);
  const plain = t === S_IFREG && !opensItself(node.inode) && !(flags & O.PATH);
  if (plain && (acc !== O.RDONLY || flags & O.TRUNC) && node.inode.fs.readOnly) return err(E.EROFS);
  if (plain && flags & O.TRUNC && acc !== O.RDONLY && !created) truncateFile(node.inode, 0);
  // A pipe reached through /proc/self/fd opens itself (both ends exist: nothing to wait for).
  if (t === S_IFIFO && !(flags & O.PATH) && !opensItself(node.inode)) return openFifoAt(ctx, node, flags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC));
  const file = openNode(node, flags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC | O.CLOEXEC));
  try {
    return BigInt(proc.fds.install(file, (flags & O.CLOEXEC) !== 0));
  } catch (e) {
    file.hold().put(); // EMFILE: the description is released, as if it had been closed
    throw e;
  }
}

/** The name a create-like call makes must be free: EEXIST otherwise (a mount point counts). */
function mustBeFree(ctx: SyscallCtx, p: { dir: VNode; name: string }): void {
  if (p.name === '') throw new SysError(E.EEXIST);
  try { ctx.k.vfs.child(p.dir, p.name); } catch (e) { if (e instanceof SysError && e.errno === E.ENOENT) return; throw e; }
  throw new SysError(E.EEXIST);
}

/** linkat (vfs_link): a file system without hard links (vfat) answers EPERM, as does a directory. */
function linkAt(ctx: SyscallCtx, olddir: number, oldPath: string, newdir: number, newPath: string, flags: number): bigint {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return err(E.EINVAL);
  const src = lookupAt(ctx, olddir, oldPath, (flags & AT_SYMLINK_FOLLOW) !== 0, (flags & AT_EMPTY_PATH) !== 0);
  const p = parentAt(ctx, newdir, newPath);
  mustBeFree(ctx, p);
  if (p.trailingSlash) return err(E.ENOENT);
  if (src.inode.fs !== p.dir.inode.fs) return err(E.EXDEV);
  if (p.dir.inode.fs.readOnly) return err(E.EROFS);
  if (typeOf(src.inode) === S_IFDIR) return err(E.EPERM);
  p.dir.inode.link(p.name, src.inode);
  return 0n;
}

/**
 * mknodat: regular files (type 0 or S_IFREG) anywhere a file can be created; FIFOs where the file
 * system has them (tmpfs; vfat and the host folder: EPERM). Device and socket nodes are not made:
 * EPERM, as for a caller without CAP_MKNOD, even though we otherwise act as root.
 */
function mknodAt(ctx: SyscallCtx, dirfd: number, path: string, mode: number): bigint {
  const type = mode & S_IFMT;
  if (type === S_IFDIR) return err(E.EPERM);
  if (![0, S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK].includes(type)) return err(E.EINVAL);
  const p = parentAt(ctx, dirfd, path);
  mustBeFree(ctx, p);
  if (p.trailingSlash) return err(E.ENOENT);
  if (p.dir.inode.fs.readOnly) return err(E.EROFS);
  const perm = mode & 0o7777 & ~ctx.proc.fs.umask;
  if (type === 0 || type === S_IFREG) p.dir.inode.create(p.name, perm);
  else if (type === S_IFIFO) p.dir.inode.mknod(p.name, S_IFIFO | perm);
  else return err(E.EPERM);
  return 0n;
}

/** An open of a FIFO: installed once the other side has opened (or at once, see openFifo). */
function openFifoAt(ctx: SyscallCtx, node: VNode, flags: number): bigint | Promise<bigint> {
  const { file, ready, queue } = openFifo(node.inode, flags, node.path());
  const install = (): bigint => {
    try {
      return BigInt(ctx.proc.fds.install(file, (flags & O.CLOEXEC) !== 0));
    } catch (e) {
      file.hold().put();
      throw e;
    }
  };
  if (!ready) return install();
  return ctx.k.sleep(ctx.proc, [queue], () => (ready() ? true : undefined), null).then((r) => {
    if (r === true) return install();
    file.hold().put();
    return ERESTARTSYS;
  });
}

function writeStat(ctx: SyscallCtx, addr: bigint, node: { stat(): import('../../fs/inode').Stat }): bigint {
  ctx.proc.cpu.mem.writeBytes(num(addr), encodeStat(node.stat(), ctx.k.arch.spec.name));
  return 0n;
}

function removeAt(ctx: SyscallCtx, dirfd: number, path: string, dir: boolean): bigint {
  const p = parentAt(ctx, dirfd, path);
  if (p.name === '') return err(dir ? E.EBUSY : E.EISDIR);
  const target = ctx.k.vfs.child(p.dir, p.name);
  if (ctx.k.vfs.mountsIn(p.dir).some((m) => m.name === p.name)) return err(E.EBUSY);
  if (dir) {
    if (typeOf(target.inode) !== S_IFDIR) return err(E.ENOTDIR);
    p.dir.inode.rmdir(p.name);
  } else {
    if (typeOf(target.inode) === S_IFDIR) return err(E.EISDIR);
    if (p.trailingSlash) return err(E.ENOTDIR);
    p.dir.inode.unlink(p.name);
  }
  return 0n;
}

function isAncestor(a: VNode, b: VNode): boolean {
  for (let n: VNode | null = b; n; n = n.parent) if (n.inode === a.inode) return true;
  return false;
}

function renameAt(ctx: SyscallCtx, olddir: number, oldPath: string, newdir: number, newPath: string, flags: number): bigint {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return err(E.EINVAL);
  if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) return err(E.EINVAL);
  const from = parentAt(ctx, olddir, oldPath), to = parentAt(ctx, newdir, newPath);
  if (from.name === '' || to.name === '') return err(E.EBUSY);
  const src = ctx.k.vfs.child(from.dir, from.name);
  if (from.dir.inode.fs !== to.dir.inode.fs) return err(E.EXDEV);
  let dst: VNode | null = null;
  try { dst = ctx.k.vfs.child(to.dir, to.name); } catch (e) { if (!(e instanceof SysError) || e.errno !== E.ENOENT) throw e; }
  if (dst && dst.inode === src.inode) return 0n;
  if (dst && flags & RENAME_NOREPLACE) return err(E.EEXIST);
  if (typeOf(src.inode) === S_IFDIR && isAncestor(src, to.dir)) return err(E.EINVAL);
  // The target is the source's parent or further up: do_renameat2's second trap check, made
  // before vfs_rename's type checks.
  if (dst && typeOf(dst.inode) === S_IFDIR && isAncestor(dst, from.dir)) return err(E.ENOTEMPTY);
  if ((from.trailingSlash || to.trailingSlash) && typeOf(src.inode) !== S_IFDIR) return err(E.ENOTDIR);
  if (dst) {
    const sd = typeOf(src.inode) === S_IFDIR, dd = typeOf(dst.inode) === S_IFDIR;
    if (sd && !dd) return err(E.ENOTDIR);
    if (!sd && dd) return err(E.EISDIR);
  }
  from.dir.inode.rename(from.name, to.dir.inode, to.name);
  return 0n;
}

function accessAt(ctx: SyscallCtx, dirfd: number, path: string, mode: number, flags: number): bigint {
  if (mode & ~(R_OK | W_OK | X_OK)) return err(E.EINVAL);
  const node = lookupAt(ctx, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  if (mode === F_OK) return 0n;
  const st = node.inode.stat();
  if (mode & W_OK && node.inode.fs.readOnly && typeOf(node.inode) !== 0o020000) return err(E.EROFS);
  // root may read and write anything; executing needs some x bit (or a directory).
  if (mode & X_OK && typeOf(node.inode) !== S_IFDIR && !(st.mode & 0o111)) return err(E.EACCES);
  if (ctx.k.uid !== 0) {
    const bits = st.uid === ctx.k.uid ? st.mode >> 6 : st.gid === ctx.k.gid ? st.mode >> 3 : st.mode;
    if ((bits & mode & 7) !== (mode & 7)) return err(E.EACCES);
  }
  return 0n;
}

function timespecArg(ctx: SyscallCtx, addr: number, off: number): bigint | null {
  const mem = ctx.proc.cpu.mem;
  const sec = BigInt.asIntN(64, mem.readU64(addr + off)), nsec = BigInt.asIntN(64, mem.readU64(addr + off + 8));
  if (nsec === UTIME_OMIT) return null;
  if (nsec === UTIME_NOW) return ctx.k.realtimeNs();
  if (nsec < 0n || nsec >= 1_000_000_000n) throw new SysError(E.EINVAL);
  return sec * 1_000_000_000n + nsec;
}

/** The directory a path argument names (chdir, chroot). */
function dirAt(ctx: SyscallCtx, addr: bigint): VNode {
  const n = lookupAt(ctx, AT_FDCWD, pathArg(ctx, addr), true);
  if (!n.isDir) throw new SysError(E.ENOTDIR);
  return n;
}

function fdNode(ctx: SyscallCtx, fd: number): VNode {
  const f = ctx.proc.fds.get(fd);
  if (!(f instanceof InodeFile)) throw new SysError(E.EINVAL);
  return f.vnode;
}

export const fsSyscalls: SyscallDef[] = [
  {
    name: 'openat', args: ['f', 's', 'x', 'o'],
    handler: (ctx, a) => openat(ctx, int(a[0]!), pathArg(ctx, a[1]!), guestFlags(ctx, a[2]!), int(a[3]!)),
  },
  {
    name: 'open', args: ['s', 'x', 'o'],
    handler: (ctx, a) => openat(ctx, AT_FDCWD, pathArg(ctx, a[0]!), guestFlags(ctx, a[1]!), int(a[2]!)),
  },
  {
    name: 'creat', args: ['s', 'o'],
    handler: (ctx, a) => openat(ctx, AT_FDCWD, pathArg(ctx, a[0]!), O.CREAT | O.WRONLY | O.TRUNC, int(a[1]!)),
  },
  {
    name: 'fstat', args: ['f', 'p'],
    handler: (ctx, a) => writeStat(ctx, a[1]!, ctx.proc.fds.get(int(a[0]!))),
  },
  {
    name: 'newfstatat', args: ['f', 's', 'p', 'x'],
    handler: (ctx, a) => {
      const flags = int(a[3]!);
      if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800)) return err(E.EINVAL);
      const path = pathArg(ctx, a[1]!);
      if (path === '' && flags & AT_EMPTY_PATH && int(a[0]!) !== AT_FDCWD) return writeStat(ctx, a[2]!, ctx.proc.fds.get(int(a[0]!)));
      return writeStat(ctx, a[2]!, lookupAt(ctx, int(a[0]!), path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0).inode);
    },
  },
  {
    name: 'stat', args: ['s', 'p'],
    handler: (ctx, a) => writeStat(ctx, a[1]!, lookupAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), true).inode),
  },
  {
    name: 'lstat', args: ['s', 'p'],
    handler: (ctx, a) => writeStat(ctx, a[1]!, lookupAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), false).inode),
  },
  {
    name: 'statx', args: ['f', 's', 'x', 'x', 'p'],
    handler: (ctx, a) => {
      const dirfd = int(a[0]!), flags = int(a[2]!), mask = int(a[3]!);
      const path = pathArg(ctx, a[1]!);
      const st = path === '' && flags & AT_EMPTY_PATH && dirfd !== AT_FDCWD
        ? ctx.proc.fds.get(dirfd).stat()
        : lookupAt(ctx, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0).inode.stat();
      ctx.proc.cpu.mem.writeBytes(num(a[4]!), encodeStatx(st, mask));
      return 0n;
    },
  },
  {
    name: 'getdents64', args: ['f', 'p', 'u'],
    handler: (ctx, a) => {
      const f = ctx.proc.fds.get(int(a[0]!));
      const list = f.readdir();
      const { bytes, next } = encodeDirents(list, f.dirPos, num(a[2]!));
      if (bytes.length === 0 && next < list.length) return err(E.EINVAL);
      ctx.proc.cpu.mem.writeBytes(num(a[1]!), bytes);
      f.dirPos = next;
      return BigInt(bytes.length);
    },
  },
  {
    name: 'getcwd', args: ['p', 'u'],
    handler: (ctx, a) => {
      const path = Buffer.from(ctx.proc.fs.cwd.path() + '\0', 'utf8');
      if (num(a[1]!) < path.length) return err(E.ERANGE);
      ctx.proc.cpu.mem.writeBytes(num(a[0]!), path);
      return BigInt(path.length);
    },
  },
  { name: 'chdir', args: ['s'], handler: (ctx, a) => { ctx.proc.fs.cwd = dirAt(ctx, a[0]!); return 0n; } },
  {
    name: 'fchdir', args: ['f'],
    handler: (ctx, a) => {
      const f = ctx.proc.fds.get(int(a[0]!));
      if (!(f instanceof InodeFile) || !f.vnode.isDir) return err(E.ENOTDIR);
      ctx.proc.fs.cwd = f.vnode;
      return 0n;
    },
  },
  { name: 'chroot', args: ['s'], handler: (ctx, a) => { ctx.proc.fs.root = dirAt(ctx, a[0]!); return 0n; } },
  {
    name: 'mkdirat', args: ['f', 's', 'o'],
    handler: (ctx, a) => {
      const p = parentAt(ctx, int(a[0]!), pathArg(ctx, a[1]!));
      if (p.name === '') return err(E.EEXIST);
      if (ctx.k.vfs.mountsIn(p.dir).some((m) => m.name === p.name)) return err(E.EEXIST);
      p.dir.inode.mkdir(p.name, int(a[2]!) & 0o7777 & ~ctx.proc.fs.umask);
      return 0n;
    },
  },
  {
    name: 'mkdir', args: ['s', 'o'],
    handler: (ctx, a) => {
      const p = parentAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!));
      if (p.name === '') return err(E.EEXIST);
      p.dir.inode.mkdir(p.name, int(a[1]!) & 0o7777 & ~ctx.proc.fs.umask);
      return 0n;
    },
  },
  {
    name: 'unlinkat', args: ['f', 's', 'x'],
    handler: (ctx, a) => {
      const flags = int(a[2]!);
      if (flags & ~AT_REMOVEDIR) return err(E.EINVAL);
      return removeAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), (flags & AT_REMOVEDIR) !== 0);
    },
  },
  { name: 'unlink', args: ['s'], handler: (ctx, a) => removeAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), false) },
  { name: 'rmdir', args: ['s'], handler: (ctx, a) => removeAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), true) },
  {
    name: 'renameat2', args: ['f', 's', 'f', 's', 'x'],
    handler: (ctx, a) => renameAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), int(a[2]!), pathArg(ctx, a[3]!), int(a[4]!)),
  },
  {
    name: 'renameat', args: ['f', 's', 'f', 's'],
    handler: (ctx, a) => renameAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), int(a[2]!), pathArg(ctx, a[3]!), 0),
  },
  {
    name: 'rename', args: ['s', 's'],
    handler: (ctx, a) => renameAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), AT_FDCWD, pathArg(ctx, a[1]!), 0),
  },
  {
    name: 'symlinkat', args: ['s', 'f', 's'],
    handler: (ctx, a) => {
      const target = pathArg(ctx, a[0]!);
      if (target === '') return err(E.ENOENT);
      const p = parentAt(ctx, int(a[1]!), pathArg(ctx, a[2]!));
      if (p.name === '') return err(E.EEXIST);
      p.dir.inode.symlink(p.name, target);
      return 0n;
    },
  },
  {
    name: 'linkat', args: ['f', 's', 'f', 's', 'x'],
    handler: (ctx, a) => linkAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), int(a[2]!), pathArg(ctx, a[3]!), int(a[4]!)),
  },
  { name: 'link', args: ['s', 's'], handler: (ctx, a) => linkAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), AT_FDCWD, pathArg(ctx, a[1]!), 0) },
  {
    name: 'mknodat', args: ['f', 's', 'o', 'x'],
    handler: (ctx, a) => mknodAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), uint(a[2]!)),
  },
  { name: 'mknod', args: ['s', 'o', 'x'], handler: (ctx, a) => mknodAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), uint(a[1]!)) },
  {
    name: 'readlinkat', args: ['f', 's', 'p', 'u'],
    handler: (ctx, a) => {
      const size = int(a[3]!);
      if (size <= 0) return err(E.EINVAL);
      const n = lookupAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), false, true);
      const target = Buffer.from(n.inode.readlink(), 'utf8');
      const out = target.subarray(0, size);
      ctx.proc.cpu.mem.writeBytes(num(a[2]!), out);
      return BigInt(out.length);
    },
  },
  {
    name: 'readlink', args: ['s', 'p', 'u'],
    handler: (ctx, a) => {
      const size = int(a[2]!);
      if (size <= 0) return err(E.EINVAL);
      const target = Buffer.from(lookupAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), false).inode.readlink(), 'utf8').subarray(0, size);
      ctx.proc.cpu.mem.writeBytes(num(a[1]!), target);
      return BigInt(target.length);
    },
  },
  {
    name: 'faccessat', args: ['f', 's', 'o'],
    handler: (ctx, a) => accessAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), int(a[2]!), 0),
  },
  {
    name: 'faccessat2', args: ['f', 's', 'o', 'x'],
    handler: (ctx, a) => {
      const flags = int(a[3]!);
      if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) return err(E.EINVAL);
      return accessAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), int(a[2]!), flags);
    },
  },
  { name: 'access', args: ['s', 'o'], handler: (ctx, a) => accessAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), int(a[1]!), 0) },
  {
    name: 'ftruncate', args: ['f', 'd'],
    handler: (ctx, a) => {
      const f = ctx.proc.fds.get(int(a[0]!));
      const len = Number(BigInt.asIntN(64, a[1]!));
      if (len < 0) return err(E.EINVAL);
      if (!(f instanceof InodeFile) || typeOf(f.inode) !== S_IFREG) return err(E.EINVAL);
      if (!f.writable) return err(E.EINVAL);
      truncateFile(f.inode, len);
      return 0n;
    },
  },
  {
    name: 'truncate', args: ['s', 'd'],
    handler: (ctx, a) => {
      const len = Number(BigInt.asIntN(64, a[1]!));
      if (len < 0) return err(E.EINVAL);
      const n = lookupAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), true);
      if (n.isDir) return err(E.EISDIR);
      if (typeOf(n.inode) !== S_IFREG) return err(E.EINVAL);
      truncateFile(n.inode, len);
      return 0n;
    },
  },
  {
    name: 'fsync', args: ['f'],
    handler: (ctx, a) => { const f = ctx.proc.fds.get(int(a[0]!)); f.inode?.sync(); ctx.proc.as.writeBack(0, 2 ** 47); return 0n; },
  },
  {
    name: 'fdatasync', args: ['f'],
    handler: (ctx, a) => { ctx.proc.fds.get(int(a[0]!)).inode?.sync(); return 0n; },
  },
  {
    name: 'sync', args: [],
    handler: (ctx) => { for (const m of ctx.k.vfs.mountTable()) m.fs.sync(); return 0n; },
  },
  {
    name: 'syncfs', args: ['f'],
    handler: (ctx, a) => { ctx.proc.fds.get(int(a[0]!)).inode?.fs.sync(); return 0n; },
  },
  {
    name: 'umask', args: ['o'],
    handler: (ctx, a) => {
      const old = ctx.proc.fs.umask;
      ctx.proc.fs.umask = int(a[0]!) & 0o777;
      return BigInt(old);
    },
  },
  {
    name: 'utimensat', args: ['f', 's', 'p', 'x'],
    handler: (ctx, a) => {
      const dirfd = int(a[0]!), times = num(a[2]!), flags = int(a[3]!);
      if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return err(E.EINVAL);
      // A NULL path means the file dirfd refers to (the futimens case).
      const node = a[1] === 0n ? fdNode(ctx, dirfd) : lookupAt(ctx, dirfd, pathArg(ctx, a[1]!), !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
      const now = ctx.k.realtimeNs();
      const at = times === 0 ? now : timespecArg(ctx, times, 0);
      const mt = times === 0 ? now : timespecArg(ctx, times, 16);
      if (at === null && mt === null) return 0n;
      node.inode.setTimes(at, mt);
      return 0n;
    },
  },
  {
    name: 'fchmod', args: ['f', 'o'],
    handler: (ctx, a) => {
      const f = ctx.proc.fds.get(int(a[0]!));
      if (!f.inode) return 0n;
      f.inode.chmod(int(a[1]!) & 0o7777);
      return 0n;
    },
  },
  {
    name: 'fchmodat', args: ['f', 's', 'o'],
    handler: (ctx, a) => {
      lookupAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), true).inode.chmod(int(a[2]!) & 0o7777);
      return 0n;
    },
  },
  {
    name: 'fchownat', args: ['f', 's', 'd', 'd', 'x'],
    handler: (ctx, a) => {
      // Ownership cannot change on these file systems; root's request to keep it is fine.
      const n = lookupAt(ctx, int(a[0]!), pathArg(ctx, a[1]!), !(int(a[4]!) & AT_SYMLINK_NOFOLLOW), (int(a[4]!) & AT_EMPTY_PATH) !== 0);
      const st = n.inode.stat(), uid = int(a[2]!), gid = int(a[3]!);
      if ((uid === -1 || uid === st.uid) && (gid === -1 || gid === st.gid)) return 0n;
      return err(n.inode.fs.readOnly ? E.EROFS : E.EPERM);
    },
  },
  {
    name: 'fchown', args: ['f', 'd', 'd'],
    handler: (ctx, a) => {
      const st = ctx.proc.fds.get(int(a[0]!)).stat(), uid = int(a[1]!), gid = int(a[2]!);
      return (uid === -1 || uid === st.uid) && (gid === -1 || gid === st.gid) ? 0n : err(E.EPERM);
    },
  },
  {
    name: 'statfs', args: ['s', 'p'],
    handler: (ctx, a) => {
      const n = lookupAt(ctx, AT_FDCWD, pathArg(ctx, a[0]!), true);
      ctx.proc.cpu.mem.writeBytes(num(a[1]!), statfsOf(n.inode));
      return 0n;
    },
  },
  {
    name: 'fstatfs', args: ['f', 'p'],
    handler: (ctx, a) => {
      const f = ctx.proc.fds.get(int(a[0]!));
      ctx.proc.cpu.mem.writeBytes(num(a[1]!), statfsOf(f.inode));
      return 0n;
    },
  },
];

/** f_type magic numbers (include/uapi/linux/magic.h). */
const FS_MAGIC: Record<string, number> = { vfat: 0x4d44, tmpfs: 0x01021994, proc: 0x9fa0, devtmpfs: 0x01021994, '9p': 0x01021997 };

function statfsOf(i: Inode | null): Uint8Array {
  const fs = i?.fs;
  const space = fs && 'space' in fs ? (fs as unknown as { space(): { bsize: number; blocks: number; bfree: number } }).space() : { bsize: 4096, blocks: 0, bfree: 0 };
  return encodeStatfs({ type: fs ? FS_MAGIC[fs.type] ?? 0 : 0x50495045, ...space, files: 0, ffree: 0, namelen: 255, readOnly: fs?.readOnly ?? false });
}
