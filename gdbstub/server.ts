/**
 * TCP server for the gdb stub: one client at a time, like `qemu -g`.
 *
 * - A second connection while one is active gets `E.<message>` in reply to its
 *   first packet and is closed; the first client is unaffected.
 * - A client that vanishes without detaching leaves the guest halted (a running
 *   guest is interrupted) and the server listening for the next one.
 * - Bad checksums get `-` (ack mode); oversized packets get `E01`; junk between
 *   packets is ignored; nothing on the socket can throw out of the server.
 * - Ctrl-C (0x03) while the guest runs calls `target.interrupt()`.
 * - Every packet in and out is logged at debug level.
 *
 * Events: `client` (remote address), `disconnect`, plus the stub's `resume`,
 * `stop`, `detach`, `kill`, `restart` (re-emitted).
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { DEFAULT_PACKET_SIZE, GdbStub } from './commands';
import { describePacket, encodePacket, PacketDecoder } from './packet';
import { Logger, nullLogger, Target } from './target';

/** Options of {@link GdbServer}. */
export interface GdbServerOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one (see {@link GdbServer.listen}'s result). */
  port: number;
  logger?: Logger;
  /** `PacketSize` advertised and cap on incoming packets (default 0x4000). */
  packetSize?: number;
  /** Run-length encode replies (gdb accepts it; default true). */
  rle?: boolean;
}

/** Consecutive NAKs after which we stop retransmitting. */
const MAX_RETRANSMIT = 8;

class Connection {
  private readonly decoder: PacketDecoder;
  private readonly queue: string[] = [];
  private processing = false;
  private lastSent: Buffer | null = null;
  private naks = 0;
  closed = false;

  constructor(
    private readonly server: GdbServer,
    private readonly socket: net.Socket,
    private readonly ready: Promise<void>,
  ) {
    this.decoder = new PacketDecoder(server.stub.packetSize);
  }

  private get log(): Logger {
    return this.server.log;
  }

  private get noAck(): boolean {
    return this.server.stub.conn.noAck;
  }

  onData(chunk: Buffer): void {
    for (const ev of this.decoder.push(chunk)) {
      switch (ev.kind) {
        case 'packet':
          if (!this.noAck) this.write(Buffer.from('+'));
          this.log.debug(`gdb <- ${describePacket(ev.data)}`);
          this.queue.push(ev.data);
          break;
        case 'badChecksum':
          this.log.warn(
            `gdbstub: bad checksum (got ${ev.got.toString(16)}, expected ${ev.expected.toString(16)}) on '${describePacket(ev.data, 64)}'`,
          );
          if (!this.noAck) this.write(Buffer.from('-'));
          break;
        case 'overflow':
          this.log.warn(`gdbstub: packet longer than ${this.server.stub.packetSize} bytes dropped`);
          if (!this.noAck) this.write(Buffer.from('+'));
          this.sendPacket('E01');
          break;
        case 'ack':
          this.naks = 0;
          break;
        case 'nak':
          if (!this.noAck && this.lastSent && this.naks++ < MAX_RETRANSMIT) {
            this.log.debug('gdbstub: NAK, retransmitting');
            this.write(this.lastSent);
          }
          break;
        case 'interrupt':
          if (this.server.stub.running || this.processing || this.queue.length > 0) {
            // queued: the resume packet may not have started yet; the stub applies it then
            this.log.debug('gdb <- Ctrl-C');
            this.server.stub.interrupt();
          } else {
            this.log.debug('gdbstub: Ctrl-C while stopped ignored');
          }
          break;
      }
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      await this.ready;
      while (this.queue.length > 0 && !this.closed) {
        const pkt = this.queue.shift()!;
        const stub = this.server.stub;
        let reply: string | null;
        try {
          reply = await stub.handle(pkt);
        } catch (e) {
          this.log.error(`gdbstub: handler for '${describePacket(pkt, 32)}' threw: ${(e as Error).stack ?? e}`);
          reply = 'E01';
        }
        if (this.queue.length === 0) stub.interruptPending = false;
        if (this.closed) break;
        if (reply !== null) this.sendPacket(reply);
        if (stub.conn.closeAfterReply) {
          this.socket.end();
          break;
        }
      }
    } finally {
      this.processing = false;
    }
  }

  sendPacket(payload: string): void {
    this.log.debug(`gdb -> ${describePacket(payload)}`);
    const buf = encodePacket(payload, { rle: this.server.rle });
    this.lastSent = buf;
    this.naks = 0;
    this.write(buf);
  }

  private write(b: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(b);
  }
}

/** The gdb server for one target. */
export class GdbServer extends EventEmitter {
  readonly stub: GdbStub;
  readonly log: Logger;
  readonly rle: boolean;
  private readonly server: net.Server;
  private active: { conn: Connection; socket: net.Socket } | null = null;
  /** Cleanup after the last client (interrupting a running guest) — the next client waits for it. */
  private cleanup: Promise<void> = Promise.resolve();
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly target: Target,
    private readonly opts: GdbServerOptions,
  ) {
    super();
    this.log = opts.logger ?? nullLogger;
    this.rle = opts.rle ?? true;
    this.stub = new GdbStub(target, { logger: this.log, packetSize: opts.packetSize ?? DEFAULT_PACKET_SIZE });
    for (const e of ['resume', 'stop', 'detach', 'kill', 'restart']) {
      this.stub.on(e, (...a: unknown[]) => this.emit(e, ...a));
    }
    this.server = net.createServer((s) => this.onConnection(s));
    this.server.on('error', (e) => this.log.error(`gdbstub: server error: ${e.message}`));
  }

  /** Start listening; resolves with the bound address (port 0 -> the chosen port). */
  listen(): Promise<net.AddressInfo> {
    const host = this.opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const onErr = (e: Error): void => reject(e);
      this.server.once('error', onErr);
      this.server.listen(this.opts.port, host, () => {
        this.server.off('error', onErr);
        const a = this.server.address() as net.AddressInfo;
        this.log.info(`gdbstub: waiting for gdb on ${a.address}:${a.port} (target remote ${a.address}:${a.port})`);
        resolve(a);
      });
    });
  }

  /** Bound port (after {@link listen}). */
  get port(): number {
    return (this.server.address() as net.AddressInfo | null)?.port ?? 0;
  }

  /** True while a gdb client is connected. */
  get hasClient(): boolean {
    return this.active !== null;
  }

  /**
   * Stop listening and drop every connection: replies already written are still delivered
   * (the socket is ended, then destroyed after `graceMs` if the peer does not close it).
   */
  close(graceMs = 250): Promise<void> {
    for (const s of this.sockets) {
      s.end();
      setTimeout(() => s.destroy(), graceMs);
    }
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  private onConnection(socket: net.Socket): void {
    const who = `${socket.remoteAddress}:${socket.remotePort}`;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    if (this.active || this.stub.detached) {
      const why = this.stub.detached
        ? 'the target was detached and runs on without the debugger'
        : 'another gdb client is already attached to this target';
      this.log.warn(`gdbstub: refused connection from ${who}: ${why}`);
      this.refuse(socket, why);
      return;
    }
    this.log.info(`gdbstub: gdb connected from ${who}`);
    this.stub.connected();
    const conn = new Connection(this, socket, this.cleanup);
    this.active = { conn, socket };
    this.emit('client', who);
    socket.on('data', (d: Buffer) => {
      try {
        conn.onData(d);
      } catch (e) {
        this.log.error(`gdbstub: ${(e as Error).stack ?? e}`);
      }
    });
    socket.on('error', (e) => this.log.warn(`gdbstub: socket error from ${who}: ${e.message}`));
    socket.on('close', () => {
      conn.closed = true;
      if (this.active?.conn !== conn) return;
      this.log.info(`gdbstub: gdb at ${who} disconnected${this.stub.running ? ' while the guest ran; halting it' : ''}`);
      this.cleanup = this.stub.disconnected().catch((e) => this.log.error(`gdbstub: cleanup: ${(e as Error).message}`));
      this.active = null;
      this.emit('disconnect', who);
    });
  }

  /** Answer the first packet of a refused client with an `E.` error, then close. */
  private refuse(socket: net.Socket, why: string): void {
    const dec = new PacketDecoder(this.stub.packetSize);
    const reply = Buffer.concat([Buffer.from('+'), encodePacket(`E.${why}`)]);
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on('error', () => undefined);
    socket.on('close', () => clearTimeout(timer));
    socket.on('data', (d: Buffer) => {
      if (dec.push(d).some((e) => e.kind === 'packet' || e.kind === 'badChecksum')) {
        socket.end(reply);
        clearTimeout(timer);
      }
    });
  }
}
