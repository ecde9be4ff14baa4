/**
 * End to end: every fixture program runs under runlinuxd from a FAT32 disk and under qemu-user in
 * the same test, and stdout and exit code must be identical.
 */
import test from 'ava';
import { implementedArches } from '../../arch/index';
import { fixture, makeDisk, runDaemon, runQemu } from '../helpers/guest';

interface Case { name: string; args?: string[]; input?: string; title?: string }

/** Sizes keep each run short on our interpreter; the benchmark runs the big ones. */
const CASES: Case[] = [
  { name: 'hello' },
  { name: 'args', args: ['one', 'two words', ''] },
  // guest arguments are strings: the CLI once parsed number-like ones (`xz -0` ran as `xz 0`)
  { name: 'args', args: ['-0', '007', '1e3', '0x10', '-1', '1.50', '--', '-2'], title: 'args that look like numbers' },
  { name: 'exitcode' },
  { name: 'exitcode', args: ['7'], title: 'exitcode 7' },
  { name: 'power3', args: ['200000'] },
  { name: 'fib', args: ['20'] },
  { name: 'sieve', args: ['200000'] },
  { name: 'qsort_crc', args: ['20000'] },
  { name: 'intops' },
  { name: 'float' },
  { name: 'hugemem' },
  { name: 'segv' },
  { name: 'gdbprog' },
];

for (const arch of implementedArches()) {
  const names = [...new Set(CASES.map((c) => c.name))];
  const disk = makeDisk(Object.fromEntries(names.map((n) => [`/bin/${n}`, fixture(arch, n)])));
  for (const c of CASES) {
    test(`${arch}: ${c.title ?? c.name} matches qemu-${arch}`, async (t) => {
      const argv = [`/bin/${c.name}`, ...(c.args ?? [])];
      const [ours, qemu] = await Promise.all([
        runDaemon(['--arch', arch, '--disk', disk, '--log-level', 'warn', '--', ...argv], { input: c.input }),
        runQemu(arch, fixture(arch, c.name), argv, { input: c.input }),
      ]);
      t.is(ours.stdout, qemu.stdout, ours.stderr);
      t.is(ours.code, qemu.code, ours.stderr);
    });
  }
}
