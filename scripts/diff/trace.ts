/**
 * qemu's execution trace as the lockstep reference. `qemu-<arch> -singlestep -d cpu,fpu,nochain
 * -D FIFO` (qemu-user 7.2; `-singlestep` = one instruction per translation block, `nochain` = the
 * log line is printed before *every* block) writes the whole register state before every guest
 * instruction, at ~65,000 instructions/s on the build VM — 15x what its gdb stub can single-step.
 * The log goes to a named pipe: qemu blocks when the reader falls behind, so it never runs more
 * than the pipe plus {@link TraceReader}'s window ahead, and nothing touches the disk.
 *
 * What one entry holds, per arch (target/<arch>/cpu.c `*_cpu_dump_state`, user mode):
 * - riscv64: `pc`, `x0/zero`..`x31/t6`, `f0/ft0`..`f31/ft11` (raw 64-bit, NaN-boxed). No CSRs in
 *   user mode, so no `fcsr`: the runner compares it at every syscall through the gdb stub instead.
 * - aarch64: `PC`, `X00`..`X30`, `SP`, `PSTATE` (= gdb's `cpsr`), `FPCR`, `FPSR`, `Q00`..`Q31`
 *   printed `high64:low64`.
 */
import * as net from 'node:net';
import { RV_X } from './arch';

/** Where a register's hex digits sit in an entry's text (several segments: aarch64 Q = hi:lo). */
export interface Seg { off: number; digits: number }

/** How to read one arch's `-d cpu,fpu` entry. */
export interface TraceFormat {
  /** Prefix of the first line of an entry. */
  start: string;
  /** `-d` items. */
  logItems: string;
  /** Every register an entry shows (gdb target-description names). */
  names: Set<string>;
  /** Where each register's digits are (big-endian, most significant segment first). */
  locate(text: string): Map<string, Seg[]>;
}

const RV_F = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3',
  'fa4', 'fa5', 'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];

const RV_TRACE: TraceFormat = {
  start: ' pc ',
  logItems: 'cpu,fpu,nochain',
  names: new Set(['pc', ...RV_X, ...RV_F]),
  locate(text) {
    const m = new Map<string, Seg[]>();
    const re = /\b(pc|[xf]\d+)(?:\/\w+)?\s+([0-9a-f]+)/g;
    for (let r = re.exec(text); r; r = re.exec(text)) {
      const k = r[1]!;
      const name = k === 'pc' ? 'pc' : k[0] === 'x' ? RV_X[+k.slice(1)] : RV_F[+k.slice(1)];
      if (name) m.set(name, [{ off: r.index + r[0].length - r[2]!.length, digits: r[2]!.length }]);
    }
    return m;
  },
};

const A64_NAMES: Record<string, string> = { PC: 'pc', SP: 'sp', PSTATE: 'cpsr', FPCR: 'fpcr', FPSR: 'fpsr' };

const A64_TRACE: TraceFormat = {
  start: ' PC=',
  logItems: 'cpu,fpu,nochain',
  names: new Set(['pc', 'sp', 'cpsr', 'fpcr', 'fpsr', ...Array.from({ length: 31 }, (_, i) => `x${i}`), ...Array.from({ length: 32 }, (_, i) => `v${i}`)]),
  locate(text) {
    const m = new Map<string, Seg[]>();
    const re = /\b([A-Z]+)(\d*)=([0-9a-f]+)(?::([0-9a-f]+))?/g;
    for (let r = re.exec(text); r; r = re.exec(text)) {
      const [all, k, n, v, lo] = r;
      const off = r.index + k!.length + n!.length + 1;
      const segs: Seg[] = [{ off, digits: v!.length }];
      if (lo !== undefined) segs.push({ off: r.index + all!.length - lo.length, digits: lo.length });
      const name = n ? (k === 'X' ? `x${+n}` : k === 'Q' ? `v${+n}` : null) : A64_NAMES[k!] ?? null;
      if (name) m.set(name, segs);
    }
    return m;
  },
};

export function traceFormat(arch: string): TraceFormat {
  switch (arch) {
    case 'riscv64': return RV_TRACE;
    case 'aarch64': return A64_TRACE;
    default: throw new Error(`differential runner: no qemu trace format for ${arch}`);
  }
}

/** Write big-endian hex digits as `len` little-endian bytes at `off`. */
export function putHexLE(buf: Buffer, off: number, hex: string, len: number): void {
  const h = hex.length === 2 * len ? hex : hex.padStart(2 * len, '0').slice(-2 * len);
  for (let k = 0; k < len; k++) buf[off + k] = parseInt(h.slice(h.length - 2 * (k + 1), h.length - 2 * k), 16);
}

function nibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/**
 * The register layout of the first entry: qemu prints fixed-width fields, so an entry of the same
 * length has its digits at the same offsets (checked per entry; others are parsed with the regex).
 */
export interface TraceLayout { len: number; regs: Map<string, Seg[]> }

/** One trace entry: the state before the instruction at `pc` (the state after the previous one). */
export class TraceEntry {
  private parsed: Map<string, Seg[]> | null = null;
  constructor(
    readonly index: number,
    readonly pc: bigint,
    readonly text: string,
    private readonly fmt: TraceFormat,
    private readonly layout: TraceLayout,
  ) {}

  private segs(name: string): Seg[] | undefined {
    if (this.text.length === this.layout.len) return this.layout.regs.get(name);
    if (!this.parsed) this.parsed = this.fmt.locate(this.text);
    return this.parsed.get(name);
  }

  /** Big-endian hex digits of a register, undefined if the trace does not show it. */
  hex(name: string): string | undefined {
    const segs = this.segs(name);
    return segs?.map((g) => this.text.slice(g.off, g.off + g.digits)).join('');
  }

  /** Write a register as `len` little-endian bytes at `buf[off]`; false if not shown. */
  fill(name: string, buf: Buffer, off: number, len: number): boolean {
    const segs = this.segs(name);
    if (!segs) return false;
    const t = this.text;
    // digits from the least significant end, two per byte, without allocating
    let si = segs.length - 1, pos = segs[si]!.off + segs[si]!.digits;
    for (let k = 0; k < len; k++) {
      let byte = 0;
      for (let d = 0; d < 2; d++) {
        while (si >= 0 && pos <= segs[si]!.off) {
          si--;
          if (si >= 0) pos = segs[si]!.off + segs[si]!.digits;
        }
        if (si < 0) break;
        byte |= nibble(t.charCodeAt(--pos)) << (4 * d);
      }
      buf[off + k] = byte;
    }
    return true;
  }

  /** A register as `len` little-endian bytes; null if the trace does not show it. */
  bytes(name: string, len: number): Buffer | null {
    const b = Buffer.alloc(len);
    return this.fill(name, b, 0, len) ? b : null;
  }

  value(name: string): bigint | null {
    const h = this.hex(name);
    return h === undefined ? null : BigInt('0x' + h);
  }
}

/**
 * Incremental reader of a trace stream (the read end of the FIFO). Entries are numbered from 0
 * (the entry state); {@link get} waits for an entry, {@link release} drops the ones behind the
 * comparison. The stream is paused while more than {@link HIGH_WATER} entries wait, which stops
 * qemu (it blocks on the full pipe) instead of buffering its whole run.
 */
export class TraceReader {
  static readonly HIGH_WATER = 16384;
  private readonly entries: TraceEntry[] = [];
  /** Index of entries[0]. */
  private base = 0;
  /** Text not yet cut into entries (starts with an entry's first line, or is empty). */
  private carry = '';
  private layout: TraceLayout | null = null;
  private ended = false;
  private paused = false;
  private waiter: { index: number; resolve: () => void } | null = null;
  private readonly stream: net.Socket;
  private readonly marker: string;
  /** Bytes read so far. */
  bytes = 0;
  error: Error | null = null;

  constructor(fd: number, private readonly fmt: TraceFormat) {
    this.marker = '\n' + fmt.start;
    this.stream = new net.Socket({ fd, readable: true, writable: false });
    this.stream.on('data', (d: Buffer) => this.onData(d));
    this.stream.on('end', () => this.onEnd());
    this.stream.on('error', (e) => { this.error = e; this.onEnd(); });
  }

  /** Number of entries parsed so far (the next one's index). */
  get count(): number {
    return this.base + this.entries.length;
  }

  private push(text: string): void {
    if (!this.layout) this.layout = { len: text.length, regs: this.fmt.locate(text) };
    const pcSeg = (text.length === this.layout.len ? this.layout.regs : this.fmt.locate(text)).get('pc')?.[0];
    let pc = 0;
    if (pcSeg) for (let i = pcSeg.off; i < pcSeg.off + pcSeg.digits; i++) pc = pc * 16 + nibble(text.charCodeAt(i));
    this.entries.push(new TraceEntry(this.count, BigInt(pc), text, this.fmt, this.layout));
    if (!this.paused && this.entries.length > TraceReader.HIGH_WATER) {
      this.paused = true;
      this.stream.pause();
    }
  }

  private wake(): void {
    const w = this.waiter;
    if (w && (w.index < this.count || this.ended)) {
      this.waiter = null;
      w.resolve();
    }
  }

  private onData(d: Buffer): void {
    this.bytes += d.length;
    let text = this.carry + d.toString('latin1');
    if (!this.carry) {
      // skip anything before the first entry
      const first = text.startsWith(this.fmt.start) ? 0 : text.indexOf(this.marker);
      if (first < 0) { this.carry = ''; return; }
      text = first ? text.slice(first + 1) : text;
    }
    let from = 0;
    for (let next = text.indexOf(this.marker, from + 1); next >= 0; next = text.indexOf(this.marker, from + 1)) {
      this.push(text.slice(from, next + 1));
      from = next + 1;
    }
    this.carry = text.slice(from);
    this.wake();
  }

  private onEnd(): void {
    if (this.ended) return;
    if (this.carry) this.push(this.carry);
    this.carry = '';
    this.ended = true;
    this.wake();
  }

  /** Entry `i`, or null if the trace ended before it (qemu's guest ended). */
  async get(i: number): Promise<TraceEntry | null> {
    if (i < this.base) throw new Error(`trace entry ${i} already released`);
    while (i >= this.count && !this.ended) {
      if (this.paused) {
        this.paused = false;
        this.stream.resume();
      }
      await new Promise<void>((resolve) => { this.waiter = { index: i, resolve }; });
    }
    return i < this.count ? this.entries[i - this.base]! : null;
  }

  /** Already parsed entry `i` without waiting (undefined if not read yet). */
  peek(i: number): TraceEntry | null | undefined {
    if (i < this.count) return this.entries[i - this.base];
    return this.ended ? null : undefined;
  }

  /** Forget entries below `i`. */
  release(i: number): void {
    const n = Math.min(i - this.base, this.entries.length);
    if (n < 1024) return;
    this.entries.splice(0, n);
    this.base += n;
    if (this.paused && this.entries.length < TraceReader.HIGH_WATER / 2) {
      this.paused = false;
      this.stream.resume();
    }
  }

  close(): void {
    this.stream.destroy();
  }
}
