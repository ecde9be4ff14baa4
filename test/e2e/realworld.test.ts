/**
 * End to end: real programs we did not write, built from Debian's source packages by
 * scripts/build-realworld.sh (Lua 5.4 `lua`, the SQLite 3 `sqlite3` shell; static musl), each
 * running a script from test/fixtures/src/realworld/ under runlinuxd and under qemu-user in the
 * same test. stdout and the exit code must be identical.
 *
 * - lang.lua: the Lua language and its libraries broadly (formatting of floats, patterns,
 *   coroutines, integer/float arithmetic, string.pack, utf8, os.date of fixed times with TZ=UTC0,
 *   stdin, files and errno messages in WORKDIR); exits with 3.
 * - numeric.lua: doubles from random bit patterns through every arithmetic, conversion, format and
 *   libm path, one hash per category (a divergence names its category).
 * - db.sql: sqlite3 on a file-backed database in WORKDIR (journal, fcntl locks, fsync), a second
 *   database in WAL mode (shared mmap of its -shm file), mmap reads, window functions, recursive
 *   CTEs, printf of floats, json, FTS5, R*Tree, transactions with rollback, VACUUM, .import/.backup,
 *   the shell's file functions, and `.shell rm ...` (system(3): /bin/sh is busybox in the guest,
 *   the host's sh under qemu-user, and only rm's effect is printed).
 *
 * - `lua -i` and `sqlite3 -interactive` reading a few lines from the stdin pipe.
 *
 * WORKDIR is /tmp (memory) under runlinuxd, a fresh host temp folder under qemu-user; the database
 * case runs once more in /work on the FAT32 disk (--disk-rw), which fsck.fat must accept after.
 * Nothing printed depends on WORKDIR's name, the host or the time.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ArchName } from '../../arch/common/cpu';
import { implementedArches } from '../../arch/index';
import { fixture, GUEST_ENV, limited, makeDisk, ROOT, runDaemon, runQemu, type Result } from '../helpers/guest';

const SRC = join(ROOT, 'test', 'fixtures', 'src', 'realworld');
const ENV = [...GUEST_ENV, 'TZ=UTC0'];
const LUA_INPUT = 'hello input\n  42 3.25 tail\nx\ny\n';
const LUA_REPL = 'x = 6 * 7\nprint(x)\n= x + 1\nfor i = 1, 3 do\nio.write(i, " ")\nend\nerror("oops")\nreturn 1, 2.5, "s"\nlocal t = {} t[1] = t print(#t)\n';
const SQLITE_REPL = '.mode box\nselect 1 as a, 2.5 as b, \'x\' as c;\nselect nosuchcolumn;\ncreate table t(x);\ninsert into t values (1), (2.25);\nselect\n  sum(x)\nfrom t;\n.mode line\nselect * from t;\n.quit\n';
/** numeric.lua's sample count: ~4 s of riscv64 guest time under runlinuxd. */
const NUMERIC_N = '400';
const TIMEOUT_MS = 180_000;

type Where = 'tmp' | 'disk';
interface Case {
  name: string;
  prog: 'lua' | 'sqlite3';
  /** argv after argv[0], given the work folder and the folder holding the scripts */
  args: (wd: string, src: string) => string[];
  input: () => string;
  places: Where[];
  /** the exit code the program gives under qemu-user (checked, so a broken script shows up) */
  code: number;
}

const CASES: Case[] = [
  { name: 'lang.lua', prog: 'lua', args: (wd, src) => [`${src}/lang.lua`, wd], input: () => LUA_INPUT, places: ['tmp'], code: 3 },
  { name: 'numeric.lua', prog: 'lua', args: (_wd, src) => [`${src}/numeric.lua`, NUMERIC_N], input: () => '', places: ['tmp'], code: 0 },
  {
    name: 'db.sql',
    prog: 'sqlite3',
    // -init: no ~/.sqliterc lookup (the shell finds home through getpwuid: the host's /etc/passwd
    // under qemu-user)
    args: (wd) => ['-init', '/dev/null', '-bail', '-cmd', `.cd ${wd}`, `${wd}/rw.db`],
    input: () => readFileSync(join(SRC, 'db.sql'), 'latin1'),
    places: ['tmp', 'disk'],
    code: 0,
  },
  // the interactive loops: prompts, line-at-a-time reads of a pipe, errors that do not end the run
  // (the sqlite3 shell's exit status then says that one happened)
  { name: '-i', prog: 'lua', args: () => ['-i'], input: () => LUA_REPL, places: ['tmp'], code: 0 },
  { name: '-interactive', prog: 'sqlite3', args: () => ['-init', '/dev/null', '-interactive'], input: () => SQLITE_REPL, places: ['tmp'], code: 1 },
];

function makeGuestDisk(arch: ArchName): string {
  return makeDisk({
    '/bin/lua': fixture(arch, 'lua'),
    '/bin/sqlite3': fixture(arch, 'sqlite3'),
    '/bin/sh': fixture(arch, 'busybox'),
    '/rw/lang.lua': join(SRC, 'lang.lua'),
    '/rw/numeric.lua': join(SRC, 'numeric.lua'),
    '/work/.keep': new Uint8Array(0),
  });
}

async function runQemuCase(arch: ArchName, c: Case): Promise<Result> {
  const wd = mkdtempSync(join(tmpdir(), 'runlinuxd-rw-'));
  try {
    return await runQemu(arch, fixture(arch, c.prog), [`/bin/${c.prog}`, ...c.args(wd, SRC)], { input: c.input(), env: ENV });
  } finally {
    rmSync(wd, { recursive: true, force: true });
  }
}

for (const arch of implementedArches()) {
  for (const c of CASES) {
    for (const where of c.places) {
      const title = `${arch}: ${c.prog} ${c.name} in ${where === 'tmp' ? '/tmp' : '/work on the FAT32 disk'} matches qemu-${arch}`;
      test(title, async (t) => {
        const disk = makeGuestDisk(arch);
        try {
          const wd = where === 'tmp' ? '/tmp' : '/work';
          const opts = ['--arch', arch, '--disk', disk, '--log-level', 'warn', '--env', 'TZ=UTC0'];
          if (where === 'disk') opts.push('--disk-rw');
          const [ours, qemu] = await Promise.all([
            limited(() => runDaemon([...opts, '--', `/bin/${c.prog}`, ...c.args(wd, '/rw')], { input: c.input(), timeoutMs: TIMEOUT_MS })),
            runQemuCase(arch, c),
          ]);
          t.is(qemu.code, c.code, `qemu-${arch} itself: ${qemu.stderr}`);
          t.is(ours.stdout, qemu.stdout, ours.stderr);
          t.is(ours.code, qemu.code, ours.stderr);
          if (where === 'disk') {
            const fsck = spawnSync('fsck.fat', ['-n', disk], { encoding: 'utf8' });
            t.is(fsck.status, 0, `${fsck.stdout}${fsck.stderr}`);
          }
        } finally {
          rmSync(dirname(disk), { recursive: true, force: true });
        }
      });
    }
  }
}

/*
 * xz, jq and GNU make (scripts/build-realworld.sh: xz-utils, jq, make-dfsg from Debian bookworm).
 * Each check is one invocation under runlinuxd and under qemu-user with the same argv, stdin and
 * files: the files sit in /rw on the guest disk and in a fresh host temp folder under qemu-user,
 * whose name is replaced by /rw in qemu's output before comparing (xz names the files it reads).
 * Compared: stdout (or its sha256 for big binary output), the exit code, and for the checks about
 * messages, stderr (the programs name themselves by argv[0], /bin/<prog> on both sides).
 *
 * - xz: -T2 (liblzma's threaded encoder and decoder: pthreads, condition variables, futexes) on
 *   1 MiB of generated text+binary data in 128 KiB blocks, -T4 on 2 CPUs, -T1, --check=sha256,
 *   -l/-lvv/--robot listings, -t of a corrupted, a truncated and a non-xz file, --memlimit (exit 1
 *   and the message).
 * - jq: filters.jq (paths, reduce, group_by, @base64/@sh/@csv..., tostream, fromjson, number
 *   formatting of large/small floats and 1e1000, --arg/--argjson, inputs), raw.jq (-R lines with
 *   invalid UTF-8, --rawfile/--slurpfile, strptime/mktime/strflocaltime), -S, --tab, -r, -s, -e,
 *   and the parse/compile/runtime errors with their exit codes (4, 3, 5, 1, 2); math.jq: every libm
 *   builtin (musl's libm: the cores' floating point) over zeros, subnormals, huge values, infinities.
 * - make: make-driver.mk copies a small project into the work folder and runs make on it
 *   (pattern rules, automatic variables, $(shell), -j2, order-only prerequisites, recursive
 *   $(MAKE) -C with the jobserver's fds inherited, -Otarget, -n, -q, -k, -t, a generated include,
 *   .ONESHELL, $(file), failing, ignored and signal-killed recipes, make's error messages). Recipes run
 *   through /bin/sh; make runs simple commands itself (fork+exec through PATH), so the guest disk
 *   has busybox as /bin/{echo,printf,cat,mkdir,rm,sort,test} too. Under qemu-user the recipes run
 *   the host's sh and commands, and a recipe's $(MAKE) is the host's make 4.3 (qemu cannot exec a
 *   foreign binary; Debian's make is the same 4.3 source).
 */
/** 1 MiB of deterministic data: lines of pseudo-random words with some random binary runs. */
function xzData(size = 1 << 20): Buffer {
  let x = 0x2545f491;
  const rnd = (n: number): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
  const words: string[] = [];
  for (let i = 0; i < 400; i++) {
    let w = '';
    for (let j = 2 + rnd(8); j > 0; j--) w += String.fromCharCode(97 + rnd(26));
    words.push(w);
  }
  const out = Buffer.alloc(size);
  let p = 0;
  while (p < size) {
    if (rnd(20) === 0) {
      for (let i = 0; i < 200 && p < size; i++) out[p++] = rnd(256);
    } else {
      const line = Array.from({ length: 12 }, () => words[rnd(words.length)]).join(' ') + '\n';
      p += out.write(line.slice(0, size - p), p, 'latin1');
    }
  }
  return out;
}
const sha256 = (s: string | Buffer): string => createHash('sha256').update(typeof s === 'string' ? Buffer.from(s, 'latin1') : s).digest('hex');

type Prog = 'xz' | 'jq' | 'make';
interface Run {
  prog: Prog;
  /** argv after argv[0], given the folder holding the files (/rw in the guest) and a work folder */
  args: (dir: string, wd: string) => string[];
  input?: Buffer | string;
  /** files in /rw (guest) / the host temp folder (qemu): name -> contents or host path */
  files?: Record<string, Buffer | string>;
  code: number;
  /** compare stderr too */
  stderr?: boolean;
  /** compare sha256 of stdout (binary output) */
  hash?: boolean;
}
const APPLETS = ['echo', 'printf', 'cat', 'mkdir', 'rm', 'sort', 'test'];

async function runBoth(arch: ArchName, r: Run): Promise<{ ours: Result; qemu: Result }> {
  const files: Record<string, string | Uint8Array> = { [`/bin/${r.prog}`]: fixture(arch, r.prog), '/bin/sh': fixture(arch, 'busybox') };
  if (r.prog === 'make') for (const a of APPLETS) files[`/bin/${a}`] = fixture(arch, 'busybox');
  const host = mkdtempSync(join(tmpdir(), 'runlinuxd-rw-'));
  try {
    mkdirSync(join(host, 'rw'));
    mkdirSync(join(host, 'wd'));
    for (const [name, v] of Object.entries(r.files ?? {})) {
      const data = Buffer.isBuffer(v) ? v : readFileSync(v);
      files[`/rw/${name}`] = new Uint8Array(data);
      writeFileSync(join(host, 'rw', name), data);
    }
    const disk = makeDisk(files);
    try {
      const opts = ['--arch', arch, '--disk', disk, '--log-level', 'error', '--env', 'TZ=UTC0'];
      const [ours, qemu] = await Promise.all([
        limited(() => runDaemon([...opts, '--', `/bin/${r.prog}`, ...r.args('/rw', '/tmp')], { input: r.input ?? '', timeoutMs: TIMEOUT_MS })),
        runQemu(arch, fixture(arch, r.prog), [`/bin/${r.prog}`, ...r.args(join(host, 'rw'), join(host, 'wd'))], { input: r.input ?? '', env: ENV }),
      ]);
      const norm = (s: string): string => s.split(join(host, 'rw')).join('/rw');
      return { ours, qemu: { ...qemu, stdout: norm(qemu.stdout), stderr: norm(qemu.stderr) } };
    } finally {
      rmSync(dirname(disk), { recursive: true, force: true });
    }
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
}

async function check(t: ExecutionContext, arch: ArchName, r: Run): Promise<Result> {
  const { ours, qemu } = await runBoth(arch, r);
  const what = `${r.prog} ${r.args('/rw', '/tmp').join(' ')}`;
  t.is(qemu.code, r.code, `qemu-${arch} itself, ${what}: ${qemu.stderr}`);
  if (r.hash) t.is(sha256(ours.stdout), sha256(qemu.stdout), `${what}: ${ours.stderr}`);
  else t.is(ours.stdout, qemu.stdout, `${what}: ${ours.stderr}`);
  t.is(ours.code, qemu.code, `${what}: ${ours.stderr}`);
  if (r.stderr) t.is(ours.stderr, qemu.stderr, what);
  return qemu;
}

/** 300 KB of xzData packed by qemu-user's xz in 64 KiB blocks, and a copy with one byte flipped */
async function xzFiles(t: ExecutionContext, arch: ArchName): Promise<{ 'good.xz': Buffer; 'bad.xz': Buffer }> {
  const packed = await runQemu(arch, fixture(arch, 'xz'), ['/bin/xz', '-T2', '-0', '--block-size=64KiB', '--check=sha256', '-c'], { input: xzData(300_000), env: ENV });
  t.is(packed.code, 0, packed.stderr);
  const good = Buffer.from(packed.stdout, 'latin1');
  const bad = Buffer.from(good);
  bad[bad.length >> 1]! ^= 0x55;
  return { 'good.xz': good, 'bad.xz': bad };
}

const JQ_FILES = { 'filters.jq': join(SRC, 'filters.jq'), 'input.json': join(SRC, 'input.json') };
const MAKE_FILES = Object.fromEntries(['make-driver.mk', 'make-proj.mk', 'make-sub.mk', 'make-gen.mk'].map((f) => [f, join(SRC, f)]));

const EXTRA: { prog: Prog; name: string; body: (t: ExecutionContext, arch: ArchName) => Promise<void> }[] = [
  {
    prog: 'xz', name: '-T2 compress of 1 MiB in 8 blocks, --check=sha256',
    body: async (t, arch) => {
      await check(t, arch, { prog: 'xz', args: () => ['-T2', '-1', '--block-size=128KiB', '--check=sha256', '-c'], input: xzData(), code: 0, hash: true, stderr: true });
    },
  },
  {
    prog: 'xz', name: '-T4 (more threads than CPUs) compress and decompress of 10 blocks of 32 KiB',
    body: async (t, arch) => {
      const data = xzData(300_000);
      const packed = await check(t, arch, { prog: 'xz', args: () => ['-T4', '-0', '--block-size=32KiB', '-c'], input: data, code: 0, hash: true, stderr: true });
      const out = await check(t, arch, { prog: 'xz', args: () => ['-T4', '-dc'], input: Buffer.from(packed.stdout, 'latin1'), code: 0, hash: true, stderr: true });
      t.is(sha256(out.stdout), sha256(data));
    },
  },
  {
    prog: 'xz', name: '-T2 decompress of 8 blocks (threaded decoder) and -T1 round trip',
    body: async (t, arch) => {
      const data = xzData();
      const packed = await runQemu(arch, fixture(arch, 'xz'), ['/bin/xz', '-T2', '-0', '--block-size=128KiB', '--check=sha256', '-c'], { input: data, env: ENV });
      t.is(packed.code, 0, packed.stderr);
      const out = await check(t, arch, { prog: 'xz', args: () => ['-d', '-T2', '-c'], input: Buffer.from(packed.stdout, 'latin1'), code: 0, hash: true, stderr: true });
      t.is(sha256(out.stdout), sha256(data));
      const small = data.subarray(0, 200_000);
      const one = await check(t, arch, { prog: 'xz', args: () => ['-T1', '-3e', '--check=crc64', '-c'], input: small, code: 0, hash: true, stderr: true });
      await check(t, arch, { prog: 'xz', args: () => ['-dc'], input: Buffer.from(one.stdout, 'latin1'), code: 0, hash: true, stderr: true });
    },
  },
  {
    prog: 'xz', name: '-l, -lvv, --robot -l of a good and a corrupted file',
    body: async (t, arch) => {
      const files = await xzFiles(t, arch);
      await check(t, arch, { prog: 'xz', args: (d) => ['-lvv', `${d}/good.xz`], files, code: 0, stderr: true });
      await check(t, arch, { prog: 'xz', args: (d) => ['--robot', '-l', `${d}/good.xz`, `${d}/bad.xz`], files, code: 0, stderr: true });
    },
  },
  {
    prog: 'xz', name: '-t of good and corrupted files (exit 1, message)',
    body: async (t, arch) => {
      const files = await xzFiles(t, arch);
      await check(t, arch, { prog: 'xz', args: (d) => ['-t', `${d}/good.xz`, `${d}/bad.xz`], files, code: 1, stderr: true });
      await check(t, arch, { prog: 'xz', args: () => ['-t', '-T2'], input: files['bad.xz'], code: 1, stderr: true });
    },
  },
  {
    prog: 'xz', name: '-d of truncated and non-xz input, over --memlimit (exit 1, message)',
    body: async (t, arch) => {
      const files = await xzFiles(t, arch);
      await check(t, arch, { prog: 'xz', args: () => ['-dc'], input: files['good.xz'].subarray(0, 1000), code: 1, stderr: true, hash: true });
      await check(t, arch, { prog: 'xz', args: () => ['-dc'], input: 'not xz data\n', code: 1, stderr: true });
      await check(t, arch, { prog: 'xz', args: () => ['-dc', '--memlimit=300KiB'], input: files['good.xz'], code: 1, stderr: true, hash: true });
    },
  },
  {
    prog: 'jq', name: 'filters.jq: paths, reduce, group_by, formats, tostream, numbers, --arg',
    body: async (t, arch) => {
      await check(t, arch, { prog: 'jq', args: (d) => ['-c', '--arg', 'who', 'wörld "x"', '--argjson', 'n', '7', '-f', `${d}/filters.jq`, `${d}/input.json`], files: JQ_FILES, code: 0, stderr: true });
    },
  },
  {
    prog: 'jq', name: 'math.jq: the libm builtins over awkward arguments, number printing and parsing',
    body: async (t, arch) => {
      await check(t, arch, { prog: 'jq', args: (d) => ['-n', '-c', '-f', `${d}/math.jq`], files: { 'math.jq': join(SRC, 'math.jq') }, code: 0, stderr: true });
    },
  },
  {
    prog: 'jq', name: 'raw.jq: -R lines (invalid UTF-8, a 60 KB line, 10,000 lines), --rawfile, --slurpfile, dates',
    body: async (t, arch) => {
      const lines = Buffer.concat([
        Buffer.from('caf\xc3\xa9 \xff\xfe bad utf8\n', 'latin1'), Buffer.alloc(60_000, 'x'), Buffer.from('\n\xe2\x82\xac euro\n', 'latin1'),
        Buffer.from(Array.from({ length: 10_000 }, (_, i) => `line ${i}\n`).join('')),
      ]);
      const files = { 'raw.jq': join(SRC, 'raw.jq'), 'input.json': join(SRC, 'input.json') };
      await check(t, arch, { prog: 'jq', args: (d) => ['-R', '-c', '--rawfile', 'raw', `${d}/input.json`, '--slurpfile', 'all', `${d}/input.json`, '-f', `${d}/raw.jq`], input: lines, files, code: 0, stderr: true });
    },
  },
  {
    prog: 'jq', name: '-S, --tab, -r, -s, --indent',
    body: async (t, arch) => {
      const input = readFileSync(join(SRC, 'input.json'), 'latin1');
      await check(t, arch, { prog: 'jq', args: () => ['-n', '-S', 'input | .o, .items[0], {z: 1e1000, a: [-1e-400, 1.5e300]}'], input, code: 0, stderr: true });
      await check(t, arch, { prog: 'jq', args: () => ['-n', '--tab', '-r', 'input as $d | ($d.items[] | [.name, .n, (.tags | join("+"))] | @tsv), $d.o'], input, code: 0, stderr: true });
      await check(t, arch, { prog: 'jq', args: () => ['-s', '--indent', '3', 'map(type), (.[0].nums | add)'], input, code: 0, stderr: true });
    },
  },
  ...([
    ['parse error after a good input (4)', ['.a'], '{"a": 1}\n{"a": 2,}\n', 4],
    ['compile error (3)', ['.a | [1, 2'], '{}', 3],
    ['runtime error (5)', ['.a + 1'], '{"a": "x"}\n', 5],
    ['-e with a false result (1)', ['-e', '.a'], '{"a": false}', 1],
    ['halt_error(4)', ['-n', '"bye\\n" | halt_error(4)'], '', 4],
    ['bad --argjson (2)', ['-n', '--argjson', 'x', '{bad', '$x'], '', 2],
  ] as const).map(([name, args, input, code]) => ({
    prog: 'jq' as const, name: `${name}: message and exit code`,
    body: async (t: ExecutionContext, arch: ArchName) => {
      await check(t, arch, { prog: 'jq', args: () => [...args], input, code, stderr: true });
    },
  })),
  {
    prog: 'make', name: 'make-driver.mk: pattern rules, $(shell), -j2, -Otarget, -n, -q, -k, -t, include remake, recursive $(MAKE), errors',
    body: async (t, arch) => {
      await check(t, arch, { prog: 'make', args: (d, wd) => ['--no-print-directory', '-f', `${d}/make-driver.mk`, '-C', wd, `S=${d}`], files: MAKE_FILES, code: 0, stderr: true });
    },
  },
];

for (const arch of implementedArches()) {
  for (const e of EXTRA) {
    test(`${arch}: ${e.prog} ${e.name} matches qemu-${arch}`, (t) => e.body(t, arch));
  }
}
