/**
 * One FAT32 directory (fatgen103 §6; VFAT long names §7), cached whole and written through. The
 * slots live in `raw` exactly as on disk; `list` indexes the live entries in on-disk order and
 * `find` answers lookups by long or short name, case-insensitively as Linux vfat does. Changes
 * mark the slots they touch dirty and `flush()` writes the covering sectors, one device write per
 * run of contiguous clusters, so a change inside one run reaches the disk in a single write.
 *
 * Invariant kept for every directory written: all slots after the first end marker (0x00) are
 * free, so entries are only ever appended at the end marker and nothing stale behind it surfaces.
 */
import { E, SysError } from '../errno';
import type { Fat32 } from './fat32';
import {
  ATTR, decodeShortName, DEVICE_SECTOR, DIR_ENTRY_SIZE, ENTRY_DELETED, ENTRY_END, FatError, fatTimeToMs, foldName,
  LFN_CHAR_OFFSETS, LFN_LAST, LFN_MAX_ENTRIES, lfnChecksum, lfnSlots, MAX_DIR_SLOTS, msToFatDate, msToFatTime,
  shortNameFor,
} from './fat32-layout';

/** A live entry of a directory. Immutable: renaming makes a new one. */
export interface FatSlot {
  /** Long name when present and valid, else the 8.3 name with NT case flags applied. */
  readonly name: string;
  /** 8.3 name as stored, in display form ("HELLO~1.TXT", NT case flags applied). */
  readonly shortName: string;
  /** Slot index of the short entry. */
  readonly index: number;
  /** Number of VFAT slots right before it. */
  readonly lfnSlots: number;
}

/** The slots a new name takes: its unique short name and its VFAT slots (none for an 8.3 name). */
export interface NamePlan { readonly short: Uint8Array; readonly display: string; readonly lfn: Uint8Array[] }

/** Fields of a short entry that operations change; times in ms since the epoch. */
export interface EntryPatch { first?: number; size?: number; attr?: number; mtimeMs?: number; atimeMs?: number }

const DOTDOT = Uint8Array.from('..         ', (c) => c.charCodeAt(0));

// The fields of a short entry at byte `o` (fatgen103 §6), shared by FatDir and LooseEntry.
const attrAt = (raw: Uint8Array, o: number): number => raw[o + 11]!;
const firstAt = (dv: DataView, o: number): number => ((dv.getUint16(o + 20, true) << 16) | dv.getUint16(o + 26, true)) >>> 0;
const sizeAt = (raw: Uint8Array, dv: DataView, o: number): number => (attrAt(raw, o) & ATTR.DIRECTORY ? 0 : dv.getUint32(o + 28, true));
const mtimeAt = (dv: DataView, o: number): number => fatTimeToMs(dv.getUint16(o + 24, true), dv.getUint16(o + 22, true));
const atimeAt = (dv: DataView, o: number): number => fatTimeToMs(dv.getUint16(o + 18, true), 0);
function patchAt(raw: Uint8Array, dv: DataView, o: number, p: EntryPatch): void {
  if (p.attr !== undefined) raw[o + 11] = p.attr;
  if (p.first !== undefined) { dv.setUint16(o + 20, p.first >>> 16, true); dv.setUint16(o + 26, p.first & 0xffff, true); }
  if (p.size !== undefined) dv.setUint32(o + 28, p.size, true);
  if (p.mtimeMs !== undefined) { dv.setUint16(o + 22, msToFatTime(p.mtimeMs), true); dv.setUint16(o + 24, msToFatDate(p.mtimeMs), true); }
  if (p.atimeMs !== undefined) dv.setUint16(o + 18, msToFatDate(p.atimeMs), true);
}

/**
 * A short entry kept in memory only: the metadata of a file whose directory entry went (unlink,
 * renamed over) while it was still open, with the field resolution the disk would give it. Its
 * cluster chain stays allocated in the FAT, referenced by no entry, until the file is freed.
 */
export class LooseEntry {
  private readonly raw: Uint8Array;
  private readonly dv: DataView;

  /** `entry`: the 32 bytes of the short entry (copied). */
  constructor(entry: Uint8Array) {
    this.raw = entry.slice(0, DIR_ENTRY_SIZE);
    this.dv = new DataView(this.raw.buffer);
  }

  attr(): number { return attrAt(this.raw, 0); }
  firstCluster(): number { return firstAt(this.dv, 0); }
  size(): number { return sizeAt(this.raw, this.dv, 0); }
  mtimeMs(): number { return mtimeAt(this.dv, 0); }
  atimeMs(): number { return atimeAt(this.dv, 0); }
  patch(p: EntryPatch): void { patchAt(this.raw, this.dv, 0, p); }
}

export class FatDir {
  private raw: Uint8Array;
  private dv: DataView;
  private readonly entries: FatSlot[] = [];
  private readonly byName = new Map<string, FatSlot>();
  /** Short names in use, upper-case display form, for numeric-tail generation. */
  private readonly shortNames = new Set<string>();
  /** Index of the first end-of-directory slot, or the slot count when there is none. */
  private end = 0;
  /** Live entries that `list` leaves out (unusable names), so the directory is not empty. */
  private hidden = 0;
  private subdirCount = 0;
  private dirtyLo = Infinity;
  private dirtyHi = -1;

  /** `what` names the directory in error messages. */
  constructor(private readonly vol: Fat32, readonly first: number, private chainArr: Uint32Array, raw: Uint8Array, private readonly what: string) {
    this.raw = raw;
    this.dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    this.parse();
  }

  get chain(): Uint32Array { return this.chainArr; }
  private get slotCount(): number { return this.raw.length / DIR_ENTRY_SIZE; }

  private parse(): void {
    const raw = this.raw;
    let lfn: string[] | null = null;
    let lfnSum = 0;
    let lfnNext = 0;
    let lfnCount = 0;
    this.end = this.slotCount;
    for (let i = 0; i < this.slotCount; i++) {
      const o = i * DIR_ENTRY_SIZE;
      const b0 = raw[o]!;
      if (b0 === ENTRY_END) { this.end = i; break; }
      if (b0 === ENTRY_DELETED) { lfn = null; continue; }
      const attr = raw[o + 11]!;
      if ((attr & 0x3f) === ATTR.LONG_NAME) {
        const seq = b0 & 0x1f;
        const sum = raw[o + 13]!;
        if (b0 & LFN_LAST) {
          if (seq === 0 || seq > LFN_MAX_ENTRIES) { lfn = null; continue; }
          lfn = new Array<string>(seq).fill('');
          lfnSum = sum;
          lfnCount = seq;
        } else if (lfn === null || seq !== lfnNext || sum !== lfnSum || seq === 0) {
          lfn = null; // orphan
          continue;
        }
        let part = '';
        for (const co of LFN_CHAR_OFFSETS) {
          const u = this.dv.getUint16(o + co, true);
          if (u === 0) break;
          part += String.fromCharCode(u);
        }
        lfn[seq - 1] = part;
        lfnNext = seq - 1;
        continue;
      }
      if (attr & ATTR.VOLUME_ID) { lfn = null; continue; }
      const name11 = raw.subarray(o, o + 11);
      const shortName = decodeShortName(name11, raw[o + 12]!);
      let name = shortName;
      let lfnSlotsHere = 0;
      if (lfn !== null && lfnNext === 0 && lfnChecksum(name11) === lfnSum) {
        name = lfn.join('');
        lfnSlotsHere = lfnCount;
      }
      lfn = null;
      if (b0 === 0x2e && (shortName === '.' || shortName === '..')) continue;
      this.shortNames.add(decodeShortName(name11, 0));
      if (name.length === 0 || name.includes('/')) { this.hidden++; continue; }
      this.insert({ name, shortName, index: i, lfnSlots: lfnSlotsHere });
    }
  }

  private insert(s: FatSlot): void {
    let lo = this.entries.length;
    if (lo > 0 && this.entries[lo - 1]!.index > s.index) {
      lo = 0;
      let hi = this.entries.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (this.entries[mid]!.index < s.index) lo = mid + 1; else hi = mid; }
    }
    this.entries.splice(lo, 0, s);
    for (const k of [foldName(s.name), foldName(s.shortName)]) if (!this.byName.has(k)) this.byName.set(k, s);
    if (this.isDir(s)) this.subdirCount++;
  }

  // ---------------------------------------------------------------- reading

  /** Live entries ('.' and '..' omitted) in on-disk order. */
  get list(): readonly FatSlot[] { return this.entries; }
  /** The entry whose long or short name is `name`, ignoring ASCII case. */
  find(name: string): FatSlot | undefined { return this.byName.get(foldName(name)); }
  /** No entries but '.' and '..' (Linux fat_dir_empty). */
  isEmpty(): boolean { return this.entries.length === 0 && this.hidden === 0; }
  /** Subdirectories listed (for nlink: 2 + subdirs, as Linux fat_subdirs counts). */
  get subdirs(): number { return this.subdirCount; }
  /** The clusters form one run, so any change reaches the disk in one write. */
  isContiguous(): boolean {
    const c = this.chainArr;
    return c.length === 0 || c[c.length - 1]! - c[0]! === c.length - 1;
  }

  private off(s: FatSlot): number { return s.index * DIR_ENTRY_SIZE; }
  attr(s: FatSlot): number { return attrAt(this.raw, this.off(s)); }
  isDir(s: FatSlot): boolean { return (this.attr(s) & ATTR.DIRECTORY) !== 0; }
  firstCluster(s: FatSlot): number { return firstAt(this.dv, this.off(s)); }
  size(s: FatSlot): number { return sizeAt(this.raw, this.dv, this.off(s)); }
  mtimeMs(s: FatSlot): number { return mtimeAt(this.dv, this.off(s)); }
  /** The access date (FAT keeps no access time of day). */
  atimeMs(s: FatSlot): number { return atimeAt(this.dv, this.off(s)); }
  crtimeMs(s: FatSlot): number {
    const o = this.off(s);
    return fatTimeToMs(this.dv.getUint16(o + 16, true), this.dv.getUint16(o + 14, true), Math.min(this.raw[o + 13]!, 199));
  }
  /** A copy of the 32-byte short entry. */
  entry(s: FatSlot): Uint8Array { return this.raw.slice(this.off(s), this.off(s) + DIR_ENTRY_SIZE); }

  // ---------------------------------------------------------------- changing

  /** The short name and VFAT slots `name` (already valid) would get here. */
  plan(name: string): NamePlan {
    const sn = shortNameFor(name, (d) => this.shortNames.has(d));
    if (sn === null) throw new SysError(E.ENOSPC, `${this.what}: no free short name for ${name}`);
    return { short: sn.short, display: sn.display, lfn: sn.lfn ? lfnSlots(name, lfnChecksum(sn.short)) : [] };
  }

  private isFree(i: number): boolean { return i >= this.end || this.raw[i * DIR_ENTRY_SIZE] === ENTRY_DELETED; }

  /** First index of `n` consecutive free slots, or -1. */
  private findRun(n: number): number {
    let run = 0;
    for (let i = 0; i < this.slotCount; i++) {
      if (i >= this.end) {
        const start = i - run;
        return this.slotCount - start >= n ? start : -1;
      }
      run = this.raw[i * DIR_ENTRY_SIZE] === ENTRY_DELETED ? run + 1 : 0;
      if (run === n) return i - n + 1;
    }
    return -1;
  }

  /** Clusters the directory must grow by to hold `plan`. */
  growthFor(plan: NamePlan): number {
    const n = plan.lfn.length + 1;
    if (this.findRun(n) >= 0) return 0;
    let tail = 0;
    while (tail < this.slotCount && this.isFree(this.slotCount - 1 - tail)) tail++;
    return Math.ceil((n - tail) * DIR_ENTRY_SIZE / this.vol.geometry.clusterSize);
  }

  /**
   * Grows the directory until `plan` fits (ENOSPC when the disk or the 65536-entry limit is
   * reached). The new clusters are zeroed on disk before the FAT links them, and committed.
   */
  reserve(plan: NamePlan): void {
    const grow = this.growthFor(plan);
    if (grow === 0) return;
    const cs = this.vol.geometry.clusterSize;
    if ((this.chainArr.length + grow) * cs / DIR_ENTRY_SIZE > MAX_DIR_SLOTS) throw new SysError(E.ENOSPC, `${this.what}: directory full`);
    const oldBytes = this.raw.length;
    const chain = this.vol.extendChain(this.chainArr, grow);
    this.vol.zeroChain(chain, oldBytes, chain.length * cs, `directory ${this.what}`);
    this.vol.commit();
    const raw = new Uint8Array(chain.length * cs);
    raw.set(this.raw); // the zeroed tail is free; `end` already points at or before it
    this.chainArr = chain;
    this.raw = raw;
    this.dv = new DataView(raw.buffer);
  }

  /**
   * Adds `name` (valid, not present) with the given short-entry fields (`entry`'s name bytes and
   * NT case flags are replaced by the plan's), growing the directory if needed. Not flushed.
   */
  add(name: string, plan: NamePlan, entry: Uint8Array): FatSlot {
    this.reserve(plan);
    const n = plan.lfn.length + 1;
    const at = this.findRun(n);
    if (at < 0) throw new FatError(`${this.what}: no room after growing the directory`);
    plan.lfn.forEach((e, k) => this.raw.set(e, (at + k) * DIR_ENTRY_SIZE));
    const o = (at + n - 1) * DIR_ENTRY_SIZE;
    this.raw.set(entry, o);
    this.raw.set(plan.short, o);
    this.raw[o + 12] = 0;
    let hi = at + n;
    if (at + n > this.end) {
      // Appended at the end marker: keep a marker right after, hiding whatever stale bytes follow.
      if (at + n < this.slotCount && this.raw[(at + n) * DIR_ENTRY_SIZE] !== ENTRY_END) {
        this.raw[(at + n) * DIR_ENTRY_SIZE] = ENTRY_END;
        hi++;
      }
      this.end = at + n;
    }
    this.markDirty(at, hi);
    const s: FatSlot = { name: plan.lfn.length > 0 ? name : plan.display, shortName: plan.display, index: at + n - 1, lfnSlots: n - 1 };
    this.shortNames.add(plan.display);
    this.insert(s);
    return s;
  }

  /** Marks `s` and its VFAT slots deleted. Not flushed. */
  remove(s: FatSlot): void {
    const k = this.entries.indexOf(s);
    if (k < 0) throw new FatError(`${this.what}: ${s.name} is not an entry of this directory`);
    const o = this.off(s);
    this.shortNames.delete(decodeShortName(this.raw.subarray(o, o + 11), 0));
    if (this.isDir(s)) this.subdirCount--;
    for (let i = s.index - s.lfnSlots; i <= s.index; i++) this.raw[i * DIR_ENTRY_SIZE] = ENTRY_DELETED;
    this.markDirty(s.index - s.lfnSlots, s.index + 1);
    this.entries.splice(k, 1);
    for (const key of [foldName(s.name), foldName(s.shortName)]) if (this.byName.get(key) === s) this.byName.delete(key);
  }

  /** Changes fields of `s`'s short entry. Not flushed. */
  patch(s: FatSlot, p: EntryPatch): void {
    const wasDir = this.isDir(s);
    patchAt(this.raw, this.dv, this.off(s), p);
    if (wasDir !== this.isDir(s)) this.subdirCount += wasDir ? -1 : 1;
    this.markDirty(s.index, s.index + 1);
  }

  /** Gives `s` another file's short-entry fields (`entry`), keeping its own name: rename over an
   *  existing target, as Linux vfat_rename reuses the target's slot. Not flushed. */
  overwrite(s: FatSlot, entry: Uint8Array): void {
    const o = this.off(s);
    const wasDir = this.isDir(s);
    this.raw[o + 11] = entry[11]!;
    this.raw.set(entry.subarray(13), o + 13);
    if (wasDir !== this.isDir(s)) this.subdirCount += wasDir ? -1 : 1;
    this.markDirty(s.index, s.index + 1);
  }

  /** Points this directory's '..' entry at `parentFirst` (0 when that is the root, fatgen103 §6). */
  setDotDot(parentFirst: number): void {
    const o = DIR_ENTRY_SIZE;
    if (this.slotCount < 2 || !DOTDOT.every((b, i) => this.raw[o + i] === b)) throw new FatError(`${this.what}: second entry is not '..'`);
    this.dv.setUint16(o + 20, parentFirst >>> 16, true);
    this.dv.setUint16(o + 26, parentFirst & 0xffff, true);
    this.markDirty(1, 2);
  }

  private markDirty(lo: number, hi: number): void {
    this.dirtyLo = Math.min(this.dirtyLo, lo);
    this.dirtyHi = Math.max(this.dirtyHi, hi);
  }

  /**
   * Writes the changed slots: one device write per run of contiguous clusters they span, in
   * ascending order — or descending, so that an added entry's short slot lands before its VFAT
   * slots (a crash in between leaves a valid short-named entry rather than an orphan long name).
   */
  flush(descending = false): void {
    if (this.dirtyHi < 0) return;
    const cs = this.vol.geometry.clusterSize;
    // Whole device sectors, straight from `raw`: no read-back needed.
    const from = Math.floor(this.dirtyLo * DIR_ENTRY_SIZE / DEVICE_SECTOR) * DEVICE_SECTOR;
    const to = Math.ceil(this.dirtyHi * DIR_ENTRY_SIZE / DEVICE_SECTOR) * DEVICE_SECTOR;
    const pieces: Array<{ disk: number; at: number; len: number }> = [];
    for (let at = from; at < to;) {
      const ci = Math.floor(at / cs);
      const inCluster = at - ci * cs;
      let len = Math.min(cs - inCluster, to - at);
      let cj = ci;
      while (at + len < to && this.chainArr[cj + 1] === this.chainArr[cj]! + 1) {
        cj++;
        len = Math.min((cj + 1) * cs - at, to - at);
      }
      pieces.push({ disk: this.vol.clusterOffset(this.chainArr[ci]!) + inCluster, at, len });
      at += len;
    }
    if (descending) pieces.reverse();
    for (const p of pieces) this.vol.writeBytes(p.disk, this.raw.subarray(p.at, p.at + p.len), `directory ${this.what}`);
    this.dirtyLo = Infinity;
    this.dirtyHi = -1;
  }
}
