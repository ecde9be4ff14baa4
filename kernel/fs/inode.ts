/**
 * What every file system under the VFS provides: inodes with Linux's semantics and errnos. The
 * VFS (kernel/fs/vfs.ts) walks paths one component at a time through {@link Inode.lookup} and
 * handles `.`, `..`, mount points and symlinks itself, so a file system never sees a path — only
 * single names — and cannot be tricked into leaving its tree. Operations a kind of inode does not
 * have throw the errno Linux gives (the {@link BaseInode} defaults).
 */
import { E, SysError } from '../errno';

/** File type bits of st_mode (S_IFMT and friends). */
export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000;
export const S_IFDIR = 0o040000, S_IFCHR = 0o020000, S_IFIFO = 0o010000, S_IFBLK = 0o060000;

/** d_type of getdents64. */
export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, REG: 8, LNK: 10, SOCK: 12 } as const;

export function dtOf(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFDIR: return DT.DIR;
    case S_IFREG: return DT.REG;
    case S_IFLNK: return DT.LNK;
    case S_IFCHR: return DT.CHR;
    case S_IFIFO: return DT.FIFO;
    case S_IFSOCK: return DT.SOCK;
    default: return DT.UNKNOWN;
  }
}

export interface Stat {
  dev: number;
  ino: number;
  /** Type and permission bits. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface DirEntry { name: string; ino: number; type: number }

export interface FileSystem {
  /** The type name /proc/self/mounts shows: vfat, tmpfs, proc, devtmpfs, 9p. */
  readonly type: string;
  /** st_dev of its inodes. */
  readonly dev: number;
  readonly root: Inode;
  readonly readOnly: boolean;
  /** Writes everything cached back (sync, fsync, unmount). */
  sync(): void;
}

export interface Inode {
  readonly fs: FileSystem;
  readonly ino: number;
  /** S_IF* type bits (never changes for an inode). */
  readonly type: number;
  stat(): Stat;

  // ---- directories (others: ENOTDIR) ----
  /** The child called `name` (never '', '.', '..' or containing '/'); null when there is none. */
  lookup(name: string): Inode | null;
  /** Children without '.' and '..', in a stable order. */
  readdir(): DirEntry[];
  /** A new empty regular file (EEXIST when the name is taken). */
  create(name: string, mode: number): Inode;
  mkdir(name: string, mode: number): Inode;
  symlink(name: string, target: string): Inode;
  /**
   * mknod of a FIFO (`mode`: S_IFIFO and permission bits); EPERM where the file system has no
   * mknod (vfat), as Linux's vfs_mknod answers.
   */
  mknod(name: string, mode: number): Inode;
  /**
   * A hard link `name` to `target` (a non-directory of this file system); EPERM where the file
   * system has none (vfat), as Linux's vfs_link answers.
   */
  link(name: string, target: Inode): Inode;
  /** Removes a non-directory (EISDIR for a directory, ENOENT when absent). */
  unlink(name: string): void;
  /** Removes an empty directory (ENOTDIR, ENOTEMPTY, ENOENT). */
  rmdir(name: string): void;
  /**
   * Moves `name` to `newDir`/`newName` on the same file system, replacing a target of a
   * compatible type as rename(2) does (EISDIR, ENOTDIR, ENOTEMPTY otherwise).
   */
  rename(name: string, newDir: Inode, newName: string): void;

  // ---- regular files (directories: EISDIR, others: EINVAL) ----
  /** Bytes read at `offset` into `buf` (0 at or past the end). */
  read(offset: number, buf: Uint8Array): number;
  /** Bytes written at `offset`, growing the file (ENOSPC, EFBIG). */
  write(offset: number, data: Uint8Array): number;
  truncate(size: number): void;

  // ---- others ----
  /** A symlink's target (EINVAL for other inodes). */
  readlink(): string;
  /** null leaves a time unchanged. */
  setTimes(atimeNs: bigint | null, mtimeNs: bigint | null): void;
  chmod(mode: number): void;
  /** Writes this inode's data and metadata back (fsync). */
  sync(): void;

  /**
   * An open file description now refers to this inode / has let it go. An inode unlinked while
   * open keeps its data until the last release (POSIX), so a file system frees it only then.
   */
  opened(): void;
  released(): void;
}

/** The errnos of operations an inode's kind does not have; file systems override what they do. */
export abstract class BaseInode implements Inode {
  abstract readonly fs: FileSystem;
  abstract readonly ino: number;
  abstract readonly type: number;
  abstract stat(): Stat;

  private get isDir(): boolean { return this.type === S_IFDIR; }
  private notDir(): never { throw new SysError(this.isDir ? E.EPERM : E.ENOTDIR); }
  protected readOnly(): never { throw new SysError(E.EROFS); }

  lookup(_name: string): Inode | null { return this.notDir(); }
  readdir(): DirEntry[] { return this.notDir(); }
  create(_name: string, _mode: number): Inode { return this.notDir(); }
  mkdir(_name: string, _mode: number): Inode { return this.notDir(); }
  symlink(_name: string, _target: string): Inode { return this.notDir(); }
  mknod(_name: string, _mode: number): Inode { return this.notDir(); }
  link(_name: string, _target: Inode): Inode { return this.notDir(); }
  unlink(_name: string): void { this.notDir(); }
  rmdir(_name: string): void { this.notDir(); }
  rename(_name: string, _newDir: Inode, _newName: string): void { this.notDir(); }
  read(_offset: number, _buf: Uint8Array): number { throw new SysError(this.isDir ? E.EISDIR : E.EINVAL); }
  write(_offset: number, _data: Uint8Array): number { throw new SysError(this.isDir ? E.EISDIR : E.EINVAL); }
  truncate(_size: number): void { throw new SysError(this.isDir ? E.EISDIR : E.EINVAL); }
  readlink(): string { throw new SysError(E.EINVAL); }
  setTimes(_a: bigint | null, _m: bigint | null): void { if (this.fs.readOnly) this.readOnly(); }
  chmod(_mode: number): void { if (this.fs.readOnly) this.readOnly(); }
  sync(): void {}
  opened(): void {}
  released(): void {}
}

/** The whole contents of a file (exec, the daemon loading a program, gdb's vFile). */
export function readAll(inode: Inode): Uint8Array {
  const size = inode.stat().size;
  const out = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const n = inode.read(done, out.subarray(done));
    if (n === 0) break;
    done += n;
  }
  return out.subarray(0, done);
}
