/**
 * Calls real programs make that fit no other family: sysinfo, memfd_create, fallocate and the
 * file hints (fadvise64, readahead, sync_file_range), copy_file_range, close_range, memory
 * locking (every page here is always resident, so a lock only validates the range), membarrier
 * (one CPU: every barrier is already satisfied), getcpu, scheduler priority ranges, capget and
 * the extended-attribute calls (no file system here stores xattrs).
 */
import { E, SysError } from '../../errno';
import { InodeFile, O, type OpenFile } from '../../fs/file';
import { S_IFDIR, S_IFMT, S_IFREG, type Inode } from '../../fs/inode';
import { TmpFileSystem } from '../../fs/tmpfs';
import { VNode } from '../../fs/vfs';
import { truncateFile } from '../../mm/mapped-file';
import type { Kernel } from '../../kernel';
import type { Process } from '../../task/process';
import { AT_FDCWD, lookupAt, pathArg } from './fs';
import { err, int, num, uint, type SyscallCtx, type SyscallDef } from '../table';

const NS = 1_000_000_000n;
const PAGE = 4096;

// ---- nice values and personality ----

const PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;

/** The tasks `which`/`who` name (who 0: the caller's own thread, process group or user). */
function prioTargets({ proc, k }: SyscallCtx, which: number, who: number): Process[] {
  switch (which) {
    case PRIO_PROCESS: return who === 0 ? [proc] : k.tasks.filter((t) => t.tid === who);
    case PRIO_PGRP: {
      const pgid = who === 0 ? proc.group.pgid : who;
      return k.tasks.filter((t) => t.group.pgid === pgid);
    }
    // One user owns every task here.
    case PRIO_USER: return who === 0 || who === k.uid ? [...k.tasks] : [];
    default: throw new SysError(E.EINVAL);
  }
}

/** The syscall answers 20 - nice (1..40) so that no success looks like an error; libc undoes it. */
function getpriority(ctx: SyscallCtx, which: number, who: number): bigint {
  const ts = prioTargets(ctx, which, who);
  if (ts.length === 0) return err(E.ESRCH);
  return BigInt(20 - Math.min(...ts.map((t) => t.nice)));
}

/** Root (CAP_SYS_NICE) may lower a nice value too; out-of-range values are clamped, as Linux does. */
function setpriority(ctx: SyscallCtx, which: number, who: number, nice: number): bigint {
  const ts = prioTargets(ctx, which, who);
  if (ts.length === 0) return err(E.ESRCH);
  for (const t of ts) t.nice = Math.max(-20, Math.min(19, nice));
  return 0n;
}

/** 0xffffffff only asks; anything else sets the persona and answers the old one. */
function personality({ proc }: SyscallCtx, persona: number): bigint {
  const old = proc.persona;
  if (persona !== 0xffffffff) proc.persona = persona;
  return BigInt(old);
}

// ---- sysinfo ----

/** struct sysinfo on a 64-bit arch: uptime, loads[3], six RAM/swap fields, procs (u16), highmem, mem_unit; 112 bytes. */
function sysinfo({ proc, k }: SyscallCtx, addr: number): bigint {
  const b = new Uint8Array(112), dv = new DataView(b.buffer);
  const frames = k.frames;
  dv.setBigInt64(0, k.monotonicNs() / NS, true);
  dv.setBigUint64(32, BigInt(frames.totalFrames * PAGE), true);
  dv.setBigUint64(40, BigInt((frames.totalFrames - frames.usedFrames) * PAGE), true);
  dv.setUint16(80, k.tasks.length, true);
  dv.setUint32(104, 1, true);
  proc.cpu.mem.writeBytes(addr, b);
  return 0n;
}

// ---- memfd_create ----

const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4;
/** memfd.c MFD_NAME_MAX_LEN: NAME_MAX minus the "memfd:" prefix. */
const MFD_NAME_MAX = 249;

/** The internal tmpfs memfds live on (Linux's shm_mnt), one per kernel. */
const memfdFs = new WeakMap<Kernel, { fs: TmpFileSystem; root: VNode; seq: number }>();

/**
 * memfd_create: an anonymous tmpfs file, unlinked from the start, whose /proc/self/fd link reads
 * "/memfd:NAME (deleted)". Sealing is accepted as a flag but seals are not implemented (F_ADD_SEALS: EINVAL).
 */
function memfdCreate(ctx: SyscallCtx, nameAddr: bigint, flags: number): bigint {
  if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB)) return err(E.EINVAL);
  if (flags & MFD_HUGETLB) return err(E.EINVAL);
  const name = ctx.proc.cpu.mem.readCString(num(nameAddr), MFD_NAME_MAX + 1);
  if (name === null || Buffer.byteLength(name) > MFD_NAME_MAX) return err(E.EINVAL);
  const k = ctx.k;
  let m = memfdFs.get(k);
  if (!m) {
    const fs = new TmpFileSystem({ dev: 0x1, clock: () => k.realtimeNs() });
    m = { fs, root: new VNode(fs.root, null, ''), seq: 0 };
    memfdFs.set(k, m);
  }
  const slot = `memfd${m.seq++}`;
  const inode = m.fs.root.create(slot, 0o777);
  const file = new InodeFile(new VNode(inode, m.root, `memfd:${name} (deleted)`), O.RDWR | O.LARGEFILE);
  m.fs.root.unlink(slot);
  try {
    return BigInt(ctx.proc.fds.install(file, (flags & MFD_CLOEXEC) !== 0));
  } catch (e) {
    file.hold().put();
    throw e;
  }
}

// ---- fallocate and file hints ----

const FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;

function regularFile(f: OpenFile): Inode {
  const i = f.inode;
  if (!i) throw new SysError(E.ESPIPE);
  const t = i.type & S_IFMT;
  if (t === S_IFDIR) throw new SysError(E.EISDIR);
  if (t !== S_IFREG) throw new SysError(E.ENODEV);
  return i;
}

/**
 * fallocate: mode 0 reserves and extends the size; KEEP_SIZE reserves only (storage here is
 * allocated on write, so nothing to do); PUNCH_HOLE|KEEP_SIZE zeroes the range (tmpfs and the
 * host folder; vfat has no holes: EOPNOTSUPP). Other modes: EOPNOTSUPP.
 */
function fallocate(ctx: SyscallCtx, fd: number, mode: number, offset: number, len: number): bigint {
  const f = ctx.proc.fds.get(fd);
  if (offset < 0 || len <= 0) return err(E.EINVAL);
  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) return err(E.ENOTSUP);
  if (mode & FALLOC_FL_PUNCH_HOLE && !(mode & FALLOC_FL_KEEP_SIZE)) return err(E.ENOTSUP);
  if (!f.writable) return err(E.EBADF);
  const inode = regularFile(f);
  if (!Number.isSafeInteger(offset + len)) return err(E.EFBIG);
  if (inode.fs.readOnly) return err(E.EROFS);
  const size = inode.stat().size;
  if (mode & FALLOC_FL_PUNCH_HOLE) {
    if (inode.fs.type === 'vfat') return err(E.ENOTSUP);
    const end = Math.min(size, offset + len);
    const zero = new Uint8Array(Math.min(1 << 20, Math.max(0, end - offset)));
    for (let at = offset; at < end; at += zero.length) f.pwrite(zero.subarray(0, Math.min(zero.length, end - at)), at);
    return 0n;
  }
  if (!(mode & FALLOC_FL_KEEP_SIZE) && offset + len > size) truncateFile(inode, offset + len);
  return 0n;
}

const POSIX_FADV_NOREUSE = 5;

/** fadvise64: the advice is checked and has no effect (the page cache is the file system's own). */
function fadvise(ctx: SyscallCtx, fd: number, len: bigint, advice: number): bigint {
  const f = ctx.proc.fds.get(fd);
  if (!f.inode) return err(E.ESPIPE);
  if (advice < 0 || advice > POSIX_FADV_NOREUSE || BigInt.asIntN(64, len) < 0n) return err(E.EINVAL);
  return 0n;
}

function readahead(ctx: SyscallCtx, fd: number): bigint {
  const f = ctx.proc.fds.get(fd);
  if (!f.readable) return err(E.EBADF);
  if (!f.inode || (f.inode.type & S_IFMT) !== S_IFREG) return err(E.EINVAL);
  return 0n;
}

const SYNC_FILE_RANGE_WAIT_BEFORE = 1, SYNC_FILE_RANGE_WRITE = 2, SYNC_FILE_RANGE_WAIT_AFTER = 4;

function syncFileRange(ctx: SyscallCtx, fd: number, offset: bigint, nbytes: bigint, flags: number): bigint {
  const f = ctx.proc.fds.get(fd);
  if (flags & ~(SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)) return err(E.EINVAL);
  if (BigInt.asIntN(64, offset) < 0n || BigInt.asIntN(64, nbytes) < 0n) return err(E.EINVAL);
  const t = (f.inode?.type ?? 0) & S_IFMT;
  if (t !== S_IFREG && t !== S_IFDIR && t !== 0o120000 && t !== 0o060000) return err(E.ESPIPE);
  if (flags & SYNC_FILE_RANGE_WRITE) f.inode!.sync();
  return 0n;
}

// ---- copy_file_range ----

const COPY_CHUNK = 1 << 20;

/**
 * copy_file_range between regular files of one file system (Linux 6.x: EXDEV across file
 * systems); offsets from the pointers when given (the file positions stay) or the file
 * positions. The same file with overlapping ranges is EINVAL.
 */
function copyFileRange(ctx: SyscallCtx, a: bigint[]): bigint {
  const { proc } = ctx;
  const mem = proc.cpu.mem;
  const inFd = int(a[0]!), inOff = num(a[1]!), outFd = int(a[2]!), outOff = num(a[3]!), flags = uint(a[5]!);
  let len = num(a[4]!);
  if (flags !== 0) return err(E.EINVAL);
  const fin = proc.fds.get(inFd), fout = proc.fds.get(outFd);
  if (!fin.readable || !fout.writable || fout.flags & O.APPEND) return err(E.EBADF);
  const iin = fin.inode, iout = fout.inode;
  if (!iin || !iout) return err(E.EINVAL);
  if ((iin.type & S_IFMT) === S_IFDIR || (iout.type & S_IFMT) === S_IFDIR) return err(E.EISDIR);
  if ((iin.type & S_IFMT) !== S_IFREG || (iout.type & S_IFMT) !== S_IFREG) return err(E.EINVAL);
  const readOff = (p: number): number | null => {
    if (p === 0) return null;
    const v = BigInt.asIntN(64, mem.readU64(p));
    if (v < 0n) throw new SysError(E.EINVAL);
    return Number(v);
  };
  let pin = readOff(inOff), pout = readOff(outOff);
  const posIn = pin ?? fin.seek(0, 1), posOut = pout ?? fout.seek(0, 1);
  if (!Number.isSafeInteger(posIn + len)) len = Math.max(0, Number.MAX_SAFE_INTEGER - posIn);
  if (iin === iout && posIn < posOut + len && posOut < posIn + len) return err(E.EINVAL);
  if (iin.fs !== iout.fs) return err(E.EXDEV);
  if (len === 0) return 0n;
  let done = 0;
  const buf = new Uint8Array(Math.min(COPY_CHUNK, len));
  while (done < len) {
    const n = fin.pread(buf.subarray(0, Math.min(buf.length, len - done)), posIn + done);
    if (n === 0) break;
    const w = fout.pwrite(buf.subarray(0, n), posOut + done);
    done += w;
    if (w < n) break;
  }
  if (pin === null) fin.seek(posIn + done, 0); else { pin += done; mem.writeU64(inOff, BigInt(pin)); }
  if (pout === null) fout.seek(posOut + done, 0); else { pout += done; mem.writeU64(outOff, BigInt(pout)); }
  return BigInt(done);
}

// ---- close_range ----

const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;

/** close_range: closes (or marks close-on-exec) every open descriptor in [first, last]. */
function closeRange(ctx: SyscallCtx, first: number, last: number, flags: number): bigint {
  if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) return err(E.EINVAL);
  if (first > last) return err(E.EINVAL);
  const proc = ctx.proc;
  if (flags & CLOSE_RANGE_UNSHARE && ctx.k.tasks.some((t) => t !== proc && t.fds === proc.fds)) proc.fds = proc.fds.clone();
  for (const fd of proc.fds.list()) {
    if (fd < first || fd > last) continue;
    if (flags & CLOSE_RANGE_CLOEXEC) proc.fds.setCloexec(fd, true);
    else proc.fds.close(fd);
  }
  return 0n;
}

// ---- memory locking ----

const MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4, MLOCK_ONFAULT = 1;

/** The range [addr, addr+len) rounded out to pages is mapped throughout (ENOMEM otherwise). */
function checkMapped(ctx: SyscallCtx, addr: number, len: number): bigint {
  const start = addr - (addr % PAGE);
  const end = Math.ceil((addr + len) / PAGE) * PAGE;
  if (!Number.isSafeInteger(end) || end < start) return err(E.ENOMEM);
  for (let va = start; va < end;) {
    const v = ctx.proc.as.find(va);
    if (!v || v.start > va) return err(E.ENOMEM);
    va = v.end;
  }
  return 0n;
}

// ---- membarrier ----

const MEMBARRIER = {
  QUERY: 0, GLOBAL: 1, GLOBAL_EXPEDITED: 2, REGISTER_GLOBAL_EXPEDITED: 4, PRIVATE_EXPEDITED: 8,
  REGISTER_PRIVATE_EXPEDITED: 16, PRIVATE_EXPEDITED_SYNC_CORE: 32, REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: 64,
} as const;
const MEMBARRIER_SUPPORTED = 0x7f;
/** Registrations per address space (Linux keeps them in the mm). */
const membarrierRegs = new WeakMap<object, number>();

/**
 * membarrier: with one CPU interpreting one task at a time every other thread is already past
 * a barrier, so the commands only keep Linux's registration rules (EPERM when unregistered).
 */
function membarrier(ctx: SyscallCtx, cmd: number, flags: number): bigint {
  if (flags !== 0) return err(E.EINVAL);
  const as = ctx.proc.as;
  const regs = membarrierRegs.get(as) ?? 0;
  switch (cmd) {
    case MEMBARRIER.QUERY: return BigInt(MEMBARRIER_SUPPORTED);
    case MEMBARRIER.GLOBAL: return 0n;
    case MEMBARRIER.REGISTER_GLOBAL_EXPEDITED: case MEMBARRIER.REGISTER_PRIVATE_EXPEDITED: case MEMBARRIER.REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
      membarrierRegs.set(as, regs | cmd);
      return 0n;
    case MEMBARRIER.GLOBAL_EXPEDITED: return 0n;
    case MEMBARRIER.PRIVATE_EXPEDITED:
      return regs & MEMBARRIER.REGISTER_PRIVATE_EXPEDITED ? 0n : err(E.EPERM);
    case MEMBARRIER.PRIVATE_EXPEDITED_SYNC_CORE:
      return regs & MEMBARRIER.REGISTER_PRIVATE_EXPEDITED_SYNC_CORE ? 0n : err(E.EPERM);
    default: return err(E.EINVAL);
  }
}

// ---- capabilities ----

const CAP_V1 = 0x19980330, CAP_V2 = 0x20071026, CAP_V3 = 0x20080522;
/** CAP_LAST_CAP of Linux 6.1 (CAP_CHECKPOINT_RESTORE = 40): the upper word's valid bits. */
const CAP_HIGH = 0x1ff;

/**
 * The header's version: a wrong one is answered with the preferred version written back and
 * EINVAL (0 when no data pointer was given, the probe libcap makes).
 */
function capVersion(ctx: SyscallCtx, hdr: number, data: number): number | bigint {
  const mem = ctx.proc.cpu.mem;
  const version = mem.readU32(hdr);
  if (version === CAP_V1) return 1;
  if (version === CAP_V2 || version === CAP_V3) return 2;
  mem.writeU32(hdr, CAP_V3);
  return data === 0 ? 0n : err(E.EINVAL);
}

/** Root has every capability; anyone else none (this kernel has no file capabilities). */
function capSets(ctx: SyscallCtx, words: number): number[] {
  const full = ctx.k.uid === 0;
  return Array.from({ length: words }, (_, i) => (full ? (i === 0 ? 0xffffffff : CAP_HIGH) : 0));
}

function capTarget(ctx: SyscallCtx, hdr: number): bigint | null {
  const pid = ctx.proc.cpu.mem.readU32(hdr + 4) | 0;
  if (pid < 0) return err(E.EINVAL);
  if (pid !== 0 && !ctx.k.findTask(pid)) return err(E.ESRCH);
  return null;
}

function capget(ctx: SyscallCtx, hdr: number, data: number): bigint {
  const words = capVersion(ctx, hdr, data);
  if (typeof words === 'bigint') return words;
  const bad = capTarget(ctx, hdr);
  if (bad !== null) return bad;
  if (data === 0) return 0n;
  const sets = capSets(ctx, words);
  const b = new Uint8Array(12 * words), dv = new DataView(b.buffer);
  // struct __user_cap_data_struct { effective, permitted, inheritable } per word; inheritable stays empty.
  sets.forEach((w, i) => { dv.setUint32(i * 12, w, true); dv.setUint32(i * 12 + 4, w, true); });
  ctx.proc.cpu.mem.writeBytes(data, b);
  return 0n;
}

/**
 * capset: capabilities are not tracked per task, so only a set equal to what capget reports
 * (effective = permitted = the full or empty set, any inheritable within it) is accepted;
 * changing them is EPERM.
 */
function capset(ctx: SyscallCtx, hdr: number, data: number): bigint {
  const words = capVersion(ctx, hdr, data);
  if (typeof words === 'bigint') return words === 0n ? err(E.EFAULT) : words;
  const pid = ctx.proc.cpu.mem.readU32(hdr + 4) | 0;
  if (pid !== 0 && pid !== ctx.proc.tid) return err(E.EPERM);
  const sets = capSets(ctx, words);
  const dv = new DataView(ctx.proc.cpu.mem.readBytes(data, 12 * words).slice().buffer);
  for (let i = 0; i < words; i++) {
    const eff = dv.getUint32(i * 12, true), perm = dv.getUint32(i * 12 + 4, true), inh = dv.getUint32(i * 12 + 8, true);
    if (eff !== sets[i] || perm !== sets[i] || (inh & ~sets[i]!) !== 0) return err(E.EPERM);
  }
  return 0n;
}

// ---- extended attributes ----

const XATTR_NAME_MAX = 255;
const XATTR_CREATE = 1, XATTR_REPLACE = 2;

/**
 * What Linux 6.1 answers for an attribute these file systems do not hold: tmpfs has handlers
 * for security.* and trusted.* (an absent one is ENODATA), vfat, 9p here, proc and the rest none
 * (EOPNOTSUPP); an unknown namespace is EOPNOTSUPP everywhere.
 */
function xattrMissing(inode: Inode, name: string): bigint {
  if (name === '' || Buffer.byteLength(name) > XATTR_NAME_MAX) return err(E.ERANGE);
  const ns = name.slice(0, name.indexOf('.') + 1);
  const tmpfsNs = ns === 'security.' || ns === 'trusted.';
  return err(inode.fs.type === 'tmpfs' && tmpfsNs ? E.ENODATA : E.ENOTSUP);
}

function xattrNode(ctx: SyscallCtx, how: 'path' | 'lpath' | 'fd', arg: bigint): Inode {
  if (how === 'fd') {
    const f = ctx.proc.fds.get(int(arg));
    if (f.flags & O.PATH) throw new SysError(E.EBADF);
    const i = f.inode;
    if (!i) throw new SysError(E.ENOTSUP);
    return i;
  }
  return lookupAt(ctx, AT_FDCWD, pathArg(ctx, arg), how === 'path').inode;
}

function xattrName(ctx: SyscallCtx, addr: bigint): string {
  const s = ctx.proc.cpu.mem.readCString(num(addr), XATTR_NAME_MAX + 1);
  if (s === null) throw new SysError(E.ERANGE);
  return s;
}

function xattrSyscalls(): SyscallDef[] {
  const out: SyscallDef[] = [];
  for (const [prefix, how] of [['', 'path'], ['l', 'lpath'], ['f', 'fd']] as const) {
    const target: 'f' | 's' = how === 'fd' ? 'f' : 's';
    out.push(
      {
        name: `${prefix}getxattr`, args: [target, 's', 'p', 'u'],
        handler: (ctx, a) => xattrMissing(xattrNode(ctx, how, a[0]!), xattrName(ctx, a[1]!)),
      },
      {
        // An empty list: nothing stored, and no security module adds names.
        name: `${prefix}listxattr`, args: [target, 'p', 'u'],
        handler: (ctx, a) => { xattrNode(ctx, how, a[0]!); return 0n; },
      },
      {
        name: `${prefix}setxattr`, args: [target, 's', 'p', 'u', 'x'],
        handler: (ctx, a) => {
          const flags = int(a[4]!);
          if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) return err(E.EINVAL);
          const node = xattrNode(ctx, how, a[0]!), name = xattrName(ctx, a[1]!);
          if (node.fs.readOnly) return err(E.EROFS);
          // Attributes are not stored: Linux's answer for a file system without a handler.
          return name === '' || Buffer.byteLength(name) > XATTR_NAME_MAX ? err(E.ERANGE) : err(E.ENOTSUP);
        },
      },
      {
        name: `${prefix}removexattr`, args: [target, 's'],
        handler: (ctx, a) => xattrMissing(xattrNode(ctx, how, a[0]!), xattrName(ctx, a[1]!)),
      },
    );
  }
  return out;
}

// ---- scheduler ----

const SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6;

function priorityRange(policy: number, max: boolean): bigint {
  switch (policy) {
    case SCHED_FIFO: case SCHED_RR: return max ? 99n : 1n;
    case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE: return 0n;
    default: return err(E.EINVAL);
  }
}

export const miscSyscalls: SyscallDef[] = [
  { name: 'sysinfo', args: ['p'], handler: (ctx, a) => sysinfo(ctx, num(a[0]!)) },
  { name: 'memfd_create', args: ['s', 'x'], handler: (ctx, a) => memfdCreate(ctx, a[0]!, uint(a[1]!)) },
  {
    name: 'fallocate', args: ['f', 'x', 'd', 'd'],
    handler: (ctx, a) => fallocate(ctx, int(a[0]!), int(a[1]!), Number(BigInt.asIntN(64, a[2]!)), Number(BigInt.asIntN(64, a[3]!))),
  },
  { name: 'fadvise64', args: ['f', 'd', 'd', 'd'], handler: (ctx, a) => fadvise(ctx, int(a[0]!), a[2]!, int(a[3]!)) },
  { name: 'readahead', args: ['f', 'd', 'u'], handler: (ctx, a) => readahead(ctx, int(a[0]!)) },
  {
    name: 'sync_file_range', args: ['f', 'd', 'd', 'x'],
    handler: (ctx, a) => syncFileRange(ctx, int(a[0]!), a[1]!, a[2]!, uint(a[3]!)),
  },
  { name: 'copy_file_range', args: ['f', 'p', 'f', 'p', 'u', 'x'], handler: copyFileRange },
  { name: 'close_range', args: ['u', 'u', 'x'], handler: (ctx, a) => closeRange(ctx, uint(a[0]!), uint(a[1]!), uint(a[2]!)) },
  { name: 'mlock', args: ['p', 'u'], handler: (ctx, a) => checkMapped(ctx, num(a[0]!), num(a[1]!)) },
  { name: 'munlock', args: ['p', 'u'], handler: (ctx, a) => checkMapped(ctx, num(a[0]!), num(a[1]!)) },
  {
    name: 'mlock2', args: ['p', 'u', 'x'],
    handler: (ctx, a) => (uint(a[2]!) & ~MLOCK_ONFAULT ? err(E.EINVAL) : checkMapped(ctx, num(a[0]!), num(a[1]!))),
  },
  {
    name: 'mlockall', args: ['x'],
    handler: (_ctx, a) => {
      const f = uint(a[0]!);
      if (f === 0 || f & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) || f === MCL_ONFAULT) return err(E.EINVAL);
      return 0n;
    },
  },
  { name: 'munlockall', args: [], handler: () => 0n },
  { name: 'membarrier', args: ['d', 'x', 'd'], handler: (ctx, a) => membarrier(ctx, int(a[0]!), uint(a[1]!)) },
  {
    name: 'getcpu', args: ['p', 'p', 'p'],
    handler: (ctx, a) => {
      if (a[0] !== 0n) ctx.proc.cpu.mem.writeU32(num(a[0]!), 0);
      if (a[1] !== 0n) ctx.proc.cpu.mem.writeU32(num(a[1]!), 0);
      return 0n;
    },
  },
  { name: 'getpriority', args: ['d', 'd'], handler: (ctx, a) => getpriority(ctx, int(a[0]!), int(a[1]!)) },
  { name: 'setpriority', args: ['d', 'd', 'd'], handler: (ctx, a) => setpriority(ctx, int(a[0]!), int(a[1]!), int(a[2]!)) },
  { name: 'personality', args: ['x'], handler: (ctx, a) => personality(ctx, uint(a[0]!)) },
  { name: 'sched_get_priority_max', args: ['d'], handler: (_ctx, a) => priorityRange(int(a[0]!), true) },
  { name: 'sched_get_priority_min', args: ['d'], handler: (_ctx, a) => priorityRange(int(a[0]!), false) },
  { name: 'capget', args: ['p', 'p'], handler: (ctx, a) => capget(ctx, num(a[0]!), num(a[1]!)) },
  { name: 'capset', args: ['p', 'p'], handler: (ctx, a) => capset(ctx, num(a[0]!), num(a[1]!)) },
  ...xattrSyscalls(),
];
