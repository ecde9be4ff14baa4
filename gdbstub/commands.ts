/**
 * RSP command handling: the stub's state and an ordered command table
 * (QEMU gdbstub's `GdbCmdParseEntry` tables: first matching prefix wins).
 *
 * GDB manual, Appendix E: E.2 "Packets", E.3 "Stop Reply Packets", E.4 "General
 * Query Packets" (qSupported, qXfer, qRcmd, QCatchSyscalls, QStartNoAckMode),
 * E.6 "Z packets" and E.9 "Multiprocess Extensions" (thread ids `p<pid>.<tid>`).
 *
 * Payloads and replies are latin1 strings (binary-safe); framing lives in packet.ts,
 * the socket in server.ts. Handlers run only while the guest is stopped (the server
 * queues packets while a resume is pending); a handler returns the reply payload, or
 * null for no reply (`k`).
 */
import { EventEmitter } from 'node:events';
import { fromHex, toHex } from './packet';
import { gdbToLinuxSignal, linuxToGdbSignal } from './signals';
import {
  BreakpointType,
  Logger,
  nullLogger,
  StopEvent,
  Target,
  TargetFileStat,
  ThreadAction,
} from './target';

/** Per-connection protocol state (reset for every new client). */
export interface ConnState {
  /** Ack mode off (QStartNoAckMode accepted); the server switches after sending the OK. */
  noAck: boolean;
  /** Features gdb announced in qSupported. */
  multiprocess: boolean;
  swbreak: boolean;
  hwbreak: boolean;
  /** `!` received: extended-remote. */
  extended: boolean;
  /** Thread selected by `Hg` (registers); undefined = the stop thread. */
  gTid: number | undefined;
  /** Thread selected by `Hc` (legacy `c`/`s`); undefined = all / the stop thread. */
  cTid: number | undefined;
  /** Close the connection once the current reply is sent (detach). */
  closeAfterReply: boolean;
  /** Host I/O (`vFile:*`): files gdb opened on the target, by descriptor. */
  files: Map<number, OpenFile>;
}

/** A file opened with `vFile:open` (read-only; contents read at open). */
export interface OpenFile {
  readonly path: string;
  readonly data: Uint8Array;
  readonly stat: TargetFileStat;
}

export function newConnState(): ConnState {
  return {
    noAck: false,
    multiprocess: false,
    swbreak: false,
    hwbreak: false,
    extended: false,
    gTid: undefined,
    cTid: undefined,
    closeAfterReply: false,
    files: new Map(),
  };
}

/** One row of the command table. */
export interface Command {
  /** Packet prefix (or the whole packet when `exact`). */
  readonly name: string;
  readonly exact?: boolean;
  /** `args` is the packet after the prefix. */
  readonly handler: (stub: GdbStub, args: string) => string | null | Promise<string | null>;
}

/** Errno-style error replies, as QEMU and gdbserver use them. */
export const E_FAULT = 'E14';
export const E_INVAL = 'E22';
export const E_FAIL = 'E01';

/** Default `PacketSize` advertised (hex 4000 = 16 KiB). */
export const DEFAULT_PACKET_SIZE = 0x4000;

/** Options of {@link GdbStub}. */
export interface StubOptions {
  logger?: Logger;
  /** `PacketSize` advertised and cap on incoming packets. */
  packetSize?: number;
}

type ThreadSel = number | 'all' | 'any' | null;

const BP_TYPES: readonly BreakpointType[] = ['sw', 'hw', 'write', 'read', 'access'];

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

function parseHexBig(s: string): bigint | null {
  return /^[0-9a-fA-F]{1,32}$/.test(s) ? BigInt('0x' + s) : null;
}

function parseHexNum(s: string): number | null {
  return /^[0-9a-fA-F]{1,8}$/.test(s) ? parseInt(s, 16) : null;
}

/** `addr,len` in hex; null if malformed. */
function parseAddrLen(s: string): { addr: bigint; len: number } | null {
  const comma = s.indexOf(',');
  if (comma < 0) return null;
  const addr = parseHexBig(s.slice(0, comma));
  const len = parseHexNum(s.slice(comma + 1));
  return addr === null || len === null ? null : { addr, len };
}

/** Parsed thread id: pid undefined when the plain (non-multiprocess) form was used. -1 = all, 0 = any. */
export interface ParsedThreadId {
  pid: number | undefined;
  tid: number;
}

/** Parse `p<pid>.<tid>`, `p<pid>`, `-1`, `0` or plain hex. */
export function parseThreadId(s: string): ParsedThreadId | null {
  const part = (x: string): number | null => (x === '-1' ? -1 : parseHexNum(x));
  if (s.startsWith('p')) {
    const dot = s.indexOf('.');
    const pid = part(dot < 0 ? s.slice(1) : s.slice(1, dot));
    const tid = dot < 0 ? -1 : part(s.slice(dot + 1));
    return pid === null || tid === null ? null : { pid, tid };
  }
  const tid = part(s);
  return tid === null ? null : { pid: undefined, tid };
}

/**
 * The stub: protocol state that outlives a connection (last stop, inserted
 * breakpoints) plus per-connection {@link ConnState}. Events: `resume`, `stop`
 * (StopEvent), `detach`, `kill`, `restart`.
 */
export class GdbStub extends EventEmitter {
  readonly log: Logger;
  readonly packetSize: number;
  conn: ConnState = newConnState();
  /** What `?` reports; initially SIGTRAP on the main thread (stopped before the first instruction). */
  lastStop: StopEvent;
  /** A resume is pending (the server forwards Ctrl-C to the target). */
  running = false;
  /** `D` was handled: the guest runs free, no new client may attach. */
  detached = false;
  /** Ctrl-C arrived while the resume packet was still queued: apply it once the resume starts. */
  interruptPending = false;
  private runPromise: Promise<unknown> | null = null;
  /** Breakpoints/watchpoints inserted through this stub, to clean up after a lost client. */
  private readonly inserted = new Map<string, { type: BreakpointType; addr: bigint; len: number }>();

  constructor(
    readonly target: Target,
    opts: StubOptions = {},
    readonly commands: readonly Command[] = COMMANDS,
  ) {
    super();
    this.log = opts.logger ?? nullLogger;
    this.packetSize = opts.packetSize ?? DEFAULT_PACKET_SIZE;
    this.lastStop = { kind: 'signal', signal: 5, tid: target.threads()[0] ?? 1 };
  }

  /** Dispatch one packet through the command table; unknown packets get an empty reply. */
  async handle(packet: string): Promise<string | null> {
    for (const c of this.commands) {
      if (c.exact ? packet === c.name : packet.startsWith(c.name)) {
        return await c.handler(this, packet.slice(c.name.length));
      }
    }
    return '';
  }

  /** Forward Ctrl-C to the target if it is running. */
  interrupt(): void {
    if (this.running) this.target.interrupt();
    else this.interruptPending = true;
  }

  /** A new client connected. */
  connected(): void {
    this.conn = newConnState();
  }

  /**
   * The client went away (without D/k): stop the guest if it runs, drop the
   * breakpoints it left behind and syscall catching, keep the guest halted.
   */
  async disconnected(): Promise<void> {
    if (this.running) {
      this.target.interrupt();
      await this.runPromise?.catch(() => undefined);
    }
    this.clearInserted();
    if (this.alive) this.target.setCatchSyscalls?.(null);
  }

  /** The process exists (has not exited or been killed). */
  get alive(): boolean {
    return this.lastStop.kind === 'signal';
  }

  /** Thread the register commands act on. */
  currentTid(): number {
    const threads = this.target.threads();
    const g = this.conn.gTid;
    if (g !== undefined && threads.includes(g)) return g;
    const s = this.lastStop;
    if (s.kind === 'signal' && threads.includes(s.tid)) return s.tid;
    return threads[0] ?? 1;
  }

  /** Thread id as gdb wants it: `p<pid>.<tid>` with multiprocess, else plain hex. */
  formatThread(tid: number): string {
    return this.conn.multiprocess
      ? `p${this.target.pid.toString(16)}.${tid.toString(16)}`
      : tid.toString(16);
  }

  /** Resolve a thread id against the live threads. null = no such thread. */
  resolveThread(s: string): ThreadSel {
    const id = parseThreadId(s);
    if (!id) return null;
    if (id.pid !== undefined && id.pid !== -1 && id.pid !== 0 && id.pid !== this.target.pid) return null;
    if (id.tid === -1) return 'all';
    if (id.tid === 0) return 'any';
    return this.target.threads().includes(id.tid) ? id.tid : null;
  }

  /** E.3 stop reply for an event. */
  formatStop(ev: StopEvent): string {
    const proc = this.conn.multiprocess ? `;process:${this.target.pid.toString(16)}` : '';
    switch (ev.kind) {
      case 'exited':
        return 'W' + hex2(ev.code) + proc;
      case 'terminated':
        return 'X' + hex2(linuxToGdbSignal(ev.signal)) + proc;
      case 'signal': {
        let r = 'T' + hex2(linuxToGdbSignal(ev.signal));
        const why = ev.reason;
        if (why) {
          switch (why.kind) {
            case 'swbreak':
              if (this.conn.swbreak) r += 'swbreak:;';
              break;
            case 'hwbreak':
              if (this.conn.hwbreak) r += 'hwbreak:;';
              break;
            case 'watch': {
              const key = why.type === 'write' ? 'watch' : why.type === 'read' ? 'rwatch' : 'awatch';
              r += `${key}:${why.addr.toString(16)};`;
              break;
            }
            case 'syscall_entry':
            case 'syscall_return':
              r += `${why.kind}:${why.nr.toString(16)};`;
              break;
          }
        }
        return r + 'thread:' + this.formatThread(ev.tid) + ';';
      }
    }
  }

  /** Resume with explicit per-thread actions and answer with the stop reply. */
  async resume(actions: ThreadAction[]): Promise<string> {
    if (!this.alive) return E_FAIL;
    if (actions.length === 0) return E_INVAL;
    this.running = true;
    this.emit('resume', actions);
    let ev: StopEvent;
    const p = this.target.resume(actions);
    this.runPromise = p;
    if (this.interruptPending) {
      this.interruptPending = false;
      this.target.interrupt();
    }
    try {
      ev = await p;
    } catch (e) {
      this.log.error(`gdbstub: target.resume failed: ${(e as Error).message}`);
      return E_FAIL;
    } finally {
      this.running = false;
      this.runPromise = null;
    }
    this.recordStop(ev);
    return this.formatStop(ev);
  }

  /** Remember a stop: `?` reports it; register commands default to its thread. */
  recordStop(ev: StopEvent): void {
    this.lastStop = ev;
    this.conn.gTid = undefined;
    if (!this.alive) this.inserted.clear();
    this.emit('stop', ev);
  }

  /** Resolve vCont-style actions to one action per live thread (first match wins). */
  resolveActions(list: { act: 'c' | 's' | 't'; sig: number; thread: string | undefined }[]): ThreadAction[] | null {
    const threads = this.target.threads();
    const cur = this.currentTid();
    const sel: ThreadSel[] = [];
    for (const a of list) {
      const s = a.thread === undefined ? 'all' : this.resolveThread(a.thread);
      if (s === null) return null;
      sel.push(s);
    }
    const out: ThreadAction[] = [];
    for (const tid of threads) {
      const i = sel.findIndex((s) => s === 'all' || s === tid || (s === 'any' && tid === cur));
      const a = i >= 0 ? list[i]! : undefined;
      if (!a || a.act === 't') continue;
      out.push({ tid, step: a.act === 's', signal: gdbToLinuxSignal(a.sig) });
    }
    return out;
  }

  insert(type: BreakpointType, addr: bigint, len: number): boolean {
    if (!this.target.insertBreakpoint(type, addr, len)) return false;
    this.inserted.set(`${type}:${addr}:${len}`, { type, addr, len });
    return true;
  }

  remove(type: BreakpointType, addr: bigint, len: number): void {
    this.inserted.delete(`${type}:${addr}:${len}`);
    this.target.removeBreakpoint(type, addr, len);
  }

  /** Remove every breakpoint/watchpoint this stub inserted. */
  clearInserted(): void {
    if (this.alive) for (const b of this.inserted.values()) this.target.removeBreakpoint(b.type, b.addr, b.len);
    this.inserted.clear();
  }

  /** Register size by gdb number; 0 if no such register. */
  regSize(n: number): number {
    return this.target.arch.regSizes[n] ?? 0;
  }
}

/** `qXfer:<object>:read` reply for `data` at `off,len` (`m` = more, `l` = last). */
function xferChunk(data: string | null | undefined, args: string): string {
  if (data === null || data === undefined) return 'E00';
  const al = parseAddrLen(args);
  if (!al) return E_INVAL;
  const off = Number(al.addr);
  if (off >= data.length) return 'l';
  const chunk = data.slice(off, off + al.len);
  return (off + chunk.length >= data.length ? 'l' : 'm') + chunk;
}

/** Split `annex:off,len`. */
function splitAnnex(args: string): { annex: string; rest: string } {
  const i = args.lastIndexOf(':');
  return i < 0 ? { annex: '', rest: args } : { annex: args.slice(0, i), rest: args.slice(i + 1) };
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `c`/`s`/`C`/`S` (legacy, all-stop): act on the Hc thread (or the stop thread); the others continue. */
async function legacyResume(s: GdbStub, step: boolean, sig: number): Promise<string> {
  const cur = s.conn.cTid !== undefined && s.target.threads().includes(s.conn.cTid) ? s.conn.cTid : s.currentTid();
  const actions = s.target
    .threads()
    .map((tid) => ({ tid, step: step && tid === cur, signal: tid === cur ? gdbToLinuxSignal(sig) : 0 }));
  return s.resume(actions);
}

function parseZ(args: string): { type: BreakpointType; addr: bigint; len: number } | null | 'unsupported' {
  // <type>,<addr>,<kind>[;cond...]
  const body = args.split(';')[0]!;
  const parts = body.split(',');
  if (parts.length !== 3) return null;
  const t = parseHexNum(parts[0]!);
  const addr = parseHexBig(parts[1]!);
  const len = parseHexNum(parts[2]!);
  if (t === null || addr === null || len === null) return null;
  const type = BP_TYPES[t];
  return type ? { type, addr, len } : 'unsupported';
}

/** GDB File-I/O errno values (E.13.6 "Errno Values"), which is what `F-1,errno` carries. */
const FIO = { EPERM: 1, ENOENT: 2, EBADF: 9, EACCES: 13, EISDIR: 21, EINVAL: 22, EMFILE: 24, EROFS: 30, ENOSYS: 88 } as const;
/** File-I/O open flags that ask for writing (O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_TRUNC, O_EXCL). */
const FIO_WRITE_FLAGS = 0x1 | 0x2 | 0x8 | 0x200 | 0x400 | 0x800;
const MAX_OPEN_FILES = 64;

function fioErr(errno: number): string {
  return `F-1,${errno.toString(16)}`;
}

/** Split vFile arguments (`a,b,c`), each hex; null if any is malformed or the count differs. */
function vfileArgs(args: string, n: number): number[] | null {
  const parts = args.split(',');
  if (parts.length !== n) return null;
  const out = parts.map((p) => (/^[0-9a-fA-F]{1,12}$/.test(p) ? parseInt(p, 16) : NaN));
  return out.some((v) => Number.isNaN(v)) ? null : out;
}

function vfilePath(hex: string): string | null {
  const b = fromHex(hex);
  if (!b || b.length === 0 || b.includes(0)) return null;
  return b.toString('utf8');
}

/** The File-I/O `struct stat` (64 bytes, big-endian) of E.13.7 "Protocol-specific Representation". */
function fioStat(st: TargetFileStat): string {
  const b = Buffer.alloc(64);
  const perm = st.perm ?? (st.isDir ? 0o755 : 0o644);
  b.writeUInt32BE(0, 0); // st_dev
  b.writeUInt32BE(0, 4); // st_ino
  b.writeUInt32BE((st.isDir ? 0o040000 : 0o100000) | (perm & 0o7777), 8); // st_mode
  b.writeUInt32BE(1, 12); // st_nlink
  b.writeUInt32BE(0, 16); // st_uid
  b.writeUInt32BE(0, 20); // st_gid
  b.writeUInt32BE(0, 24); // st_rdev
  b.writeBigUInt64BE(BigInt(st.size), 28); // st_size
  b.writeBigUInt64BE(4096n, 36); // st_blksize
  b.writeBigUInt64BE(BigInt(Math.ceil(st.size / 512)), 44); // st_blocks
  const secs = (ms: number | undefined): number => Math.max(0, Math.min(0xffffffff, Math.floor((ms ?? 0) / 1000)));
  b.writeUInt32BE(secs(st.atimeMs), 52);
  b.writeUInt32BE(secs(st.mtimeMs), 56);
  b.writeUInt32BE(secs(st.ctimeMs), 60);
  return b.toString('latin1');
}

/** Escaped length of one byte in a packet body. */
function escapedLen(c: number): number {
  return c === 0x23 || c === 0x24 || c === 0x7d || c === 0x2a ? 2 : 1;
}

/**
 * `vFile:*`. Read-only: the files are the guest's (the target's {@link Target.readFile});
 * writes, unlink and symlinks are refused with File-I/O errnos. Unknown vFile operations get
 * the empty reply like every unknown packet.
 */
const VFILE_COMMANDS: readonly Command[] = [
  {
    name: 'vFile:setfs:',
    handler: (s, args) => {
      if (!s.target.readFile) return '';
      const pid = parseHexNum(args);
      if (pid === null) return fioErr(FIO.EINVAL);
      // 0 = the stub's own file system; the process's is the same (one mount namespace)
      return pid === 0 || pid === s.target.pid ? 'F0' : fioErr(FIO.ENOSYS);
    },
  },
  {
    name: 'vFile:open:',
    handler: (s, args) => {
      const t = s.target;
      if (!t.readFile) return '';
      const parts = args.split(',');
      if (parts.length !== 3) return fioErr(FIO.EINVAL);
      const path = vfilePath(parts[0]!);
      const fm = vfileArgs(parts.slice(1).join(','), 2);
      if (path === null || !fm) return fioErr(FIO.EINVAL);
      if (fm[0]! & FIO_WRITE_FLAGS) return fioErr(FIO.EROFS);
      if (!path.startsWith('/')) return fioErr(FIO.ENOENT);
      if (s.conn.files.size >= MAX_OPEN_FILES) return fioErr(FIO.EMFILE);
      let stat: TargetFileStat | null;
      let data: Uint8Array | null;
      try {
        stat = t.statFile ? t.statFile(path) : null;
        if (stat?.isDir) return fioErr(FIO.EISDIR);
        data = t.readFile(path);
      } catch (e) {
        s.log.warn(`gdbstub: vFile:open ${path}: ${(e as Error).message}`);
        return fioErr(FIO.EACCES);
      }
      if (!data) return fioErr(FIO.ENOENT);
      let fd = 3;
      while (s.conn.files.has(fd)) fd++;
      s.conn.files.set(fd, { path, data, stat: stat ?? { size: data.length, isDir: false } });
      s.log.debug(`gdbstub: vFile:open ${path} -> fd ${fd} (${data.length} bytes)`);
      return 'F' + fd.toString(16);
    },
  },
  {
    name: 'vFile:pread:',
    handler: (s, args) => {
      const a = vfileArgs(args, 3);
      if (!a) return fioErr(FIO.EINVAL);
      const f = s.conn.files.get(a[0]!);
      if (!f) return fioErr(FIO.EBADF);
      const [, count, offset] = a as [number, number, number];
      if (offset >= f.data.length || count === 0) return 'F0;';
      // the escaped reply must fit in PacketSize (with room for "F<count>;" and framing)
      const budget = Math.max(1, s.packetSize - 32);
      const end = Math.min(f.data.length, offset + count);
      let n = 0, used = 0;
      while (offset + n < end) {
        const w = escapedLen(f.data[offset + n]!);
        if (used + w > budget) break;
        used += w;
        n++;
      }
      const chunk = Buffer.from(f.data.buffer, f.data.byteOffset + offset, n).toString('latin1');
      return `F${n.toString(16)};${chunk}`;
    },
  },
  {
    name: 'vFile:pwrite:',
    // every descriptor is read-only (and an unknown one is bad too)
    handler: (s) => (s.target.readFile ? fioErr(FIO.EBADF) : ''),
  },
  {
    name: 'vFile:close:',
    handler: (s, args) => {
      const fd = parseHexNum(args);
      return fd !== null && s.conn.files.delete(fd) ? 'F0' : fioErr(FIO.EBADF);
    },
  },
  {
    name: 'vFile:fstat:',
    handler: (s, args) => {
      const fd = parseHexNum(args);
      const f = fd === null ? undefined : s.conn.files.get(fd);
      if (!f) return fioErr(FIO.EBADF);
      return `F40;${fioStat(f.stat)}`;
    },
  },
  {
    name: 'vFile:stat:',
    handler: (s, args) => {
      const t = s.target;
      if (!t.readFile) return '';
      const path = vfilePath(args);
      if (path === null) return fioErr(FIO.EINVAL);
      let st: TargetFileStat | null = null;
      try {
        if (t.statFile) st = t.statFile(path);
        else {
          const d = t.readFile(path);
          st = d ? { size: d.length, isDir: false } : null;
        }
      } catch {
        return fioErr(FIO.EACCES);
      }
      return st ? `F40;${fioStat(st)}` : fioErr(FIO.ENOENT);
    },
  },
  {
    name: 'vFile:unlink:',
    handler: (s) => (s.target.readFile ? fioErr(FIO.EROFS) : ''),
  },
  {
    name: 'vFile:readlink:',
    handler: (s, args) => {
      const t = s.target;
      if (!t.readFile) return '';
      const path = vfilePath(args);
      if (path === null) return fioErr(FIO.EINVAL);
      // FAT32 has no symlinks: an existing file is "not a link" (EINVAL), else ENOENT
      let exists = false;
      try {
        exists = t.statFile ? t.statFile(path) !== null : t.readFile(path) !== null;
      } catch {
        exists = false;
      }
      return fioErr(exists ? FIO.EINVAL : FIO.ENOENT);
    },
  },
];

function ok(b: boolean, err = E_FAULT): string {
  return b ? 'OK' : err;
}

/** vKill and k: kill a live guest (forgetting the breakpoints we inserted) and report it. */
function killTarget(s: GdbStub): void {
  if (s.alive) {
    s.clearInserted();
    s.target.kill();
    s.recordStop({ kind: 'terminated', signal: 9 });
  }
  s.emit('kill');
}

/** The command table, in match order (longer / more specific names first where prefixes collide). */
export const COMMANDS: readonly Command[] = [
  {
    name: 'qSupported',
    handler: (s, args) => {
      const theirs = args.startsWith(':') ? args.slice(1).split(';') : [];
      const has = (f: string): boolean => theirs.includes(f + '+');
      s.conn.multiprocess = has('multiprocess');
      s.conn.swbreak = has('swbreak');
      s.conn.hwbreak = has('hwbreak');
      const t = s.target;
      const feats = [
        `PacketSize=${s.packetSize.toString(16)}`,
        'QStartNoAckMode+',
        'qXfer:features:read+',
      ];
      if (t.auxv) feats.push('qXfer:auxv:read+');
      if (t.execFile) feats.push('qXfer:exec-file:read+');
      feats.push('qXfer:threads:read+', 'vContSupported+');
      if (s.conn.swbreak) feats.push('swbreak+');
      if (s.conn.hwbreak) feats.push('hwbreak+');
      if (t.setCatchSyscalls) feats.push('QCatchSyscalls+');
      if (s.conn.multiprocess) feats.push('multiprocess+');
      return feats.join(';');
    },
  },
  {
    name: 'QStartNoAckMode',
    exact: true,
    handler: (s) => {
      s.conn.noAck = true;
      return 'OK';
    },
  },
  { name: 'vMustReplyEmpty', exact: true, handler: () => '' },
  { name: '?', exact: true, handler: (s) => s.formatStop(s.lastStop) },
  {
    name: '!',
    exact: true,
    handler: (s) => {
      s.conn.extended = true;
      return 'OK';
    },
  },

  // ---- registers (E.2 g, G, p, P) ----
  {
    name: 'g',
    exact: true,
    handler: (s) => {
      if (!s.alive) return E_FAIL;
      const tid = s.currentTid();
      let out = '';
      for (const r of s.target.arch.gRegs) {
        const size = s.regSize(r);
        const v = s.target.readRegister(tid, r);
        out += v && v.length === size ? toHex(v) : 'xx'.repeat(size);
      }
      return out;
    },
  },
  {
    name: 'G',
    handler: (s, args) => {
      if (!s.alive) return E_FAIL;
      const bytes = fromHex(args);
      const regs = s.target.arch.gRegs;
      const total = regs.reduce((n, r) => n + s.regSize(r), 0);
      if (!bytes || bytes.length !== total) return E_INVAL;
      const tid = s.currentTid();
      let off = 0;
      let good = true;
      for (const r of regs) {
        const size = s.regSize(r);
        good = s.target.writeRegister(tid, r, bytes.subarray(off, off + size)) && good;
        off += size;
      }
      return ok(good);
    },
  },
  {
    name: 'p',
    handler: (s, args) => {
      const n = parseHexNum(args);
      if (n === null) return E_INVAL;
      const size = s.regSize(n);
      if (!size || !s.alive) return E_FAULT;
      const v = s.target.readRegister(s.currentTid(), n);
      return v && v.length === size ? toHex(v) : 'xx'.repeat(size);
    },
  },
  {
    name: 'P',
    handler: (s, args) => {
      const eq = args.indexOf('=');
      const n = eq < 0 ? null : parseHexNum(args.slice(0, eq));
      const bytes = eq < 0 ? null : fromHex(args.slice(eq + 1));
      if (n === null || !bytes) return E_INVAL;
      const size = s.regSize(n);
      if (!size || !s.alive) return E_FAULT;
      if (bytes.length !== size) return E_INVAL;
      return ok(s.target.writeRegister(s.currentTid(), n, bytes));
    },
  },

  // ---- memory (E.2 m, M, X) ----
  {
    name: 'm',
    handler: (s, args) => {
      const al = parseAddrLen(args);
      if (!al) return E_INVAL;
      if (!s.alive) return E_FAULT;
      if (al.len === 0) return '';
      const len = Math.min(al.len, s.packetSize);
      const data = s.target.readMemory(al.addr, len);
      return data && data.length > 0 ? toHex(data.subarray(0, len)) : E_FAULT;
    },
  },
  {
    name: 'M',
    handler: (s, args) => {
      const colon = args.indexOf(':');
      const al = colon < 0 ? null : parseAddrLen(args.slice(0, colon));
      const bytes = colon < 0 ? null : fromHex(args.slice(colon + 1));
      if (!al || !bytes || bytes.length !== al.len) return E_INVAL;
      if (!s.alive) return E_FAULT;
      if (al.len === 0) return 'OK';
      return ok(s.target.writeMemory(al.addr, bytes));
    },
  },
  {
    name: 'X',
    handler: (s, args) => {
      const colon = args.indexOf(':');
      const al = colon < 0 ? null : parseAddrLen(args.slice(0, colon));
      if (!al) return E_INVAL;
      const data = Buffer.from(args.slice(colon + 1), 'latin1');
      if (data.length !== al.len) return E_INVAL;
      if (al.len === 0) return 'OK'; // gdb's probe for X support
      if (!s.alive) return E_FAULT;
      return ok(s.target.writeMemory(al.addr, data));
    },
  },

  // ---- breakpoints (E.6) ----
  {
    name: 'Z',
    handler: (s, args) => {
      const z = parseZ(args);
      if (z === 'unsupported') return '';
      if (!z) return E_INVAL;
      if (!s.alive) return E_FAIL;
      return ok(s.insert(z.type, z.addr, z.len), E_INVAL);
    },
  },
  {
    name: 'z',
    handler: (s, args) => {
      const z = parseZ(args);
      if (z === 'unsupported') return '';
      if (!z) return E_INVAL;
      if (s.alive) s.remove(z.type, z.addr, z.len);
      return 'OK';
    },
  },

  // ---- execution ----
  { name: 'vCont?', exact: true, handler: () => 'vCont;c;C;s;S;t' },
  {
    name: 'vCont;',
    handler: async (s, args) => {
      const list: { act: 'c' | 's' | 't'; sig: number; thread: string | undefined }[] = [];
      for (const item of args.split(';')) {
        const colon = item.indexOf(':');
        const a = colon < 0 ? item : item.slice(0, colon);
        const thread = colon < 0 ? undefined : item.slice(colon + 1);
        const op = a[0];
        if (op === 'c' || op === 's' || op === 't') {
          if (a.length !== 1) return E_INVAL;
          list.push({ act: op, sig: 0, thread });
        } else if (op === 'C' || op === 'S') {
          const sig = parseHexNum(a.slice(1));
          if (sig === null) return E_INVAL;
          list.push({ act: op === 'C' ? 'c' : 's', sig, thread });
        } else {
          return E_INVAL;
        }
      }
      const actions = s.resolveActions(list);
      if (!actions) return E_INVAL;
      return s.resume(actions);
    },
  },
  { name: 'vCont', exact: true, handler: () => E_INVAL },
  {
    name: 'c',
    handler: (s, args) => {
      if (args) s.log.warn('gdbstub: ignoring resume address in c packet');
      return legacyResume(s, false, 0);
    },
  },
  {
    name: 's',
    handler: (s, args) => {
      if (args) s.log.warn('gdbstub: ignoring resume address in s packet');
      return legacyResume(s, true, 0);
    },
  },
  {
    name: 'C',
    handler: (s, args) => {
      const sig = parseHexNum(args.split(';')[0]!);
      return sig === null ? E_INVAL : legacyResume(s, false, sig);
    },
  },
  {
    name: 'S',
    handler: (s, args) => {
      const sig = parseHexNum(args.split(';')[0]!);
      return sig === null ? E_INVAL : legacyResume(s, true, sig);
    },
  },

  // ---- threads ----
  {
    name: 'H',
    handler: (s, args) => {
      const op = args[0];
      if (op !== 'g' && op !== 'c') return E_INVAL;
      const t = s.resolveThread(args.slice(1));
      if (t === null) return E_INVAL;
      const tid = typeof t === 'number' ? t : undefined;
      if (op === 'g') s.conn.gTid = tid;
      else s.conn.cTid = tid;
      return 'OK';
    },
  },
  {
    name: 'T',
    handler: (s, args) => {
      const t = s.resolveThread(args);
      return s.alive && typeof t === 'number' ? 'OK' : E_INVAL;
    },
  },
  { name: 'qC', exact: true, handler: (s) => 'QC' + s.formatThread(s.currentTid()) },
  { name: 'qAttached', handler: () => '0' },
  {
    name: 'qfThreadInfo',
    exact: true,
    handler: (s) => (s.alive ? 'm' + s.target.threads().map((t) => s.formatThread(t)).join(',') : 'l'),
  },
  { name: 'qsThreadInfo', exact: true, handler: () => 'l' },

  // ---- qXfer (E.4) ----
  {
    name: 'qXfer:features:read:',
    handler: (s, args) => {
      const { annex, rest } = splitAnnex(args);
      return xferChunk(s.target.arch.targetXml[annex], rest);
    },
  },
  {
    name: 'qXfer:auxv:read:',
    handler: (s, args) => {
      if (!s.target.auxv) return '';
      const { annex, rest } = splitAnnex(args);
      if (annex !== '') return 'E00';
      const a = s.alive ? s.target.auxv() : null;
      return xferChunk(a ? Buffer.from(a).toString('latin1') : null, rest);
    },
  },
  {
    name: 'qXfer:exec-file:read:',
    handler: (s, args) => {
      if (!s.target.execFile) return '';
      const { annex, rest } = splitAnnex(args);
      if (annex !== '' && parseHexNum(annex) !== s.target.pid) return 'E00';
      const f = s.target.execFile();
      return xferChunk(f === null ? null : Buffer.from(f, 'utf8').toString('latin1'), rest);
    },
  },
  {
    name: 'qXfer:threads:read:',
    handler: (s, args) => {
      const { annex, rest } = splitAnnex(args);
      if (annex !== '') return 'E00';
      let xml = '<?xml version="1.0"?>\n<threads>\n';
      if (s.alive) {
        for (const t of s.target.threads()) {
          const name = s.target.threadName?.(t);
          xml += `<thread id="${s.formatThread(t)}" core="0"${name ? ` name="${xmlEscape(name)}"` : ''}/>\n`;
        }
      }
      xml += '</threads>\n';
      return xferChunk(Buffer.from(xml, 'utf8').toString('latin1'), rest);
    },
  },

  // ---- monitor, syscall catching ----
  {
    name: 'qRcmd,',
    handler: async (s, args) => {
      if (!s.target.monitor) return '';
      const cmd = fromHex(args);
      if (!cmd) return E_INVAL;
      let text: string;
      try {
        text = await s.target.monitor(cmd.toString('utf8'));
      } catch (e) {
        text = `error: ${(e as Error).message}`;
      }
      if (text === '') return 'OK';
      if (!text.endsWith('\n')) text += '\n';
      return toHex(Buffer.from(text, 'utf8'));
    },
  },
  {
    name: 'QCatchSyscalls:',
    handler: (s, args) => {
      if (!s.target.setCatchSyscalls) return '';
      const parts = args.split(';');
      let which: null | 'all' | number[];
      if (parts[0] === '0' && parts.length === 1) which = null;
      else if (parts[0] === '1' && parts.length === 1) which = 'all';
      else if (parts[0] === '1') {
        const nrs = parts.slice(1).map(parseHexNum);
        if (nrs.some((n) => n === null)) return E_INVAL;
        which = nrs as number[];
      } else return E_INVAL;
      return ok(s.target.setCatchSyscalls(which), E_INVAL);
    },
  },

  // ---- process lifecycle ----
  {
    name: 'vKill;',
    handler: (s) => { killTarget(s); return 'OK'; },
  },
  {
    name: 'k',
    exact: true,
    handler: (s) => { killTarget(s); return null; },
  },
  {
    name: 'D',
    handler: (s) => {
      s.clearInserted();
      if (s.alive) {
        s.target.setCatchSyscalls?.(null);
        s.target.detach();
      }
      s.detached = true;
      s.conn.closeAfterReply = true;
      s.emit('detach');
      return 'OK';
    },
  },
  {
    name: 'vRun;',
    handler: async (s, args) => {
      if (!s.target.restart) return '';
      const argv: string[] = [];
      for (const h of args.split(';')) {
        const b = fromHex(h);
        if (!b) return E_INVAL;
        argv.push(b.toString('utf8'));
      }
      while (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
      s.clearInserted();
      try {
        await s.target.restart(argv);
      } catch (e) {
        s.log.error(`gdbstub: restart failed: ${(e as Error).message}`);
        return E_FAIL;
      }
      s.recordStop({ kind: 'signal', signal: 5, tid: s.target.threads()[0] ?? 1 });
      s.emit('restart', argv);
      return s.formatStop(s.lastStop);
    },
  },

  // ---- host I/O (E.7 "Host I/O Packets"): gdb reads files from the target ----
  ...VFILE_COMMANDS,

  // ---- queries gdb asks at connect ----
  { name: 'qSymbol:', handler: () => 'OK' },
];
