/**
 * AF_UNIX sockets (Linux net/unix/af_unix.c), entirely in the kernel: SOCK_STREAM,
 * SOCK_SEQPACKET and SOCK_DGRAM; names in the file system (a socket inode made by bind) or in
 * the abstract namespace (sun_path[0] == 0); SCM_RIGHTS and SCM_CREDENTIALS.
 *
 * Behaviour kept from af_unix.c:
 *  - connect() on a stream/seqpacket socket completes at once: the server side is created then
 *    and queued on the listener (an "embryo") until accept(); the client may write before it.
 *    A listener's queue is full when it holds more than `backlog` embryos (unix_recvq_full's
 *    `>`), and connect then waits (EAGAIN when non-blocking).
 *  - Memory: a message costs its length plus {@link OVERHEAD} (a stand-in for skb truesize) in
 *    the sender's write allocation until it is read; a sender waits while that reaches SO_SNDBUF,
 *    and polls writable only below a quarter of it (unix_writable). A datagram receiver that is
 *    not connected back to the sender takes at most max_dgram_qlen + 1 queued datagrams.
 *  - close: a stream/seqpacket peer sees SHUTDOWN_MASK (EOF, EPIPE) and ECONNRESET when data
 *    was left unread; a datagram sender to a closed peer gets ECONNREFUSED once, then ENOTCONN.
 *  - A stream read stops after a message carrying file descriptors (so they arrive with the
 *    bytes sent with them).
 * Not kept: the garbage collector for descriptors in flight in a cycle (a socket sent over
 * itself and closed stays allocated), MSG_PEEK duplicating descriptors, MSG_OOB.
 */
import { E, SysError } from '../errno';
import type { Blocked, OpenFile } from '../fs/file';
import { S_IFMT, S_IFSOCK, type Inode } from '../fs/inode';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM, type Readiness } from '../fs/poll';
import type { Memory } from '../../arch/common/memory';
import {
  AF_UNIX, type Caller, MSG, RCV_SHUTDOWN, type Received, type RecvRequest, SEND_SHUTDOWN, type SendRequest,
  SHUT_RD, SHUT_RDWR, SHUT_WR, SHUTDOWN_MASK, type SockAddr, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, Socket, SOMAXCONN,
  SO, SOL_SOCKET, type Ucred, intOf, int32,
} from './socket';

/** Per-message cost besides the bytes (bounds a flood of empty datagrams). */
export const OVERHEAD = 256;
/** net.unix.max_dgram_qlen. */
export const MAX_DGRAM_QLEN = 10;
const FIONREAD = 0x541b, SIOCOUTQ = 0x5411;

/** File system access a unix socket needs for path names (given by the syscall layer). */
export interface UnixPaths {
  /** Creates the socket inode for bind; EADDRINUSE when the name exists. */
  makeNode(path: string): Inode;
  /** The inode a connect or sendto names (following symlinks). */
  find(path: string): Inode;
  /** Unlinks a node makeNode just made. */
  remove(path: string): void;
}

export interface UnixCaller extends Caller { paths: UnixPaths }

/** One kernel's abstract namespace and autobind counter; path names are found through inodes. */
export class UnixNamespace {
  readonly abstract = new Map<string, UnixSocket>();
  readonly byInode = new WeakMap<Inode, UnixSocket>();
  private nextAuto = 0;

  /** unix_autobind: an abstract name of five hex digits not in use. */
  autoName(): Uint8Array {
    for (;;) {
      const name = Buffer.from(`\0${(this.nextAuto++ & 0xfffff).toString(16).padStart(5, '0')}`, 'latin1');
      if (!this.abstract.has(key(name))) return new Uint8Array(name);
    }
  }
}

const key = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

interface Message {
  data: Uint8Array;
  from: Uint8Array | null;
  rights: OpenFile[] | null;
  creds: Ucred | null;
  /** Charged for the message until it is read or dropped. */
  sender: UnixSocket | null;
  cost: number;
}

type State = 'unconnected' | 'listening' | 'connected';

export class UnixSocket extends Socket {
  readonly family = AF_UNIX;
  readonly protocol = 0;
  state: State = 'unconnected';
  /** Stream/seqpacket: the other end; dgram: the connect()ed default destination. */
  peer: UnixSocket | null = null;
  /** The bound name (significant sun_path bytes). */
  addr: Uint8Array | null = null;
  private node: Inode | null = null;
  private readonly rx: Message[] = [];
  private rxBytes = 0;
  /** Bytes (with overhead) of our messages not yet read by their receivers. */
  private wmem = 0;
  /** The bytes alone of those messages (SIOCOUTQ). */
  private unread = 0;
  private readonly embryos: UnixSocket[] = [];
  private backlog = 0;
  /** Closed (its last descriptor went): senders learn it as ECONNREFUSED / EPIPE. */
  dead = false;
  /** A server side waiting in a listener's queue. */
  private embryo = false;
  passcred = false;
  /** Credentials of whoever made the connection / the pair / called listen (SO_PEERCRED). */
  private ownCred: Ucred | null = null;
  private peerCredentials: Ucred | null = null;

  constructor(readonly ns: UnixNamespace, readonly type: number, flags: number) { super(flags); }

  get listening(): boolean { return this.state === 'listening'; }
  private get connectionBased(): boolean { return this.type !== SOCK_DGRAM; }

  /** socketpair: two connected sockets. */
  static pair(ns: UnixNamespace, type: number, flags: number, caller: Caller): [UnixSocket, UnixSocket] {
    const a = new UnixSocket(ns, type, flags), b = new UnixSocket(ns, type, flags);
    a.peer = b; b.peer = a;
    a.state = b.state = 'connected';
    const c = credOf(caller);
    a.ownCred = b.ownCred = a.peerCredentials = b.peerCredentials = c;
    return [a, b];
  }

  // ---- names ----

  bind(addr: SockAddr, caller: Caller): number {
    if (addr.family !== AF_UNIX) throw new SysError(E.EINVAL);
    if (!addr.path) {
      if (this.addr) throw new SysError(E.EINVAL);
      this.autobind();
      return 0;
    }
    if (addr.path[0] === 0) {
      if (this.ns.abstract.has(key(addr.path))) throw new SysError(E.EADDRINUSE);
      if (this.addr) throw new SysError(E.EINVAL);
      this.ns.abstract.set(key(addr.path), this);
    } else {
      // unix_bind_bsd makes the node first (EADDRINUSE when the name exists), and removes it
      // again when the socket turns out to be bound already.
      const paths = pathsOf(caller);
      const path = Buffer.from(addr.path).toString('utf8');
      const node = paths.makeNode(path);
      if (this.addr) { paths.remove(path); throw new SysError(E.EINVAL); }
      this.ns.byInode.set(node, this);
      this.node = node;
    }
    this.addr = addr.path;
    return 0;
  }

  private autobind(): void {
    if (this.addr) return;
    const name = this.ns.autoName();
    this.ns.abstract.set(key(name), this);
    this.addr = name;
  }

  private unbind(): void {
    if (!this.addr) return;
    if (this.addr[0] === 0) {
      if (this.ns.abstract.get(key(this.addr)) === this) this.ns.abstract.delete(key(this.addr));
    } else if (this.node && this.ns.byInode.get(this.node) === this) {
      this.ns.byInode.delete(this.node);
    }
  }

  /** The socket bound to a name: ENOENT for a missing path, ECONNREFUSED when nothing listens there. */
  private lookup(path: Uint8Array, caller: Caller): UnixSocket {
    let s: UnixSocket | undefined;
    if (path[0] === 0) {
      s = this.ns.abstract.get(key(path));
    } else {
      const node = pathsOf(caller).find(Buffer.from(path).toString('utf8'));
      if ((node.type & S_IFMT) !== S_IFSOCK) throw new SysError(E.ECONNREFUSED);
      s = this.ns.byInode.get(node);
    }
    if (!s || s.dead) throw new SysError(E.ECONNREFUSED);
    return s;
  }

  localName(): SockAddr { return { family: AF_UNIX, path: this.addr }; }

  peerName(): SockAddr {
    if (!this.peer || (this.connectionBased && this.state !== 'connected')) throw new SysError(E.ENOTCONN);
    return { family: AF_UNIX, path: this.peer.addr };
  }

  override peerCred(): Ucred { return this.peerCredentials ?? super.peerCred(); }

  // ---- connections ----

  listen(backlog: number, caller: Caller): number {
    if (!this.connectionBased) throw new SysError(E.EOPNOTSUPP);
    if (this.state === 'connected') throw new SysError(E.EINVAL);
    if (!this.addr) throw new SysError(E.EINVAL);
    // (unsigned) backlog > somaxconn: negative ones too.
    this.backlog = backlog < 0 || backlog > SOMAXCONN ? SOMAXCONN : backlog;
    if (this.state !== 'listening') this.ownCred = credOf(caller);
    this.state = 'listening';
    this.wq.wake();
    return 0;
  }

  connect(addr: SockAddr, caller: Caller): number | Blocked {
    if (addr.family !== AF_UNIX) {
      if (!this.connectionBased && addr.family === 0) { this.disconnect(); return 0; }
      throw new SysError(E.EINVAL);
    }
    if (!addr.path) throw new SysError(E.EINVAL);
    if (!this.connectionBased) {
      const other = this.lookup(addr.path, caller);
      if (other.type !== this.type) throw new SysError(E.EPROTOTYPE);
      if (other.peer && other.peer !== this) throw new SysError(E.EPERM);
      if (this.passcred) this.autobind();
      this.peer = other;
      this.state = 'connected';
      return 0;
    }
    // unix_stream_connect's order: the listener, its queue, then our own state.
    const l = this.lookup(addr.path, caller);
    if (l.type !== this.type) throw new SysError(E.EPROTOTYPE);
    if (l.state !== 'listening' || l.shut & RCV_SHUTDOWN) throw new SysError(E.ECONNREFUSED);
    if (l.embryos.length > l.backlog) return l.wq;
    if (this.state === 'connected') throw new SysError(E.EISCONN);
    if (this.state === 'listening') throw new SysError(E.EINVAL);
    if (this.passcred) this.autobind();
    const server = new UnixSocket(this.ns, this.type, 0);
    server.embryo = true;
    server.state = this.state = 'connected';
    server.peer = this; this.peer = server;
    server.addr = l.addr;
    server.passcred = l.passcred;
    server.ownCred = l.ownCred;
    server.peerCredentials = credOf(caller);
    this.peerCredentials = l.ownCred;
    this.ownCred = credOf(caller);
    l.embryos.push(server);
    l.wq.wake();
    this.wq.wake();
    return 0;
  }

  private disconnect(): void {
    this.peer = null;
    this.state = 'unconnected';
    this.wq.wake();
  }

  accept(): UnixSocket | Blocked {
    if (!this.connectionBased) throw new SysError(E.EOPNOTSUPP);
    if (this.state !== 'listening') throw new SysError(E.EINVAL);
    const s = this.embryos.shift();
    if (!s) return this.wq;
    s.embryo = false;
    // Room in the queue: a connect waiting for it may go on.
    this.wq.wake();
    return s;
  }

  shutdown(how: number): void {
    if (how < SHUT_RD || how > SHUT_RDWR) throw new SysError(E.EINVAL);
    const mode = how + 1; // SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both
    this.shut |= mode;
    const p = this.peer;
    if (p && this.connectionBased) {
      // The other end learns it: our SHUT_WR is its end of data, our SHUT_RD its broken pipe.
      if (mode & RCV_SHUTDOWN) p.shut |= SEND_SHUTDOWN;
      if (mode & SEND_SHUTDOWN) p.shut |= RCV_SHUTDOWN;
      p.wq.wake();
    }
    this.wq.wake();
  }

  // ---- data ----

  send(req: SendRequest): number | Blocked {
    const { data } = req;
    if (req.flags & MSG.OOB) throw new SysError(E.EOPNOTSUPP);
    if (this.type === SOCK_STREAM) {
      if (req.to) throw new SysError(this.state === 'connected' ? E.EISCONN : E.EOPNOTSUPP);
      if (this.state !== 'connected') throw new SysError(E.ENOTCONN);
      const p = this.peer!;
      if (this.shut & SEND_SHUTDOWN || p.dead || p.shut & RCV_SHUTDOWN) throw new SysError(E.EPIPE);
      if (this.wmem >= this.sndbuf) return this.wq;
      // At most what fits; a write of nothing still makes a (harmless) empty wake.
      const n = Math.min(data.length, Math.max(this.sndbuf - this.wmem, 1));
      if (n === 0) return 0;
      this.deliver(p, data.slice(0, n), req);
      return n;
    }
    // Datagrams and seqpackets: all or nothing.
    if (data.length > this.sndbuf - 32) throw new SysError(E.EMSGSIZE);
    let other: UnixSocket;
    if (this.type === SOCK_SEQPACKET) {
      if (this.state !== 'connected') throw new SysError(E.ENOTCONN);
      other = this.peer!;
      if (this.shut & SEND_SHUTDOWN || other.dead || other.shut & RCV_SHUTDOWN) throw new SysError(E.EPIPE);
    } else {
      if (this.shut & SEND_SHUTDOWN) throw new SysError(E.EPIPE);
      if (req.to) {
        if (req.to.family !== AF_UNIX || !req.to.path) throw new SysError(E.EINVAL);
        other = this.lookup(req.to.path, req.caller);
      } else {
        if (!this.peer) throw new SysError(E.ENOTCONN);
        other = this.peer;
        if (other.dead) {
          // unix_dgram_sendmsg: the connected peer is gone; forget it (later sends: ENOTCONN).
          this.disconnect();
          throw new SysError(E.ECONNREFUSED);
        }
      }
      if (other.type !== SOCK_DGRAM) throw new SysError(E.EPROTOTYPE);
      if (other.peer && other.peer !== this) throw new SysError(E.EPERM);
      if (other.shut & RCV_SHUTDOWN) throw new SysError(E.EPIPE);
      if (this.passcred) this.autobind();
    }
    if (this.wmem >= this.sndbuf) return this.wq;
    if (this.type === SOCK_DGRAM && other.peer !== this && other.rx.length > MAX_DGRAM_QLEN) return other.wq;
    this.deliver(other, data.slice(), req);
    return data.length;
  }

  private deliver(to: UnixSocket, data: Uint8Array, req: SendRequest): void {
    const creds = req.creds ?? (this.passcred || to.passcred ? credOf(req.caller) : null);
    const m: Message = {
      data, from: this.addr, rights: req.rights, creds, sender: this, cost: data.length + OVERHEAD,
    };
    req.rights = null; // the message holds them now
    this.wmem += m.cost;
    this.unread += data.length;
    to.rx.push(m);
    to.rxBytes += data.length;
    to.wq.wake();
  }

  /** A message leaves a queue (read or dropped): its sender may write again. */
  private consumed(m: Message): void {
    const s = m.sender;
    if (!s) return;
    s.wmem -= m.cost;
    s.unread -= m.data.length;
    m.sender = null;
    s.wq.wake();
  }

  recv(req: RecvRequest): Received | Blocked {
    const peek = (req.flags & MSG.PEEK) !== 0;
    if (req.flags & MSG.OOB) throw new SysError(E.EOPNOTSUPP);
    if (this.type === SOCK_STREAM) return this.recvStream(req.max, peek);
    if (this.type === SOCK_SEQPACKET && this.state !== 'connected') throw new SysError(this.state === 'listening' ? E.EINVAL : E.ENOTCONN);
    const m = this.rx[0];
    if (!m) {
      if (this.soError) throw this.takeError();
      if (this.shut & RCV_SHUTDOWN) return { data: new Uint8Array(0), length: 0, from: null, rights: null, creds: null };
      return this.wq;
    }
    if (!peek) {
      this.rx.shift();
      this.rxBytes -= m.data.length;
      this.consumed(m);
      this.wq.wake();
    }
    const rights = peek ? null : m.rights;
    return {
      data: m.data.subarray(0, Math.min(req.max, m.data.length)), length: m.data.length,
      from: m.from ? { family: AF_UNIX, path: m.from } : null, rights, creds: this.credsFor(m),
    };
  }

  private recvStream(max: number, peek: boolean): Received | Blocked {
    if (this.state !== 'connected') throw new SysError(E.EINVAL);
    if (this.rx.length === 0) {
      if (this.soError) throw this.takeError();
      if (this.shut & RCV_SHUTDOWN || max === 0) return { data: new Uint8Array(0), length: 0, from: null, rights: null, creds: null };
      return this.wq;
    }
    const out: Uint8Array[] = [];
    let got = 0, rights: OpenFile[] | null = null;
    const first = this.rx[0]!;
    for (let i = 0; i < this.rx.length && got < max;) {
      const m = this.rx[i]!;
      // Never glue bytes of writers with different credentials (unix_skb_scm_eq).
      if (got > 0 && !sameCreds(m.creds, first.creds)) break;
      const n = Math.min(max - got, m.data.length);
      out.push(m.data.subarray(0, n));
      got += n;
      if (peek) { i++; continue; }
      if (m.rights) { rights = m.rights; m.rights = null; }
      if (n === m.data.length) {
        this.rx.shift();
        this.consumed(m);
      } else {
        m.data = m.data.subarray(n);
        m.cost -= n;
        if (m.sender) { m.sender.wmem -= n; m.sender.unread -= n; m.sender.wq.wake(); }
      }
      this.rxBytes -= n;
      if (rights) break;
    }
    if (!peek) this.wq.wake();
    const data = new Uint8Array(got);
    let at = 0;
    for (const p of out) { data.set(p, at); at += p.length; }
    return { data, length: got, from: null, rights, creds: this.credsFor(first) };
  }

  private credsFor(m: Message): Ucred | null {
    if (!this.passcred) return null;
    return m.creds ?? { pid: 0, uid: 65534, gid: 65534 };
  }

  private takeError(): SysError {
    const e = this.soError;
    this.soError = 0;
    return new SysError(e);
  }

  // ---- readiness, ioctl, options ----

  override poll(): Readiness {
    let ev = 0;
    if (this.soError) ev |= POLLERR;
    if (this.shut & RCV_SHUTDOWN) ev |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.shut === SHUTDOWN_MASK) ev |= POLLHUP;
    if (this.rx.length > 0 || this.embryos.length > 0) ev |= POLLIN | POLLRDNORM;
    if (this.connectionBased && this.state === 'unconnected') ev |= POLLHUP;
    let writable = this.state !== 'listening' && this.wmem * 4 <= this.sndbuf;
    if (writable && this.type === SOCK_DGRAM) {
      const o = this.peer;
      if (o && o.peer !== this && o.rx.length > MAX_DGRAM_QLEN) writable = false;
    }
    if (writable) ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return { events: ev, queue: this.wq };
  }

  override ioctl(req: number, arg: number, mem: Memory): number {
    switch (req) {
      case FIONREAD:
        if (this.state === 'listening') throw new SysError(E.EINVAL);
        mem.writeU32(arg, this.type === SOCK_DGRAM ? (this.rx[0]?.data.length ?? 0) : this.rxBytes);
        return 0;
      case SIOCOUTQ:
        mem.writeU32(arg, this.unread);
        return 0;
      default:
        throw new SysError(E.ENOTTY);
    }
  }

  protected override setSocketOption(name: number, v: Uint8Array): void {
    if (name === SO.PASSCRED) { this.passcred = intOf(v) !== 0; return; }
    super.setSocketOption(name, v);
  }

  protected override getSocketOption(name: number): Uint8Array {
    if (name === SO.PASSCRED) return int32(this.passcred ? 1 : 0);
    return super.getSocketOption(name);
  }

  override setOption(level: number, name: number, value: Uint8Array): void {
    if (level !== SOL_SOCKET) throw new SysError(E.EOPNOTSUPP);
    super.setOption(level, name, value);
  }

  // ---- close ----

  protected override release(): void {
    this.dead = true;
    this.unbind();
    for (const e of this.embryos.splice(0)) e.closeDown(true);
    this.closeDown(this.embryo);
  }

  /** unix_release_sock: tells the peer, drops what was queued (and the files in it). */
  private closeDown(embryo: boolean): void {
    this.dead = true;
    const p = this.peer;
    if (p && this.connectionBased && p.peer === this) {
      p.shut = SHUTDOWN_MASK;
      if (this.rx.length > 0 || embryo) p.soError = E.ECONNRESET;
      p.wq.wake();
    }
    this.peer = null;
    for (const m of this.rx.splice(0)) {
      for (const f of m.rights ?? []) f.put();
      this.consumed(m);
    }
    this.rxBytes = 0;
    this.state = this.state === 'listening' ? 'unconnected' : this.state;
    this.wq.wake();
  }
}

function credOf(c: Caller): Ucred { return { pid: c.pid, uid: c.uid, gid: c.gid }; }

function sameCreds(a: Ucred | null, b: Ucred | null): boolean {
  return a === b || (!!a && !!b && a.pid === b.pid && a.uid === b.uid && a.gid === b.gid);
}

function pathsOf(c: Caller): UnixPaths {
  const p = (c as Partial<UnixCaller>).paths;
  if (!p) throw new SysError(E.ENOENT);
  return p;
}
