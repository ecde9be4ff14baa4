/**
 * kernel/fs/file.ts: InodeFile — the file position, O_APPEND (and pwrite's Linux quirk), lseek
 * with every whence, access-mode checks, directories (EISDIR, the readdir snapshot and its
 * rewind), and the opened/released bracket an unlinked file relies on.
 */
import test from 'ava';
import { E } from '../../kernel/errno';
import { InodeFile, isBlocked, O, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, SETFL_MASK } from '../../kernel/fs/file';
import { Vfs } from '../../kernel/fs/vfs';
import { WaitQueue } from '../../kernel/task/wait';
import { errnoOf, tmpfs } from './_helpers';

function setup() {
  const fs = tmpfs(1);
  const vfs = new Vfs(fs);
  const d = fs.root.mkdir('d', 0o755);
  const inode = fs.root.create('f', 0o644);
  inode.write(0, new TextEncoder().encode('0123456789'));
  const node = (p: string) => vfs.resolve(vfs.root, vfs.root, p, true);
  const open = (p: string, flags: number) => new InodeFile(node(p), flags).hold();
  return { fs, vfs, d, inode, node, open };
}

const text = (b: Uint8Array, n: number): string => new TextDecoder().decode(b.subarray(0, n));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('O_* values are asm-generic\'s (include/uapi/asm-generic/fcntl.h)', (t) => {
  t.deepEqual({ ...O }, {
    RDONLY: 0, WRONLY: 1, RDWR: 2, ACCMODE: 3, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400, TRUNC: 0o1000,
    APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000, ASYNC: 0o20000, DIRECT: 0o40000, LARGEFILE: 0o100000,
    DIRECTORY: 0o200000, NOFOLLOW: 0o400000, NOATIME: 0o1000000, CLOEXEC: 0o2000000, SYNC: 0o4010000,
    PATH: 0o10000000, TMPFILE: 0o20200000,
  });
  t.is(SETFL_MASK, 0o2000 | 0o4000 | 0o20000 | 0o40000 | 0o1000000);
  t.true(isBlocked(new WaitQueue()));
  t.false(isBlocked(0));
  t.false(isBlocked(null));
});

test('read and write move the position; pread and pwrite do not', (t) => {
  const { open, inode } = setup();
  const f = open('/f', O.RDWR);
  const buf = new Uint8Array(4);
  t.is(f.read(buf), 4);
  t.is(text(buf, 4), '0123');
  t.is(f.read(buf), 4);
  t.is(text(buf, 4), '4567');
  t.is(f.write(enc('ab')), 2);
  t.is(f.seek(0, SEEK_CUR), 10);
  t.is(f.read(buf), 0, 'at the end');
  t.is(f.pread(buf, 2), 4);
  t.is(text(buf, 4), '2345');
  t.is(f.pwrite(enc('XY'), 0), 2);
  t.is(f.seek(0, SEEK_CUR), 10, 'pread/pwrite leave the position');
  t.is(f.pread(buf, 9), 1, 'short at the end');
  t.is(f.pread(buf, 100), 0);
  const all = new Uint8Array(16);
  t.is(inode.read(0, all), 10);
  t.is(text(all, 10), 'XY234567ab');
  t.is(f.name, '/f');
  t.is(f.inode, inode);
  t.deepEqual(f.stat(), inode.stat());
});

test('O_APPEND: every write goes to the end, whatever the position; pwrite appends too (Linux)', (t) => {
  const { open, inode } = setup();
  const f = open('/f', O.WRONLY | O.APPEND);
  f.seek(2, SEEK_SET);
  t.is(f.write(enc('ab')), 2);
  t.is(f.seek(0, SEEK_CUR), 12, 'the position follows the appended bytes');
  inode.write(12, enc('ZZZ')); // someone else grows the file
  t.is(f.write(enc('c')), 1);
  t.is(f.seek(0, SEEK_CUR), 16);
  t.is(f.pwrite(enc('p'), 0), 1, 'pwrite on an O_APPEND file appends');
  t.is(f.seek(0, SEEK_CUR), 16, '...and leaves the position');
  const all = new Uint8Array(32);
  t.is(text(all, inode.read(0, all)), '0123456789abZZZcp');
});

test('lseek: SEEK_SET/CUR/END, past the end, EINVAL below 0 or for a bad whence', (t) => {
  const { open } = setup();
  const f = open('/f', O.RDWR);
  t.is(f.seek(3, SEEK_SET), 3);
  t.is(f.seek(4, SEEK_CUR), 7);
  t.is(f.seek(-2, SEEK_CUR), 5);
  t.is(f.seek(0, SEEK_END), 10);
  t.is(f.seek(-10, SEEK_END), 0);
  t.is(f.seek(100, SEEK_END), 110, 'past the end is allowed');
  t.is(errnoOf(() => f.seek(-1, SEEK_SET)), E.EINVAL);
  t.is(errnoOf(() => f.seek(-11, SEEK_END)), E.EINVAL);
  t.is(f.seek(0, SEEK_CUR), 110, 'a failed lseek leaves the position');
  t.is(errnoOf(() => f.seek(0, 5)), E.EINVAL);
  t.is(errnoOf(() => f.seek(Number.MAX_SAFE_INTEGER, SEEK_CUR)), E.EINVAL);
  // Writing past the end leaves a hole of zeros.
  f.seek(12, SEEK_SET);
  t.is(f.write(enc('h')), 1);
  const buf = new Uint8Array(16);
  t.is(f.pread(buf, 0), 13);
  t.deepEqual([...buf.subarray(10, 13)], [0, 0, 0x68]);
});

test('lseek: SEEK_DATA is the offset, SEEK_HOLE the end; ENXIO at or past the end', (t) => {
  const { open } = setup();
  const f = open('/f', O.RDONLY);
  t.is(f.seek(3, SEEK_DATA), 3);
  t.is(f.seek(0, SEEK_CUR), 3);
  t.is(f.seek(3, SEEK_HOLE), 10);
  t.is(f.seek(0, SEEK_CUR), 10);
  t.is(f.seek(9, SEEK_HOLE), 10);
  t.is(errnoOf(() => f.seek(10, SEEK_DATA)), E.ENXIO);
  t.is(errnoOf(() => f.seek(10, SEEK_HOLE)), E.ENXIO);
  t.is(errnoOf(() => f.seek(-1, SEEK_DATA)), E.ENXIO);
});

test('access modes: EBADF for reading a write-only file, writing a read-only one, any I/O with O_PATH', (t) => {
  const { open } = setup();
  const buf = new Uint8Array(4);
  const ro = open('/f', O.RDONLY), wo = open('/f', O.WRONLY), path = open('/f', O.PATH | O.RDWR);
  t.true(ro.readable);
  t.false(ro.writable);
  t.false(wo.readable);
  t.true(wo.writable);
  t.false(path.readable);
  t.false(path.writable);
  t.is(errnoOf(() => ro.write(buf)), E.EBADF);
  t.is(errnoOf(() => ro.pwrite(buf, 0)), E.EBADF);
  t.is(errnoOf(() => wo.read(buf)), E.EBADF);
  t.is(errnoOf(() => wo.pread(buf, 0)), E.EBADF);
  t.is(errnoOf(() => path.read(buf)), E.EBADF);
  t.is(errnoOf(() => path.write(buf)), E.EBADF);
  t.is(errnoOf(() => ro.readdir()), E.ENOTDIR);
  t.is(errnoOf(() => ro.ioctl(0x5401, 0, null as never)), E.ENOTTY);
});

test('directories: read and pread are EISDIR; readdir is "." ".." and the entries', (t) => {
  const { open, fs, d } = setup();
  const dir = open('/', O.RDONLY | O.DIRECTORY);
  t.is(errnoOf(() => dir.read(new Uint8Array(4))), E.EISDIR);
  t.is(errnoOf(() => dir.pread(new Uint8Array(4), 0)), E.EISDIR);
  t.deepEqual(dir.readdir().map((e) => [e.name, e.ino]), [['.', 1], ['..', 1], ['d', d.ino], ['f', 3]]);
  t.is(fs.root.ino, 1);
  const sub = open('/d', O.RDONLY);
  t.deepEqual(sub.readdir().map((e) => [e.name, e.ino]), [['.', d.ino], ['..', 1]]);
});

test('readdir: one snapshot per pass; rewinding with lseek(0) takes a new one', (t) => {
  const { open, fs } = setup();
  const dir = open('/', O.RDONLY);
  const first = dir.readdir();
  t.is(first.length, 4);
  dir.dirPos = 2; // getdents64 consumed '.' and '..'
  fs.root.create('new', 0o644);
  t.is(dir.readdir(), first, 'mid-pass: the same snapshot, the new name is not seen');
  t.is(dir.readdir().length, 4);
  t.is(dir.seek(0, SEEK_SET), 0);
  t.is(dir.dirPos, 0);
  t.deepEqual(dir.readdir().map((e) => e.name), ['.', '..', 'd', 'f', 'new']);
  // seekdir to a cookie keeps the snapshot.
  const snap = dir.readdir();
  t.is(dir.seek(3, SEEK_SET), 3);
  t.is(dir.dirPos, 3);
  fs.root.create('newer', 0o644);
  t.is(dir.readdir(), snap);
});

test('opened/released: an unlinked file keeps its data until the last reference goes', (t) => {
  const fs = tmpfs(1);
  const vfs = new Vfs(fs);
  const ino = fs.root.create('f', 0o644);
  ino.write(0, new Uint8Array(5000));
  t.is(fs.usedBytes, 5000);
  const f = new InodeFile(vfs.resolve(vfs.root, vfs.root, '/f', true), O.RDWR).hold();
  f.hold(); // dup
  fs.root.unlink('f');
  t.is(fs.usedBytes, 5000, 'still open');
  const buf = new Uint8Array(10);
  t.is(f.pread(buf, 4990), 10);
  f.put();
  t.is(fs.usedBytes, 5000, 'one reference left');
  f.put();
  t.is(fs.usedBytes, 0, 'released with the last reference');
});
