/**
 * A host directory mounted in the guest, like qemu's `-virtfs` (virtio-9p passthrough): every
 * operation goes straight to the host through Node's synchronous fs API. Nothing is cached but the
 * inode objects, one per host dev:ino while reachable, so st_ino and inode identity stay stable.
 *
 * Confinement. The host directory is opened once, as an O_PATH descriptor held for the mount's
 * life. An inode records where it was found (parent inode and name) and what it was (host dev, ino,
 * file type). Every operation walks that chain again from the root descriptor, one name at a time:
 * `open("/proc/self/fd/<dir>/<name>", O_PATH | O_NOFOLLOW)`, which is openat(2) on a descriptor —
 * the only symlink the host follows is /proc's magic link to a directory already verified, the
 * name itself is never followed — and fstat of every step must show the recorded dev/ino/type.
 * The operation then uses the last descriptor, never a path: `/proc/self/fd/N` is exactly the
 * verified inode, `/proc/self/fd/N/name` a name inside exactly the verified directory. Hence:
 *  - a component swapped for a symlink (to '/', '/etc', '../..') after lookup: the walk opens the
 *    symlink itself, its type differs, the operation fails with ENOENT;
 *  - a component swapped for another file or directory: dev/ino differ, ENOENT;
 *  - a swap after the walk: too late, the operation holds the descriptor — a file created in a
 *    directory that has just been moved lands in that directory, wherever it now is in the tree;
 *  - a regular file swapped for a fifo or device: data is read and written by reopening the
 *    verified O_PATH descriptor (a regular file), so nothing else is ever opened; O_PATH itself
 *    opens no device and never blocks;
 *  - create (O_CREAT | O_EXCL), mkdir, symlink, unlink, rmdir, rename, lstat and readlink act on
 *    a final name the host does not follow, in a verified directory.
 * ENOENT thus means "the inode this handle names is no longer where it was", as for an operation
 * in a removed directory (NFS would say ESTALE). Symlink targets are returned raw and resolved by
 * the VFS in the guest's namespace. Not closed, and not reachable by the guest: a host process
 * that can write outside the shared tree moving a directory out of it during one synchronous call.
 *
 * Linux only: needs /proc/self/fd and O_PATH (checked at mount).
 *
 * Devices, fifos and sockets: stat shows them (with the host's rdev); read and write answer ENXIO,
 * "no such device" — the host's device is not the guest's — and never open them, so nothing blocks.
 *
 * Open files. While the guest has a regular file open (from the first opened() to the last
 * released()) its inode holds one host descriptor of it, opened through the verified O_PATH
 * descriptor and checked to be the same host inode: O_RDWR when the host allows it, else
 * O_RDONLY, else the O_PATH descriptor itself. Every operation on the inode then uses that
 * descriptor (or reopens it through /proc/self/fd/N for an access mode it lacks) and walks no
 * path, so a file unlinked or renamed over while open keeps working, as POSIX has it, and a swap
 * on the host after the open does not redirect it: the open file is the inode that was verified.
 * Holding O_RDWR shows the host an open for writing (inotify reports IN_CLOSE_WRITE at the close).
 *
 * Known limits: permission is checked when the host descriptor is made and when an access mode
 * it lacks is needed (at each read/write for a file not open); a file with several hard links is
 * reached by the name of its latest lookup. Times are set through utimes(2) with double seconds
 * (about 240 ns of precision for present-day times), and setting one of atime/mtime writes the
 * other back as read (Node has no UTIME_OMIT). Host names that are not valid UTF-8 cannot be
 * named by a JS string and are left out of readdir.
 */
import * as nodeFs from 'fs';
import { E, type ErrnoName, SysError } from '../errno';
import { BaseInode, type DirEntry, dtOf, type FileSystem, type Inode, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type Stat } from './inode';
import { checkName, checkOffset, checkSymlinkTarget } from './tmpfs';

/** open(2)'s O_PATH in Linux's generic ABI (x86-64, arm64, riscv64, loongarch64); Node does not export it. */
const O_PATH = 0o10000000;
const { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } = nodeFs.constants;
const S_ISGID = 0o2000;
/** Synthetic inode numbers (for host inodes on another device than the root's, or beyond 2^53) start here. */
const REMAP_BASE = 2 ** 52;

const fdPath = (fd: number): string => `/proc/self/fd/${fd}`;

/**
 * The SysError for a Node system error: its code ('ENOENT'...) is the Linux errno name, EIO for a
 * code the kernel's table lacks. Anything else (a SysError already, or a bug) is returned as is.
 */
export function asSysError(e: unknown): unknown {
  if (e instanceof SysError || !(e instanceof Error)) return e;
  const { code, errno } = e as NodeJS.ErrnoException;
  if (typeof errno !== 'number' || typeof code !== 'string') return e;
  return new SysError(Object.hasOwn(E, code) ? E[code as ErrnoName] : E.EIO, e.message);
}

/** Runs a host call, its errors turned into SysErrors. */
function host<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw asSysError(e);
  }
}

function lstatAt(dir: number, name: string): nodeFs.BigIntStats | undefined {
  return host(() => nodeFs.lstatSync(`${fdPath(dir)}/${name}`, { bigint: true, throwIfNoEntry: false }));
}

function fstat(fd: number): nodeFs.BigIntStats {
  return host(() => nodeFs.fstatSync(fd, { bigint: true }));
}

/** `name` in the directory `dir`, opened O_PATH without following it, with its stat; the caller closes it. */
function openName(dir: number, name: string): { fd: number; st: nodeFs.BigIntStats } {
  const fd = host(() => nodeFs.openSync(`${fdPath(dir)}/${name}`, O_PATH | O_NOFOLLOW));
  try {
    return { fd, st: fstat(fd) };
  } catch (e) {
    nodeFs.closeSync(fd);
    throw e;
  }
}

/** utimes(2) seconds for nanoseconds since the epoch. */
function seconds(ns: bigint): number {
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}

/**
 * Moves `len` bytes in positional steps until done, end of file (a 0 step), or an error after
 * some bytes (then the count so far, as Linux's read/write return).
 */
function transfer(len: number, step: (done: number) => number): number {
  let done = 0;
  while (done < len) {
    let n: number;
    try {
      n = step(done);
    } catch (e) {
      if (done > 0) return done;
      throw asSysError(e);
    }
    if (n === 0) break;
    done += n;
  }
  return done;
}

export interface HostFsOptions {
  /** st_dev of its inodes. */
  dev: number;
  /** Every change answers EROFS (qemu's `readonly=on`). */
  readOnly?: boolean;
}

export class HostFileSystem implements FileSystem {
  readonly type = '9p';
  readonly dev: number;
  readonly readOnly: boolean;
  readonly root: HostDir;
  /** O_PATH descriptor of the host directory, held for the mount's life: every walk starts here. */
  readonly rootFd: number;
  private readonly rootDev: bigint;
  private readonly inodes = new Map<string, WeakRef<HostNode>>();
  private readonly forget = new FinalizationRegistry<string>((key) => {
    if (!this.inodes.get(key)?.deref()) this.inodes.delete(key);
  });
  private readonly remapped = new Map<string, number>();

  /** Mounts `hostDir` (symlinks in that path are followed once, here); throws an Error saying why not. */
  constructor(readonly hostDir: string, opts: HostFsOptions) {
    this.dev = opts.dev;
    this.readOnly = opts.readOnly ?? false;
    let fd: number;
    try {
      fd = nodeFs.openSync(hostDir, O_PATH | O_DIRECTORY);
    } catch (e) {
      throw new Error(`hostfs: cannot mount ${hostDir}: ${(e as Error).message}`);
    }
    const st = nodeFs.fstatSync(fd, { bigint: true });
    const viaProc = nodeFs.statSync(fdPath(fd), { bigint: true, throwIfNoEntry: false });
    if (!viaProc || viaProc.dev !== st.dev || viaProc.ino !== st.ino) {
      nodeFs.closeSync(fd);
      throw new Error(`hostfs: cannot mount ${hostDir}: confinement needs Linux's /proc/self/fd`);
    }
    this.rootFd = fd;
    this.rootDev = st.dev;
    this.root = new HostDir(this, this.guestIno(st), st, null, '');
    this.remember(this.root);
  }

  /** Writes go straight to the host; there is nothing to write back. */
  sync(): void {}

  /** st_ino for a host inode: its own number, or a synthetic one when that could clash or not fit. */
  guestIno(st: nodeFs.BigIntStats): number {
    if (st.dev === this.rootDev && st.ino <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(st.ino);
    const key = `${st.dev}:${st.ino}`;
    let ino = this.remapped.get(key);
    if (ino === undefined) this.remapped.set(key, (ino = REMAP_BASE + this.remapped.size));
    return ino;
  }

  /**
   * The inode object for the host inode `st`, found as `name` in `parent`: the live one for that
   * dev:ino (now recorded at this place), or a new one.
   */
  node(st: nodeFs.BigIntStats, parent: HostDir, name: string): HostNode {
    const live = this.inodes.get(`${st.dev}:${st.ino}`)?.deref();
    if (live?.is(st)) {
      // A directory met again below itself (a host bind mount) gets an object of its own:
      // recording it there would make its chain of parents a loop.
      if (live instanceof HostDir && live.isAncestorOf(parent)) return this.make(st, parent, name);
      live.parent = parent;
      live.name = name;
      return live;
    }
    const n = this.make(st, parent, name);
    this.remember(n);
    return n;
  }

  /** A rename moved the host inode `st` to `dir`/`name`: its live object follows. */
  moved(st: nodeFs.BigIntStats, dir: HostDir, name: string): void {
    const live = this.inodes.get(`${st.dev}:${st.ino}`)?.deref();
    if (live?.is(st)) {
      live.parent = dir;
      live.name = name;
    }
  }

  /** The guest's view of the host's stat of `n`. */
  toStat(n: HostNode, st: nodeFs.BigIntStats): Stat {
    return {
      dev: this.dev, ino: n.ino, mode: Number(st.mode), nlink: Number(st.nlink), uid: Number(st.uid), gid: Number(st.gid),
      rdev: Number(st.rdev), size: Number(st.size), blksize: Number(st.blksize), blocks: Number(st.blocks),
      atimeNs: st.atimeNs, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs,
    };
  }

  private make(st: nodeFs.BigIntStats, parent: HostDir, name: string): HostNode {
    const ino = this.guestIno(st);
    switch (Number(st.mode) & S_IFMT) {
      case S_IFDIR: return new HostDir(this, ino, st, parent, name);
      case S_IFREG: return new HostFile(this, ino, st, parent, name);
      case S_IFLNK: return new HostSymlink(this, ino, st, parent, name);
      default: return new HostSpecial(this, ino, st, parent, name);
    }
  }

  private remember(n: HostNode): void {
    const key = `${n.hostDev}:${n.hostIno}`;
    this.inodes.set(key, new WeakRef(n));
    this.forget.register(n, key);
  }
}

export abstract class HostNode extends BaseInode {
  readonly type: number;
  readonly hostDev: bigint;
  readonly hostIno: bigint;

  constructor(
    readonly fs: HostFileSystem,
    readonly ino: number,
    st: nodeFs.BigIntStats,
    /** Where it was last found: its directory (null for the root) and name there. */
    public parent: HostDir | null,
    public name: string,
  ) {
    super();
    this.type = Number(st.mode) & S_IFMT;
    this.hostDev = st.dev;
    this.hostIno = st.ino;
  }

  /** `st` is this host inode. */
  is(st: nodeFs.BigIntStats): boolean {
    return st.dev === this.hostDev && st.ino === this.hostIno && (Number(st.mode) & S_IFMT) === this.type;
  }

  /** A fresh O_PATH descriptor of this very host inode, walked to from the root (see the header); the caller closes it. */
  openPath(): number {
    if (!this.parent) return host(() => nodeFs.openSync(fdPath(this.fs.rootFd), O_PATH));
    const dir = this.parent.openPath();
    try {
      const { fd, st } = openName(dir, this.name);
      if (!this.is(st)) {
        nodeFs.closeSync(fd);
        throw new SysError(E.ENOENT, `hostfs: ${this.name} is no longer the inode looked up`);
      }
      return fd;
    } finally {
      nodeFs.closeSync(dir);
    }
  }

  /** Runs `f` on a verified O_PATH (or stronger) descriptor of this inode. */
  withPath<T>(f: (fd: number) => T): T {
    const fd = this.openPath();
    try {
      return f(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  }

  /** Runs `f` on this inode opened with `flags` — through the verified descriptor, never by name. */
  protected withOpen<T>(flags: number, f: (fd: number) => T): T {
    return this.withPath((p) => {
      const fd = host(() => nodeFs.openSync(fdPath(p), flags));
      try {
        return f(fd);
      } finally {
        nodeFs.closeSync(fd);
      }
    });
  }

  protected mutable(): void {
    if (this.fs.readOnly) this.readOnly();
  }

  stat(): Stat {
    return this.withPath((fd) => this.fs.toStat(this, fstat(fd)));
  }

  override chmod(mode: number): void {
    this.mutable();
    this.withPath((fd) => host(() => nodeFs.chmodSync(fdPath(fd), mode & 0o7777)));
  }

  override setTimes(atimeNs: bigint | null, mtimeNs: bigint | null): void {
    this.mutable();
    if (atimeNs === null && mtimeNs === null) return;
    this.withPath((fd) => {
      const st = fstat(fd);
      host(() => nodeFs.utimesSync(fdPath(fd), seconds(atimeNs ?? st.atimeNs), seconds(mtimeNs ?? st.mtimeNs)));
    });
  }
}

export class HostDir extends HostNode {
  /** This directory is `n` or one of the directories `n` is in. */
  isAncestorOf(n: HostDir): boolean {
    for (let d: HostDir | null = n; d; d = d.parent) if (d === this) return true;
    return false;
  }

  override lookup(name: string): Inode | null {
    checkName(name);
    return this.withPath((d) => {
      const st = lstatAt(d, name);
      return st ? this.fs.node(st, this, name) : null;
    });
  }

  /** Sorted by name: the same order on every host and in every listing of an unchanged directory. */
  override readdir(): DirEntry[] {
    return this.withPath((d) => {
      const out: DirEntry[] = [];
      for (const name of host(() => nodeFs.readdirSync(fdPath(d))).sort()) {
        // Absent: removed since the listing, or a name that is not valid UTF-8.
        const st = lstatAt(d, name);
        if (st) out.push({ name, ino: this.fs.guestIno(st), type: dtOf(Number(st.mode)) });
      }
      return out;
    });
  }

  override create(name: string, mode: number): Inode {
    this.mutable();
    checkName(name);
    return this.withPath((d) => {
      const fd = host(() => nodeFs.openSync(`${fdPath(d)}/${name}`, O_CREAT | O_EXCL | O_WRONLY, mode & 0o7777));
      try {
        // The guest's umask has been applied by the VFS; the daemon's must not be applied again.
        host(() => nodeFs.fchmodSync(fd, mode & 0o7777));
        return this.fs.node(fstat(fd), this, name);
      } finally {
        nodeFs.closeSync(fd);
      }
    });
  }

  override mkdir(name: string, mode: number): Inode {
    this.mutable();
    checkName(name);
    return this.withPath((d) => {
      host(() => nodeFs.mkdirSync(`${fdPath(d)}/${name}`, mode & 0o1777));
      const { fd, st } = openName(d, name);
      try {
        if ((Number(st.mode) & S_IFMT) !== S_IFDIR) throw new SysError(E.ENOENT, `hostfs: ${name} was replaced on the host`);
        // As for create, without the daemon's umask; a set-group-ID parent's bit stays.
        const want = (mode & 0o1777) | (Number(st.mode) & S_ISGID);
        if ((Number(st.mode) & 0o7777) !== want) host(() => nodeFs.chmodSync(fdPath(fd), want));
        return this.fs.node(fstat(fd), this, name);
      } finally {
        nodeFs.closeSync(fd);
      }
    });
  }

  override symlink(name: string, target: string): Inode {
    this.mutable();
    checkName(name);
    checkSymlinkTarget(target);
    return this.withPath((d) => {
      host(() => nodeFs.symlinkSync(target, `${fdPath(d)}/${name}`));
      const st = lstatAt(d, name);
      if (!st) throw new SysError(E.ENOENT, `hostfs: ${name} was removed on the host`);
      return this.fs.node(st, this, name);
    });
  }

  /**
   * A real hard link inside the host folder, made by name in the target's verified directory
   * (link(2) follows neither name, so nothing outside can be reached even if the name changes).
   */
  override link(name: string, target: Inode): Inode {
    this.mutable();
    checkName(name);
    if (!(target instanceof HostNode) || target.fs !== this.fs) throw new SysError(E.EXDEV);
    if (target instanceof HostDir) throw new SysError(E.EPERM);
    const from = target.parent;
    if (!from) throw new SysError(E.EPERM);
    return from.withPath((sd) => this.withPath((d) => {
      const st = lstatAt(sd, target.name);
      if (!st || !target.is(st)) throw new SysError(E.ENOENT, `hostfs: ${target.name} is no longer the inode looked up`);
      host(() => nodeFs.linkSync(`${fdPath(sd)}/${target.name}`, `${fdPath(d)}/${name}`));
      return target;
    }));
  }

  override unlink(name: string): void {
    this.mutable();
    checkName(name);
    this.withPath((d) => host(() => nodeFs.unlinkSync(`${fdPath(d)}/${name}`)));
  }

  override rmdir(name: string): void {
    this.mutable();
    checkName(name);
    this.withPath((d) => host(() => nodeFs.rmdirSync(`${fdPath(d)}/${name}`)));
  }

  override rename(name: string, newDir: Inode, newName: string): void {
    this.mutable();
    checkName(name);
    checkName(newName);
    if (!(newDir instanceof HostNode) || newDir.fs !== this.fs) throw new SysError(E.EXDEV);
    if (!(newDir instanceof HostDir)) throw new SysError(E.ENOTDIR);
    this.withPath((d) => newDir.withPath((nd) => {
      const from = `${fdPath(d)}/${name}`;
      const st = lstatAt(d, name);
      if (!st) throw new SysError(E.ENOENT);
      host(() => nodeFs.renameSync(from, `${fdPath(nd)}/${newName}`));
      this.fs.moved(st, newDir, newName);
    }));
  }

  override sync(): void {
    this.withOpen(O_RDONLY | O_DIRECTORY, (fd) => host(() => nodeFs.fsyncSync(fd)));
  }
}

/** What a held host descriptor allows: read and write, read only, or neither (O_PATH). */
type HeldMode = 'rw' | 'r' | 'path';

export class HostFile extends HostNode {
  /** Open file descriptions referring to it. */
  private opens = 0;
  /** The host descriptor held while it is open (see the header); null when none could be made. */
  private held: { fd: number; mode: HeldMode } | null = null;

  /** The host descriptor it holds while open, and what it allows (tests). */
  get heldFd(): { fd: number; mode: HeldMode } | null { return this.held; }

  override opened(): void {
    this.opens++;
    if (this.held === null) this.held = this.hold();
  }

  override released(): void {
    if (this.opens === 0 || --this.opens > 0 || this.held === null) return;
    const { fd } = this.held;
    this.held = null;
    nodeFs.closeSync(fd);
  }

  /**
   * A descriptor of this very host inode for the open file's life: reopened from the verified
   * O_PATH descriptor with the strongest access the host grants, checked by fstat. Null when the
   * inode is no longer where it was found (its operations then fail as for a file not open).
   */
  private hold(): { fd: number; mode: HeldMode } | null {
    let p: number;
    try {
      p = this.openPath();
    } catch (e) {
      if (e instanceof SysError) return null;
      throw e;
    }
    const tries: Array<[number, HeldMode]> = this.fs.readOnly ? [[O_RDONLY, 'r']] : [[O_RDWR, 'rw'], [O_RDONLY, 'r']];
    for (const [flags, mode] of tries) {
      let fd: number;
      try {
        // O_NONBLOCK: an open for writing must not wait for a host process's lease to break.
        fd = nodeFs.openSync(fdPath(p), flags | O_NONBLOCK);
      } catch {
        continue;
      }
      let same = false;
      try {
        same = this.is(nodeFs.fstatSync(fd, { bigint: true }));
      } catch { /* then it is not */ }
      nodeFs.closeSync(same ? p : fd);
      if (same) return { fd, mode };
      // Not the verified inode (reopening /proc/self/fd/N cannot give another): hold nothing.
      nodeFs.closeSync(p);
      return null;
    }
    // Neither readable nor writable by the daemon: the verified O_PATH descriptor still names the
    // inode, for stat and for reopening when an operation needs access.
    return { fd: p, mode: 'path' };
  }

  /** The held descriptor when it is open: no walk, the inode that was opened even if unlinked since. */
  override withPath<T>(f: (fd: number) => T): T {
    return this.held !== null ? f(this.held.fd) : super.withPath(f);
  }

  /** The held descriptor itself when it allows `flags` (O_RDONLY or O_WRONLY), else a reopening of it. */
  protected override withOpen<T>(flags: number, f: (fd: number) => T): T {
    const h = this.held;
    const fits = h !== null && (flags === O_RDONLY ? h.mode !== 'path' : flags === O_WRONLY && h.mode === 'rw');
    return fits ? f(h.fd) : super.withOpen(flags, f);
  }

  override read(offset: number, buf: Uint8Array): number {
    checkOffset(offset);
    const len = Math.min(buf.length, Number.MAX_SAFE_INTEGER - offset);
    if (len === 0) return 0;
    return this.withOpen(O_RDONLY, (fd) => transfer(len, (done) => nodeFs.readSync(fd, buf, done, len - done, offset + done)));
  }

  override write(offset: number, data: Uint8Array): number {
    this.mutable();
    checkOffset(offset);
    if (data.length === 0) return 0;
    if (offset + data.length > Number.MAX_SAFE_INTEGER) throw new SysError(E.EFBIG);
    return this.withOpen(O_WRONLY, (fd) => transfer(data.length, (done) => nodeFs.writeSync(fd, data, done, data.length - done, offset + done)));
  }

  override truncate(size: number): void {
    this.mutable();
    checkOffset(size);
    this.withOpen(O_WRONLY, (fd) => host(() => nodeFs.ftruncateSync(fd, size)));
  }

  override sync(): void {
    this.withOpen(O_RDONLY, (fd) => host(() => nodeFs.fsyncSync(fd)));
  }
}

export class HostSymlink extends HostNode {
  /** A symlink is never the root. */
  declare parent: HostDir;

  override readlink(): string {
    return this.atName((path) => host(() => nodeFs.readlinkSync(path)));
  }

  /** fchmodat(AT_SYMLINK_NOFOLLOW) on a symlink: Linux has no symlink modes. */
  override chmod(): void {
    this.mutable();
    throw new SysError(E.ENOTSUP);
  }

  override setTimes(atimeNs: bigint | null, mtimeNs: bigint | null): void {
    this.mutable();
    if (atimeNs === null && mtimeNs === null) return;
    const st = this.withPath(fstat);
    this.atName((path) => host(() => nodeFs.lutimesSync(path, seconds(atimeNs ?? st.atimeNs), seconds(mtimeNs ?? st.mtimeNs))));
  }

  /**
   * Runs `f` on this symlink's host path inside its verified directory, once the name there is
   * checked to be this symlink (readlink(2) and lutimes(2) take no descriptor in Node). A swap
   * between the check and `f` can only show another entry of the same directory.
   */
  private atName<T>(f: (path: string) => T): T {
    return this.parent.withPath((d) => {
      const st = lstatAt(d, this.name);
      if (!st || !this.is(st)) throw new SysError(E.ENOENT, `hostfs: ${this.name} is no longer the symlink looked up`);
      return f(`${fdPath(d)}/${this.name}`);
    });
  }
}

/** A device, fifo or socket of the host: visible, never opened. */
export class HostSpecial extends HostNode {
  override read(): number { throw new SysError(E.ENXIO); }
  override write(): number { throw new SysError(E.ENXIO); }
}
