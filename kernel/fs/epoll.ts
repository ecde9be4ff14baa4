/**
 * epoll (Linux fs/eventpoll.c, man 7 epoll). An instance watches (file description, fd) pairs.
 * Each item subscribes to its file's poll queue; a wake whose key carries one of the item's
 * events puts it on the ready list (ep_poll_callback). epoll_wait takes the ready list in
 * order and asks each file's poll() again: a ready item is reported, then re-queued when
 * level-triggered, dropped until the next wake when EPOLLET, disabled when EPOLLONESHOT (until
 * EPOLL_CTL_MOD). Items that were not reached (maxevents) stay first in line.
 *
 * A registration lives as long as its file description, not its descriptor: closing one of two
 * duplicates keeps it, the last close removes it (eventpoll_release). An epoll is pollable
 * (POLLIN while an item is ready), so epolls nest, within EP_MAX_NESTS and without loops.
 */
import { E, SysError } from '../errno';
import { WaitQueue } from '../task/wait';
import { AnonInodeFile } from './anon-inode';
import { OpenFile } from './file';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, type Readiness } from './poll';

export const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
export const EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29, EPOLLONESHOT = 1 << 30, EPOLLET = 1 << 31;
/** Flags of an item, not events. */
const EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
/** What an EPOLLEXCLUSIVE item may ask for besides. */
const EPOLLEXCLUSIVE_OK_BITS = POLLIN | POLLOUT | POLLERR | POLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/** Deepest nesting of epolls in epolls. */
export const EP_MAX_NESTS = 4;

/** struct epoll_event's contents. */
export interface EpollEvent { events: number; data: bigint }

interface Item {
  readonly ep: EpollInstance;
  readonly file: OpenFile;
  readonly fd: number;
  /** Requested events with EPOLLERR | EPOLLHUP and the flag bits; only flag bits once a oneshot fired. */
  events: number;
  data: bigint;
  unsubscribe: () => void;
  forget: () => void;
}

/**
 * file_can_poll: files without a poll of their own on an inode (regular files, directories,
 * /dev/null) cannot be watched. Streams without an inode (standard I/O) can.
 */
export function canPoll(file: OpenFile): boolean {
  return file.poll !== OpenFile.prototype.poll || file.inode === null;
}

export class EpollInstance extends AnonInodeFile {
  private readonly items = new Map<OpenFile, Map<number, Item>>();
  /** The ready list, in order (a Set keeps insertion order; re-adding keeps the place). */
  private ready = new Set<Item>();
  /** Woken (POLLIN) when an item becomes ready: epoll_wait sleepers and epolls watching this one. */
  readonly changed = new WaitQueue();
  /** Items of other epolls that watch this one (for the nesting limit). */
  private readonly watchers = new Set<Item>();

  constructor(flags: number) {
    super('eventpoll', flags);
  }

  /** Number of registrations. */
  get size(): number {
    let n = 0;
    for (const m of this.items.values()) n += m.size;
    return n;
  }

  /**
   * do_epoll_ctl after the descriptors were looked up: EPERM for a file that cannot be polled,
   * EINVAL for the epoll itself or a misused EPOLLEXCLUSIVE or an unknown op, ELOOP for a loop or
   * too deep a nest, EEXIST / ENOENT for adding twice / changing what is not there.
   */
  ctl(op: number, file: OpenFile, fd: number, ev: EpollEvent | null): void {
    if (!canPoll(file)) throw new SysError(E.EPERM);
    if (file === this) throw new SysError(E.EINVAL);
    const hasEvent = op !== EPOLL_CTL_DEL;
    if (hasEvent && !ev) throw new SysError(E.EFAULT);
    if (hasEvent && ev!.events & EPOLLEXCLUSIVE) {
      if (op === EPOLL_CTL_MOD) throw new SysError(E.EINVAL);
      if (op === EPOLL_CTL_ADD && (file instanceof EpollInstance || ev!.events & ~EPOLLEXCLUSIVE_OK_BITS)) throw new SysError(E.EINVAL);
    }
    if (op === EPOLL_CTL_ADD && file instanceof EpollInstance && this.wouldLoop(file)) throw new SysError(E.ELOOP);
    const item = this.items.get(file)?.get(fd);
    switch (op) {
      case EPOLL_CTL_ADD:
        if (item) throw new SysError(E.EEXIST);
        this.insert(file, fd, ev!);
        return;
      case EPOLL_CTL_DEL:
        if (!item) throw new SysError(E.ENOENT);
        this.remove(item);
        return;
      case EPOLL_CTL_MOD:
        if (!item) throw new SysError(E.ENOENT);
        if (item.events & EPOLLEXCLUSIVE) throw new SysError(E.EINVAL);
        item.events = (ev!.events | POLLERR | POLLHUP) | 0;
        item.data = ev!.data;
        if (this.pollItem(item)) this.queue(item);
        return;
      default:
        throw new SysError(E.EINVAL);
    }
  }

  /** ep_send_events: up to `max` ready items' events, in ready-list order. */
  collect(max: number): EpollEvent[] {
    const out: EpollEvent[] = [];
    const tx = [...this.ready];
    this.ready.clear();
    const again: Item[] = [];
    let i = 0;
    for (; i < tx.length && out.length < max; i++) {
      const item = tx[i]!;
      const events = this.pollItem(item);
      if (!events) continue;
      out.push({ events, data: item.data });
      if (item.events & EPOLLONESHOT) item.events &= EP_PRIVATE_BITS;
      else if (!(item.events & EPOLLET)) again.push(item);
    }
    // ep_done_scan: what was not reached goes back first, then the level-triggered ones.
    const later = [...this.ready];
    this.ready = new Set([...tx.slice(i), ...again, ...later]);
    return out;
  }

  /** ep_eventpoll_poll: readable while some queued item is ready; the others leave the list. */
  override poll(): Readiness {
    for (const item of [...this.ready]) {
      if (this.pollItem(item)) return { events: POLLIN | POLLRDNORM, queue: this.changed };
      this.ready.delete(item);
    }
    return { events: 0, queue: this.changed };
  }

  protected override release(): void {
    for (const m of [...this.items.values()]) for (const item of [...m.values()]) this.remove(item);
  }

  private pollItem(item: Item): number {
    return item.file.poll().events & item.events;
  }

  private insert(file: OpenFile, fd: number, ev: EpollEvent): void {
    const item: Item = {
      ep: this, file, fd, events: (ev.events | POLLERR | POLLHUP) | 0, data: ev.data,
      unsubscribe: () => {}, forget: () => {},
    };
    let byFd = this.items.get(file);
    if (!byFd) this.items.set(file, (byFd = new Map()));
    byFd.set(fd, item);
    const r = file.poll();
    if (r.queue) item.unsubscribe = r.queue.subscribe((key) => this.wakeup(item, key));
    item.forget = file.onRelease(() => this.remove(item));
    if (file instanceof EpollInstance) file.watchers.add(item);
    if (r.events & item.events) this.queue(item);
  }

  private remove(item: Item): void {
    item.unsubscribe();
    item.forget();
    const byFd = this.items.get(item.file);
    byFd?.delete(item.fd);
    if (byFd?.size === 0) this.items.delete(item.file);
    this.ready.delete(item);
    if (item.file instanceof EpollInstance) item.file.watchers.delete(item);
  }

  /** ep_poll_callback: a disabled oneshot ignores wakes, and so does an item none of whose events the key names. */
  private wakeup(item: Item, key: number | undefined): void {
    if (!(item.events & ~EP_PRIVATE_BITS)) return;
    if (key && !(key & item.events)) return;
    this.queue(item);
  }

  private queue(item: Item): void {
    this.ready.add(item);
    this.changed.wake(POLLIN | POLLRDNORM);
  }

  /**
   * ep_loop_check: adding `to` here loops when this epoll is reachable from `to`, and nests too
   * deep when the chain below `to`, `to` itself and the chain above this one exceed EP_MAX_NESTS.
   */
  private wouldLoop(to: EpollInstance): boolean {
    const below = to.depthBelow(this, new Set());
    return below === Infinity || below + 1 + this.depthAbove(new Set()) > EP_MAX_NESTS;
  }

  /** Longest chain of epolls this one watches (0: none); Infinity when `target` is among them. */
  private depthBelow(target: EpollInstance, seen: Set<EpollInstance>): number {
    seen.add(this);
    let depth = 0;
    for (const m of this.items.values()) {
      for (const item of m.values()) {
        const f = item.file;
        if (!(f instanceof EpollInstance) || seen.has(f)) continue;
        if (f === target) return Infinity;
        depth = Math.max(depth, f.depthBelow(target, seen) + 1);
        if (depth > EP_MAX_NESTS) return depth;
      }
    }
    return depth;
  }

  /** Longest chain of epolls watching this one (0: none). */
  private depthAbove(seen: Set<EpollInstance>): number {
    seen.add(this);
    let depth = 0;
    for (const w of this.watchers) if (!seen.has(w.ep)) depth = Math.max(depth, w.ep.depthAbove(seen) + 1);
    return depth;
  }
}
