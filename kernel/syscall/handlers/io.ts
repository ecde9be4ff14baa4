/** read, write, readv, writev, ioctl, close on file descriptors. */
import { E, SysError } from '../../errno';
import type { Memory } from '../../../arch/common/memory';
import { err, int, num, type SyscallCtx, type SyscallDef } from '../table';

const IOV_MAX = 1024;
/** Linux caps one read/write at 0x7ffff000 bytes. */
const MAX_RW = 0x7ffff000;

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404;
const TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;

interface Iovec { base: number; len: number }

function readIovecs(mem: Memory, addr: number, count: number): Iovec[] {
  if (count < 0 || count > IOV_MAX) throw new SysError(E.EINVAL);
  const out: Iovec[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const base = num(mem.readU64(addr + i * 16));
    const len = num(mem.readU64(addr + i * 16 + 8));
    if (len > Number.MAX_SAFE_INTEGER / 2 || (total += len) > 2 ** 63) throw new SysError(E.EINVAL);
    out.push({ base, len });
  }
  return out;
}

async function readInto(ctx: SyscallCtx, fd: number, iovs: Iovec[]): Promise<bigint> {
  const file = ctx.proc.fds.get(fd);
  const mem = ctx.proc.cpu.mem;
  let total = 0;
  for (const v of iovs) {
    if (v.len === 0) continue;
    const buf = new Uint8Array(Math.min(v.len, MAX_RW - total, 1 << 20));
    const n = await file.read(buf);
    mem.writeBytes(v.base, buf.subarray(0, n));
    total += n;
    if (n < buf.length) break;
  }
  return BigInt(total);
}

function writeFrom(ctx: SyscallCtx, fd: number, iovs: Iovec[]): bigint {
  const file = ctx.proc.fds.get(fd);
  const mem = ctx.proc.cpu.mem;
  let total = 0;
  for (const v of iovs) {
    const len = Math.min(v.len, MAX_RW - total);
    if (len === 0) continue;
    total += file.write(mem.readBytes(v.base, len));
  }
  return BigInt(total);
}

function ioctl(ctx: SyscallCtx, a: bigint[]): bigint {
  const file = ctx.proc.fds.get(int(a[0]!));
  const req = Number(BigInt.asUintN(32, a[1]!));
  const arg = num(a[2]!);
  const mem = ctx.proc.cpu.mem;
  if (!file.isTty) return err(E.ENOTTY);
  switch (req) {
    case TIOCGWINSZ: {
      const b = new Uint8Array(8), dv = new DataView(b.buffer);
      dv.setUint16(0, process.stdout.rows || 24, true);
      dv.setUint16(2, process.stdout.columns || 80, true);
      mem.writeBytes(arg, b);
      return 0n;
    }
    case TCGETS: {
      // struct termios (asm-generic): iflag, oflag, cflag, lflag, c_line, c_cc[19]; a cooked tty.
      const b = new Uint8Array(36), dv = new DataView(b.buffer);
      dv.setUint32(0, 0x500, true); // ICRNL | IXON
      dv.setUint32(4, 0x5, true); // OPOST | ONLCR
      dv.setUint32(8, 0xbf, true); // B38400 | CS8 | CREAD
      dv.setUint32(12, 0x8a3b, true); // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
      b.set([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0], 17);
      mem.writeBytes(arg, b);
      return 0n;
    }
    case TCSETS: case TCSETSW: case TCSETSF: case TIOCSWINSZ:
      mem.readBytes(arg, req === TIOCSWINSZ ? 8 : 36);
      return 0n;
    case TIOCGPGRP:
      mem.writeU32(arg, ctx.proc.pid);
      return 0n;
    case TIOCSPGRP:
      mem.readU32(arg);
      return 0n;
    default:
      return err(E.ENOTTY);
  }
}

export const ioSyscalls: SyscallDef[] = [
  {
    name: 'read', args: ['f', 'p', 'u'],
    handler: (ctx, a) => readInto(ctx, int(a[0]!), [{ base: num(a[1]!), len: num(a[2]!) }]),
  },
  {
    name: 'write', args: ['f', 'p', 'u'],
    handler: (ctx, a) => writeFrom(ctx, int(a[0]!), [{ base: num(a[1]!), len: num(a[2]!) }]),
  },
  {
    name: 'readv', args: ['f', 'p', 'd'],
    handler: (ctx, a) => {
      ctx.proc.fds.get(int(a[0]!));
      return readInto(ctx, int(a[0]!), readIovecs(ctx.proc.cpu.mem, num(a[1]!), int(a[2]!)));
    },
  },
  {
    name: 'writev', args: ['f', 'p', 'd'],
    handler: (ctx, a) => {
      ctx.proc.fds.get(int(a[0]!));
      return writeFrom(ctx, int(a[0]!), readIovecs(ctx.proc.cpu.mem, num(a[1]!), int(a[2]!)));
    },
  },
  { name: 'ioctl', args: ['f', 'x', 'p'], handler: ioctl },
  {
    name: 'close', args: ['f'],
    handler: (ctx, a) => { ctx.proc.fds.close(int(a[0]!)); return 0n; },
  },
];
