/**
 * The user-space layouts of stat results: `struct stat` (asm-generic on riscv64, arm64 and
 * loongarch; x86_64 has its own order), `struct statx` (the same everywhere), `struct statfs`,
 * and linux_dirent64 records.
 */
import type { ArchName } from '../../arch/common/cpu';
import type { DirEntry, Stat } from './inode';

const NS = 1_000_000_000n;

/** A time in ns as (seconds, nanoseconds in 0..1e9), flooring like Linux's timespec64. */
function split(t: bigint): [bigint, bigint] {
  let sec = t / NS, nsec = t % NS;
  if (nsec < 0n) { sec -= 1n; nsec += NS; }
  return [sec, nsec];
}

/** Field offsets of struct stat per layout. */
const STAT_LAYOUT = {
  generic: { size: 128, dev: 0, ino: 8, mode: 16, nlink: 20, nlinkBytes: 4, uid: 24, gid: 28, rdev: 32, size_: 48, blksize: 56, blksizeBytes: 4, blocks: 64, atime: 72 },
  x86_64: { size: 144, dev: 0, ino: 8, mode: 24, nlink: 16, nlinkBytes: 8, uid: 28, gid: 32, rdev: 40, size_: 48, blksize: 56, blksizeBytes: 8, blocks: 64, atime: 72 },
} as const;

export function encodeStat(st: Stat, arch: ArchName): Uint8Array {
  const L = arch === 'x86_64' ? STAT_LAYOUT.x86_64 : STAT_LAYOUT.generic;
  const b = new Uint8Array(L.size), dv = new DataView(b.buffer);
  dv.setBigUint64(L.dev, BigInt(st.dev), true);
  dv.setBigUint64(L.ino, BigInt(st.ino), true);
  dv.setUint32(L.mode, st.mode, true);
  if (L.nlinkBytes === 8) dv.setBigUint64(L.nlink, BigInt(st.nlink), true);
  else dv.setUint32(L.nlink, st.nlink, true);
  dv.setUint32(L.uid, st.uid, true);
  dv.setUint32(L.gid, st.gid, true);
  dv.setBigUint64(L.rdev, BigInt(st.rdev), true);
  dv.setBigInt64(L.size_, BigInt(st.size), true);
  if (L.blksizeBytes === 8) dv.setBigInt64(L.blksize, BigInt(st.blksize), true);
  else dv.setInt32(L.blksize, st.blksize, true);
  dv.setBigInt64(L.blocks, BigInt(st.blocks), true);
  [st.atimeNs, st.mtimeNs, st.ctimeNs].forEach((t, i) => {
    const [sec, nsec] = split(t);
    dv.setBigInt64(L.atime + 16 * i, sec, true);
    dv.setBigInt64(L.atime + 16 * i + 8, nsec, true);
  });
  return b;
}

export const STATX_SIZE = 256;
/** STATX_BASIC_STATS: what every file system here fills. */
export const STATX_BASIC_STATS = 0x7ff;

/** struct statx (include/uapi/linux/stat.h). */
export function encodeStatx(st: Stat, mask: number): Uint8Array {
  const b = new Uint8Array(STATX_SIZE), dv = new DataView(b.buffer);
  dv.setUint32(0, mask & STATX_BASIC_STATS, true);
  dv.setUint32(4, st.blksize, true);
  dv.setUint32(16, st.nlink, true);
  dv.setUint32(20, st.uid, true);
  dv.setUint32(24, st.gid, true);
  dv.setUint16(28, st.mode, true);
  dv.setBigUint64(32, BigInt(st.ino), true);
  dv.setBigUint64(40, BigInt(st.size), true);
  dv.setBigUint64(48, BigInt(st.blocks), true);
  // timestamps: atime 64, btime 80 (not provided), ctime 96, mtime 112: {i64 sec, u32 nsec, pad}
  const ts = (off: number, t: bigint): void => {
    const [sec, nsec] = split(t);
    dv.setBigInt64(off, sec, true);
    dv.setUint32(off + 8, Number(nsec), true);
  };
  ts(64, st.atimeNs);
  ts(96, st.ctimeNs);
  ts(112, st.mtimeNs);
  dv.setUint32(128, st.rdev >>> 8, true);
  dv.setUint32(132, st.rdev & 0xff, true);
  dv.setUint32(136, st.dev >>> 8, true);
  dv.setUint32(140, st.dev & 0xff, true);
  return b;
}

/** linux_dirent64 records for `entries` that fit in `room` bytes. */
export function encodeDirents(entries: DirEntry[], from: number, room: number): { bytes: Uint8Array; next: number } {
  const parts: Uint8Array[] = [];
  let used = 0, i = from;
  for (; i < entries.length; i++) {
    const e = entries[i]!;
    const name = Buffer.from(e.name, 'utf8');
    const reclen = (19 + name.length + 1 + 7) & ~7;
    if (used + reclen > room) break;
    const r = new Uint8Array(reclen), dv = new DataView(r.buffer);
    dv.setBigUint64(0, BigInt(e.ino), true);
    dv.setBigInt64(8, BigInt(i + 1), true);
    dv.setUint16(16, reclen, true);
    r[18] = e.type;
    r.set(name, 19);
    parts.push(r);
    used += reclen;
  }
  const bytes = new Uint8Array(used);
  let off = 0;
  for (const p of parts) { bytes.set(p, off); off += p.length; }
  return { bytes, next: i };
}

/** struct statfs (asm-generic 64-bit; x86_64 has the same field sizes). */
export function encodeStatfs(f: { type: number; bsize: number; blocks: number; bfree: number; files: number; ffree: number; namelen: number; readOnly: boolean }): Uint8Array {
  const b = new Uint8Array(120), dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(f.type), true);
  dv.setBigInt64(8, BigInt(f.bsize), true);
  dv.setBigUint64(16, BigInt(f.blocks), true);
  dv.setBigUint64(24, BigInt(f.bfree), true);
  dv.setBigUint64(32, BigInt(f.bfree), true);
  dv.setBigUint64(40, BigInt(f.files), true);
  dv.setBigUint64(48, BigInt(f.ffree), true);
  dv.setBigInt64(64, BigInt(f.namelen), true);
  dv.setBigInt64(72, BigInt(f.bsize), true);
  // f_flags: ST_VALID (Linux always sets it; libc's statvfs strips it), ST_RELATIME, ST_RDONLY.
  dv.setBigInt64(80, BigInt(0x20 | 0x400 | (f.readOnly ? 1 : 0)), true);
  return b;
}
