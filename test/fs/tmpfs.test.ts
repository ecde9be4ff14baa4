import test from 'ava';
import { E, SysError } from '../../kernel/errno';
import { S_IFDIR, S_IFLNK, S_IFREG, DT, type Inode } from '../../kernel/fs/inode';
import { TmpDir, TmpFile, TmpFileSystem, type TmpfsOptions } from '../../kernel/fs/tmpfs';
import { pattern } from './_helpers';

/** A tmpfs whose clock ticks 1000 ns per reading, starting at 1000 ns. */
function mk(opts: Partial<TmpfsOptions> = {}): { fs: TmpFileSystem; root: TmpDir; now: () => bigint } {
  let t = 0n;
  const fs = new TmpFileSystem({ dev: 0x21, clock: () => (t += 1000n), uid: 1000, gid: 100, ...opts });
  return { fs, root: fs.root, now: () => t };
}

function errno(t: import('ava').ExecutionContext, f: () => unknown, code: number): void {
  const e = t.throws(f, { instanceOf: SysError });
  t.is(e?.errno, code, `expected ${code}, got ${e?.errno}`);
}

function bytes(i: Inode, offset = 0, len = 1 << 16): number[] {
  const buf = new Uint8Array(len);
  return [...buf.subarray(0, i.read(offset, buf))];
}

test('root: ino 1, mode 01777, nlink 2, owner, size, blksize, times, dev', (t) => {
  const { fs, root } = mk();
  t.deepEqual(root.stat(), {
    dev: 0x21, ino: 1, mode: S_IFDIR | 0o1777, nlink: 2, uid: 1000, gid: 100, rdev: 0, size: 40, blksize: 4096, blocks: 0,
    atimeNs: 1000n, mtimeNs: 1000n, ctimeNs: 1000n,
  });
  t.is(fs.type, 'tmpfs');
  t.false(fs.readOnly);
  t.is(mk({ rootMode: 0o755 }).root.stat().mode, S_IFDIR | 0o755);
});

test('create, lookup, readdir in insertion order with types and inos', (t) => {
  const { root } = mk();
  const f = root.create('zeta', 0o640);
  const d = root.mkdir('alpha', 0o750);
  const l = root.symlink('mid', '/x');
  t.is(root.lookup('zeta'), f);
  t.is(root.lookup('nope'), null);
  t.deepEqual(root.readdir(), [
    { name: 'zeta', ino: 2, type: DT.REG }, { name: 'alpha', ino: 3, type: DT.DIR }, { name: 'mid', ino: 4, type: DT.LNK },
  ]);
  t.is(f.stat().mode, S_IFREG | 0o640);
  t.is(d.stat().mode, S_IFDIR | 0o750);
  t.is(l.stat().mode, S_IFLNK | 0o777);
  t.is(root.stat().size, 40 + 3 * 20);
  errno(t, () => root.create('zeta', 0o600), E.EEXIST);
  errno(t, () => root.mkdir('zeta', 0o700), E.EEXIST);
  errno(t, () => root.symlink('alpha', 'y'), E.EEXIST);
  // A failed create costs no inode number.
  t.is(root.create('next', 0o600).ino, 5);
});

test('names: one component of at most 255 bytes', (t) => {
  const { root } = mk();
  for (const bad of ['', '.', '..', 'a/b', '/', 'a\0b']) {
    errno(t, () => root.create(bad, 0o600), E.EINVAL);
    errno(t, () => root.lookup(bad), E.EINVAL);
  }
  errno(t, () => root.mkdir('é'.repeat(128), 0o700), E.ENAMETOOLONG); // 256 bytes in UTF-8
  t.is(root.mkdir('x'.repeat(255), 0o700).type, S_IFDIR);
  errno(t, () => root.lookup('x'.repeat(256)), E.ENAMETOOLONG);
});

test('mode bits: create keeps 07777, mkdir keeps 01777 and inherits set-group-ID', (t) => {
  const { root } = mk();
  t.is(root.create('f', 0o177777).stat().mode, S_IFREG | 0o7777);
  const g = root.mkdir('g', 0o7777);
  t.is(g.stat().mode, S_IFDIR | 0o1777);
  g.chmod(0o2755);
  t.is(g.mkdir('h', 0o700).stat().mode, S_IFDIR | 0o2700);
  t.is(g.create('f', 0o644).stat().mode, S_IFREG | 0o644);
});

test('read and write at offsets, short reads at the end, growth over many appends', (t) => {
  const { root } = mk();
  const f = root.create('f', 0o644);
  t.is(f.write(0, Uint8Array.of(1, 2, 3)), 3);
  t.is(f.write(2, Uint8Array.of(9, 8)), 2);
  t.deepEqual(bytes(f), [1, 2, 9, 8]);
  t.deepEqual(bytes(f, 1, 2), [2, 9]);
  t.deepEqual(bytes(f, 4), []);
  t.deepEqual(bytes(f, 100), []);
  t.is(f.write(0, new Uint8Array(0)), 0);
  const big = pattern(300_000, 7);
  const g = root.create('g', 0o644);
  for (let off = 0; off < big.length; off += 1000) t.is(g.write(off, big.subarray(off, off + 1000)), 1000);
  const back = new Uint8Array(big.length + 10);
  t.is(g.read(0, back), big.length);
  t.deepEqual(Buffer.from(back.subarray(0, big.length)), Buffer.from(big));
  t.is(g.stat().size, 300_000);
  t.is(g.stat().blocks, Math.ceil(300_000 / 4096) * 8);
  errno(t, () => f.read(-1, new Uint8Array(1)), E.EINVAL);
  errno(t, () => f.write(1.5, new Uint8Array(1)), E.EINVAL);
});

test('holes and truncate: sparse growth, zeros after shrink and regrowth', (t) => {
  const { root } = mk();
  const f = root.create('f', 0o644);
  f.write(0, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  f.truncate(3);
  t.deepEqual(bytes(f), [1, 2, 3]);
  f.truncate(6);
  t.deepEqual(bytes(f), [1, 2, 3, 0, 0, 0]);
  f.write(7, Uint8Array.of(9));
  t.deepEqual(bytes(f), [1, 2, 3, 0, 0, 0, 0, 9]);
  f.truncate(1 << 30);
  t.is(f.stat().size, 1 << 30);
  t.is(f.stat().blocks, 8);
  t.deepEqual(bytes(f, (1 << 30) - 2), [0, 0]);
  t.deepEqual(bytes(f, 6, 4), [0, 9, 0, 0]);
  f.truncate(0);
  t.deepEqual([f.stat().size, f.stat().blocks], [0, 0]);
  f.write(2, Uint8Array.of(5));
  t.deepEqual(bytes(f), [0, 0, 5]);
  // Shrinking a big file gives its memory back and keeps the surviving prefix.
  const g = root.create('g', 0o644);
  g.write(0, pattern(100_000, 3));
  g.truncate(10);
  t.deepEqual(bytes(g), [...pattern(10, 3)]);
  g.truncate(20);
  t.deepEqual(bytes(g), [...pattern(10, 3), ...new Array(10).fill(0)]);
  errno(t, () => f.truncate(-1), E.EINVAL);
  errno(t, () => f.truncate(2 ** 53), E.EFBIG);
});

test('EFBIG past what one buffer can store', (t) => {
  const { root } = mk();
  const f = root.create('f', 0o644);
  const max = require('buffer').constants.MAX_LENGTH as number;
  errno(t, () => f.write(max, Uint8Array.of(1)), E.EFBIG);
});

test('times: create, write, truncate, chmod, setTimes, directory changes', (t) => {
  const { root, now } = mk();
  const f = root.create('f', 0o644);
  const created = now();
  t.deepEqual([f.stat().atimeNs, f.stat().mtimeNs, f.stat().ctimeNs], [created, created, created]);
  t.deepEqual([root.stat().mtimeNs, root.stat().ctimeNs], [2000n, 2000n]);
  f.write(0, Uint8Array.of(1));
  const w = now();
  t.deepEqual([f.stat().atimeNs, f.stat().mtimeNs, f.stat().ctimeNs], [created, w, w]);
  f.read(0, new Uint8Array(1));
  t.is(f.stat().atimeNs, created);
  f.truncate(0);
  t.is(f.stat().mtimeNs, now());
  f.chmod(0o600);
  const c = now();
  t.deepEqual([f.stat().mode, f.stat().mtimeNs, f.stat().ctimeNs], [S_IFREG | 0o600, c - 1000n, c]);
  f.setTimes(5n, null);
  t.deepEqual([f.stat().atimeNs, f.stat().mtimeNs, f.stat().ctimeNs], [5n, c - 1000n, now()]);
  f.setTimes(null, 7n);
  t.deepEqual([f.stat().atimeNs, f.stat().mtimeNs], [5n, 7n]);
  const before = now();
  f.setTimes(null, null);
  t.is(now(), before);
  root.unlink('f');
  t.deepEqual([root.stat().mtimeNs, root.stat().ctimeNs], [now(), now()]);
  t.is(f.stat().ctimeNs, now());
});

test('nlink: directories 2 + subdirectories, 0 once removed; files 1, 0 once unlinked', (t) => {
  const { root } = mk();
  const a = root.mkdir('a', 0o755);
  root.mkdir('b', 0o755);
  root.create('f', 0o644);
  t.is(root.stat().nlink, 4);
  a.mkdir('x', 0o755);
  t.is(a.stat().nlink, 3);
  a.rmdir('x');
  t.is(a.stat().nlink, 2);
  root.rmdir('a');
  t.is(a.stat().nlink, 0);
  t.is(root.stat().nlink, 3);
  const f = root.lookup('f')!;
  t.is(f.stat().nlink, 1);
  root.unlink('f');
  t.is(f.stat().nlink, 0);
});

test('unlink and rmdir errnos', (t) => {
  const { root } = mk();
  const d = root.mkdir('d', 0o755);
  d.create('f', 0o644);
  root.create('file', 0o644);
  errno(t, () => root.unlink('missing'), E.ENOENT);
  errno(t, () => root.unlink('d'), E.EISDIR);
  errno(t, () => root.rmdir('missing'), E.ENOENT);
  errno(t, () => root.rmdir('file'), E.ENOTDIR);
  errno(t, () => root.rmdir('d'), E.ENOTEMPTY);
  d.unlink('f');
  root.rmdir('d');
  t.is(root.lookup('d'), null);
  // A removed directory takes nothing new.
  errno(t, () => d.create('g', 0o644), E.ENOENT);
  errno(t, () => d.mkdir('g', 0o755), E.ENOENT);
  errno(t, () => d.symlink('g', 'x'), E.ENOENT);
  t.deepEqual(d.readdir(), []);
});

test('an unlinked file keeps its data for whoever still holds it', (t) => {
  const { root } = mk();
  const f = root.create('f', 0o644);
  f.write(0, Uint8Array.of(1, 2));
  root.unlink('f');
  t.is(f.write(2, Uint8Array.of(3)), 1);
  t.deepEqual(bytes(f), [1, 2, 3]);
});

test('operations a kind of inode lacks', (t) => {
  const { root } = mk();
  const f = root.create('f', 0o644);
  const l = root.symlink('l', 'f');
  errno(t, () => root.read(0, new Uint8Array(1)), E.EISDIR);
  errno(t, () => root.write(0, Uint8Array.of(1)), E.EISDIR);
  errno(t, () => root.truncate(0), E.EISDIR);
  errno(t, () => root.readlink(), E.EINVAL);
  errno(t, () => f.lookup('x'), E.ENOTDIR);
  errno(t, () => f.create('x', 0o644), E.ENOTDIR);
  errno(t, () => f.readdir(), E.ENOTDIR);
  errno(t, () => f.readlink(), E.EINVAL);
  errno(t, () => l.read(0, new Uint8Array(1)), E.EINVAL);
  errno(t, () => l.lookup('x'), E.ENOTDIR);
});

test('symlinks: raw target, byte size, errnos', (t) => {
  const { root } = mk();
  const l = root.symlink('l', '../../é/..');
  t.is(l.readlink(), '../../é/..');
  t.is(l.stat().size, 11);
  t.is(l.stat().nlink, 1);
  errno(t, () => root.symlink('e', ''), E.ENOENT);
  errno(t, () => root.symlink('n', 'a\0b'), E.EINVAL);
  errno(t, () => root.symlink('long', 'x'.repeat(4096)), E.ENAMETOOLONG);
  t.is(root.symlink('max', 'x'.repeat(4095)).readlink().length, 4095);
  errno(t, () => l.chmod(0o600), E.ENOTSUP);
  t.is(l.stat().mode, S_IFLNK | 0o777);
});

test('rename: within and across directories, times, nlink, order', (t) => {
  const { root, now } = mk();
  const a = root.mkdir('a', 0o755);
  const b = root.mkdir('b', 0o755);
  const f = a.create('f', 0o644);
  root.create('z', 0o644);
  a.rename('f', b, 'g');
  const at = now();
  t.is(a.lookup('f'), null);
  t.is(b.lookup('g'), f);
  t.deepEqual([a.stat().mtimeNs, b.stat().mtimeNs, f.stat().ctimeNs, a.stat().ctimeNs, b.stat().ctimeNs], [at, at, at, at, at]);
  const d = a.mkdir('d', 0o755);
  t.deepEqual([a.stat().nlink, b.stat().nlink], [3, 2]);
  a.rename('d', b, 'd2');
  t.deepEqual([a.stat().nlink, b.stat().nlink, d.stat().nlink], [2, 3, 2]);
  t.is(b.lookup('d2'), d);
  root.rename('a', root, 'y');
  t.deepEqual(root.readdir().map((e) => e.name), ['b', 'z', 'y']);
  // Same name: nothing happens.
  const m = root.stat().mtimeNs;
  root.rename('z', root, 'z');
  t.is(root.stat().mtimeNs, m);
});

test('rename replaces a file, an empty directory; refuses incompatible targets', (t) => {
  const { fs, root } = mk();
  const f1 = root.create('f1', 0o644);
  const f2 = root.create('f2', 0o644);
  const d1 = root.mkdir('d1', 0o755);
  const d2 = root.mkdir('d2', 0o755);
  const full = root.mkdir('full', 0o755);
  full.create('x', 0o644);
  f2.write(0, Uint8Array.of(1, 2, 3));
  t.is(fs.usedBytes, 3);
  root.rename('f1', root, 'f2');
  t.is(root.lookup('f2'), f1);
  t.is(f2.stat().nlink, 0);
  t.is(fs.usedBytes, 0);
  errno(t, () => root.rename('d1', root, 'f2'), E.ENOTDIR);
  errno(t, () => root.rename('f2', root, 'd1'), E.EISDIR);
  errno(t, () => root.rename('d1', root, 'full'), E.ENOTEMPTY);
  errno(t, () => root.rename('missing', root, 'x'), E.ENOENT);
  t.is(root.stat().nlink, 5);
  root.rename('d1', root, 'd2');
  t.is(root.lookup('d2'), d1);
  t.is(d2.stat().nlink, 0);
  t.is(root.stat().nlink, 4);
  t.deepEqual(root.readdir().map((e) => e.name), ['full', 'f2', 'd2']);
});

test('rename refuses a directory into itself or below, other file systems, removed targets', (t) => {
  const { root } = mk();
  const a = root.mkdir('a', 0o755);
  const b = a.mkdir('b', 0o755);
  const c = b.mkdir('c', 0o755);
  errno(t, () => root.rename('a', c, 'a'), E.EINVAL);
  errno(t, () => root.rename('a', a, 'x'), E.EINVAL);
  t.is(root.lookup('a'), a);
  t.is(c.stat().nlink, 2);
  const other = mk().root;
  errno(t, () => root.rename('a', other, 'a'), E.EXDEV);
  const f = root.create('f', 0o644);
  errno(t, () => root.rename('a', f, 'x'), E.ENOTDIR);
  b.rmdir('c');
  errno(t, () => root.rename('f', c, 'f'), E.ENOENT);
  errno(t, () => root.rename('f', root, 'a/b'), E.EINVAL);
});

test('maxBytes: short write at the limit, ENOSPC when nothing fits, freed by truncate and unlink', (t) => {
  const { fs, root } = mk({ maxBytes: 10 });
  const f = root.create('f', 0o644);
  t.is(f.write(0, pattern(8, 1)), 8);
  t.is(f.write(8, pattern(5, 2)), 2);
  t.is(fs.usedBytes, 10);
  errno(t, () => f.write(10, Uint8Array.of(1)), E.ENOSPC);
  // Overwriting stored bytes needs no room; a sparse truncate stores nothing.
  t.is(f.write(0, pattern(10, 3)), 10);
  f.truncate(1000);
  t.is(fs.usedBytes, 10);
  const g = root.create('g', 0o644);
  errno(t, () => g.write(0, Uint8Array.of(1)), E.ENOSPC);
  f.truncate(4);
  t.is(fs.usedBytes, 4);
  // The hole below a write is stored and counts.
  errno(t, () => g.write(6, Uint8Array.of(1)), E.ENOSPC);
  t.is(g.write(5, Uint8Array.of(1, 2)), 1);
  t.is(fs.usedBytes, 10);
  root.unlink('f');
  t.is(fs.usedBytes, 6);
  t.is(g.write(6, pattern(10, 4)), 4);
  t.is(fs.usedBytes, 10);
});

test('a file unlinked while open keeps its data, and its bytes count against maxBytes, until the last release', (t) => {
  const { fs, root } = mk({ maxBytes: 20 });
  const f = root.create('f', 0o644);
  f.opened();
  f.opened();
  t.is(f.write(0, Buffer.from('still here')), 10);
  root.unlink('f');
  t.is(root.lookup('f'), null);
  t.deepEqual(Buffer.from(bytes(f)).toString(), 'still here');
  t.is(f.write(10, Buffer.from('!')), 1);
  t.like(f.stat(), { size: 11, nlink: 0 });
  t.is(fs.usedBytes, 11);
  // The name is free; the new file gets only the room the open one leaves.
  const g = root.create('f', 0o644);
  t.not(g, f);
  t.is(g.write(0, pattern(20, 1)), 9);
  errno(t, () => f.write(11, Uint8Array.of(1)), E.ENOSPC);
  f.truncate(5);
  t.is(fs.usedBytes, 5 + 9);
  f.released();
  t.is(fs.usedBytes, 5 + 9, 'one description still refers to it');
  t.deepEqual(Buffer.from(bytes(f)).toString(), 'still');
  f.released();
  t.is(fs.usedBytes, 9);
  f.released(); // unbalanced: nothing happens
  t.is(fs.usedBytes, 9);
  t.is(g.write(9, pattern(11, 2)), 11);
  t.is(fs.usedBytes, 20);
});

test('a file renamed over while open keeps its data and counts until the last release', (t) => {
  const { fs, root } = mk({ maxBytes: 100 });
  const a = root.create('a', 0o644);
  a.write(0, Buffer.from('new contents'));
  const b = root.create('b', 0o644);
  b.opened();
  b.write(0, Buffer.from('still here'));
  root.rename('a', root, 'b');
  t.is(root.lookup('b'), a);
  t.is(Buffer.from(bytes(b)).toString(), 'still here');
  t.is(b.write(10, Buffer.from('!')), 1);
  t.like(b.stat(), { size: 11, nlink: 0 });
  t.is(fs.usedBytes, 12 + 11);
  b.released();
  t.is(fs.usedBytes, 12);
  // Unlinked while not open: it stops counting at once.
  a.opened();
  a.released();
  root.unlink('b');
  t.is(fs.usedBytes, 0);
});

test('a synthetic tree attaches its own node classes', (t) => {
  const { fs, root } = mk();
  class Answer extends TmpFile {
    override read(offset: number, buf: Uint8Array): number {
      const b = Buffer.from('42\n');
      if (offset >= b.length) return 0;
      buf.set(b.subarray(offset, offset + buf.length));
      return Math.min(buf.length, b.length - offset);
    }
  }
  const a = root.attach('answer', () => new Answer(fs, 0o444));
  t.is(root.lookup('answer'), a);
  t.deepEqual(bytes(a), [0x34, 0x32, 0x0a]);
  errno(t, () => root.attach('answer', () => new Answer(fs, 0o444)), E.EEXIST);
  t.deepEqual(root.readdir(), [{ name: 'answer', ino: 2, type: DT.REG }]);
});
