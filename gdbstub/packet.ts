/**
 * GDB Remote Serial Protocol framing — pure, no I/O.
 *
 * GDB manual, Appendix E "Remote Serial Protocol": E.1 Overview (packets
 * `$data#cs`, acks `+`/`-`, escapes `}`, run-length `*`), E.11 "Interrupts"
 * (a bare 0x03 byte), E.12 "Packet Acknowledgment" (no-ack mode).
 *
 * The decoder is QEMU gdbstub's explicit state machine (RS_IDLE, RS_GETLINE,
 * RS_GETLINE_ESC, RS_GETLINE_RLE, RS_CHKSUM1, RS_CHKSUM2). It consumes bytes in
 * arbitrary chunks and yields events; the caller decides what to answer (the
 * server NAKs bad checksums, the client ignores them). Escapes (`}` x^0x20) and
 * run-length encoding (`*` n+29) are undone for every packet, so binary `X`
 * and `vFile:pwrite` payloads arrive raw; the checksum covers the bytes as sent.
 *
 * Payloads are handled as latin1 strings: one char per byte, binary-safe.
 */

/** Something the decoder recognised in the byte stream. */
export type RspEvent =
  /** A complete packet with a good checksum (unescaped, RLE expanded). */
  | { kind: 'packet'; data: string }
  /** A complete packet whose checksum did not match (answer `-` in ack mode). */
  | { kind: 'badChecksum'; data: string; expected: number; got: number }
  /** A packet longer than the cap; it was dropped, the decoder resynchronises at the next `$`. */
  | { kind: 'overflow' }
  /** `+` outside a packet. */
  | { kind: 'ack' }
  /** `-` outside a packet: resend the last packet. */
  | { kind: 'nak' }
  /** 0x03 outside a packet: Ctrl-C. */
  | { kind: 'interrupt' };

/** QEMU gdbstub's RSState. */
const enum RS {
  IDLE,
  GETLINE,
  GETLINE_ESC,
  GETLINE_RLE,
  CHKSUM1,
  CHKSUM2,
}

/** Default cap on a decoded packet, in bytes. */
export const DEFAULT_MAX_PACKET = 0x20000;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Incremental RSP decoder: `push(bytes)` returns the events completed by those bytes.
 * Never throws on any input.
 */
export class PacketDecoder {
  private state: RS = RS.IDLE;
  private buf: number[] = [];
  private sum = 0;
  private csHi = 0;
  private overflowed = false;

  /** @param maxPacket cap on the decoded payload length; longer packets yield `overflow`. */
  constructor(readonly maxPacket: number = DEFAULT_MAX_PACKET) {}

  /** Feed bytes; returns the events they complete, in order. */
  push(chunk: Uint8Array | string): RspEvent[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    const out: RspEvent[] = [];
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i]!, out);
    return out;
  }

  /** True while in the middle of a packet. */
  get busy(): boolean {
    return this.state !== RS.IDLE;
  }

  private startPacket(): void {
    this.state = RS.GETLINE;
    this.buf = [];
    this.sum = 0;
    this.overflowed = false;
  }

  private append(c: number): void {
    if (this.buf.length >= this.maxPacket) this.overflowed = true;
    else this.buf.push(c);
  }

  private byte(c: number, out: RspEvent[]): void {
    switch (this.state) {
      case RS.IDLE:
        if (c === 0x24 /* $ */) this.startPacket();
        else if (c === 0x2b /* + */) out.push({ kind: 'ack' });
        else if (c === 0x2d /* - */) out.push({ kind: 'nak' });
        else if (c === 0x03) out.push({ kind: 'interrupt' });
        // anything else between packets is junk: ignored
        return;
      case RS.GETLINE:
        if (c === 0x23 /* # */) {
          this.state = RS.CHKSUM1;
        } else if (c === 0x24 /* $ */) {
          // an unescaped '$' never occurs inside a packet: the previous one was truncated
          this.startPacket();
        } else if (c === 0x7d /* } */) {
          this.sum = (this.sum + c) & 0xff;
          this.state = RS.GETLINE_ESC;
        } else if (c === 0x2a /* * */) {
          this.sum = (this.sum + c) & 0xff;
          this.state = RS.GETLINE_RLE;
        } else {
          this.sum = (this.sum + c) & 0xff;
          this.append(c);
        }
        return;
      case RS.GETLINE_ESC:
        this.sum = (this.sum + c) & 0xff;
        this.append(c ^ 0x20);
        this.state = RS.GETLINE;
        return;
      case RS.GETLINE_RLE: {
        // repeat count: the character's value minus 29 more copies of the previous byte
        this.sum = (this.sum + c) & 0xff;
        const n = c - 29;
        const prev = this.buf.length > 0 ? this.buf[this.buf.length - 1] : undefined;
        if (n > 0 && prev !== undefined) {
          if (this.buf.length + n > this.maxPacket) this.overflowed = true;
          else for (let k = 0; k < n; k++) this.buf.push(prev);
        }
        this.state = RS.GETLINE;
        return;
      }
      case RS.CHKSUM1:
        if (c === 0x24 /* $ */) return this.startPacket(); // truncated packet: resynchronise
        this.csHi = hexVal(c);
        this.state = RS.CHKSUM2;
        return;
      case RS.CHKSUM2: {
        if (c === 0x24 /* $ */) return this.startPacket();
        const lo = hexVal(c);
        this.state = RS.IDLE;
        if (this.overflowed) {
          this.buf = [];
          out.push({ kind: 'overflow' });
          return;
        }
        const data = Buffer.from(this.buf).toString('latin1');
        this.buf = [];
        const got = this.csHi < 0 || lo < 0 ? -1 : (this.csHi << 4) | lo;
        if (got === this.sum) out.push({ kind: 'packet', data });
        else out.push({ kind: 'badChecksum', data, expected: this.sum, got });
        return;
      }
    }
  }
}

/** Modulo-256 sum of the bytes of a latin1 string. */
export function checksum(s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum = (sum + (s.charCodeAt(i) & 0xff)) & 0xff;
  return sum;
}

/** Characters that must be escaped in a packet body. */
function needsEscape(c: number): boolean {
  return c === 0x23 || c === 0x24 || c === 0x7d || c === 0x2a;
}

/** Escape `$ # } *` as `}` (c ^ 0x20). */
export function escapeBinary(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    out += needsEscape(c) ? '}' + String.fromCharCode(c ^ 0x20) : String.fromCharCode(c);
  }
  return out;
}

/** Undo {@link escapeBinary} (for callers holding raw, still-escaped data). */
export function unescapeBinary(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x7d && i + 1 < s.length) out += String.fromCharCode(s.charCodeAt(++i) ^ 0x20);
    else out += s[i];
  }
  return out;
}

/**
 * Run-length encode an already escaped body (GDB manual E.1: `c*N` means N-29 more
 * copies of c). Runs start only on plain printable characters (never on an escape
 * pair) and never produce the count characters `#` or `$`.
 */
export function runLengthEncode(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x7d) {
      out += s.slice(i, i + 2);
      i += 2;
      continue;
    }
    let run = 1;
    while (i + run < s.length && s.charCodeAt(i + run) === c && run < 98) run++;
    let extra = run - 1;
    if (extra >= 3) {
      if (extra === 6 || extra === 7) extra = 5; // count chars '#' (35) and '$' (36) are forbidden
      out += s[i] + '*' + String.fromCharCode(extra + 29);
      i += extra + 1;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
}

/**
 * Frame a payload as `$body#cs`: escapes `$#}*`, optionally run-length encodes.
 * @param payload latin1 string (binary-safe)
 */
export function encodePacket(payload: string, opts: { rle?: boolean } = {}): Buffer {
  let body = escapeBinary(payload);
  if (opts.rle) body = runLengthEncode(body);
  const cs = checksum(body).toString(16).padStart(2, '0');
  return Buffer.from('$' + body + '#' + cs, 'latin1');
}

/** Bytes to lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Hex to bytes; null if malformed (odd length or non-hex characters). */
export function fromHex(s: string): Buffer | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  return Buffer.from(s, 'hex');
}

/** Printable rendering of a payload for logs (non-printables as \xNN), truncated. */
export function describePacket(s: string, max = 512): string {
  let out = '';
  const n = Math.min(s.length, max);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f && c !== 0x5c ? s[i] : '\\x' + c.toString(16).padStart(2, '0');
  }
  if (s.length > max) out += `...[${s.length - max} more bytes]`;
  return out;
}
