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
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ArchName } from '../../arch/common/cpu';
import { implementedArches } from '../../arch/index';
import { fixture, GUEST_ENV, makeDisk, ROOT, runDaemon, runQemu, type Result } from '../helpers/guest';

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

/** Daemon runs are CPU-bound: as many at once as there are CPUs (see linux.test.ts). */
const SLOTS = Math.max(1, availableParallelism());
let busy = 0;
const waiting: (() => void)[] = [];
async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (busy >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  else busy++;
  try {
    return await f();
  } finally {
    const next = waiting.shift();
    if (next) next(); else busy--;
  }
}

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
  const missing = ['lua', 'sqlite3', 'busybox'].filter((p) => !existsSync(fixture(arch, p)));
  for (const c of CASES) {
    for (const where of c.places) {
      const title = `${arch}: ${c.prog} ${c.name} in ${where === 'tmp' ? '/tmp' : '/work on the FAT32 disk'} matches qemu-${arch}`;
      if (missing.length) {
        test.skip(`${title} (no test/fixtures/${arch}/{${missing.join(',')}}: bash scripts/build-realworld.sh)`, () => {});
        continue;
      }
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
