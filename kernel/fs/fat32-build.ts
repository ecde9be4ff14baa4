/**
 * FAT32 image builder: lays out a fresh volume holding the given files and directories, the
 * way `mkfs.fat -F 32` + `mcopy` would (fatgen103 layout; VFAT long names), deterministically.
 *
 * Layout: 32 reserved sectors (boot sector at 0, FSInfo at 1, backups at 6 and 7), two FATs,
 * root directory at cluster 2, then directories and files in contiguous cluster runs.
 *
 * Size: FAT32 needs >= 65525 clusters (fatgen103 §3.5; fsck.fat warns below it). With 512-byte
 * clusters that is 32 + 2*512 + 65525 = 66581 sectors (~32.5 MiB); rounded up to a whole MiB
 * (mtools wants the sector count to be a multiple of sectors-per-track = 32), the default and
 * minimum image is 33 MiB (34603008 bytes, 66512 clusters, 520-sector FATs). Larger contents
 * grow the image in 1 MiB steps. An explicit `sizeBytes` picks the cluster size as mkfs.fat
 * does (512 B up to 260 MiB, 4 KiB up to 8 GiB, 8 KiB to 16 GiB, 16 KiB to 32 GiB, then 32 KiB).
 */
import {
  ATTR, BAD_LONG_NAME_CHAR, BOOT_SIGNATURE_OFFSET, bootSectorLayout, DIR_ENTRY_SIZE, FAT32_MIN_CLUSTERS, FAT_EOC,
  FSINFO_LEAD_SIG, FSINFO_STRUCT_SIG, FSINFO_TRAIL_SIG, fsInfoLayout, isShortChar, lfnChecksum, lfnSlotCount, lfnSlots,
  foldName, shortEntry, shortNameFor,
} from './fat32-layout';

export interface BuildEntry { path: string; data?: Uint8Array; dir?: boolean }
export interface BuildOptions {
  /** Image size in bytes, a multiple of 16 KiB (32 sectors); default: the smallest that fits. */
  sizeBytes?: number;
  /** Volume label, up to 11 characters of the 8.3 alphabet (upper-cased). */
  label?: string;
  entries: BuildEntry[];
  /** Timestamp for every entry (default 2024-01-01T00:00:00Z, for reproducible images). */
  time?: Date;
  /** Volume serial number (default 0x52554e4c, "RUNL"). */
  volumeId?: number;
}

export class FatBuildError extends Error {
  constructor(message: string) { super(`fat32-build: ${message}`); this.name = 'FatBuildError'; }
}

const SECTOR = 512;
const RESERVED = 32;
const NUM_FATS = 2;
const TRACK = 32; // sectors per track (CHS geometry 64 heads x 32 sectors, as mkfs.fat)
const MIB_SECTORS = 2048;

interface FileNode { kind: 'file'; name: string; data: Uint8Array; first: number; clusters: number }
interface DirNode {
  kind: 'dir'; name: string; children: Map<string, TreeNode>; order: TreeNode[]; parent: DirNode | null;
  first: number; clusters: number; slots: Uint8Array[];
}
type TreeNode = FileNode | DirNode;

function checkName(name: string, path: string): void {
  if (name === '.' || name === '..') throw new FatBuildError(`${path}: '.' and '..' are not names`);
  if (name.length > 255) throw new FatBuildError(`${path}: name longer than 255 characters`);
  if (BAD_LONG_NAME_CHAR.test(name)) throw new FatBuildError(`${path}: name contains a character FAT cannot store`);
  if (/[. ]$/.test(name)) throw new FatBuildError(`${path}: name ends with '.' or ' ', which VFAT drops`);
}

/** Geometry for `total` sectors with `spc` sectors per cluster: smallest FAT that maps every cluster. */
function geometry(total: number, spc: number): { fatSectors: number; clusters: number } {
  const clustersWith = (f: number): number => Math.floor((total - RESERVED - NUM_FATS * f) / spc);
  const fits = (f: number): boolean => Math.ceil((clustersWith(f) + 2) * 4 / SECTOR) <= f;
  let fatSectors = 1;
  while (!fits(fatSectors)) fatSectors = Math.ceil((clustersWith(fatSectors) + 2) * 4 / SECTOR);
  while (fatSectors > 1 && fits(fatSectors - 1)) fatSectors--; // the jump above may overshoot
  return { fatSectors, clusters: clustersWith(fatSectors) };
}

function clusterSectorsFor(bytes: number): number {
  const MiB = 1024 * 1024;
  if (bytes <= 260 * MiB) return 1;
  if (bytes <= 8192 * MiB) return 8;
  if (bytes <= 16384 * MiB) return 16;
  if (bytes <= 32768 * MiB) return 32;
  return 64;
}

/** Builds a complete FAT32 image. Paths are absolute ("/sbin/hello"); parents are implied. */
export function buildFat32Image(opts: BuildOptions): Uint8Array {
  const ms = (opts.time ?? new Date(Date.UTC(2024, 0, 1))).getTime();
  const root: DirNode = { kind: 'dir', name: '', children: new Map(), order: [], parent: null, first: 0, clusters: 0, slots: [] };
  const label = (opts.label ?? '').toUpperCase();
  if (label.length > 11 || ![...label].every((c) => c === ' ' || isShortChar(c))) {
    throw new FatBuildError(`label ${JSON.stringify(opts.label)}: at most 11 characters of A-Z 0-9 ${"!#$%&'()-@^_`{}~"} and space`);
  }

  // 1. Tree.
  for (const ent of opts.entries) {
    const parts = ent.path.split('/').filter((p) => p !== '');
    if (parts.length === 0) throw new FatBuildError(`${JSON.stringify(ent.path)}: empty path`);
    let dir = root;
    parts.forEach((name, i) => {
      checkName(name, ent.path);
      const last = i === parts.length - 1;
      const key = foldName(name);
      const existing = dir.children.get(key);
      if (last && !ent.dir) {
        if (existing !== undefined) throw new FatBuildError(`${ent.path}: already exists (names are case-insensitive)`);
        const f: FileNode = { kind: 'file', name, data: ent.data ?? new Uint8Array(0), first: 0, clusters: 0 };
        if (f.data.length > 0xffffffff) throw new FatBuildError(`${ent.path}: larger than 4 GiB - 1`);
        dir.children.set(key, f);
        dir.order.push(f);
        return;
      }
      if (existing !== undefined) {
        if (existing.kind !== 'dir') throw new FatBuildError(`${ent.path}: ${name} is a file`);
        dir = existing;
        return;
      }
      const d: DirNode = { kind: 'dir', name, children: new Map(), order: [], parent: dir, first: 0, clusters: 0, slots: [] };
      dir.children.set(key, d);
      dir.order.push(d);
      dir = d;
    });
  }

  // 2. Sizes. Directory slots need cluster numbers, so count first and fill in after allocation.
  const all: TreeNode[] = [];
  const walk = (d: DirNode): void => { all.push(d); for (const c of d.order) if (c.kind === 'dir') walk(c); else all.push(c); };
  walk(root);
  const names = new Map<TreeNode, { short: Uint8Array; lfn: boolean }>();
  const slotCount = new Map<DirNode, number>();
  for (const n of all) {
    if (n.kind !== 'dir') continue;
    const used = new Set<string>();
    let slots = n === root ? (label ? 1 : 0) : 2;
    for (const c of n.order) {
      const sn = shortNameFor(c.name, (s) => used.has(s));
      if (sn === null) throw new FatBuildError(`no free short name for ${c.name}`);
      used.add(sn.display);
      names.set(c, sn);
      slots += 1 + (sn.lfn ? lfnSlotCount(c.name.length) : 0);
    }
    slotCount.set(n, slots);
  }

  // 3. Geometry.
  let spc: number;
  let total: number;
  const neededWith = (cs: number): number =>
    all.reduce((s, n) => s + (n.kind === 'dir' ? Math.max(1, Math.ceil(slotCount.get(n)! * DIR_ENTRY_SIZE / cs)) : Math.ceil(n.data.length / cs)), 0);
  if (opts.sizeBytes !== undefined) {
    if (!Number.isInteger(opts.sizeBytes) || opts.sizeBytes <= 0 || opts.sizeBytes % (TRACK * SECTOR) !== 0) {
      throw new FatBuildError(`sizeBytes ${opts.sizeBytes} is not a positive multiple of ${TRACK * SECTOR}`);
    }
    total = opts.sizeBytes / SECTOR;
    spc = clusterSectorsFor(opts.sizeBytes);
  } else {
    spc = 1;
    const c = Math.max(FAT32_MIN_CLUSTERS, neededWith(SECTOR));
    total = RESERVED + NUM_FATS * Math.ceil((c + 2) * 4 / SECTOR) + c;
    total = Math.ceil(total / MIB_SECTORS) * MIB_SECTORS;
  }
  if (total > 0xffffffff) throw new FatBuildError(`image of ${total} sectors exceeds the 32-bit sector count`);
  const cs = spc * SECTOR;
  const { fatSectors, clusters } = geometry(total, spc);
  if (clusters < FAT32_MIN_CLUSTERS) {
    throw new FatBuildError(`${total * SECTOR} bytes gives ${clusters} clusters of ${cs} bytes; FAT32 needs at least ${FAT32_MIN_CLUSTERS}`);
  }
  const needed = neededWith(cs);
  if (needed > clusters) throw new FatBuildError(`contents need ${needed} clusters of ${cs} bytes but the volume has ${clusters}`);

  // 4. Allocation: root first (cluster 2), then the tree in walk order, each contiguous.
  let next = 2;
  for (const n of all) {
    n.clusters = n.kind === 'dir' ? Math.max(1, Math.ceil(slotCount.get(n)! * DIR_ENTRY_SIZE / cs)) : Math.ceil(n.data.length / cs);
    n.first = n.clusters > 0 ? next : 0;
    next += n.clusters;
  }

  // 5. Directory contents.
  for (const n of all) {
    if (n.kind !== 'dir') continue;
    const slots: Uint8Array[] = [];
    if (n === root) {
      if (label) slots.push(shortEntry(Uint8Array.from(label.padEnd(11, ' '), (c) => c.charCodeAt(0)), ATTR.VOLUME_ID, 0, 0, ms));
    } else {
      const dotName = (s: string): Uint8Array => Uint8Array.from(s.padEnd(11, ' '), (c) => c.charCodeAt(0));
      slots.push(shortEntry(dotName('.'), ATTR.DIRECTORY, n.first, 0, ms));
      slots.push(shortEntry(dotName('..'), ATTR.DIRECTORY, n.parent === root ? 0 : n.parent!.first, 0, ms));
    }
    for (const c of n.order) {
      const sn = names.get(c)!;
      if (sn.lfn) slots.push(...lfnSlots(c.name, lfnChecksum(sn.short)));
      slots.push(c.kind === 'dir'
        ? shortEntry(sn.short, ATTR.DIRECTORY, c.first, 0, ms)
        : shortEntry(sn.short, ATTR.ARCHIVE, c.first, c.data.length, ms));
    }
    n.slots = slots;
  }

  // 6. Write the image.
  const img = new Uint8Array(total * SECTOR);
  const buf = Buffer.from(img.buffer, img.byteOffset, img.byteLength);
  const firstData = RESERVED + NUM_FATS * fatSectors;
  const volLabel = Buffer.from((label || 'NO NAME').padEnd(11, ' '), 'latin1');
  const bs = Buffer.alloc(SECTOR);
  bootSectorLayout.encode({
    jmpBoot: Buffer.from([0xeb, 0x58, 0x90]), oemName: Buffer.from('mkfs.fat', 'latin1'),
    bytesPerSector: SECTOR, sectorsPerCluster: spc, reservedSectors: RESERVED, numFats: NUM_FATS,
    rootEntries: 0, totalSectors16: 0, media: 0xf8, fatSize16: 0, sectorsPerTrack: TRACK, numHeads: 64,
    hiddenSectors: 0, totalSectors32: total, fatSize32: fatSectors, extFlags: 0, fsVersion: 0, rootCluster: 2,
    fsInfoSector: 1, backupBootSector: 6, reserved: Buffer.alloc(12), driveNumber: 0x80, reserved1: 0,
    bootSig: 0x29, volumeId: (opts.volumeId ?? 0x52554e4c) >>> 0, volumeLabel: volLabel,
    fsType: Buffer.from('FAT32   ', 'latin1'),
  }, bs, 0);
  bs.writeUInt16LE(0xaa55, BOOT_SIGNATURE_OFFSET);
  const fsi = Buffer.alloc(SECTOR);
  const usedClusters = next - 2;
  fsInfoLayout.encode({
    leadSig: FSINFO_LEAD_SIG, reserved1: Buffer.alloc(480), structSig: FSINFO_STRUCT_SIG,
    freeCount: clusters - usedClusters, nextFree: next <= clusters + 1 ? next : 0xffffffff,
    reserved2: Buffer.alloc(12), trailSig: FSINFO_TRAIL_SIG,
  }, fsi, 0);
  for (const base of [0, 6]) {
    bs.copy(buf, base * SECTOR);
    fsi.copy(buf, (base + 1) * SECTOR);
    buf.writeUInt16LE(0xaa55, (base + 2) * SECTOR + BOOT_SIGNATURE_OFFSET); // third boot sector, as mkfs.fat
  }
  // FATs.
  const fat = Buffer.alloc(fatSectors * SECTOR);
  fat.writeUInt32LE(0x0ffffff8, 0); // media byte in the low 8 bits
  fat.writeUInt32LE(FAT_EOC, 4);     // clean-shutdown and no-error bits set
  for (const n of all) {
    for (let i = 0; i < n.clusters; i++) {
      const c = n.first + i;
      fat.writeUInt32LE(i === n.clusters - 1 ? FAT_EOC : c + 1, c * 4);
    }
  }
  for (let f = 0; f < NUM_FATS; f++) fat.copy(buf, (RESERVED + f * fatSectors) * SECTOR);
  // Data.
  const clusterOff = (c: number): number => (firstData + (c - 2) * spc) * SECTOR;
  for (const n of all) {
    if (n.clusters === 0) continue;
    const off = clusterOff(n.first);
    if (n.kind === 'file') img.set(n.data, off);
    else n.slots.forEach((s, i) => img.set(s, off + i * DIR_ENTRY_SIZE));
  }
  return img;
}
