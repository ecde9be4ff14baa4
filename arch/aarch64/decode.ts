/**
 * Decode cache: one Int32Array per 4 KiB code frame, one 4-int slot per 4-byte instruction,
 * filled lazily (a zero slot is undecoded) the first time the interpreter reaches it. A write into
 * a frame (Memory.onCodeWrite), ISB / IC IVAU or a change of breakpoints clears slots back to
 * zero, so a core never needs to drop the array it is running from.
 *
 * Slot layout (PERF.md technique 1):
 *   [0] op: index into {@link HANDLERS} (OP_ILLEGAL for unallocated encodings, OP_BKPT for a
 *       debugger breakpoint)
 *   [1], [2] whatever the row's prepare step cached (e.g. the decoded bitmask immediate)
 *   [3] the instruction word
 */
import { decodeCacheOf as sharedCacheOf, type DecodeCache } from '../common/decode-cache';
import type { Memory } from '../common/memory';

export type { DecodeCache };
import { decodeRow, ROWS, type Row } from './encodings';
import * as branch from './exec/branch';
import * as dpimm from './exec/dpimm';
import * as dpreg from './exec/dpreg';
import * as fp from './exec/fp';
import * as ldst from './exec/ldst';
import * as simd from './exec/simd';
import * as system from './exec/system';
import { fastForm, FIRST_ROW_OP } from './fast';
import { Ret, type Handler, type Prepare } from './state';

export const SLOT_INTS = 4;
export const FRAME_INTS = (4096 / 4) * SLOT_INTS;

export const OP_UNDECODED = 0, OP_ILLEGAL = 1, OP_BKPT = 2, OP_FIRST_ROW = FIRST_ROW_OP;

const GROUPS = [dpimm, dpreg, branch, system, ldst, fp, simd];
const ALL_HANDLERS: Record<string, Handler> = Object.assign({}, ...GROUPS.map((g) => g.handlers));
const ALL_PREPARE: Record<string, Prepare> = Object.assign({}, ...GROUPS.map((g) => g.prepare));

const illegal: Handler = () => Ret.ILLEGAL;

/** Handler per op id: [undecoded, illegal, breakpoint, ...one per encoding row]. */
export const HANDLERS: readonly Handler[] = [...new Array<Handler>(FIRST_ROW_OP).fill(illegal), ...ROWS.map((row) => {
  const h = ALL_HANDLERS[row.exec];
  if (!h) throw new Error(`aarch64: no handler ${row.exec} for ${row.name}`);
  return h;
})];
const PREPARE: ReadonlyArray<Prepare | undefined> = [...new Array<undefined>(FIRST_ROW_OP).fill(undefined), ...ROWS.map((row) => ALL_PREPARE[row.exec])];
const OP_OF = new Map<Row, number>(ROWS.map((row, i) => [row, OP_FIRST_ROW + i]));

/** Op id of the row `name` (the run loop's inlined fast paths compare against these). */
export function opOf(name: string): number {
  const row = ROWS.find((r) => r.name === name);
  if (!row) throw new Error(`no row ${name}`);
  return OP_OF.get(row)!;
}

/** Fills slot `s` (int index) of `d` from instruction word `w`; returns the op. `fast` = false keeps table ops (tests). */
export function decodeInto(d: Int32Array, s: number, w: number, fast = true): number {
  const row = decodeRow(w);
  let op = OP_ILLEGAL;
  if (row) {
    op = OP_OF.get(row)!;
    const prep = PREPARE[op];
    if (prep && !prep(w, d, s)) op = OP_ILLEGAL;
    else if (fast) { const f = fastForm(row, w, d, s); if (f) op = f; }
  }
  d[s] = op;
  d[s + 3] = w;
  return op;
}

/** This arch's decode cache of `mem`: one slot of SLOT_INTS ints per 4-byte instruction granule. */
export function decodeCacheOf(mem: Memory): DecodeCache {
  return sharedCacheOf(mem, 4, SLOT_INTS);
}
