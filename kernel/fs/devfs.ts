/**
 * /dev (devtmpfs): the character devices programs open by name — null, zero, full, random,
 * urandom, tty — and the fd links stdin, stdout, stderr and fd into /proc/self/fd.
 */
import { E, SysError } from '../errno';
import type { Inode } from './inode';
import type { OpenFile } from './file';
import { CharDevice, SynthDir, SynthLink, SyntheticFs, type OpensItself } from './synthetic';

const dev = (major: number, minor: number): number => (major << 8) | minor;

/** /dev/tty: opens the caller's controlling terminal (ENXIO when it has none). */
class TtyDevice extends CharDevice implements OpensItself {
  constructor(fs: SyntheticFs, private readonly terminal: () => OpenFile | null) {
    super(fs, dev(5, 0), { read: () => 0, write: (d) => d.length });
  }
  open(): OpenFile {
    const t = this.terminal();
    if (!t) throw new SysError(E.ENXIO);
    return t;
  }
}

export function makeDevFs(random: (buf: Uint8Array) => void, terminal: () => OpenFile | null): SyntheticFs {
  const fs = new SyntheticFs('devtmpfs', 0x5);
  const entries = new Map<string, Inode>([
    ['null', new CharDevice(fs, dev(1, 3), { read: () => 0, write: (d) => d.length })],
    ['zero', new CharDevice(fs, dev(1, 5), { read: (b) => { b.fill(0); return b.length; }, write: (d) => d.length })],
    ['full', new CharDevice(fs, dev(1, 7), { read: (b) => { b.fill(0); return b.length; }, write: () => { throw new SysError(E.ENOSPC); } })],
    ['random', new CharDevice(fs, dev(1, 8), { read: (b) => { random(b); return b.length; }, write: (d) => d.length })],
    ['urandom', new CharDevice(fs, dev(1, 9), { read: (b) => { random(b); return b.length; }, write: (d) => d.length })],
    ['tty', new TtyDevice(fs, terminal)],
    ['stdin', new SynthLink(fs, () => '/proc/self/fd/0')],
    ['stdout', new SynthLink(fs, () => '/proc/self/fd/1')],
    ['stderr', new SynthLink(fs, () => '/proc/self/fd/2')],
    ['fd', new SynthLink(fs, () => '/proc/self/fd')],
  ]);
  fs.root = new SynthDir(fs, () => entries, 0o755);
  return fs;
}
