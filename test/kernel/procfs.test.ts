/**
 * kernel/fs/procfs.ts through the VFS: /proc/self, per-pid directories, fd magic links (a pipe
 * or a deleted file reopened through them, /dev/stdin on top), generated text (cmdline, comm,
 * stat, status, maps, mounts, meminfo, uptime, loadavg), snapshots at open, vanished pids.
 */
import test from 'ava';
import type { Cpu } from '../../arch/common/cpu';
import { E, SysError } from '../../kernel/errno';
import { makeDevFs } from '../../kernel/fs/devfs';
import { InodeFile, O, type OpenFile } from '../../kernel/fs/file';
import { S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG } from '../../kernel/fs/inode';
import { makePipe } from '../../kernel/fs/pipe';
import { makeProcFs, type ProcView } from '../../kernel/fs/procfs';
import { opensItself } from '../../kernel/fs/synthetic';
import { FsContext, Vfs, type VNode } from '../../kernel/fs/vfs';
import { MappedFile } from '../../kernel/mm/mapped-file';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../kernel/mm/address-space';
import type { Process, ThreadGroup } from '../../kernel/task/process';
import { anon, errnoOf, testTask, tmpfs, world } from './_helpers';

function setup() {
  const w = world();
  const rootFs = tmpfs(1);
  const a = rootFs.root.mkdir('a', 0o755);
  const file = a.create('file', 0o644);
  file.write(0, new Uint8Array(100));
  const vfs = new Vfs(rootFs);
  const task = testTask(w, { instret: 0 } as unknown as Cpu, 7);
  task.comm = 'prog';
  task.group.execPath = '/bin/prog';
  task.group.argv = ['prog', '-x', ''];
  const R = (p: string, follow = true): VNode => vfs.resolve(vfs.root, vfs.root, p, follow);
  const groups = new Map<number, ThreadGroup>([[7, task.group]]);
  let current: Process = task;
  const view: ProcView = {
    current: () => current,
    group: (pid) => groups.get(pid),
    pids: () => [...groups.keys()],
    mounts: () => vfs.mountTable(),
    uptimeNs: () => 12_345_678_901n,
    ramBytes: 16 * 1024 * 1024,
    freeBytes: () => 5 * 1024 * 1024 + 1023,
    cpuName: 'model name\t: test cpu',
  };
  vfs.mount('/proc', makeProcFs(view));
  vfs.mount('/dev', makeDevFs(() => {}, () => null));
  task.fs = new FsContext(vfs.root, R('/a'));
  return { w, vfs, R, task, groups, view, file, setCurrent: (p: Process) => { current = p; } };
}

/** open(2) of a generated file and its whole text. */
function cat(node: VNode): string {
  const i = node.inode;
  if (!opensItself(i)) throw new Error(`${node.path()} does not open itself`);
  const f = i.open(O.RDONLY, node.path());
  const buf = new Uint8Array(65536);
  const n = f.read(buf);
  if (typeof n !== 'number') throw new Error('blocked');
  return Buffer.from(buf.subarray(0, n)).toString('utf8');
}

test('/proc: the system entries, then one directory per pid', (t) => {
  const { R, groups, task } = setup();
  t.deepEqual(R('/proc').list().map((e) => e.name), ['.', '..', 'self', 'thread-self', 'mounts', 'uptime', 'loadavg', 'meminfo', 'cpuinfo', '7']);
  const other = testTask(world(), { instret: 0 } as unknown as Cpu, 12);
  groups.set(12, other.group);
  t.deepEqual(R('/proc').list().slice(-2).map((e) => e.name), ['7', '12']);
  t.is(R('/proc/7').inode.type, S_IFDIR);
  t.is(R('/proc/7').inode, R('/proc/7').inode, 'one inode per pid directory');
  t.deepEqual(R('/proc/7').list().map((e) => e.name), ['.', '..', 'exe', 'cwd', 'root', 'fd', 'maps', 'cmdline', 'comm', 'stat', 'status', 'mounts', 'task']);
  t.is(task.pid, 7);
});

test('/proc/self: a link to the caller\'s pid; the links in it', (t) => {
  const { R, task } = setup();
  t.is(R('/proc/self', false).inode.type, S_IFLNK);
  t.is(R('/proc/self', false).inode.readlink(), '7');
  t.is(R('/proc/self').path(), '/proc/7');
  t.is(R('/proc/self/exe', false).inode.readlink(), '/bin/prog');
  t.is(R('/proc/self/cwd', false).inode.readlink(), '/a');
  t.is(R('/proc/self/root', false).inode.readlink(), '/');
  t.is(R('/proc/self/cwd').inode, task.fs.cwd.inode, 'following cwd reaches the directory');
  t.is(R('/proc/self/cwd/file').inode.type, S_IFREG);
  t.is(R('/proc/self/exe', false).inode.stat().size, '/bin/prog'.length, 'a link\'s size is its length');
});

test('/proc/self switches with the calling task', (t) => {
  const { R, groups, setCurrent } = setup();
  const other = testTask(world(), { instret: 0 } as unknown as Cpu, 12);
  groups.set(12, other.group);
  setCurrent(other);
  t.is(R('/proc/self').path(), '/proc/12');
});

test('/proc/thread-self: reaches the calling thread\'s directory (<pid>/task/<tid>)', (t) => {
  const { R } = setup();
  t.is(R('/proc/thread-self', false).inode.readlink(), '7/task/7');
  // glibc's pthread_setname_np / pthread_getname_np on another thread open /proc/self/task/<tid>/comm.
  const kind = (p: string): number | string => {
    try { return R(p).inode.type; } catch (e) { if (e instanceof SysError) return `errno ${e.errno}`; throw e; }
  };
  t.is(kind('/proc/thread-self'), S_IFDIR);
  t.is(kind('/proc/self/task'), S_IFDIR);
  t.is(kind('/proc/self/task/7'), S_IFDIR);
  t.is(kind('/proc/thread-self/comm'), S_IFREG);
});

test('fd links: list the open descriptors, read as the file\'s name, open the description itself', (t) => {
  const { R, task, file } = setup();
  const [r, w] = makePipe(0, 0n);
  task.fds.install(r);
  task.fds.installAt(3, w);
  const f = new InodeFile(R('/a/file'), O.RDWR);
  task.fds.installAt(5, f);
  t.deepEqual(R('/proc/self/fd').list().map((e) => e.name), ['.', '..', '0', '3', '5']);
  t.is(R('/proc/self/fd/0', false).inode.readlink(), r.name);
  t.regex(r.name, /^pipe:\[\d+\]$/);
  t.is(R('/proc/self/fd/5', false).inode.readlink(), '/a/file');
  // Following: the pipe's object...
  const p = R('/proc/self/fd/0');
  t.is(p.inode.type, S_IFIFO);
  t.is(p.inode.stat().ino, r.stat().ino);
  t.true(opensItself(p.inode));
  t.is((p.inode as unknown as { open(f: number, p: string): OpenFile }).open(O.RDONLY, ''), r, 'reopening gives the same pipe end');
  // ...and a file's very VNode.
  t.is(R('/proc/self/fd/5'), f.vnode);
  t.is(R('/proc/self/fd/5').inode, file);
  t.is(errnoOf(() => R('/proc/self/fd/4')), E.ENOENT);
  t.is(errnoOf(() => R('/proc/self/fd/0/x')), E.ENOTDIR);
});

test('fd links: a deleted file stays reachable through its descriptor', (t) => {
  const { R, task, file, vfs } = setup();
  const f = new InodeFile(R('/a/file'), O.RDONLY);
  task.fds.installAt(3, f);
  vfs.resolve(vfs.root, vfs.root, '/a', true).inode.unlink('file');
  t.is(errnoOf(() => R('/a/file')), E.ENOENT);
  t.is(R('/proc/self/fd/3').inode, file);
  t.is(R('/proc/self/fd/3').inode.stat().size, 100);
});

test('/dev/stdin, /dev/fd: links into /proc/self/fd', (t) => {
  const { R, task } = setup();
  const [r] = makePipe(0, 0n);
  task.fds.install(r);
  t.is(R('/dev/stdin', false).inode.readlink(), '/proc/self/fd/0');
  t.is(R('/dev/stdin').inode.type, S_IFIFO);
  t.is(R('/dev/stdin').inode.stat().ino, r.stat().ino);
  t.is(R('/dev/fd').path(), '/proc/7/fd');
  t.is(errnoOf(() => R('/dev/stdout')), E.ENOENT, 'fd 1 is not open');
});

test('cmdline, comm, status, stat: the text Linux shows', (t) => {
  const { R, task, groups } = setup();
  groups.get(7)!.tasks.push(testTask(world(), { instret: 0 } as unknown as Cpu, 8)); // a second thread
  t.is(cat(R('/proc/self/cmdline')), 'prog\0-x\0\0');
  t.is(cat(R('/proc/7/comm')), 'prog\n');
  t.is(cat(R('/proc/7/status')), 'Name:\tprog\nState:\tR (running)\nTgid:\t7\nPid:\t7\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmRSS:\t0 kB\nThreads:\t2\n');
  const stat = cat(R('/proc/7/stat')).trimEnd().split(' ');
  t.deepEqual(stat.slice(0, 8), ['7', '(prog)', 'R', '1', '7', '7', '0', '-1']);
  t.is(stat[19], '2', 'field 20, num_threads');
  t.is(stat[37], '17', 'field 38, exit_signal');
  t.is(task.group.ppid, 1);
});

test('maps: one line per VMA, the name at column 73', (t) => {
  const { R, w, task, file } = setup();
  const m = MappedFile.of(file, w.frames, w.u8);
  w.as.map(anon(0x1000_0000, 0x1000_2000, PROT_READ | PROT_EXEC, { file: { data: new Uint8Array(10), base: 0, path: '/bin/prog' }, name: '/bin/prog' }));
  w.as.map(anon(0x2000_0000, 0x2000_1000, PROT_READ | PROT_WRITE, { name: '[heap]' }));
  w.as.map(anon(0x3000_0000, 0x3000_3000, PROT_READ | PROT_WRITE, { shared: true, file: { mapped: m, base: 0x2000, path: '/a/file' }, name: '/a/file' }));
  w.as.map(anon(0x7fff_f000_0000, 0x7fff_f000_1000, 0));
  const lines = cat(R('/proc/self/maps')).split('\n');
  t.deepEqual(lines, [
    '10000000-10002000 r-xp 00000000 00:00 0' + ' '.repeat(34) + '/bin/prog',
    '20000000-20001000 rw-p 00000000 00:00 0' + ' '.repeat(34) + '[heap]',
    `30000000-30003000 rw-s 00002000 00:00 ${file.ino}` + ' '.repeat(34) + '/a/file',
    '7ffff0000000-7ffff0001000 ---p 00000000 00:00 0',
    '',
  ]);
  t.is(lines[0]!.indexOf('/bin/prog'), 73);
  t.is(task.as, w.as);
});

test('mounts, /proc/mounts: one line per mount in fstab format', (t) => {
  const { R } = setup();
  const text = cat(R('/proc/self/mounts'));
  t.is(text, 'tmpfs / tmpfs rw,relatime 0 0\nproc /proc proc ro,relatime 0 0\ndevtmpfs /dev devtmpfs ro,relatime 0 0\n');
  t.is(R('/proc/mounts', false).inode.readlink(), 'self/mounts');
  t.is(cat(R('/proc/mounts')), text);
});

test('meminfo, uptime, loadavg, cpuinfo: the system files', (t) => {
  const { R } = setup();
  t.is(cat(R('/proc/meminfo')), 'MemTotal:       16384 kB\nMemFree:        5120 kB\nMemAvailable:        5120 kB\n');
  t.is(cat(R('/proc/uptime')), '12.35 12.35\n');
  t.is(cat(R('/proc/loadavg')), '0.00 0.00 0.00 1/1 7\n');
  t.is(cat(R('/proc/cpuinfo')), 'processor\t: 0\nmodel name\t: test cpu\n\n');
});

test('generated files: a snapshot at open; opening for writing is EACCES; /proc is read-only', (t) => {
  const { R, task } = setup();
  const node = R('/proc/self/comm');
  const i = node.inode;
  if (!opensItself(i)) return t.fail();
  const f = i.open(O.RDONLY, node.path());
  task.comm = 'renamed';
  const buf = new Uint8Array(64);
  t.is(f.read(buf), 5);
  t.is(Buffer.from(buf.subarray(0, 5)).toString(), 'prog\n', 'the text of the open');
  t.is(f.read(buf), 0);
  t.is(f.seek(1, 0), 1);
  t.is(f.read(buf), 4);
  t.is(f.pread(buf, 2), 3);
  t.is(cat(node), 'renamed\n', 'a new open sees the change');
  t.is(errnoOf(() => i.open(O.WRONLY, '')), E.EACCES);
  t.is(errnoOf(() => i.open(O.RDWR, '')), E.EACCES);
  t.is(errnoOf(() => R('/proc').inode.create('x', 0o644)), E.EROFS);
  t.is(errnoOf(() => R('/proc/7').inode.unlink('comm')), E.EROFS);
  t.true(R('/proc').inode.fs.readOnly);
});

test('a pid that is gone: ENOENT for its directory and for text generated after it went', (t) => {
  const { R, groups } = setup();
  const other = testTask(world(), { instret: 0 } as unknown as Cpu, 12);
  groups.set(12, other.group);
  const dir = R('/proc/12');
  const status = R('/proc/12/status');
  groups.delete(12);
  t.is(errnoOf(() => R('/proc/12')), E.ENOENT);
  t.is(errnoOf(() => cat(status)), E.ENOENT, 'an inode kept from before: its text cannot be made');
  t.deepEqual(dir.list().map((e) => e.name).slice(0, 3), ['.', '..', 'exe']);
  t.deepEqual(R('/proc').list().map((e) => e.name).slice(-1), ['7']);
});
