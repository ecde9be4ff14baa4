/**
 * Instruction-level vectors checked against qemu-aarch64 (see _qemu-diff.ts): each case's register
 * and memory dump under this core must be byte-identical to qemu's.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runElf } from './_guest';
import { CASES_ELF, CASES_SRC, describeDump, diffSource, DUMP_BYTES, type DiffCase } from './_qemu-diff';
import { CASES } from './_qemu-cases';

const elf = CASES_ELF;

test('the committed case program is built from the current case list', (t) => {
  t.is(readFileSync(CASES_SRC, 'utf8'), diffSource(CASES), 'rebuild it: node -r ts-node/register/transpile-only scripts/build-aarch64-cases.ts');
});

test(`${CASES.length} instruction cases match qemu-aarch64 register for register`, async (t) => {
  const qemu = execFileSync('qemu-aarch64', ['-cpu', 'cortex-a57', elf], { maxBuffer: 64 << 20, env: {} });
  const ours = Buffer.from((await runElf(elf, ['/t'])).stdout, 'latin1');
  t.is(qemu.length, CASES.length * DUMP_BYTES, 'qemu ran every case');
  const bad: string[] = [];
  CASES.forEach((c: DiffCase, i: number) => {
    const a = qemu.subarray(i * DUMP_BYTES, (i + 1) * DUMP_BYTES), b = ours.subarray(i * DUMP_BYTES, (i + 1) * DUMP_BYTES);
    if (!a.equals(b)) bad.push(`#${i} ${c.asm}${c.fpcr ? ` (fpcr ${c.fpcr.toString(16)})` : ''}: ${b.length < DUMP_BYTES ? 'missing output' : describeDump(a, b)}`);
  });
  t.deepEqual(bad, []);
});
