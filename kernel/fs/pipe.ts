/**
 * Pipes (Linux fs/pipe.c): a 64 KiB ring shared by a read end and a write end. A read of an
 * empty pipe blocks while a writer exists and returns 0 after the last one closed; a write to a
 * pipe without readers is EPIPE with SIGPIPE (raised by the syscall layer). Writes of at most
 * PIPE_BUF bytes are atomic.
 */
import { E, SysError } from '../errno';
import { S_IFIFO, type Stat } from './inode';
import { O, OpenFile, type Blocked } from './file';
import { WaitQueue } from '../task/wait';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, type Readiness } from './poll';

export const PIPE_BUF = 4096;
const CAPACITY = 65536;

let nextIno = 0x4000;

class PipeBuffer {
  readonly data = new Uint8Array(CAPACITY);
  head = 0;
  length = 0;
  readers = 0;
  writers = 0;
  /** Woken on every change a sleeper could wait for (data, room, a side closing). */
  readonly changed = new WaitQueue();
  readonly ino = nextIno++;
  mtimeNs = 0n;
}

abstract class PipeEnd extends OpenFile {
  constructor(protected readonly pipe: PipeBuffer, flags: number, readonly name = `pipe:[${pipe.ino}]`) { super(flags); }

  stat(): Stat {
    return {
      dev: 0xd, ino: this.pipe.ino, mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0,
      blksize: 4096, blocks: 0, atimeNs: this.pipe.mtimeNs, mtimeNs: this.pipe.mtimeNs, ctimeNs: this.pipe.mtimeNs,
    };
  }
}

export class PipeReader extends PipeEnd {
  constructor(pipe: PipeBuffer, flags: number) {
    super(pipe, O.RDONLY | (flags & O.NONBLOCK));
    pipe.readers++;
  }

  override read(buf: Uint8Array): number | Blocked {
    const p = this.pipe;
    if (p.length === 0) return p.writers === 0 || buf.length === 0 ? 0 : p.changed;
    const n = Math.min(buf.length, p.length);
    for (let i = 0; i < n; i++) buf[i] = p.data[(p.head + i) % CAPACITY]!;
    p.head = (p.head + n) % CAPACITY;
    p.length -= n;
    p.changed.wake();
    return n;
  }

  /** Linux: data is POLLIN, no writer left is POLLHUP (readable: read returns 0). */
  override poll(): Readiness {
    const p = this.pipe;
    return { events: (p.length > 0 ? POLLIN | POLLRDNORM : 0) | (p.writers === 0 ? POLLHUP : 0), queue: p.changed };
  }

  override ioctl(req: number, arg: number, mem: import('../../arch/common/memory').Memory): number {
    if (req !== FIONREAD) throw new SysError(E.ENOTTY);
    mem.writeU32(arg, this.pipe.length);
    return 0;
  }

  protected override release(): void {
    this.pipe.readers--;
    this.pipe.changed.wake();
  }
}

export class PipeWriter extends PipeEnd {
  constructor(pipe: PipeBuffer, flags: number) {
    super(pipe, O.WRONLY | (flags & O.NONBLOCK));
    pipe.writers++;
  }

  /** Bytes written, or blocked until there is room; EPIPE when nobody reads. */
  override write(data: Uint8Array): number | Blocked {
    const p = this.pipe;
    if (p.readers === 0) throw new SysError(E.EPIPE);
    const room = CAPACITY - p.length;
    // Up to PIPE_BUF bytes go in at once or not at all; more may be split.
    if (room === 0 || (data.length <= PIPE_BUF && room < data.length)) return p.changed;
    const n = Math.min(room, data.length);
    for (let i = 0; i < n; i++) p.data[(p.head + p.length + i) % CAPACITY] = data[i]!;
    p.length += n;
    p.changed.wake();
    return n;
  }

  /** Linux: room for PIPE_BUF bytes is POLLOUT, no reader left is POLLERR (the write fails). */
  override poll(): Readiness {
    const p = this.pipe;
    return { events: (CAPACITY - p.length >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0) | (p.readers === 0 ? POLLERR : 0), queue: p.changed };
  }

  protected override release(): void {
    this.pipe.writers--;
    this.pipe.changed.wake();
  }
}

const FIONREAD = 0x541b;

/** pipe2: the read end and the write end. */
export function makePipe(flags: number, nowNs: bigint): [PipeReader, PipeWriter] {
  const p = new PipeBuffer();
  p.mtimeNs = nowNs;
  return [new PipeReader(p, flags), new PipeWriter(p, flags)];
}
