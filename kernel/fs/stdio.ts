/**
 * The guest's standard streams, backed by the daemon's chosen input source and output sinks
 * (its terminal, a pipe, a file, the gdb console). Host input arrives asynchronously: a read
 * with nothing buffered starts one host read and answers "blocked" until its bytes come.
 */
import { E, SysError } from '../errno';
import { S_IFCHR, S_IFIFO, type Stat } from './inode';
import { O, OpenFile, type Blocked } from './file';
import { WaitQueue } from '../task/wait';
import { POLLIN, POLLRDNORM, type Readiness } from './poll';

/** Where guest output goes. */
export interface OutputSink {
  readonly isTty: boolean;
  /** S_IF* type of the host file behind it (a tty is S_IFCHR). */
  readonly fileType?: number;
  write(data: Uint8Array): void;
}

/** A source of guest input (the daemon's stdin). */
export interface InputSource {
  readonly isTty: boolean;
  readonly fileType?: number;
  /** Resolves with the bytes read, 0 at end of input. */
  read(buf: Uint8Array): Promise<number>;
}

/** Device number of /dev/pts/0 (major 136), what a terminal's st_rdev shows. */
const PTS0 = 136 << 8;

function streamStat(isTty: boolean, fileType: number | undefined, uid: number, gid: number): Stat {
  const type = isTty ? S_IFCHR : fileType ?? S_IFIFO;
  return {
    dev: 0x16, ino: isTty ? 3 : 0x1000, mode: type | (isTty ? 0o620 : 0o600), nlink: 1, uid, gid,
    rdev: isTty ? PTS0 : 0, size: 0, blksize: isTty ? 1024 : 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
  };
}

export class InputFile extends OpenFile {
  private pending: Uint8Array | null = null;
  private eof = false;
  private reading = false;
  private readonly arrived = new WaitQueue();

  constructor(readonly name: string, private readonly src: InputSource, private readonly owner = { uid: 0, gid: 0 }) {
    super(src.isTty ? O.RDWR : O.RDONLY);
  }

  override get isTty(): boolean { return this.src.isTty; }
  stat(): Stat { return streamStat(this.src.isTty, this.src.fileType, this.owner.uid, this.owner.gid); }

  override read(buf: Uint8Array): number | Blocked {
    if (this.pending) {
      const n = Math.min(buf.length, this.pending.length);
      buf.set(this.pending.subarray(0, n));
      this.pending = n < this.pending.length ? this.pending.subarray(n) : null;
      return n;
    }
    if (this.eof) {
      // A terminal's end of input (Ctrl-D) is one empty read; more may come after it.
      if (this.src.isTty) this.eof = false;
      return 0;
    }
    this.fill();
    return this.arrived;
  }

  private fill(): void {
    if (this.reading) return;
    this.reading = true;
    const chunk = new Uint8Array(65536);
    void this.src.read(chunk).then((n) => {
      this.reading = false;
      if (n === 0) this.eof = true;
      else this.pending = chunk.subarray(0, n);
      this.arrived.wake();
    });
  }

  override poll(): Readiness {
    if (this.pending || this.eof) return { events: POLLIN | POLLRDNORM, queue: null };
    this.fill();
    return { events: 0, queue: this.arrived };
  }

  override write(): number { throw new SysError(E.EBADF); }
}

export class OutputFile extends OpenFile {
  constructor(readonly name: string, private readonly sink: OutputSink, private readonly owner = { uid: 0, gid: 0 }) {
    super(sink.isTty ? O.RDWR : O.WRONLY);
  }

  override get isTty(): boolean { return this.sink.isTty; }
  stat(): Stat { return streamStat(this.sink.isTty, this.sink.fileType, this.owner.uid, this.owner.gid); }

  override read(): number { throw new SysError(E.EBADF); }

  override write(data: Uint8Array): number {
    this.sink.write(data);
    return data.length;
  }
}
