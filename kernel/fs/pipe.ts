/**
 * Pipes (Linux fs/pipe.c): a 64 KiB ring shared by a read end and a write end. A read of an
 * empty pipe blocks while a writer exists and returns 0 after the last one closed; a write to a
 * pipe without readers is EPIPE with SIGPIPE (raised by the syscall layer). Writes of at most
 * PIPE_BUF bytes are atomic. FIFOs (named pipes, mknod S_IFIFO) are the same ring, found through
 * their inode while open; a FIFO on the host folder is the guest's only, never the host's.
 */
import { E, SysError } from '../errno';
import type { Memory } from '../../arch/common/memory';
import { S_IFIFO, type Inode, type Stat } from './inode';
import { O, OpenFile, type Blocked } from './file';
import { WaitQueue } from '../task/wait';
import { releaseDescription } from './locks';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, type Readiness } from './poll';

export const PIPE_BUF = 4096;
const PAGE = 4096;
/** A new pipe's capacity (16 pages, Linux's PIPE_DEF_BUFFERS). */
export const PIPE_DEF_SIZE = 65536;
/** /proc/sys/fs/pipe-max-size: the most F_SETPIPE_SZ gives without CAP_SYS_RESOURCE. */
export const PIPE_MAX_SIZE = 1 << 20;

let nextIno = 0x4000;

/** The ring and its ends' bookkeeping, shared by every description of one pipe or FIFO. */
class PipeBuffer {
  data = new Uint8Array(PIPE_DEF_SIZE);
  head = 0;
  length = 0;
  readers = 0;
  writers = 0;
  /** Opens of each side so far: a FIFO open waits for the other side's count to move (fs/pipe.c r_counter/w_counter). */
  readerOpens = 0;
  writerOpens = 0;
  /** Woken on every change a sleeper could wait for (data, room, a side opening or closing). */
  readonly changed = new WaitQueue();
  readonly ino = nextIno++;
  mtimeNs = 0n;
  get capacity(): number { return this.data.length; }
}

/**
 * One description of a pipe: the read end, the write end, or both (a FIFO opened O_RDWR). The
 * access mode decides which side it counts as.
 */
export class PipeFile extends OpenFile {
  readonly name: string;

  constructor(
    protected readonly pipe: PipeBuffer, flags: number, name?: string,
    /** A FIFO's inode (stat shows it); null for pipe(2). */
    readonly fifo: Inode | null = null,
  ) {
    super(flags);
    this.name = name ?? `pipe:[${pipe.ino}]`;
    if (this.readable) { pipe.readers++; pipe.readerOpens++; }
    if (this.writable) { pipe.writers++; pipe.writerOpens++; }
    if (this.readable || this.writable) pipe.changed.wake();
  }

  stat(): Stat {
    if (this.fifo) return this.fifo.stat();
    const t = this.pipe.mtimeNs;
    return {
      dev: 0xd, ino: this.pipe.ino, mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0,
      blksize: 4096, blocks: 0, atimeNs: t, mtimeNs: t, ctimeNs: t,
    };
  }

  override read(buf: Uint8Array): number | Blocked {
    if (!this.readable) throw new SysError(E.EINVAL);
    const p = this.pipe;
    if (p.length === 0) return p.writers === 0 || buf.length === 0 ? 0 : p.changed;
    const cap = p.capacity;
    const n = Math.min(buf.length, p.length);
    for (let i = 0; i < n; i++) buf[i] = p.data[(p.head + i) % cap]!;
    p.head = (p.head + n) % cap;
    p.length -= n;
    p.changed.wake(POLLOUT | POLLWRNORM);
    return n;
  }

  /** Bytes written, or blocked until there is room; EPIPE when nobody reads. */
  override write(data: Uint8Array): number | Blocked {
    if (!this.writable) throw new SysError(E.EINVAL);
    const p = this.pipe;
    if (p.readers === 0) throw new SysError(E.EPIPE);
    const cap = p.capacity;
    const room = cap - p.length;
    // Up to PIPE_BUF bytes go in at once or not at all; more may be split.
    if (room === 0 || (data.length <= PIPE_BUF && room < data.length)) return p.changed;
    const n = Math.min(room, data.length);
    for (let i = 0; i < n; i++) p.data[(p.head + p.length + i) % cap] = data[i]!;
    p.length += n;
    p.changed.wake(POLLIN | POLLRDNORM);
    return n;
  }

  /**
   * Linux's pipe_poll: for the read side data is POLLIN and no writer POLLHUP (read returns 0);
   * for the write side room for PIPE_BUF bytes is POLLOUT and no reader POLLERR.
   */
  override poll(): Readiness {
    const p = this.pipe;
    let events = 0;
    if (this.readable) events |= (p.length > 0 ? POLLIN | POLLRDNORM : 0) | (p.writers === 0 ? POLLHUP : 0);
    if (this.writable) events |= (p.capacity - p.length >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0) | (p.readers === 0 ? POLLERR : 0);
    return { events, queue: p.changed };
  }

  override ioctl(req: number, arg: number, mem: Memory): number {
    if (req !== FIONREAD || !this.readable) throw new SysError(E.ENOTTY);
    mem.writeU32(arg, this.pipe.length);
    return 0;
  }

  /** F_GETPIPE_SZ. */
  get capacity(): number { return this.pipe.capacity; }

  /**
   * F_SETPIPE_SZ (pipe_set_size): at least a page, rounded up to a power of two; EBUSY when the
   * data would not fit. `privileged` lifts the pipe-max-size limit (CAP_SYS_RESOURCE).
   */
  resize(size: number, privileged: boolean): number {
    if (size > 2 ** 31) throw new SysError(E.EINVAL);
    let want = PAGE;
    while (want < size) want *= 2;
    if (want > PIPE_MAX_SIZE && !privileged) throw new SysError(E.EPERM);
    const p = this.pipe;
    if (want === p.capacity) return want;
    if (p.length > want) throw new SysError(E.EBUSY);
    const data = new Uint8Array(want);
    for (let i = 0; i < p.length; i++) data[i] = p.data[(p.head + i) % p.capacity]!;
    p.data = data;
    p.head = 0;
    p.changed.wake();
    return want;
  }

  /** Both ends of a pipe are one inode on Linux (pipefs): their locks conflict. */
  override get lockKey(): object { return this.fifo ?? this.pipe; }

  protected override release(): void {
    releaseDescription(this.lockKey, this);
    const p = this.pipe;
    if (this.readable) p.readers--;
    if (this.writable) p.writers--;
    // The last close of a FIFO discards what nobody read, as Linux frees the pipe.
    if (p.readers === 0 && p.writers === 0) { p.head = 0; p.length = 0; }
    p.changed.wake();
  }
}

const FIONREAD = 0x541b;

/** pipe2: the read end and the write end. */
export function makePipe(flags: number, nowNs: bigint): [PipeFile, PipeFile] {
  const p = new PipeBuffer();
  p.mtimeNs = nowNs;
  const nb = flags & O.NONBLOCK;
  return [new PipeFile(p, O.RDONLY | nb), new PipeFile(p, O.WRONLY | nb)];
}

/** The pipe behind each FIFO inode while it is open. */
const fifos = new WeakMap<Inode, PipeBuffer>();

/** An open of a FIFO (fifo_open): the description, and until when the open must wait. */
export interface FifoOpen {
  file: PipeFile;
  /** null: the open is complete; else it completes once this is true (re-checked on `queue`). */
  ready: (() => boolean) | null;
  queue: WaitQueue;
}

/**
 * fifo_open: O_RDONLY waits for a writer to open (unless O_NONBLOCK), O_WRONLY waits for a reader
 * (O_NONBLOCK without one: ENXIO), O_RDWR never waits. The description counts at once, so two
 * sides opening together release each other. An interrupted open must drop the description.
 */
export function openFifo(inode: Inode, flags: number, name: string): FifoOpen {
  let p = fifos.get(inode);
  if (!p) { p = new PipeBuffer(); fifos.set(inode, p); }
  const acc = flags & O.ACCMODE, nb = (flags & O.NONBLOCK) !== 0;
  if (acc === O.WRONLY && nb && p.readers === 0) throw new SysError(E.ENXIO);
  const pipe = p;
  const sawWriters = p.writerOpens, sawReaders = p.readerOpens;
  const file = new PipeFile(p, flags & (O.ACCMODE | O.NONBLOCK | O.APPEND | O.ASYNC | O.NOATIME | O.DIRECT), name, inode);
  let ready: (() => boolean) | null = null;
  if (acc === O.RDONLY && !nb && pipe.writers === 0) ready = () => pipe.writerOpens !== sawWriters;
  if (acc === O.WRONLY && pipe.readers === 0) ready = () => pipe.readerOpens !== sawReaders;
  return { file, ready, queue: pipe.changed };
}
