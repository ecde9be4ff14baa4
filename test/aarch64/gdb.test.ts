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
