/**
 * What both lockstep references (scripts/diff/lockstep.ts: qemu's gdb stub; lockstep-trace.ts:
 * qemu's execution trace) share: options, the result and divergence report, and their printing.
 */
import type { LaunchOptions } from './launch';
import { leValue } from './side';

/** Full FP comparison interval (steps) on top of the per-FP-instruction reads. */
export const FULL_CHECK_EVERY = 4096;

export type Reference = 'trace' | 'gdb';

export interface LockstepOptions extends LaunchOptions {
  maxSteps: number;
  /** Stop (without failing) after this many seconds of stepping. */
  maxSeconds?: number;
  progress: (line: string) => void;
  /** Progress interval, ms. */
  progressMs?: number;
  /**
   * What runlinuxd is compared with: `trace` (default) = qemu's `-d cpu` execution trace, qemu
   * running free between syscalls; `gdb` = qemu single-stepped through its gdb stub (slower).
   */
  reference?: Reference;
  /** trace reference: steps sent to runlinuxd in one write (default 64). */
  batch?: number;
}

export interface Divergence {
  step: number;
  pc: bigint;
  insn: string;
  disasm: string;
  what: string;
  regs: { name: string; qemu: string; ours: string }[];
  recent: string[];
}

export interface LockstepResult {
  ok: boolean;
  reference: Reference;
  steps: number;
  seconds: number;
  rate: number;
  divergence: Divergence | null;
  exit: { qemu: string; ours: string } | null;
  stdoutEqual: boolean | null;
  resynced: Record<string, number>;
  notes: string[];
}

export const hex = (b: Buffer | null): string => (b ? '0x' + leValue(b).toString(16).padStart(b.length * 2, '0') : '(none)');

/** Instruction word and disassembly for a report. */
export function describeInsn(classifyLen: number, disasm: (w: number, pc: bigint) => string, b: Buffer, pc: bigint): { insn: string; dis: string } {
  const w = classifyLen === 2 ? b.readUInt16LE(0) : b.readUInt32LE(0);
  let dis: string;
  try { dis = disasm(w, pc); } catch (e) { dis = `(disasm failed: ${(e as Error).message})`; }
  return { insn: '0x' + w.toString(16).padStart(classifyLen * 2, '0'), dis };
}

export function formatDivergence(d: Divergence): string {
  const lines = [
    `DIVERGENCE at step ${d.step}: ${d.what}`,
    `  pc 0x${d.pc.toString(16)}  insn ${d.insn}  ${d.disasm}`,
    ...d.regs.map((r) => `  ${r.name.padEnd(8)} qemu ${r.qemu}  ours ${r.ours}`),
    '  last instructions:',
    ...d.recent.map((l) => '    ' + l),
  ];
  return lines.join('\n');
}
