/**
 * kernel/net/inet.ts: TCP and UDP sockets on the host's network through Node, driven the way the
 * syscall layer drives them (an operation answers the socket's queue; retry when it wakes), with
 * real Node clients and servers on 127.0.0.1 on the other side: ports, EADDRINUSE, ECONNREFUSED
 * with its poll mask, exact bytes both ways, half-close, bounded receive buffering.
 */
import test from 'ava';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Memory } from '../../arch/common/memory';
import { E, SysError } from '../../kernel/errno';
import { isBlocked, type Blocked, type OpenFile } from '../../kernel/fs/file';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP } from '../../kernel/fs/poll';
import { makeInetSocket, TcpSocket, UdpSocket } from '../../kernel/net/inet';
import { AF_INET, type Received, SHUT_WR, type SockAddr, SOCK_DGRAM, SOCK_STREAM, type Socket } from '../../kernel/net/socket';

const caller = { pid: 1, uid: 0, gid: 0 };
const lo = (port: number): SockAddr => ({ family: AF_INET, host: '127.0.0.1', port });
const portOf = (s: Socket): number => (s.localName() as { port: number }).port;

/** Retries `op` whenever the socket's queue wakes, as a sleeping task would. */
function until<T>(s: Socket, op: () => T | Blocked, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error('timed out')); }, ms);
    let off = (): void => {};
    const attempt = (): void => {
      try {
        const r = op();
        if (isBlocked(r)) return;
        off(); clearTimeout(timer); resolve(r);
      } catch (e) { off(); clearTimeout(timer); reject(e); }
    };
    off = s.wq.subscribe(attempt);
    attempt();
  });
}

async function errnoOf(p: Promise<unknown> | (() => unknown)): Promise<number> {
  try { await (typeof p === 'function' ? p() : p); } catch (e) { if (e instanceof SysError) return e.errno; throw e; }
  return 0;
}

function held<T extends OpenFile>(f: T): T { return f.hold(); }
const send = (s: Socket, data: Uint8Array | string): number | Blocked =>
  s.send({ data: typeof data === 'string' ? new TextEncoder().encode(data) : data, to: null, flags: 0, rights: null, creds: null, caller });
const recv = (s: Socket, max = 65536): Promise<Received> => until(s, () => s.recv({ max, flags: 0 }));

function hostServer(onConn: (c: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve) => {
    const srv = net.createServer({ allowHalfOpen: true }, onConn);
    srv.listen({ host: '127.0.0.1', port: 0 }, () => resolve(srv));
  });
}

test('socket(): TCP and UDP by type and protocol, EPROTONOSUPPORT otherwise', async (t) => {
  t.true(makeInetSocket(AF_INET, SOCK_STREAM, 0, 0) instanceof TcpSocket);
  t.true(makeInetSocket(AF_INET, SOCK_DGRAM, 17, 0) instanceof UdpSocket);
  t.is(await errnoOf(() => makeInetSocket(AF_INET, SOCK_STREAM, 17, 0)), E.EPROTONOSUPPORT);
});

test('TCP bind: port 0 gets an ephemeral port; a guest socket bound there, or a host listener, makes EADDRINUSE', async (t) => {
  const a = held(new TcpSocket(AF_INET, 0));
  t.is(await a.bind(lo(0)), 0);
  const port = portOf(a);
  t.true(port > 0);
  t.is(await errnoOf(held(new TcpSocket(AF_INET, 0)).bind(lo(port))), E.EADDRINUSE, 'held by a guest socket not yet listening');
  t.is(await errnoOf(a.bind(lo(0))), 22, 'bound already: EINVAL');
  const host = await hostServer(() => {});
  const busy = (host.address() as net.AddressInfo).port;
  t.is(await errnoOf(held(new TcpSocket(AF_INET, 0)).bind(lo(busy))), E.EADDRINUSE, 'held by the host');
  t.is(await errnoOf(held(new TcpSocket(AF_INET, 0)).bind({ family: 10, host: '::1', port: 0, flowinfo: 0, scopeId: 0 })), E.EAFNOSUPPORT);
  host.close();
  a.put();
});

test('TCP server: a host client connects, bytes both ways, half-close both directions, POLLRDHUP', async (t) => {
  const l = held(new TcpSocket(AF_INET, 0));
  await l.bind(lo(0));
  t.is(await l.listen(4), 0);
  t.true(l.listening);
  t.is(l.poll().events & POLLIN, 0);
  const port = portOf(l);
  const got: Buffer[] = [];
  const ended = new Promise<void>((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => c.end('from host'));
    c.on('data', (b: Buffer) => got.push(b));
    c.on('end', () => { c.destroy(); resolve(); });
  });
  const s = held(await until(l, () => l.accept()));
  t.is((s.peerName() as { host: string }).host, '127.0.0.1');
  t.is(portOf(s), port);
  let text = '';
  for (;;) {
    const r = await recv(s);
    if (r.data.length === 0) break;
    text += Buffer.from(r.data).toString();
  }
  t.is(text, 'from host');
  t.is(s.poll().events & (POLLIN | POLLRDHUP), POLLIN | POLLRDHUP);
  t.is(send(s, 'reply after FIN'), 15, 'our direction stays open');
  s.shutdown(SHUT_WR);
  await ended;
  t.is(Buffer.concat(got).toString(), 'reply after FIN');
  s.put();
  l.put();
});

test('TCP client: connect to a host server (the queue, then 0), exchange, peer name; EISCONN', async (t) => {
  const srv = await hostServer((c) => c.on('data', (b) => c.write(Buffer.from(b.toString().toUpperCase()))));
  const port = (srv.address() as net.AddressInfo).port;
  const s = held(new TcpSocket(AF_INET, 0));
  const r = s.connect(lo(port));
  t.is(r, s.wq);
  t.is(s.poll().events, 0, 'connecting: nothing yet');
  t.is(await errnoOf(() => s.connect(lo(port))), E.EALREADY);
  t.is(await until(s, () => s.connectWait()), 0);
  t.is(s.poll().events & POLLOUT, POLLOUT);
  t.is((s.peerName() as { port: number }).port, port);
  t.is(send(s, 'abc'), 3);
  t.is(Buffer.from((await recv(s)).data).toString(), 'ABC');
  t.is(await errnoOf(() => s.connect(lo(port))), E.EISCONN);
  s.put();
  srv.close();
});

test('TCP connect to a closed port: POLLERR|POLLHUP, then ECONNREFUSED (SO_ERROR consumed)', async (t) => {
  const probe = held(new TcpSocket(AF_INET, 0));
  await probe.bind(lo(0));
  const port = portOf(probe);
  probe.put();
  const s = held(new TcpSocket(AF_INET, 0));
  t.is(s.connect(lo(port)), s.wq);
  await until(s, () => (s.state === 'connecting' ? s.wq : 0));
  t.is(s.poll().events & (POLLERR | POLLHUP), POLLERR | POLLHUP);
  t.is(await errnoOf(() => s.connectWait()), E.ECONNREFUSED);
  t.is(s.soError, 0);
  t.is(await errnoOf(() => send(s, 'x')), 32, 'EPIPE');
  s.put();
});

test('TCP receive buffering is bounded: the Node socket pauses at SO_RCVBUF and resumes as the guest reads', async (t) => {
  const total = 4 << 20;
  const srv = await hostServer((c) => { c.end(Buffer.alloc(total, 0x5a)); });
  const s = held(new TcpSocket(AF_INET, 0));
  s.connect(lo((srv.address() as net.AddressInfo).port));
  await until(s, () => s.connectWait());
  await new Promise((r) => setTimeout(r, 300));
  const mem = { v: 0, writeU32(_a: number, v: number) { this.v = v; } };
  s.ioctl(0x541b, 0, mem as unknown as Memory);
  t.true(mem.v > 0 && mem.v < s.rcvbuf + (1 << 17), `queued ${mem.v}`);
  let got = 0, bad = 0;
  for (;;) {
    const r = await recv(s);
    if (r.data.length === 0) break;
    got += r.data.length;
    for (const b of r.data) if (b !== 0x5a) bad++;
  }
  t.is(got, total);
  t.is(bad, 0);
  s.put();
  srv.close();
});

test('UDP: bind port 0, datagrams to and from a host socket with their source, EADDRINUSE, EDESTADDRREQ', async (t) => {
  const u = held(new UdpSocket(AF_INET, 0));
  t.is(await u.bind(lo(0)), 0);
  const port = portOf(u);
  t.true(port > 0);
  t.is(await errnoOf(Promise.resolve().then(() => held(new UdpSocket(AF_INET, 0)).bind(lo(port)))), E.EADDRINUSE);
  const host = dgram.createSocket('udp4');
  await new Promise<void>((r) => host.bind(0, '127.0.0.1', () => r()));
  const hostPort = host.address().port;
  host.send('to guest', port, '127.0.0.1');
  const r = await recv(u, 4);
  t.is(Buffer.from(r.data).toString(), 'to g');
  t.is(r.length, 8, 'the datagram length (MSG_TRUNC)');
  t.deepEqual(r.from, lo(hostPort));
  t.is(await errnoOf(() => send(u, 'x')), E.EDESTADDRREQ);
  const back = new Promise<string>((res) => host.once('message', (m) => res(m.toString())));
  t.is(u.send({ data: new TextEncoder().encode('to host'), to: lo(hostPort), flags: 0, rights: null, creds: null, caller }), 7);
  t.is(await back, 'to host');
  t.is(await until(u, () => u.connect(lo(hostPort))), 0);
  host.send('connected', port, '127.0.0.1');
  t.is(Buffer.from((await recv(u)).data).toString(), 'connected');
  host.close();
  u.put();
});
