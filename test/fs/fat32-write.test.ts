/**
 * FAT32 read-write behind the VFS inode interface (kernel/fs/fat32-vfs.ts). Every scenario ends
 * with the image checked by independent implementations: `fsck.fat -n` must find nothing to fix,
 * both FATs must match, FSInfo must hold the true free count, and mtools must list the same names
 * and read the same bytes.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { E, SysError } from '../../kernel/errno';
import { buildFat32Image, type BuildEntry } from '../../kernel/fs/fat32-build';
import { memoryDevice, type FatBlockDevice } from '../../kernel/fs/fat32';
import { FatDirInode, FatFileSystem } from '../../kernel/fs/fat32-vfs';
import { DT, S_IFDIR, S_IFREG, type Inode } from '../../kernel/fs/inode';
import { fsckFat, mdirB, mirroredDevice, mtype, pattern, run, tmpDir } from './_helpers';

const T0 = Date.UTC(2024, 5, 1, 12, 34, 56);
const DAY0 = Date.UTC(2024, 5, 1);
const DEV = 0x800;
/** The default 33 MiB image: 66512 clusters of 512 bytes, the root directory in cluster 2. */
const CLUSTERS = 66512;
const FREE0 = CLUSTERS - 1;
const nsOf = (ms: number): bigint => BigInt(ms) * 1_000_000n;
const range = (n: number): number[] => [...Array(n).keys()];

/** A mounted image: the bytes in memory and, kept in step, an image file for the tools. */
interface Vol { img: Uint8Array; file: string; fs: FatFileSystem; root: FatDirInode; clock: { ms: number } }

function mount(t: ExecutionContext, img: Uint8Array): Vol {
  const mirror = mirroredDevice(img);
  t.teardown(mirror.remove);
  const clock = { ms: T0 };
  const fs = FatFileSystem.mount(mirror.dev, { dev: DEV, clock: () => nsOf(clock.ms) });
  return { img, file: mirror.file, fs, root: fs.root, clock };
}
const fresh = (t: ExecutionContext, entries: BuildEntry[] = []): Vol => mount(t, buildFat32Image({ entries }));

function errno(t: ExecutionContext, f: () => unknown, e: number, what?: string): void {
  const err = t.throws(f, { instanceOf: SysError }, what);
  t.is(err?.errno, e, what);
}

const dir = (i: Inode | null): FatDirInode => {
  if (!(i instanceof FatDirInode)) throw new Error('not a FAT directory');
  return i;
};
function readAll(i: Inode): Buffer {
  const buf = new Uint8Array(i.stat().size);
  if (i.read(0, buf) !== buf.length) throw new Error('short read');
  return Buffer.from(buf);
}
function fsInfo(v: Vol): { free: number; next: number } {
  const dv = new DataView(v.img.buffer, v.img.byteOffset);
  const at = v.fs.vol.geometry.fsInfoSector! * v.fs.vol.geometry.bytesPerSector;
  return { free: dv.getUint32(at + 488, true), next: dv.getUint32(at + 492, true) };
}
/** The first cluster a directory's '..' entry names. */
function dotdot(v: Vol, d: FatDirInode): number {
  const o = v.fs.vol.clusterOffset(d.first) + 32;
  const dv = new DataView(v.img.buffer, v.img.byteOffset);
  must(String.fromCharCode(...v.img.subarray(o, o + 11)) === '..         ', 'second entry is ..');
  return (dv.getUint16(o + 20, true) << 16) | dv.getUint16(o + 26, true);
}
function must(ok: boolean, what: string): void { if (!ok) throw new Error(what); }

/**
 * fsck.fat -n has nothing to fix (exactly its banner and summary line), the FAT copies are equal
 * and FSInfo holds the true free count. Returns fsck's file count and used clusters; `check`
 * runs the mtools assertions on the same file.
 */
function verify(t: ExecutionContext, v: Vol, check: (file: string) => void = () => {}, stderr = ''): { files: number; used: number } {
  const g = v.fs.vol.geometry;
  const fatAt = (k: number): number => (g.reservedSectors + k * g.fatSectors) * g.bytesPerSector;
  const fat = (k: number): Buffer => Buffer.from(v.img.subarray(fatAt(k), fatAt(k + 1)));
  t.true(fat(0).equals(fat(1)), 'both FATs agree');
  const free = v.fs.vol.freeClusters();
  t.is(fsInfo(v).free, free, 'FSInfo free count');
  const file = v.file;
  {
    const r = fsckFat(file);
    t.is(r.status, 0, r.stdout + r.stderr);
    t.is(r.stderr, stderr);
    const lines = r.stdout.split('\n');
    t.is(lines.length, 3, r.stdout);
    t.regex(lines[0]!, /^fsck\.fat \d/);
    const m = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\d+) files, (\\d+)/(\\d+) clusters$`).exec(lines[1]!);
    t.truthy(m, r.stdout);
    t.is(Number(m![3]) - Number(m![2]), free, 'fsck counts the same free clusters');
    check(file);
    return { files: Number(m![1]), used: Number(m![2]) };
  }
}

test('root and a new file: stat fields, timestamps, reads and writes across a cluster boundary', (t) => {
  const v = fresh(t);
  t.deepEqual(v.root.stat(), {
    dev: DEV, ino: 1, mode: S_IFDIR | 0o755, nlink: 2, uid: 0, gid: 0, rdev: 0, size: 512, blksize: 512, blocks: 1,
    atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
  });
  const f = v.root.create('Hello.txt', 0o644);
  t.is(f.type, S_IFREG);
  t.deepEqual(f.stat(), {
    dev: DEV, ino: 2, mode: S_IFREG | 0o755, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 512, blocks: 0,
    atimeNs: nsOf(DAY0), mtimeNs: nsOf(T0), ctimeNs: nsOf(T0),
  });
  t.is(v.root.stat().mtimeNs, nsOf(T0), "the root's mtime follows its entries (in memory)");
  v.clock.ms = T0 + 3001;
  const data = pattern(1000, 1);
  t.is(f.write(0, data), 1000);
  t.like(f.stat(), { size: 1000, blocks: 2, mtimeNs: nsOf(T0 + 2000), ctimeNs: nsOf(T0 + 2000) }); // 2-second resolution
  t.is(f.write(510, Uint8Array.of(9, 8, 7, 6)), 4);
  data.set([9, 8, 7, 6], 510);
  const buf = new Uint8Array(2000);
  t.is(f.read(0, buf), 1000);
  t.deepEqual(Buffer.from(buf.subarray(0, 1000)), Buffer.from(data));
  t.is(f.read(990, new Uint8Array(20)), 10);
  t.is(f.read(1000, new Uint8Array(5)), 0);
  t.is(f.read(5000, new Uint8Array(5)), 0);
  errno(t, () => f.read(-1, buf), E.EINVAL);
  t.is(f.write(0, new Uint8Array(0)), 0);
  // The daemon's path API shares the volume and sees the change.
  t.deepEqual(Buffer.from(v.fs.vol.readFile('/HELLO.TXT')), Buffer.from(data));
  t.deepEqual(v.fs.vol.readdir('/').map((n) => n.name), ['Hello.txt']);
  t.is(v.fs.vol.freeClusters(), FREE0 - 2);
  t.deepEqual(fsInfo(v), { free: FREE0 - 2, next: 5 });
  const s = verify(t, v, (file) => {
    t.deepEqual(mdirB(file, '/'), ['::/Hello.txt']);
    t.deepEqual(mtype(file, '/hello.txt'), Buffer.from(data));
  });
  t.deepEqual(s, { files: 1, used: 3 });
});

test('holes and truncate: gaps read as zeros even over reused clusters, shrinking frees clusters', (t) => {
  const v = fresh(t);
  const f = v.root.create('a', 0);
  const p = pattern(3000, 2);
  t.is(f.write(0, p), 3000); // clusters 3-8
  t.is(v.fs.vol.freeClusters(), FREE0 - 6);
  f.truncate(100);
  t.like(f.stat(), { size: 100, blocks: 1 });
  t.is(v.fs.vol.freeClusters(), FREE0 - 1);
  verify(t, v);
  f.truncate(3000); // takes clusters 4-8 back, still holding the old bytes
  let out = readAll(f);
  t.deepEqual(out.subarray(0, 100), Buffer.from(p.subarray(0, 100)));
  t.true(out.subarray(100).every((b) => b === 0), 'zeros after regrowth');
  t.is(f.write(6000, Uint8Array.of(1, 2, 3)), 3);
  out = readAll(f);
  t.is(out.length, 6003);
  t.true(out.subarray(100, 6000).every((b) => b === 0), 'zeros in the gap');
  t.deepEqual([...out.subarray(6000)], [1, 2, 3]);
  t.is(v.fs.vol.lookup('/a')!.firstCluster, 3);
  t.like(verify(t, v, (file) => t.deepEqual(mtype(file, '/a'), out)), { files: 1, used: 1 + 12 });
  f.truncate(0);
  t.like(f.stat(), { size: 0, blocks: 0 });
  t.is(v.fs.vol.lookup('/a')!.firstCluster, 0, 'an empty file owns no cluster');
  t.is(v.fs.vol.freeClusters(), FREE0);
  t.like(verify(t, v), { files: 1, used: 1 });
  errno(t, () => f.truncate(-1), E.EINVAL);
  errno(t, () => f.truncate(2 ** 32), E.EFBIG);
  errno(t, () => f.write(0xffffffff, Uint8Array.of(1)), E.EFBIG);
  errno(t, () => f.write(0xfffffffe, Uint8Array.of(1, 2)), E.ENOSPC, 'the zero fill up to 4 GiB does not fit');
  errno(t, () => f.truncate(40 << 20), E.ENOSPC);
  t.is(f.stat().size, 0);
  t.like(verify(t, v), { files: 1, used: 1 });
});

test('a directory grows past one cluster; deleted slots are reused in on-disk order', (t) => {
  const v = fresh(t);
  const d = dir(v.root.mkdir('many', 0o700));
  const names = range(100).map((i) => `file number ${String(i).padStart(3, '0')}.txt`);
  names.forEach((n, i) => t.is(d.create(n, 0).write(0, Uint8Array.of(i)), 1));
  t.deepEqual(d.readdir().map((e) => e.name), names);
  // '.', '..' and 100 x (2 long-name slots + 1) = 302 slots of 32 bytes: 19 clusters.
  t.like(d.stat(), { mode: S_IFDIR | 0o755, nlink: 2, size: 19 * 512, blocks: 19 });
  t.is(v.root.stat().nlink, 3);
  t.deepEqual(verify(t, v, (file) => {
    t.deepEqual(mdirB(file, '/many'), names.map((n) => `::/many/${n}`));
    t.deepEqual([...mtype(file, '/many/file number 042.txt')], [42]);
  }), { files: 101, used: 1 + 19 + 100 });
  names.forEach((n, i) => { if (i % 2 === 0) d.unlink(n); });
  const more = range(50).map((i) => `file number ${100 + i}.txt`);
  more.forEach((n) => d.create(n, 0).write(0, Uint8Array.of(200)));
  const order = names.map((n, i) => (i % 2 === 1 ? n : more[i / 2]!));
  t.deepEqual(d.readdir().map((e) => e.name), order);
  t.is(d.stat().size, 19 * 512, 'the holes were reused');
  t.deepEqual(verify(t, v, (file) => {
    t.deepEqual(mdirB(file, '/many'), order.map((n) => `::/many/${n}`));
    t.deepEqual([...mtype(file, '/many/file number 149.txt')], [200]);
  }), { files: 101, used: 1 + 19 + 100 });
});

test('short names: numeric tails that never collide, long names only when needed, unicode', (t) => {
  const v = fresh(t);
  const r = v.root;
  const longs = range(12).map((i) => `verylongfilename${i + 1}.txt`);
  longs.forEach((n, i) => r.create(n, 0).write(0, Uint8Array.of(i)));
  const shortOf = (name: string): string => v.fs.vol.lookup(`/${name}`)!.shortName;
  t.deepEqual(longs.map(shortOf), [
    'VERYLO~1.TXT', 'VERYLO~2.TXT', 'VERYLO~3.TXT', 'VERYLO~4.TXT', 'VERYLO~5.TXT', 'VERYLO~6.TXT',
    'VERYLO~7.TXT', 'VERYLO~8.TXT', 'VERYLO~9.TXT', 'VERYL~10.TXT', 'VERYL~11.TXT', 'VERYL~12.TXT',
  ]);
  r.unlink('verylongfilename3.txt');
  r.create('verylongfilename99.txt', 0);
  t.is(shortOf('verylongfilename99.txt'), 'VERYLO~3.TXT', 'a freed tail is taken again');
  errno(t, () => r.create('VERYLO~1.TXT', 0), E.EEXIST, 'a short name is a name too');
  t.is(r.lookup('verylo~1.txt'), r.lookup('verylongfilename1.txt'));
  const names = ['README', 'Readme.md', 'hello.txt', '.bashrc', 'my file.tar.gz', 'a.b.c.d', 'ünïcödé €.txt', '日本語.txt', '😀 smile.txt'];
  for (const n of names) r.create(n, 0).write(0, new TextEncoder().encode(n));
  t.deepEqual(names.map(shortOf), ['README', 'README.MD', 'HELLO.TXT', 'BASHRC~1', 'MYFILE~1.GZ', 'ABC~1.D', '_N_C_D~1.TXT', '___~1.TXT', '_SMILE~1.TXT']);
  // shortname=mixed: an upper-case 8.3 name alone needs no long name; "Readme.md" does.
  t.deepEqual(['README', 'Readme.md', 'verylongfilename12.txt', '😀 smile.txt'].map((n) => v.fs.vol.lookup(`/${n}`)!.entry!.lfnSlots), [0, 1, 2, 1]);
  errno(t, () => r.create('readme', 0), E.EEXIST);
  t.is(r.lookup('rEaDmE'), r.lookup('README'));
  t.is(r.lookup('HELLO.TXT'), r.lookup('hello.txt'));
  t.not(r.lookup('ünïcödé €.TXT'), null, 'ASCII letters fold');
  t.is(r.lookup('ÜNÏCÖDÉ €.txt'), null, 'other letters do not (utf8 I/O charset)');
  // Trailing dots are dropped, as vfat does.
  const dots = r.create('dots...', 0);
  t.is(r.lookup('dots'), dots);
  t.is(r.lookup('dots.'), dots);
  const listed = ['verylongfilename1.txt', 'verylongfilename2.txt', 'verylongfilename99.txt', ...longs.slice(3), ...names, 'dots'];
  t.deepEqual(r.readdir().map((e) => e.name), listed);
  verify(t, v, (file) => {
    // mtools accepts the long names (checksums and slot order right) and resolves the short ones.
    // (mtools prints the emoji's two UTF-16 units as '_' each: it has no surrogate pairs.)
    t.deepEqual(mdirB(file, '/'), listed.map((n) => `::/${n.replace('😀', '__')}`));
    t.deepEqual([...mtype(file, '/VERYL~10.TXT')], [9]);
    t.is(mtype(file, '/日本語.txt').toString(), '日本語.txt');
    t.is(mtype(file, '/_SMILE~1.TXT').toString(), '😀 smile.txt');
  });
});

test('names FAT cannot hold: EINVAL, ENAMETOOLONG; no symlinks', (t) => {
  const v = fresh(t);
  const r = v.root;
  const n255 = `${'x'.repeat(251)}.txt`;
  const f = r.create(n255, 0);
  r.create('é'.repeat(127), 0); // 254 bytes of UTF-8
  errno(t, () => r.create('y'.repeat(256), 0), E.ENAMETOOLONG);
  errno(t, () => r.create('é'.repeat(128), 0), E.ENAMETOOLONG, 'Linux counts bytes');
  for (const c of ['*', '?', '<', '>', '|', ':', '"', '\\', '\x01', '\x1f']) {
    errno(t, () => r.create(`a${c}b`, 0), E.EINVAL, JSON.stringify(c));
    errno(t, () => r.mkdir(`a${c}b`, 0), E.EINVAL, JSON.stringify(c));
  }
  errno(t, () => r.create('trailing ', 0), E.EINVAL);
  errno(t, () => r.create('...', 0), E.ENOENT);
  errno(t, () => r.rename(n255, r, 'a*b'), E.EINVAL);
  errno(t, () => r.symlink('link', '/x'), E.EPERM);
  errno(t, () => r.symlink(n255, '/x'), E.EEXIST);
  errno(t, () => f.readlink(), E.EINVAL);
  t.deepEqual(r.readdir().map((e) => e.name), [n255, 'é'.repeat(127)]);
  t.like(verify(t, v, (file) => t.deepEqual(mdirB(file, '/'), [`::/${n255}`, `::/${'é'.repeat(127)}`])), { files: 2 });
});

test('mkdir and rmdir: dot entries, nlink, ENOTEMPTY, ENOTDIR, EISDIR, removed directories', (t) => {
  const v = fresh(t);
  const r = v.root;
  const a = dir(r.mkdir('a', 0o700));
  const b = dir(a.mkdir('b', 0));
  t.deepEqual([r.stat().nlink, a.stat().nlink, b.stat().nlink], [3, 3, 2]);
  t.like(a.stat(), { mode: S_IFDIR | 0o755, size: 512, blocks: 1, mtimeNs: nsOf(T0) });
  t.is(dotdot(v, a), 0, "the root's children point '..' at cluster 0");
  t.is(dotdot(v, b), a.first);
  t.deepEqual(b.readdir(), []);
  const f = b.create('f', 0);
  f.write(0, Uint8Array.of(1));
  errno(t, () => a.rmdir('b'), E.ENOTEMPTY);
  errno(t, () => b.rmdir('f'), E.ENOTDIR);
  errno(t, () => a.unlink('b'), E.EISDIR);
  errno(t, () => a.rmdir('nope'), E.ENOENT);
  errno(t, () => a.unlink('nope'), E.ENOENT);
  errno(t, () => a.mkdir('B', 0), E.EEXIST);
  errno(t, () => f.lookup('x'), E.ENOTDIR);
  errno(t, () => f.create('x', 0), E.ENOTDIR);
  errno(t, () => b.read(0, new Uint8Array(1)), E.EISDIR);
  errno(t, () => b.write(0, new Uint8Array(1)), E.EISDIR);
  errno(t, () => b.truncate(0), E.EISDIR);
  t.deepEqual(verify(t, v, (file) => t.deepEqual(mdirB(file, '/a/b'), ['::/a/b/f'])), { files: 3, used: 4 });
  b.unlink('f');
  a.rmdir('b');
  t.is(a.stat().nlink, 2);
  t.is(b.stat().nlink, 0);
  t.is(b.lookup('f'), null);
  t.deepEqual(b.readdir(), []);
  errno(t, () => b.create('g', 0), E.ENOENT, 'nothing is created in a removed directory');
  t.is(v.fs.vol.freeClusters(), FREE0 - 1);
  t.deepEqual(verify(t, v, (file) => t.deepEqual(mdirB(file, '/'), ['::/a/'])), { files: 1, used: 2 });
});

test('rename within and across directories keeps the inode; a moved directory follows with ..', (t) => {
  const v = fresh(t);
  const r = v.root;
  const f = r.create('one.txt', 0);
  const data = pattern(700, 3);
  f.write(0, data);
  const d1 = dir(r.mkdir('d1', 0));
  const d2 = dir(r.mkdir('d2', 0));
  r.rename('one.txt', r, 'a much longer name.txt');
  t.is(r.lookup('a much longer name.txt'), f);
  t.is(r.lookup('one.txt'), null);
  t.is(f.stat().ino, 2);
  r.rename('a much longer name.txt', d1, 'x');
  t.is(d1.lookup('x'), f);
  t.deepEqual(readAll(f), Buffer.from(data));
  const sub = dir(d1.mkdir('sub', 0));
  sub.create('inner', 0).write(0, Uint8Array.of(5));
  d1.rename('sub', d2, 'Sub Moved');
  t.is(d2.lookup('sub moved'), sub);
  t.is(dotdot(v, sub), d2.first);
  t.deepEqual([d1.stat().nlink, d2.stat().nlink], [2, 3]);
  t.deepEqual(verify(t, v, (file) => {
    t.deepEqual(mdirB(file, '/d2/Sub Moved'), ['::/d2/Sub Moved/inner']);
    t.deepEqual(mtype(file, '/d1/x'), Buffer.from(data));
  }), { files: 5, used: 1 + 3 + 2 + 1 });
  d2.rename('Sub Moved', r, 'top');
  t.is(dotdot(v, sub), 0);
  const deeper = dir(sub.mkdir('deeper', 0));
  errno(t, () => r.rename('top', deeper, 'x'), E.EINVAL, 'not below itself');
  errno(t, () => r.rename('top', sub, 'self'), E.EINVAL, 'not into itself');
  errno(t, () => r.rename('missing', r, 'x'), E.ENOENT);
  errno(t, () => r.rename('top', FatFileSystem.mount(memoryDevice(buildFat32Image({ entries: [] })), { dev: 1, clock: () => 0n }).root, 'x'), E.EXDEV);
  r.rename('top', r, 'TOP');
  // 'top' took the slots 'one.txt' left at the start of the root.
  t.deepEqual(r.readdir().map((e) => e.name), ['top', 'd1', 'd2'], 'the same file under another case: nothing happens');
  t.is(sub.lookup('inner')!.stat().size, 1);
  t.like(verify(t, v, (file) => t.deepEqual(mdirB(file, '/top'), ['::/top/inner', '::/top/deeper/'])), { files: 6 });
});

test('rename over an existing file or empty directory frees the target; incompatible targets refused', (t) => {
  const v = fresh(t);
  const r = v.root;
  const a = r.create('a.txt', 0);
  const b = r.create('b.txt', 0);
  const pa = pattern(2000, 4);
  a.write(0, pa);
  b.write(0, pattern(3000, 5));
  t.is(v.fs.vol.freeClusters(), FREE0 - 10);
  r.rename('a.txt', r, 'B.TXT');
  t.deepEqual(r.readdir().map((e) => e.name), ['b.txt'], "the target's slot and name stay, as Linux vfat_rename");
  t.is(r.lookup('b.txt'), a);
  t.deepEqual(readAll(a), Buffer.from(pa));
  t.is(b.stat().nlink, 0);
  errno(t, () => b.read(0, new Uint8Array(1)), E.EIO, 'a replaced file is gone');
  t.is(v.fs.vol.freeClusters(), FREE0 - 4);
  const d = dir(r.mkdir('d', 0));
  const e = dir(r.mkdir('e', 0));
  e.create('keep', 0);
  dir(r.mkdir('full', 0)).create('x', 0);
  errno(t, () => r.rename('b.txt', r, 'd'), E.EISDIR);
  errno(t, () => r.rename('d', r, 'b.txt'), E.ENOTDIR);
  errno(t, () => r.rename('e', r, 'full'), E.ENOTEMPTY);
  t.is(r.stat().nlink, 5);
  r.rename('e', r, 'd');
  t.is(r.lookup('d'), e);
  t.not(e.lookup('keep'), null);
  t.is(d.stat().nlink, 0);
  t.is(r.stat().nlink, 4);
  const sub = dir(r.mkdir('sub', 0));
  sub.create('t', 0).write(0, Uint8Array.of(1));
  r.rename('b.txt', sub, 'T');
  t.is(sub.lookup('t'), a);
  t.deepEqual(r.readdir().map((x) => x.name), ['d', 'sub', 'full'], "'sub' reused the slots 'e' left");
  t.is(v.fs.vol.freeClusters(), FREE0 - 4 - 3);
  t.deepEqual(verify(t, v, (file) => {
    t.deepEqual(mdirB(file, '/sub'), ['::/sub/t']);
    t.deepEqual(mtype(file, '/sub/t'), Buffer.from(pa));
  }), { files: 6, used: 1 + 4 + 3 });
});

test('ENOSPC: a short write, then nothing; no cluster for a directory; a full disk stays consistent', (t) => {
  const v = fresh(t);
  const r = v.root;
  const big = r.create('BIG', 0);
  t.is(big.write(0, new Uint8Array((FREE0 + 10) * 512).fill(0xab)), FREE0 * 512);
  t.is(v.fs.vol.freeClusters(), 0);
  errno(t, () => big.write(FREE0 * 512, Uint8Array.of(1)), E.ENOSPC);
  errno(t, () => r.mkdir('dir', 0), E.ENOSPC);
  // The root's one cluster holds 16 entries: BIG and 15 more; the 17th needs a cluster.
  for (let i = 1; i <= 15; i++) r.create(`F${i}`, 0);
  errno(t, () => r.create('F16', 0), E.ENOSPC);
  errno(t, () => r.lookup('F1')!.write(0, Uint8Array.of(1)), E.ENOSPC);
  big.truncate(FREE0 * 512 - 100);
  t.is(big.write(FREE0 * 512 - 100, new Uint8Array(200).fill(7)), 100, 'what its last cluster holds');
  errno(t, () => big.truncate(FREE0 * 512 + 1), E.ENOSPC);
  t.is(big.stat().size, FREE0 * 512);
  t.deepEqual(fsInfo(v).free, 0);
  t.deepEqual(verify(t, v), { files: 16, used: CLUSTERS });
  r.unlink('BIG');
  t.is(v.fs.vol.freeClusters(), FREE0);
  r.create('F16', 0); // BIG's slot
  r.create('one more long name', 0); // three slots: the root grows
  t.is(r.stat().size, 1024);
  t.deepEqual(verify(t, v), { files: 17, used: 2 });
});

test('read-only mounts answer EROFS and leave the image untouched', (t) => {
  const img = buildFat32Image({ entries: [{ path: '/d/f.txt', data: pattern(100, 6) }, { path: '/e', dir: true }] });
  const before = Buffer.from(img);
  const rw = memoryDevice(img);
  const ways: Array<[string, FatBlockDevice, { readOnly?: boolean }]> = [
    ['read-only device', memoryDevice(img, { readOnly: true }), {}],
    ['readOnly mount option', rw, { readOnly: true }],
    ['device without writeSectors', { sectorCount: rw.sectorCount, readSectors: rw.readSectors }, {}],
  ];
  for (const [way, dev, opts] of ways) {
    const fs = FatFileSystem.mount(dev, { dev: DEV, clock: () => nsOf(T0), ...opts });
    t.true(fs.readOnly, way);
    const d = dir(fs.root.lookup('d'));
    const f = d.lookup('F.TXT')!;
    t.deepEqual(readAll(f), Buffer.from(pattern(100, 6)), way);
    const cases: Array<[string, () => unknown, number]> = [
      ['write', () => f.write(0, Uint8Array.of(1)), E.EROFS],
      ['truncate', () => f.truncate(0), E.EROFS],
      ['setTimes', () => f.setTimes(0n, 0n), E.EROFS],
      ['chmod', () => f.chmod(0o555), E.EROFS],
      ['create', () => d.create('new', 0), E.EROFS],
      ['mkdir', () => d.mkdir('new', 0), E.EROFS],
      ['mkdir over a name', () => d.mkdir('f.txt', 0), E.EEXIST],
      ['symlink', () => d.symlink('l', 't'), E.EROFS],
      ['unlink', () => d.unlink('f.txt'), E.EROFS],
      ['unlink a missing name', () => d.unlink('missing'), E.EROFS],
      ['rmdir', () => fs.root.rmdir('e'), E.EROFS],
      ['rename', () => d.rename('f.txt', fs.root, 'g'), E.EROFS],
      ['root setTimes', () => fs.root.setTimes(0n, 0n), E.EROFS],
    ];
    for (const [what, f2, e] of cases) errno(t, f2, e, `${way}: ${what}`);
  }
  t.true(Buffer.from(img).equals(before));
});

test('times and chmod as Linux vfat: 2-second mtime, access date, clamping, ATTR_RO only', (t) => {
  const v = fresh(t, [{ path: '/d', dir: true }]);
  const d = dir(v.root.lookup('d'));
  v.clock.ms = T0 + 10_000;
  const f = d.create('f', 0);
  t.is(d.stat().mtimeNs, nsOf(T0 + 10_000), "a directory's mtime follows its entries");
  f.setTimes(nsOf(Date.UTC(2030, 0, 2, 3, 4, 5)) + 999_999n, nsOf(Date.UTC(2031, 1, 3, 4, 5, 7, 500)));
  t.like(f.stat(), { atimeNs: nsOf(Date.UTC(2030, 0, 2)), mtimeNs: nsOf(Date.UTC(2031, 1, 3, 4, 5, 6)) });
  f.setTimes(null, null);
  f.setTimes(null, nsOf(Date.UTC(2025, 0, 1)));
  t.like(f.stat(), { atimeNs: nsOf(Date.UTC(2030, 0, 2)), mtimeNs: nsOf(Date.UTC(2025, 0, 1)) });
  f.setTimes(-1n, nsOf(Date.UTC(1975, 5, 5)));
  t.like(f.stat(), { atimeNs: nsOf(Date.UTC(1980, 0, 1)), mtimeNs: nsOf(Date.UTC(1980, 0, 1)) }, 'clamped to 1980');
  f.setTimes(null, nsOf(Date.UTC(2200, 0, 1)));
  t.is(f.stat().mtimeNs, nsOf(Date.UTC(2107, 11, 31, 23, 59, 58)), 'clamped to 2107');
  v.root.setTimes(nsOf(5), nsOf(7));
  t.like(v.root.stat(), { atimeNs: nsOf(5), mtimeNs: nsOf(7) }, "the root's times live in memory");
  f.chmod(0o555);
  t.is(f.stat().mode, S_IFREG | 0o555);
  t.true(v.fs.vol.stat('/d/f')!.readOnly);
  f.chmod(0o777);
  t.is(f.stat().mode, S_IFREG | 0o755, 'group and other write bits are masked (fmask 022)');
  t.false(v.fs.vol.stat('/d/f')!.readOnly);
  f.chmod(0o644);
  t.is(f.stat().mode, S_IFREG | 0o755, 'r/x changes are ignored without an error, as fat_setattr does');
  errno(t, () => f.chmod(0o4755), E.EPERM);
  errno(t, () => f.chmod(0o1755), E.EPERM);
  d.chmod(0o555);
  t.is(d.stat().mode, S_IFDIR | 0o755, 'directories ignore ATTR_RO (no rodir)');
  f.chmod(0o500);
  t.is(f.stat().mode, S_IFREG | 0o755, 'dropping x bits is ignored too');
  f.chmod(0o555);
  verify(t, v, (file) => t.is(run('mattrib', ['-i', file, '::/d/f']).stdout, '  A    R     ::/d/f\n'));
});

test('inodes are stable: one object and number per file, by any name, across renames', (t) => {
  const v = fresh(t, [{ path: '/etc/passwd', data: pattern(10, 7) }]);
  const etc = dir(v.root.lookup('etc'));
  const p = etc.lookup('passwd')!;
  t.is(etc.lookup('PASSWD'), p);
  t.is(v.root.lookup('ETC'), etc);
  t.deepEqual(etc.readdir(), [{ name: 'passwd', ino: p.ino, type: DT.REG }]);
  t.deepEqual(v.root.readdir(), [{ name: 'etc', ino: etc.ino, type: DT.DIR }]);
  const ino = p.ino;
  etc.rename('passwd', v.root, 'moved');
  t.is(v.root.lookup('moved'), p);
  t.is(p.stat().ino, ino);
  v.root.unlink('moved');
  const again = v.root.create('moved', 0);
  t.not(again, p);
  t.true(again.ino > ino);
  t.is(p.stat().nlink, 0);
  errno(t, () => p.write(0, Uint8Array.of(1)), E.EIO, 'a file unlinked while not open is gone');
  t.like(verify(t, v), { files: 2, used: 2 });
});

test('a corrupt image answers EIO through the inodes, naming the fault', (t) => {
  const img = buildFat32Image({ entries: [{ path: '/x', data: pattern(2000, 1) }, { path: '/y', data: pattern(10, 2) }] });
  const first = mount(t, img.slice()).fs.vol.lookup('/x')!.firstCluster;
  const dv = new DataView(img.buffer);
  for (const fat of [0, 1]) dv.setUint32((32 + fat * 520) * 512 + (first + 2) * 4, first, true); // a loop
  const v = mount(t, img);
  const x = v.root.lookup('x')!;
  const e = t.throws(() => x.read(0, new Uint8Array(10)), { instanceOf: SysError });
  t.is(e?.errno, E.EIO);
  t.is(e?.message, `fat32: x: cluster chain loops (cluster ${first + 2} points back to ${first})`);
  errno(t, () => x.write(0, Uint8Array.of(1)), E.EIO);
  errno(t, () => v.root.unlink('x'), E.EIO);
  t.deepEqual(readAll(v.root.lookup('y')!), Buffer.from(pattern(10, 2)), 'the rest still works');
});

test('an image made by mkfs.fat with 1 KiB sectors and 2 KiB clusters: growth, shrink, directories', (t) => {
  const tmp = tmpDir();
  const file = path.join(tmp, 'k.img');
  execFileSync('mkfs.fat', ['-F', '32', '-S', '1024', '-s', '2', '-n', 'BIGSECT', '-C', file, String(130 * 1024)], { stdio: 'ignore' });
  const v = mount(t, new Uint8Array(fs.readFileSync(file)));
  fs.rmSync(tmp, { recursive: true });
  t.like(v.fs.vol.geometry, { bytesPerSector: 1024, sectorsPerCluster: 2, clusterSize: 2048 });
  const d = dir(v.root.mkdir('data', 0));
  const sizes = [0, 1, 2047, 2048, 2049, 3 * 2048 + 17];
  sizes.forEach((n, i) => t.is(d.create(`size ${n}.bin`, 0).write(0, pattern(n, 10 + i)), n));
  const names = range(50).map((i) => `another long file name ${i}`);
  names.forEach((n) => d.create(n, 0));
  t.is(d.stat().size, 3 * 2048, "'.', '..', 6 x 2 and 50 x 3 slots: 164 of 32 bytes");
  const grow = d.lookup('size 2049.bin')!;
  grow.truncate(10_000);
  t.is(grow.write(9000, pattern(5000, 99)), 5000);
  t.like(grow.stat(), { size: 14_000, blocks: 7 * 4 });
  grow.truncate(4096);
  t.like(grow.stat(), { size: 4096, blocks: 8, blksize: 2048 });
  const grown = Buffer.concat([Buffer.from(pattern(2049, 14)), Buffer.alloc(4096 - 2049)]);
  t.deepEqual(readAll(grow), grown);
  // The label counts as a file for fsck; clusters: root, 3 for data, files 0+1+1+1+2+4.
  t.like(verify(t, v, (file) => {
    t.deepEqual(mdirB(file, '/data'), [...sizes.map((n) => `::/data/size ${n}.bin`), ...names.map((n) => `::/data/${n}`)]);
    t.deepEqual(mtype(file, `/data/size ${3 * 2048 + 17}.bin`), Buffer.from(pattern(3 * 2048 + 17, 15)));
    t.deepEqual(mtype(file, '/data/size 2049.bin'), grown);
  }), { files: 1 + 1 + 56, used: 1 + 3 + 9 });
});

// ---- crash consistency: replay every prefix of an operation's device writes

/** What fsck.fat may report after a crash inside an operation: lost space, nothing else. */
const LOSSES = [
  /^fsck\.fat \d/, /^\/.*$/, /^ {2}File size is \d+ bytes, cluster chain length is > \d+ bytes\.$/, /^ {2}Truncating file to \d+ bytes\.$/,
  /^Reclaimed \d+ unused clusters? \(\d+ bytes\)\.$/, /^Free cluster summary wrong \(\d+ vs\. really \d+\)$/,
  /^ {2}Auto-correcting\.$/, /^FATs differ but appear to be intact\.$/, /^ {2}Using first FAT\.$/, /^Leaving filesystem unchanged\.$/,
  /^\S+: \d+ files, \d+\/\d+ clusters$/,
];

const crashCases: Array<[string, (v: Vol) => void, (v: Vol) => void]> = [
  ['write growing a file', (v) => { v.root.create('f', 0).write(0, pattern(700, 1)); }, (v) => { v.root.lookup('f')!.write(500, pattern(2000, 2)); }],
  ['first write to an empty file', (v) => { v.root.create('f', 0); }, (v) => { v.root.lookup('f')!.write(0, pattern(1500, 3)); }],
  ['truncate shrinking', (v) => { v.root.create('f', 0).write(0, pattern(3000, 4)); }, (v) => { v.root.lookup('f')!.truncate(600); }],
  ['unlink', (v) => { v.root.create('a long file name', 0).write(0, pattern(3000, 5)); }, (v) => { v.root.unlink('a long file name'); }],
  ['mkdir', () => {}, (v) => { v.root.mkdir('a new directory', 0); }],
  ['directory growth', (v) => { for (let i = 0; i < 16; i++) v.root.create(`F${i}`, 0); }, (v) => { v.root.create('one more long name', 0); }],
  ['rename of a directory across directories', (v) => {
    const a = dir(v.root.mkdir('a', 0));
    dir(a.mkdir('moving dir', 0)).create('x', 0).write(0, pattern(900, 6));
    v.root.mkdir('b', 0);
  }, (v) => { dir(v.root.lookup('a')).rename('moving dir', v.root.lookup('b')!, 'moved here'); }],
  ['rename over a file in another directory', (v) => {
    v.root.create('src', 0).write(0, pattern(1200, 7));
    dir(v.root.mkdir('b', 0)).create('dst', 0).write(0, pattern(2500, 8));
  }, (v) => { v.root.rename('src', v.root.lookup('b')!, 'dst'); }],
  ['unlink of an open file, writes to it, its last release', (v) => {
    const f = v.root.create('an open file', 0);
    f.write(0, pattern(1500, 9));
    f.opened();
  }, (v) => {
    const f = v.root.lookup('an open file')!;
    v.root.unlink('an open file');
    v.root.create('an open file', 0).write(0, pattern(700, 10));
    f.write(1000, pattern(2000, 11));
    f.truncate(2100);
    f.released();
  }],
  ['rename over an open file, then its last release', (v) => {
    v.root.create('src', 0).write(0, pattern(1200, 12));
    const d = dir(v.root.mkdir('b', 0)).create('dst', 0);
    d.write(0, pattern(2500, 13));
    d.opened();
  }, (v) => {
    const b = dir(v.root.lookup('b'));
    const d = b.lookup('dst')!;
    v.root.rename('src', b, 'dst');
    d.write(2500, pattern(600, 14));
    d.released();
  }],
];

for (const [name, setup, op] of crashCases) {
  test(`crash consistency: ${name}: every prefix of its writes loses at most space`, (t) => {
    const img = buildFat32Image({ entries: [] });
    const writes: Array<[number, Uint8Array]> = [];
    const mem = memoryDevice(img);
    const clock = { ms: T0 };
    const fsys = FatFileSystem.mount({ ...mem, writeSectors: (s, data) => { writes.push([s, data.slice()]); mem.writeSectors!(s, data); } }, { dev: DEV, clock: () => nsOf(clock.ms) });
    const v: Vol = { img, file: '', fs: fsys, root: fsys.root, clock };
    setup(v);
    writes.length = 0;
    const replay = mirroredDevice(img.slice());
    t.teardown(replay.remove);
    op(v);
    t.true(writes.length >= 2, `${writes.length} writes`);
    // The crash may come after any write: replay them one by one onto the image as it was.
    for (let k = 0; k <= writes.length; k++) {
      if (k > 0) replay.dev.writeSectors!(...writes[k - 1]!);
      const r = fsckFat(replay.file);
      const bad = r.stdout.split('\n').filter((l) => l !== '' && !LOSSES.some((re) => re.test(l)));
      t.deepEqual(bad, [], `after ${k} of ${writes.length} writes:\n${r.stdout}${r.stderr}`);
      if (k === writes.length) t.deepEqual([r.status, r.stdout.split('\n').length], [0, 3], r.stdout);
    }
  });
}

// ---- files removed while open (POSIX: the data lives until the last close)

const enc = (str: string): Uint8Array => new TextEncoder().encode(str);

/**
 * The image while orphans are open, as a crash would leave it: fsck.fat -n reports only lost
 * space — exactly `lost` unreferenced clusters — and the path API and mtools still work.
 */
function onlyLostClusters(t: ExecutionContext, v: Vol, lost: number): void {
  const r = fsckFat(v.file);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  t.deepEqual(lines.filter((l) => !LOSSES.some((re) => re.test(l))), [], r.stdout + r.stderr);
  t.true(lines.some((l) => l.startsWith(`Reclaimed ${lost} unused cluster`)), r.stdout);
}

test('a file unlinked while open: readable and writable until the last release, then freed', (t) => {
  const v = fresh(t);
  const r = v.root;
  r.create('keep', 0).write(0, pattern(700, 20)); // 2 clusters
  const f = r.create('f', 0);
  f.opened();
  f.opened(); // two open file descriptions
  t.is(f.write(0, enc('still here')), 10);
  r.unlink('f');
  t.is(r.lookup('f'), null);
  t.deepEqual(r.readdir().map((e) => e.name), ['keep']);
  t.is(v.fs.vol.lookup('/f'), null);
  t.is(readAll(f).toString(), 'still here');
  t.is(f.write(10, enc('!')), 1);
  t.like(f.stat(), { size: 11, nlink: 0, blocks: 1, ino: 3 });
  t.is(v.fs.vol.freeClusters(), FREE0 - 3, 'its cluster is still allocated');
  t.is(v.fs.openOrphans, 1);
  // It grows while orphaned; a new file takes the name and shares nothing with it.
  const more = pattern(3000, 21);
  t.is(f.write(11, more), 3000); // 3011 bytes: 6 clusters
  const g = r.create('f', 0);
  t.not(g, f);
  const gdata = pattern(2000, 22);
  t.is(g.write(0, gdata), 2000); // 4 clusters
  t.deepEqual(readAll(f), Buffer.concat([Buffer.from('still here!'), Buffer.from(more)]));
  t.deepEqual(readAll(g), Buffer.from(gdata));
  t.like(f.stat(), { size: 3011, nlink: 0, blocks: 6 });
  t.is(v.fs.vol.freeClusters(), FREE0 - 2 - 6 - 4);
  t.is(fsInfo(v).free, FREE0 - 2 - 6 - 4, 'FSInfo counts the orphan as used');
  onlyLostClusters(t, v, 6);
  f.released();
  t.is(readAll(f).length, 3011, 'one description still refers to it');
  t.is(v.fs.vol.freeClusters(), FREE0 - 2 - 6 - 4);
  f.released();
  t.is(v.fs.openOrphans, 0);
  t.is(v.fs.vol.freeClusters(), FREE0 - 2 - 4, 'the last release frees it');
  errno(t, () => f.read(0, new Uint8Array(1)), E.EIO);
  t.like(f.stat(), { size: 3011, nlink: 0 });
  f.released(); // unbalanced: nothing happens
  t.deepEqual(verify(t, v, (file) => {
    t.deepEqual(mdirB(file, '/'), ['::/keep', '::/f']);
    t.deepEqual(mtype(file, '/f'), Buffer.from(gdata));
  }), { files: 2, used: 1 + 2 + 4 });
});

test('a file renamed over while open keeps its data, times and mode; truncate works; freed at the last release', (t) => {
  const v = fresh(t);
  const r = v.root;
  const d = dir(r.mkdir('d', 0));
  const a = r.create('a', 0);
  a.write(0, enc('new contents'));
  const b = d.create('b', 0);
  b.opened();
  t.is(b.write(0, enc('still here')), 10);
  v.clock.ms = T0 + 10_000;
  r.rename('a', d, 'b');
  t.is(d.lookup('b'), a);
  t.is(readAll(a).toString(), 'new contents');
  t.is(readAll(b).toString(), 'still here');
  t.is(b.write(10, enc('!')), 1);
  t.like(b.stat(), { size: 11, nlink: 0, mtimeNs: nsOf(T0 + 10_000) });
  b.setTimes(nsOf(Date.UTC(2030, 0, 2)), nsOf(Date.UTC(2031, 1, 3, 4, 5, 7)));
  t.like(b.stat(), { atimeNs: nsOf(Date.UTC(2030, 0, 2)), mtimeNs: nsOf(Date.UTC(2031, 1, 3, 4, 5, 6)) }, 'FAT resolution');
  b.chmod(0o555);
  t.is(b.stat().mode, S_IFREG | 0o555);
  t.is(b.write(11, pattern(1500, 23)), 1500); // 4 clusters
  b.truncate(700); // 2
  t.is(readAll(b).subarray(0, 11).toString(), 'still here!');
  t.is(b.stat().size, 700);
  t.is(v.fs.vol.freeClusters(), FREE0 - 1 - 1 - 2);
  onlyLostClusters(t, v, 2);
  b.released();
  t.is(v.fs.vol.freeClusters(), FREE0 - 1 - 1);
  errno(t, () => b.write(0, enc('x')), E.EIO);
  t.deepEqual(verify(t, v, (file) => t.deepEqual(mtype(file, '/d/b').toString(), 'new contents')), { files: 2, used: 1 + 1 + 1 });
});

test('reapOrphans frees every file removed while open; a later release is harmless', (t) => {
  const v = fresh(t);
  const f = v.root.create('f', 0);
  f.write(0, pattern(2000, 24));
  f.opened();
  v.root.unlink('f');
  t.is(v.fs.vol.freeClusters(), FREE0 - 4);
  v.fs.reapOrphans();
  t.is(v.fs.openOrphans, 0);
  t.is(v.fs.vol.freeClusters(), FREE0);
  errno(t, () => f.read(0, new Uint8Array(1)), E.EIO);
  f.released();
  t.is(v.fs.vol.freeClusters(), FREE0);
  t.deepEqual(verify(t, v), { files: 0, used: 1 });
});

test('a file not open is freed at once; an open directory removed stays removed', (t) => {
  const v = fresh(t);
  const f = v.root.create('f', 0);
  f.write(0, pattern(600, 25));
  f.opened();
  f.released();
  v.root.unlink('f');
  t.is(v.fs.vol.freeClusters(), FREE0);
  errno(t, () => f.read(0, new Uint8Array(1)), E.EIO);
  const d = dir(v.root.mkdir('d', 0));
  d.opened();
  v.root.rmdir('d');
  t.deepEqual([d.readdir(), d.stat().nlink, v.fs.vol.freeClusters()], [[], 0, FREE0]);
  d.released();
  t.deepEqual(verify(t, v), { files: 0, used: 1 });
});
