/**
 * End to end in-process: every recorded aarch64 fixture run (test/fixtures/README.md) on the
 * kernel with this core must give qemu-aarch64's recorded stdout and exit status.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORDED } from './_cases';
import { FIXTURES, runFixture } from './_guest';

/** Lines that depend on the kernel rather than the core (qemu 7.2 has no set_robust_list). */
const KERNEL_LINES = /^set_robust_list:/;

for (const c of RECORDED) {
  test(`aarch64 fixture ${c.key} matches qemu-aarch64's recorded run`, async (t) => {
    const r = await runFixture(c.name, c.args, { argv0: `./${c.name}`, input: c.input });
    const want = readFileSync(join(FIXTURES, `${c.key}.stdout`), 'latin1');
    const status = readFileSync(join(FIXTURES, `${c.key}.status`), 'utf8').trim();
    const strip = (s: string) => s.split('\n').filter((l) => !KERNEL_LINES.test(l)).join('\n');
    t.is(strip(r.stdout), strip(want));
    t.is(r.status.kind === 'exited' ? `exit ${r.status.code}` : `signal ${r.status.signal}`, status);
  });
}
