/**
 * Building blocks of file systems whose contents the kernel makes up (/dev, /proc): directories
 * listing computed children, symlinks with computed targets, read-only files whose text is
 * generated when opened (a consistent snapshot per open, like Linux's seq_file), and devices
 * that open into a file description of their own.
 */
import { E, SysError } from '../errno';
import { BaseInode, dtOf, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, type DirEntry, type FileSystem, type Inode, type Stat } from './inode';
import { OpenFile, SEEK_CUR, SEEK_END, SEEK_SET } from './file';

/** An inode that opens into a file description of its own instead of the generic one. */
export interface OpensItself {
  /** `path`: how it was reached, for /proc/self/fd. */
  open(flags: number, path: string): OpenFile;
}

export function opensItself(i: Inode): i is Inode & OpensItself {
  return typeof (i as Partial<OpensItself>).open === 'function';
}

export class SyntheticFs implements FileSystem {
  readonly readOnly = true;
  root!: Inode;
  private nextIno = 1;
  constructor(readonly type: string, readonly dev: number) {}
  ino(): number { return this.nextIno++; }
  sync(): void {}
}

abstract class SynthInode extends BaseInode {
  readonly ino: number;
  constructor(override readonly fs: SyntheticFs, readonly mode: number, ino?: number) {
    super();
    this.ino = ino ?? fs.ino();
  }
  get type(): number { return this.mode & 0o170000; }
  protected size(): number { return 0; }
  stat(): Stat {
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: this.type === S_IFDIR ? 2 : 1, uid: 0, gid: 0,
      rdev: this.rdev(), size: this.size(), blksize: 1024, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }
  protected rdev(): number { return 0; }
}

export class SynthDir extends SynthInode {
  constructor(fs: SyntheticFs, private readonly children: () => Map<string, Inode>, mode = 0o555, ino?: number) {
    super(fs, S_IFDIR | mode, ino);
  }
  override lookup(name: string): Inode | null { return this.children().get(name) ?? null; }
  override readdir(): DirEntry[] {
    return [...this.children()].map(([name, i]) => ({ name, ino: i.ino, type: dtOf(i.type) }));
  }
  override create(): Inode { return this.readOnly(); }
  override mkdir(): Inode { return this.readOnly(); }
  override symlink(): Inode { return this.readOnly(); }
  override unlink(): void { this.readOnly(); }
  override rmdir(): void { this.readOnly(); }
  override rename(): void { this.readOnly(); }
}

export class SynthLink extends SynthInode {
  constructor(fs: SyntheticFs, private readonly target: () => string, ino?: number) {
    super(fs, S_IFLNK | 0o777, ino);
  }
  override readlink(): string { return this.target(); }
  protected override size(): number { return this.target().length; }
}

/** A read-only text file generated at open. */
export class SynthFile extends SynthInode implements OpensItself {
  constructor(fs: SyntheticFs, private readonly text: () => string, ino?: number) {
    super(fs, S_IFREG | 0o444, ino);
  }
  override read(offset: number, buf: Uint8Array): number {
    const b = Buffer.from(this.text(), 'utf8');
    if (offset >= b.length) return 0;
    const n = Math.min(buf.length, b.length - offset);
    buf.set(b.subarray(offset, offset + n));
    return n;
  }
  open(flags: number, path: string): OpenFile {
    if ((flags & 3) !== 0) throw new SysError(E.EACCES);
    return new SnapshotFile(this, Buffer.from(this.text(), 'utf8'), flags, path);
  }
}

class SnapshotFile extends OpenFile {
  private pos = 0;
  constructor(private readonly node: SynthFile, private readonly bytes: Uint8Array, flags: number, readonly name: string) { super(flags); }
  override get inode(): Inode { return this.node; }
  stat(): Stat { return this.node.stat(); }
  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.pos);
    this.pos += n;
    return n;
  }
  override pread(buf: Uint8Array, offset: number): number {
    if (offset >= this.bytes.length) return 0;
    const n = Math.min(buf.length, this.bytes.length - offset);
    buf.set(this.bytes.subarray(offset, offset + n));
    return n;
  }
  override seek(offset: number, whence: number): number {
    const base = whence === SEEK_SET ? 0 : whence === SEEK_CUR ? this.pos : whence === SEEK_END ? this.bytes.length : NaN;
    const at = base + offset;
    if (!(at >= 0)) throw new SysError(E.EINVAL);
    return (this.pos = at);
  }
}

/** A character device whose reads and writes ignore the offset (/dev/null, /dev/zero...). */
export class CharDevice extends SynthInode {
  constructor(
    fs: SyntheticFs,
    private readonly devno: number,
    private readonly io: { read(buf: Uint8Array): number; write(data: Uint8Array): number },
    mode = 0o666,
  ) {
    super(fs, S_IFCHR | mode);
  }
  protected override rdev(): number { return this.devno; }
  override read(_offset: number, buf: Uint8Array): number { return this.io.read(buf); }
  override write(_offset: number, data: Uint8Array): number { return this.io.write(data); }
  override truncate(): void {}
  override setTimes(): void {}
}
