/**
 * Builds test/fixtures/aarch64/insn-cases (+ .s): the aarch64 instruction cases of
 * test/aarch64/_qemu-cases.ts as one static program that dumps registers after each case, run
 * by test/aarch64/qemu-diff.test.ts under qemu-aarch64 and under our core. Needs llvm-mc and
 * ld.lld-16; the built program is committed so tests need neither.
 */
import { writeFileSync } from 'node:fs';
import { buildDiffElf, CASES_ELF, CASES_SRC, diffSource } from '../test/aarch64/_qemu-diff';
import { CASES } from '../test/aarch64/_qemu-cases';

writeFileSync(CASES_SRC, diffSource(CASES));
buildDiffElf(CASES, CASES_ELF);
console.log(`wrote ${CASES_ELF} (${CASES.length} cases)`);
