/**
 * Advisory file locks, as Linux's fs/locks.c keeps them (man 2 flock, man 2 fcntl "Advisory
 * record locking" and "Open file description locks"):
 *
 * - flock(2) locks belong to an open file description: dup and fork share them, and they go with
 *   the description's last reference. A conversion drops the old lock before taking the new one
 *   (not atomic, as on Linux). They never conflict with record locks.
 * - POSIX record locks (F_SETLK/F_SETLKW) belong to the process's descriptor table (Linux's
 *   `fl_owner = current->files`), so threads share them and a fork()ed child has none. Closing
 *   ANY descriptor of the file in that table releases all of them on the file.
 * - OFD record locks (F_OFD_SETLK/F_OFD_SETLKW) are record locks owned by the open file
 *   description; they conflict with POSIX locks of any owner and go with the description.
 *
 * Locks are keyed by the inode object, so they work on every file system here; on the host
 * folder (9p) they are the guest's only — host processes neither see nor respect them.
 * Ranges are inclusive byte ranges in bigint; a lock "to EOF" ends at OFFSET_MAX.
 */
import { WaitQueue } from '../task/wait';

export const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
/** The largest off_t: a lock with l_len 0 reaches it. */
export const OFFSET_MAX = (1n << 63n) - 1n;
/** fs/locks.c MAX_DEADLK_ITERATIONS: how far the wait-for chain is followed. */
const MAX_DEADLK_ITERATIONS = 10;

export type LockType = typeof F_RDLCK | typeof F_WRLCK;

/** A byte-range lock or a request for one (type F_UNLCK: an unlock request). */
export interface RecordLock {
  /** The descriptor table (POSIX) or the open file description (OFD). */
  owner: object;
  ofd: boolean;
  /** l_pid F_GETLK reports: the holder's process id (OFD locks: -1). */
  pid: number;
  type: number;
  start: bigint;
  /** Inclusive. */
  end: bigint;
}

interface FlockEntry { file: object; type: LockType }

class InodeLocks {
  flocks: FlockEntry[] = [];
  records: RecordLock[] = [];
  /** Woken on every release or change: blocked requests try again. */
  readonly changed = new WaitQueue();
  get empty(): boolean { return this.flocks.length === 0 && this.records.length === 0; }
}

/**
 * What locks attach to: an inode, or for descriptions without one here (pipes, sockets, streams;
 * Linux gives those inodes in pipefs/sockfs too) the object OpenFile.lockKey names.
 */
export type LockTarget = object;
const table = new WeakMap<LockTarget, InodeLocks>();
/** POSIX owners blocked in F_SETLKW and the lock they wait for (deadlock detection). */
const waitingOn = new WeakMap<object, RecordLock>();

function locksOf(inode: LockTarget, create: true): InodeLocks;
function locksOf(inode: LockTarget, create: false): InodeLocks | undefined;
function locksOf(inode: LockTarget, create: boolean): InodeLocks | undefined {
  let l = table.get(inode);
  if (!l && create) { l = new InodeLocks(); table.set(inode, l); }
  return l;
}

/** The queue a blocked lock request sleeps on. */
export function lockQueue(inode: LockTarget): WaitQueue {
  return locksOf(inode, true).changed;
}

/** Forgets an inode's lock state once nothing is held and nobody waits on its queue. */
function tidy(inode: LockTarget, l: InodeLocks): void {
  if (l.empty && l.changed.empty) table.delete(inode);
}

/**
 * Waiters re-check after the current call: a request granted inside a waiter's own re-check
 * (kernel.sleep's ready()) must not re-enter that re-check.
 */
function changed(inode: LockTarget, l: InodeLocks): void {
  const q = l.changed;
  queueMicrotask(() => { q.wake(); tidy(inode, l); });
}

// ---- flock ----

/**
 * flock_lock_inode: takes (or converts to) a `type` lock for the description `file`; false when
 * another description's lock conflicts (the caller waits or answers EWOULDBLOCK). A lock being
 * converted is dropped first even if the new one cannot be had.
 */
export function flockTry(inode: LockTarget, file: object, type: LockType): boolean {
  const l = locksOf(inode, true);
  const mine = l.flocks.find((e) => e.file === file);
  if (mine) {
    if (mine.type === type) return true;
    l.flocks.splice(l.flocks.indexOf(mine), 1);
    changed(inode, l);
  }
  if (l.flocks.some((e) => e.type === F_WRLCK || type === F_WRLCK)) {
    tidy(inode, l);
    return false;
  }
  l.flocks.push({ file, type });
  return true;
}

export function flockUnlock(inode: LockTarget, file: object): void {
  const l = locksOf(inode, false);
  if (!l) return;
  const i = l.flocks.findIndex((e) => e.file === file);
  if (i < 0) return;
  l.flocks.splice(i, 1);
  changed(inode, l);
}

/** The flock lock `file` holds, if any (tests, /proc/locks). */
export function flockHeld(inode: LockTarget, file: object): LockType | null {
  return locksOf(inode, false)?.flocks.find((e) => e.file === file)?.type ?? null;
}

// ---- record locks ----

function overlaps(a: { start: bigint; end: bigint }, b: { start: bigint; end: bigint }): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** posix_test_lock: the first lock of another owner that `req` cannot coexist with. */
export function recordConflict(inode: LockTarget, req: RecordLock): RecordLock | null {
  const l = locksOf(inode, false);
  if (!l) return null;
  for (const h of l.records) {
    if (h.owner === req.owner || !overlaps(h, req)) continue;
    if (h.type === F_WRLCK || req.type === F_WRLCK) return h;
  }
  return null;
}

/**
 * posix_lock_inode without the conflict check (the caller made it): the owner's locks over the
 * range are replaced by `req` — same-type neighbours (overlapping or adjacent) merge into it,
 * other types are cut around it. An F_UNLCK request just cuts.
 */
export function recordApply(inode: LockTarget, req: RecordLock): void {
  const l = locksOf(inode, true);
  let start = req.start, end = req.end;
  const kept: RecordLock[] = [];
  for (const h of l.records) {
    if (h.owner !== req.owner) { kept.push(h); continue; }
    const adjacent = h.end + 1n === start || end + 1n === h.start;
    if (h.type === req.type && (overlaps(h, { start, end }) || adjacent)) {
      if (h.start < start) start = h.start;
      if (h.end > end) end = h.end;
      continue;
    }
    if (!overlaps(h, req)) { kept.push(h); continue; }
    if (h.start < req.start) kept.push({ ...h, end: req.start - 1n });
    if (h.end > req.end) kept.push({ ...h, start: req.end + 1n });
  }
  if (req.type !== F_UNLCK) kept.push({ ...req, start, end });
  kept.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  l.records = kept;
  changed(inode, l);
}

/** The owner's record locks on the file (tests, /proc/locks). */
export function recordsHeld(inode: LockTarget, owner: object): RecordLock[] {
  return (locksOf(inode, false)?.records ?? []).filter((h) => h.owner === owner);
}

/**
 * posix_locks_deadlock: would `owner` waiting for `blocker` close a cycle of POSIX owners each
 * waiting for the next? (OFD locks take no part, as on Linux.)
 */
export function wouldDeadlock(owner: object, blocker: RecordLock): boolean {
  let b: RecordLock | undefined = blocker;
  for (let i = 0; b && !b.ofd && i < MAX_DEADLK_ITERATIONS; i++) {
    if (b.owner === owner) return true;
    b = waitingOn.get(b.owner);
  }
  return false;
}

/** Records (or with null, forgets) what a blocked POSIX owner waits for. */
export function setWaiting(owner: object, blocker: RecordLock | null): void {
  if (blocker) waitingOn.set(owner, blocker);
  else waitingOn.delete(owner);
}

/** locks_remove_posix: a descriptor of `inode` in the table `owner` was closed. */
export function releaseRecords(inode: LockTarget, owner: object): void {
  const l = locksOf(inode, false);
  if (!l || !l.records.some((h) => h.owner === owner)) return;
  l.records = l.records.filter((h) => h.owner !== owner);
  changed(inode, l);
}

/** locks_remove_file: the last reference to the description `file` is gone. */
export function releaseDescription(inode: LockTarget, file: object): void {
  const l = locksOf(inode, false);
  if (!l) return;
  const before = l.flocks.length + l.records.length;
  l.flocks = l.flocks.filter((e) => e.file !== file);
  l.records = l.records.filter((h) => h.owner !== file);
  if (l.flocks.length + l.records.length !== before) changed(inode, l);
}
