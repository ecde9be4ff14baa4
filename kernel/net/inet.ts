/**
 * AF_INET and AF_INET6 sockets on the host's network, as qemu-user gives a guest: TCP through
 * Node's `net`, UDP through `dgram`. A guest server on 127.0.0.1 is reachable from the host and
 * from other guest processes; a guest client reaches host servers.
 *
 * Node is asynchronous and the guest is not: a Node event (connection, data, end, error, drain)
 * updates the socket's state and wakes its queue; a guest call that must wait for one sleeps on
 * it. Received data is buffered here up to SO_RCVBUF, then the Node socket is paused (TCP flow
 * control takes over); sent data waits in Node's buffer up to SO_SNDBUF, then send blocks.
 *
 * What Node cannot express, and what happens instead (docs/linux.md lists it too):
 *  - A TCP socket cannot be bound without listening or connecting. bind() checks the address by
 *    listening on it briefly and closing again (EADDRINUSE, EADDRNOTAVAIL, EACCES come from the
 *    host; port 0 learns its ephemeral port then); listen() and connect() then use that address.
 *    Another host program may take the port in between; guest sockets are checked against each
 *    other here.
 *  - Node accepts connections at once, so the accept queue lives here: a connection beyond the
 *    guest's backlog is reset, as Linux does with net.ipv4.tcp_abort_on_overflow=1.
 *  - A UDP connect() is kept here (Node's would be asynchronous): sends go to the peer and
 *    datagrams from others are dropped; no ICMP errors (ECONNREFUSED) are reported.
 *  - The local address of a connecting socket is known only once it is connected.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { E, SysError } from '../errno';
import type { Blocked } from '../fs/file';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM, type Readiness } from '../fs/poll';
import type { Memory } from '../../arch/common/memory';
import {
  AF_INET, AF_INET6, AF_UNSPEC, errnoOfNode, intOf, int32, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP, MSG,
  RCV_SHUTDOWN, type Received, type RecvRequest, SEND_SHUTDOWN, type SendRequest, SHUT_RD, SHUT_RDWR, SHUTDOWN_MASK,
  type SockAddr, SOCK_DGRAM, SOCK_STREAM, Socket, SOMAXCONN, SO, SOL_SOCKET,
} from './socket';

const TCP_NODELAY = 1, IPV6_V6ONLY = 26;
const FIONREAD = 0x541b, SIOCOUTQ = 0x5411;
/** The largest UDP payload over IPv4 (65535 - 8 - 20). */
const UDP_MAX = 65507;

type InetFamily = typeof AF_INET | typeof AF_INET6;
interface Endpoint { host: string; port: number }

function anyHost(family: InetFamily): string { return family === AF_INET ? '0.0.0.0' : '::'; }

/** A guest address for this socket's family (EAFNOSUPPORT for another, as inet_bind/connect). */
function endpointOf(family: InetFamily, a: SockAddr): Endpoint {
  if (a.family !== family) throw new SysError(E.EAFNOSUPPORT);
  const { host, port } = a as { host: string; port: number };
  return { host, port };
}

function sockAddrOf(family: InetFamily, e: Endpoint | null): SockAddr {
  const host = e?.host ?? anyHost(family), port = e?.port ?? 0;
  if (family === AF_INET) return { family, host: host.replace(/^::ffff:/i, ''), port };
  return { family, host: net.isIPv4(host) ? `::ffff:${host}` : host, port, flowinfo: 0, scopeId: 0 };
}

/** Addresses bound by guest sockets that do not yet listen or connect (the host cannot see them). */
const guestBound = new Map<string, Set<InetSocket>>();
const boundKey = (proto: string, e: Endpoint): string => `${proto}:${e.port}`;

/** What every inet socket shares: the family, stored IP/TCP options, the bound address. */
export abstract class InetSocket extends Socket {
  local: Endpoint | null = null;
  /** IPPROTO_IP / IPPROTO_TCP / IPPROTO_IPV6 options: accepted and reported back. */
  protected readonly ipOpts = new Map<string, number>();

  constructor(readonly family: InetFamily, flags: number) { super(flags); }

  override setOption(level: number, name: number, v: Uint8Array): void {
    if (level === SOL_SOCKET) { super.setOption(level, name, v); return; }
    if (level !== IPPROTO_IP && level !== IPPROTO_TCP && level !== IPPROTO_IPV6 && level !== IPPROTO_UDP) throw new SysError(E.ENOPROTOOPT);
    if (level === IPPROTO_TCP && this.type !== SOCK_STREAM) throw new SysError(E.EOPNOTSUPP);
    if (level === IPPROTO_IPV6 && this.family !== AF_INET6) throw new SysError(E.ENOPROTOOPT);
    const val = v.length >= 4 ? intOf(v) : v[0] ?? 0;
    this.ipOpts.set(`${level}:${name}`, val);
    this.optionChanged(level, name, val);
  }

  override getOption(level: number, name: number): Uint8Array {
    if (level === SOL_SOCKET) return super.getOption(level, name);
    if (level !== IPPROTO_IP && level !== IPPROTO_TCP && level !== IPPROTO_IPV6 && level !== IPPROTO_UDP) throw new SysError(E.ENOPROTOOPT);
    if (level === IPPROTO_TCP && this.type !== SOCK_STREAM) throw new SysError(E.EOPNOTSUPP);
    return int32(this.ipOpts.get(`${level}:${name}`) ?? 0);
  }

  protected optionChanged(_level: number, _name: number, _val: number): void {}

  protected claim(proto: string, e: Endpoint): void {
    const k = boundKey(proto, e);
    const set = guestBound.get(k) ?? new Set();
    const reuse = this.opts.get(`so${SO.REUSEADDR}`) === 1;
    for (const o of set) if (!(reuse && o.opts.get(`so${SO.REUSEADDR}`) === 1)) throw new SysError(E.EADDRINUSE);
    set.add(this);
    guestBound.set(k, set);
  }

  protected unclaim(proto: string): void {
    if (!this.local) return;
    const k = boundKey(proto, this.local);
    guestBound.get(k)?.delete(this);
    if (guestBound.get(k)?.size === 0) guestBound.delete(k);
  }

  localName(): SockAddr { return sockAddrOf(this.family, this.local); }
}

type TcpState = 'closed' | 'listening' | 'connecting' | 'connected';

export class TcpSocket extends InetSocket {
  readonly type = SOCK_STREAM;
  readonly protocol = IPPROTO_TCP;
  state: TcpState = 'closed';
  private server: net.Server | null = null;
  private readonly queue: TcpSocket[] = [];
  private backlog = 0;
  private sock: net.Socket | null = null;
  private remote: Endpoint | null = null;
  private readonly rx: Buffer[] = [];
  private rxBytes = 0;
  private paused = false;
  /** The peer sent FIN (or the connection is gone). */
  private eof = false;
  /** The last connect failed: shut down both ways, with the error in SO_ERROR (tcp_done). */
  private failed = false;
  private released = false;

  get listening(): boolean { return this.state === 'listening'; }

  /** A connection Node accepted or made, ready for data. */
  private attach(s: net.Socket): void {
    this.sock = s;
    this.state = 'connected';
    this.local = { host: s.localAddress ?? anyHost(this.family), port: s.localPort ?? 0 };
    this.remote = { host: s.remoteAddress ?? anyHost(this.family), port: s.remotePort ?? 0 };
    if (this.ipOpts.get(`${IPPROTO_TCP}:${TCP_NODELAY}`)) s.setNoDelay(true);
    s.on('data', (b: Buffer) => {
      if (this.released) return;
      this.rx.push(b);
      this.rxBytes += b.length;
      if (this.rxBytes >= this.rcvbuf && !this.paused) { s.pause(); this.paused = true; }
      this.wq.wake();
    });
    s.on('end', () => { this.eof = true; this.wq.wake(); });
    s.on('drain', () => this.wq.wake());
    s.on('close', () => { this.eof = true; this.wq.wake(); });
    s.resume();
  }

  private static accepted(family: InetFamily, s: net.Socket): TcpSocket {
    const t = new TcpSocket(family, 0);
    s.on('error', (e) => { t.soError = errnoOfNode(e); t.wq.wake(); });
    t.attach(s);
    return t;
  }

  /** The host's answer for an address: listen briefly (port 0: learn the port), then close. */
  private static probe(e: Endpoint): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', (err) => reject(new SysError(errnoOfNode(err))));
      srv.listen({ host: e.host, port: e.port, exclusive: true }, () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
  }

  async bind(addr: SockAddr): Promise<number> {
    const e = endpointOf(this.family, addr);
    if (this.local || this.state !== 'closed') throw new SysError(E.EINVAL);
    let port = e.port;
    for (let tries = 0; ; tries++) {
      port = await TcpSocket.probe(e);
      // An ephemeral port a guest socket holds unseen by the host: ask again.
      if (e.port !== 0 || !guestBound.has(boundKey('tcp', { host: e.host, port })) || tries > 20) break;
    }
    if (this.local || this.released) throw new SysError(E.EINVAL);
    const local = { host: e.host, port };
    this.claim('tcp', local);
    this.local = local;
    return 0;
  }

  listen(backlog: number): number | Promise<number> {
    const b = backlog < 0 || backlog > SOMAXCONN ? SOMAXCONN : backlog;
    if (this.state === 'listening') { this.backlog = b; return 0; }
    if (this.state !== 'closed') throw new SysError(E.EINVAL);
    this.backlog = b;
    const at = this.local ?? { host: anyHost(this.family), port: 0 };
    const srv = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    this.state = 'listening';
    return new Promise((resolve, reject) => {
      srv.once('error', (err) => { this.state = 'closed'; reject(new SysError(errnoOfNode(err))); });
      const v6only = this.ipOpts.get(`${IPPROTO_IPV6}:${IPV6_V6ONLY}`) === 1;
      srv.listen({ host: at.host, port: at.port, backlog: Math.max(b, 1), exclusive: true, ipv6Only: v6only }, () => {
        srv.removeAllListeners('error');
        srv.on('error', () => {});
        this.server = srv;
        const a = srv.address() as net.AddressInfo;
        if (!this.local) { this.local = { host: at.host, port: a.port }; this.claim('tcp', this.local); }
        srv.on('connection', (s: net.Socket) => {
          if (this.released || this.queue.length > this.backlog) { s.on('error', () => {}); s.resetAndDestroy(); return; }
          this.queue.push(TcpSocket.accepted(this.family, s));
          this.wq.wake();
        });
        if (this.released) srv.close();
        this.wq.wake();
        resolve(0);
      });
    });
  }

  accept(): TcpSocket | Blocked {
    if (this.state !== 'listening') throw new SysError(E.EINVAL);
    return this.queue.shift() ?? this.wq;
  }

  connect(addr: SockAddr): number | Blocked {
    if (addr.family === AF_UNSPEC) throw new SysError(E.EAFNOSUPPORT);
    const e = endpointOf(this.family, addr);
    switch (this.state) {
      case 'connected': throw new SysError(E.EISCONN);
      case 'connecting': throw new SysError(E.EALREADY);
      case 'listening': throw new SysError(E.EINVAL);
    }
    this.state = 'connecting';
    this.soError = 0;
    this.failed = false;
    this.eof = false;
    const opts: net.NetConnectOpts = { host: e.host, port: e.port, allowHalfOpen: true, family: this.family === AF_INET ? 4 : 6 };
    if (this.local && this.local.port !== 0) Object.assign(opts, { localAddress: this.local.host, localPort: this.local.port });
    else if (this.local) Object.assign(opts, { localAddress: this.local.host });
    const s = net.connect(opts);
    s.on('error', (err) => {
      this.soError = errnoOfNode(err);
      if (this.state === 'connecting') { this.state = 'closed'; this.failed = true; }
      this.eof = true;
      this.wq.wake();
    });
    s.once('connect', () => {
      if (this.released) { s.destroy(); return; }
      this.unclaim('tcp');
      this.attach(s);
      this.wq.wake();
    });
    this.sock = s;
    return this.wq;
  }

  override connectWait(): number | Blocked {
    if (this.state === 'connected') return 0;
    if (this.state === 'connecting') return this.wq;
    const e = this.soError || E.ECONNREFUSED;
    this.soError = 0;
    throw new SysError(e);
  }

  peerName(): SockAddr {
    if (this.state !== 'connected' || !this.remote) throw new SysError(E.ENOTCONN);
    return sockAddrOf(this.family, this.remote);
  }

  override localName(): SockAddr {
    if (this.server) {
      const a = this.server.address() as net.AddressInfo | null;
      if (a) return sockAddrOf(this.family, { host: this.local?.host ?? a.address, port: a.port });
    }
    return super.localName();
  }

  send(req: SendRequest): number | Blocked {
    if (req.flags & MSG.OOB) throw new SysError(E.EOPNOTSUPP);
    if (this.state === 'connecting') return this.wq;
    if (this.soError) { const e = this.soError; this.soError = 0; throw new SysError(e); }
    const s = this.sock;
    if (this.state !== 'connected' || !s || this.shut & SEND_SHUTDOWN || s.destroyed || !s.writable) throw new SysError(E.EPIPE);
    const room = this.sndbuf - s.writableLength;
    if (room <= 0) return this.wq;
    const n = Math.min(req.data.length, room);
    s.write(Buffer.from(req.data.subarray(0, n)));
    return n;
  }

  recv(req: RecvRequest): Received | Blocked {
    if (req.flags & MSG.OOB) throw new SysError(E.EINVAL);
    if (this.state === 'connecting') return this.wq;
    if (this.state !== 'connected') {
      if (this.soError) { const e = this.soError; this.soError = 0; throw new SysError(e); }
      throw new SysError(E.ENOTCONN);
    }
    if (this.rxBytes === 0) {
      if (this.soError) { const e = this.soError; this.soError = 0; throw new SysError(e); }
      if (this.eof || this.shut & RCV_SHUTDOWN || req.max === 0) return { data: new Uint8Array(0), length: 0, from: null, rights: null, creds: null };
      return this.wq;
    }
    const n = Math.min(req.max, this.rxBytes);
    const out = new Uint8Array(n);
    let got = 0;
    for (let i = 0; got < n; i++) {
      const b = this.rx[i]!;
      const k = Math.min(n - got, b.length);
      out.set(b.subarray(0, k), got);
      got += k;
    }
    if (!(req.flags & MSG.PEEK)) {
      let left = n;
      while (left > 0) {
        const b = this.rx[0]!;
        if (b.length <= left) { this.rx.shift(); left -= b.length; } else { this.rx[0] = b.subarray(left); left = 0; }
      }
      this.rxBytes -= n;
      if (this.paused && this.rxBytes < this.rcvbuf / 2) { this.paused = false; this.sock?.resume(); }
    }
    return { data: out, length: n, from: null, rights: null, creds: null };
  }

  shutdown(how: number): void {
    if (how < SHUT_RD || how > SHUT_RDWR) throw new SysError(E.EINVAL);
    const mode = how + 1;
    if (this.state === 'listening') {
      if (mode & RCV_SHUTDOWN) this.stopListening();
      return;
    }
    if (this.state !== 'connected' && this.state !== 'connecting') throw new SysError(E.ENOTCONN);
    this.shut |= mode;
    if (mode & SEND_SHUTDOWN) this.sock?.end();
    this.wq.wake();
  }

  private stopListening(): void {
    this.server?.close();
    this.server = null;
    for (const c of this.queue.splice(0)) c.abort();
    this.state = 'closed';
    this.wq.wake();
  }

  private abort(): void {
    this.released = true;
    this.sock?.resetAndDestroy();
  }

  override poll(): Readiness {
    let ev = 0;
    switch (this.state) {
      case 'listening':
        return { events: this.queue.length > 0 ? POLLIN | POLLRDNORM : 0, queue: this.wq };
      case 'connecting':
        return { events: 0, queue: this.wq };
      case 'closed':
        // Never connected, or a connect that failed (then shut down both ways, with the error).
        ev = POLLHUP | POLLOUT | POLLWRNORM;
        if (this.failed) ev |= POLLIN | POLLRDNORM | POLLRDHUP;
        if (this.soError) ev |= POLLERR;
        return { events: ev, queue: this.wq };
      case 'connected': {
        const s = this.sock!;
        const rcvShut = this.eof || (this.shut & RCV_SHUTDOWN) !== 0;
        if (this.rxBytes > 0) ev |= POLLIN | POLLRDNORM;
        if (rcvShut) ev |= POLLIN | POLLRDNORM | POLLRDHUP;
        if (this.eof && (this.shut & SEND_SHUTDOWN || s.destroyed)) ev |= POLLHUP;
        if (this.shut & SEND_SHUTDOWN || s.destroyed || s.writableLength < this.sndbuf) ev |= POLLOUT | POLLWRNORM;
        if (this.soError) ev |= POLLERR;
        return { events: ev, queue: this.wq };
      }
    }
  }

  override ioctl(req: number, arg: number, mem: Memory): number {
    switch (req) {
      case FIONREAD:
        if (this.state === 'listening') throw new SysError(E.EINVAL);
        mem.writeU32(arg, this.rxBytes);
        return 0;
      case SIOCOUTQ:
        mem.writeU32(arg, this.sock?.writableLength ?? 0);
        return 0;
      default:
        throw new SysError(E.ENOTTY);
    }
  }

  protected override optionChanged(level: number, name: number, val: number): void {
    if (level === IPPROTO_TCP && name === TCP_NODELAY && this.state === 'connected') this.sock?.setNoDelay(val !== 0);
  }

  protected override setSocketOption(name: number, v: Uint8Array): void {
    super.setSocketOption(name, v);
    if (name === SO.KEEPALIVE && this.state === 'connected') this.sock?.setKeepAlive(intOf(v) !== 0);
  }

  protected override bufferChanged(): void {
    if (this.paused && this.rxBytes < this.rcvbuf / 2) { this.paused = false; this.sock?.resume(); }
    super.bufferChanged();
  }

  protected override release(): void {
    this.released = true;
    this.unclaim('tcp');
    if (this.state === 'listening') this.stopListening();
    const s = this.sock;
    if (s) {
      // Unread data: Linux answers the close with a reset; otherwise a FIN after what is queued.
      if (this.rxBytes > 0 || this.opts.get('linger') === 0) s.resetAndDestroy();
      else { s.end(); s.once('finish', () => s.destroy()); }
      // A closed guest socket never keeps the daemon running.
      s.unref();
    }
    this.rx.length = 0;
    this.rxBytes = 0;
    this.wq.wake();
  }
}

interface Datagram { data: Buffer; from: Endpoint }

export class UdpSocket extends InetSocket {
  readonly type = SOCK_DGRAM;
  readonly protocol = IPPROTO_UDP;
  private sock: dgram.Socket | null = null;
  /** Bound by Node (explicitly or by a first send / connect). */
  private bound = false;
  private bindError = 0;
  private remote: Endpoint | null = null;
  private readonly rx: Datagram[] = [];
  private rxBytes = 0;
  /** Bytes handed to Node whose send has not completed. */
  private inFlight = 0;

  get listening(): boolean { return false; }

  private node(): dgram.Socket {
    if (this.sock) return this.sock;
    const s = dgram.createSocket({
      type: this.family === AF_INET ? 'udp4' : 'udp6',
      reuseAddr: this.opts.get(`so${SO.REUSEADDR}`) === 1,
      ipv6Only: this.ipOpts.get(`${IPPROTO_IPV6}:${IPV6_V6ONLY}`) === 1,
    });
    s.on('error', (err) => {
      if (!this.bound) this.bindError = errnoOfNode(err);
      else this.soError = errnoOfNode(err);
      this.wq.wake();
    });
    s.on('listening', () => {
      this.bound = true;
      const a = s.address();
      this.local = { host: a.address, port: a.port };
      this.wq.wake();
    });
    s.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      if (this.remote && (rinfo.port !== this.remote.port || !sameHost(rinfo.address, this.remote.host))) return;
      // A full receive buffer drops the datagram, as UDP does.
      if (this.rxBytes + msg.length > this.rcvbuf) return;
      this.rx.push({ data: msg, from: { host: rinfo.address, port: rinfo.port } });
      this.rxBytes += msg.length;
      this.wq.wake();
    });
    this.sock = s;
    return s;
  }

  bind(addr: SockAddr): number | Promise<number> {
    const e = endpointOf(this.family, addr);
    if (this.sock) throw new SysError(E.EINVAL);
    const s = this.node();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (this.bound) { off(); resolve(0); } else if (this.bindError) {
          off();
          const err = this.bindError;
          this.sock = null;
          this.bindError = 0;
          s.close();
          reject(new SysError(err));
        }
      };
      const off = this.wq.subscribe(done);
      s.bind({ address: e.host, port: e.port, exclusive: true });
    });
  }

  /** Linux binds an unbound socket on connect and on the first send. */
  private autobind(): void {
    if (!this.sock) this.node().bind({ address: anyHost(this.family), port: 0, exclusive: true });
  }

  listen(): number { throw new SysError(E.EOPNOTSUPP); }
  accept(): UdpSocket { throw new SysError(E.EOPNOTSUPP); }

  connect(addr: SockAddr): number | Blocked {
    if (addr.family === AF_UNSPEC) { this.remote = null; return 0; }
    this.remote = endpointOf(this.family, addr);
    // Datagrams already queued from others are not the peer's.
    for (let i = this.rx.length - 1; i >= 0; i--) {
      const d = this.rx[i]!;
      if (d.from.port !== this.remote.port || !sameHost(d.from.host, this.remote.host)) { this.rxBytes -= d.data.length; this.rx.splice(i, 1); }
    }
    this.autobind();
    return this.bound ? 0 : this.wq;
  }

  override connectWait(): number | Blocked {
    if (this.bound) return 0;
    if (this.bindError) { const e = this.bindError; this.bindError = 0; throw new SysError(e); }
    return this.wq;
  }

  peerName(): SockAddr {
    if (!this.remote) throw new SysError(E.ENOTCONN);
    return sockAddrOf(this.family, this.remote);
  }

  send(req: SendRequest): number | Blocked {
    if (req.flags & MSG.OOB) throw new SysError(E.EOPNOTSUPP);
    if (this.shut & SEND_SHUTDOWN) throw new SysError(E.EPIPE);
    if (this.soError) { const e = this.soError; this.soError = 0; throw new SysError(e); }
    const to = req.to ? endpointOf(this.family, req.to) : this.remote;
    if (!to) throw new SysError(E.EDESTADDRREQ);
    if (req.data.length > UDP_MAX) throw new SysError(E.EMSGSIZE);
    if (this.inFlight >= this.sndbuf) return this.wq;
    this.autobind();
    const len = req.data.length;
    this.inFlight += len;
    this.sock!.send(Buffer.from(req.data), to.port, to.host, (err) => {
      this.inFlight -= len;
      if (err) this.soError = errnoOfNode(err);
      this.wq.wake();
    });
    return len;
  }

  recv(req: RecvRequest): Received | Blocked {
    if (req.flags & MSG.OOB) throw new SysError(E.EINVAL);
    const d = this.rx[0];
    if (!d) {
      if (this.soError) { const e = this.soError; this.soError = 0; throw new SysError(e); }
      if (this.shut & RCV_SHUTDOWN) return { data: new Uint8Array(0), length: 0, from: null, rights: null, creds: null };
      return this.wq;
    }
    if (!(req.flags & MSG.PEEK)) {
      this.rx.shift();
      this.rxBytes -= d.data.length;
    }
    return {
      data: new Uint8Array(d.data.subarray(0, Math.min(req.max, d.data.length))), length: d.data.length,
      from: sockAddrOf(this.family, d.from), rights: null, creds: null,
    };
  }

  shutdown(how: number): void {
    if (how < SHUT_RD || how > SHUT_RDWR) throw new SysError(E.EINVAL);
    if (!this.remote) throw new SysError(E.ENOTCONN);
    this.shut |= how + 1;
    this.wq.wake();
  }

  override poll(): Readiness {
    let ev = 0;
    if (this.rx.length > 0 || this.shut & RCV_SHUTDOWN) ev |= POLLIN | POLLRDNORM;
    if (this.shut & RCV_SHUTDOWN) ev |= POLLRDHUP;
    if (this.shut === SHUTDOWN_MASK) ev |= POLLHUP;
    if (this.inFlight < this.sndbuf) ev |= POLLOUT | POLLWRNORM;
    if (this.soError) ev |= POLLERR;
    return { events: ev, queue: this.wq };
  }

  override ioctl(req: number, arg: number, mem: Memory): number {
    switch (req) {
      case FIONREAD: mem.writeU32(arg, this.rx[0]?.data.length ?? 0); return 0;
      case SIOCOUTQ: mem.writeU32(arg, this.inFlight); return 0;
      default: throw new SysError(E.ENOTTY);
    }
  }

  protected override release(): void {
    this.sock?.close();
    this.sock = null;
    this.rx.length = 0;
    this.rxBytes = 0;
    this.wq.wake();
  }
}

function sameHost(a: string, b: string): boolean {
  const strip = (h: string): string => h.replace(/^::ffff:/i, '');
  if (strip(a) === strip(b)) return true;
  // 0.0.0.0 / :: as a destination means this host.
  const local = (h: string): boolean => ['0.0.0.0', '::', '0:0:0:0:0:0:0:0'].includes(strip(h));
  return local(b) && ['127.0.0.1', '::1'].includes(strip(a));
}

/** socket(2) for AF_INET/AF_INET6: TCP or UDP by type and protocol. */
export function makeInetSocket(family: InetFamily, type: number, protocol: number, flags: number): InetSocket {
  if (type === SOCK_STREAM && (protocol === 0 || protocol === IPPROTO_TCP)) return new TcpSocket(family, flags);
  if (type === SOCK_DGRAM && (protocol === 0 || protocol === IPPROTO_UDP)) return new UdpSocket(family, flags);
  throw new SysError(type === SOCK_STREAM || type === SOCK_DGRAM ? E.EPROTONOSUPPORT : E.ESOCKTNOSUPPORT);
}
