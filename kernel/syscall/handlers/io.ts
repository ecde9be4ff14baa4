/**
 * Descriptor I/O: read/write and their vector and positioned forms, lseek, ioctl, close, dup,
 * fcntl, pipes, poll. A read or write that would block parks the task on the file's wait queue
 * (or answers EAGAIN with O_NONBLOCK); a signal ends the wait with -ERESTARTSYS when nothing
 * was transferred yet. Writing to a pipe nobody reads raises SIGPIPE.
 */
import { E, SysError } from '../../errno';
import { isBlocked, O, SEEK_CUR, SEEK_END, SEEK_SET, SETFL_MASK, type Blocked, type OpenFile } from '../../fs/file';
import {
  F_RDLCK, F_UNLCK, F_WRLCK, flockTry, flockUnlock, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, lockQueue, OFFSET_MAX, recordApply,
  recordConflict, setWaiting, wouldDeadlock, type RecordLock,
} from '../../fs/locks';
import { NOFILE } from '../../fs/fdtable';
import { openFlagsToGuest } from '../../fs/open-flags';
import { makePipe, PipeFile } from '../../fs/pipe';
import { guestFlags } from './fs';
import { SIG } from '../../signals';
import { SI } from '../../task/signal';
import { gather, iovTotal, MAX_RW, readIovecs, scatter, type Iovec } from '../iovec';
import { err, ERESTARTSYS, int, num, type SyscallCtx, type SyscallDef } from '../table';

/** Bytes moved per step of a large transfer (bounds the host buffer). */
const CHUNK = 1 << 20;

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404;
const TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450;

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7;
const F_DUPFD_CLOEXEC = 1030, F_GETPIPE_SZ = 1032, F_SETPIPE_SZ = 1031;
const FD_CLOEXEC = 1;

/** SIGPIPE to the caller: its write to a pipe or socket without readers failed with EPIPE. */
export function sigpipe(ctx: SyscallCtx): void {
  ctx.k.signalTask(ctx.proc, { signo: SIG.SIGPIPE, errno: 0, code: SI.USER, pid: ctx.proc.pid, uid: ctx.k.uid });
}

/** Rethrows a write's error, raising SIGPIPE first for EPIPE. */
function brokenPipe(ctx: SyscallCtx, e: unknown): never {
  if (e instanceof SysError && e.errno === E.EPIPE) sigpipe(ctx);
  throw e;
}

/**
 * Sleeps until `queue` wakes. The operation is then simply retried, whatever poll() says:
 * readiness may not cover it (an eventfd with room for 1 but not for this value), or may be
 * another file's (sendfile blocked on its input).
 */
function wokenOn(ctx: SyscallCtx, queue: Blocked, deadline: bigint | null): Promise<true | 'timeout' | 'interrupted'> {
  let subscribed = false;
  return ctx.k.sleep(ctx.proc, [queue], () => (subscribed ? true : void (subscribed = true)), deadline);
}

/**
 * How a wait of a read or write ends: the file's own timeout (SO_RCVTIMEO/SO_SNDTIMEO) set from
 * the first wait of the call, then EAGAIN; a signal restarts the call only without a timeout
 * (sock_intr_errno), else EINTR.
 */
class IoWait {
  private deadline: bigint | null | undefined;
  constructor(private readonly ctx: SyscallCtx, private readonly file: OpenFile, private readonly reading: boolean) {}

  /** Sleeps on `queue`; the error to end the call with, or null to retry. */
  async until(queue: Blocked): Promise<bigint | null> {
    if (this.deadline === undefined) {
      const t = this.file.ioTimeoutNs(this.reading);
      this.deadline = t > 0n ? this.ctx.k.monotonicNs() + t : null;
    }
    const s = await wokenOn(this.ctx, queue, this.deadline);
    if (s === 'timeout') return err(E.EAGAIN);
    if (s === 'interrupted') return this.deadline === null ? ERESTARTSYS : err(E.EINTR);
    return null;
  }
}

/** read or write of a file that moves one message per call (OpenFile.messages): one call, retried
 *  while it would block. */
function transferMessage(ctx: SyscallCtx, file: OpenFile, reading: boolean, io: () => number | Blocked): bigint | Promise<bigint> {
  const wait = new IoWait(ctx, file, reading);
  const attempt = (): bigint | Promise<bigint> => {
    let r: number | Blocked;
    try {
      r = io();
    } catch (e) {
      if (!reading) brokenPipe(ctx, e);
      throw e;
    }
    if (!isBlocked(r)) return BigInt(r);
    if (file.flags & O.NONBLOCK) return err(E.EAGAIN);
    return wait.until(r).then((e) => e ?? attempt());
  };
  return attempt();
}

/**
 * The common shape of read and write: moves chunks through `io` synchronously while it makes
 * progress; when it would block, the task sleeps until the queue wakes and carries on (a Promise
 * is returned only then). Reads stop at the first short transfer; writes go on until every byte
 * is out. A signal, a timeout or O_NONBLOCK ends the call with what was done, or the error.
 */
function transfer(
  ctx: SyscallCtx, file: OpenFile, iovs: Iovec[], reading: boolean,
  io: (v: Iovec, off: number, len: number) => number | Blocked,
): bigint | Promise<bigint> {
  let total = 0, i = 0, off = 0;
  const wait = new IoWait(ctx, file, reading);
  const step = (): bigint | Promise<bigint> => {
    for (; i < iovs.length; i++, off = 0) {
      const v = iovs[i]!;
      while (off < v.len && total < MAX_RW) {
        const len = Math.min(v.len - off, MAX_RW - total, CHUNK);
        let r: number | Blocked;
        try {
          r = io(v, off, len);
        } catch (e) {
          if (total > 0) return BigInt(total);
          if (!reading) brokenPipe(ctx, e);
          throw e;
        }
        if (isBlocked(r)) {
          if (total > 0 && reading) return BigInt(total);
          if (file.flags & O.NONBLOCK) return total > 0 ? BigInt(total) : err(E.EAGAIN);
          return wait.until(r).then((e) => (e === null ? step() : total > 0 ? BigInt(total) : e));
        }
        total += r;
        off += r;
        // A short read ends a read; nothing moved (sendfile at the end of its input) ends anything.
        if ((reading && r < len) || r === 0) return BigInt(total);
      }
    }
    return BigInt(total);
  };
  return step();
}

function readInto(ctx: SyscallCtx, file: OpenFile, iovs: Iovec[]): bigint | Promise<bigint> {
  if (!file.readable) return err(E.EBADF);
  const mem = ctx.proc.cpu.mem;
  if (file.messages) {
    const buf = new Uint8Array(iovTotal(iovs));
    return transferMessage(ctx, file, true, () => {
      const r = file.read(buf);
      if (!isBlocked(r)) scatter(mem, iovs, buf.subarray(0, r));
      return r;
    });
  }
  return transfer(ctx, file, iovs, true, (v, off, len) => {
    const buf = new Uint8Array(len);
    const r = file.read(buf);
    if (!isBlocked(r)) mem.writeBytes(v.base + off, buf.subarray(0, r));
    return r;
  });
}

/**
 * sendfile: copies from `inp` (at *offp, or its file position) to `out`. Bytes read but not
 * written go back (the position is rewound), so a short write loses nothing.
 */
function sendfile(ctx: SyscallCtx, outFd: number, inFd: number, offp: number, count: number): bigint | Promise<bigint> {
  const out = ctx.proc.fds.get(outFd), inp = ctx.proc.fds.get(inFd);
  if (!inp.readable || !out.writable) return err(E.EBADF);
  if (out.flags & O.APPEND) return err(E.EINVAL);
  const mem = ctx.proc.cpu.mem;
  let pos = offp !== 0 ? Number(BigInt.asIntN(64, mem.readU64(offp))) : null;
  if (pos !== null && pos < 0) return err(E.EINVAL);
  const r = transfer(ctx, out, [{ base: 0, len: count }], false, (_v, _off, len) => {
    const buf = new Uint8Array(len);
    const n = pos !== null ? inp.pread(buf, pos) : inp.read(buf);
    if (isBlocked(n)) return n;
    if (n === 0) return 0;
    const w = out.write(buf.subarray(0, n));
    const done = isBlocked(w) ? 0 : w;
    if (pos !== null) pos += done;
    else if (done < n) inp.seek(done - n, 1);
    return isBlocked(w) ? w : done;
  });
  const store = (v: bigint): bigint => { if (pos !== null) mem.writeU64(offp, BigInt(pos)); return v; };
  return typeof r === 'bigint' ? store(r) : r.then(store);
}

function writeFrom(ctx: SyscallCtx, file: OpenFile, iovs: Iovec[]): bigint | Promise<bigint> {
  if (!file.writable) return err(E.EBADF);
  const mem = ctx.proc.cpu.mem;
  if (file.messages) {
    const data = gather(mem, iovs);
    return transferMessage(ctx, file, false, () => file.write(data));
  }
  return transfer(ctx, file, iovs, false, (v, off, len) => file.write(mem.readBytes(v.base + off, len)));
}

function positioned(ctx: SyscallCtx, fd: number, offset: bigint): { file: OpenFile; at: number } {
  const file = ctx.proc.fds.get(fd);
  const at = Number(BigInt.asIntN(64, offset));
  if (at < 0) throw new SysError(E.EINVAL);
  return { file, at };
}

function preadv(ctx: SyscallCtx, fd: number, iovs: Iovec[], offset: bigint): bigint {
  const { file, at } = positioned(ctx, fd, offset);
  if (!file.readable) return err(E.EBADF);
  const mem = ctx.proc.cpu.mem;
  let total = 0;
  for (const v of iovs) {
    const buf = new Uint8Array(Math.min(v.len, MAX_RW - total));
    const n = file.pread(buf, at + total);
    mem.writeBytes(v.base, buf.subarray(0, n));
    total += n;
    if (n < buf.length) break;
  }
  return BigInt(total);
}

function pwritev(ctx: SyscallCtx, fd: number, iovs: Iovec[], offset: bigint): bigint {
  const { file, at } = positioned(ctx, fd, offset);
  if (!file.writable) return err(E.EBADF);
  const mem = ctx.proc.cpu.mem;
  let total = 0;
  for (const v of iovs) total += file.pwrite(mem.readBytes(v.base, Math.min(v.len, MAX_RW - total)), at + total);
  return BigInt(total);
}

function ttyIoctl(ctx: SyscallCtx, req: number, arg: number): bigint {
  const mem = ctx.proc.cpu.mem;
  switch (req) {
    case TIOCGWINSZ: {
      const b = new Uint8Array(8), dv = new DataView(b.buffer);
      dv.setUint16(0, process.stdout.rows || 24, true);
      dv.setUint16(2, process.stdout.columns || 80, true);
      mem.writeBytes(arg, b);
      return 0n;
    }
    case TCGETS: {
      // struct termios (asm-generic): iflag, oflag, cflag, lflag, c_line, c_cc[19]; a cooked tty.
      const b = new Uint8Array(36), dv = new DataView(b.buffer);
      dv.setUint32(0, 0x500, true); // ICRNL | IXON
      dv.setUint32(4, 0x5, true); // OPOST | ONLCR
      dv.setUint32(8, 0xbf, true); // B38400 | CS8 | CREAD
      dv.setUint32(12, 0x8a3b, true); // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
      b.set([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0], 17);
      mem.writeBytes(arg, b);
      return 0n;
    }
    case TCSETS: case TCSETSW: case TCSETSF: case TIOCSWINSZ:
      mem.readBytes(arg, req === TIOCSWINSZ ? 8 : 36);
      return 0n;
    case TIOCGPGRP:
      mem.writeU32(arg, ctx.proc.group.pgid);
      return 0n;
    case TIOCSPGRP:
      mem.readU32(arg);
      return 0n;
    default:
      return err(E.ENOTTY);
  }
}

function ioctl(ctx: SyscallCtx, a: bigint[]): bigint {
  const fd = int(a[0]!);
  const file = ctx.proc.fds.get(fd);
  const req = Number(BigInt.asUintN(32, a[1]!));
  const arg = num(a[2]!);
  switch (req) {
    case FIOCLEX: ctx.proc.fds.setCloexec(fd, true); return 0n;
    case FIONCLEX: ctx.proc.fds.setCloexec(fd, false); return 0n;
    case FIONBIO:
      file.flags = ctx.proc.cpu.mem.readU32(arg) ? file.flags | O.NONBLOCK : file.flags & ~O.NONBLOCK;
      return 0n;
  }
  if (file.isTty) return ttyIoctl(ctx, req, arg);
  return BigInt(file.ioctl(req, arg, ctx.proc.cpu.mem));
}

function dup3(ctx: SyscallCtx, oldfd: number, newfd: number, flags: number): bigint {
  if (flags & ~O.CLOEXEC) return err(E.EINVAL);
  const f = ctx.proc.fds.get(oldfd);
  if (oldfd === newfd) return err(E.EINVAL);
  ctx.proc.fds.installAt(newfd, f, (flags & O.CLOEXEC) !== 0);
  return BigInt(newfd);
}

/** struct flock (asm-generic/fcntl.h; one layout on all four arches): l_type, l_whence (shorts), l_start and l_len at 8 and 16, l_pid at 24. */
const FLOCK_SIZE = 32;
const F_SETOWN = 8, F_GETOWN = 9, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38;

/** F_SETOWN's target (a pid, or a process group as a negative number), per description. */
const owners = new WeakMap<OpenFile, number>();

/** What a lock is taken on: the inode, or a pipe's/socket's/stream's own (OpenFile.lockKey). */
function lockInode(f: OpenFile): object {
  return f.lockKey;
}

/**
 * flock_to_posix_lock: the request a struct flock describes, its range made absolute from
 * l_whence (the file position, or the size for SEEK_END); a negative l_len reaches back.
 */
function readFlock(ctx: SyscallCtx, f: OpenFile, addr: number, owner: object, ofd: boolean): RecordLock {
  const dv = new DataView(ctx.proc.cpu.mem.readBytes(addr, FLOCK_SIZE).slice().buffer);
  const type = dv.getInt16(0, true), whence = dv.getInt16(2, true);
  const lStart = dv.getBigInt64(8, true), lLen = dv.getBigInt64(16, true), lPid = dv.getInt32(24, true);
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) throw new SysError(E.EINVAL);
  if (ofd && lPid !== 0) throw new SysError(E.EINVAL);
  let base: bigint;
  switch (whence) {
    case SEEK_SET: base = 0n; break;
    case SEEK_CUR: base = BigInt(f.seek(0, SEEK_CUR)); break;
    case SEEK_END: base = BigInt(f.stat().size); break;
    default: throw new SysError(E.EINVAL);
  }
  let start = base + lStart;
  if (start > OFFSET_MAX) throw new SysError(E.EOVERFLOW);
  let end: bigint;
  if (lLen > 0n) {
    end = start + lLen - 1n;
    if (end > OFFSET_MAX) throw new SysError(E.EOVERFLOW);
  } else if (lLen < 0n) {
    end = start - 1n;
    start += lLen;
  } else {
    end = OFFSET_MAX;
  }
  if (start < 0n) throw new SysError(E.EINVAL);
  return { owner, ofd, pid: ofd ? -1 : ctx.proc.pid, type, start, end };
}

/** posix_lock_to_flock: a conflicting lock as F_GETLK reports it, or F_UNLCK alone. */
function writeFlock(ctx: SyscallCtx, addr: number, holder: RecordLock | null): void {
  const mem = ctx.proc.cpu.mem;
  if (!holder) { mem.writeBytes(addr, new Uint8Array([F_UNLCK, 0])); return; }
  const b = new Uint8Array(FLOCK_SIZE), dv = new DataView(b.buffer);
  dv.setInt16(0, holder.type, true);
  dv.setInt16(2, SEEK_SET, true);
  dv.setBigInt64(8, holder.start, true);
  dv.setBigInt64(16, holder.end === OFFSET_MAX ? 0n : holder.end - holder.start + 1n, true);
  dv.setInt32(24, holder.pid, true);
  mem.writeBytes(addr, b);
}

/**
 * F_SETLK/F_SETLKW and their OFD forms (fcntl_setlk). A conflict is EAGAIN, or with `wait` a
 * sleep until the holder lets go (interruptible: ERESTARTSYS); a POSIX waiter that would close a
 * cycle of waiters gets EDEADLK. A lock won after the descriptor was closed is dropped (EBADF).
 */
function setRecordLock(ctx: SyscallCtx, fd: number, f: OpenFile, addr: number, ofd: boolean, wait: boolean): bigint | Promise<bigint> {
  const inode = lockInode(f);
  const owner: object = ofd ? f : ctx.proc.fds;
  const req = readFlock(ctx, f, addr, owner, ofd);
  if ((req.type === F_RDLCK && !f.readable) || (req.type === F_WRLCK && !f.writable)) return err(E.EBADF);
  const attempt = (): bigint | undefined => {
    if (req.type !== F_UNLCK) {
      const c = recordConflict(inode, req);
      if (c) {
        if (!wait) return err(E.EAGAIN);
        if (!ofd && wouldDeadlock(owner, c)) return err(E.EDEADLK);
        if (!ofd) setWaiting(owner, c);
        return undefined;
      }
    }
    recordApply(inode, req);
    return 0n;
  };
  const stillOpen = (r: bigint): bigint => {
    if (r !== 0n || ofd || req.type === F_UNLCK) return r;
    const fds = ctx.proc.fds;
    if (fds.has(fd) && fds.get(fd) === f) return r;
    recordApply(inode, { ...req, type: F_UNLCK });
    return err(E.EBADF);
  };
  const now = attempt();
  if (now !== undefined) return now;
  return ctx.k.sleep(ctx.proc, [lockQueue(inode)], attempt, null).then((r) => {
    if (!ofd) setWaiting(owner, null);
    return r === 'interrupted' ? ERESTARTSYS : r === 'timeout' ? err(E.EINTR) : stillOpen(r);
  });
}

function getRecordLock(ctx: SyscallCtx, f: OpenFile, addr: number, ofd: boolean): bigint {
  const req = readFlock(ctx, f, addr, ofd ? f : ctx.proc.fds, ofd);
  if (req.type === F_UNLCK) return err(E.EINVAL);
  writeFlock(ctx, addr, recordConflict(lockInode(f), req));
  return 0n;
}

/** flock(2): whole-file locks of the open file description (shared by dup and fork). */
function flock(ctx: SyscallCtx, fd: number, op: number): bigint | Promise<bigint> {
  const f = ctx.proc.fds.get(fd);
  if (f.flags & O.PATH) return err(E.EBADF);
  const inode = lockInode(f);
  const cmd = op & ~LOCK_NB;
  if (cmd === LOCK_UN) { flockUnlock(inode, f); return 0n; }
  if (cmd !== LOCK_SH && cmd !== LOCK_EX) return err(E.EINVAL);
  const type = cmd === LOCK_EX ? F_WRLCK : F_RDLCK;
  if (flockTry(inode, f, type)) return 0n;
  if (op & LOCK_NB) return err(E.EAGAIN); // EWOULDBLOCK
  return ctx.k.sleep(ctx.proc, [lockQueue(inode)], () => (flockTry(inode, f, type) ? true : undefined), null)
    .then((r) => (r === true ? 0n : ERESTARTSYS));
}

function fcntl(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const fd = int(a[0]!), cmd = int(a[1]!), arg = a[2]!;
  const fds = ctx.proc.fds;
  const f = fds.get(fd);
  // An O_PATH descriptor only carries its place in the tree (do_fcntl's check_fcntl_cmd).
  if (f.flags & O.PATH && ![F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL].includes(cmd)) return err(E.EBADF);
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = int(arg);
      if (min < 0 || min >= NOFILE) return err(E.EINVAL);
      return BigInt(fds.install(f, cmd === F_DUPFD_CLOEXEC, min));
    }
    case F_GETFD: return fds.cloexec(fd) ? BigInt(FD_CLOEXEC) : 0n;
    case F_SETFD: fds.setCloexec(fd, (int(arg) & FD_CLOEXEC) !== 0); return 0n;
    case F_GETFL: return BigInt(openFlagsToGuest(ctx.k.arch.spec.name, f.flags & ~O.CLOEXEC));
    case F_SETFL: f.flags = (f.flags & ~SETFL_MASK) | (guestFlags(ctx, arg) & SETFL_MASK); return 0n;
    case F_GETLK: return getRecordLock(ctx, f, num(arg), false);
    case F_OFD_GETLK: return getRecordLock(ctx, f, num(arg), true);
    case F_SETLK: case F_SETLKW: return setRecordLock(ctx, fd, f, num(arg), false, cmd === F_SETLKW);
    case F_OFD_SETLK: case F_OFD_SETLKW: return setRecordLock(ctx, fd, f, num(arg), true, cmd === F_OFD_SETLKW);
    case F_GETOWN: return BigInt(owners.get(f) ?? 0);
    case F_SETOWN: {
      // Recorded for F_GETOWN; no SIGIO/SIGURG is ever sent (O_ASYNC is not implemented).
      const who = int(arg);
      const k = ctx.k;
      if (who > 0 && !k.groups.get(who)?.alive) return err(E.ESRCH);
      if (who < 0 && ![...k.groups.values()].some((g) => g.alive && g.pgid === -who)) return err(E.ESRCH);
      owners.set(f, who);
      return 0n;
    }
    case F_GETPIPE_SZ: case F_SETPIPE_SZ: {
      if (!(f instanceof PipeFile)) return err(E.EBADF);
      if (cmd === F_GETPIPE_SZ) return BigInt(f.capacity);
      return BigInt(f.resize(num(arg), ctx.k.uid === 0));
    }
    default: return err(E.EINVAL);
  }
}

function pipe2(ctx: SyscallCtx, addr: bigint, flags: number): bigint {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK | O.DIRECT)) return err(E.EINVAL);
  const [r, w] = makePipe(flags, ctx.k.realtimeNs());
  const fds = ctx.proc.fds, cloexec = (flags & O.CLOEXEC) !== 0;
  const rfd = fds.install(r, cloexec);
  let wfd: number;
  try { wfd = fds.install(w, cloexec); } catch (e) { fds.close(rfd); throw e; }
  const b = new Uint8Array(8), dv = new DataView(b.buffer);
  dv.setInt32(0, rfd, true);
  dv.setInt32(4, wfd, true);
  try {
    ctx.proc.cpu.mem.writeBytes(num(addr), b);
  } catch (e) {
    fds.close(rfd); fds.close(wfd);
    throw e;
  }
  return 0n;
}

export const ioSyscalls: SyscallDef[] = [
  {
    name: 'read', args: ['f', 'p', 'u'],
    handler: (ctx, a) => readInto(ctx, ctx.proc.fds.get(int(a[0]!)), [{ base: num(a[1]!), len: num(a[2]!) }]),
  },
  {
    name: 'write', args: ['f', 'p', 'u'],
    handler: (ctx, a) => writeFrom(ctx, ctx.proc.fds.get(int(a[0]!)), [{ base: num(a[1]!), len: num(a[2]!) }]),
  },
  {
    name: 'readv', args: ['f', 'p', 'd'],
    handler: (ctx, a) => {
      const f = ctx.proc.fds.get(int(a[0]!));
      return readInto(ctx, f, readIovecs(ctx.proc.cpu.mem, num(a[1]!), int(a[2]!)));
    },
  },
  {
    name: 'writev', args: ['f', 'p', 'd'],
    handler: (ctx, a) => {
      const f = ctx.proc.fds.get(int(a[0]!));
      return writeFrom(ctx, f, readIovecs(ctx.proc.cpu.mem, num(a[1]!), int(a[2]!)));
    },
  },
  {
    name: 'pread64', args: ['f', 'p', 'u', 'd'],
    handler: (ctx, a) => preadv(ctx, int(a[0]!), [{ base: num(a[1]!), len: num(a[2]!) }], a[3]!),
  },
  {
    name: 'pwrite64', args: ['f', 'p', 'u', 'd'],
    handler: (ctx, a) => pwritev(ctx, int(a[0]!), [{ base: num(a[1]!), len: num(a[2]!) }], a[3]!),
  },
  {
    name: 'preadv', args: ['f', 'p', 'd', 'd'],
    handler: (ctx, a) => preadv(ctx, int(a[0]!), readIovecs(ctx.proc.cpu.mem, num(a[1]!), int(a[2]!)), a[3]!),
  },
  {
    name: 'pwritev', args: ['f', 'p', 'd', 'd'],
    handler: (ctx, a) => pwritev(ctx, int(a[0]!), readIovecs(ctx.proc.cpu.mem, num(a[1]!), int(a[2]!)), a[3]!),
  },
  {
    name: 'lseek', args: ['f', 'd', 'd'],
    handler: (ctx, a) => BigInt(ctx.proc.fds.get(int(a[0]!)).seek(Number(BigInt.asIntN(64, a[1]!)), int(a[2]!))),
  },
  { name: 'ioctl', args: ['f', 'x', 'p'], handler: ioctl },
  {
    name: 'close', args: ['f'],
    handler: (ctx, a) => { ctx.proc.fds.close(int(a[0]!)); return 0n; },
  },
  {
    name: 'dup', args: ['f'],
    handler: (ctx, a) => BigInt(ctx.proc.fds.install(ctx.proc.fds.get(int(a[0]!)))),
  },
  { name: 'dup3', args: ['f', 'f', 'x'], handler: (ctx, a) => dup3(ctx, int(a[0]!), int(a[1]!), int(a[2]!)) },
  {
    name: 'dup2', args: ['f', 'f'],
    handler: (ctx, a) => {
      const oldfd = int(a[0]!), newfd = int(a[1]!);
      if (oldfd === newfd) { ctx.proc.fds.get(oldfd); return BigInt(newfd); }
      return dup3(ctx, oldfd, newfd, 0);
    },
  },
  { name: 'fcntl', args: ['f', 'd', 'x'], handler: fcntl },
  { name: 'flock', args: ['f', 'x'], handler: (ctx, a) => flock(ctx, int(a[0]!), int(a[1]!)) },
  { name: 'pipe2', args: ['p', 'x'], handler: (ctx, a) => pipe2(ctx, a[0]!, guestFlags(ctx, a[1]!)) },
  { name: 'pipe', args: ['p'], handler: (ctx, a) => pipe2(ctx, a[0]!, 0) },
  {
    name: 'sendfile', args: ['f', 'f', 'p', 'u'],
    handler: (ctx, a) => sendfile(ctx, int(a[0]!), int(a[1]!), num(a[2]!), Math.min(num(a[3]!), MAX_RW)),
  },
];
