/**
 * Mask/match decoders built from an arch's encoding table (QEMU decodetree's idea: the
 * instruction set is data). The builder refuses rows that can match the same word, unless both
 * carry the same `group` (then the row with more fixed bits wins, like decodetree's overlap
 * groups), and buckets rows by a few opcode bits so a lookup scans only its bucket.
 */

export interface MaskMatch {
  name: string;
  mask: number;
  /** Unsigned: the lookup compares `(w & mask) >>> 0` with it. */
  match: number;
  group?: string;
}

function popcount(m: number): number {
  let c = 0;
  for (m >>>= 0; m; m = (m & (m - 1)) >>> 0) c++;
  return c;
}

/**
 * @param bucketMask the instruction bits `bucketOf` reads
 * @param bucketOf the bucket of a word (a function of `bucketMask`'s bits only); a row that leaves
 *   some of those bits free goes into every bucket it can match
 */
export function buildDecoder<T extends MaskMatch>(
  rows: readonly T[], bucketMask: number, bucketOf: (w: number) => number,
): (w: number) => T | null {
  for (let i = 0; i < rows.length; i++) {
    const a = rows[i]!;
    if ((a.match & ~a.mask) !== 0) throw new Error(`${a.name}: match outside mask`);
    for (let j = i + 1; j < rows.length; j++) {
      const b = rows[j]!;
      if (((a.match ^ b.match) & a.mask & b.mask) !== 0) continue;
      if (a.group !== undefined && a.group === b.group && a.mask !== b.mask) continue;
      throw new Error(`encoding overlap: ${a.name} / ${b.name}`);
    }
  }
  const sorted = [...rows].sort((a, b) => popcount(b.mask) - popcount(a.mask));
  const buckets = new Map<number, T[]>();
  for (const row of sorted) {
    const free = (bucketMask & ~row.mask) >>> 0;
    for (let s = free; ; s = ((s - 1) & free) >>> 0) {
      const k = bucketOf(row.match | s);
      let list = buckets.get(k);
      if (!list) buckets.set(k, list = []);
      list.push(row);
      if (s === 0) break;
    }
  }
  return (w: number) => {
    const list = buckets.get(bucketOf(w));
    if (!list) return null;
    for (let i = 0; i < list.length; i++) {
      const row = list[i]!;
      if (((w & row.mask) >>> 0) === row.match) return row;
    }
    return null;
  };
}
