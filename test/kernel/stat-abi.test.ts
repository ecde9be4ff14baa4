/**
 * kernel/fs/stat-abi.ts against Linux's user-space structures, field by field:
 *   struct stat   include/uapi/asm-generic/stat.h (riscv64, arm64, loongarch64; 128 bytes)
 *                 arch/x86/include/uapi/asm/stat.h (x86_64; 144 bytes)
 *   struct statx  include/uapi/linux/stat.h (256 bytes)
 *   struct statfs include/uapi/asm-generic/statfs.h (64-bit; 120 bytes)
 *   linux_dirent64 include/linux/dirent.h, fs/readdir.c filldir64
 */
import test from 'ava';
import type { ArchName } from '../../arch/common/cpu';
import type { DirEntry, Stat } from '../../kernel/fs/inode';
import { encodeDirents, encodeStat, encodeStatfs, encodeStatx, STATX_BASIC_STATS, STATX_SIZE } from '../../kernel/fs/stat-abi';

const NS = 1_000_000_000n;

const ST: Stat = {
  dev: 0x0803, ino: 0x1_2345_6789, mode: 0o100644, nlink: 3, uid: 1000, gid: 100, rdev: 0x0105,
  size: 0x1_0000_0001, blksize: 4096, blocks: 17,
  atimeNs: 1_700_000_000n * NS + 123_456_789n, mtimeNs: 1_600_000_000n * NS + 1n, ctimeNs: 1_500_000_000n * NS + 999_999_999n,
};

type Field = [name: string, offset: number, bytes: 4 | 8, value: bigint];

function fieldsOf(b: Uint8Array, fields: Field[]): Record<string, bigint> {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Object.fromEntries(fields.map(([n, off, sz]) => [n, sz === 8 ? dv.getBigInt64(off, true) : BigInt(dv.getInt32(off, true))]));
}

/** Every byte not covered by `fields` is zero (padding and unused words). */
function padding(b: Uint8Array, fields: Array<[string, number, number, ...unknown[]]>): number[] {
  const covered = new Set<number>();
  for (const [, off, sz] of fields) for (let i = 0; i < sz; i++) covered.add(off + i);
  const out: number[] = [];
  b.forEach((v, i) => { if (!covered.has(i) && v !== 0) out.push(i); });
  return out;
}

const GENERIC: Field[] = [
  ['st_dev', 0, 8, 0x0803n], ['st_ino', 8, 8, 0x1_2345_6789n], ['st_mode', 16, 4, 0o100644n], ['st_nlink', 20, 4, 3n],
  ['st_uid', 24, 4, 1000n], ['st_gid', 28, 4, 100n], ['st_rdev', 32, 8, 0x0105n], ['st_size', 48, 8, 0x1_0000_0001n],
  ['st_blksize', 56, 4, 4096n], ['st_blocks', 64, 8, 17n],
  ['st_atime', 72, 8, 1_700_000_000n], ['st_atime_nsec', 80, 8, 123_456_789n],
  ['st_mtime', 88, 8, 1_600_000_000n], ['st_mtime_nsec', 96, 8, 1n],
  ['st_ctime', 104, 8, 1_500_000_000n], ['st_ctime_nsec', 112, 8, 999_999_999n],
];

const X86_64: Field[] = [
  ['st_dev', 0, 8, 0x0803n], ['st_ino', 8, 8, 0x1_2345_6789n], ['st_nlink', 16, 8, 3n], ['st_mode', 24, 4, 0o100644n],
  ['st_uid', 28, 4, 1000n], ['st_gid', 32, 4, 100n], ['st_rdev', 40, 8, 0x0105n], ['st_size', 48, 8, 0x1_0000_0001n],
  ['st_blksize', 56, 8, 4096n], ['st_blocks', 64, 8, 17n],
  ['st_atime', 72, 8, 1_700_000_000n], ['st_atime_nsec', 80, 8, 123_456_789n],
  ['st_mtime', 88, 8, 1_600_000_000n], ['st_mtime_nsec', 96, 8, 1n],
  ['st_ctime', 104, 8, 1_500_000_000n], ['st_ctime_nsec', 112, 8, 999_999_999n],
];

const expected = (fields: Field[]): Record<string, bigint> => Object.fromEntries(fields.map(([n, , , v]) => [n, v]));

test('struct stat, asm-generic (riscv64, aarch64, loongarch64): 128 bytes, every field at its offset', (t) => {
  for (const arch of ['riscv64', 'aarch64', 'loongarch64'] as ArchName[]) {
    const b = encodeStat(ST, arch);
    t.is(b.length, 128, arch);
    t.deepEqual(fieldsOf(b, GENERIC), expected(GENERIC), arch);
    t.deepEqual(padding(b, GENERIC), [], `${arch}: __pad1, __pad2, __unused4/5 are zero`);
  }
  t.deepEqual(encodeStat(ST, 'riscv64'), encodeStat(ST, 'aarch64'));
});

test('struct stat, x86_64: 144 bytes, nlink before mode, 64-bit nlink and blksize', (t) => {
  const b = encodeStat(ST, 'x86_64');
  t.is(b.length, 144);
  t.deepEqual(fieldsOf(b, X86_64), expected(X86_64));
  t.deepEqual(padding(b, X86_64), [], '__pad0 and __unused[3] are zero');
});

test('struct stat: large values keep all their bits (u64 ino and dev, 2^53-1 size)', (t) => {
  const big: Stat = { ...ST, ino: 2 ** 53 - 1, size: 2 ** 53 - 1, blocks: 2 ** 40, dev: 0xffff_ffff, nlink: 0xffff_ffff };
  for (const arch of ['riscv64', 'x86_64'] as ArchName[]) {
    const dv = new DataView(encodeStat(big, arch).buffer);
    t.is(dv.getBigUint64(8, true), 2n ** 53n - 1n);
    t.is(dv.getBigInt64(48, true), 2n ** 53n - 1n);
    t.is(dv.getBigInt64(64, true), 2n ** 40n);
    t.is(dv.getBigUint64(0, true), 0xffff_ffffn);
  }
  t.is(new DataView(encodeStat(big, 'riscv64').buffer).getUint32(20, true), 0xffff_ffff);
  t.is(new DataView(encodeStat(big, 'x86_64').buffer).getBigUint64(16, true), 0xffff_ffffn);
});

test('struct stat: times before 1970 have tv_sec rounded down and tv_nsec in [0, 1e9)', (t) => {
  // utimensat accepts { -2, 500000000 } (1969-12-31 23:59:58.5): Stat holds -1.5e9 ns.
  const st: Stat = { ...ST, atimeNs: -1_500_000_000n, mtimeNs: -1n, ctimeNs: -2n * NS };
  for (const arch of ['riscv64', 'x86_64'] as ArchName[]) {
    const dv = new DataView(encodeStat(st, arch).buffer);
    t.deepEqual([dv.getBigInt64(72, true), dv.getBigInt64(80, true)], [-2n, 500_000_000n], `${arch} atime`);
    t.deepEqual([dv.getBigInt64(88, true), dv.getBigInt64(96, true)], [-1n, 999_999_999n], `${arch} mtime`);
    t.deepEqual([dv.getBigInt64(104, true), dv.getBigInt64(112, true)], [-2n, 0n], `${arch} ctime`);
  }
});

test('struct statx: 256 bytes, every field at its offset, btime and attributes left zero', (t) => {
  t.is(STATX_SIZE, 256);
  t.is(STATX_BASIC_STATS, 0x7ff);
  const st: Stat = { ...ST, rdev: (136 << 8) | 5, dev: (8 << 8) | 3 };
  const b = encodeStatx(st, 0xfff);
  t.is(b.length, 256);
  const dv = new DataView(b.buffer);
  const fields: Array<[string, number, number, bigint | number]> = [
    ['stx_mask', 0, 4, 0x7ff], ['stx_blksize', 4, 4, 4096], ['stx_nlink', 16, 4, 3], ['stx_uid', 20, 4, 1000],
    ['stx_gid', 24, 4, 100], ['stx_mode', 28, 2, 0o100644], ['stx_ino', 32, 8, 0x1_2345_6789n],
    ['stx_size', 40, 8, 0x1_0000_0001n], ['stx_blocks', 48, 8, 17n],
    ['stx_atime.tv_sec', 64, 8, 1_700_000_000n], ['stx_atime.tv_nsec', 72, 4, 123_456_789],
    ['stx_ctime.tv_sec', 96, 8, 1_500_000_000n], ['stx_ctime.tv_nsec', 104, 4, 999_999_999],
    ['stx_mtime.tv_sec', 112, 8, 1_600_000_000n], ['stx_mtime.tv_nsec', 120, 4, 1],
    ['stx_rdev_major', 128, 4, 136], ['stx_rdev_minor', 132, 4, 5], ['stx_dev_major', 136, 4, 8], ['stx_dev_minor', 140, 4, 3],
  ];
  const read = (off: number, sz: number): bigint | number => (sz === 8 ? dv.getBigUint64(off, true) : sz === 4 ? dv.getUint32(off, true) : dv.getUint16(off, true));
  t.deepEqual(fields.map(([n, off, sz]) => [n, read(off, sz)]), fields.map(([n, , , v]) => [n, v]));
  // stx_attributes (8), stx_attributes_mask (56), stx_btime (80), __spare0 (30), stx_mnt_id (144)...
  t.deepEqual(padding(b, fields), []);
  t.is(dv.getUint32(0, true) & 0x800, 0, 'STATX_BTIME is not claimed');
});

test('struct statx: stx_mask is the requested basic fields', (t) => {
  const mask = (m: number): number => new DataView(encodeStatx(ST, m).buffer).getUint32(0, true);
  t.is(mask(0x7ff), 0x7ff);
  t.is(mask(0x200), 0x200, 'STATX_SIZE');
  t.is(mask(0x800), 0, 'STATX_BTIME only: not available');
});

test('struct statx: times before 1970 have tv_sec rounded down and tv_nsec in [0, 1e9)', (t) => {
  const dv = new DataView(encodeStatx({ ...ST, mtimeNs: -1_500_000_000n }, 0x7ff).buffer);
  t.deepEqual([dv.getBigInt64(112, true), dv.getUint32(120, true)], [-2n, 500_000_000]);
});

test('linux_dirent64: d_ino, d_off (the next cookie), d_reclen aligned to 8, d_type, NUL-terminated name', (t) => {
  const entries: DirEntry[] = [
    { name: '.', ino: 1, type: 4 }, { name: '..', ino: 1, type: 4 }, { name: 'hello', ino: 0x1_0000_0002, type: 8 },
    { name: 'abcd', ino: 7, type: 10 }, { name: 'é', ino: 8, type: 2 },
  ];
  const { bytes, next } = encodeDirents(entries, 0, 4096);
  t.is(next, 5);
  // reclen = ALIGN(19 + len + 1, 8): '.' 24, '..' 24, 'hello' 32, 'abcd' 24, 'é' (2 bytes) 24.
  const recs: Array<[bigint, bigint, number, number, string]> = [];
  const dv = new DataView(bytes.buffer);
  for (let off = 0; off < bytes.length;) {
    const reclen = dv.getUint16(off + 16, true);
    const nameEnd = bytes.indexOf(0, off + 19);
    recs.push([dv.getBigUint64(off, true), dv.getBigInt64(off + 8, true), reclen, bytes[off + 18]!, Buffer.from(bytes.subarray(off + 19, nameEnd)).toString('utf8')]);
    t.true(nameEnd < off + reclen, 'the NUL is inside the record');
    t.deepEqual([...bytes.subarray(nameEnd, off + reclen)].filter((x) => x !== 0), [], 'zero padding');
    off += reclen;
  }
  t.deepEqual(recs, [
    [1n, 1n, 24, 4, '.'], [1n, 2n, 24, 4, '..'], [0x1_0000_0002n, 3n, 32, 8, 'hello'], [7n, 4n, 24, 10, 'abcd'], [8n, 5n, 24, 2, 'é'],
  ]);
  t.is(bytes.length, 128);
});

test('linux_dirent64: stops at the first record that does not fit; resumes from `from`', (t) => {
  const entries: DirEntry[] = [{ name: 'a', ino: 1, type: 8 }, { name: 'b'.repeat(13), ino: 2, type: 8 }, { name: 'c', ino: 3, type: 8 }];
  // 'a' is 24 bytes, 'bbbbbbbbbbbbb' ALIGN(33, 8) = 40, 'c' 24.
  let r = encodeDirents(entries, 0, 63);
  t.deepEqual([r.bytes.length, r.next], [24, 1]);
  r = encodeDirents(entries, 0, 64);
  t.deepEqual([r.bytes.length, r.next], [64, 2]);
  r = encodeDirents(entries, 2, 64);
  t.deepEqual([r.bytes.length, r.next], [24, 3]);
  t.is(new DataView(r.bytes.buffer).getBigInt64(8, true), 3n, 'd_off of the third entry is 3 wherever the call started');
  r = encodeDirents(entries, 1, 39);
  t.deepEqual([r.bytes.length, r.next], [0, 1], 'not even one record: nothing, and the caller answers EINVAL');
  r = encodeDirents(entries, 3, 4096);
  t.deepEqual([r.bytes.length, r.next], [0, 3], 'at the end: nothing');
  t.deepEqual(encodeDirents([{ name: 'x'.repeat(255), ino: 9, type: 8 }], 0, 4096).bytes.length, 280);
});

const STATFS_IN = { type: 0x01021994, bsize: 4096, blocks: 1000, bfree: 600, files: 50, ffree: 40, namelen: 255, readOnly: false };

test('struct statfs: 120 bytes, every field at its offset (f_bavail = f_bfree, f_frsize = f_bsize)', (t) => {
  const b = encodeStatfs(STATFS_IN);
  t.is(b.length, 120);
  const fields: Field[] = [
    ['f_type', 0, 8, 0x01021994n], ['f_bsize', 8, 8, 4096n], ['f_blocks', 16, 8, 1000n], ['f_bfree', 24, 8, 600n],
    ['f_bavail', 32, 8, 600n], ['f_files', 40, 8, 50n], ['f_ffree', 48, 8, 40n], ['f_namelen', 64, 8, 255n],
    ['f_frsize', 72, 8, 4096n],
  ];
  t.deepEqual(fieldsOf(b, fields), expected(fields));
  const dv = new DataView(b.buffer);
  t.is(dv.getBigUint64(56, true), 0n, 'f_fsid');
  t.deepEqual([...b.subarray(88, 120)].filter((x) => x !== 0), [], 'f_spare');
  t.is(dv.getBigInt64(80, true) & 1n, 0n, 'read-write: no ST_RDONLY');
  t.is(new DataView(encodeStatfs({ ...STATFS_IN, readOnly: true }).buffer).getBigInt64(80, true) & 1n, 1n, 'ST_RDONLY');
});

test('struct statfs: f_flags carries ST_VALID (0x20), as Linux\'s calculate_f_flags always sets', (t) => {
  // glibc's statvfs computes f_flag = f_flags ^ ST_VALID (sysdeps/unix/sysv/linux/internal_statvfs.c):
  // without the bit, statvfs() reports a stray 0x20 in f_flag.
  for (const readOnly of [false, true]) {
    const flags = new DataView(encodeStatfs({ ...STATFS_IN, readOnly }).buffer).getBigInt64(80, true);
    t.is(flags & 0x20n, 0x20n, `readOnly=${readOnly}`);
  }
});
