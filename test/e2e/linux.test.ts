/**
 * End to end: the Linux personality — the VFS (FAT32 disk read-write with --disk-rw, /tmp in
 * memory, a host folder on /host with --host-dir, /dev, /proc/self), file syscalls, file-backed
 * mmap, memory management, processes (fork/execve/wait4/waitid/vfork/posix_spawn), threads +
 * futex, time. Each fixture (test/fixtures/src/{files,mapfile,memory,procs,threads,timecalls,
 * devproc}.c, helpers in linuxtest.h) runs under runlinuxd and under qemu-user in the same test;
 * stdout and exit code must be identical, except for lines where qemu-user 7.2 is not Linux
 * (listed below with the Linux answer, checked explicitly so that a fixed qemu shows up here).
 *
 * Work directories: a program given WORKDIR creates WORKDIR/t, works there and removes it; it
 * prints nothing that depends on the directory's name or on the file system underneath. Under
 * runlinuxd WORKDIR is /work on the disk (created by the program), /tmp, or /host (--host-dir of
 * a fresh host temp folder); under qemu-user it is a fresh host temp folder. `procs` re-executes
 * itself: under runlinuxd as /bin/procs, under qemu-user through qemu-<arch> and the host path
 * of the binary (no binfmt_misc on the test machines).
 *
 * Shell: busybox (test/fixtures/<arch>/busybox, built by scripts/build-busybox.sh; these tests
 * are skipped for an arch that has none yet) runs `sh -c SCRIPT sh WORKDIR` in the same three
 * places. Scripts compared with qemu use only busybox's NOFORK/NOEXEC applets (forks, pipes,
 * redirections, waits, but no execve: qemu-user cannot re-execute a foreign busybox through
 * /proc/self/exe); one runlinuxd-only script runs applets that busybox re-executes through
 * /proc/self/exe (cat, grep, sed, wc, sh, tr, tail, env) and is compared with the output of the
 * same script under Linux (the x86_64 build run natively; under qemu-user the failed re-exec falls
 * back to the host's own /usr/bin tools, so qemu is no oracle for it).
 *
 * Known qemu-user 7.2 differences, each confirmed by running the x86_64 build natively on Linux
 * 6.x (which prints the Linux line):
 *  - memory: qemu ignores MAP_FIXED_NOREPLACE (treats it as a hint and succeeds elsewhere), accepts
 *    any madvise advice, and does not unmap pages when brk shrinks.
 *  - events: qemu ignores signalfd4's sizemask (Linux: EINVAL unless it is 8).
 *  - loongarch64 only (qemu emulates 16 KiB guest pages on 4 KiB host pages): no SIGBUS past EOF
 *    of a file mapping (SIGSEGV, or the page is not there at all), mmap of an empty file fails,
 *    mmap of a pipe gives EINVAL (Linux: ENODEV), a private mapping of /dev/zero is not usable.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ArchName } from '../../arch/common/cpu';
import { implementedArches } from '../../arch/index';
import { fixture, limited, makeDisk, runDaemon, runQemu, type Result } from '../helpers/guest';

const PROGS = ['files', 'mapfile', 'memory', 'procs', 'threads', 'timecalls', 'devproc', 'sockets', 'events', 'locks'] as const;
type Prog = (typeof PROGS)[number];

/** Programs that work in WORKDIR (run in all three places); the others ignore argv[1]. */
const WORKDIR_PROGS: readonly Prog[] = ['files', 'mapfile', 'procs', 'locks'];

type Where = 'disk' | 'tmp' | 'host';
const WHERE: Record<Where, string> = { disk: '/work on the FAT32 disk (--disk-rw)', tmp: '/tmp (memory)', host: '/host (--host-dir)' };

/** A qemu-user line that is not what Linux prints, and the Linux line we must print instead. */
interface Known { qemu: string; ours: string }

const MEMORY_KNOWN: Known[] = [
  { qemu: 'mmap(MAP_FIXED_NOREPLACE onto page 8, in use) = ok 0', ours: 'mmap(MAP_FIXED_NOREPLACE onto page 8, in use) = MAP_FAILED EEXIST' },
  { qemu: 'mmap(MAP_FIXED_NOREPLACE onto pages 9..11, in use) = ok 0', ours: 'mmap(MAP_FIXED_NOREPLACE onto pages 9..11, in use) = MAP_FAILED EEXIST' },
  { qemu: 'madvise(bad advice 12345) = 0', ours: 'madvise(bad advice 12345) = -1 EINVAL' },
  { qemu: '  write past the new end (+2 pages): no fault', ours: '  write past the new end (+2 pages): SIGSEGV SEGV_MAPERR, si_addr ok' },
];
const LA64_MAPFILE_KNOWN: Known[] = [
  { qemu: '  read of the second page (wholly past EOF): SIGSEGV SEGV_MAPERR', ours: '  read of the second page (wholly past EOF): SIGBUS BUS_ADRERR' },
  { qemu: 'mmap(a pipe) = MAP_FAILED EINVAL', ours: 'mmap(a pipe) = MAP_FAILED ENODEV' },
  { qemu: 'SIGSEGV', ours: 'SIGBUS' },
  { qemu: '  read of the page after EOF: SIGSEGV SEGV_MAPERR', ours: '  read of the page after EOF: SIGBUS BUS_ADRERR' },
  { qemu: '  write to the page after EOF: SIGSEGV SEGV_MAPERR', ours: '  write to the page after EOF: SIGBUS BUS_ADRERR' },
  { qemu: '  write to the second page now: SIGSEGV', ours: '  write to the second page now: none' },
  { qemu: '  pread64 sees it: no', ours: '  pread64 sees it: yes' },
  { qemu: '  read of the second page again: SIGSEGV SEGV_MAPERR', ours: '  read of the second page again: SIGBUS BUS_ADRERR' },
  { qemu: 'mmap(empty file, 1 page, MAP_PRIVATE): no', ours: 'mmap(empty file, 1 page, MAP_PRIVATE): yes' },
  { qemu: '  read: none -', ours: '  read: SIGBUS BUS_ADRERR' },
];
const LA64_DEVPROC_KNOWN: Known[] = [
  { qemu: '  mmap(/dev/zero, MAP_PRIVATE) is zero-filled memory: no', ours: '  mmap(/dev/zero, MAP_PRIVATE) is zero-filled memory: yes' },
];
/** qemu-user drops signalfd4's sizemask argument and calls the host's signalfd with its own. */
const EVENTS_KNOWN: Known[] = [
  { qemu: 'signalfd4(sizemask 4) = 3', ours: 'signalfd4(sizemask 4) = -1 EINVAL' },
];
const KNOWN: Partial<Record<Prog, Partial<Record<ArchName, Known[]>>>> = {
  memory: { riscv64: MEMORY_KNOWN, aarch64: MEMORY_KNOWN, x86_64: MEMORY_KNOWN, loongarch64: MEMORY_KNOWN },
  mapfile: { loongarch64: LA64_MAPFILE_KNOWN },
  devproc: { loongarch64: LA64_DEVPROC_KNOWN },
  events: { riscv64: EVENTS_KNOWN, aarch64: EVENTS_KNOWN, x86_64: EVENTS_KNOWN, loongarch64: EVENTS_KNOWN },
};

/** busybox sh scripts, run as `sh -c SCRIPT sh WORKDIR`. `expected` set: runlinuxd only, compared
 *  with this text (the script's output under Linux); unset: compared with qemu-user. */
interface ShellScript { name: string; script: string; expected?: string }
const SHELL_SCRIPTS: ShellScript[] = [
  {
    name: 'awk, sort, sed, grep, wc, sha256sum, tar',
    script: `cd "$1" || exit 9
mkdir -p t && cd t && printf "b 2\\na 1\\nc 3\\n" > in && awk "{ s += \\$2 } END { print s, NR }" in && sort in | sed "s/ /=/" && grep -c a in && wc -l < in && sha256sum in | cut -c1-16
mkdir d && echo one > d/1 && echo two > d/2 && tar cf x.tar d && rm -r d && tar xf x.tar && cat d/1 d/2 && tar tf x.tar | sort
cd .. && rm -r t && echo done`,
  },
  {
    name: 'file operations',
    script: `cd "$1" || exit 9
mkdir -p t/d/e && echo hello > t/a && printf "x\ny\n" >> t/a && cp t/a t/d/b && mv t/d/b t/d/c
ls t t/d; find t | sort; head -n 2 t/a; md5sum t/a | cut -d" " -f1
stat -c "%s %F" t/a; stat -c %F t/d
touch -d @1700000000 t/a && stat -c %Y t/a
rm t/a; test -e t/a || echo "a removed"; rmdir t/d 2>/dev/null || echo "rmdir: not empty"
rm -r t; test -e t || echo gone`,
  },
  {
    name: 'pipelines, subshells, background job, functions, trap',
    script: `cd "$1" || exit 9
seq 1 2000 | sort -rn | head -n 3 | xargs echo
x=$(seq 5 | sort -r | head -n 1); echo "x=$x $((6*7))"
(exit 3); echo "subshell rc=$?"
false || echo "false rc=$?"
(echo "in background"; exit 5) & wait $!; echo "wait rc=$?"
f() { local v=$1; echo "f:$v:$#"; return 4; }; f a b c; echo "f rc=$?"
trap "echo trapped EXIT" EXIT
i=0; while [ $i -lt 3 ]; do i=$((i+1)); case $i in 2) echo two;; *) echo "i=$i";; esac; done`,
  },
  {
    name: 'redirections, fd 3, here-document, /dev/null',
    script: `cd "$1" || exit 9
mkdir t && cd t || exit 9
exec 3> out; echo one >&3; echo two >&3; exec 3>&-
read first < out; echo "[$first]"
while read l; do echo "<$l>"; done < out
echo three >> out; head -n 9 out | sort
while read a b; do echo "$b-$a"; done <<END
1 x
2 y
END
echo err 1>&2 2>/dev/null; { echo to-null; } > /dev/null; echo "after null"
seq 3 > nums; sort -r < nums > rev; head -n 1 rev
cd .. && rm -r t && echo cleaned`,
  },
  {
    name: 'applets re-executed through /proc/self/exe (cat grep sed wc sh tr tail env)',
    script: `cd "$1" || exit 9
mkdir t && cd t || exit 9
printf "one\ntwo\nthree\n" > a
cat a | grep -n o | sed s/o/0/g
wc -l < a
grep -c e a
sh -c 'echo "nested $0 $1"; exit 7' x y; echo "nested rc=$?"
cat a | tr a-z A-Z | tail -n 1
env -i A=1 printenv A
cd .. && rm -r t && echo cleaned`,
    expected: '1:0ne\n2:tw0\n3\n2\nnested x y\nnested rc=7\nTHREE\n1\ncleaned\n',
  },
];

const TIMEOUT_MS = 180_000;

function hostTemp(tag: string): string {
  return mkdtempSync(join(tmpdir(), `runlinuxd-${tag}-`));
}

function qemuBinary(arch: ArchName): string {
  return execFileSync('sh', ['-c', `command -v qemu-${arch}`], { encoding: 'utf8' }).trim();
}

/** argv after WORKDIR: procs needs a way to execute itself again. */
function execArgs(arch: ArchName, prog: Prog, under: 'ours' | 'qemu'): string[] {
  if (prog !== 'procs') return [];
  return under === 'ours' ? ['/bin/procs'] : [qemuBinary(arch), fixture(arch, 'procs')];
}

/** qemu-user's result for a program, once per arch (the program's output does not depend on
 *  where its work directory is). */
const qemuRuns = new Map<string, Promise<Result>>();
function qemuResult(arch: ArchName, prog: Prog): Promise<Result> {
  const key = `${arch}/${prog}`;
  let r = qemuRuns.get(key);
  if (!r) {
    const wd = hostTemp('qemu');
    r = runQemu(arch, fixture(arch, prog), [`/bin/${prog}`, wd, ...execArgs(arch, prog, 'qemu')]).then((res) => {
      rmSync(wd, { recursive: true, force: true });
      return res;
    });
    qemuRuns.set(key, r);
  }
  return r;
}

function diskWithAll(arch: ArchName): string {
  return makeDisk(Object.fromEntries(PROGS.map((p) => [`/bin/${p}`, fixture(arch, p)])));
}

/** Each disk is a 33 MiB image in its own temp folder: remove it when the test is done. */
function dropDisk(disk: string): void {
  rmSync(dirname(disk), { recursive: true, force: true });
}

/** The names left in a --host-dir folder, which is then removed ([] without one). Runs before
 *  the assertions: a failed ava assertion throws. */
function takeHostDir(hostDir: string | null): string[] {
  if (!hostDir) return [];
  const left = readdirSync(hostDir);
  rmSync(hostDir, { recursive: true, force: true });
  return left;
}

/** runlinuxd running `argv WORKDIR after...` from `disk`; `where` picks WORKDIR and the options
 *  it needs (a fresh host folder for /host). */
async function runOursArgv(arch: ArchName, where: Where, disk: string, argv: string[], after: string[] = []): Promise<{ res: Result; hostDir: string | null }> {
  const opts = ['--arch', arch, '--disk', disk, '--log-level', 'warn'];
  let wd = '/tmp', hostDir: string | null = null;
  if (where === 'disk') { opts.push('--disk-rw'); wd = '/work'; }
  if (where === 'host') { hostDir = hostTemp('host'); opts.push('--host-dir', hostDir); wd = '/host'; }
  const res = await limited(() => runDaemon([...opts, '--', ...argv, wd, ...after], { timeoutMs: TIMEOUT_MS }));
  return { res, hostDir };
}

/** runlinuxd running a fixture program on a fresh disk (or the given one). */
async function runOurs(arch: ArchName, prog: Prog, where: Where, disk = diskWithAll(arch)): Promise<{ res: Result; disk: string; hostDir: string | null }> {
  const { res, hostDir } = await runOursArgv(arch, where, disk, [`/bin/${prog}`], execArgs(arch, prog, 'ours'));
  return { res, disk, hostDir };
}

/** Compares our stdout/exit code with qemu's after replacing qemu's known non-Linux lines by the
 *  Linux ones (so the diff shows every line we get wrong, those included). */
function compare(t: ExecutionContext, arch: ArchName, prog: Prog, ours: Result, qemu: Result): void {
  let expected = qemu.stdout;
  const qemuLines = qemu.stdout.split('\n');
  for (const k of KNOWN[prog]?.[arch] ?? []) {
    t.true(qemuLines.includes(k.qemu), `qemu-${arch} no longer prints "${k.qemu}": drop the exception`);
    expected = expected.split('\n').map((l) => (l === k.qemu ? k.ours : l)).join('\n');
  }
  t.is(ours.stdout, expected, ours.stderr);
  t.is(ours.code, qemu.code, ours.stderr);
}

for (const arch of implementedArches()) {
  for (const prog of PROGS) {
    const places: Where[] = WORKDIR_PROGS.includes(prog) ? ['disk', 'tmp', 'host'] : ['tmp'];
    for (const where of places) {
      const title = places.length > 1 ? `${prog} in ${WHERE[where]}` : prog;
      test(`${arch}: ${title} matches qemu-${arch}`, async (t) => {
        const [{ res, disk, hostDir }, qemu] = await Promise.all([runOurs(arch, prog, where), qemuResult(arch, prog)]);
        dropDisk(disk);
        const left = takeHostDir(hostDir);
        t.is(qemu.code, 0, `qemu-${arch} itself failed: ${qemu.stderr}`);
        compare(t, arch, prog, res, qemu);
        t.deepEqual(left, [], 'the program removes everything it made in the host folder');
      });
    }
  }

  const bb = fixture(arch, 'busybox');
  const hasBusybox = existsSync(bb);
  for (const sc of SHELL_SCRIPTS) {
    for (const where of ['disk', 'tmp', 'host'] as const) {
      const title = `${arch}: busybox sh: ${sc.name} in ${WHERE[where]} ${sc.expected === undefined ? `matches qemu-${arch}` : 'prints what Linux prints'}`;
      (hasBusybox ? test : test.skip)(hasBusybox ? title : `${title} (no test/fixtures/${arch}/busybox yet)`, async (t) => {
        // The disk case's work folder must exist, as the host folders of the other cases do.
        const disk = makeDisk({ '/bin/busybox': bb, '/work/.keep': new Uint8Array(0) });
        const argv = ['/bin/busybox', 'sh', '-c', sc.script, 'sh'];
        const { res, hostDir } = await runOursArgv(arch, where, disk, argv);
        dropDisk(disk);
        const left = takeHostDir(hostDir);
        let expected = sc.expected, code = 0;
        if (expected === undefined) {
          const wd = hostTemp('qemu');
          const q = await runQemu(arch, bb, [...argv, wd]);
          rmSync(wd, { recursive: true, force: true });
          expected = q.stdout;
          code = q.code ?? -1;
          t.is(code, 0, `qemu-${arch} itself failed: ${q.stderr}`);
        }
        t.is(res.stdout, expected, res.stderr);
        t.is(res.code, code, res.stderr);
        t.deepEqual(left, [], 'the script removes everything it made in the host folder');
      });
    }
  }

  test(`${arch}: files and mapfile on /work (--disk-rw) leave a FAT32 image that fsck.fat -n accepts`, async (t) => {
    const disk = diskWithAll(arch);
    const files = await runOurs(arch, 'files', 'disk', disk);
    const mapfile = await runOurs(arch, 'mapfile', 'disk', disk);
    const fsck = spawnSync('fsck.fat', ['-n', disk], { encoding: 'utf8' });
    dropDisk(disk);
    t.is(files.res.code, 0, files.res.stderr);
    t.is(mapfile.res.code, 0, mapfile.res.stderr);
    t.is(fsck.status, 0, `${fsck.stdout}${fsck.stderr}`);
  });

  test(`${arch}: without --disk-rw the disk is read-only (EROFS) and the image is unchanged`, async (t) => {
    const disk = diskWithAll(arch);
    const before = createHash('sha256').update(readFileSync(disk)).digest('hex');
    const res = await limited(() => runDaemon(['--arch', arch, '--disk', disk, '--log-level', 'warn', '--', '/bin/files', '/work'], { timeoutMs: TIMEOUT_MS }));
    const after = createHash('sha256').update(readFileSync(disk)).digest('hex');
    dropDisk(disk);
    t.is(res.stdout, 'mkdir(WD) = -1 EROFS\n', res.stderr);
    t.is(res.code, 2, res.stderr);
    t.is(after, before);
  });
}
