/**
 * vfat: a FAT32 volume (fat32.ts) behind the VFS inode interface (inode.ts), with the semantics
 * and errnos of Linux's vfat (fs/fat/namei_vfat.c, inode.c, file.c) mounted by root with default
 * options: uid = gid = 0, fmask = dmask = 022 (files and directories 0755, files without write
 * bits when ATTR_RO is set), shortname=mixed, utf8 (ASCII-only case folding).
 *
 * Inodes: one object per file for the life of the mount, cached by the position of its short
 * entry (directory first cluster × 65536 + slot) and moved with it by rename; the root is ino 1
 * (MSDOS_ROOT_INO). Metadata lives only in the directory entry (no inode-side copy to go stale;
 * a file removed while open keeps the entry's 32 bytes in memory instead); FAT has no ctime, so ctime reads as mtime (as Linux shows after a remount), and the root has no
 * entry, so its times start at 0 and change in memory only, as Linux's do.
 *
 * Crash consistency: every operation runs to completion and leaves the image consistent (write
 * through, nothing dirty between calls). Within one, writes are ordered so that a crash loses at
 * most space: growing writes the data, then links the FAT, then records size and first cluster in
 * the entry; shrinking and removing change the entry first and free clusters after; a rename
 * removes the old entry before writing the new one (in one write when both sit in one run of
 * directory clusters); new directory clusters are zeroed before the FAT links them.
 *
 * Files removed while open (POSIX unlink semantics): the VFS tells an inode when open file
 * descriptions take and let go of it (opened/released). Unlinking or renaming over a file that is
 * open removes its directory entry at once — the name is free for a new file — but moves the
 * entry's fields to memory (a LooseEntry) and leaves its cluster chain allocated: reads, writes,
 * truncate, chmod and times keep working (stat shows nlink 0) until the last release frees the
 * chain (FAT and FSInfo). Between operations such a file's clusters are referenced by no entry, so
 * a crash while it is open loses only them (fsck.fat reports and reclaims lost clusters); after
 * the last close the image is clean again. A file removed while not open is freed at once, and its
 * inode object answers EIO from then on.
 */
import { E, SysError } from '../errno';
import { type EntryPatch, type FatDir, type FatSlot, LooseEntry } from './fat32-dir';
import { Fat32, type FatBlockDevice, type MountOptions } from './fat32';
import { ATTR, BAD_LONG_NAME_CHAR, DIR_ENTRY_SIZE, shortEntry } from './fat32-layout';
import { BaseInode, DT, S_IFDIR, S_IFREG, type DirEntry, type FileSystem, type Inode, type Stat } from './inode';

/** FAT file sizes are 32-bit (Linux s_maxbytes = 0xffffffff). */
const MAX_FILE_SIZE = 0xffffffff;
/** Default mount: fmask = dmask = 022. */
const PERM = 0o755;
const UMASK = 0o022;
/** Linux FAT_VALID_MODE: chmod may not set anything beyond the rwx bits. */
const VALID_MODE = S_IFREG | S_IFDIR | 0o777;
const ROOT_INO = 1;
/** Slots per directory, for inode-cache keys (fatgen103 §6: at most 65536). */
const SLOT_KEY = 65536;

export interface FatFsOptions {
  /** st_dev of its inodes. */
  dev: number;
  /** Wall-clock nanoseconds for timestamps (the kernel's realtimeNs, virtual in deterministic mode). */
  clock: () => bigint;
}

/** An inode's short entry: its fields, and changing them (written out at once when on disk). */
interface Entry {
  attr(): number;
  firstCluster(): number;
  size(): number;
  mtimeMs(): number;
  atimeMs(): number;
  patch(p: EntryPatch): void;
}

/** Slot `s` of `d` as an Entry. */
function slotEntry(d: FatDir, s: FatSlot): Entry {
  return {
    attr: () => d.attr(s), firstCluster: () => d.firstCluster(s), size: () => d.size(s), mtimeMs: () => d.mtimeMs(s),
    atimeMs: () => d.atimeMs(s), patch: (p) => { d.patch(s, p); d.flush(); },
  };
}

const ns = (ms: number): bigint => BigInt(Math.floor(ms)) * 1_000_000n;
/** Nanoseconds to whole milliseconds, rounding down (also before 1970). */
const msOf = (t: bigint): number => Number(t / 1_000_000n) - (t < 0n && t % 1_000_000n !== 0n ? 1 : 0);

/** Linux vfat_find and vfat_add_entry ignore trailing dots ("a." is "a"). */
const stripDots = (name: string): string => name.replace(/\.+$/, '');

/** The name vfat_add_entry would store for `name`, or the errno it gives. */
function storableName(name: string): string {
  const n = stripDots(name);
  if (n.length === 0) throw new SysError(E.ENOENT);
  if (n.endsWith(' ')) throw new SysError(E.EINVAL);
  if (Buffer.byteLength(n, 'utf8') > 255 || n.length > 255) throw new SysError(E.ENAMETOOLONG);
  if (BAD_LONG_NAME_CHAR.test(n)) throw new SysError(E.EINVAL);
  return n;
}

export class FatFileSystem implements FileSystem {
  readonly type = 'vfat';
  readonly dev: number;
  readonly root: FatDirInode;
  readonly clock: () => bigint;
  private readonly inodes = new Map<number, FatInode>();
  /** Regular files removed while open, until their last release (or reapOrphans). */
  private readonly orphans = new Set<FatFileInode>();
  private nextIno = ROOT_INO + 1;

  /** Serves an already mounted volume (the daemon's path API may share it: both see every change). */
  constructor(readonly vol: Fat32, opts: FatFsOptions) {
    this.dev = opts.dev;
    this.clock = opts.clock;
    this.root = new FatDirInode(this, ROOT_INO, null, null, vol.geometry.rootCluster);
  }

  /** Mounts the FAT32 volume on `device` (read-only when the device or `opts.readOnly` says so). */
  static mount(device: FatBlockDevice, opts: FatFsOptions & MountOptions): FatFileSystem {
    return new FatFileSystem(Fat32.mount(device, opts), opts);
  }

  get readOnly(): boolean { return this.vol.readOnly; }

  /** Nothing to do: every operation has written everything before it returned. */
  sync(): void {}

  /** @internal The clock in ms, FAT's unit. */
  now(): number { return Number(this.clock() / 1_000_000n); }

  private static key(parent: FatDirInode, slot: FatSlot): number { return parent.first * SLOT_KEY + slot.index; }

  /** @internal The inode of entry `slot` of `parent`, the same object every time. */
  inodeAt(parent: FatDirInode, slot: FatSlot): FatInode {
    const key = FatFileSystem.key(parent, slot);
    const hit = this.inodes.get(key);
    if (hit !== undefined) return hit;
    const d = parent.dir();
    const ino = this.nextIno++;
    const inode = d.isDir(slot)
      ? new FatDirInode(this, ino, parent, slot, d.firstCluster(slot))
      : new FatFileInode(this, ino, parent, slot);
    this.inodes.set(key, inode);
    return inode;
  }

  /** @internal `inode`'s entry now lives at `slot` of `parent` (rename). */
  moved(inode: FatInode, parent: FatDirInode, slot: FatSlot): void {
    this.inodes.delete(FatFileSystem.key(inode.parent!, inode.slot!));
    inode.parent = parent;
    inode.slot = slot;
    this.inodes.set(FatFileSystem.key(parent, slot), inode);
  }

  /**
   * @internal `inode`'s entry is about to go, and the inode leaves the cache. A regular file that
   * is open becomes an orphan (its fields move to memory): returns true, and the caller keeps its
   * clusters. Anything else is gone: it keeps its last stat, and the caller frees its clusters.
   */
  dying(inode: FatInode): boolean {
    this.inodes.delete(FatFileSystem.key(inode.parent!, inode.slot!));
    if (inode instanceof FatFileInode && inode.isOpen) {
      inode.orphan();
      this.orphans.add(inode);
      return true;
    }
    inode.last = { ...inode.stat(), nlink: 0 };
    if (inode instanceof FatDirInode) this.vol.dropDir(inode.first);
    return false;
  }

  /** @internal An orphan's clusters were freed. */
  reaped(inode: FatFileInode): void { this.orphans.delete(inode); }

  /** Files removed while open whose clusters are still allocated. */
  get openOrphans(): number { return this.orphans.size; }

  /**
   * Frees the clusters of every file removed while still open, as though it had been closed
   * (unmount: nothing may use them afterwards; a later access answers EIO).
   */
  reapOrphans(): void {
    for (const inode of [...this.orphans]) inode.reap();
  }
}

export abstract class FatInode extends BaseInode {
  /** Set once the entry is gone (unlink, rmdir, renamed over): the stat to show from then on. */
  last: Stat | null = null;

  constructor(
    readonly fs: FatFileSystem,
    readonly ino: number,
    /** The directory holding its entry, and the entry; null for the root. Moved by rename. */
    public parent: FatDirInode | null,
    public slot: FatSlot | null,
  ) { super(); }

  protected get vol(): Fat32 { return this.fs.vol; }
  protected get label(): string { return this.slot?.name ?? '/'; }

  /** Its short entry; null for the root, which has none. */
  protected entry(): Entry | null { return this.slot === null ? null : slotEntry(this.home(), this.slot); }

  /** Throws EROFS on a read-only mount and EIO once the entry is gone (its clusters are freed). */
  protected modifiable(): void {
    if (this.fs.readOnly) this.readOnly();
    this.alive();
  }

  protected alive(): void {
    if (this.last !== null) throw new SysError(E.EIO, `${this.label}: file was removed`);
  }

  /** The directory holding this inode's entry. */
  protected home(): FatDir { return this.parent!.dir(); }

  protected abstract get mode(): number;
  protected abstract get nlink(): number;
  protected abstract get size(): number;
  protected abstract get blocks(): number;

  stat(): Stat {
    if (this.last !== null) return this.last;
    const e = this.entry();
    const mtime = e ? ns(e.mtimeMs()) : this.parentlessTimes().mtime;
    const atime = e ? ns(e.atimeMs()) : this.parentlessTimes().atime;
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: this.nlink, uid: 0, gid: 0, rdev: 0,
      size: this.size, blksize: this.vol.geometry.clusterSize, blocks: this.blocks,
      atimeNs: atime, mtimeNs: mtime, ctimeNs: mtime,
    };
  }

  /** The root's in-memory times. */
  protected parentlessTimes(): { atime: bigint; mtime: bigint } { return { atime: 0n, mtime: 0n }; }

  override setTimes(atimeNs: bigint | null, mtimeNs: bigint | null): void {
    this.modifiable();
    if (atimeNs === null && mtimeNs === null) return;
    this.entry()!.patch({ atimeMs: atimeNs === null ? undefined : msOf(atimeNs), mtimeMs: mtimeNs === null ? undefined : msOf(mtimeNs) });
  }

  /**
   * Linux fat_setattr: bits beyond rwx are EPERM; a change FAT cannot hold (r or x bits, or w
   * bits other than all-or-none of the 0200 the mask leaves) is silently ignored; otherwise the
   * w bits set or clear ATTR_RO (files only: directories ignore ATTR_RO without `rodir`).
   */
  override chmod(mode: number): void {
    this.modifiable();
    if ((mode & ~VALID_MODE) !== 0) throw new SysError(E.EPERM);
    const perm = mode & 0o777 & ~UMASK;
    if ((perm & 0o555) !== (this.mode & 0o555)) return;
    const w = perm & 0o222;
    const e = this.entry();
    if (this.type === S_IFDIR || e === null) return;
    if (w !== 0 && w !== 0o200) return;
    const attr = e.attr();
    const want = w === 0 ? attr | ATTR.READ_ONLY : attr & ~ATTR.READ_ONLY;
    if (want === attr) return;
    e.patch({ attr: want });
  }
}

export class FatFileInode extends FatInode {
  readonly type = S_IFREG;
  /** Open file descriptions referring to it. */
  private opens = 0;
  /** Set while it is an orphan (removed while open): its entry's fields and its last name. */
  private loose: { entry: LooseEntry; name: string } | null = null;

  /** An open file description refers to it. */
  get isOpen(): boolean { return this.opens > 0; }

  protected override get label(): string { return this.loose?.name ?? super.label; }
  protected override entry(): Entry { return this.loose?.entry ?? super.entry()!; }

  protected get mode(): number {
    return S_IFREG | (this.entry().attr() & ATTR.READ_ONLY ? PERM & ~0o222 : PERM);
  }
  protected get nlink(): number { return this.loose === null ? 1 : 0; }
  protected get size(): number { return this.entry().size(); }
  protected get blocks(): number {
    const cs = this.vol.geometry.clusterSize;
    return Math.ceil(this.size / cs) * (cs / 512);
  }

  private chain(e: Entry): Uint32Array { return this.vol.fileChain(e.firstCluster(), e.size(), this.label); }

  override opened(): void { this.opens++; }

  /** The last release of an orphan frees its clusters. */
  override released(): void {
    if (this.opens === 0) return;
    if (--this.opens === 0 && this.loose !== null) this.reap();
  }

  /** @internal Its entry is going while it is open: keep the entry's fields in memory. */
  orphan(): void {
    this.loose = { entry: new LooseEntry(this.home().entry(this.slot!)), name: this.label };
    this.parent = null;
    this.slot = null;
  }

  /**
   * @internal Frees an orphan's clusters; from then on it is gone (EIO). A corrupt chain cannot be
   * freed: its clusters stay lost (as after a crash) rather than failing the close that got here.
   */
  reap(): void {
    if (this.loose === null) return;
    const e = this.loose.entry;
    this.last = { ...this.stat(), nlink: 0 };
    this.loose = null;
    this.fs.reaped(this);
    let chain: Uint32Array;
    try {
      chain = this.chain(e);
    } catch (err) {
      if (err instanceof SysError) return;
      throw err;
    }
    this.vol.shrinkChain(chain, 0);
    this.vol.commit();
  }

  override read(offset: number, buf: Uint8Array): number {
    this.alive();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new SysError(E.EINVAL);
    const e = this.entry();
    const n = Math.min(buf.length, e.size() - offset);
    if (n <= 0) return 0;
    this.vol.readChain(this.chain(e), offset, buf.subarray(0, n), this.label);
    return n;
  }

  /**
   * Writes as much as fits: short when the disk fills up (ENOSPC when nothing fits) or the 4 GiB
   * limit is reached (EFBIG at it). A gap left past the old end reads as zeros.
   */
  override write(offset: number, data: Uint8Array): number {
    this.modifiable();
    if (!Number.isSafeInteger(offset) || offset < 0) throw new SysError(E.EINVAL);
    if (data.length === 0) return 0;
    if (offset >= MAX_FILE_SIZE) throw new SysError(E.EFBIG);
    const vol = this.vol, cs = vol.geometry.clusterSize;
    const e = this.entry();
    const size = e.size();
    let chain = this.chain(e);
    let end = Math.min(offset + data.length, MAX_FILE_SIZE);
    const need = Math.ceil(end / cs);
    if (need > chain.length) {
      const room = (chain.length + vol.freeClusters()) * cs;
      if (room <= offset) throw new SysError(E.ENOSPC);
      end = Math.min(end, room);
      chain = vol.extendChain(chain, Math.ceil(end / cs) - chain.length);
    }
    // Data first: until the FAT commit the new clusters are still free on disk.
    if (offset > size) vol.zeroChain(chain, size, offset, this.label);
    vol.writeChain(chain, offset, data.subarray(0, end - offset), this.label);
    vol.commit();
    e.patch({ first: chain[0] ?? 0, size: Math.max(size, end), mtimeMs: this.fs.now(), attr: e.attr() | ATTR.ARCHIVE });
    return end - offset;
  }

  override truncate(length: number): void {
    this.modifiable();
    if (!Number.isSafeInteger(length) || length < 0) throw new SysError(E.EINVAL);
    if (length > MAX_FILE_SIZE) throw new SysError(E.EFBIG);
    const vol = this.vol, cs = vol.geometry.clusterSize;
    const e = this.entry();
    const size = e.size();
    let chain = this.chain(e);
    const keep = Math.ceil(length / cs);
    const touch = { mtimeMs: this.fs.now(), attr: e.attr() | ATTR.ARCHIVE };
    if (length < size) {
      // Entry first: a crash before the FAT is freed leaves only unreferenced clusters.
      e.patch({ ...touch, size: length, first: keep > 0 ? chain[0]! : 0 });
      vol.shrinkChain(chain, keep);
      vol.commit();
      return;
    }
    if (length > size) {
      if (keep > chain.length) chain = vol.extendChain(chain, keep - chain.length);
      vol.zeroChain(chain, size, length, this.label);
      vol.commit();
    }
    e.patch({ ...touch, size: length, first: chain[0] ?? 0 });
  }
}

export class FatDirInode extends FatInode {
  readonly type = S_IFDIR;
  /** In-memory times of the root, which has no directory entry. */
  private rootTimes = { atime: 0n, mtime: 0n };

  constructor(fs: FatFileSystem, ino: number, parent: FatDirInode | null, slot: FatSlot | null, readonly first: number) {
    super(fs, ino, parent, slot);
  }

  /** This directory's contents. */
  dir(): FatDir { return this.vol.dir(this.first, this.label); }

  protected get mode(): number { return S_IFDIR | PERM; }
  protected get nlink(): number { return 2 + this.dir().subdirs; }
  /** Linux reports a directory's allocated size. */
  protected get size(): number { return this.dir().chain.length * this.vol.geometry.clusterSize; }
  protected get blocks(): number { return this.size / 512; }
  protected override parentlessTimes(): { atime: bigint; mtime: bigint } { return this.rootTimes; }

  override setTimes(atimeNs: bigint | null, mtimeNs: bigint | null): void {
    if (this.slot !== null) { super.setTimes(atimeNs, mtimeNs); return; }
    this.modifiable();
    if (atimeNs !== null) this.rootTimes.atime = ns(msOf(atimeNs));
    if (mtimeNs !== null) this.rootTimes.mtime = ns(msOf(mtimeNs));
  }

  /** Linux updates a directory's mtime when its entries change (vfat_update_dir_metadata). */
  private touched(ms: number): void {
    if (this.slot === null) { this.rootTimes.mtime = ns(ms); return; }
    const d = this.home();
    d.patch(this.slot, { mtimeMs: ms });
    d.flush();
  }

  /** This directory or one below it is `dir` (rename may not move a directory under itself). */
  private within(dir: FatDirInode): boolean {
    for (let p: FatDirInode | null = this; p !== null; p = p.parent) if (p === dir) return true;
    return false;
  }

  override lookup(name: string): FatInode | null {
    if (this.last !== null) return null;
    const key = stripDots(name);
    if (key === '') return null;
    const s = this.dir().find(key);
    return s === undefined ? null : this.fs.inodeAt(this, s);
  }

  override readdir(): DirEntry[] {
    if (this.last !== null) return [];
    return this.dir().list.map((s) => {
      const inode = this.fs.inodeAt(this, s);
      return { name: s.name, ino: inode.ino, type: inode.type === S_IFDIR ? DT.DIR : DT.REG };
    });
  }

  /** Checks for a new entry called `name` in the order Linux does (EEXIST, EROFS, then the
   *  name itself) and returns the name vfat stores. */
  private newName(name: string): string {
    if (this.last !== null) throw new SysError(E.ENOENT);
    if (this.lookup(name) !== null) throw new SysError(E.EEXIST);
    if (this.fs.readOnly) this.readOnly();
    return storableName(name);
  }

  override create(name: string, _mode: number): FatFileInode {
    const n = this.newName(name);
    const d = this.dir();
    const plan = d.plan(n);
    const now = this.fs.now();
    const s = d.add(n, plan, shortEntry(plan.short, ATTR.ARCHIVE, 0, 0, now));
    d.flush(true);
    this.touched(now);
    return this.fs.inodeAt(this, s) as FatFileInode;
  }

  override mkdir(name: string, _mode: number): FatDirInode {
    const n = this.newName(name);
    const vol = this.vol, cs = vol.geometry.clusterSize;
    const d = this.dir();
    const plan = d.plan(n);
    if (vol.freeClusters() < 1 + d.growthFor(plan)) throw new SysError(E.ENOSPC);
    d.reserve(plan);
    const now = this.fs.now();
    // The new directory's cluster is written and committed before any entry points at it.
    const chain = vol.extendChain(new Uint32Array(0), 1);
    const c = chain[0]!;
    const body = new Uint8Array(cs);
    const dotName = (s: string): Uint8Array => Uint8Array.from(s.padEnd(11, ' '), (ch) => ch.charCodeAt(0));
    body.set(shortEntry(dotName('.'), ATTR.DIRECTORY, c, 0, now), 0);
    body.set(shortEntry(dotName('..'), ATTR.DIRECTORY, this.slot === null ? 0 : this.first, 0, now), DIR_ENTRY_SIZE);
    vol.writeChain(chain, 0, body, n);
    vol.commit();
    const s = d.add(n, plan, shortEntry(plan.short, ATTR.DIRECTORY, c, 0, now));
    d.flush(true);
    this.touched(now);
    return this.fs.inodeAt(this, s) as FatDirInode;
  }

  /** vfat has no symlinks: the VFS's EPERM for a file system without the operation. */
  override symlink(name: string, _target: string): Inode {
    this.newName(name);
    throw new SysError(E.EPERM);
  }

  /** The entry `name` for removal or renaming: EROFS first (Linux checks the mount before the name). */
  private existing(name: string): { s: FatSlot; inode: FatInode } {
    if (this.fs.readOnly) this.readOnly();
    if (this.last !== null) throw new SysError(E.ENOENT);
    const key = stripDots(name);
    const s = key === '' ? undefined : this.dir().find(key);
    if (s === undefined) throw new SysError(E.ENOENT);
    return { s, inode: this.fs.inodeAt(this, s) };
  }

  override unlink(name: string): void {
    const { s, inode } = this.existing(name);
    if (inode.type === S_IFDIR) throw new SysError(E.EISDIR);
    const d = this.dir();
    const chain = this.vol.fileChain(d.firstCluster(s), d.size(s), s.name);
    const open = this.fs.dying(inode);
    d.remove(s);
    d.flush();
    // An open file keeps its clusters until its last release.
    if (!open) {
      this.vol.shrinkChain(chain, 0);
      this.vol.commit();
    }
    this.touched(this.fs.now());
  }

  override rmdir(name: string): void {
    const { s, inode } = this.existing(name);
    if (!(inode instanceof FatDirInode)) throw new SysError(E.ENOTDIR);
    const child = inode.dir();
    if (!child.isEmpty()) throw new SysError(E.ENOTEMPTY);
    const chain = child.chain;
    const d = this.dir();
    this.fs.dying(inode);
    d.remove(s);
    d.flush();
    this.vol.shrinkChain(chain, 0);
    this.vol.commit();
    this.touched(this.fs.now());
  }

  override rename(name: string, newDir: Inode, newName: string): void {
    const { s: src, inode } = this.existing(name);
    if (!(newDir instanceof FatDirInode) || newDir.fs !== this.fs) throw new SysError(E.EXDEV);
    if (newDir.last !== null) throw new SysError(E.ENOENT);
    const target = newDir.lookup(newName);
    // rename(2): the same file under both names -> nothing to do (this includes case-only
    // renames, as on Linux vfat, whose case-insensitive dentries resolve both names alike).
    if (target === inode) return;
    const moving = inode instanceof FatDirInode ? inode : null;
    if (moving !== null && newDir.within(moving)) throw new SysError(E.EINVAL);
    if (target !== null) {
      if (moving !== null && !(target instanceof FatDirInode)) throw new SysError(E.ENOTDIR);
      if (moving === null && target instanceof FatDirInode) throw new SysError(E.EISDIR);
      if (target instanceof FatDirInode && !target.dir().isEmpty()) throw new SysError(E.ENOTEMPTY);
    }
    const from = this.dir(), to = newDir.dir();
    const entry = from.entry(src);
    const dotdot = newDir.slot === null ? 0 : newDir.first;
    // The source goes first: a crash before the new entry is written loses the file's clusters
    // (fsck reclaims them) rather than leaving two entries sharing them.
    const removeSource = (): void => {
      from.remove(src);
      if (from !== to || !from.isContiguous()) from.flush();
      if (moving !== null && from !== to) {
        const md = moving.dir();
        md.setDotDot(dotdot);
        md.flush();
      }
    };
    const now = this.fs.now();
    if (target === null) {
      const n = storableName(newName);
      const plan = to.plan(n);
      to.reserve(plan);
      removeSource();
      const s = to.add(n, plan, entry);
      to.flush(true);
      this.fs.moved(inode, newDir, s);
    } else {
      // Like Linux vfat_rename: the target's slot, and so its name, takes the source's fields.
      const tslot = target.slot!;
      const old = target instanceof FatDirInode ? target.dir().chain : this.vol.fileChain(to.firstCluster(tslot), to.size(tslot), tslot.name);
      const open = this.fs.dying(target);
      removeSource();
      to.overwrite(tslot, entry);
      to.flush();
      if (!open) {
        this.vol.shrinkChain(old, 0);
        this.vol.commit();
      }
      this.fs.moved(inode, newDir, tslot);
    }
    this.touched(now);
    if (newDir !== this) newDir.touched(now);
  }
}
