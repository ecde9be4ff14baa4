/**
 * Socket syscalls (Linux net/socket.c): socket, socketpair, bind, listen, accept/accept4,
 * connect, getsockname/getpeername, sendto/recvfrom, sendmsg/recvmsg, shutdown, setsockopt/
 * getsockopt. Families live in kernel/net (AF_UNIX in the kernel, AF_INET/AF_INET6 on the host).
 *
 * An operation that would block answers with the socket's queue: the task sleeps on it and
 * tries again (EAGAIN for O_NONBLOCK or MSG_DONTWAIT, EAGAIN after SO_RCVTIMEO/SO_SNDTIMEO). A
 * signal ends the wait with what was moved so far, else -ERESTARTSYS (no timeout set) or -EINTR
 * (a timeout set), as sock_intr_errno decides. EPIPE from a send raises SIGPIPE unless
 * MSG_NOSIGNAL. Struct layouts (sockaddr_*, msghdr, cmsghdr, ucred) are those of the 64-bit
 * ABIs, the same on all four arches.
 */
import type { Memory } from '../../../arch/common/memory';
import { E, SysError } from '../../errno';
import { isBlocked, O, type Blocked, type OpenFile } from '../../fs/file';
import { S_IFSOCK, type Inode } from '../../fs/inode';
import type { Kernel } from '../../kernel';
import { makeInetSocket } from '../../net/inet';
import {
  AF_INET, AF_INET6, AF_UNIX, type Caller, decodeSockAddr, encodeSockAddr, MSG, type Received, SCM_CREDENTIALS,
  SCM_RIGHTS, type SockAddr, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_SEQPACKET, SOCK_STREAM, Socket, SOCKADDR_MAX,
  SOL_SOCKET, type Ucred,
} from '../../net/socket';
import { type UnixCaller, UnixNamespace, UnixSocket } from '../../net/unix';
import { gather, iovTotal, MAX_RW, readIovecs, scatter, type Iovec } from '../iovec';
import { err, ERESTARTSYS, int, num, type SyscallCtx, type SyscallDef } from '../table';
import { sigpipe } from './io';

/** SCM_MAX_FD: descriptors one SCM_RIGHTS message may carry. */
const SCM_MAX_FD = 253;
const CMSG_HDR = 16;
const align8 = (n: number): number => (n + 7) & ~7;

const namespaces = new WeakMap<Kernel, UnixNamespace>();
function unixNamespace(k: Kernel): UnixNamespace {
  let ns = namespaces.get(k);
  if (!ns) namespaces.set(k, (ns = new UnixNamespace()));
  return ns;
}

/** The caller as sockets see it, with path access relative to its cwd and root. */
function callerOf(ctx: SyscallCtx): UnixCaller {
  const { proc, k } = ctx;
  const start = (path: string): typeof proc.fs.cwd => (path.startsWith('/') ? proc.fs.root : proc.fs.cwd);
  return {
    pid: proc.pid, uid: k.uid, gid: k.gid,
    paths: {
      makeNode(path: string): Inode {
        const p = k.vfs.parentOf(proc.fs.root, start(path), path);
        if (p.name === '') throw new SysError(E.EADDRINUSE);
        let exists = true;
        try { k.vfs.child(p.dir, p.name); } catch (e) { if (e instanceof SysError && e.errno === E.ENOENT) exists = false; else throw e; }
        if (exists) throw new SysError(E.EADDRINUSE);
        if (p.dir.inode.fs.readOnly) throw new SysError(E.EROFS);
        // unix_bind_bsd: the socket inode's 0777 less the umask.
        return p.dir.inode.mknod(p.name, S_IFSOCK | (0o777 & ~proc.fs.umask));
      },
      find(path: string): Inode {
        return k.vfs.resolve(proc.fs.root, start(path), path, true).inode;
      },
      remove(path: string): void {
        const p = k.vfs.parentOf(proc.fs.root, start(path), path);
        p.dir.inode.unlink(p.name);
      },
    },
  };
}

function sockOf(ctx: SyscallCtx, fd: number): Socket {
  const f = ctx.proc.fds.get(fd);
  if (!(f instanceof Socket)) throw new SysError(E.ENOTSOCK);
  return f;
}

/** A sockaddr argument (move_addr_to_kernel). */
function addrArg(mem: Memory, addr: number, len: number): SockAddr {
  if (len < 0 || len > SOCKADDR_MAX) throw new SysError(E.EINVAL);
  return decodeSockAddr(mem.readBytes(addr, len));
}

/** Writes an address back (move_addr_to_user): at most *lenp bytes, then its full length. */
function putAddr(mem: Memory, addr: number, lenp: number, a: SockAddr | null): void {
  if (addr === 0 || lenp === 0) return;
  const room = mem.readU32(lenp) | 0;
  if (room < 0) throw new SysError(E.EINVAL);
  const b = a ? encodeSockAddr(a) : new Uint8Array(0);
  mem.writeBytes(addr, b.subarray(0, Math.min(room, b.length)));
  mem.writeU32(lenp, b.length);
}

function install(ctx: SyscallCtx, f: OpenFile, cloexec: boolean): number {
  try {
    return ctx.proc.fds.install(f, cloexec);
  } catch (e) {
    f.hold().put(); // EMFILE: the new socket goes away as if closed
    throw e;
  }
}

// ---- waiting ----

type Stop = 'again' | 'interrupted' | 'timeout';

interface WaitOpts<T> {
  nonblock: boolean;
  timeoutNs: bigint;
  /** The result when the wait ends early (partial progress); undefined: the errno. */
  stop?: (why: Stop) => T | bigint | undefined;
  interruptible?: boolean;
}

/**
 * Runs `op` until it does not answer a queue: at once, or after sleeping on the queue it gave.
 * Errors it throws end the call; bigint results are errnos from the wait itself.
 */
function waitFor<T>(ctx: SyscallCtx, op: () => T | Blocked, o: WaitOpts<T>): T | bigint | Promise<T | bigint> {
  const r = op();
  if (!isBlocked(r)) return r;
  if (o.nonblock) return o.stop?.('again') ?? err(E.EAGAIN);
  const deadline = o.timeoutNs > 0n ? ctx.k.monotonicNs() + o.timeoutNs : null;
  return sleepOn(ctx, r, op, deadline, o);
}

function sleepOn<T>(ctx: SyscallCtx, q: Blocked, op: () => T | Blocked, deadline: bigint | null, o: WaitOpts<T>): Promise<T | bigint> {
  let value: T | undefined, failure: unknown = null, requeue: Blocked | null = null;
  // The attempt runs inside whatever woke the queue, so it must not throw there.
  const attempt = (): true | undefined => {
    try {
      const r = op();
      if (!isBlocked(r)) { value = r; return true; }
      if (r !== q) { requeue = r; return true; }
      return undefined;
    } catch (e) {
      failure = e;
      return true;
    }
  };
  return ctx.k.sleep(ctx.proc, [q], attempt, deadline, o.interruptible ?? true).then((s) => {
    if (s === true) {
      if (failure !== null) throw failure;
      if (requeue) return sleepOn(ctx, requeue, op, deadline, o);
      return value as T;
    }
    const why: Stop = s === 'timeout' ? 'timeout' : 'interrupted';
    const partial = o.stop?.(why);
    if (partial !== undefined) return partial;
    if (why === 'timeout') return err(E.EAGAIN);
    return deadline !== null ? err(E.EINTR) : ERESTARTSYS;
  });
}

function then<T>(r: T | bigint | Promise<T | bigint>, f: (v: T) => bigint): bigint | Promise<bigint> {
  if (r instanceof Promise) return r.then((v) => (typeof v === 'bigint' ? v : f(v)));
  return typeof r === 'bigint' ? r : f(r);
}

// ---- socket, socketpair, bind, listen, accept, connect ----

function createSocket(ctx: SyscallCtx, domain: number, typeArg: number, protocol: number): Socket {
  const type = typeArg & 0xf, flags = typeArg & ~0xf;
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) throw new SysError(E.EINVAL);
  switch (domain) {
    case AF_UNIX:
      if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) throw new SysError(E.ESOCKTNOSUPPORT);
      if (protocol !== 0 && protocol !== AF_UNIX) throw new SysError(E.EPROTONOSUPPORT);
      return new UnixSocket(unixNamespace(ctx.k), type, flags);
    case AF_INET: case AF_INET6:
      return makeInetSocket(domain, type, protocol, flags);
    default:
      throw new SysError(E.EAFNOSUPPORT);
  }
}

function socket(ctx: SyscallCtx, a: bigint[]): bigint {
  const s = createSocket(ctx, int(a[0]!), int(a[1]!), int(a[2]!));
  return BigInt(install(ctx, s, (int(a[1]!) & SOCK_CLOEXEC) !== 0));
}

function socketpair(ctx: SyscallCtx, a: bigint[]): bigint {
  const domain = int(a[0]!), typeArg = int(a[1]!), protocol = int(a[2]!), sv = num(a[3]!);
  if (domain === AF_INET || domain === AF_INET6) return err(E.EOPNOTSUPP);
  if (domain !== AF_UNIX) return err(E.EAFNOSUPPORT);
  createSocket(ctx, domain, typeArg, protocol); // argument checks only
  const [x, y] = UnixSocket.pair(unixNamespace(ctx.k), typeArg & 0xf, typeArg & ~0xf, callerOf(ctx));
  const cloexec = (typeArg & SOCK_CLOEXEC) !== 0;
  const fds = ctx.proc.fds;
  const fx = install(ctx, x, cloexec);
  let fy: number;
  try { fy = install(ctx, y, cloexec); } catch (e) { fds.close(fx); throw e; }
  const b = new Uint8Array(8), dv = new DataView(b.buffer);
  dv.setInt32(0, fx, true);
  dv.setInt32(4, fy, true);
  try { ctx.proc.cpu.mem.writeBytes(sv, b); } catch (e) { fds.close(fx); fds.close(fy); throw e; }
  return 0n;
}

function bind(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const s = sockOf(ctx, int(a[0]!));
  const addr = addrArg(ctx.proc.cpu.mem, num(a[1]!), int(a[2]!));
  if (s.family === AF_UNIX && addr.family !== AF_UNIX) return err(E.EINVAL);
  const r = s.bind(addr, callerOf(ctx));
  return typeof r === 'number' ? BigInt(r) : r.then(BigInt);
}

function listen(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const r = sockOf(ctx, int(a[0]!)).listen(int(a[1]!), callerOf(ctx));
  return typeof r === 'number' ? BigInt(r) : r.then(BigInt);
}

function accept4(ctx: SyscallCtx, fd: number, addr: number, lenp: number, flags: number): bigint | Promise<bigint> {
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return err(E.EINVAL);
  const s = sockOf(ctx, fd);
  const r = waitFor(ctx, () => s.accept(), { nonblock: s.nonblocking, timeoutNs: s.rcvTimeoNs });
  return then(r, (c) => {
    if (flags & SOCK_NONBLOCK) c.flags |= O.NONBLOCK;
    const newfd = install(ctx, c, (flags & SOCK_CLOEXEC) !== 0);
    let peer: SockAddr | null = null;
    try { peer = c.peerName(); } catch { peer = { family: AF_UNIX, path: null }; }
    putAddr(ctx.proc.cpu.mem, addr, lenp, peer);
    return BigInt(newfd);
  });
}

function connect(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const s = sockOf(ctx, int(a[0]!));
  const addr = addrArg(ctx.proc.cpu.mem, num(a[1]!), int(a[2]!));
  const caller = callerOf(ctx);
  const stream = s.type !== SOCK_DGRAM;
  let first: number | Blocked;
  try {
    first = s.connect(addr, caller);
  } catch (e) {
    // A blocking connect() on a socket whose connect is under way waits for it (EALREADY only
    // when non-blocking), as __inet_stream_connect does.
    if (!(e instanceof SysError && e.errno === E.EALREADY && !s.nonblocking)) throw e;
    first = s.connectWait(addr, caller);
  }
  if (!isBlocked(first)) return BigInt(first);
  // A datagram socket's connect only waits for Node to bind it: never EINPROGRESS.
  if (stream && s.nonblocking) return err(s.family === AF_UNIX ? E.EAGAIN : E.EINPROGRESS);
  const r = sleepOn(ctx, first, () => s.connectWait(addr, caller), s.sndTimeoNs > 0n ? ctx.k.monotonicNs() + s.sndTimeoNs : null, {
    nonblock: false, timeoutNs: s.sndTimeoNs, interruptible: stream,
    // tcp: a connect cut short goes on in the background (EINPROGRESS after a timeout).
    stop: (why) => (why === 'timeout' && s.family !== AF_UNIX ? err(E.EINPROGRESS) : undefined),
  });
  return r.then((v) => (typeof v === 'bigint' ? v : BigInt(v)));
}

// ---- data ----

/**
 * Sends `data` (a stream takes it in as many steps as there is room for; other types all at once).
 * `rights` are references the message takes over; whatever is not sent is dropped here.
 */
function send(ctx: SyscallCtx, s: Socket, data: Uint8Array, to: SockAddr | null, flags: number, rights: OpenFile[] | null, creds: Ucred | null): bigint | Promise<bigint> {
  const caller: Caller = callerOf(ctx);
  let sent = 0;
  let held = rights;
  const op = (): bigint | Blocked => {
    for (;;) {
      const req = { data: data.subarray(sent), to, flags, rights: held, creds, caller };
      let r: number | Blocked;
      try {
        r = s.send(req);
      } catch (e) {
        if (sent > 0) return BigInt(sent);
        throw e;
      }
      held = req.rights;
      if (isBlocked(r)) return r;
      sent += r;
      if (sent >= data.length || s.type !== SOCK_STREAM) return BigInt(sent);
    }
  };
  const drop = (): void => { for (const f of held ?? []) f.put(); held = null; };
  const failed = (e: unknown): never => {
    drop();
    if (e instanceof SysError && e.errno === E.EPIPE && !(flags & MSG.NOSIGNAL)) sigpipe(ctx);
    throw e;
  };
  let r: bigint | Promise<bigint>;
  try {
    r = waitFor(ctx, op, {
      nonblock: s.nonblocking || (flags & MSG.DONTWAIT) !== 0, timeoutNs: s.sndTimeoNs,
      stop: () => (sent > 0 ? BigInt(sent) : undefined),
    });
  } catch (e) {
    return failed(e);
  }
  if (r instanceof Promise) return r.then((v) => { drop(); return v; }, failed);
  drop();
  return r;
}

/** One receive with MSG_WAITALL's looping; the parts are joined. */
function recv(ctx: SyscallCtx, s: Socket, max: number, flags: number): Received | bigint | Promise<Received | bigint> {
  const waitall = (flags & MSG.WAITALL) !== 0 && s.type === SOCK_STREAM && !(flags & MSG.PEEK);
  const parts: Received[] = [];
  let got = 0;
  const join = (): Received => {
    if (parts.length === 1) return parts[0]!;
    const data = new Uint8Array(got);
    let at = 0;
    for (const p of parts) { data.set(p.data, at); at += p.data.length; }
    const rights = parts.find((p) => p.rights)?.rights ?? null;
    return { data, length: got, from: parts[0]?.from ?? null, rights, creds: parts[0]?.creds ?? null };
  };
  const op = (): Received | Blocked => {
    for (;;) {
      let r: Received | Blocked;
      try {
        r = s.recv({ max: max - got, flags });
      } catch (e) {
        if (got > 0) return join();
        throw e;
      }
      if (isBlocked(r)) return got > 0 && !waitall ? join() : r;
      parts.push(r);
      got += r.data.length;
      if (!waitall || r.data.length === 0 || got >= max || r.rights) return join();
    }
  };
  return waitFor(ctx, op, {
    nonblock: s.nonblocking || (flags & MSG.DONTWAIT) !== 0, timeoutNs: s.rcvTimeoNs,
    stop: () => (got > 0 ? join() : undefined),
  });
}

/** The syscall's result: bytes copied, or the datagram's length with MSG_TRUNC. */
function received(s: Socket, r: Received, flags: number): bigint {
  return BigInt(flags & MSG.TRUNC && s.type !== SOCK_STREAM ? r.length : r.data.length);
}

function sendto(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const s = sockOf(ctx, int(a[0]!));
  const mem = ctx.proc.cpu.mem;
  const len = Math.min(num(a[2]!), MAX_RW), flags = int(a[3]!);
  const data = mem.readBytes(num(a[1]!), len);
  const to = num(a[4]!) !== 0 && int(a[5]!) !== 0 ? addrArg(mem, num(a[4]!), int(a[5]!)) : null;
  return send(ctx, s, data, to, flags, null, null);
}

function recvfrom(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const s = sockOf(ctx, int(a[0]!));
  const mem = ctx.proc.cpu.mem;
  const buf = num(a[1]!), len = Math.min(num(a[2]!), MAX_RW), flags = int(a[3]!);
  const addr = num(a[4]!), lenp = num(a[5]!);
  return then(recv(ctx, s, len, flags), (r) => {
    for (const f of r.rights ?? []) f.put();
    mem.writeBytes(buf, r.data);
    if (addr !== 0) putAddr(mem, addr, lenp, r.from);
    return received(s, r, flags);
  });
}

/** struct msghdr (64-bit): name, namelen, iov, iovlen, control, controllen, flags. */
interface MsgHdr { name: number; namelen: number; iov: Iovec[]; control: number; controllen: number }

function readMsgHdr(mem: Memory, addr: number): MsgHdr {
  return {
    name: num(mem.readU64(addr)), namelen: mem.readU32(addr + 8) | 0,
    iov: readIovecs(mem, num(mem.readU64(addr + 16)), Number(BigInt.asIntN(64, mem.readU64(addr + 24))), E.EMSGSIZE),
    control: num(mem.readU64(addr + 32)), controllen: num(mem.readU64(addr + 40)),
  };
}

/** SCM_RIGHTS and SCM_CREDENTIALS of a sendmsg (__scm_send); the files come held. */
function parseControl(ctx: SyscallCtx, s: Socket, m: MsgHdr): { rights: OpenFile[] | null; creds: Ucred | null } {
  const mem = ctx.proc.cpu.mem;
  const rights: OpenFile[] = [];
  let creds: Ucred | null = null;
  const fail = (errno: number): never => { for (const f of rights) f.put(); throw new SysError(errno); };
  if (m.controllen > 0 && m.controllen < CMSG_HDR) fail(E.EINVAL);
  const ctl = m.controllen > 0 ? mem.readBytes(m.control, Math.min(m.controllen, 1 << 20)) : new Uint8Array(0);
  const dv = new DataView(ctl.buffer);
  for (let off = 0; off + CMSG_HDR <= ctl.length;) {
    const len = num(dv.getBigUint64(off, true)), level = dv.getInt32(off + 8, true), type = dv.getInt32(off + 12, true);
    if (len < CMSG_HDR || off + len > ctl.length) fail(E.EINVAL);
    if (level !== SOL_SOCKET) fail(E.EINVAL);
    const body = len - CMSG_HDR;
    if (type === SCM_RIGHTS) {
      if (s.family !== AF_UNIX || body % 4 !== 0 || body === 0) fail(E.EINVAL);
      if (rights.length + body / 4 > SCM_MAX_FD) fail(E.EINVAL);
      for (let i = 0; i < body / 4; i++) {
        const fd = dv.getInt32(off + CMSG_HDR + 4 * i, true);
        if (!ctx.proc.fds.has(fd)) fail(E.EBADF);
        rights.push(ctx.proc.fds.get(fd).hold());
      }
    } else if (type === SCM_CREDENTIALS) {
      if (s.family !== AF_UNIX || body !== 12) fail(E.EINVAL);
      const c = { pid: dv.getInt32(off + 16, true), uid: dv.getUint32(off + 20, true), gid: dv.getUint32(off + 24, true) };
      // Only one's own identity may be claimed (no CAP_SYS_ADMIN / CAP_SETUID here).
      if (c.pid !== ctx.proc.pid || c.uid !== ctx.k.uid || c.gid !== ctx.k.gid) fail(E.EPERM);
      creds = c;
    } else {
      fail(E.EINVAL);
    }
    off += align8(len);
  }
  return { rights: rights.length > 0 ? rights : null, creds };
}

function sendmsg(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const s = sockOf(ctx, int(a[0]!));
  const mem = ctx.proc.cpu.mem;
  const m = readMsgHdr(mem, num(a[1]!));
  const flags = int(a[2]!);
  const to = m.name !== 0 && m.namelen !== 0 ? addrArg(mem, m.name, m.namelen) : null;
  const data = gather(mem, m.iov);
  const { rights, creds } = parseControl(ctx, s, m);
  return send(ctx, s, data, to, flags, rights, creds);
}

/** Writes the control messages of a receive; returns the bytes used and MSG_CTRUNC if cut. */
function putControl(ctx: SyscallCtx, m: MsgHdr, r: Received, flags: number): { used: number; ctrunc: boolean } {
  const mem = ctx.proc.cpu.mem;
  let used = 0, ctrunc = false;
  const put = (type: number, body: Uint8Array): boolean => {
    const room = m.control === 0 ? 0 : m.controllen - used;
    if (room < CMSG_HDR + body.length) { ctrunc = true; return false; }
    const b = new Uint8Array(CMSG_HDR + body.length), dv = new DataView(b.buffer);
    dv.setBigUint64(0, BigInt(CMSG_HDR + body.length), true);
    dv.setInt32(8, SOL_SOCKET, true);
    dv.setInt32(12, type, true);
    b.set(body, CMSG_HDR);
    mem.writeBytes(m.control + used, b);
    used += Math.min(room, align8(b.length));
    return true;
  };
  if (r.creds) {
    const b = new Uint8Array(12), dv = new DataView(b.buffer);
    dv.setInt32(0, r.creds.pid, true); dv.setUint32(4, r.creds.uid, true); dv.setUint32(8, r.creds.gid, true);
    put(SCM_CREDENTIALS, b);
  }
  if (r.rights) {
    // scm_detach_fds: as many as fit; the rest are closed and the message marked truncated.
    const room = m.control === 0 ? 0 : m.controllen - used - CMSG_HDR;
    const fit = Math.max(0, Math.min(r.rights.length, Math.floor(room / 4)));
    const fds: number[] = [];
    for (const f of r.rights.slice(0, fit)) {
      try { fds.push(ctx.proc.fds.install(f, (flags & MSG.CMSG_CLOEXEC) !== 0)); } catch { ctrunc = true; break; }
    }
    for (const f of r.rights) f.put();
    if (fds.length < r.rights.length) ctrunc = true;
    if (fds.length > 0) {
      const b = new Uint8Array(4 * fds.length), dv = new DataView(b.buffer);
      fds.forEach((fd, i) => dv.setInt32(4 * i, fd, true));
      put(SCM_RIGHTS, b);
    }
  }
  return { used, ctrunc };
}

function recvmsg(ctx: SyscallCtx, a: bigint[]): bigint | Promise<bigint> {
  const s = sockOf(ctx, int(a[0]!));
  const mem = ctx.proc.cpu.mem;
  const hdr = num(a[1]!);
  const m = readMsgHdr(mem, hdr);
  const flags = int(a[2]!);
  return then(recv(ctx, s, iovTotal(m.iov), flags), (r) => {
    scatter(mem, m.iov, r.data);
    let namelen = 0;
    if (m.name !== 0 && r.from) {
      const b = encodeSockAddr(r.from);
      mem.writeBytes(m.name, b.subarray(0, Math.max(0, Math.min(m.namelen, b.length))));
      namelen = b.length;
    }
    const { used, ctrunc } = putControl(ctx, m, r, flags);
    let mflags = 0;
    if (r.length > r.data.length) mflags |= MSG.TRUNC;
    if (ctrunc) mflags |= MSG.CTRUNC;
    if (flags & MSG.CMSG_CLOEXEC) mflags |= MSG.CMSG_CLOEXEC;
    mem.writeU32(hdr + 8, namelen);
    mem.writeU64(hdr + 40, BigInt(used));
    mem.writeU32(hdr + 48, mflags);
    return received(s, r, flags);
  });
}

// ---- options and names ----

function setsockopt(ctx: SyscallCtx, a: bigint[]): bigint {
  const s = sockOf(ctx, int(a[0]!));
  const len = int(a[4]!);
  if (len < 0) return err(E.EINVAL);
  const v = ctx.proc.cpu.mem.readBytes(num(a[3]!), Math.min(len, 4096));
  s.setOption(int(a[1]!), int(a[2]!), v);
  return 0n;
}

function getsockopt(ctx: SyscallCtx, a: bigint[]): bigint {
  const s = sockOf(ctx, int(a[0]!));
  const mem = ctx.proc.cpu.mem;
  const lenp = num(a[4]!);
  const len = mem.readU32(lenp) | 0;
  if (len < 0) return err(E.EINVAL);
  const v = s.getOption(int(a[1]!), int(a[2]!));
  const n = Math.min(len, v.length);
  mem.writeBytes(num(a[3]!), v.subarray(0, n));
  mem.writeU32(lenp, n);
  return 0n;
}

function nameCall(ctx: SyscallCtx, a: bigint[], peer: boolean): bigint {
  const s = sockOf(ctx, int(a[0]!));
  const name = peer ? s.peerName() : s.localName();
  const mem = ctx.proc.cpu.mem;
  const lenp = num(a[2]!);
  if ((mem.readU32(lenp) | 0) < 0) return err(E.EINVAL);
  putAddr(mem, num(a[1]!), lenp, name);
  return 0n;
}

export const netSyscalls: SyscallDef[] = [
  { name: 'socket', args: ['d', 'x', 'd'], handler: socket },
  { name: 'socketpair', args: ['d', 'x', 'd', 'p'], handler: socketpair },
  { name: 'bind', args: ['f', 'p', 'u'], handler: bind },
  { name: 'listen', args: ['f', 'd'], handler: listen },
  {
    name: 'accept', args: ['f', 'p', 'p'],
    handler: (ctx, a) => accept4(ctx, int(a[0]!), num(a[1]!), num(a[2]!), 0),
  },
  {
    name: 'accept4', args: ['f', 'p', 'p', 'x'],
    handler: (ctx, a) => accept4(ctx, int(a[0]!), num(a[1]!), num(a[2]!), int(a[3]!)),
  },
  { name: 'connect', args: ['f', 'p', 'u'], handler: connect },
  { name: 'getsockname', args: ['f', 'p', 'p'], handler: (ctx, a) => nameCall(ctx, a, false) },
  { name: 'getpeername', args: ['f', 'p', 'p'], handler: (ctx, a) => nameCall(ctx, a, true) },
  { name: 'sendto', args: ['f', 'p', 'u', 'x', 'p', 'u'], handler: sendto },
  { name: 'recvfrom', args: ['f', 'p', 'u', 'x', 'p', 'p'], handler: recvfrom },
  { name: 'sendmsg', args: ['f', 'p', 'x'], handler: sendmsg },
  { name: 'recvmsg', args: ['f', 'p', 'x'], handler: recvmsg },
  {
    name: 'shutdown', args: ['f', 'd'],
    handler: (ctx, a) => { sockOf(ctx, int(a[0]!)).shutdown(int(a[1]!)); return 0n; },
  },
  { name: 'setsockopt', args: ['f', 'd', 'd', 'p', 'u'], handler: setsockopt },
  { name: 'getsockopt', args: ['f', 'd', 'd', 'p', 'p'], handler: getsockopt },
];
