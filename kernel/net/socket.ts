/**
 * What every socket has (Linux's struct socket + the generic part of struct sock): an open file
 * description of type S_IFSOCK with a wait queue, SO_* options kept here, and the protocol
 * operations the syscall layer (kernel/syscall/handlers/net.ts) calls. Families subclass it:
 * AF_UNIX in unix.ts (in the kernel), AF_INET/AF_INET6 in inet.ts (host sockets through Node).
 *
 * An operation that would block answers with the socket's wait queue, like OpenFile.read; the
 * syscall layer sleeps on it (or answers EAGAIN) and calls the operation again. Constants are
 * asm-generic's (include/linux/socket.h, uapi/asm-generic/socket.h), the same on riscv64,
 * aarch64, x86_64 and loongarch64.
 */
import { E, SysError } from '../errno';
import { O, OpenFile, type Blocked } from '../fs/file';
import { S_IFSOCK, type Stat } from '../fs/inode';
import { WaitQueue } from '../task/wait';

export const AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
export const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = O.NONBLOCK, SOCK_CLOEXEC = O.CLOEXEC;
export const IPPROTO_IP = 0, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;

export const MSG = {
  OOB: 0x1, PEEK: 0x2, DONTROUTE: 0x4, CTRUNC: 0x8, TRUNC: 0x20, DONTWAIT: 0x40, EOR: 0x80, WAITALL: 0x100,
  ERRQUEUE: 0x2000, NOSIGNAL: 0x4000, MORE: 0x8000, CMSG_CLOEXEC: 0x40000000,
} as const;

export const SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
/** sk_shutdown bits. */
export const RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;

export const SOL_SOCKET = 1;
export const SO = {
  DEBUG: 1, REUSEADDR: 2, TYPE: 3, ERROR: 4, DONTROUTE: 5, BROADCAST: 6, SNDBUF: 7, RCVBUF: 8, KEEPALIVE: 9,
  OOBINLINE: 10, NO_CHECK: 11, PRIORITY: 12, LINGER: 13, REUSEPORT: 15, PASSCRED: 16, PEERCRED: 17, RCVLOWAT: 18,
  SNDLOWAT: 19, RCVTIMEO_OLD: 20, SNDTIMEO_OLD: 21, TIMESTAMP: 29, ACCEPTCONN: 30, SNDBUFFORCE: 32,
  RCVBUFFORCE: 33, PROTOCOL: 38, DOMAIN: 39, RCVTIMEO_NEW: 66, SNDTIMEO_NEW: 67,
} as const;
export const SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;

/** net.core.{w,r}mem_default: what SO_SNDBUF/SO_RCVBUF report on a fresh socket. */
export const DEFAULT_BUF = 212992;
/** net.core.{w,r}mem_max: setsockopt clamps to it (then doubles, as sock_setsockopt does). */
const BUF_MAX = 212992;
const SOCK_MIN_SNDBUF = 4608, SOCK_MIN_RCVBUF = 2304;
/** net.core.somaxconn: listen() clamps its backlog to it. */
export const SOMAXCONN = 4096;

/** sizeof(struct sockaddr_storage): longer addresses are EINVAL (move_addr_to_kernel). */
export const SOCKADDR_MAX = 128;

/** A socket address, decoded. AF_UNIX `path`: the significant sun_path bytes (a path name
 *  without its NUL, or an abstract name with its leading NUL); null for an unnamed socket. */
export type SockAddr =
  | { family: typeof AF_UNSPEC }
  | { family: typeof AF_UNIX; path: Uint8Array | null }
  | { family: typeof AF_INET; host: string; port: number }
  | { family: typeof AF_INET6; host: string; port: number; flowinfo: number; scopeId: number };

/** struct ucred. */
export interface Ucred { pid: number; uid: number; gid: number }

/** What a socket needs to know of the calling task. */
export interface Caller { pid: number; uid: number; gid: number }

export interface SendRequest {
  data: Uint8Array;
  /** sendto/msg_name; null when none was given. */
  to: SockAddr | null;
  flags: number;
  /** SCM_RIGHTS: files held for the message (the socket takes these references). */
  rights: OpenFile[] | null;
  /** SCM_CREDENTIALS given by the sender (already checked against the caller). */
  creds: Ucred | null;
  caller: Caller;
}

export interface Received {
  data: Uint8Array;
  /** The datagram's real length (MSG_TRUNC); data.length for streams. */
  length: number;
  from: SockAddr | null;
  /** SCM_RIGHTS files, each holding one reference for the receiver to install or drop. */
  rights: OpenFile[] | null;
  /** Credentials to report as SCM_CREDENTIALS (only when the receiver asked with SO_PASSCRED). */
  creds: Ucred | null;
}

/** Options for recv: MSG_PEEK, MSG_TRUNC (the datagram's length), MSG_WAITALL are the caller's. */
export interface RecvRequest { max: number; flags: number }

let nextIno = 0x10000;

export abstract class Socket extends OpenFile {
  abstract readonly family: number;
  abstract readonly type: number;
  abstract readonly protocol: number;
  /** Woken on every change a sleeper or poller of this socket could wait for. */
  readonly wq = new WaitQueue();
  readonly ino = nextIno++;
  /** SO_ERROR: reported once, then cleared. */
  soError = 0;
  sndbuf = DEFAULT_BUF;
  rcvbuf = DEFAULT_BUF;
  /** SO_RCVTIMEO / SO_SNDTIMEO in ns; 0 = no timeout. */
  rcvTimeoNs = 0n;
  sndTimeoNs = 0n;
  /** Boolean and integer options stored and reported back (SO_REUSEADDR, SO_KEEPALIVE, ...). */
  readonly opts = new Map<string, number>();
  /** sk_shutdown. */
  shut = 0;

  constructor(flags: number) { super(O.RDWR | (flags & O.NONBLOCK)); }

  get name(): string { return `socket:[${this.ino}]`; }

  stat(): Stat {
    return {
      dev: 0x8, ino: this.ino, mode: S_IFSOCK | 0o777, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0,
      blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }

  get nonblocking(): boolean { return (this.flags & O.NONBLOCK) !== 0; }

  abstract bind(addr: SockAddr, caller: Caller): number | Promise<number>;
  abstract listen(backlog: number, caller: Caller): number | Promise<number>;
  /** A connected socket from the queue (not yet in any descriptor table). */
  abstract accept(): Socket | Blocked;
  /**
   * Starts or continues a connect. 0 when connected; the queue while it is under way (the caller
   * sleeps and calls {@link connectWait}, or answers EINPROGRESS/EAGAIN when non-blocking).
   */
  abstract connect(addr: SockAddr, caller: Caller): number | Blocked;
  /** The end of a connect under way: 0, the queue, or the failure thrown. */
  connectWait(addr: SockAddr, caller: Caller): number | Blocked { return this.connect(addr, caller); }
  /** Bytes taken (a stream may take part of them), or the queue to wait on for room. */
  abstract send(req: SendRequest): number | Blocked;
  abstract recv(req: RecvRequest): Received | Blocked;
  abstract shutdown(how: number): void;
  abstract localName(): SockAddr;
  /** ENOTCONN when there is no peer. */
  abstract peerName(): SockAddr;
  abstract get listening(): boolean;

  /** SO_PEERCRED: the peer's credentials at connect time. */
  peerCred(): Ucred { return { pid: 0, uid: 65534, gid: 65534 }; }

  /** Family and protocol options (SOL_SOCKET ones are handled by the syscall layer first). */
  setOption(level: number, name: number, _value: Uint8Array): void {
    if (level === SOL_SOCKET) this.setSocketOption(name, _value);
    else throw new SysError(E.ENOPROTOOPT);
  }

  getOption(level: number, name: number): Uint8Array {
    if (level === SOL_SOCKET) return this.getSocketOption(name);
    throw new SysError(E.ENOPROTOOPT);
  }

  /** SOL_SOCKET options every family shares (sock_setsockopt). */
  protected setSocketOption(name: number, v: Uint8Array): void {
    const val = intOf(v);
    switch (name) {
      case SO.SNDBUF: case SO.SNDBUFFORCE:
        this.sndbuf = Math.max(SOCK_MIN_SNDBUF, 2 * Math.min(Math.max(val, 0), BUF_MAX));
        this.bufferChanged();
        return;
      case SO.RCVBUF: case SO.RCVBUFFORCE:
        this.rcvbuf = Math.max(SOCK_MIN_RCVBUF, 2 * Math.min(Math.max(val, 0), BUF_MAX));
        this.bufferChanged();
        return;
      case SO.RCVTIMEO_OLD: case SO.SNDTIMEO_OLD: case SO.RCVTIMEO_NEW: case SO.SNDTIMEO_NEW: {
        // struct timeval / __kernel_sock_timeval: two 64-bit fields on every 64-bit arch.
        if (v.length < 16) throw new SysError(E.EINVAL);
        const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
        const sec = dv.getBigInt64(0, true), usec = dv.getBigInt64(8, true);
        if (usec < 0n || usec >= 1_000_000n) throw new SysError(E.EDOM);
        const ns = sec < 0n ? 0n : sec * 1_000_000_000n + usec * 1000n;
        if (name === SO.RCVTIMEO_OLD || name === SO.RCVTIMEO_NEW) this.rcvTimeoNs = ns; else this.sndTimeoNs = ns;
        return;
      }
      case SO.LINGER:
        if (v.length < 8) throw new SysError(E.EINVAL);
        this.opts.set('linger', val ? intOf(v.subarray(4, 8)) : -1);
        return;
      case SO.TYPE: case SO.PROTOCOL: case SO.DOMAIN: case SO.ERROR: case SO.PEERCRED: case SO.ACCEPTCONN:
        throw new SysError(E.ENOPROTOOPT);
      default:
        if (!(Object.values(SO) as number[]).includes(name)) throw new SysError(E.ENOPROTOOPT);
        this.opts.set(`so${name}`, val ? 1 : 0);
        if (name === SO.RCVLOWAT) this.opts.set(`so${name}`, Math.max(val, 1));
    }
  }

  protected getSocketOption(name: number): Uint8Array {
    switch (name) {
      case SO.TYPE: return int32(this.type);
      case SO.PROTOCOL: return int32(this.protocol);
      case SO.DOMAIN: return int32(this.family);
      case SO.ERROR: { const e = this.soError; this.soError = 0; return int32(e); }
      case SO.SNDBUF: return int32(this.sndbuf);
      case SO.RCVBUF: return int32(this.rcvbuf);
      case SO.ACCEPTCONN: return int32(this.listening ? 1 : 0);
      case SO.RCVLOWAT: return int32(this.opts.get(`so${name}`) ?? 1);
      case SO.SNDLOWAT: return int32(1);
      case SO.PEERCRED: {
        const c = this.peerCred();
        const b = new Uint8Array(12), dv = new DataView(b.buffer);
        dv.setInt32(0, c.pid, true); dv.setUint32(4, c.uid, true); dv.setUint32(8, c.gid, true);
        return b;
      }
      case SO.RCVTIMEO_OLD: case SO.SNDTIMEO_OLD: case SO.RCVTIMEO_NEW: case SO.SNDTIMEO_NEW: {
        const ns = name === SO.RCVTIMEO_OLD || name === SO.RCVTIMEO_NEW ? this.rcvTimeoNs : this.sndTimeoNs;
        const b = new Uint8Array(16), dv = new DataView(b.buffer);
        dv.setBigInt64(0, ns / 1_000_000_000n, true);
        dv.setBigInt64(8, (ns % 1_000_000_000n) / 1000n, true);
        return b;
      }
      case SO.LINGER: {
        const l = this.opts.get('linger') ?? -1;
        const b = new Uint8Array(8), dv = new DataView(b.buffer);
        dv.setInt32(0, l >= 0 ? 1 : 0, true); dv.setInt32(4, Math.max(l, 0), true);
        return b;
      }
      default:
        if (!(Object.values(SO) as number[]).includes(name)) throw new SysError(E.ENOPROTOOPT);
        return int32(this.opts.get(`so${name}`) ?? 0);
    }
  }

  /** Buffer sizes changed: a writer waiting for room may go on. */
  protected bufferChanged(): void { this.wq.wake(); }

  /** SO_RCVTIMEO / SO_SNDTIMEO bound read() and write() as they bound recv and send. */
  override ioTimeoutNs(reading: boolean): bigint { return reading ? this.rcvTimeoNs : this.sndTimeoNs; }

  /** A datagram or record per call; a stream's bytes may be split between calls. */
  override get messages(): boolean { return this.type !== SOCK_STREAM; }

  // The file view: read and write are recv and send without flags.
  override read(buf: Uint8Array): number | Blocked {
    const r = this.recv({ max: buf.length, flags: 0 });
    if (r instanceof WaitQueue) return r;
    buf.set(r.data);
    for (const f of r.rights ?? []) f.put();
    return r.data.length;
  }

  override write(data: Uint8Array): number | Blocked {
    return this.send({ data, to: null, flags: 0, rights: null, creds: null, caller: { pid: 0, uid: 0, gid: 0 } });
  }
}

export function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** An option value as C int (shorter values read as what is there; Linux wants >= 4 bytes). */
export function intOf(v: Uint8Array): number {
  if (v.length < 4) throw new SysError(E.EINVAL);
  return new DataView(v.buffer, v.byteOffset, 4).getInt32(0, true);
}

// ---- socket addresses (struct sockaddr_un / sockaddr_in / sockaddr_in6) ----

const SUN_PATH_MAX = 108;

/** Decodes a guest sockaddr of `len` bytes (family checked by the caller against the socket's). */
export function decodeSockAddr(b: Uint8Array): SockAddr {
  if (b.length < 2) throw new SysError(E.EINVAL);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const family = dv.getUint16(0, true);
  switch (family) {
    case AF_UNSPEC: return { family };
    case AF_UNIX: {
      if (b.length > 2 + SUN_PATH_MAX) throw new SysError(E.EINVAL);
      const p = b.subarray(2);
      if (p.length === 0) return { family, path: null };
      if (p[0] === 0) return { family, path: p.slice() };
      const nul = p.indexOf(0);
      return { family, path: p.slice(0, nul < 0 ? p.length : nul) };
    }
    case AF_INET: {
      if (b.length < 16) throw new SysError(E.EINVAL);
      return { family, port: dv.getUint16(2, false), host: `${b[4]}.${b[5]}.${b[6]}.${b[7]}` };
    }
    case AF_INET6: {
      if (b.length < 24) throw new SysError(E.EINVAL);
      const groups: string[] = [];
      for (let i = 0; i < 8; i++) groups.push(dv.getUint16(8 + 2 * i, false).toString(16));
      return { family, port: dv.getUint16(2, false), flowinfo: dv.getUint32(4, false), host: groups.join(':'), scopeId: b.length >= 28 ? dv.getUint32(24, true) : 0 };
    }
    default:
      return { family } as SockAddr;
  }
}

/** The bytes Linux reports for an address (getsockname, accept, recvfrom). */
export function encodeSockAddr(a: SockAddr): Uint8Array {
  switch (a.family) {
    case AF_UNSPEC: return new Uint8Array(2);
    case AF_UNIX: {
      // A path name comes back with its NUL (unix_mkname_bsd's length); an abstract one as bound.
      const p = a.path;
      const extra = p && p[0] !== 0 ? 1 : 0;
      const b = new Uint8Array(2 + (p?.length ?? 0) + extra);
      b[0] = AF_UNIX;
      if (p) b.set(p, 2);
      return b;
    }
    case AF_INET: {
      const b = new Uint8Array(16), dv = new DataView(b.buffer);
      dv.setUint16(0, AF_INET, true);
      dv.setUint16(2, a.port, false);
      b.set(ipv4Bytes(a.host), 4);
      return b;
    }
    case AF_INET6: {
      const b = new Uint8Array(28), dv = new DataView(b.buffer);
      dv.setUint16(0, AF_INET6, true);
      dv.setUint16(2, a.port, false);
      dv.setUint32(4, a.flowinfo, false);
      b.set(ipv6Bytes(a.host), 8);
      dv.setUint32(24, a.scopeId, true);
      return b;
    }
  }
}

export function ipv4Bytes(host: string): Uint8Array {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  return m ? new Uint8Array(m.slice(1, 5).map(Number)) : new Uint8Array(4);
}

/** The 16 bytes of an IPv6 address in any textual form Node reports (including ::ffff:a.b.c.d). */
export function ipv6Bytes(host: string): Uint8Array {
  const out = new Uint8Array(16);
  let h = host.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (v4) {
    const b = ipv4Bytes(v4[1]!);
    const hi = ((b[0]! << 8) | b[1]!).toString(16), lo = ((b[2]! << 8) | b[3]!).toString(16);
    h = h.slice(0, v4.index) + `${hi}:${lo}`;
  }
  const [head, tail] = h.includes('::') ? h.split('::') as [string, string] : [h, null];
  const hs = head ? head.split(':') : [];
  const ts = tail ? tail.split(':') : [];
  const groups = tail === null ? hs : [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  groups.slice(0, 8).forEach((g, i) => { const v = parseInt(g || '0', 16); out[2 * i] = v >> 8; out[2 * i + 1] = v & 0xff; });
  return out;
}

/** Host error codes Node reports, as guest errnos. */
export function errnoOfNode(e: unknown): number {
  const code = (e as { code?: string }).code ?? '';
  const byName: Record<string, number> = {
    ...E, EACCES: E.EACCES, EPERM: E.EPERM, EINVAL: E.EINVAL, EPIPE: E.EPIPE, EAGAIN: E.EAGAIN,
    ENOTFOUND: E.EADDRNOTAVAIL, EAI_FAIL: E.EADDRNOTAVAIL, ERR_SOCKET_DGRAM_NOT_RUNNING: E.EBADF,
  };
  return byName[code] ?? E.EIO;
}
