/**
 * /proc: per-process directories (exe, cwd, root, fd/, maps, cmdline, comm, stat, status,
 * mounts), `self` and `thread-self` for the calling task, and the few system files programs
 * read (meminfo, cpuinfo, uptime, loadavg, mounts). Text is generated when a file is opened.
 */
import { E, SysError } from '../errno';
import type { FileSystem, Inode } from './inode';
import { BaseInode, S_IFSOCK, type Stat } from './inode';
import { InodeFile, type OpenFile } from './file';
import { SynthDir, SynthFile, SynthLink, SyntheticFs, type OpensItself } from './synthetic';
import { VNode, type MagicLink } from './vfs';
import type { Process, ThreadGroup } from '../task/process';

export interface ProcView {
  /** The task making the current syscall. */
  current(): Process;
  group(pid: number): ThreadGroup | undefined;
  pids(): number[];
  mounts(): Array<{ path: string; fs: FileSystem }>;
  uptimeNs(): bigint;
  ramBytes: number;
  freeBytes(): number;
  cpuName: string;
}

/** /proc/<pid>/fd/N: reads as the file's name, opens the open file itself. */
class FdLink extends SynthLink implements MagicLink {
  constructor(fs: SyntheticFs, private readonly file: OpenFile) { super(fs, () => file.name); }
  follow(): VNode {
    const f = this.file;
    return f instanceof InodeFile ? f.vnode : new VNode(new OpenFileInode(this.fs, f), null, f.name);
  }
}

/** An open pipe or stream reached through its fd link: stat and open give that file. */
class OpenFileInode extends BaseInode implements OpensItself {
  constructor(readonly fs: SyntheticFs, private readonly file: OpenFile) { super(); }
  get ino(): number { return this.file.stat().ino; }
  get type(): number { return this.file.stat().mode & 0o170000; }
  stat(): Stat { return this.file.stat(); }
  open(): OpenFile {
    // Linux cannot reopen a socket through its fd link (the daemon's stdio may be sockets).
    if (this.type === S_IFSOCK) throw new SysError(E.ENXIO);
    return this.file;
  }
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

function mapsOf(g: ThreadGroup): string {
  return g.as.vmas.map((v) => {
    const perm = `${v.prot & 1 ? 'r' : '-'}${v.prot & 2 ? 'w' : '-'}${v.prot & 4 ? 'x' : '-'}${v.shared ? 's' : 'p'}`;
    const off = v.file && v.file.mapped ? v.file.base : 0;
    const ino = v.file?.mapped ? v.file.mapped.inode.ino : 0;
    const head = `${hex(v.start, 8)}-${hex(v.end, 8)} ${perm} ${hex(off, 8)} 00:00 ${ino}`;
    return v.name ? `${head.padEnd(72)} ${v.name}\n` : `${head}\n`;
  }).join('');
}

function mountsText(view: ProcView): string {
  return view.mounts().map(({ path, fs }) => `${fs.type} ${path} ${fs.type} ${fs.readOnly ? 'ro' : 'rw'},relatime 0 0\n`).join('');
}

export function makeProcFs(view: ProcView): SyntheticFs {
  const fs = new SyntheticFs('proc', 0x4);
  const perPid = new Map<number, Inode>();

  const pidDir = (pid: number): Inode => {
    let d = perPid.get(pid);
    if (d) return d;
    const g = (): ThreadGroup => {
      const x = view.group(pid);
      if (!x) throw new SysError(E.ENOENT);
      return x;
    };
    const task = (): Process | undefined => view.group(pid)?.tasks[0];
    const fdDir = new SynthDir(fs, () => {
      const t = task();
      const out = new Map<string, Inode>();
      if (!t) return out;
      for (const fd of t.fds.list()) out.set(String(fd), new FdLink(fs, t.fds.get(fd)));
      return out;
    }, 0o500);
    const entries = new Map<string, Inode>([
      ['exe', new SynthLink(fs, () => g().execPath)],
      ['cwd', new SynthLink(fs, () => task()?.fs.cwd.path() ?? '/')],
      ['root', new SynthLink(fs, () => task()?.fs.root.path() ?? '/')],
      ['fd', fdDir],
      ['maps', new SynthFile(fs, () => mapsOf(g()))],
      ['cmdline', new SynthFile(fs, () => g().argv.map((a) => a + '\0').join(''))],
      ['comm', new SynthFile(fs, () => `${task()?.comm ?? ''}\n`)],
      ['stat', new SynthFile(fs, () => {
        const x = g();
        const comm = x.execPath.slice(x.execPath.lastIndexOf('/') + 1).slice(0, 15);
        const ticks = Number(x.instret / 10_000_000);
        return `${pid} (${comm}) R ${x.ppid} ${x.pgid} ${x.sid} 0 -1 4194560 0 0 0 0 ${ticks} 0 0 0 20 0 ${x.tasks.length} 0 0 ${x.as.residentPages * 4096} ${x.as.residentPages} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n`;
      })],
      ['status', new SynthFile(fs, () => {
        const x = g();
        const name = x.execPath.slice(x.execPath.lastIndexOf('/') + 1).slice(0, 15);
        return `Name:\t${name}\nState:\tR (running)\nTgid:\t${pid}\nPid:\t${pid}\nPPid:\t${x.ppid}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmRSS:\t${x.as.residentPages * 4} kB\nThreads:\t${x.tasks.length}\n`;
      })],
      ['mounts', new SynthFile(fs, () => mountsText(view))],
    ]);
    // task/<tid>/: each thread's own name (pthread_getname_np of another thread reads it).
    const perTid = new Map<number, Inode>();
    const taskDir = new SynthDir(fs, () => {
      const out = new Map<string, Inode>();
      for (const th of view.group(pid)?.tasks ?? []) {
        let td = perTid.get(th.tid);
        if (!td) {
          const files = new Map<string, Inode>([
            ['comm', new SynthFile(fs, () => `${th.comm}\n`)],
            ['stat', entries.get('stat')!],
            ['status', entries.get('status')!],
          ]);
          td = new SynthDir(fs, () => files);
          perTid.set(th.tid, td);
        }
        out.set(String(th.tid), td);
      }
      return out;
    });
    entries.set('task', taskDir);
    d = new SynthDir(fs, () => entries);
    perPid.set(pid, d);
    return d;
  };

  const system = new Map<string, Inode>([
    ['self', new SynthLink(fs, () => String(view.current().pid))],
    ['thread-self', new SynthLink(fs, () => `${view.current().pid}/task/${view.current().tid}`)],
    ['mounts', new SynthLink(fs, () => 'self/mounts')],
    ['uptime', new SynthFile(fs, () => { const s = Number(view.uptimeNs()) / 1e9; return `${s.toFixed(2)} ${s.toFixed(2)}\n`; })],
    ['loadavg', new SynthFile(fs, () => `0.00 0.00 0.00 1/${view.pids().length} ${Math.max(0, ...view.pids())}\n`)],
    ['meminfo', new SynthFile(fs, () => {
      const kb = (n: number): string => `${Math.floor(n / 1024)} kB`.padStart(15);
      return `MemTotal:${kb(view.ramBytes)}\nMemFree:${kb(view.freeBytes())}\nMemAvailable:${kb(view.freeBytes())}\n`;
    })],
    ['cpuinfo', new SynthFile(fs, () => `processor\t: 0\n${view.cpuName}\n\n`)],
  ]);
  fs.root = new SynthDir(fs, () => {
    const m = new Map(system);
    for (const pid of view.pids()) m.set(String(pid), pidDir(pid));
    for (const pid of [...perPid.keys()]) if (!view.group(pid)) perPid.delete(pid);
    return m;
  });
  return fs;
}
