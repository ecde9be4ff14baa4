/**
 * The virtual file system: one namespace of mounted file systems and path resolution over it
 * (Linux's namei). A {@link VNode} is an inode reached by a name from a parent — a dentry — so
 * `..`, getcwd and /proc/self/fd can walk back up. File systems only ever see single names;
 * `.`, `..`, mount crossings and symlinks are handled here, and an absolute symlink restarts at
 * the process's root, so nothing reachable lies outside the namespace.
 *
 * Mount points are names in a directory (keyed by that directory's inode), so a file system can
 * be mounted where the disk has no directory (a FAT32 root without /tmp or /dev still gets them).
 */
import { E, SysError } from '../errno';
import { dtOf, S_IFDIR, S_IFLNK, S_IFMT, type DirEntry, type FileSystem, type Inode } from './inode';

/** Linux's MAXSYMLINKS and PATH_MAX / NAME_MAX. */
const MAX_SYMLINKS = 40, PATH_MAX = 4096, NAME_MAX = 255;

/**
 * A /proc "magic link" (/proc/self/fd/N, exe): following it reaches the object itself, not a
 * path — an open pipe or a deleted file can still be opened through it.
 */
export interface MagicLink { follow(): VNode | null }

export class VNode {
  constructor(
    readonly inode: Inode,
    /** The directory it was reached from; null for the namespace root. */
    readonly parent: VNode | null,
    readonly name: string,
  ) {}

  get isDir(): boolean { return (this.inode.type & S_IFMT) === S_IFDIR; }

  /** The absolute path by which it was reached. */
  path(): string {
    const parts: string[] = [];
    for (let n: VNode | null = this; n && n.parent; n = n.parent) parts.push(n.name);
    return '/' + parts.reverse().join('/');
  }

  /** getdents64's listing: '.', '..', the entries, and names mounted over this directory. */
  list(): DirEntry[] {
    const dot: DirEntry = { name: '.', ino: this.inode.ino, type: dtOf(S_IFDIR) };
    const dotdot: DirEntry = { name: '..', ino: (this.parent ?? this).inode.ino, type: dtOf(S_IFDIR) };
    const mounted = new Map((this.vfs?.mountsIn(this) ?? []).map((m) => [m.name, m.fs]));
    const own = this.inode.readdir().map((e) => {
      const fs = mounted.get(e.name);
      return fs ? { name: e.name, ino: fs.root.ino, type: dtOf(S_IFDIR) } : e;
    });
    const names = new Set(own.map((e) => e.name));
    const extra = [...mounted].filter(([n]) => !names.has(n)).map(([name, fs]) => ({ name, ino: fs.root.ino, type: dtOf(S_IFDIR) }));
    return [dot, dotdot, ...own, ...extra];
  }

  /** Set for nodes of a namespace (mount lookups). */
  vfs: Vfs | null = null;
}

interface MountEntry { dirKey: string; name: string; fs: FileSystem; path: string }

function keyOf(inode: Inode): string { return `${inode.fs.dev}:${inode.ino}`; }

export interface ParentAndName {
  dir: VNode;
  /** The last component ('' when the path names the start directory itself, like "/"). */
  name: string;
  /** The path ended with '/' (the target must be a directory). */
  trailingSlash: boolean;
}

export class Vfs {
  readonly root: VNode;
  private readonly mounts = new Map<string, MountEntry>();

  constructor(rootFs: FileSystem) {
    this.root = this.node(rootFs.root, null, '');
  }

  private node(inode: Inode, parent: VNode | null, name: string): VNode {
    const n = new VNode(inode, parent, name);
    n.vfs = this;
    return n;
  }

  /** Mounts `fs` at the absolute path `at`, whose parent directory must exist. */
  mount(at: string, fs: FileSystem): void {
    const { dir, name } = this.parentOf(this.root, this.root, at);
    if (!name) throw new SysError(E.EBUSY, 'cannot mount over /');
    this.mounts.set(`${keyOf(dir.inode)}/${name}`, { dirKey: keyOf(dir.inode), name, fs, path: `${dir.path().replace(/\/$/, '')}/${name}` });
  }

  mountsIn(dir: VNode): Array<{ name: string; fs: FileSystem }> {
    const k = keyOf(dir.inode);
    return [...this.mounts.values()].filter((m) => m.dirKey === k);
  }

  /** Every mounted file system with its mount point, for /proc/self/mounts. */
  mountTable(): Array<{ path: string; fs: FileSystem }> {
    return [{ path: '/', fs: this.root.inode.fs }, ...[...this.mounts.values()].map((m) => ({ path: m.path, fs: m.fs }))];
  }

  /** One step down: a mount over the name wins over what the directory holds. */
  child(dir: VNode, name: string): VNode {
    if (!dir.isDir) throw new SysError(E.ENOTDIR);
    if (name.length > NAME_MAX) throw new SysError(E.ENAMETOOLONG);
    const m = this.mounts.get(`${keyOf(dir.inode)}/${name}`);
    if (m) return this.node(m.fs.root, dir, name);
    const inode = dir.inode.lookup(name);
    if (!inode) throw new SysError(E.ENOENT);
    return this.node(inode, dir, name);
  }

  /**
   * Resolves `path` from `start` (the cwd or a dirfd); `root` is where '/' and absolute symlinks
   * lead. `follow`: follow a symlink in the last component.
   */
  resolve(root: VNode, start: VNode, path: string, follow: boolean): VNode {
    return this.walk(root, start, path, follow, { n: 0 });
  }

  /** The directory that would hold the last component of `path`, and that name. */
  parentOf(root: VNode, start: VNode, path: string): ParentAndName {
    checkPath(path);
    const trailingSlash = /[^/]\/+$/.test(path);
    const trimmed = path.replace(/\/+$/, '');
    const slash = trimmed.lastIndexOf('/');
    const name = trimmed.slice(slash + 1);
    const dirPath = slash < 0 ? '.' : trimmed.slice(0, slash) || '/';
    // "/" (and "//"): the root itself, whatever the start directory.
    const dir = this.walk(root, start, trimmed === '' ? '/' : dirPath, true, { n: 0 });
    if (!dir.isDir) throw new SysError(E.ENOTDIR);
    if (name === '.' || name === '..') {
      // mkdir("a/..") and friends: the name exists, and is not theirs to create or remove.
      return { dir: name === '..' ? this.up(root, dir) : dir, name: '', trailingSlash };
    }
    return { dir, name: path === '/' || trimmed === '' ? '' : name, trailingSlash };
  }

  private up(root: VNode, n: VNode): VNode {
    // '..' never leaves the process's root (chroot semantics) or the namespace.
    if (n === root || !n.parent || sameInode(n, root)) return n;
    return n.parent;
  }

  private walk(root: VNode, start: VNode, path: string, follow: boolean, links: { n: number }): VNode {
    checkPath(path);
    let cur = path.startsWith('/') ? root : start;
    const parts = path.split('/').filter((p) => p !== '');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (!cur.isDir) throw new SysError(E.ENOTDIR);
      if (part === '.') continue;
      if (part === '..') { cur = this.up(root, cur); continue; }
      const next = this.child(cur, part);
      const last = i === parts.length - 1;
      const trailing = last && path.endsWith('/');
      if ((next.inode.type & S_IFMT) === S_IFLNK && (!last || follow || trailing)) {
        if (++links.n > MAX_SYMLINKS) throw new SysError(E.ELOOP);
        const magic = (next.inode as Partial<MagicLink>).follow?.();
        if (magic) { cur = magic; continue; }
        const target = next.inode.readlink();
        if (target === '') throw new SysError(E.ENOENT);
        cur = this.walk(root, cur, target, true, links);
        continue;
      }
      cur = next;
    }
    if (path.endsWith('/') && !cur.isDir) throw new SysError(E.ENOTDIR);
    return cur;
  }
}

function sameInode(a: VNode, b: VNode): boolean {
  return a.inode === b.inode || (a.inode.fs === b.inode.fs && a.inode.ino === b.inode.ino);
}

function checkPath(path: string): void {
  if (path === '') throw new SysError(E.ENOENT);
  if (path.length >= PATH_MAX) throw new SysError(E.ENAMETOOLONG);
}

/** Per-process file system context (Linux's fs_struct): root, cwd, umask; shared by CLONE_FS. */
export class FsContext {
  constructor(public root: VNode, public cwd: VNode, public umask = 0o022) {}
  clone(): FsContext { return new FsContext(this.root, this.cwd, this.umask); }
}
