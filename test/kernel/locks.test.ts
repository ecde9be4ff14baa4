/**
 * kernel/fs/locks.ts (flock and record locks by owner, split and merge, release on close and on
 * the description's last reference, deadlock detection) and the FIFO opens of kernel/fs/pipe.ts;
 * tmpfs hard links and FIFO inodes.
 */
import test from 'ava';
import { E } from '../../kernel/errno';
import { FdTable } from '../../kernel/fs/fdtable';
import { InodeFile, isBlocked, O } from '../../kernel/fs/file';
import { S_IFIFO } from '../../kernel/fs/inode';
import {
  F_RDLCK, F_UNLCK, F_WRLCK, flockHeld, flockTry, flockUnlock, lockQueue, OFFSET_MAX, recordApply, recordConflict, recordsHeld,
  releaseDescription, releaseRecords, setWaiting, wouldDeadlock, type RecordLock,
} from '../../kernel/fs/locks';
import { makePipe, openFifo } from '../../kernel/fs/pipe';
import { TmpFileSystem } from '../../kernel/fs/tmpfs';
import { VNode } from '../../kernel/fs/vfs';
import { errnoOf } from './_helpers';

function tmp(): TmpFileSystem {
  return new TmpFileSystem({ dev: 9, clock: () => 0n });
}

function req(owner: object, type: number, start: number, end: bigint | number, pid = 1, ofd = false): RecordLock {
  return { owner, ofd, pid, type, start: BigInt(start), end: BigInt(end) };
}

const spans = (ls: RecordLock[]): string[] => ls.map((l) => `${l.type}:${l.start}-${l.end === OFFSET_MAX ? 'EOF' : l.end}`);

test('flock: shared locks coexist, exclusive conflicts, the same description converts, unlock frees', (t) => {
  const inode = tmp().root.create('f', 0o644);
  const a = {}, b = {};
  t.true(flockTry(inode, a, F_RDLCK));
  t.true(flockTry(inode, b, F_RDLCK));
  t.false(flockTry(inode, b, F_WRLCK), 'a holds a shared lock');
  t.is(flockHeld(inode, b), null, 'a failed conversion has dropped the old lock (Linux)');
  t.true(flockTry(inode, a, F_WRLCK), 'a converts: nobody else holds one');
  t.is(flockHeld(inode, a), F_WRLCK);
  t.false(flockTry(inode, b, F_RDLCK));
  flockUnlock(inode, a);
  t.true(flockTry(inode, b, F_WRLCK));
  releaseDescription(inode, b);
  t.is(flockHeld(inode, b), null, 'the last reference lets it go');
});

test('record locks: conflicts need another owner and a writer; unlocking the middle splits', (t) => {
  const inode = tmp().root.create('f', 0o644);
  const p = {}, q = {};
  recordApply(inode, req(p, F_RDLCK, 0, 99));
  t.is(recordConflict(inode, req(p, F_WRLCK, 0, 99)), null, 'own locks never conflict');
  t.is(recordConflict(inode, req(q, F_RDLCK, 50, 50)), null, 'readers share');
  t.truthy(recordConflict(inode, req(q, F_WRLCK, 99, 200)));
  recordApply(inode, req(p, F_UNLCK, 40, 59));
  t.deepEqual(spans(recordsHeld(inode, p)), ['0:0-39', '0:60-99']);
  t.is(recordConflict(inode, req(q, F_WRLCK, 40, 59)), null);
  recordApply(inode, req(p, F_WRLCK, 30, 69));
  t.deepEqual(spans(recordsHeld(inode, p)), ['0:0-29', '1:30-69', '0:70-99'], 'another type is cut around the new lock');
  recordApply(inode, req(p, F_RDLCK, 30, 69));
  t.deepEqual(spans(recordsHeld(inode, p)), ['0:0-99'], 'same-type neighbours merge back');
  recordApply(inode, req(p, F_RDLCK, 100, OFFSET_MAX));
  t.deepEqual(spans(recordsHeld(inode, p)), ['0:0-EOF'], 'an adjacent lock to EOF merges');
  releaseRecords(inode, q);
  t.is(recordsHeld(inode, p).length, 1, "another owner's close leaves them");
  releaseRecords(inode, p);
  t.deepEqual(recordsHeld(inode, p), []);
});

test('FdTable.close releases the POSIX locks of that table on the file, from any descriptor', (t) => {
  const fs = tmp();
  fs.root.create('f', 0o644);
  const node = new VNode(fs.root.lookup('f')!, new VNode(fs.root, null, ''), 'f');
  const fds = new FdTable(), other = new FdTable();
  const a = fds.install(new InodeFile(node, O.RDWR));
  const b = fds.install(new InodeFile(node, O.RDONLY));
  other.install(new InodeFile(node, O.RDWR));
  recordApply(node.inode, req(fds, F_WRLCK, 0, 9));
  recordApply(node.inode, req(other, F_WRLCK, 10, 19));
  fds.close(b);
  t.deepEqual(recordsHeld(node.inode, fds), [], 'closing ANY descriptor of the file drops them');
  t.is(recordsHeld(node.inode, other).length, 1, "another table's stay");
  const f = fds.get(a);
  recordApply(node.inode, req(f, F_WRLCK, 0, 9, -1, true));
  fds.close(a);
  t.deepEqual(recordsHeld(node.inode, f), [], "an OFD lock goes with its description's last reference");
});

// Found by GNU make 4.3's -O (output sync): it locks its stdout with fcntl(F_SETLKW) to serialise
// the jobs' output, and stdout is a pipe when make's output is piped; that was EINVAL, Linux locks
// any descriptor (a pipe's ends share one pipefs inode).
test('pipes take locks: both ends share one lock target, close and last release drop them', (t) => {
  const [r, w] = makePipe(0, 0n);
  t.truthy(w.lockKey, 'a pipe end can be locked (fcntl said EINVAL)');
  t.is(r.lockKey, w.lockKey, "the ends are one inode: their locks meet");
  const fds = new FdTable(), other = new FdTable();
  const wfd = fds.install(w);
  other.install(r);
  recordApply(w.lockKey, req(fds, F_WRLCK, 0, 0));
  t.truthy(recordConflict(r.lockKey, req(other, F_WRLCK, 0, 0)), 'another process waits for the lock');
  fds.close(wfd);
  t.is(recordConflict(r.lockKey, req(other, F_WRLCK, 0, 0)), null, 'closing the descriptor released it');
  const [r2, w2] = makePipe(0, 0n);
  const wfd2 = fds.install(w2);
  t.true(flockTry(w2.lockKey, w2, F_WRLCK));
  t.false(flockTry(r2.lockKey, r2, F_RDLCK), 'flock on the other end conflicts');
  fds.close(wfd2);
  t.true(flockTry(r2.lockKey, r2, F_RDLCK), "the write end's last reference let its flock go");
});

test('wouldDeadlock follows the chain of blocked POSIX owners; OFD owners take no part', (t) => {
  const inode = tmp().root.create('f', 0o644);
  const p = {}, q = {}, r = {};
  recordApply(inode, req(p, F_WRLCK, 0, 0));
  recordApply(inode, req(q, F_WRLCK, 1, 1));
  recordApply(inode, req(r, F_WRLCK, 2, 2));
  const qWants = recordConflict(inode, req(q, F_WRLCK, 0, 0))!;
  t.false(wouldDeadlock(q, qWants), 'p waits for nobody');
  setWaiting(q, qWants);
  const rWants = recordConflict(inode, req(r, F_WRLCK, 1, 1))!;
  t.false(wouldDeadlock(r, rWants));
  setWaiting(r, rWants);
  const pWants = recordConflict(inode, req(p, F_WRLCK, 2, 2))!;
  t.true(wouldDeadlock(p, pWants), 'p -> r -> q -> p');
  setWaiting(q, null);
  t.false(wouldDeadlock(p, pWants), 'q no longer waits');
});

test('lock changes wake waiters after the call (a grant inside a re-check does not re-enter it)', async (t) => {
  const inode = tmp().root.create('f', 0o644);
  const p = {};
  let wakes = 0;
  lockQueue(inode).subscribe(() => { wakes++; });
  recordApply(inode, req(p, F_WRLCK, 0, 0));
  t.is(wakes, 0);
  await Promise.resolve();
  t.is(wakes, 1);
});

test('openFifo: readers wait for a writer, O_NONBLOCK writers without a reader get ENXIO, O_RDWR never waits', (t) => {
  const fs = tmp();
  const inode = fs.root.mknod('p', S_IFIFO | 0o600);
  t.is(inode.stat().mode, S_IFIFO | 0o600);
  t.is(errnoOf(() => openFifo(inode, O.WRONLY | O.NONBLOCK, '/p')), E.ENXIO);
  const r = openFifo(inode, O.RDONLY, '/p');
  t.truthy(r.ready);
  t.false(r.ready!(), 'no writer yet');
  const w = openFifo(inode, O.WRONLY, '/p');
  t.is(w.ready, null, 'a reader is there');
  t.true(r.ready!(), 'the writer released the reader');
  t.is(w.file.write(new Uint8Array([1, 2, 3])), 3);
  const buf = new Uint8Array(8);
  t.is(r.file.read(buf), 3);
  t.true(isBlocked(r.file.read(buf)), 'empty with a writer: blocks');
  w.file.hold().put();
  t.is(r.file.read(buf), 0, 'EOF once the writer closed');
  t.is(r.file.stat().mode & S_IFIFO, S_IFIFO, 'stat is the inode');
  const rw = openFifo(inode, O.RDWR, '/p');
  t.is(rw.ready, null);
  t.is(errnoOf(() => fs.root.mknod('p', S_IFIFO | 0o600)), E.EEXIST);
  t.is(errnoOf(() => fs.root.mknod('c', 0o020000 | 0o600)), E.EPERM);
});

test('tmpfs link: names share the inode, st_nlink counts them, data lives until the last name goes', (t) => {
  const fs = tmp();
  const f = fs.root.create('a', 0o644);
  f.write(0, new Uint8Array([7]));
  fs.root.link('b', f);
  t.is(fs.root.lookup('b'), f);
  t.is(f.stat().nlink, 2);
  fs.root.unlink('a');
  t.is(f.stat().nlink, 1);
  t.is(fs.usedBytes, 1, 'still linked as b');
  fs.root.unlink('b');
  t.is(f.stat().nlink, 0);
  t.is(fs.usedBytes, 0);
  t.is(errnoOf(() => fs.root.link('c', fs.root.mkdir('d', 0o755))), E.EPERM);
  t.is(errnoOf(() => fs.root.link('c', tmp().root.create('x', 0o644))), E.EXDEV);
});
