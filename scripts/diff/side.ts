/**
 * One side of a differential run: a gdb stub (qemu-user's or runlinuxd's) reached through the
 * project's RSP client (gdbstub/client.ts), plus what the runner needs on top of it: the register
 * map read from the target description (names -> regnum, `g` layout), fast step-and-read bursts,
 * and register/memory writes for resynchronisation.
 *
 * Pipelining rules (measured against qemu-riscv64 7.2, see docs/fidelity.md "Differential runner"):
 * - runlinuxd offers QStartNoAckMode and queues packets that arrive during a resume, so a whole
 *   step (`m` of the instruction, `s`, `g`, `p`...) goes out in one write.
 * - qemu 7.2 has no no-ack mode and, in user mode, feeds every byte of one 256-byte `read()` to
 *   its parser even after a resume packet: a `g` queued behind `s` would be answered with the
 *   registers from *before* the step. So qemu gets `s` alone, then one burst of reads that must
 *   fit in 256 bytes (after each reply it blocks in `get_char()` for our `+`, reading the socket
 *   directly: bytes beyond the first read would be mistaken for the ack).
 */
import { RspClient, parseStopReply, type StopReply } from '../../gdbstub/client';
import { encodePacket } from '../../gdbstub/packet';

export interface RegInfo {
  name: string;
  regnum: number;
  bits: number;
  /** Byte offset in the `g` packet, or -1 if the register is read with `p`. */
  gOffset: number;
}

/** Parse a target description (target.xml and its xi:include annexes) into registers. */
export async function readTargetDescription(c: RspClient): Promise<RegInfo[]> {
  const regs: RegInfo[] = [];
  let next = 0;
  const seen = new Set<string>();
  const visit = async (annex: string): Promise<void> => {
    if (seen.has(annex)) return;
    seen.add(annex);
    const xml = (await c.readXfer('features', annex)).toString('utf8').replace(/<!--[\s\S]*?-->/g, '');
    const re = /<xi:include\s+href="([^"]+)"\s*\/>|<reg\s+([^>]*?)\/?>/g;
    for (let m = re.exec(xml); m; m = re.exec(xml)) {
      if (m[1]) {
        await visit(m[1]);
        continue;
      }
      const attrs: Record<string, string> = {};
      for (const a of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
      const regnum = attrs['regnum'] !== undefined ? parseInt(attrs['regnum'], 10) : next;
      next = regnum + 1;
      regs.push({ name: attrs['name'] ?? `r${regnum}`, regnum, bits: parseInt(attrs['bitsize'] ?? '64', 10), gOffset: -1 });
    }
  };
  await visit('target.xml');
  return regs.sort((a, b) => a.regnum - b.regnum);
}

/** Little-endian bytes -> unsigned bigint. */
export function leValue(b: Buffer, off = 0, len = b.length - off): bigint {
  let v = 0n;
  for (let i = off + len - 1; i >= off; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

export function leBytes(v: bigint, len: number): Buffer {
  const b = Buffer.alloc(len);
  let u = BigInt.asUintN(len * 8, v);
  for (let i = 0; i < len; i++) {
    b[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return b;
}

/** The result of one step: stop reply, the `g` bytes and the `p` values asked for. */
export interface StepResult {
  stop: StopReply;
  g: Buffer | null;
  p: Map<number, Buffer>;
  /** Instruction bytes read before the step (runlinuxd side only). */
  insn: Buffer | null;
}

export class Side {
  regs: RegInfo[] = [];
  byName = new Map<string, RegInfo>();
  thread = '';
  gSize = 0;
  /** Whether several packets may be sent in one write (no-ack mode and a queueing stub). */
  pipelined = false;

  constructor(
    readonly name: string,
    readonly client: RspClient,
    /** qemu: read bursts must fit in one 256-byte read. */
    readonly burstLimit: number,
  ) {}

  static async connect(name: string, port: number, burstLimit: number, deadlineMs = 15000): Promise<Side> {
    const t0 = Date.now();
    for (;;) {
      try {
        const c = await RspClient.connect('127.0.0.1', port, { timeoutMs: 30000, name });
        return new Side(name, c, burstLimit);
      } catch (e) {
        if (Date.now() - t0 > deadlineMs) throw new Error(`${name}: cannot connect to 127.0.0.1:${port}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async init(): Promise<StopReply> {
    await this.client.handshake();
    this.pipelined = this.client.noAck;
    const stop = await this.client.stopReason();
    this.thread = stop.kind === 'signal' && stop.thread ? stop.thread : '';
    this.regs = await readTargetDescription(this.client);
    const g = await this.client.readRegisters();
    this.gSize = g.length;
    let off = 0;
    for (const r of this.regs) {
      if (off + r.bits / 8 > g.length) break;
      r.gOffset = off;
      off += r.bits / 8;
    }
    for (const r of this.regs) this.byName.set(r.name, r);
    // qemu -cpu max serves SVE z0..z31 instead of the fpu feature: v<n> is the low 128 bits of z<n>
    for (const r of this.regs) {
      const m = /^z(\d+)$/.exec(r.name);
      if (m && !this.byName.has(`v${m[1]}`) && r.bits >= 128) this.byName.set(`v${m[1]}`, { ...r, name: `v${m[1]}`, bits: 128 });
    }
    return stop;
  }

  /** Read a register by name from a `g` buffer or the `p` map. */
  value(name: string, g: Buffer | null, p: Map<number, Buffer>): Buffer | null {
    const r = this.byName.get(name);
    if (!r) return null;
    if (r.gOffset >= 0 && g) return g.subarray(r.gOffset, r.gOffset + r.bits / 8);
    const v = p.get(r.regnum);
    return v ? v.subarray(0, r.bits / 8) : null;
  }

  /** Several packets in one socket write (qemu parses one read() at a time). */
  private sendBurst(packets: string[]): void {
    if (packets.length === 1) this.client.send(packets[0]!);
    else this.client.sendRaw(Buffer.concat(packets.map((p) => encodePacket(p))));
  }

  private async collect(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await this.client.nextPacket());
    return out;
  }

  /** Send read packets in bursts and collect their replies. */
  async reads(packets: string[]): Promise<string[]> {
    const out: string[] = [];
    let i = 0;
    while (i < packets.length) {
      let bytes = 0, j = i;
      while (j < packets.length && (j === i || this.pipelined || bytes + packets[j]!.length + 4 <= this.burstLimit)) {
        bytes += packets[j]!.length + 4;
        j++;
      }
      this.sendBurst(packets.slice(i, j));
      out.push(...(await this.collect(j - i)));
      i = j;
    }
    return out;
  }

  /**
   * Step one instruction (with signal `sig` delivered if nonzero) and read `g` plus the `p`
   * registers given. `insnAddr` (pipelined sides only): read 4 bytes there before stepping.
   */
  async step(pregs: number[], sig = 0, insnAddr: bigint | null = null): Promise<StepResult> {
    // qemu 7.2 answers a plain `S` packet with an empty reply; vCont;S works on both stubs
    const stepPkt = sig ? `vCont;S${sig.toString(16).padStart(2, '0')}${this.thread ? ':' + this.thread : ''}` : 's';
    const readPkts = ['g', ...pregs.map((n) => 'p' + n.toString(16))];
    let stopRaw: string, replies: string[], insn: Buffer | null = null;
    if (this.pipelined) {
      const pre = insnAddr !== null ? [`m${insnAddr.toString(16)},4`] : [];
      this.sendBurst([...pre, stepPkt, ...readPkts]);
      const all = await this.collect(pre.length + 1 + readPkts.length);
      if (pre.length) insn = /^[0-9a-f]+$/i.test(all[0]!) ? Buffer.from(all[0]!, 'hex') : null;
      stopRaw = all[pre.length]!;
      replies = all.slice(pre.length + 1);
    } else {
      this.client.send(stepPkt);
      stopRaw = await this.client.nextPacket();
      const st = parseStopReply(stopRaw);
      if (st.kind !== 'signal') return { stop: st, g: null, p: new Map(), insn };
      replies = await this.reads(readPkts);
    }
    const stop = parseStopReply(stopRaw);
    if (stop.kind !== 'signal') return { stop, g: null, p: new Map(), insn };
    const g = Buffer.from(replies[0]!.replace(/x/g, '0'), 'hex');
    const p = new Map<number, Buffer>();
    pregs.forEach((n, i) => p.set(n, Buffer.from(replies[i + 1]!.replace(/x/g, '0'), 'hex')));
    return { stop, g, p, insn };
  }

  /**
   * Pipelined sides only: several steps in one socket write, each its step packet, `g` and its `p`
   * registers; the replies are matched in order. Steps after one that ends the process or stops
   * with a signal still run (a plain step discards the pending signal; a fault re-raises it), so
   * the caller uses the results up to the first such stop only.
   */
  async stepBatch(steps: readonly { sig: number; pregs: readonly number[] }[]): Promise<StepResult[]> {
    if (!this.pipelined) throw new Error(`${this.name}: stepBatch needs a pipelined stub`);
    const pkts: Buffer[] = [];
    let n = 0;
    for (const s of steps) {
      pkts.push(encodePacket(s.sig ? `vCont;S${s.sig.toString(16).padStart(2, '0')}${this.thread ? ':' + this.thread : ''}` : 's'));
      pkts.push(encodePacket('g'));
      for (const r of s.pregs) pkts.push(encodePacket('p' + r.toString(16)));
      n += 2 + s.pregs.length;
    }
    this.client.sendRaw(pkts.length === 1 ? pkts[0]! : Buffer.concat(pkts));
    const replies = await this.collect(n);
    const out: StepResult[] = [];
    let i = 0;
    const hexOk = (r: string): boolean => r.length > 0 && !/^E[0-9a-f]{2}$/i.test(r);
    for (const s of steps) {
      const stopRaw = replies[i++]!;
      let stop: StopReply;
      try { stop = parseStopReply(stopRaw); } catch { stop = { kind: 'terminated', signal: 0, raw: stopRaw }; }
      const gr = replies[i++]!;
      const g = stop.kind === 'signal' && hexOk(gr) ? Buffer.from(gr.replace(/x/g, '0'), 'hex') : null;
      const p = new Map<number, Buffer>();
      for (const r of s.pregs) {
        const v = replies[i++]!;
        if (hexOk(v)) p.set(r, Buffer.from(v.replace(/x/g, '0'), 'hex'));
      }
      out.push({ stop, g, p, insn: null });
    }
    return out;
  }

  /** Continue until one of the breakpoints `bps` (inserted for this run only), then read registers. */
  async runTo(bps: bigint[], pregs: number[]): Promise<StepResult> {
    for (const a of bps) await this.client.insertBreakpoint(0, a, 4);
    const stop = await this.client.resume('c');
    if (stop.kind !== 'signal') return { stop, g: null, p: new Map(), insn: null };
    for (const a of bps) await this.client.removeBreakpoint(0, a, 4);
    const r = await this.readAll(pregs);
    return { stop, g: r.g, p: r.p, insn: null };
  }

  /** Read `g` and the given `p` registers without stepping. */
  async readAll(pregs: number[]): Promise<{ g: Buffer; p: Map<number, Buffer> }> {
    const replies = await this.reads(['g', ...pregs.map((n) => 'p' + n.toString(16))]);
    const p = new Map<number, Buffer>();
    pregs.forEach((n, i) => p.set(n, Buffer.from(replies[i + 1]!.replace(/x/g, '0'), 'hex')));
    return { g: Buffer.from(replies[0]!.replace(/x/g, '0'), 'hex'), p };
  }

  async writeReg(name: string, v: bigint): Promise<void> {
    const r = this.byName.get(name);
    if (!r) throw new Error(`${this.name}: no register ${name}`);
    await this.client.writeRegister(r.regnum, leBytes(v, r.bits / 8));
  }

  /** Read memory; returns the bytes readable from `addr` (stops at the first error). */
  async readMem(addr: bigint, len: number, chunk = 0x400): Promise<Buffer> {
    const parts: Buffer[] = [];
    let done = 0;
    while (done < len) {
      const at = addr + BigInt(done);
      const toPage = Number(0x1000n - (at & 0xfffn));
      const n = Math.min(chunk, len - done, toPage);
      const r = await this.client.request(`m${at.toString(16)},${n.toString(16)}`);
      if (!/^([0-9a-f]{2})+$/i.test(r)) break;
      const b = Buffer.from(r, 'hex');
      parts.push(b);
      done += b.length;
      if (b.length < n) break;
    }
    return Buffer.concat(parts);
  }

  async writeMem(addr: bigint, data: Buffer): Promise<void> {
    for (let off = 0; off < data.length; off += 0x400) {
      await this.client.writeMemory(addr + BigInt(off), data.subarray(off, Math.min(data.length, off + 0x400)));
    }
  }
}
