/**
 * Real gdb-multiarch against `runlinuxd --arch aarch64 --gdb PORT` (the compiled daemon):
 * target description, register listing, stepi, breakpoints, watchpoints, run to exit.
 */
import test from 'ava';
import { fixture } from '../helpers/guest';
import { gdbKnows, runGdb, startDaemon, symbolAddress } from '../helpers/gdb';

// The test command installs gdb-multiarch: its absence is a failure, not a skip.
test('gdb-multiarch knows aarch64', (t) => { t.true(gdbKnows('aarch64')); });
const t0 = gdbKnows('aarch64') ? test : test.skip;

t0('gdb sees x0-x30, sp, pc, cpsr, v0-v31, fpsr, fpcr; stepi, break, watch and exit behave', async (t) => {
  const d = await startDaemon('aarch64', ['/sbin/hello']);
  try {
    const main = symbolAddress('aarch64', 'hello', 'main');
    const r = await runGdb([
      `file ${fixture('aarch64', 'hello')}`,
      `target remote :${d.port}`,
      'info registers',
      'info all-registers',
      'stepi',
      'p/x $pc',
      'break main',
      'continue',
      'p/x $pc',
      'p $v0.d.u[0] == 0',
      'watch *(long *)$sp',
      'continue',
      'delete',
      'continue',
    ]);
    const out = r.out;
    for (let i = 0; i <= 30; i++) t.regex(out, new RegExp(`^x${i}\\s+0x`, 'm'));
    for (const name of ['sp', 'pc', 'cpsr', 'v0', 'v31', 'fpsr', 'fpcr']) t.regex(out, new RegExp(`^${name}\\s`, 'm'), name);
    t.regex(out, /^cpsr\s+0x40000000\s+\[ EL=0 Z \]/m);
    const hit = /Breakpoint 1, (0x[0-9a-f]+) in main/.exec(out);
    t.truthy(hit, 'stopped in main');
    const at = BigInt(hit![1]!);
    t.true(at >= main && at < main + 64n, 'after the prologue of main');
    t.regex(out, /Watchpoint 2: \*\(long \*\)\$sp/);
    t.regex(out, /\[Inferior 1 \(process \d+\) exited normally\]/);
    await d.exited;
    t.is(d.stdout, 'Hello, UserApp!\n');
  } finally {
    d.stop();
  }
});

t0('catch syscall write stops at the syscall entry and return (QCatchSyscalls), with the number and the result', async (t) => {
  const d = await startDaemon('aarch64', ['/bin/gdbprog']);
  try {
    const r = await runGdb([
      `target remote :${d.port}`,
      'catch syscall write',
      'continue',
      'p $x8',
      'p $x2',
      'continue',
      'p $x0',
      'delete',
      'continue',
    ]);
    const out = r.out;
    t.regex(out, /Catchpoint 1 \(syscall 'write' \[64\]\)/);
    t.regex(out, /Catchpoint 1 \(call to syscall write\), 0x[0-9a-f]+ in \S+ \(\)/);
    t.regex(out, /Catchpoint 1 \(returned from syscall write\), 0x[0-9a-f]+ in \S+ \(\)/);
    // "gdbprog start\n": write(1, buf, 14) -> 14
    t.deepEqual([...out.matchAll(/^\$\d+ = (\d+)$/gm)].map((m) => m[1]), ['64', '14', '14']);
    t.regex(out, /\[Inferior 1 \(process \d+\) exited with code 03\]/);
    await d.exited;
    t.true(d.stdout.startsWith('gdbprog start\n'));
  } finally {
    d.stop();
  }
});
