/**
 * kernel/fs/vfs.ts: path resolution (namei) over a namespace of mounts — '.', '..', symlinks,
 * magic links, mount crossings, the process root, trailing slashes and the length limits —
 * plus parentOf, the listing of a directory with mounts and the mount table.
 */
import test from 'ava';
import { E } from '../../kernel/errno';
import { DT, S_IFDIR, S_IFLNK, S_IFREG, type Inode } from '../../kernel/fs/inode';
import { SynthDir, SynthLink, SyntheticFs } from '../../kernel/fs/synthetic';
import { FsContext, Vfs, VNode, type MagicLink } from '../../kernel/fs/vfs';
import { errnoOf, tmpfs } from './_helpers';

/**
 * /a/b/c (dirs), /f (file), /a/g (file), /mnt (an empty dir of the root fs, covered by a mount
 * whose fs holds /mnt/x/y), and /a/m (a mount over a name the root fs does not have).
 */
function ns() {
  const rootFs = tmpfs(1), mntFs = tmpfs(2), amFs = tmpfs(3);
  const r = rootFs.root;
  const a = r.mkdir('a', 0o755), b = a.mkdir('b', 0o755), c = b.mkdir('c', 0o755);
  const f = r.create('f', 0o644), g = a.create('g', 0o644);
  const under = r.mkdir('mnt', 0o755);
  under.create('hidden', 0o644);
  const x = mntFs.root.mkdir('x', 0o755), y = x.mkdir('y', 0o755);
  const vfs = new Vfs(rootFs);
  vfs.mount('/mnt', mntFs);
  vfs.mount('/a/m', amFs);
  const R = (p: string, follow = true, start: VNode = vfs.root, root: VNode = vfs.root): VNode => vfs.resolve(root, start, p, follow);
  return { vfs, rootFs, mntFs, amFs, r, a, b, c, f, g, under, x, y, R };
}

// ---- plain resolution ----

test('resolve: absolute and relative paths, repeated slashes, ".", the path() of the node', (t) => {
  const { a, b, c, f, R } = ns();
  t.is(R('/').inode.ino, 1);
  t.is(R('/').path(), '/');
  t.is(R('/a/b/c').inode, c);
  t.is(R('/a/b/c').path(), '/a/b/c');
  t.is(R('//a///b//').inode, b);
  t.is(R('/a/./b/.').inode, b);
  t.is(R('.').inode.ino, 1);
  const at = R('/a');
  t.is(R('b/c', true, at).inode, c);
  t.is(R('b/c', true, at).path(), '/a/b/c');
  t.is(R('./b', true, at).inode, b);
  t.is(R('/f', true, at).inode, f, 'an absolute path ignores the start directory');
  t.is(R('.', true, at).inode, a);
  t.true(R('/a').isDir);
  t.false(R('/f').isDir);
});

test('resolve: ENOENT for "", a missing name and a missing directory on the way', (t) => {
  const { R } = ns();
  t.is(errnoOf(() => R('')), E.ENOENT);
  t.is(errnoOf(() => R('/nope')), E.ENOENT);
  t.is(errnoOf(() => R('/nope/x')), E.ENOENT);
  t.is(errnoOf(() => R('/a/nope/..')), E.ENOENT, '".." does not cancel a missing component');
});

test('resolve: ENOTDIR through a file, for a trailing slash, "." or ".." after a file', (t) => {
  const { R, vfs } = ns();
  t.is(errnoOf(() => R('/f/')), E.ENOTDIR);
  t.is(errnoOf(() => R('/f/', false)), E.ENOTDIR);
  t.is(errnoOf(() => R('/f//')), E.ENOTDIR);
  t.is(errnoOf(() => R('/f/x')), E.ENOTDIR);
  t.is(errnoOf(() => R('/f/.')), E.ENOTDIR);
  t.is(errnoOf(() => R('/f/..')), E.ENOTDIR);
  t.is(errnoOf(() => R('/a/g/')), E.ENOTDIR);
  t.is(errnoOf(() => vfs.child(R('/f'), 'x')), E.ENOTDIR);
  t.is(R('/a/b/').inode.type, S_IFDIR, 'a trailing slash on a directory is fine');
});

test('resolve: ENAMETOOLONG at PATH_MAX (4096 with the NUL) and past NAME_MAX (255)', (t) => {
  const { R, a } = ns();
  // 4095 characters is the longest path: '/' * 4094 + 'a'.
  t.is(R('/'.repeat(4094) + 'a').inode, a);
  t.is(errnoOf(() => R('/'.repeat(4095) + 'a')), E.ENAMETOOLONG);
  t.is(errnoOf(() => R('x'.repeat(4096))), E.ENAMETOOLONG);
  t.is(errnoOf(() => R('/' + 'x'.repeat(256))), E.ENAMETOOLONG);
  t.is(errnoOf(() => R('/' + 'x'.repeat(255))), E.ENOENT);
  t.is(errnoOf(() => R('/' + 'x'.repeat(256) + '/..')), E.ENAMETOOLONG);
});

// ---- '..' ----

test('"..": goes up one directory, stays at "/" at the namespace root', (t) => {
  const { R, a, b } = ns();
  t.is(R('/a/b/..').inode, a);
  t.is(R('/a/b/c/../..').inode, a);
  t.is(R('/a/b/c/../..').path(), '/a');
  t.is(R('/..').inode.ino, 1);
  t.is(R('/../../..').path(), '/');
  t.is(R('../..', true, R('/a/b')).path(), '/');
  t.is(R('/a/../a/b').inode, b);
});

test('"..": at a mount root leads to the mount point\'s parent (not the covered dir\'s)', (t) => {
  const { R, a, amFs, mntFs, x } = ns();
  t.is(R('/mnt').inode, mntFs.root);
  t.is(R('/mnt/..').inode.ino, 1);
  t.is(R('/mnt/..').path(), '/');
  t.is(R('/mnt/x/../..').path(), '/');
  t.is(R('/a/m').inode, amFs.root);
  t.is(R('/a/m/..').inode, a);
  t.is(R('/a/m/..').path(), '/a');
  t.is(R('/a/m/../m/..').inode, a);
  t.is(R('..', true, R('/mnt/x')).inode, mntFs.root);
  t.is(R('x/..', true, R('/mnt')).path(), '/mnt');
  t.is(R('/mnt/x').inode, x);
});

test('"..": never leaves the process root (chroot), however often or however reached', (t) => {
  const { R, a, b, g } = ns();
  const root = R('/a');
  const Rc = (p: string, start = root): VNode => R(p, true, start, root);
  t.is(Rc('..').inode, a);
  t.is(Rc('../../..').inode, a);
  t.is(Rc('/..').inode, a);
  t.is(Rc('/').inode, a, '"/" is the process root');
  t.is(Rc('/g').inode, g);
  t.is(Rc('/b/../../../b').inode, b);
  t.is(Rc('../..', R('/a/b')).inode, a, 'a start below the root climbs to the root only');
  // The root reached through another path (another VNode of the same inode) stops '..' too.
  t.is(Rc('..', R('/a/b/..')).inode, a);
  // The process root at a mount root: '..' does not cross to the mount point's parent.
  const m = R('/mnt');
  t.is(R('..', true, m, m).inode, m.inode);
  t.is(R('/x/../..', true, m, m).inode, m.inode);
});

test('"..": an absolute symlink inside a chroot resolves against the process root', (t) => {
  const { R, r, a, b } = ns();
  a.symlink('abs', '/b');
  a.symlink('esc', '/../../f');
  r.symlink('top', '/a/b');
  const root = R('/a');
  t.is(R('/abs', true, root, root).inode, b);
  t.is(errnoOf(() => R('/esc', true, root, root)), E.ENOENT, '/../../f is /f inside the chroot, which does not exist');
  t.is(R('/top').inode, b);
});

// ---- symlinks ----

test('symlinks: relative to the link\'s directory, in the middle, last with follow / nofollow', (t) => {
  const { R, r, a, b, c } = ns();
  a.symlink('rel', 'b/c');
  r.symlink('la', 'a');
  r.symlink('abs', '/a/b');
  t.is(R('/a/rel').inode, c);
  t.is(R('/la/b').inode, b);
  t.is(R('/la/rel').inode, c);
  t.is(R('/abs/c').inode, c);
  const noFollow = R('/a/rel', false);
  t.is(noFollow.inode.type, S_IFLNK);
  t.is(noFollow.path(), '/a/rel');
  t.is(R('/la/rel', false).inode.type, S_IFLNK, 'only the last component is left unfollowed');
  t.is(R('/la/rel', false).path(), '/a/rel', 'path() is the physical path (getcwd), links resolved');
  // A trailing slash makes even a nofollow lookup follow the last link.
  t.is(R('/abs/', false).inode, b);
  t.is(R('/abs/.', false).inode, b);
  // '..' after a link is the target's parent, not the link's directory (physical walk).
  t.is(R('/abs/..').inode, a);
  t.is(R('/abs/..').path(), '/a');
  t.is(R('/a/rel/..').path(), '/a/b');
});

test('symlinks: dangling is ENOENT, to a file with a trailing slash is ENOTDIR', (t) => {
  const { R, r } = ns();
  r.symlink('dang', '/nope');
  r.symlink('tofile', 'f');
  t.is(errnoOf(() => R('/dang')), E.ENOENT);
  t.is(R('/dang', false).inode.type, S_IFLNK);
  t.is(R('/tofile').inode.type, S_IFREG);
  t.is(errnoOf(() => R('/tofile/')), E.ENOTDIR);
  t.is(errnoOf(() => R('/tofile/', false)), E.ENOTDIR);
  t.is(errnoOf(() => R('/tofile/x')), E.ENOTDIR);
});

test('symlinks: a chain of 40 resolves, 41 is ELOOP; loops are ELOOP; the count is per lookup', (t) => {
  const { R, r, a } = ns();
  // l0 -> l1 -> ... -> l39 -> a : 40 links followed.
  for (let i = 0; i < 40; i++) r.symlink(`l${i}`, i === 39 ? 'a' : `l${i + 1}`);
  t.is(R('/l0').inode, a);
  for (let i = 0; i < 41; i++) r.symlink(`m${i}`, i === 40 ? 'a' : `m${i + 1}`);
  t.is(errnoOf(() => R('/m0')), E.ELOOP);
  t.is(R('/m0', false).inode.type, S_IFLNK, 'not following the last link: no loop');
  t.is(R('/m1').inode, a, 'm1 starts a chain of 40');
  r.symlink('p', 'q');
  r.symlink('q', 'p');
  t.is(errnoOf(() => R('/p')), E.ELOOP);
  t.is(errnoOf(() => R('/p/x')), E.ELOOP);
  r.symlink('self', 'self/x');
  t.is(errnoOf(() => R('/self')), E.ELOOP);
  // The limit is per lookup: each resolve starts from zero.
  t.is(R('/l0').inode, a);
});

test('symlinks: the 40-link budget covers every link of one walk (Linux total_link_count)', (t) => {
  const { R, r, a } = ns();
  for (let i = 0; i < 20; i++) r.symlink(`l${i}`, i === 19 ? '/a' : `l${i + 1}`);
  // /l0 follows 20 links; /l0/../l0 follows 40; a third chain makes 60.
  t.is(R('/l0/../l0').inode, a);
  t.is(errnoOf(() => R('/l0/../l0/../l0')), E.ELOOP);
});

// ---- magic links ----

class Magic extends SynthLink implements MagicLink {
  constructor(fs: SyntheticFs, private readonly to: () => VNode | null) { super(fs, () => 'pipe:[1]'); }
  follow(): VNode | null { return this.to(); }
}

test('magic links: following reaches the object itself, not the text of the link', (t) => {
  const { vfs, R, b, c } = ns();
  const sfs = new SyntheticFs('proc', 0x44);
  const far = new VNode(b, null, 'detached');
  const kids = new Map<string, Inode>([
    ['m', new Magic(sfs, () => far)],
    ['toC', new Magic(sfs, () => R('/a/b/c'))],
    ['plain', new Magic(sfs, () => null)],
  ]);
  sfs.root = new SynthDir(sfs, () => kids);
  vfs.mount('/proc', sfs);
  t.is(R('/proc/m'), far, 'the very VNode the link returns');
  t.is(R('/proc/m/c').inode, c);
  t.is(R('/proc/toC').path(), '/a/b/c');
  t.is(R('/proc/m', false).inode.type, S_IFLNK);
  t.is(R('/proc/m', false).inode.readlink(), 'pipe:[1]');
  // A magic link that declines (null) is an ordinary symlink: 'pipe:[1]' relative to /proc.
  t.is(errnoOf(() => R('/proc/plain')), E.ENOENT);
});

// ---- mounts ----

test('mounts: a mount hides what the covered directory holds; child() prefers the mount', (t) => {
  const { vfs, R, under, mntFs } = ns();
  t.is(errnoOf(() => R('/mnt/hidden')), E.ENOENT);
  t.is(vfs.child(vfs.root, 'mnt').inode, mntFs.root);
  t.not(vfs.child(vfs.root, 'mnt').inode, under);
  t.is(errnoOf(() => vfs.child(vfs.root, 'x'.repeat(256))), E.ENAMETOOLONG);
  t.is(errnoOf(() => vfs.child(vfs.root, 'nope')), E.ENOENT);
});

test('mounts: mount over "/" is EBUSY, under a missing or non-directory parent ENOENT / ENOTDIR', (t) => {
  const { vfs } = ns();
  const other = tmpfs(9);
  t.is(errnoOf(() => vfs.mount('/', other)), E.EBUSY);
  t.is(errnoOf(() => vfs.mount('/nope/x', other)), E.ENOENT);
  t.is(errnoOf(() => vfs.mount('/f/x', other)), E.ENOTDIR);
});

test('list: ".", ".." first, own entries, then mounted names; a mount replaces a covered entry\'s ino', (t) => {
  const { R, mntFs, amFs, under } = ns();
  const root = R('/');
  t.deepEqual(root.list(), [
    { name: '.', ino: 1, type: DT.DIR },
    { name: '..', ino: 1, type: DT.DIR },
    { name: 'a', ino: 2, type: DT.DIR },
    { name: 'f', ino: 5, type: DT.REG },
    { name: 'mnt', ino: mntFs.root.ino, type: DT.DIR },
  ]);
  t.not(under.ino, mntFs.root.ino);
  const a = R('/a');
  t.deepEqual(a.list().map((e) => e.name), ['.', '..', 'b', 'g', 'm']);
  t.deepEqual(a.list()[4], { name: 'm', ino: amFs.root.ino, type: DT.DIR });
  t.deepEqual(a.list().slice(0, 2), [{ name: '.', ino: 2, type: DT.DIR }, { name: '..', ino: 1, type: DT.DIR }]);
  // Inside a mount: '.' is the mounted root.
  const m = R('/mnt');
  t.deepEqual(m.list().map((e) => e.name), ['.', '..', 'x']);
  t.is(m.list()[0]!.ino, mntFs.root.ino);
});

test('mountTable: "/" first, then mounts at the root and inside mount roots (the kernel\'s /dev, /dev/shm, /proc)', (t) => {
  const rootFs = tmpfs(1), dev = tmpfs(5), shm = tmpfs(0x17), proc = tmpfs(4);
  const vfs = new Vfs(rootFs);
  vfs.mount('/dev', dev);
  vfs.mount('/dev/shm', shm);
  vfs.mount('/proc', proc);
  t.deepEqual(vfs.mountTable().map((m) => [m.path, m.fs.dev]), [['/', 1], ['/dev', 5], ['/dev/shm', 0x17], ['/proc', 4]]);
});

test('mountTable: lists mounts whose mount point is inside an ordinary directory too', (t) => {
  const { vfs, rootFs, mntFs, amFs } = ns();
  const deep = tmpfs(4);
  vfs.mount('/mnt/x/y', deep);
  t.is(vfs.resolve(vfs.root, vfs.root, '/mnt/x/y', true).inode, deep.root, 'the mount works for lookups');
  t.is(vfs.resolve(vfs.root, vfs.root, '/mnt/x/y/..', true).path(), '/mnt/x');
  t.deepEqual(vfs.mountsIn(vfs.resolve(vfs.root, vfs.root, '/a', true)).map((m) => m.name), ['m']);
  // ...but /proc/self/mounts is built from mountTable(), which must have all four.
  t.deepEqual(vfs.mountTable().map((m) => [m.path, m.fs.dev]).sort(), [['/', rootFs.dev], ['/a/m', amFs.dev], ['/mnt', mntFs.dev], ['/mnt/x/y', deep.dev]].sort());
});

// ---- parentOf ----

test('parentOf: the directory and the last name; trailing slashes noted and dropped', (t) => {
  const { vfs, R, a, b } = ns();
  const P = (p: string, start = vfs.root) => vfs.parentOf(vfs.root, start, p);
  let p = P('/a/b/new');
  t.is(p.dir.inode, b);
  t.is(p.name, 'new');
  t.false(p.trailingSlash);
  p = P('/a/new/');
  t.is(p.dir.inode, a);
  t.is(p.name, 'new');
  t.true(p.trailingSlash);
  p = P('/a//b//');
  t.is(p.dir.inode, a);
  t.is(p.name, 'b');
  t.true(p.trailingSlash);
  p = P('/x');
  t.is(p.dir, vfs.root);
  t.is(p.name, 'x');
  p = P('new', R('/a/b'));
  t.is(p.dir.inode, b);
  t.is(p.name, 'new');
  p = P('b/new', R('/a'));
  t.is(p.dir.inode, b);
  t.is(p.dir.path(), '/a/b');
  p = P('/a/nope', R('/a/b'));
  t.is(p.dir.inode, a, 'a missing last component is fine');
});

test('parentOf: "." and ".." as the last component name an existing directory (name "")', (t) => {
  const { vfs, R, a, b } = ns();
  const P = (p: string, start = vfs.root) => vfs.parentOf(vfs.root, start, p);
  t.deepEqual([P('a/..').dir.inode.ino, P('a/..').name], [1, '']);
  t.deepEqual([P('/a/b/..').dir.inode, P('/a/b/..').name], [a, '']);
  t.deepEqual([P('/a/b/.').dir.inode, P('/a/b/.').name], [b, '']);
  t.deepEqual([P('.', R('/a')).dir.inode, P('.', R('/a')).name], [a, '']);
  t.deepEqual([P('..', R('/a/b')).dir.inode, P('..', R('/a/b')).name], [a, '']);
  t.is(P('/..').dir.inode.ino, 1, '".." at "/" stays at "/"');
  t.is(P('/a/m/..').dir.inode, a, '".." at a mount root is the mount point\'s parent');
  t.is(P('/a/b/../').name, '');
});

test('parentOf: "/" and "//" name the root itself (name ""), whatever the start directory', (t) => {
  const { vfs, R } = ns();
  const sub = R('/a/b');
  for (const path of ['/', '//', '///']) {
    const p = vfs.parentOf(vfs.root, sub, path);
    t.is(p.name, '', path);
    t.false(p.trailingSlash, path);
    t.is(p.dir.inode.ino, 1, `${path} from /a/b: the root, not the start directory`);
  }
});

test('parentOf: errors of the directory part (ENOENT, ENOTDIR, ENAMETOOLONG, empty path)', (t) => {
  const { vfs } = ns();
  const P = (p: string) => vfs.parentOf(vfs.root, vfs.root, p);
  t.is(errnoOf(() => P('')), E.ENOENT);
  t.is(errnoOf(() => P('/nope/x')), E.ENOENT);
  t.is(errnoOf(() => P('/f/x')), E.ENOTDIR);
  t.is(errnoOf(() => P('/f/x/')), E.ENOTDIR);
  t.is(errnoOf(() => P('/' + 'a'.repeat(4095))), E.ENAMETOOLONG);
});

test('FsContext: clone copies root, cwd and umask; the copy changes alone', (t) => {
  const { vfs, R } = ns();
  const ctx = new FsContext(vfs.root, R('/a'), 0o027);
  t.is(new FsContext(vfs.root, vfs.root).umask, 0o022);
  const c = ctx.clone();
  t.is(c.root, ctx.root);
  t.is(c.cwd, ctx.cwd);
  t.is(c.umask, 0o027);
  c.cwd = R('/a/b');
  c.umask = 0;
  t.is(ctx.cwd.path(), '/a');
  t.is(ctx.umask, 0o027);
});
