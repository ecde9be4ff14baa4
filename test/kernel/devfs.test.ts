/**
 * kernel/fs/devfs.ts: the character devices (numbers from Documentation/admin-guide/devices.txt)
 * and their read/write behaviour, the fd links, /dev/tty, a read-only devtmpfs.
 */
import test from 'ava';
import { E } from '../../kernel/errno';
import { makeDevFs } from '../../kernel/fs/devfs';
import { O, OpenFile } from '../../kernel/fs/file';
import { DT, S_IFCHR, S_IFLNK, type Stat } from '../../kernel/fs/inode';
import { opensItself } from '../../kernel/fs/synthetic';
import { errnoOf } from './_helpers';

class Tty extends OpenFile {
  readonly name = '/dev/pts/0';
  constructor() { super(O.RDWR); }
  stat(): Stat { return { dev: 0, ino: 3, mode: S_IFCHR | 0o620, nlink: 1, uid: 0, gid: 0, rdev: (136 << 8), size: 0, blksize: 1024, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n }; }
}

function dev(terminal: OpenFile | null = null) {
  let calls = 0;
  const fs = makeDevFs((b) => { calls++; b.forEach((_, i) => { b[i] = (i * 7 + 1) & 0xff; }); }, () => terminal);
  const get = (name: string) => {
    const i = fs.root.lookup(name);
    if (!i) throw new Error(`no /dev/${name}`);
    return i;
  };
  return { fs, get, calls: () => calls };
}

test('devtmpfs: type, dev, read-only, the entries in order with their d_type', (t) => {
  const { fs } = dev();
  t.is(fs.type, 'devtmpfs');
  t.is(fs.dev, 5);
  t.true(fs.readOnly);
  t.deepEqual(fs.root.readdir().map((e) => [e.name, e.type]), [
    ['null', DT.CHR], ['zero', DT.CHR], ['full', DT.CHR], ['random', DT.CHR], ['urandom', DT.CHR], ['tty', DT.CHR],
    ['stdin', DT.LNK], ['stdout', DT.LNK], ['stderr', DT.LNK], ['fd', DT.LNK],
  ]);
  t.is(fs.root.lookup('nope'), null);
  t.is(errnoOf(() => fs.root.create('x', 0o644)), E.EROFS);
  t.is(errnoOf(() => fs.root.mkdir('x', 0o755)), E.EROFS);
  t.is(errnoOf(() => fs.root.unlink('null')), E.EROFS);
});

test('device numbers and modes: null 1:3, zero 1:5, full 1:7, random 1:8, urandom 1:9, tty 5:0', (t) => {
  const { get } = dev();
  const numbers = ['null', 'zero', 'full', 'random', 'urandom', 'tty'].map((n) => {
    const st = get(n).stat();
    return [n, st.rdev >> 8, st.rdev & 0xff, st.mode];
  });
  t.deepEqual(numbers, [
    ['null', 1, 3, S_IFCHR | 0o666], ['zero', 1, 5, S_IFCHR | 0o666], ['full', 1, 7, S_IFCHR | 0o666],
    ['random', 1, 8, S_IFCHR | 0o666], ['urandom', 1, 9, S_IFCHR | 0o666], ['tty', 5, 0, S_IFCHR | 0o666],
  ]);
  t.is(get('null').stat().dev, 5);
  t.is(get('null').stat().size, 0);
});

test('null, zero, full, random: reads and writes ignore the offset', (t) => {
  const { get, calls } = dev();
  const buf = new Uint8Array(8).fill(0xee);
  t.is(get('null').read(100, buf), 0, 'null: EOF');
  t.is(get('null').write(5, new Uint8Array(1000)), 1000, 'null: swallows everything');
  t.is(get('zero').read(12345, buf), 8);
  t.deepEqual([...buf], [0, 0, 0, 0, 0, 0, 0, 0]);
  t.is(get('zero').write(0, new Uint8Array(3)), 3);
  buf.fill(0xee);
  t.is(get('full').read(0, buf), 8);
  t.deepEqual([...buf], [0, 0, 0, 0, 0, 0, 0, 0], 'full reads as zero');
  t.is(errnoOf(() => get('full').write(0, new Uint8Array(1))), E.ENOSPC);
  t.is(get('urandom').read(0, buf), 8);
  t.deepEqual([...buf], [1, 8, 15, 22, 29, 36, 43, 50]);
  t.is(get('random').read(99, buf.subarray(0, 3)), 3);
  t.is(calls(), 2);
  t.is(get('random').write(0, new Uint8Array(4)), 4, 'writing entropy is accepted');
  get('null').truncate(0); // O_TRUNC on a device is ignored
  get('null').setTimes(1n, 2n);
  t.pass();
});

test('stdin, stdout, stderr, fd: symlinks into /proc/self/fd', (t) => {
  const { get } = dev();
  t.deepEqual(['stdin', 'stdout', 'stderr', 'fd'].map((n) => [get(n).type, get(n).readlink()]), [
    [S_IFLNK, '/proc/self/fd/0'], [S_IFLNK, '/proc/self/fd/1'], [S_IFLNK, '/proc/self/fd/2'], [S_IFLNK, '/proc/self/fd'],
  ]);
});

test('/dev/tty: opens the controlling terminal\'s description, ENXIO without one', (t) => {
  const none = dev().get('tty');
  t.true(opensItself(none));
  if (!opensItself(none)) return;
  t.is(errnoOf(() => none.open(O.RDWR, '/dev/tty')), E.ENXIO);
  const term = new Tty();
  const tty = dev(term).get('tty');
  if (!opensItself(tty)) return t.fail();
  t.is(tty.open(O.RDWR, '/dev/tty'), term);
  t.false(opensItself(dev().get('null')), 'other devices open as plain files');
});
