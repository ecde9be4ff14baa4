/**
 * Files on Linux's one anonymous inode (fs/anon_inodes.c): eventfd, epoll, timerfd, signalfd.
 * They share that inode (alloc_anon_inode: mode 0600 with no type bits), open O_RDWR, and
 * /proc/self/fd shows them as "anon_inode:[kind]".
 */
import { O, OpenFile } from './file';
import type { Stat } from './inode';

/** anon_inodefs's device and the shared inode's number. */
const ANON_DEV = 0xe, ANON_INO = 1;

export abstract class AnonInodeFile extends OpenFile {
  readonly name: string;

  /** `kind` as Linux names it ("eventfd", "eventpoll", ...); `flags`: O_NONBLOCK kept. */
  constructor(kind: string, flags: number) {
    super(O.RDWR | (flags & O.NONBLOCK));
    this.name = `anon_inode:[${kind}]`;
  }

  stat(): Stat {
    return {
      dev: ANON_DEV, ino: ANON_INO, mode: 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0,
      blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }
}
