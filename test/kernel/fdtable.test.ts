/**
 * kernel/fs/fdtable.ts: lowest free descriptor, the RLIMIT_NOFILE limit, close-on-exec, dup2
 * replacement, and the reference counts of open file descriptions shared between tables.
 */
import test from 'ava';
import { E } from '../../kernel/errno';
import { FdTable, NOFILE } from '../../kernel/fs/fdtable';
import { isBlocked, OpenFile } from '../../kernel/fs/file';
import { S_IFCHR, type Stat } from '../../kernel/fs/inode';
import { makePipe } from '../../kernel/fs/pipe';
import { POLLHUP } from '../../kernel/fs/poll';
import { errnoOf } from './_helpers';

/** An open file description that counts its releases. */
class Probe extends OpenFile {
  releases = 0;
  constructor(readonly name = 'probe') { super(2); }
  stat(): Stat {
    return { dev: 0, ino: 1, mode: S_IFCHR, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 0, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n };
  }
  protected override release(): void { this.releases++; }
}

test('install: lowest free descriptor from 0, or from `min` (F_DUPFD)', (t) => {
  const fds = new FdTable();
  const a = new Probe('a'), b = new Probe('b');
  t.deepEqual([fds.install(a), fds.install(b), fds.install(a)], [0, 1, 2]);
  fds.close(1);
  t.false(fds.has(1));
  t.is(fds.install(b), 1, 'the hole is reused');
  t.is(fds.install(a, false, 10), 10);
  t.is(fds.install(a, false, 10), 11);
  t.is(fds.install(a, false, 1), 3, 'min counts from min, holes below it stay');
  t.is(fds.install(a), 4);
  t.deepEqual(fds.list(), [0, 1, 2, 3, 4, 10, 11]);
  t.is(fds.get(1), b);
  t.is(fds.get(10), a);
});

test('EMFILE: 1024 descriptors fit, the 1025th does not; installAt past the limit is EBADF', (t) => {
  t.is(NOFILE, 1024);
  const fds = new FdTable();
  const f = new Probe();
  for (let i = 0; i < NOFILE; i++) t.is(fds.install(f), i);
  t.is(errnoOf(() => fds.install(f)), E.EMFILE);
  t.is(errnoOf(() => fds.install(f, false, 1000)), E.EMFILE);
  fds.close(517);
  t.is(fds.install(f), 517);
  t.is(errnoOf(() => new FdTable().install(f, false, NOFILE)), E.EMFILE);
  t.is(errnoOf(() => fds.installAt(NOFILE, f)), E.EBADF);
  t.is(errnoOf(() => fds.installAt(-1, f)), E.EBADF);
  fds.installAt(NOFILE - 1, f);
  t.is(fds.get(NOFILE - 1), f);
  fds.closeAll();
  t.is(f.releases, 1, 'one description, released once when the last of 1024 descriptors went');
});

test('EBADF: get, close, cloexec, setCloexec of negative, unopened and closed descriptors', (t) => {
  const fds = new FdTable();
  const f = new Probe();
  for (const fd of [-1, 0, 3, 1 << 20]) {
    t.is(errnoOf(() => fds.get(fd)), E.EBADF, `get(${fd})`);
    t.is(errnoOf(() => fds.close(fd)), E.EBADF, `close(${fd})`);
    t.is(errnoOf(() => fds.cloexec(fd)), E.EBADF);
    t.is(errnoOf(() => fds.setCloexec(fd, true)), E.EBADF);
    t.false(fds.has(fd));
  }
  fds.install(f);
  fds.close(0);
  t.is(errnoOf(() => fds.close(0)), E.EBADF, 'double close');
  t.is(f.releases, 1);
});

test('close-on-exec: per descriptor, not per description; execve closes exactly those', (t) => {
  const fds = new FdTable();
  const shared = new Probe('shared'), only = new Probe('only');
  t.is(fds.install(shared, true), 0);
  t.is(fds.install(shared, false), 1);
  t.is(fds.install(only, true), 2);
  t.true(fds.cloexec(0));
  t.false(fds.cloexec(1));
  fds.setCloexec(1, true);
  fds.setCloexec(0, false);
  t.false(fds.cloexec(0));
  t.true(fds.cloexec(1));
  fds.closeOnExec();
  t.deepEqual(fds.list(), [0]);
  t.is(shared.releases, 0, 'fd 0 still refers to it');
  t.is(only.releases, 1);
  t.false(fds.cloexec(0));
});

test('installAt (dup2): replaces and releases what was there; dup2(fd, fd) keeps the description', (t) => {
  const fds = new FdTable();
  const a = new Probe('a'), b = new Probe('b');
  fds.install(a);
  fds.install(b, true);
  fds.installAt(1, a);
  t.is(b.releases, 1);
  t.is(fds.get(1), a);
  t.false(fds.cloexec(1), 'the new descriptor has its own flag');
  fds.installAt(1, a, true);
  t.is(a.releases, 0, 'same description at the same fd: not released in between');
  t.true(fds.cloexec(1));
  fds.installAt(7, b);
  t.deepEqual(fds.list(), [0, 1, 7]);
  t.is(fds.install(b), 2);
  fds.close(0);
  t.is(a.releases, 0);
  fds.close(1);
  t.is(a.releases, 1);
});

test('clone (fork): shares descriptions and flags; the tables change independently', (t) => {
  const parent = new FdTable();
  const a = new Probe('a'), b = new Probe('b');
  parent.install(a);
  parent.install(b, true);
  parent.installAt(5, a);
  const child = parent.clone();
  t.deepEqual(child.list(), [0, 1, 5]);
  t.is(child.get(0), a);
  t.is(child.get(1), b);
  t.true(child.cloexec(1));
  t.false(child.cloexec(0));
  child.setCloexec(0, true);
  t.false(parent.cloexec(0));
  child.close(1);
  t.true(parent.has(1));
  t.is(b.releases, 0);
  parent.close(1);
  t.is(b.releases, 1);
  t.is(child.install(b), 1);
  t.false(parent.has(1));
  parent.closeAll();
  t.is(a.releases, 0, 'the child still has fds 0 and 5');
  t.deepEqual(parent.list(), []);
  child.closeOnExec();
  t.deepEqual(child.list(), [1, 5]);
  child.closeAll();
  t.is(a.releases, 1);
  t.is(b.releases, 2);
});

test('a pipe\'s reader sees EOF only after the last writer closed in both tables', (t) => {
  const parent = new FdTable();
  const [r, w] = makePipe(0, 0n);
  const rfd = parent.install(r), wfd = parent.install(w);
  const child = parent.clone();
  const buf = new Uint8Array(8);
  parent.close(wfd);
  t.true(isBlocked(r.read(buf)), 'the child still holds the write end: a read blocks');
  t.is(w.write(Uint8Array.of(7)), 1);
  t.is(r.read(buf), 1);
  child.close(wfd);
  t.is(r.read(buf), 0, 'EOF');
  t.is(r.poll().events, POLLHUP);
  // The other direction: EPIPE only once no table has the read end.
  const [r2, w2] = makePipe(0, 0n);
  const a = new FdTable();
  a.install(r2);
  a.install(w2);
  const b = a.clone();
  a.close(0);
  t.is(w2.write(Uint8Array.of(1)), 1);
  b.closeOnExec(); // nothing is close-on-exec: no change
  b.close(0);
  t.is(errnoOf(() => w2.write(Uint8Array.of(1))), E.EPIPE);
  t.is(rfd, 0);
});
