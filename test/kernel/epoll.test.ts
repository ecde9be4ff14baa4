/**
 * kernel/fs/epoll.ts on pipes and eventfds: epoll_ctl's errors, level- vs edge-triggered
 * reports (a pipe read does not re-report POLLIN), EPOLLONESHOT and its re-arming, maxevents
 * and the ready-list order, registrations dying with the file description (not a descriptor),
 * nested epolls (POLLIN of an epoll, wakes going up, ELOOP for loops and too deep a nest).
 */
import test from 'ava';
import { E } from '../../kernel/errno';
import {
  canPoll, EP_MAX_NESTS, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLET, EPOLLEXCLUSIVE, EPOLLONESHOT, EpollInstance,
} from '../../kernel/fs/epoll';
import { EventFd } from '../../kernel/fs/eventfd';
import { O, OpenFile } from '../../kernel/fs/file';
import type { Inode, Stat } from '../../kernel/fs/inode';
import { makePipe } from '../../kernel/fs/pipe';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM } from '../../kernel/fs/poll';
import { errnoOf } from './_helpers';

const ev = (events: number, data: bigint) => ({ events, data });

/** A pipe whose ends are held as descriptors would hold them. */
function pipe() {
  const [r, w] = makePipe(0, 0n);
  return { r: r.hold(), w: w.hold() };
}

const put = (f: OpenFile, s: string): void => { f.write(new TextEncoder().encode(s)); };
const take = (f: OpenFile, n: number): void => { f.read(new Uint8Array(n)); };
/** What epoll_wait would report: [data, events] pairs. */
const wait = (ep: EpollInstance, max = 8): Array<[number, number]> => ep.collect(max).map((e) => [Number(e.data), e.events]);

/** A file of a file system without a poll of its own (a regular file). */
class RegularFile extends OpenFile {
  readonly name = '/f';
  override get inode(): Inode { return {} as Inode; }
  stat(): Stat { throw new Error('unused'); }
}

test('epoll_ctl errors: EPERM, EINVAL (self, bad op, EPOLLEXCLUSIVE misuse), EEXIST, ENOENT', (t) => {
  const ep = new EpollInstance(0).hold();
  const { r } = pipe();
  t.false(canPoll(new RegularFile(O.RDONLY)));
  t.true(canPoll(r));
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_ADD, new RegularFile(O.RDONLY), 5, ev(POLLIN, 0n))), E.EPERM);
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_ADD, ep, 3, ev(POLLIN, 0n))), E.EINVAL);
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_MOD, r, 3, ev(POLLIN, 0n))), E.ENOENT);
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_DEL, r, 3, null)), E.ENOENT);
  ep.ctl(EPOLL_CTL_ADD, r, 3, ev(POLLIN, 1n));
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_ADD, r, 3, ev(POLLIN, 1n))), E.EEXIST);
  ep.ctl(EPOLL_CTL_ADD, r, 4, ev(POLLIN, 2n)); // the same description under another number
  t.is(ep.size, 2);
  t.is(errnoOf(() => ep.ctl(77, r, 3, ev(POLLIN, 1n))), E.EINVAL);
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_MOD, r, 3, ev(POLLIN | EPOLLEXCLUSIVE, 1n))), E.EINVAL);
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_ADD, r, 5, ev(POLLIN | POLLRDHUP | EPOLLEXCLUSIVE, 1n))), E.EINVAL);
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_ADD, new EpollInstance(0), 6, ev(POLLIN | EPOLLEXCLUSIVE, 1n))), E.EINVAL);
  ep.ctl(EPOLL_CTL_ADD, r, 7, ev(POLLIN | EPOLLEXCLUSIVE, 3n));
  t.is(errnoOf(() => ep.ctl(EPOLL_CTL_MOD, r, 7, ev(POLLIN, 3n))), E.EINVAL, 'an exclusive item cannot be modified');
  ep.ctl(EPOLL_CTL_DEL, r, 3, null);
  t.is(ep.size, 2);
});

test('level-triggered reports while ready; edge-triggered once per write, not after a read', (t) => {
  const { r, w } = pipe();
  const lt = new EpollInstance(0), et = new EpollInstance(0);
  lt.ctl(EPOLL_CTL_ADD, r, 3, ev(POLLIN, 1n));
  et.ctl(EPOLL_CTL_ADD, r, 3, ev(POLLIN | EPOLLET, 2n));
  t.deepEqual(wait(lt), []);
  put(w, 'abc');
  t.deepEqual(wait(lt), [[1, POLLIN]]);
  t.deepEqual(wait(lt), [[1, POLLIN]]);
  t.deepEqual(wait(et), [[2, POLLIN]]);
  t.deepEqual(wait(et), []);
  take(r, 1);
  t.deepEqual(wait(et), [], 'a read wakes with POLLOUT, which the item does not ask for');
  put(w, 'd');
  t.deepEqual(wait(et), [[2, POLLIN]]);
  take(r, 10);
  t.deepEqual(wait(lt), []);
  t.deepEqual(wait(et), []);
});

test('EPOLLERR and EPOLLHUP are always reported; EPOLLONESHOT disables until MOD', (t) => {
  const { r, w } = pipe();
  const ep = new EpollInstance(0);
  ep.ctl(EPOLL_CTL_ADD, w, 4, ev(POLLOUT | EPOLLONESHOT, 9n));
  t.deepEqual(wait(ep), [[9, POLLOUT]]);
  t.deepEqual(wait(ep), []);
  take(r, 1);
  r.put(); // no reader: POLLERR on the write end
  t.deepEqual(wait(ep), [], 'disabled');
  ep.ctl(EPOLL_CTL_MOD, w, 4, ev(POLLIN, 10n));
  t.deepEqual(wait(ep), [[10, POLLERR]], 'asked for POLLIN only');
  const { r: r2, w: w2 } = pipe();
  ep.ctl(EPOLL_CTL_ADD, r2, 5, ev(POLLIN | POLLRDHUP, 11n));
  w2.put();
  t.deepEqual(wait(ep), [[10, POLLERR], [11, POLLHUP]]);
});

test('maxevents: the rest stay first in line, level-triggered items go to the back', (t) => {
  const ep = new EpollInstance(0);
  const pipes = [pipe(), pipe(), pipe()];
  pipes.forEach((p, i) => { put(p.w, 'x'); ep.ctl(EPOLL_CTL_ADD, p.r, 10 + i, ev(POLLIN, BigInt(10 + i))); });
  t.deepEqual(wait(ep, 2), [[10, POLLIN], [11, POLLIN]]);
  t.deepEqual(wait(ep, 8), [[12, POLLIN], [10, POLLIN], [11, POLLIN]]);
  t.deepEqual(wait(ep, 1), [[12, POLLIN]]);
  t.deepEqual(wait(ep, 8), [[10, POLLIN], [11, POLLIN], [12, POLLIN]]);
});

test('a registration ends with the file description, not with one of its descriptors', (t) => {
  const { r, w } = pipe();
  const ep = new EpollInstance(0);
  r.hold(); // a dup
  ep.ctl(EPOLL_CTL_ADD, r, 3, ev(POLLIN, 1n));
  r.put(); // close(3)
  put(w, 'x');
  t.deepEqual(wait(ep), [[1, POLLIN]]);
  t.is(ep.size, 1);
  r.put(); // the last descriptor
  t.is(ep.size, 0);
  t.deepEqual(wait(ep), []);
  const q = w.poll().queue!;
  ep.ctl(EPOLL_CTL_ADD, w, 4, ev(POLLOUT, 2n));
  t.false(q.empty);
  ep.hold().put(); // the epoll itself released: it stops listening
  t.true(q.empty);
});

test('nested: an epoll is POLLIN while an item is ready, and wakes the epolls watching it', (t) => {
  const { r, w } = pipe();
  const inner = new EpollInstance(0), outer = new EpollInstance(0);
  inner.ctl(EPOLL_CTL_ADD, r, 3, ev(POLLIN, 40n));
  outer.ctl(EPOLL_CTL_ADD, inner, 5, ev(POLLIN | EPOLLET, 41n));
  t.is(inner.poll().events, 0);
  put(w, 'x');
  t.is(inner.poll().events, POLLIN | POLLRDNORM);
  t.deepEqual(wait(outer), [[41, POLLIN]]);
  t.deepEqual(wait(outer), [], 'edge-triggered on the inner epoll');
  t.deepEqual(wait(inner), [[40, POLLIN]]);
  take(r, 1);
  t.is(inner.poll().events, 0);
  put(w, 'y');
  t.deepEqual(wait(outer), [[41, POLLIN]]);
});

test('ELOOP: a loop, or a chain deeper than EP_MAX_NESTS', (t) => {
  const a = new EpollInstance(0), b = new EpollInstance(0), c = new EpollInstance(0);
  a.ctl(EPOLL_CTL_ADD, b, 3, ev(POLLIN, 0n));
  b.ctl(EPOLL_CTL_ADD, c, 4, ev(POLLIN, 0n));
  t.is(errnoOf(() => c.ctl(EPOLL_CTL_ADD, a, 5, ev(POLLIN, 0n))), E.ELOOP);
  t.is(errnoOf(() => b.ctl(EPOLL_CTL_ADD, a, 5, ev(POLLIN, 0n))), E.ELOOP);
  // chain[0] watches chain[1] watches ... : EP_MAX_NESTS + 1 epolls deep is the most.
  const chain = Array.from({ length: EP_MAX_NESTS + 2 }, () => new EpollInstance(0));
  for (let i = EP_MAX_NESTS - 1; i >= 0; i--) chain[i]!.ctl(EPOLL_CTL_ADD, chain[i + 1]!, 3, ev(POLLIN, 0n));
  t.is(errnoOf(() => chain[EP_MAX_NESTS + 1]!.ctl(EPOLL_CTL_ADD, chain[0]!, 3, ev(POLLIN, 0n))), E.ELOOP, 'from above');
  t.is(errnoOf(() => chain[EP_MAX_NESTS]!.ctl(EPOLL_CTL_ADD, chain[EP_MAX_NESTS + 1]!, 3, ev(POLLIN, 0n))), E.ELOOP, 'from below');
});

test('eventfd, edge-triggered: even a write of 0 is reported again', (t) => {
  const e = new EventFd(1n, 0).hold();
  const ep = new EpollInstance(0);
  ep.ctl(EPOLL_CTL_ADD, e, 3, ev(POLLIN | EPOLLET, 50n));
  t.deepEqual(wait(ep), [[50, POLLIN]]);
  t.deepEqual(wait(ep), []);
  e.write(new Uint8Array(8));
  t.deepEqual(wait(ep), [[50, POLLIN]]);
  t.is(ep.name, 'anon_inode:[eventpoll]');
});
