import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { E, SysError } from '../../kernel/errno';
import { DT, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, type Inode } from '../../kernel/fs/inode';
import { asSysError, HostDir, HostFile, HostFileSystem } from '../../kernel/fs/hostfs';
import { TmpFileSystem } from '../../kernel/fs/tmpfs';
// The module object itself (not an import copy), so a test can wrap the calls hostfs makes.
import fs = require('fs');

interface Setup { base: string; root: string; outside: string; hfs: HostFileSystem }

/** base/root is mounted; base/outside holds what must stay out of reach. */
function setup(t: ExecutionContext, readOnly = false): Setup {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'hostfs-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'secret');
  fs.chmodSync(path.join(outside, 'secret'), 0o600);
  fs.utimesSync(path.join(outside, 'secret'), 1000, 1000);
  return { base, root, outside, hfs: new HostFileSystem(root, { dev: 0x9, readOnly }) };
}

function errno(t: ExecutionContext, f: () => unknown, code: number): void {
  const e = t.throws(f, { instanceOf: SysError });
  t.is(e?.errno, code, `expected ${code}, got ${e?.errno}`);
}

function read(i: Inode, offset = 0, len = 4096): string {
  const buf = new Uint8Array(len);
  return Buffer.from(buf.subarray(0, i.read(offset, buf))).toString();
}

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

/** What must not change outside the mounted directory. */
function outsideState(s: Setup): unknown {
  const secret = path.join(s.outside, 'secret');
  const st = fs.statSync(secret, { bigint: true });
  return { names: fs.readdirSync(s.outside).sort(), text: fs.readFileSync(secret, 'utf8'), mode: st.mode, mtime: st.mtimeNs, dirMode: fs.statSync(s.outside).mode };
}

/** Runs `f` with fs[name] wrapped: `before(args)` runs first on each call. */
function intercept<K extends 'openSync' | 'mkdirSync'>(name: K, before: (args: unknown[]) => void, f: () => void): void {
  const orig = fs[name];
  (fs as Record<string, unknown>)[name] = (...args: unknown[]) => {
    before(args);
    return (orig as (...a: unknown[]) => unknown)(...args);
  };
  try {
    f();
  } finally {
    (fs as Record<string, unknown>)[name] = orig;
  }
}

test('mounting: a missing path or a file is refused', (t) => {
  const { base } = setup(t);
  t.throws(() => new HostFileSystem(path.join(base, 'none'), { dev: 1 }), { message: /^hostfs: cannot mount .*none: ENOENT/ });
  fs.writeFileSync(path.join(base, 'file'), '');
  t.throws(() => new HostFileSystem(path.join(base, 'file'), { dev: 1 }), { message: /^hostfs: cannot mount .*file: ENOTDIR/ });
});

test('stat shows the host inode: mode, nlink, owner, size, blocks, ns times; dev is the mount\'s', (t) => {
  const s = setup(t);
  const file = path.join(s.root, 'f');
  fs.writeFileSync(file, 'x'.repeat(5000));
  fs.chmodSync(file, 0o751);
  fs.utimesSync(file, 1_600_000_000.5, 1_500_000_000.25);
  for (const [inode, p] of [[s.hfs.root, s.root], [s.hfs.root.lookup('f')!, file]] as const) {
    const h = fs.lstatSync(p, { bigint: true });
    t.deepEqual(inode.stat(), {
      dev: 0x9, ino: Number(h.ino), mode: Number(h.mode), nlink: Number(h.nlink), uid: Number(h.uid), gid: Number(h.gid),
      rdev: Number(h.rdev), size: Number(h.size), blksize: Number(h.blksize), blocks: Number(h.blocks),
      atimeNs: h.atimeNs, mtimeNs: h.mtimeNs, ctimeNs: h.ctimeNs,
    });
    t.is(inode.ino, Number(h.ino));
  }
  const f = s.hfs.root.lookup('f')!.stat();
  t.deepEqual([f.mode, f.size, f.atimeNs, f.mtimeNs], [S_IFREG | 0o751, 5000, 1_600_000_000_500_000_000n, 1_500_000_000_250_000_000n]);
  t.is(s.hfs.type, '9p');
  t.is(s.hfs.dev, 0x9);
});

test('lookup and readdir: kinds, sorted names, host inos, one object per inode', (t) => {
  const s = setup(t);
  fs.writeFileSync(path.join(s.root, 'f'), 'hi');
  fs.mkdirSync(path.join(s.root, 'd'));
  fs.symlinkSync('/', path.join(s.root, 'l'));
  execFileSync('mkfifo', [path.join(s.root, 'p')]);
  const ino = (n: string): number => Number(fs.lstatSync(path.join(s.root, n), { bigint: true }).ino);
  t.deepEqual(s.hfs.root.readdir(), [
    { name: 'd', ino: ino('d'), type: DT.DIR }, { name: 'f', ino: ino('f'), type: DT.REG },
    { name: 'l', ino: ino('l'), type: DT.LNK }, { name: 'p', ino: ino('p'), type: DT.FIFO },
  ]);
  const f = s.hfs.root.lookup('f')!;
  t.is(s.hfs.root.lookup('f'), f);
  t.deepEqual(['d', 'f', 'l', 'p'].map((n) => s.hfs.root.lookup(n)!.type), [S_IFDIR, S_IFREG, S_IFLNK, S_IFIFO]);
  t.is(s.hfs.root.lookup('missing'), null);
  for (const bad of ['', '.', '..', 'd/f', 'a\0b']) errno(t, () => s.hfs.root.lookup(bad), E.EINVAL);
  errno(t, () => s.hfs.root.lookup('x'.repeat(256)), E.ENAMETOOLONG);
  errno(t, () => f.lookup('x'), E.ENOTDIR);
  errno(t, () => f.readdir(), E.ENOTDIR);
});

test('read, write, truncate at offsets go to the host file', (t) => {
  const s = setup(t);
  const host = path.join(s.root, 'f');
  fs.writeFileSync(host, 'hello world');
  const f = s.hfs.root.lookup('f')!;
  t.is(read(f), 'hello world');
  t.is(read(f, 6, 3), 'wor');
  t.is(read(f, 11), '');
  t.is(read(f, 1e12), '');
  t.is(f.write(6, enc('there, you')), 10);
  t.is(fs.readFileSync(host, 'utf8'), 'hello there, you');
  t.is(f.write(20, enc('!')), 1);
  t.is(fs.readFileSync(host, 'latin1'), 'hello there, you\0\0\0\0!');
  f.truncate(5);
  t.is(fs.readFileSync(host, 'utf8'), 'hello');
  f.truncate(7);
  t.is(read(f), 'hello\0\0');
  t.is(f.stat().size, 7);
  t.is(f.write(0, new Uint8Array(0)), 0);
  errno(t, () => f.read(-1, new Uint8Array(1)), E.EINVAL);
  errno(t, () => f.write(Number.MAX_SAFE_INTEGER, enc('x')), E.EFBIG);
  errno(t, () => f.truncate(-1), E.EINVAL);
  errno(t, () => s.hfs.root.read(0, new Uint8Array(1)), E.EISDIR);
  errno(t, () => s.hfs.root.write(0, enc('x')), E.EISDIR);
  f.sync();
  s.hfs.root.sync();
});

test('create and mkdir: exact modes (not the daemon\'s umask), EEXIST, set-group-ID inheritance', (t) => {
  const s = setup(t);
  const old = process.umask(0o077);
  try {
    const f = s.hfs.root.create('f', 0o666);
    t.is(fs.statSync(path.join(s.root, 'f')).mode, S_IFREG | 0o666);
    t.is(f.stat().mode, S_IFREG | 0o666);
    t.is(s.hfs.root.lookup('f'), f);
    const d = s.hfs.root.mkdir('d', 0o7777);
    t.is(fs.statSync(path.join(s.root, 'd')).mode, S_IFDIR | 0o1777);
    d.chmod(0o2775);
    t.is(d.mkdir('sub', 0o750).stat().mode, S_IFDIR | 0o2750);
    t.is(d.create('g', 0o4755).stat().mode, S_IFREG | 0o4755);
  } finally {
    process.umask(old);
  }
  errno(t, () => s.hfs.root.create('f', 0o644), E.EEXIST);
  errno(t, () => s.hfs.root.mkdir('f', 0o755), E.EEXIST);
  errno(t, () => s.hfs.root.create('d', 0o644), E.EEXIST);
  errno(t, () => s.hfs.root.create('a/b', 0o644), E.EINVAL);
});

test('create over a dangling symlink that points outside answers EEXIST and creates nothing there', (t) => {
  const s = setup(t);
  fs.symlinkSync(path.join(s.outside, 'planted'), path.join(s.root, 'evil'));
  fs.symlinkSync('../outside/planted2', path.join(s.root, 'evil2'));
  const before = outsideState(s);
  errno(t, () => s.hfs.root.create('evil', 0o644), E.EEXIST);
  errno(t, () => s.hfs.root.create('evil2', 0o644), E.EEXIST);
  errno(t, () => s.hfs.root.mkdir('evil', 0o755), E.EEXIST);
  t.deepEqual(outsideState(s), before);
});

test('symlinks: raw targets, never followed on the host', (t) => {
  const s = setup(t);
  fs.symlinkSync('/', path.join(s.root, 'slash'));
  fs.symlinkSync('../..', path.join(s.root, 'up'));
  fs.symlinkSync(s.outside, path.join(s.root, 'out'));
  for (const [name, target] of [['slash', '/'], ['up', '../..'], ['out', s.outside]]) {
    const l = s.hfs.root.lookup(name)!;
    t.is(l.type, S_IFLNK);
    t.is(l.readlink(), target);
    t.is(l.stat().mode & S_IFMT, S_IFLNK);
    t.is(l.stat().size, Buffer.byteLength(target));
    errno(t, () => l.lookup('secret'), E.ENOTDIR);
    errno(t, () => l.readdir(), E.ENOTDIR);
    errno(t, () => l.read(0, new Uint8Array(8)), E.EINVAL);
    errno(t, () => l.create('x', 0o644), E.ENOTDIR);
  }
  const made = s.hfs.root.symlink('new', '../outside/secret');
  t.is(fs.readlinkSync(path.join(s.root, 'new')), '../outside/secret');
  t.is(made.readlink(), '../outside/secret');
  t.is(s.hfs.root.lookup('new'), made);
  errno(t, () => s.hfs.root.symlink('e', ''), E.ENOENT);
  errno(t, () => s.hfs.root.symlink('new', 'x'), E.EEXIST);
  errno(t, () => s.hfs.root.symlink('long', 'x'.repeat(4096)), E.ENAMETOOLONG);
  errno(t, () => s.hfs.root.readlink(), E.EINVAL);
});

test('unlink and rmdir errnos', (t) => {
  const s = setup(t);
  const d = s.hfs.root.mkdir('d', 0o755);
  d.create('f', 0o644);
  s.hfs.root.create('file', 0o644);
  s.hfs.root.symlink('ld', 'd');
  errno(t, () => s.hfs.root.unlink('missing'), E.ENOENT);
  errno(t, () => s.hfs.root.unlink('d'), E.EISDIR);
  errno(t, () => s.hfs.root.rmdir('missing'), E.ENOENT);
  errno(t, () => s.hfs.root.rmdir('file'), E.ENOTDIR);
  errno(t, () => s.hfs.root.rmdir('ld'), E.ENOTDIR);
  errno(t, () => s.hfs.root.rmdir('d'), E.ENOTEMPTY);
  s.hfs.root.unlink('ld');
  t.true(fs.existsSync(path.join(s.root, 'd')));
  d.unlink('f');
  s.hfs.root.rmdir('d');
  t.deepEqual(fs.readdirSync(s.root), ['file']);
  // The removed directory's handle is stale.
  errno(t, () => d.create('g', 0o644), E.ENOENT);
});

test('rename: moves, replaces, errnos; the inode object follows', (t) => {
  const s = setup(t);
  const r = s.hfs.root;
  const a = r.mkdir('a', 0o755);
  const b = r.mkdir('b', 0o755);
  const f = a.create('f', 0o644);
  f.write(0, enc('data'));
  a.rename('f', b, 'g');
  t.deepEqual([fs.readdirSync(path.join(s.root, 'a')), fs.readdirSync(path.join(s.root, 'b'))], [[], ['g']]);
  t.is(read(f), 'data');
  t.is(b.lookup('g'), f);
  // The moved directory's contents stay reachable through the old objects.
  r.rename('b', a, 'b2');
  t.is(read(f), 'data');
  t.is(f.stat().size, 4);
  const x = r.create('x', 0o644);
  x.write(0, enc('x'));
  r.create('y', 0o644);
  r.rename('x', r, 'y');
  t.is(read(r.lookup('y')!), 'x');
  t.is(r.lookup('y'), x);
  r.mkdir('e1', 0o755);
  r.mkdir('e2', 0o755);
  r.rename('e1', r, 'e2');
  t.deepEqual(fs.readdirSync(s.root).sort(), ['a', 'e2', 'y']);
  errno(t, () => r.rename('y', r, 'a'), E.EISDIR);
  errno(t, () => r.rename('a', r, 'y'), E.ENOTDIR);
  errno(t, () => r.rename('e2', r, 'a'), E.ENOTEMPTY);
  errno(t, () => r.rename('a', a.lookup('b2')!, 'a'), E.EINVAL);
  errno(t, () => r.rename('missing', r, 'z'), E.ENOENT);
  errno(t, () => r.rename('y', x, 'z'), E.ENOTDIR);
  const other = new HostFileSystem(s.outside, { dev: 10 });
  errno(t, () => r.rename('y', other.root, 'y'), E.EXDEV);
  errno(t, () => r.rename('y', new TmpFileSystem({ dev: 11, clock: () => 0n }).root, 'y'), E.EXDEV);
  t.deepEqual(fs.readdirSync(s.outside), ['secret']);
});

test('chmod and setTimes; a symlink\'s own times, never its target\'s', (t) => {
  const s = setup(t);
  const f = s.hfs.root.create('f', 0o644);
  f.chmod(0o4710);
  t.is(fs.statSync(path.join(s.root, 'f')).mode, S_IFREG | 0o4710);
  f.setTimes(1_000_000_000_500_000_000n, 2_000_000_000_250_000_000n);
  t.deepEqual([f.stat().atimeNs, f.stat().mtimeNs], [1_000_000_000_500_000_000n, 2_000_000_000_250_000_000n]);
  f.setTimes(null, 3_000_000_000_000_000_000n);
  t.deepEqual([f.stat().atimeNs, f.stat().mtimeNs], [1_000_000_000_500_000_000n, 3_000_000_000_000_000_000n]);
  f.setTimes(1_500_000_000_000_000_000n, null);
  t.deepEqual([f.stat().atimeNs, f.stat().mtimeNs], [1_500_000_000_000_000_000n, 3_000_000_000_000_000_000n]);
  const d = s.hfs.root.mkdir('d', 0o755);
  d.chmod(0o700);
  t.is(d.stat().mode, S_IFDIR | 0o700);
  fs.symlinkSync(path.join(s.outside, 'secret'), path.join(s.root, 'l'));
  const l = s.hfs.root.lookup('l')!;
  const before = outsideState(s);
  l.setTimes(5_000_000_000n, 6_000_000_000n);
  t.deepEqual([l.stat().atimeNs, l.stat().mtimeNs], [5_000_000_000n, 6_000_000_000n]);
  errno(t, () => l.chmod(0o777), E.ENOTSUP);
  t.deepEqual(outsideState(s), before);
});

test('read-only mount: every change answers EROFS, reading works', (t) => {
  const s = setup(t, true);
  fs.writeFileSync(path.join(s.root, 'f'), 'ro');
  fs.mkdirSync(path.join(s.root, 'd'));
  fs.symlinkSync('f', path.join(s.root, 'l'));
  const r = s.hfs.root;
  const f = r.lookup('f')!;
  const l = r.lookup('l')!;
  t.true(s.hfs.readOnly);
  t.is(read(f), 'ro');
  for (const op of [
    () => r.create('n', 0o644), () => r.mkdir('n', 0o755), () => r.symlink('n', 'f'), () => r.unlink('f'), () => r.rmdir('d'),
    () => r.rename('f', r, 'g'), () => f.write(0, enc('x')), () => f.truncate(0), () => f.chmod(0o600), () => f.setTimes(1n, 1n),
    () => l.setTimes(1n, 1n), () => l.chmod(0o600),
  ]) errno(t, op, E.EROFS);
  t.is(fs.readFileSync(path.join(s.root, 'f'), 'utf8'), 'ro');
});

test('a host fifo: stat shows it, read and write answer ENXIO without blocking', (t) => {
  const s = setup(t);
  execFileSync('mkfifo', ['-m', '0640', path.join(s.root, 'p')]);
  const p = s.hfs.root.lookup('p')!;
  t.is(p.stat().mode, S_IFIFO | 0o640);
  errno(t, () => p.read(0, new Uint8Array(1)), E.ENXIO);
  errno(t, () => p.write(0, enc('x')), E.ENXIO);
  errno(t, () => p.truncate(0), E.EINVAL);
  p.chmod(0o600);
  t.is(fs.statSync(path.join(s.root, 'p')).mode, S_IFIFO | 0o600);
});

test('host errors map to Linux errnos by name', (t) => {
  const sys = (code: string, no: number): Error => Object.assign(new Error(code), { code, errno: -no, syscall: 'open' });
  for (const [code, no] of [['ENOENT', 2], ['EACCES', 13], ['EPERM', 1], ['ENOSPC', 28], ['EXDEV', 18], ['ELOOP', 40],
    ['ENAMETOOLONG', 36], ['ENOTEMPTY', 39], ['EDQUOT', 122], ['ESTALE', 116], ['ETXTBSY', 26]] as const) {
    const e = asSysError(sys(code, no));
    t.true(e instanceof SysError, code);
    t.is((e as SysError).errno, no, code);
  }
  t.is((asSysError(sys('ENOTAREALCODE', 999)) as SysError).errno, E.EIO);
  const bug = new TypeError('bug');
  t.is(asSysError(bug), bug);
  const already = new SysError(E.EBUSY);
  t.is(asSysError(already), already);
});

// ---- confinement ----

test('a directory replaced by a symlink to outside after lookup: every operation in it answers ENOENT', (t) => {
  const s = setup(t);
  const d = s.hfs.root.mkdir('d', 0o755);
  const f = d.create('secret', 0o644);
  fs.renameSync(path.join(s.root, 'd'), path.join(s.root, 'd.moved'));
  fs.symlinkSync(s.outside, path.join(s.root, 'd'));
  const before = outsideState(s);
  errno(t, () => d.lookup('secret'), E.ENOENT);
  errno(t, () => d.readdir(), E.ENOENT);
  errno(t, () => d.create('x', 0o644), E.ENOENT);
  errno(t, () => d.mkdir('x', 0o755), E.ENOENT);
  errno(t, () => d.symlink('x', '/'), E.ENOENT);
  errno(t, () => d.unlink('secret'), E.ENOENT);
  errno(t, () => d.rename('secret', s.hfs.root, 'stolen'), E.ENOENT);
  errno(t, () => s.hfs.root.rename('d.moved', d, 'x'), E.ENOENT);
  errno(t, () => d.chmod(0o777), E.ENOENT);
  errno(t, () => d.setTimes(1n, 1n), E.ENOENT);
  errno(t, () => d.stat(), E.ENOENT);
  // The file inside (named by the same directory chain) is out of reach too.
  errno(t, () => f.read(0, new Uint8Array(8)), E.ENOENT);
  errno(t, () => f.write(0, enc('pwned')), E.ENOENT);
  errno(t, () => f.truncate(0), E.ENOENT);
  t.deepEqual(outsideState(s), before);
  t.deepEqual(fs.readdirSync(s.root).sort(), ['d', 'd.moved']);
  // The guest sees the new symlink by looking up again.
  const l = s.hfs.root.lookup('d')!;
  t.is(l.type, S_IFLNK);
  t.is(l.readlink(), s.outside);
});

test('a directory replaced by a symlink to /etc: nothing is created there', (t) => {
  const s = setup(t);
  const d = s.hfs.root.mkdir('d', 0o755);
  fs.rmdirSync(path.join(s.root, 'd'));
  fs.symlinkSync('/etc', path.join(s.root, 'd'));
  const name = `hostfs-escape-${process.pid}`;
  errno(t, () => d.create(name, 0o644), E.ENOENT);
  errno(t, () => d.mkdir(name, 0o755), E.ENOENT);
  errno(t, () => d.lookup('passwd'), E.ENOENT);
  t.false(fs.existsSync(path.join('/etc', name)));
});

test('a file replaced by a symlink to an outside file: no read, write, truncate, chmod or times reach it', (t) => {
  const s = setup(t);
  const f = s.hfs.root.create('f', 0o644);
  fs.unlinkSync(path.join(s.root, 'f'));
  fs.symlinkSync(path.join(s.outside, 'secret'), path.join(s.root, 'f'));
  const before = outsideState(s);
  errno(t, () => f.read(0, new Uint8Array(16)), E.ENOENT);
  errno(t, () => f.write(0, enc('pwned')), E.ENOENT);
  errno(t, () => f.truncate(0), E.ENOENT);
  errno(t, () => f.chmod(0o777), E.ENOENT);
  errno(t, () => f.setTimes(5n, 5n), E.ENOENT);
  errno(t, () => f.stat(), E.ENOENT);
  t.deepEqual(outsideState(s), before);
});

test('an intermediate directory swapped for a symlink to a look-alike outside: ENOENT, the look-alike untouched', (t) => {
  const s = setup(t);
  const a = s.hfs.root.mkdir('a', 0o755);
  const b = a.mkdir('b', 0o755);
  const f = b.create('f', 0o644);
  f.write(0, enc('inside'));
  fs.mkdirSync(path.join(s.outside, 'b'));
  fs.writeFileSync(path.join(s.outside, 'b', 'f'), 'outside');
  fs.renameSync(path.join(s.root, 'a'), path.join(s.root, 'a.old'));
  fs.symlinkSync(s.outside, path.join(s.root, 'a'));
  errno(t, () => f.read(0, new Uint8Array(16)), E.ENOENT);
  errno(t, () => f.write(0, enc('pwned')), E.ENOENT);
  errno(t, () => b.create('new', 0o644), E.ENOENT);
  t.is(fs.readFileSync(path.join(s.outside, 'b', 'f'), 'utf8'), 'outside');
  t.deepEqual(fs.readdirSync(path.join(s.outside, 'b')), ['f']);
  t.is(fs.readFileSync(path.join(s.root, 'a.old', 'b', 'f'), 'utf8'), 'inside');
});

test('a file replaced by a fifo after lookup: read answers ENOENT at once, the fifo is never opened', (t) => {
  const s = setup(t);
  const f = s.hfs.root.create('f', 0o644);
  fs.unlinkSync(path.join(s.root, 'f'));
  execFileSync('mkfifo', [path.join(s.root, 'f')]);
  errno(t, () => f.read(0, new Uint8Array(1)), E.ENOENT);
  errno(t, () => f.write(0, enc('x')), E.ENOENT);
});

test('race: the directory swapped for a symlink after the walk, before create: the file lands in the verified directory', (t) => {
  const s = setup(t);
  const d = s.hfs.root.mkdir('d', 0o755);
  let swapped = false;
  intercept('openSync', (args) => {
    if (!swapped && typeof args[0] === 'string' && args[0].endsWith('/x') && ((args[1] as number) & fs.constants.O_CREAT)) {
      fs.renameSync(path.join(s.root, 'd'), path.join(s.root, 'd.moved'));
      fs.symlinkSync(s.outside, path.join(s.root, 'd'));
      swapped = true;
    }
  }, () => d.create('x', 0o644));
  t.true(swapped);
  t.deepEqual(fs.readdirSync(s.outside), ['secret']);
  t.deepEqual(fs.readdirSync(path.join(s.root, 'd.moved')), ['x']);
});

test('race: the file swapped for a symlink after the walk, before the data open: the verified file is read', (t) => {
  const s = setup(t);
  fs.writeFileSync(path.join(s.root, 'f'), 'mine');
  const f = s.hfs.root.lookup('f')!;
  let swapped = false;
  intercept('openSync', (args) => {
    if (!swapped && typeof args[0] === 'string' && /^\/proc\/self\/fd\/\d+$/.test(args[0]) && args[1] === fs.constants.O_RDONLY) {
      fs.renameSync(path.join(s.root, 'f'), path.join(s.root, 'f.old'));
      fs.symlinkSync(path.join(s.outside, 'secret'), path.join(s.root, 'f'));
      swapped = true;
    }
  }, () => t.is(read(f), 'mine'));
  t.true(swapped);
});

test('race: a new directory swapped for a symlink before its mode is set: ENOENT, the outside mode unchanged', (t) => {
  const s = setup(t);
  fs.chmodSync(s.outside, 0o700);
  const before = outsideState(s);
  const realMkdir = fs.mkdirSync;
  intercept('mkdirSync', (args) => {
    // Make the directory, swap it, and let hostfs's own call make a scratch one.
    realMkdir(args[0] as string);
    fs.renameSync(path.join(s.root, 'n'), path.join(s.root, 'n.old'));
    fs.symlinkSync(s.outside, path.join(s.root, 'n'));
    args[0] = path.join(s.base, 'scratch');
  }, () => errno(t, () => s.hfs.root.mkdir('n', 0o777), E.ENOENT));
  t.deepEqual(outsideState(s), before);
});

test('a directory moved on the host: its old handle is stale, looking it up again gives the same object back', (t) => {
  const s = setup(t);
  const d = s.hfs.root.mkdir('d', 0o755);
  const f = d.create('f', 0o644);
  fs.mkdirSync(path.join(s.root, 'elsewhere'));
  fs.renameSync(path.join(s.root, 'd'), path.join(s.root, 'elsewhere', 'd2'));
  errno(t, () => d.readdir(), E.ENOENT);
  const e = s.hfs.root.lookup('elsewhere')!;
  t.is(e.lookup('d2'), d);
  t.deepEqual(d.readdir().map((x) => x.name), ['f']);
  t.is(f.write(0, enc('ok')), 2);
  t.is(fs.readFileSync(path.join(s.root, 'elsewhere', 'd2', 'f'), 'utf8'), 'ok');
});

test('the same directory met below itself (a host bind mount) gets an object of its own, not a loop', (t) => {
  const s = setup(t);
  // A directory cannot be made its own descendant without a bind mount, which needs privileges:
  // hand the root's stat to the lookup bookkeeping as if found under d/loop.
  const d = s.hfs.root.mkdir('d', 0o755);
  if (!(d instanceof HostDir)) return t.fail();
  const again = s.hfs.node(fs.lstatSync(s.root, { bigint: true }), d, 'loop');
  t.not(again, s.hfs.root);
  t.is(again.ino, s.hfs.root.ino);
  t.is(s.hfs.root.parent, null);
  t.is(s.hfs.root.lookup('d'), d);
});

test('no host descriptor outlives an operation, failed ones included', (t) => {
  const s = setup(t);
  const open = (): number => fs.readdirSync('/proc/self/fd').length;
  const before = open();
  const d = s.hfs.root.mkdir('d', 0o755);
  const f = d.create('f', 0o644);
  f.write(0, enc('abc'));
  read(f);
  f.truncate(1);
  f.stat();
  f.setTimes(1n, 2n);
  f.sync();
  d.readdir();
  d.symlink('l', 'f');
  d.lookup('l')!.readlink();
  d.rename('f', s.hfs.root, 'g');
  errno(t, () => d.create('l', 0o644), E.EEXIST);
  errno(t, () => d.rmdir('l'), E.ENOTDIR);
  const g = s.hfs.root.lookup('g')!;
  g.opened();
  g.opened();
  t.is(open(), before + 1, 'one host descriptor per open inode');
  read(g);
  g.write(0, enc('x'));
  g.truncate(1);
  g.stat();
  g.chmod(0o600);
  g.setTimes(1n, 2n);
  g.sync();
  g.released();
  t.is(open(), before + 1);
  g.released();
  fs.renameSync(path.join(s.root, 'd'), path.join(s.root, 'gone'));
  errno(t, () => d.lookup('l'), E.ENOENT);
  // An open of a file that is no longer where it was found holds nothing.
  const stale = s.hfs.root.lookup('g')!;
  fs.unlinkSync(path.join(s.root, 'g'));
  stale.opened();
  errno(t, () => read(stale), E.ENOENT);
  stale.released();
  t.is(open(), before);
});

// ---- files removed while open: the held host descriptor keeps them

const hostFds = (): number => fs.readdirSync('/proc/self/fd').length;
const held = (i: Inode): HostFile['heldFd'] => (i instanceof HostFile ? i.heldFd : null);

test('a file unlinked while open: read, write, fstat, truncate, chmod, times through the held descriptor; closed at the last release', (t) => {
  const s = setup(t);
  const r = s.hfs.root;
  const before = hostFds();
  const f = r.create('f', 0o644);
  f.opened();
  t.is(hostFds(), before + 1);
  t.is(held(f)?.mode, 'rw');
  t.is(f.write(0, enc('still here')), 10);
  r.unlink('f');
  t.is(r.lookup('f'), null);
  t.deepEqual(fs.readdirSync(s.root), []);
  t.is(read(f), 'still here');
  t.is(f.write(10, enc('!')), 1);
  t.like(f.stat(), { size: 11, nlink: 0 });
  // The name is free: a new file takes it and shares nothing.
  const g = r.create('f', 0o644);
  t.not(g, f);
  g.write(0, enc('new'));
  t.is(read(f), 'still here!');
  f.truncate(5);
  t.is(read(f), 'still');
  f.chmod(0o600);
  t.is(f.stat().mode, S_IFREG | 0o600);
  f.setTimes(null, 2_000_000_000_000_000_000n);
  t.is(f.stat().mtimeNs, 2_000_000_000_000_000_000n);
  f.sync();
  t.is(fs.readFileSync(path.join(s.root, 'f'), 'utf8'), 'new');
  t.is(fs.statSync(path.join(s.root, 'f')).mode, S_IFREG | 0o644);
  f.released();
  t.is(held(f), null);
  t.is(hostFds(), before);
  errno(t, () => read(f), E.ENOENT);
});

test('a file renamed over while open keeps its data; two opens share one host descriptor', (t) => {
  const s = setup(t);
  const r = s.hfs.root;
  const before = hostFds();
  const x = r.create('x', 0o644);
  x.write(0, enc('new contents'));
  const y = r.create('y', 0o644);
  y.opened();
  y.opened();
  t.is(hostFds(), before + 1);
  y.write(0, enc('still here'));
  r.rename('x', r, 'y');
  t.is(r.lookup('y'), x);
  t.is(read(x), 'new contents');
  t.is(read(y), 'still here');
  t.is(y.write(10, enc('!')), 1);
  t.like(y.stat(), { size: 11, nlink: 0 });
  y.released();
  t.is(read(y), 'still here!');
  y.released();
  t.is(hostFds(), before);
  t.deepEqual(fs.readdirSync(s.root), ['y']);
  t.is(fs.readFileSync(path.join(s.root, 'y'), 'utf8'), 'new contents');
});

test('an open file swapped on the host for a symlink to outside: the open file is still the one verified', (t) => {
  const s = setup(t);
  const f = s.hfs.root.create('f', 0o644);
  f.write(0, enc('mine'));
  f.opened();
  fs.renameSync(path.join(s.root, 'f'), path.join(s.root, 'f.old'));
  fs.symlinkSync(path.join(s.outside, 'secret'), path.join(s.root, 'f'));
  const before = outsideState(s);
  t.is(read(f), 'mine');
  t.is(f.write(0, enc('MINE')), 4);
  f.truncate(3);
  f.chmod(0o640);
  f.setTimes(5n, 5n);
  t.deepEqual(outsideState(s), before);
  t.is(fs.readFileSync(path.join(s.root, 'f.old'), 'utf8'), 'MIN');
  f.released();
  errno(t, () => read(f), E.ENOENT);
  errno(t, () => f.write(0, enc('pwned')), E.ENOENT);
  t.deepEqual(outsideState(s), before);
});

test('held descriptors: read-only on a read-only mount; O_PATH when the host grants no access, reopened per operation', (t) => {
  const ro = setup(t, true);
  fs.writeFileSync(path.join(ro.root, 'f'), 'ro');
  const f = ro.hfs.root.lookup('f')!;
  f.opened();
  t.is(held(f)?.mode, 'r');
  t.is(read(f), 'ro');
  errno(t, () => f.write(0, enc('x')), E.EROFS);
  f.released();

  const s = setup(t);
  const before = hostFds();
  const g = s.hfs.root.create('g', 0o644);
  g.write(0, enc('data'));
  // As though the daemon may neither read nor write it (root may always): every data open fails.
  intercept('openSync', (args) => {
    if (typeof args[0] === 'string' && /^\/proc\/self\/fd\/\d+$/.test(args[0]) && (args[1] as number) & fs.constants.O_NONBLOCK) {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES', errno: -13 });
    }
  }, () => g.opened());
  t.is(held(g)?.mode, 'path');
  t.is(hostFds(), before + 1);
  s.hfs.root.unlink('g');
  t.like(g.stat(), { size: 4, nlink: 0 });
  t.is(read(g), 'data', 'reopened through the held O_PATH descriptor');
  t.is(g.write(4, enc('!')), 1);
  t.is(read(g), 'data!');
  g.released();
  t.is(hostFds(), before);
});
