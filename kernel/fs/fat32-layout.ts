/**
 * FAT32 on-disk structures (Microsoft "FAT: General Overview of On-Disk Format" v1.03, 2000 —
 * "fatgen103"): boot sector / BPB (§3.1, §3.3), FSInfo (§5), directory entries (§6) and VFAT
 * long-name entries (§7), declared with buffer-layout, plus the codecs shared by the volume
 * (fat32.ts), its directories (fat32-dir.ts) and the image builder (fat32-build.ts): timestamps,
 * 8.3 names with numeric tails, VFAT long-name slots and long-name validity.
 */
import { E, SysError } from '../errno';

/** A malformed image or a failed device access; the guest sees EIO, as Linux reports FAT errors. */
export class FatError extends SysError {
  constructor(message: string) { super(E.EIO, `fat32: ${message}`); this.name = 'FatError'; }
}

// buffer-layout ships no typings; this is the subset we use.
interface Layout<T> {
  readonly span: number;
  decode(b: Buffer, offset?: number): T;
  encode(src: T, b: Buffer, offset?: number): number;
}
interface BufferLayoutModule {
  struct<T>(fields: Array<Layout<unknown>>, property?: string): Layout<T>;
  u8(property?: string): Layout<number>;
  u16(property?: string): Layout<number>;
  u32(property?: string): Layout<number>;
  blob(length: number, property?: string): Layout<Buffer>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BL = require('buffer-layout') as BufferLayoutModule;

/** Boot sector through BS_FilSysType (fatgen103 §3.1 + §3.3 FAT32 extension). 90 bytes. */
export interface BootSector {
  jmpBoot: Buffer; oemName: Buffer;
  bytesPerSector: number; sectorsPerCluster: number; reservedSectors: number; numFats: number;
  rootEntries: number; totalSectors16: number; media: number; fatSize16: number;
  sectorsPerTrack: number; numHeads: number; hiddenSectors: number; totalSectors32: number;
  fatSize32: number; extFlags: number; fsVersion: number; rootCluster: number;
  fsInfoSector: number; backupBootSector: number; reserved: Buffer;
  driveNumber: number; reserved1: number; bootSig: number; volumeId: number;
  volumeLabel: Buffer; fsType: Buffer;
}
export const bootSectorLayout = BL.struct<BootSector>([
  BL.blob(3, 'jmpBoot'), BL.blob(8, 'oemName'),
  BL.u16('bytesPerSector'), BL.u8('sectorsPerCluster'), BL.u16('reservedSectors'), BL.u8('numFats'),
  BL.u16('rootEntries'), BL.u16('totalSectors16'), BL.u8('media'), BL.u16('fatSize16'),
  BL.u16('sectorsPerTrack'), BL.u16('numHeads'), BL.u32('hiddenSectors'), BL.u32('totalSectors32'),
  BL.u32('fatSize32'), BL.u16('extFlags'), BL.u16('fsVersion'), BL.u32('rootCluster'),
  BL.u16('fsInfoSector'), BL.u16('backupBootSector'), BL.blob(12, 'reserved'),
  BL.u8('driveNumber'), BL.u8('reserved1'), BL.u8('bootSig'), BL.u32('volumeId'),
  BL.blob(11, 'volumeLabel'), BL.blob(8, 'fsType'),
]);
/** Offset of the 0x55 0xAA signature in the boot sector (and FSInfo trail, §3.1). */
export const BOOT_SIGNATURE_OFFSET = 510;

/** FSInfo sector (fatgen103 §5). 512 bytes. */
export interface FsInfo {
  leadSig: number; reserved1: Buffer; structSig: number; freeCount: number; nextFree: number;
  reserved2: Buffer; trailSig: number;
}
export const fsInfoLayout = BL.struct<FsInfo>([
  BL.u32('leadSig'), BL.blob(480, 'reserved1'), BL.u32('structSig'), BL.u32('freeCount'),
  BL.u32('nextFree'), BL.blob(12, 'reserved2'), BL.u32('trailSig'),
]);
export const FSINFO_LEAD_SIG = 0x41615252;
export const FSINFO_STRUCT_SIG = 0x61417272;
export const FSINFO_TRAIL_SIG = 0xaa550000;
export const FSINFO_UNKNOWN = 0xffffffff;

/** 32-byte short directory entry (fatgen103 §6). */
export interface DirEntry {
  name: Buffer; attr: number; ntRes: number; crtTimeTenth: number; crtTime: number; crtDate: number;
  lstAccDate: number; fstClusHi: number; wrtTime: number; wrtDate: number; fstClusLo: number; fileSize: number;
}
export const dirEntryLayout = BL.struct<DirEntry>([
  BL.blob(11, 'name'), BL.u8('attr'), BL.u8('ntRes'), BL.u8('crtTimeTenth'), BL.u16('crtTime'),
  BL.u16('crtDate'), BL.u16('lstAccDate'), BL.u16('fstClusHi'), BL.u16('wrtTime'), BL.u16('wrtDate'),
  BL.u16('fstClusLo'), BL.u32('fileSize'),
]);

/** 32-byte VFAT long-name entry (fatgen103 §7): 13 UTF-16 units in three pieces. */
export interface LfnEntry {
  ord: number; name1: Buffer; attr: number; type: number; chksum: number; name2: Buffer; fstClusLo: number; name3: Buffer;
}
export const lfnEntryLayout = BL.struct<LfnEntry>([
  BL.u8('ord'), BL.blob(10, 'name1'), BL.u8('attr'), BL.u8('type'), BL.u8('chksum'),
  BL.blob(12, 'name2'), BL.u16('fstClusLo'), BL.blob(4, 'name3'),
]);

export const DIR_ENTRY_SIZE = 32;
/** fatgen103 §6: a directory holds at most 65536 entries. */
export const MAX_DIR_SLOTS = 65536;
/** Block devices address 512-byte sectors (virtio-blk's unit), whatever BPB_BytsPerSec says. */
export const DEVICE_SECTOR = 512;
export const ATTR = { READ_ONLY: 0x01, HIDDEN: 0x02, SYSTEM: 0x04, VOLUME_ID: 0x08, DIRECTORY: 0x10, ARCHIVE: 0x20, LONG_NAME: 0x0f } as const;
/** DIR_NTRes bits (Windows NT): base / extension stored upper-case but shown lower-case. */
export const NTRES_LOWER_BASE = 0x08;
export const NTRES_LOWER_EXT = 0x10;
export const LFN_LAST = 0x40;
export const LFN_CHARS = 13;
export const LFN_MAX_ENTRIES = 20; // 255 characters
export const ENTRY_END = 0x00;
export const ENTRY_DELETED = 0xe5;
/** FAT32 entries are 28 bits (§4). */
export const FAT_MASK = 0x0fffffff;
export const FAT_BAD = 0x0ffffff7;
export const FAT_EOC_MIN = 0x0ffffff8;
export const FAT_EOC = 0x0fffffff;
/** Fewest clusters a volume may have to be FAT32 by the spec (§3.5); fsck.fat checks it too. */
export const FAT32_MIN_CLUSTERS = 65525;

/** §7.2 short-name checksum over the 11 name bytes. */
export function lfnChecksum(name11: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + name11[i]!) & 0xff;
  return sum;
}

/** Offsets of the 13 UTF-16 units inside an LFN entry. */
export const LFN_CHAR_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;

/** FAT timestamps span 1980-01-01 00:00:00 to 2107-12-31 23:59:58 (§6.1); Linux clamps to them. */
const FAT_TIME_MIN_MS = Date.UTC(1980, 0, 1);
const FAT_TIME_MAX_MS = Date.UTC(2107, 11, 31, 23, 59, 58);
const clampFatMs = (ms: number): number => Math.min(Math.max(ms, FAT_TIME_MIN_MS), FAT_TIME_MAX_MS);

/** FAT date/time (§6.1) <-> milliseconds since the epoch, taking FAT local time as UTC. */
export function fatTimeToMs(date: number, time: number, tenth = 0): number {
  if (date === 0) return FAT_TIME_MIN_MS;
  const day = date & 31, month = (date >> 5) & 15, year = 1980 + (date >> 9);
  const sec = (time & 31) * 2, min = (time >> 5) & 63, hour = time >> 11;
  return Date.UTC(year, Math.max(month, 1) - 1, Math.max(day, 1), hour, min, sec) + tenth * 10;
}
export function msToFatDate(ms: number): number {
  const d = new Date(clampFatMs(ms));
  return ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
}
export function msToFatTime(ms: number): number {
  const d = new Date(clampFatMs(ms));
  return (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
}
/** DIR_CrtTimeTenth: the 10 ms units (0-199) the 2-second DIR_CrtTime leaves out. */
function msToFatTenth(ms: number): number {
  const c = clampFatMs(ms);
  return Math.floor((c % 2000) / 10);
}

/** Characters allowed in a short name besides A-Z and 0-9 (§6.1). */
const SHORT_EXTRA = "!#$%&'()-@^_`{}~";
export function isShortChar(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || SHORT_EXTRA.includes(c);
}

/** "NAME.EXT" -> 11 padded bytes, or null when `s` is not a valid upper-case 8.3 name. */
export function encodeShortName(s: string): Uint8Array | null {
  const dot = s.lastIndexOf('.');
  const base = dot < 0 ? s : s.slice(0, dot);
  const ext = dot < 0 ? '' : s.slice(dot + 1);
  if (base.length < 1 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return null;
  if (![...base, ...ext].every(isShortChar)) return null;
  const out = new Uint8Array(11).fill(0x20);
  for (let i = 0; i < base.length; i++) out[i] = base.charCodeAt(i);
  for (let i = 0; i < ext.length; i++) out[8 + i] = ext.charCodeAt(i);
  return out;
}

/** 11 name bytes + DIR_NTRes -> display name ("hello.txt", "README", "A~1.B"). Bytes >= 0x80
 *  are taken as Latin-1 (the OEM code page is not modelled). */
export function decodeShortName(name11: Uint8Array, ntRes: number): string {
  let base = '';
  let ext = '';
  for (let i = 0; i < 8; i++) base += String.fromCharCode(i === 0 && name11[0] === 0x05 ? 0xe5 : name11[i]!);
  for (let i = 8; i < 11; i++) ext += String.fromCharCode(name11[i]!);
  base = base.replace(/ +$/, '');
  ext = ext.replace(/ +$/, '');
  if (ntRes & NTRES_LOWER_BASE) base = base.toLowerCase();
  if (ntRes & NTRES_LOWER_EXT) ext = ext.toLowerCase();
  return ext.length > 0 ? `${base}.${ext}` : base;
}

/**
 * Case folding for name lookups: ASCII only, as Linux vfat with its default `utf8` I/O charset
 * compares names (nls_utf8 folds no other characters), so "é" and "É" are different names.
 */
export function foldName(name: string): string {
  return name.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** Characters a VFAT long name cannot hold (Linux vfat_bad_char: controls and `*?<>|":/\`). */
// eslint-disable-next-line no-control-regex
export const BAD_LONG_NAME_CHAR = /[\x00-\x1f"*/:<>?\\|]/;

/** 11 bytes "NAME    EXT" of the display form "NAME.EXT" (an 8.3 name already valid). */
function shortNameBytes(display: string): Uint8Array {
  const out = encodeShortName(display);
  if (out === null) throw new Error(`not an 8.3 name: ${display}`);
  return out;
}

/**
 * The short name for long name `long` (Windows' "basis name + numeric tail", simplified: ASCII
 * only, other characters become '_'), picking one `isUsed` rejects, and whether a long name is
 * needed — Linux's `shortname=mixed` default: none only for a name that is already an upper-case
 * 8.3 name. Null when every tail up to ~999999 is taken.
 */
export function shortNameFor(long: string, isUsed: (display: string) => boolean): { short: Uint8Array; display: string; lfn: boolean } | null {
  const exact = encodeShortName(long);
  if (exact !== null && !isUsed(long)) return { short: exact, display: long, lfn: false };
  const upper = long.toUpperCase();
  const asUpper = encodeShortName(upper);
  if (asUpper !== null && !isUsed(upper)) return { short: asUpper, display: upper, lfn: true };
  const clean = (s: string): string => [...s.toUpperCase()].filter((c) => c !== ' ' && c !== '.').map((c) => (isShortChar(c) ? c : '_')).join('');
  const stripped = long.replace(/^[. ]+/, '');
  const dot = stripped.lastIndexOf('.');
  const base = clean(dot < 0 ? stripped : stripped.slice(0, dot)).slice(0, 8) || '_';
  const ext = dot < 0 ? '' : clean(stripped.slice(dot + 1)).slice(0, 3);
  for (let n = 1; n < 1_000_000; n++) {
    const tail = `~${n}`;
    const cand = base.slice(0, 8 - tail.length) + tail + (ext ? `.${ext}` : '');
    if (!isUsed(cand)) return { short: shortNameBytes(cand), display: cand, lfn: true };
  }
  return null;
}

/** Number of VFAT slots a long name of `length` UTF-16 units takes. */
export const lfnSlotCount = (length: number): number => Math.ceil(length / LFN_CHARS);

/** The VFAT slots of `long` in on-disk order (last part first, §7), each carrying checksum `sum`. */
export function lfnSlots(long: string, sum: number): Uint8Array[] {
  const n = lfnSlotCount(long.length);
  const out: Uint8Array[] = [];
  for (let k = n; k >= 1; k--) {
    const e = new Uint8Array(DIR_ENTRY_SIZE);
    const dv = new DataView(e.buffer);
    e[0] = k | (k === n ? LFN_LAST : 0);
    e[11] = ATTR.LONG_NAME;
    e[13] = sum;
    LFN_CHAR_OFFSETS.forEach((off, j) => {
      const idx = (k - 1) * LFN_CHARS + j;
      dv.setUint16(off, idx < long.length ? long.charCodeAt(idx) : idx === long.length ? 0 : 0xffff, true);
    });
    out.push(e);
  }
  return out;
}

/** A short directory entry with every timestamp set to `ms` (creation, write and access date). */
export function shortEntry(name11: Uint8Array, attr: number, first: number, size: number, ms: number): Uint8Array {
  const e = Buffer.alloc(DIR_ENTRY_SIZE);
  const date = msToFatDate(ms), time = msToFatTime(ms);
  dirEntryLayout.encode({
    name: Buffer.from(name11), attr, ntRes: 0, crtTimeTenth: msToFatTenth(ms), crtTime: time, crtDate: date, lstAccDate: date,
    fstClusHi: first >>> 16, wrtTime: time, wrtDate: date, fstClusLo: first & 0xffff, fileSize: size,
  }, e, 0);
  return new Uint8Array(e.buffer, e.byteOffset, DIR_ENTRY_SIZE);
}
