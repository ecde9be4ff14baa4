/**
 * FAT32 on-disk structures (Microsoft "FAT: General Overview of On-Disk Format" v1.03, 2000 —
 * "fatgen103"): boot sector / BPB (§3.1, §3.3), FSInfo (§5), directory entries (§6) and VFAT
 * long-name entries (§7), declared with buffer-layout, plus the small codecs shared by the reader
 * (fat32.ts), the image builder (fat32-build.ts) and the future writer.
 */
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

/** FAT date/time (§6.1) <-> milliseconds since the epoch, taking FAT local time as UTC. */
export function fatTimeToMs(date: number, time: number, tenth = 0): number {
  if (date === 0) return Date.UTC(1980, 0, 1);
  const day = date & 31, month = (date >> 5) & 15, year = 1980 + (date >> 9);
  const sec = (time & 31) * 2, min = (time >> 5) & 63, hour = time >> 11;
  return Date.UTC(year, Math.max(month, 1) - 1, Math.max(day, 1), hour, min, sec) + tenth * 10;
}
export function msToFatDate(ms: number): number {
  const d = new Date(ms);
  const y = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  return ((y - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
}
export function msToFatTime(ms: number): number {
  const d = new Date(ms);
  return (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
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
