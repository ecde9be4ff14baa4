/**
 * The guest's file namespace end to end, with busybox as the guest: /host confinement (`..`,
 * absolute and relative symlinks), a guest stopped mid-write leaving an image fsck.fat accepts,
 * --deterministic runs being identical, and /proc reflecting the process.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { implementedArches } from '../../arch/index';
import { BIN, fixture, makeDisk, runDaemon } from '../helpers/guest';

function sh(arch: string, script: string, extra: string[] = [], disk?: string): ReturnType<typeof runDaemon> {
  const d = disk ?? makeDisk({ '/bin/busybox': fixture(arch as never, 'busybox') });
  return runDaemon(['--arch', arch, '--disk', d, '--log-level', 'error', ...extra, '--', '/bin/busybox', 'sh', '-c', script], { timeoutMs: 120_000 });
}

for (const arch of implementedArches()) {
  if (!existsSync(fixture(arch, 'busybox'))) continue;

  test(`${arch}: /host is confined: '..', absolute and escaping symlinks stay in the guest's namespace`, async (t) => {
    const outside = mkdtempSync(join(tmpdir(), 'runlinuxd-outside-'));
    const host = join(outside, 'share');
    mkdirSync(host);
    writeFileSync(join(outside, 'secret'), 'host secret\n');
    writeFileSync(join(host, 'inside'), 'inside\n');
    symlinkSync(join(outside, 'secret'), join(host, 'abs'));
    symlinkSync('../secret', join(host, 'rel'));
    symlinkSync('/', join(host, 'root'));
    const r = await sh(arch, [
      'cat /host/inside',
      'cat /host/../secret 2>&1 | sed "s/^.*: //"',
      'cat /host/abs 2>&1 | sed "s/^.*: //"',
      'cat /host/rel 2>&1 | sed "s/^.*: //"',
      'ls /host/root/ | tr "\\n" " "; echo',
      'cd /host/../..; pwd',
      'echo new > /host/made; cat /host/made',
    ].join('; '), ['--host-dir', host]);
    const made = readdirSync(host).sort();
    rmSync(outside, { recursive: true, force: true });
    t.is(r.stdout, [
      'inside',
      'No such file or directory',
      'No such file or directory',
      'No such file or directory',
      'bin dev host proc tmp ',
      '/',
      'new',
      '',
    ].join('\n'), r.stderr);
    t.deepEqual(made, ['abs', 'inside', 'made', 'rel', 'root']);
  });

  test(`${arch}: a guest stopped in the middle of writing leaves an image fsck.fat -n accepts`, async (t) => {
    const disk = makeDisk({ '/bin/busybox': fixture(arch, 'busybox') });
    const script = 'mkdir -p /data; echo started; i=0; while :; do echo "line $i" >> /data/log; i=$((i+1)); if [ $((i % 50)) = 0 ]; then rm -f /data/old; mv /data/log /data/old; fi; done';
    const child = spawn(process.execPath, [BIN, '--arch', arch, '--disk', disk, '--disk-rw', '--log-level', 'error', '--', '/bin/busybox', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Stop it once the guest is well into its loop (however loaded the machine is).
    await new Promise((r) => child.stdout.once('data', r));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    const fsck = spawnSync('fsck.fat', ['-n', disk], { encoding: 'utf8' });
    const listing = spawnSync('mdir', ['-b', '-i', disk, '::/data'], { encoding: 'utf8' });
    rmSync(dirname(disk), { recursive: true, force: true });
    t.is(code, 128 + 15, 'the daemon ends with the signal it was stopped by');
    t.is(fsck.status, 0, fsck.stdout + fsck.stderr);
    t.notRegex(fsck.stdout, /lost|Free cluster summary|differ/i, fsck.stdout);
    t.regex(listing.stdout, /::\/data\/(log|old)/i, 'the guest had written its files');
  });

  test(`${arch}: --deterministic runs print the same times, pids and random bytes`, async (t) => {
    const script = 'date +%s; echo $$; sh -c "echo \\$\\$"; head -c 8 /dev/urandom | od -An -tx1; cat /proc/uptime | cut -d" " -f1';
    const disk = makeDisk({ '/bin/busybox': fixture(arch, 'busybox') });
    const a = await sh(arch, script, ['--deterministic'], disk);
    const b = await sh(arch, script, ['--deterministic'], disk);
    rmSync(dirname(disk), { recursive: true, force: true });
    t.is(a.code, 0, a.stderr);
    t.is(a.stdout, b.stdout);
    const [date, pid, child] = a.stdout.split('\n');
    t.is(date, '1767225600', 'the deterministic clock starts at 2026-01-01T00:00:00Z');
    t.is(pid, '1000');
    t.is(child, '1002', 'date ran as 1001');
  });

  test(`${arch}: processes the first one leaves run on while they can write to the daemon's output`, async (t) => {
    // As under qemu-user, where they outlive it as host processes: a reader of the output sees
    // theirs too, and the status is the first process's.
    const r = await sh(arch, '(sleep 0.2; echo late; exit 4) & echo early; exit 3');
    t.is(r.stdout, 'early\nlate\n', r.stderr);
    t.is(r.code, 3, r.stderr);
    // One that cannot write to it (a daemon with its output elsewhere) ends with the run; the
    // sleep would outlast the test's 120 s timeout otherwise.
    const quiet = await sh(arch, 'sleep 1000 >/dev/null 2>&1 & echo quick');
    t.is(quiet.stdout, 'quick\n', quiet.stderr);
    t.is(quiet.code, 0, quiet.stderr);
  });

  test(`${arch}: /proc/self: exe, cmdline, maps and fd describe the process`, async (t) => {
    // busybox runs applets in a forked shell without exec: /proc/self is still the shell then
    // (checked against this busybox built for x86_64 running natively on Linux).
    const script = [
      'readlink /proc/self/exe',
      'tr "\\0" " " < /proc/self/cmdline; echo',
      'grep -c "\\[stack\\]" /proc/self/maps',
      'ls /proc/self/fd | tr "\\n" " "; echo',
      'exec 5</proc/self/maps; readlink /proc/$$/fd/5',
    ].join('; ');
    const r = await sh(arch, script);
    t.is(r.stdout, [
      '/bin/busybox',
      `/bin/busybox sh -c ${script} `,
      '1',
      '0 1 2 3 ',
      '/proc/1000/maps',
      '',
    ].join('\n'), r.stderr);
  });
}

for (const arch of implementedArches()) {
  const debian = fixture(arch, 'busybox-debian');
  if (!existsSync(debian)) continue;
  test(`${arch}: Debian's busybox-static (glibc, rseq/prlimit64 at start) runs a shell pipeline on the disk`, async (t) => {
    const disk = makeDisk({ '/bin/busybox': debian });
    const r = await runDaemon(['--arch', arch, '--disk', disk, '--disk-rw', '--log-level', 'error', '--', '/bin/busybox', 'sh', '-c',
      'mkdir -p /w/d && echo x > /w/d/f && find /w | sort; cat /w/d/f | wc -c; seq 1 5 | awk "{s+=\\$1} END {print s}"; tar cf /tmp/a.tar /w 2>/dev/null; tar tf /tmp/a.tar | sort; sha256sum /w/d/f'], { timeoutMs: 120_000 });
    rmSync(dirname(disk), { recursive: true, force: true });
    t.is(r.stdout, ['/w', '/w/d', '/w/d/f', '2', '15', 'w/', 'w/d/', 'w/d/f',
      '73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac  /w/d/f', ''].join('\n'), r.stderr);
    t.is(r.code, 0, r.stderr);
  });
}
