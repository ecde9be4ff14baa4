/**
 * kernel/net/unix.ts: AF_UNIX stream, seqpacket and datagram sockets — exact bytes, message
 * boundaries, errnos, poll masks (as Linux's unix_poll / unix_dgram_poll report them, checked
 * against the host kernel by the sockets fixture), the listen queue, names on tmpfs and in the
 * abstract namespace, SCM_RIGHTS references, write allocation limits, close semantics.
 */
import test from 'ava';
import type { Memory } from '../../arch/common/memory';
import { E, SysError } from '../../kernel/errno';
import { isBlocked, OpenFile } from '../../kernel/fs/file';
import { S_IFMT, S_IFSOCK, type Stat } from '../../kernel/fs/inode';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM } from '../../kernel/fs/poll';
import { TmpFileSystem } from '../../kernel/fs/tmpfs';
import {
  AF_UNIX, encodeSockAddr, decodeSockAddr, MSG, type Received, SHUT_RD, SHUT_WR, type SockAddr, SOCK_DGRAM,
  SOCK_SEQPACKET, SOCK_STREAM, SO, SOL_SOCKET,
} from '../../kernel/net/socket';
import { MAX_DGRAM_QLEN, type UnixCaller, UnixNamespace, UnixSocket } from '../../kernel/net/unix';
import { WaitQueue } from '../../kernel/task/wait';

const OUT = POLLOUT | POLLWRNORM | POLLWRBAND;
const IN = POLLIN | POLLRDNORM;

function world(): { ns: UnixNamespace; fs: TmpFileSystem; caller: UnixCaller } {
  const fs = new TmpFileSystem({ dev: 0x20, clock: () => 0n });
  const root = fs.root;
  const caller: UnixCaller = {
    pid: 42, uid: 1000, gid: 100,
    paths: {
      makeNode(path) {
        if (root.lookup(path)) throw new SysError(E.EADDRINUSE);
        return root.mknod(path, S_IFSOCK | 0o755);
      },
      find(path) {
        const n = root.lookup(path);
        if (!n) throw new SysError(E.ENOENT);
        return n;
      },
      remove(path) { root.unlink(path); },
    },
  };
  return { ns: new UnixNamespace(), fs, caller };
}

/** A socket as a descriptor holds it (release runs on the last put). */
function held<T extends OpenFile>(f: T): T { return f.hold(); }

function errnoOf(f: () => unknown): number {
  try { f(); } catch (e) { if (e instanceof SysError) return e.errno; throw e; }
  return 0;
}

const te = new TextEncoder(), td = new TextDecoder();
const bytes = (s: string): Uint8Array => te.encode(s);
const abstractAddr = (name: string): SockAddr => ({ family: AF_UNIX, path: bytes(`\0${name}`) });
const pathAddr = (name: string): SockAddr => ({ family: AF_UNIX, path: bytes(name) });

function send(s: UnixSocket, c: UnixCaller, text: string | Uint8Array, o: { to?: SockAddr; rights?: OpenFile[] } = {}): number | WaitQueue {
  return s.send({ data: typeof text === 'string' ? bytes(text) : text, to: o.to ?? null, flags: 0, rights: o.rights ?? null, creds: null, caller: c });
}

function recv(s: UnixSocket, max = 64, flags = 0): Received {
  const r = s.recv({ max, flags });
  if (isBlocked(r)) throw new Error('blocked');
  return r;
}

test('socketpair(SOCK_STREAM): bytes both ways, stat, name, poll masks through shutdown and close', (t) => {
  const { ns, caller } = world();
  const [a, b] = UnixSocket.pair(ns, SOCK_STREAM, 0, caller).map(held) as [UnixSocket, UnixSocket];
  t.is(a.stat().mode & S_IFMT, S_IFSOCK);
  t.is(a.name, `socket:[${a.ino}]`);
  t.not(a.ino, b.ino);
  t.is(a.poll().events, OUT);
  t.is(send(a, caller, 'hello'), 5);
  t.is(send(a, caller, ' world'), 6);
  t.is(b.poll().events, IN | OUT);
  t.is(td.decode(recv(b, 3, MSG.PEEK).data), 'hel');
  t.is(td.decode(recv(b).data), 'hello world', 'stream writes join');
  t.true(isBlocked(b.recv({ max: 1, flags: 0 })));
  a.shutdown(SHUT_WR);
  t.is(b.poll().events, IN | POLLRDHUP | OUT);
  t.is(recv(b).data.length, 0, 'EOF after the peer SHUT_WR');
  t.is(errnoOf(() => send(a, caller, 'x')), E.EPIPE);
  t.is(send(b, caller, 'back'), 4);
  t.is(td.decode(recv(a).data), 'back');
  a.put();
  t.is(b.poll().events, IN | POLLRDHUP | POLLHUP | OUT);
  t.is(errnoOf(() => send(b, caller, 'x')), E.EPIPE);
  b.put();
});

test('a blocked stream read answers the socket queue, and a send wakes it', (t) => {
  const { ns, caller } = world();
  const [a, b] = UnixSocket.pair(ns, SOCK_STREAM, 0, caller).map(held) as [UnixSocket, UnixSocket];
  const q = b.recv({ max: 8, flags: 0 });
  t.is(q, b.wq);
  let wakes = 0;
  b.wq.subscribe(() => wakes++);
  send(a, caller, 'x');
  t.true(wakes >= 1);
  t.deepEqual([...recv(b).data], [0x78]);
});

test('close with unread data: the peer gets ECONNRESET once, then EOF; POLLERR until taken', (t) => {
  const { ns, caller } = world();
  const [a, b] = UnixSocket.pair(ns, SOCK_STREAM, 0, caller).map(held) as [UnixSocket, UnixSocket];
  send(a, caller, 'unread');
  b.put();
  t.is(a.poll().events, IN | POLLRDHUP | POLLHUP | OUT | POLLERR);
  t.is(errnoOf(() => a.recv({ max: 8, flags: 0 })), E.ECONNRESET);
  t.is(recv(a).data.length, 0);
  t.is(a.poll().events & POLLERR, 0);
});

test('stream write allocation: a writer blocks at SO_SNDBUF, polls writable only below a quarter of it', (t) => {
  const { ns, caller } = world();
  const [a, b] = UnixSocket.pair(ns, SOCK_STREAM, 0, caller).map(held) as [UnixSocket, UnixSocket];
  const chunk = new Uint8Array(4096).fill(7);
  let total = 0, r: number | WaitQueue;
  while (!isBlocked(r = send(a, caller, chunk))) total += r;
  t.is(r, a.wq);
  t.true(total > 100_000 && total <= a.sndbuf);
  t.is(a.poll().events & POLLOUT, 0);
  let got = 0;
  while (got < total) got += recv(b, 65536).data.length;
  t.is(got, total, 'every byte arrives');
  t.is(a.poll().events & POLLOUT, POLLOUT);
  const mem = { v: -1, writeU32(_a: number, v: number) { this.v = v; } };
  send(a, caller, 'abc');
  b.ioctl(0x541b, 0, mem as unknown as Memory);
  t.is(mem.v, 3, 'FIONREAD');
  a.ioctl(0x5411, 0, mem as unknown as Memory);
  t.is(mem.v, 3, 'SIOCOUTQ');
});

test('SOCK_DGRAM pair: boundaries, truncation length, empty datagrams, the dead peer (ECONNREFUSED, then ENOTCONN)', (t) => {
  const { ns, caller } = world();
  const [a, b] = UnixSocket.pair(ns, SOCK_DGRAM, 0, caller).map(held) as [UnixSocket, UnixSocket];
  send(a, caller, 'abc');
  send(a, caller, 'defgh');
  send(a, caller, '');
  t.is(td.decode(recv(b).data), 'abc');
  const r = recv(b, 3);
  t.is(td.decode(r.data), 'def');
  t.is(r.length, 5, 'the datagram length for MSG_TRUNC');
  t.is(recv(b).length, 0);
  t.true(isBlocked(b.recv({ max: 4, flags: 0 })));
  t.is(errnoOf(() => send(a, caller, new Uint8Array(a.sndbuf))), E.EMSGSIZE);
  b.put();
  t.is(errnoOf(() => send(a, caller, 'x')), E.ECONNREFUSED);
  t.is(errnoOf(() => send(a, caller, 'x')), E.ENOTCONN);
});

test('SOCK_SEQPACKET: records, EOF and EPIPE after the peer closes', (t) => {
  const { ns, caller } = world();
  const [a, b] = UnixSocket.pair(ns, SOCK_SEQPACKET, 0, caller).map(held) as [UnixSocket, UnixSocket];
  send(a, caller, 'one');
  send(a, caller, 'three');
  t.is(td.decode(recv(b).data), 'one');
  t.is(recv(b, 2).length, 5);
  a.put();
  t.is(b.poll().events, IN | POLLRDHUP | POLLHUP | OUT);
  t.is(recv(b).data.length, 0);
  t.is(errnoOf(() => send(b, caller, 'x')), E.EPIPE);
});

test('listen/connect/accept on an abstract name: backlog + 1 embryos, data before accept, names, SO_PEERCRED', (t) => {
  const { ns, caller } = world();
  const l = held(new UnixSocket(ns, SOCK_STREAM, 0));
  t.is(errnoOf(() => l.listen(1, caller)), E.EINVAL, 'unbound');
  l.bind(abstractAddr('srv'), caller);
  t.is(errnoOf(() => held(new UnixSocket(ns, SOCK_STREAM, 0)).bind(abstractAddr('srv'), caller)), E.EADDRINUSE);
  l.listen(1, caller);
  t.true(l.listening);
  t.is(l.poll().events, 0);
  const client = { ...caller, pid: 77 };
  const c = [0, 1, 2].map(() => held(new UnixSocket(ns, SOCK_STREAM, 0)));
  t.is(c[0]!.connect(abstractAddr('srv'), client), 0);
  t.is(c[1]!.connect(abstractAddr('srv'), client), 0);
  t.is(c[2]!.connect(abstractAddr('srv'), client), l.wq, 'queue full: more than backlog embryos');
  t.is(l.poll().events, IN);
  t.is(send(c[0]!, client, 'early'), 5);
  const s = l.accept() as UnixSocket;
  t.false(isBlocked(s));
  held(s);
  t.is(td.decode(recv(s).data), 'early');
  t.deepEqual(encodeSockAddr(s.localName()), encodeSockAddr(abstractAddr('srv')));
  t.deepEqual(encodeSockAddr(c[0]!.peerName()), encodeSockAddr(abstractAddr('srv')));
  t.is(encodeSockAddr(s.peerName()).length, 2, 'an unnamed client');
  const cred = new DataView(s.getOption(SOL_SOCKET, SO.PEERCRED).buffer);
  t.deepEqual([cred.getInt32(0, true), cred.getUint32(4, true), cred.getUint32(8, true)], [77, 1000, 100]);
  t.is(c[2]!.connect(abstractAddr('srv'), client), 0, 'room again after accept');
  t.is(c[0]!.connect(abstractAddr('srv'), client), l.wq, 'the full listener queue is checked before EISCONN');
  l.put();
  t.is(errnoOf(() => c[1]!.recv({ max: 4, flags: 0 })), E.ECONNRESET, 'an unaccepted connection is reset');
  t.is(errnoOf(() => held(new UnixSocket(ns, SOCK_STREAM, 0)).connect(abstractAddr('srv'), client)), E.ECONNREFUSED);
  t.is(errnoOf(() => held(new UnixSocket(ns, SOCK_DGRAM, 0)).connect(abstractAddr('srv'), client)), E.ECONNREFUSED);
});

test('names on tmpfs: bind makes an S_IFSOCK inode, connect finds it, EPROTOTYPE, ECONNREFUSED once closed', (t) => {
  const { ns, fs, caller } = world();
  const l = held(new UnixSocket(ns, SOCK_STREAM, 0));
  l.bind(pathAddr('srv'), caller);
  const node = fs.root.lookup('srv')!;
  t.is(node.type, S_IFSOCK);
  t.is(node.stat().mode, S_IFSOCK | 0o755);
  t.is(errnoOf(() => (node as unknown as { open(): void }).open()), E.ENXIO);
  t.is(errnoOf(() => held(new UnixSocket(ns, SOCK_STREAM, 0)).bind(pathAddr('srv'), caller)), E.EADDRINUSE);
  t.is(errnoOf(() => l.bind(pathAddr('other'), caller)), E.EINVAL, 'already bound');
  t.is(fs.root.lookup('other'), null, 'the node made for it is removed again');
  t.is(errnoOf(() => held(new UnixSocket(ns, SOCK_STREAM, 0)).connect(pathAddr('nope'), caller)), E.ENOENT);
  t.is(errnoOf(() => held(new UnixSocket(ns, SOCK_STREAM, 0)).connect(pathAddr('srv'), caller)), E.ECONNREFUSED, 'not listening');
  l.listen(5, caller);
  t.is(errnoOf(() => held(new UnixSocket(ns, SOCK_SEQPACKET, 0)).connect(pathAddr('srv'), caller)), E.EPROTOTYPE);
  const c = held(new UnixSocket(ns, SOCK_STREAM, 0));
  t.is(c.connect(pathAddr('srv'), caller), 0);
  t.deepEqual([...encodeSockAddr(c.peerName())], [AF_UNIX, 0, ...bytes('srv'), 0], 'a path name comes back with its NUL');
  l.put();
  t.not(fs.root.lookup('srv'), null, 'the file outlives the socket');
  t.is(errnoOf(() => held(new UnixSocket(ns, SOCK_STREAM, 0)).connect(pathAddr('srv'), caller)), E.ECONNREFUSED);
});

test('datagrams between named sockets: sender address, EPERM to a socket connected elsewhere, max_dgram_qlen', (t) => {
  const { ns, caller } = world();
  const srv = held(new UnixSocket(ns, SOCK_DGRAM, 0));
  srv.bind(pathAddr('dg'), caller);
  const cl = held(new UnixSocket(ns, SOCK_DGRAM, 0));
  t.is(send(cl, caller, 'hi', { to: pathAddr('dg') }), 2);
  t.is(recv(srv).from, null, 'an unbound sender has no address');
  cl.bind(pathAddr('dg2'), caller);
  send(cl, caller, 'hey', { to: pathAddr('dg') });
  t.deepEqual(recv(srv).from, pathAddr('dg2'));
  t.is(errnoOf(() => send(cl, caller, 'x')), E.ENOTCONN);
  const flood = held(new UnixSocket(ns, SOCK_DGRAM, 0));
  let n = 0;
  while (!isBlocked(send(flood, caller, 'f', { to: pathAddr('dg') }))) n++;
  t.is(n, MAX_DGRAM_QLEN + 1);
  cl.connect(pathAddr('dg'), caller);
  t.is(errnoOf(() => send(flood, caller, 'f', { to: pathAddr('dg2') })), E.EPERM, 'dg2 is connected to dg');
  srv.shutdown(SHUT_RD);
  t.is(errnoOf(() => send(cl, caller, 'f', { to: pathAddr('dg') })), E.EPIPE);
});

test('autobind: bind with no name gives a 5-hex-digit abstract name', (t) => {
  const { ns, caller } = world();
  const s = held(new UnixSocket(ns, SOCK_DGRAM, 0));
  s.bind({ family: AF_UNIX, path: null }, caller);
  const b = encodeSockAddr(s.localName());
  t.is(b.length, 8);
  t.is(b[2], 0);
  t.regex(Buffer.from(b.subarray(3)).toString('latin1'), /^[0-9a-f]{5}$/);
});

class Probe extends OpenFile {
  released = 0;
  constructor() { super(0); }
  get name(): string { return 'probe'; }
  stat(): Stat { return { dev: 0, ino: 1, mode: 0, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 0, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n }; }
  protected override release(): void { this.released++; }
}

test('SCM_RIGHTS: the message holds its files; a stream read stops after them; a dropped message releases them', (t) => {
  const { ns, caller } = world();
  const [a, b] = UnixSocket.pair(ns, SOCK_STREAM, 0, caller).map(held) as [UnixSocket, UnixSocket];
  const f = held(new Probe());
  t.is(send(a, caller, 'F', { rights: [f.hold()] }), 1);
  send(a, caller, 'GH');
  f.put();
  t.is(f.released, 0, 'in flight');
  const r = recv(b);
  t.is(td.decode(r.data), 'F');
  t.deepEqual(r.rights, [f]);
  t.is(td.decode(recv(b).data), 'GH');
  r.rights![0]!.put();
  t.is(f.released, 1);
  const g = held(new Probe());
  send(a, caller, 'x', { rights: [g.hold()] });
  g.put();
  b.put();
  t.is(g.released, 1, 'closing the receiver drops the queued files');
});

test('SO_PASSCRED: messages carry the sender credentials; sockaddr_un decoding', (t) => {
  const { ns, caller } = world();
  const [a, b] = UnixSocket.pair(ns, SOCK_DGRAM, 0, caller).map(held) as [UnixSocket, UnixSocket];
  send(a, caller, 'no creds');
  t.is(recv(b).creds, null);
  const on = new Uint8Array([1, 0, 0, 0]);
  b.setOption(SOL_SOCKET, SO.PASSCRED, on);
  send(a, caller, 'creds');
  t.deepEqual(recv(b).creds, { pid: 42, uid: 1000, gid: 100 });
  t.is(errnoOf(() => a.setOption(6, 1, on)), E.EOPNOTSUPP);
  const raw = new Uint8Array([AF_UNIX, 0, ...bytes('/tmp/x'), 0, 0x41]);
  t.deepEqual(decodeSockAddr(raw), { family: AF_UNIX, path: bytes('/tmp/x') }, 'a path ends at its NUL');
  t.deepEqual(decodeSockAddr(new Uint8Array([AF_UNIX, 0, 0, 0x61, 0])), { family: AF_UNIX, path: new Uint8Array([0, 0x61, 0]) }, 'abstract names keep every byte');
  const long = new Uint8Array(111);
  long[0] = AF_UNIX;
  t.is(errnoOf(() => decodeSockAddr(long)), E.EINVAL, 'longer than sockaddr_un');
  t.is(errnoOf(() => decodeSockAddr(long.subarray(0, 110))), 0);
});
