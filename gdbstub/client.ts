/**
 * A GDB Remote Serial Protocol client: talks to our stub, to `qemu-<arch> -g` or
 * to gdbserver. Used by the tests and by the differential runner (scripts/) that
 * single-steps qemu and runlinuxd side by side.
 *
 *     const c = await RspClient.connect('127.0.0.1', 1234);
 *     await c.handshake();                 // qSupported (+ QStartNoAckMode if offered)
 *     const regs = await c.readRegisters(); // g packet bytes
 *     const stop = await c.step();         // vCont;s:<thread>
 *     await c.kill(); c.close();
 *
 * Requests are serialised; replies are matched in order. `O` console-output
 * packets arriving while waiting for a stop or a monitor reply are collected.
 * Thread ids are passed as strings in the stub's own syntax (`p1.2a`, `2a`, `-1`).
 */
import * as net from 'node:net';
import { describePacket, encodePacket, fromHex, PacketDecoder, toHex } from './packet';
import { Logger, nullLogger } from './target';

/** An `E..` reply, or a protocol failure. */
export class RspError extends Error {
  constructor(
    message: string,
    /** The error reply (`E14`) if there was one. */
    readonly reply?: string,
  ) {
    super(message);
    this.name = 'RspError';
  }
}

/** A parsed stop reply (GDB manual E.3). Signals are gdb's numbers as on the wire. */
export type StopReply =
  | {
      kind: 'signal';
      signal: number;
      /** `thread:` value as sent (e.g. `p01.53d3`), if any. */
      thread?: string;
      pid?: number;
      tid?: number;
      /** All `key:value` pairs (`swbreak`, `watch`, `syscall_entry`, register numbers, ...). */
      fields: Record<string, string>;
      raw: string;
    }
  | { kind: 'exited'; code: number; pid?: number; raw: string }
  | { kind: 'terminated'; signal: number; pid?: number; raw: string };

/** Parse a stop reply packet (`S`, `T`, `W`, `X`). */
export function parseStopReply(raw: string): StopReply {
  const kind = raw[0];
  const sig = parseInt(raw.slice(1, 3), 16);
  if (kind === 'W' || kind === 'X') {
    const m = /;process:([0-9a-fA-F]+)/.exec(raw);
    const pid = m ? parseInt(m[1]!, 16) : undefined;
    return kind === 'W' ? { kind: 'exited', code: sig, pid, raw } : { kind: 'terminated', signal: sig, pid, raw };
  }
  if ((kind === 'T' || kind === 'S') && !Number.isNaN(sig)) {
    const fields: Record<string, string> = {};
    for (const part of raw.slice(3).split(';')) {
      if (!part) continue;
      const c = part.indexOf(':');
      if (c < 0) fields[part] = '';
      else fields[part.slice(0, c)] = part.slice(c + 1);
    }
    const r: StopReply = { kind: 'signal', signal: sig, fields, raw };
    const th = fields['thread'];
    if (th !== undefined) {
      r.thread = th;
      const m = /^p([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(th);
      if (m) {
        r.pid = parseInt(m[1]!, 16);
        r.tid = parseInt(m[2]!, 16);
      } else if (/^[0-9a-fA-F]+$/.test(th)) r.tid = parseInt(th, 16);
    }
    return r;
  }
  throw new RspError(`not a stop reply: '${describePacket(raw, 64)}'`, raw.startsWith('E') ? raw : undefined);
}

/** Options of {@link RspClient.connect}. */
export interface RspClientOptions {
  /** Default timeout for a reply, ms (10 s). */
  timeoutMs?: number;
  logger?: Logger;
  /** Log every packet at debug level with this prefix. */
  name?: string;
}

type Waiter = { resolve: (p: string) => void; reject: (e: Error) => void };

/** The client. */
export class RspClient {
  /** Features from the stub's qSupported reply (`name` -> value, `+`, `-`). */
  readonly features = new Map<string, string>();
  /** Ack mode off. */
  noAck = false;
  /** Console output (`O` packets) received so far. */
  output = '';
  /** Thread of the last stop reply (used by step/cont when no thread is given). */
  lastThread: string | undefined;
  /** Register numbers are not known to the client; `g` is returned raw. */
  private readonly decoder = new PacketDecoder(1 << 24);
  private readonly packets: string[] = [];
  private readonly waiters: Waiter[] = [];
  private lastSent: Buffer | null = null;
  private closedErr: Error | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly name: string;

  private constructor(
    private readonly socket: net.Socket,
    opts: RspClientOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10000;
    this.log = opts.logger ?? nullLogger;
    this.name = opts.name ?? 'rsp';
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new RspError('connection closed')));
  }

  /** Connect to `host:port`. */
  static connect(host: string, port: number, opts: RspClientOptions = {}): Promise<RspClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const onErr = (e: Error): void => reject(e);
      s.once('error', onErr);
      s.once('connect', () => {
        s.off('error', onErr);
        resolve(new RspClient(s, opts));
      });
    });
  }

  /** The connection has been closed (by either side). */
  get closed(): boolean {
    return this.closedErr !== null;
  }

  private fail(e: Error): void {
    if (!this.closedErr) this.closedErr = e;
    for (const w of this.waiters.splice(0)) w.reject(this.closedErr);
  }

  private onData(d: Buffer): void {
    for (const ev of this.decoder.push(d)) {
      if (ev.kind === 'packet') {
        if (!this.noAck) this.socket.write('+');
        this.log.debug(`${this.name} <- ${describePacket(ev.data)}`);
        const w = this.waiters.shift();
        if (w) w.resolve(ev.data);
        else this.packets.push(ev.data);
      } else if (ev.kind === 'badChecksum') {
        if (!this.noAck) this.socket.write('-');
      } else if (ev.kind === 'nak') {
        if (this.lastSent && !this.noAck) this.socket.write(this.lastSent);
      }
    }
  }

  /** Send raw bytes (tests: junk, hand-made framing). */
  sendRaw(bytes: Uint8Array | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Send one packet without waiting for anything. */
  send(payload: string): void {
    if (this.closedErr) throw this.closedErr;
    this.log.debug(`${this.name} -> ${describePacket(payload)}`);
    this.lastSent = encodePacket(payload);
    this.socket.write(this.lastSent);
  }

  /** Ctrl-C: the stub should answer the pending resume with a stop reply. */
  interrupt(): void {
    this.socket.write(Buffer.from([0x03]));
  }

  /** Next packet from the stub (already queued or yet to come). */
  nextPacket(timeoutMs = this.timeoutMs): Promise<string> {
    const queued = this.packets.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedErr) return Promise.reject(this.closedErr);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        resolve: (p) => {
          clearTimeout(t);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new RspError(`timeout after ${timeoutMs} ms waiting for a reply`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Run `fn` exclusively (requests do not interleave). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.lock.then(fn, fn);
    this.lock = p.catch(() => undefined);
    return p;
  }

  /** Send a packet and return the reply payload (empty string = unsupported). */
  request(payload: string, timeoutMs = this.timeoutMs): Promise<string> {
    return this.exclusive(async () => {
      this.send(payload);
      return this.nextPacket(timeoutMs);
    });
  }

  /** Like {@link request} but throws {@link RspError} on `E..` and on an empty (unsupported) reply. */
  async command(payload: string, timeoutMs?: number): Promise<string> {
    const r = await this.request(payload, timeoutMs);
    if (r === '') throw new RspError(`'${describePacket(payload, 40)}' not supported by the stub`, r);
    if (/^E[0-9a-fA-F]{2}$/.test(r) || r.startsWith('E.')) throw new RspError(`'${describePacket(payload, 40)}' -> ${r}`, r);
    return r;
  }

  /**
   * qSupported handshake (with gdb 13's feature list unless given), then
   * QStartNoAckMode if the stub offers it and `noAck` is not false.
   */
  async handshake(opts: { features?: string[]; noAck?: boolean } = {}): Promise<Map<string, string>> {
    const feats = opts.features ?? [
      'multiprocess+',
      'swbreak+',
      'hwbreak+',
      'vContSupported+',
      'QThreadEvents+',
      'no-resumed+',
      'xmlRegisters=i386',
    ];
    const r = await this.command('qSupported:' + feats.join(';'));
    this.features.clear();
    for (const f of r.split(';')) {
      if (!f) continue;
      const eq = f.indexOf('=');
      if (eq >= 0) this.features.set(f.slice(0, eq), f.slice(eq + 1));
      else this.features.set(f.slice(0, -1), f.slice(-1));
    }
    if (opts.noAck !== false && this.features.get('QStartNoAckMode') === '+') await this.startNoAck();
    return this.features;
  }

  /** QStartNoAckMode; true if the stub accepted. */
  async startNoAck(): Promise<boolean> {
    const r = await this.request('QStartNoAckMode');
    if (r === 'OK') this.noAck = true;
    return this.noAck;
  }

  /** `?`: why the target is stopped. */
  async stopReason(): Promise<StopReply> {
    return this.noteStop(parseStopReply(await this.command('?')));
  }

  private noteStop(s: StopReply): StopReply {
    if (s.kind === 'signal' && s.thread !== undefined) this.lastThread = s.thread;
    return s;
  }

  /** All threads (qfThreadInfo / qsThreadInfo), as the stub spells them. */
  async threads(): Promise<string[]> {
    const out: string[] = [];
    let r = await this.command('qfThreadInfo');
    while (r.startsWith('m')) {
      out.push(...r.slice(1).split(',').filter((x) => x));
      r = await this.command('qsThreadInfo');
    }
    return out;
  }

  /** Select the thread for register access (`Hg`). */
  async selectThread(thread: string): Promise<void> {
    await this.command('Hg' + thread);
  }

  /** The `g` packet as bytes (unavailable registers `xx` read as 0). */
  async readRegisters(): Promise<Buffer> {
    const r = await this.command('g');
    return Buffer.from(r.replace(/x/g, '0'), 'hex');
  }

  /** `G`. */
  async writeRegisters(bytes: Uint8Array): Promise<void> {
    await this.command('G' + toHex(bytes));
  }

  /** `p<n>`: one register, little-endian bytes. */
  async readRegister(regnum: number): Promise<Buffer> {
    const r = await this.command('p' + regnum.toString(16));
    return Buffer.from(r.replace(/x/g, '0'), 'hex');
  }

  /** `p<n>` as an unsigned little-endian integer. */
  async readRegisterValue(regnum: number): Promise<bigint> {
    const b = await this.readRegister(regnum);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }

  /** `P<n>=...`. */
  async writeRegister(regnum: number, bytes: Uint8Array): Promise<void> {
    await this.command(`P${regnum.toString(16)}=${toHex(bytes)}`);
  }

  /** `m`, split into chunks of at most `chunk` bytes; throws on an error reply. */
  async readMemory(addr: bigint, length: number, chunk = 0x800): Promise<Buffer> {
    const parts: Buffer[] = [];
    let done = 0;
    while (done < length) {
      const n = Math.min(chunk, length - done);
      const r = await this.command(`m${(addr + BigInt(done)).toString(16)},${n.toString(16)}`);
      const b = fromHex(r);
      if (!b || b.length === 0) throw new RspError(`bad m reply '${describePacket(r, 40)}'`, r);
      parts.push(b);
      done += b.length;
    }
    return Buffer.concat(parts);
  }

  /** `M` (hex); `binary` uses `X`. */
  async writeMemory(addr: bigint, data: Uint8Array, binary = false): Promise<void> {
    const a = `${addr.toString(16)},${data.length.toString(16)}:`;
    if (binary) await this.command('X' + a + Buffer.from(data).toString('latin1'));
    else await this.command('M' + a + toHex(data));
  }

  /** `Z<type>,addr,kind` (0 sw, 1 hw, 2 write, 3 read, 4 access watchpoint). */
  async insertBreakpoint(type: number, addr: bigint, kind: number): Promise<void> {
    await this.command(`Z${type},${addr.toString(16)},${kind.toString(16)}`);
  }

  /** `z<type>,addr,kind`. */
  async removeBreakpoint(type: number, addr: bigint, kind: number): Promise<void> {
    await this.command(`z${type},${addr.toString(16)},${kind.toString(16)}`);
  }

  /**
   * Send a resume packet (`vCont;...`, `c`, `s`, `vRun;...`) and wait for the stop
   * reply, collecting `O` output. No timeout unless given: a running guest may take long.
   */
  resume(packet: string, timeoutMs = 0): Promise<StopReply> {
    return this.exclusive(async () => {
      this.send(packet);
      return this.noteStop(await this.waitStopUnlocked(timeoutMs));
    });
  }

  private async waitStopUnlocked(timeoutMs: number): Promise<StopReply> {
    for (;;) {
      const p = await this.nextPacket(timeoutMs > 0 ? timeoutMs : 0x7fffffff);
      if (p.startsWith('O') && p !== 'OK') {
        this.output += fromHex(p.slice(1))?.toString('utf8') ?? '';
        continue;
      }
      return parseStopReply(p);
    }
  }

  /** Step one instruction of `thread` (default: the last stopped thread); `others` continue (`c`) or stay. */
  step(thread?: string, others?: 'continue'): Promise<StopReply> {
    const t = thread ?? this.lastThread;
    let pkt = t === undefined ? 'vCont;s' : `vCont;s:${t}`;
    if (others === 'continue') pkt += ';c';
    return this.resume(pkt);
  }

  /** Continue all threads (`vCont;c`). */
  cont(timeoutMs = 0): Promise<StopReply> {
    return this.resume('vCont;c', timeoutMs);
  }

  /** Read a whole `qXfer:<object>:read:<annex>` object, chunk by chunk. */
  async readXfer(object: string, annex = '', chunk = 0xffb): Promise<Buffer> {
    const parts: Buffer[] = [];
    let off = 0;
    for (;;) {
      const r = await this.command(`qXfer:${object}:read:${annex}:${off.toString(16)},${chunk.toString(16)}`);
      const data = Buffer.from(r.slice(1), 'latin1');
      parts.push(data);
      off += data.length;
      if (r[0] === 'l') break;
      if (r[0] !== 'm' || data.length === 0) throw new RspError(`bad qXfer reply '${describePacket(r, 40)}'`, r);
    }
    return Buffer.concat(parts);
  }

  /** `monitor <cmd>` (qRcmd): the text the stub printed. */
  monitor(cmd: string): Promise<string> {
    return this.exclusive(async () => {
      this.send('qRcmd,' + toHex(Buffer.from(cmd, 'utf8')));
      let text = '';
      for (;;) {
        const p = await this.nextPacket();
        if (p === 'OK') return text;
        if (p === '') throw new RspError('qRcmd not supported', p);
        if (/^E[0-9a-fA-F]{2}$/.test(p)) throw new RspError(`monitor ${cmd} -> ${p}`, p);
        if (p.startsWith('O')) {
          text += fromHex(p.slice(1))?.toString('utf8') ?? '';
          continue;
        }
        return text + (fromHex(p)?.toString('utf8') ?? '');
      }
    });
  }

  /** Kill the process: `vKill;<pid>` with multiprocess, else `k` (no reply). */
  async kill(pid = 1): Promise<void> {
    if (this.features.get('multiprocess') === '+') await this.command(`vKill;${pid.toString(16)}`);
    else this.send('k');
  }

  /** Detach (`D`, or `D;<pid>` with multiprocess). */
  async detach(pid = 1): Promise<void> {
    await this.command(this.features.get('multiprocess') === '+' ? `D;${pid.toString(16)}` : 'D');
  }

  /** Close the socket. */
  close(): void {
    this.socket.destroy();
  }

  /** Resolves when the stub closes the connection. */
  waitClosed(): Promise<void> {
    if (this.socket.destroyed || this.closedErr) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }
}
