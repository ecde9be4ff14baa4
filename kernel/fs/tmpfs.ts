/**
 * tmpfs: a file system held in memory, with the semantics of Linux's mm/shmem.c. Mounted on /tmp,
 * and the base of synthetic trees: they subclass {@link TmpNode} and link their nodes with
 * {@link TmpDir.attach}.
 *
 * - Regular files keep their bytes in one growable buffer (capacity doubles, so appends are
 *   amortised O(1)). Only the prefix up to the highest byte ever written is stored: truncating up
 *   is sparse (the tail reads as zeros and uses no memory), but a write past the stored prefix
 *   stores the hole below it too. st_blocks counts stored 4 KiB pages, in 512-byte units.
 * - Directories list their entries in insertion order; st_size is 20 bytes per entry, '.' and
 *   '..' included (shmem.c BOGO_DIRENT_SIZE); st_nlink is 2 + subdirectories; files, FIFOs
 *   and symlinks may have hard links (st_nlink counts their names).
 * - Times follow Linux: a new inode and its directory get mtime = ctime = now; write and
 *   truncate set the file's mtime and ctime; chmod and setTimes set ctime; rename sets both
 *   directories' mtime/ctime and the moved inode's ctime. atime changes only through setTimes.
 * - `maxBytes` limits the stored file data (shmem's size=, counted in bytes rather than pages): a
 *   write that does not fit is short, one where no byte fits answers ENOSPC. A file removed while
 *   open keeps its data and keeps counting (its writes too) until the last open file description
 *   lets it go (Inode.released); one removed while not open stops counting at once.
 * - Every inode belongs to the uid/gid given at construction (the interface carries no owner).
 */
import { constants as bufferConstants } from 'buffer';
import { E, SysError } from '../errno';
import { BaseInode, type DirEntry, dtOf, type FileSystem, type Inode, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type Stat } from './inode';

/** Linux's NAME_MAX and PATH_MAX (bytes, PATH_MAX counting the terminating NUL). */
const NAME_MAX = 255, PATH_MAX = 4096;
const PAGE = 4096;
/** shmem.c: a directory's st_size grows by this per entry. */
const BOGO_DIRENT_SIZE = 20;
/** The largest file data one buffer can store. */
const MAX_STORED = bufferConstants.MAX_LENGTH;
const S_ISGID = 0o2000;

/**
 * Checks a name as a file system receives it: one component of at most NAME_MAX bytes. The VFS
 * never passes '', '.', '..' or a '/'; refusing them (EINVAL) keeps a buggy caller inside the tree.
 */
export function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new SysError(E.EINVAL);
  if (Buffer.byteLength(name) > NAME_MAX) throw new SysError(E.ENAMETOOLONG);
}

/** symlink(2)'s checks on a target: ENOENT when empty, ENAMETOOLONG when it does not fit PATH_MAX. */
export function checkSymlinkTarget(target: string): void {
  if (target === '') throw new SysError(E.ENOENT);
  if (target.includes('\0')) throw new SysError(E.EINVAL);
  if (Buffer.byteLength(target) >= PATH_MAX) throw new SysError(E.ENAMETOOLONG);
}

/** A file offset or length: EINVAL unless a non-negative integer, EFBIG past 2^53 - 1. */
export function checkOffset(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new SysError(E.EINVAL);
  if (n > Number.MAX_SAFE_INTEGER) throw new SysError(E.EFBIG);
}

export interface TmpfsOptions {
  /** st_dev of its inodes. */
  dev: number;
  /** Wall-clock nanoseconds for timestamps (the kernel's realtimeNs, virtual in deterministic mode). */
  clock: () => bigint;
  /** Owner of every inode (default 0). */
  uid?: number;
  gid?: number;
  /** Permission bits of the root directory (default 01777, as mount -t tmpfs). */
  rootMode?: number;
  /** Bytes of file data the file system may store (default: no limit). */
  maxBytes?: number;
}

export class TmpFileSystem implements FileSystem {
  readonly type = 'tmpfs';
  readonly readOnly = false;
  readonly dev: number;
  readonly uid: number;
  readonly gid: number;
  readonly clock: () => bigint;
  readonly maxBytes: number;
  readonly root: TmpDir;
  private used = 0;
  private lastIno = 0;

  constructor(opts: TmpfsOptions) {
    this.dev = opts.dev;
    this.clock = opts.clock;
    this.uid = opts.uid ?? 0;
    this.gid = opts.gid ?? 0;
    this.maxBytes = opts.maxBytes ?? Infinity;
    this.root = new TmpDir(this, opts.rootMode ?? 0o1777);
  }

  /** File data stored by files linked or open, the amount `maxBytes` limits. */
  get usedBytes(): number { return this.used; }
  /** Bytes that may still be stored. */
  get room(): number { return this.maxBytes - this.used; }
  /** Accounts `delta` stored bytes (negative: freed). */
  charge(delta: number): void { this.used += delta; }
  /** The next inode number; the root gets 1 as on Linux. */
  allocIno(): number { return ++this.lastIno; }

  /** Nothing to write back: memory is the storage. */
  sync(): void {}
}

/** What every tmpfs inode has: number, permission bits, times, a link state. */
export abstract class TmpNode extends BaseInode {
  readonly ino: number;
  /** Permission bits (07777). */
  perm: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Directory entries naming it (hard links; a directory has one until removed). */
  links = 1;
  /** In a directory (false once its last name was unlinked, removed or replaced by a rename). */
  get linked(): boolean { return this.links > 0; }

  constructor(readonly fs: TmpFileSystem, readonly type: number, perm: number) {
    super();
    this.ino = fs.allocIno();
    this.perm = perm & 0o7777;
    this.atimeNs = this.mtimeNs = this.ctimeNs = fs.clock();
  }

  /** st_size. */
  protected abstract size(): number;
  /** st_blocks, in 512-byte units. */
  protected blocks(): number { return 0; }
  protected nlink(): number { return this.links; }

  stat(): Stat {
    const fs = this.fs;
    return {
      dev: fs.dev, ino: this.ino, mode: this.type | this.perm, nlink: this.nlink(), uid: fs.uid, gid: fs.gid, rdev: 0,
      size: this.size(), blksize: PAGE, blocks: this.blocks(), atimeNs: this.atimeNs, mtimeNs: this.mtimeNs, ctimeNs: this.ctimeNs,
    };
  }

  override chmod(mode: number): void {
    this.perm = mode & 0o7777;
    this.ctimeNs = this.fs.clock();
  }

  override setTimes(atimeNs: bigint | null, mtimeNs: bigint | null): void {
    if (atimeNs === null && mtimeNs === null) return;
    if (atimeNs !== null) this.atimeNs = atimeNs;
    if (mtimeNs !== null) this.mtimeNs = mtimeNs;
    this.ctimeNs = this.fs.clock();
  }

  /** The contents changed at `now`. */
  touch(now = this.fs.clock()): void { this.mtimeNs = this.ctimeNs = now; }

  /** Its directory entry went at `now` (unlink, rmdir, replaced by rename). */
  unlinked(now: bigint): void {
    this.links--;
    this.ctimeNs = now;
  }
}

export class TmpDir extends TmpNode {
  private readonly entries = new Map<string, TmpNode>();
  private subdirs = 0;
  /** The directory this one is in; null for the root and once removed. */
  parent: TmpDir | null = null;

  constructor(fs: TmpFileSystem, perm: number) { super(fs, S_IFDIR, perm); }

  protected size(): number { return (2 + this.entries.size) * BOGO_DIRENT_SIZE; }
  protected override nlink(): number { return this.linked ? 2 + this.subdirs : 0; }

  override lookup(name: string): Inode | null {
    checkName(name);
    return this.entries.get(name) ?? null;
  }

  override readdir(): DirEntry[] {
    return [...this.entries].map(([name, n]) => ({ name, ino: n.ino, type: dtOf(n.type) }));
  }

  /**
   * Links the node `make` builds under `name` (EEXIST when the name is taken, ENOENT in a removed
   * directory); the node is built only once the name is free, so a failure costs no inode number.
   */
  attach<T extends TmpNode>(name: string, make: () => T): T {
    checkName(name);
    if (!this.linked) throw new SysError(E.ENOENT);
    if (this.entries.has(name)) throw new SysError(E.EEXIST);
    const node = make();
    this.place(name, node, node.ctimeNs);
    return node;
  }

  override create(name: string, mode: number): Inode {
    return this.attach(name, () => new TmpFile(this.fs, mode));
  }

  /** Linux's vfs_mkdir keeps rwx and sticky bits; a set-group-ID parent passes its bit on. */
  override mkdir(name: string, mode: number): Inode {
    return this.attach(name, () => new TmpDir(this.fs, (mode & 0o1777) | (this.perm & S_ISGID)));
  }

  override symlink(name: string, target: string): Inode {
    checkSymlinkTarget(target);
    return this.attach(name, () => new TmpSymlink(this.fs, target));
  }

  override unlink(name: string): void {
    checkName(name);
    const node = this.entries.get(name);
    if (!node) throw new SysError(E.ENOENT);
    if (node instanceof TmpDir) throw new SysError(E.EISDIR);
    this.detach(name, node, this.fs.clock());
  }

  override rmdir(name: string): void {
    checkName(name);
    const node = this.entries.get(name);
    if (!node) throw new SysError(E.ENOENT);
    if (!(node instanceof TmpDir)) throw new SysError(E.ENOTDIR);
    if (node.entries.size > 0) throw new SysError(E.ENOTEMPTY);
    this.detach(name, node, this.fs.clock());
  }

  /** rename(2), shmem_rename2's order of checks. */
  override rename(name: string, newDir: Inode, newName: string): void {
    checkName(name);
    checkName(newName);
    if (!(newDir instanceof TmpNode) || newDir.fs !== this.fs) throw new SysError(E.EXDEV);
    if (!(newDir instanceof TmpDir)) throw new SysError(E.ENOTDIR);
    const node = this.entries.get(name);
    if (!node || !newDir.linked) throw new SysError(E.ENOENT);
    if (node instanceof TmpDir) {
      // The VFS refuses this first; checked again because a cycle would detach a subtree for good.
      for (let d: TmpDir | null = newDir; d; d = d.parent) if (d === node) throw new SysError(E.EINVAL);
    }
    const old = newDir.entries.get(newName);
    if (old === node) return;
    if (old) {
      if (node instanceof TmpDir) {
        if (!(old instanceof TmpDir)) throw new SysError(E.ENOTDIR);
        if (old.entries.size > 0) throw new SysError(E.ENOTEMPTY);
      } else if (old instanceof TmpDir) {
        throw new SysError(E.EISDIR);
      }
    }
    const now = this.fs.clock();
    if (old) newDir.detach(newName, old, now);
    this.entries.delete(name);
    if (node instanceof TmpDir) this.subdirs--;
    newDir.place(newName, node, now);
    this.touch(now);
    node.ctimeNs = now;
  }

  /** mknod: FIFOs, and the sockets AF_UNIX bind makes (devices are not made here). */
  override mknod(name: string, mode: number): Inode {
    const type = mode & S_IFMT;
    if (type === S_IFSOCK) return this.attach(name, () => new TmpSocket(this.fs, mode));
    if (type !== S_IFIFO) throw new SysError(E.EPERM);
    return this.attach(name, () => new TmpFifo(this.fs, mode));
  }

  /** shmem_link: another name for a file of this tmpfs; the inode's ctime moves. */
  override link(name: string, target: Inode): Inode {
    checkName(name);
    if (!(target instanceof TmpNode) || target.fs !== this.fs) throw new SysError(E.EXDEV);
    if (target instanceof TmpDir) throw new SysError(E.EPERM);
    if (!this.linked) throw new SysError(E.ENOENT);
    if (!target.linked) throw new SysError(E.ENOENT);
    if (this.entries.has(name)) throw new SysError(E.EEXIST);
    const now = this.fs.clock();
    target.links++;
    target.ctimeNs = now;
    this.place(name, target, now);
    return target;
  }

  private place(name: string, node: TmpNode, now: bigint): void {
    this.entries.set(name, node);
    if (node instanceof TmpDir) {
      node.parent = this;
      this.subdirs++;
    }
    this.touch(now);
  }

  private detach(name: string, node: TmpNode, now: bigint): void {
    this.entries.delete(name);
    if (node instanceof TmpDir) {
      node.parent = null;
      this.subdirs--;
    }
    node.unlinked(now);
    this.touch(now);
  }
}

const EMPTY = new Uint8Array(0);

export class TmpFile extends TmpNode {
  /** Storage: bytes [0, stored) are the file's, the rest of the buffer is zero. */
  private data = EMPTY;
  private stored = 0;
  /** st_size; bytes in [stored, length) read as zeros. */
  private length = 0;
  /** Open file descriptions referring to it. */
  private opens = 0;
  /** Its stored bytes count against maxBytes: until it is neither linked nor open. */
  private counted = true;

  constructor(fs: TmpFileSystem, mode: number) { super(fs, S_IFREG, mode); }

  protected size(): number { return this.length; }
  protected override blocks(): number { return Math.ceil(this.stored / PAGE) * (PAGE / 512); }

  override read(offset: number, buf: Uint8Array): number {
    checkOffset(offset);
    if (offset >= this.length) return 0;
    const n = Math.min(buf.length, this.length - offset);
    const fromStore = Math.max(0, Math.min(n, this.stored - offset));
    buf.set(this.data.subarray(offset, offset + fromStore));
    buf.fill(0, fromStore, n);
    return n;
  }

  override write(offset: number, src: Uint8Array): number {
    checkOffset(offset);
    if (src.length === 0) return 0;
    if (offset >= MAX_STORED) throw new SysError(E.EFBIG);
    let end = Math.min(offset + src.length, MAX_STORED);
    if (this.counted && end > this.stored) {
      end = Math.min(end, this.stored + this.fs.room);
      if (end <= offset) throw new SysError(E.ENOSPC);
    }
    this.reserve(end);
    this.data.set(src.subarray(0, end - offset), offset);
    if (end > this.stored) {
      if (this.counted) this.fs.charge(end - this.stored);
      this.stored = end;
    }
    this.length = Math.max(this.length, end);
    this.touch();
    return end - offset;
  }

  override truncate(size: number): void {
    checkOffset(size);
    if (size < this.stored) {
      // Give memory back when most of the buffer would go unused; otherwise zero the cut tail,
      // which later reads and writes past `stored` rely on.
      if (this.data.length > 2 * size + PAGE) this.data = this.data.slice(0, size);
      else this.data.fill(0, size, this.stored);
      if (this.counted) this.fs.charge(size - this.stored);
      this.stored = size;
    }
    this.length = size;
    this.touch();
  }

  override unlinked(now: bigint): void {
    super.unlinked(now);
    this.uncountIfGone();
  }

  override opened(): void { this.opens++; }

  override released(): void {
    if (this.opens === 0) return;
    this.opens--;
    this.uncountIfGone();
  }

  /** Neither linked nor open: nothing can reach its data any more, so it stops counting. */
  private uncountIfGone(): void {
    if (!this.counted || this.linked || this.opens > 0) return;
    this.counted = false;
    this.fs.charge(-this.stored);
  }

  /** Makes the buffer hold at least `n` bytes, doubling its capacity at least. */
  private reserve(n: number): void {
    if (n <= this.data.length) return;
    const grown = new Uint8Array(Math.min(MAX_STORED, Math.max(n, 2 * this.data.length)));
    grown.set(this.data.subarray(0, this.stored));
    this.data = grown;
  }
}

/** A named pipe: the inode only; its data lives in the pipe open descriptions share (pipe.ts). */
export class TmpFifo extends TmpNode {
  constructor(fs: TmpFileSystem, mode: number) { super(fs, S_IFIFO, mode); }
  protected size(): number { return 0; }
}

/** A socket's name: kernel/net/unix.ts finds the socket bound to it by this inode; open(2) of it
 *  is ENXIO, as on Linux. */
export class TmpSocket extends TmpNode {
  constructor(fs: TmpFileSystem, mode: number) { super(fs, S_IFSOCK, mode); }
  protected size(): number { return 0; }
  open(): never { throw new SysError(E.ENXIO); }
}

export class TmpSymlink extends TmpNode {
  constructor(fs: TmpFileSystem, readonly target: string) { super(fs, S_IFLNK, 0o777); }

  protected size(): number { return Buffer.byteLength(this.target); }
  override readlink(): string { return this.target; }
  /** fchmodat(AT_SYMLINK_NOFOLLOW) on a symlink: Linux has no symlink modes. */
  override chmod(): void { throw new SysError(E.ENOTSUP); }
}
