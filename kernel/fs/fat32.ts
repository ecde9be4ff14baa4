/**
 * FAT32 reader (fatgen103; VFAT long names §7). Mounted over any 512-byte-sector block device,
 * normally the virtio-blk driver. Every on-disk number is range-checked before use: a corrupt
 * image yields a FatError naming the field or cluster at fault, never a crash, a hang or an
 * allocation larger than the volume.
 *
 * Caches (all keyed by first cluster): FAT windows of 64 KiB, cluster chains, parsed directories.
 * Write support will go through `writeSectors` and must invalidate `chains`/`dirs` for what it
 * changes; `FatNode.entry` records where each node's short entry lives for that purpose.
 */
import {
  ATTR, BOOT_SIGNATURE_OFFSET, bootSectorLayout, decodeShortName, DIR_ENTRY_SIZE, ENTRY_DELETED, ENTRY_END,
  FAT32_MIN_CLUSTERS, FAT_BAD, FAT_EOC_MIN, FAT_MASK, fatTimeToMs, FSINFO_LEAD_SIG, FSINFO_STRUCT_SIG,
  FSINFO_TRAIL_SIG, FSINFO_UNKNOWN, fsInfoLayout, LFN_CHAR_OFFSETS, LFN_LAST, LFN_MAX_ENTRIES, lfnChecksum,
} from './fat32-layout';

export class FatError extends Error {
  constructor(message: string) { super(`fat32: ${message}`); this.name = 'FatError'; }
}

/** Device sectors are 512 bytes (virtio-blk's unit). */
export const DEVICE_SECTOR = 512;

export interface FatBlockDevice {
  readonly sectorCount: number;
  readSectors(sector: number, count: number): Uint8Array;
  writeSectors?(sector: number, data: Uint8Array): void;
}

export interface FatGeometry {
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterSize: number;
  reservedSectors: number;
  numFats: number;
  fatSectors: number;
  /** FAT used for reads (ExtFlags mirroring off -> the active one, else FAT 0). */
  activeFat: number;
  totalSectors: number;
  firstDataSector: number;
  clusterCount: number;
  rootCluster: number;
  volumeId: number;
  /** Boot-sector label, trailing spaces removed ("NO NAME" when unset). */
  label: string;
  fsInfo: { freeCount: number | null; nextFree: number | null } | null;
}

export interface FatNode {
  /** Long name when present and valid, else the 8.3 name with NT case flags applied. */
  readonly name: string;
  /** 8.3 name as stored ("HELLO~1.TXT"). */
  readonly shortName: string;
  /** Normalised absolute path, "/" for the root. */
  readonly path: string;
  readonly isDir: boolean;
  readonly size: number;
  readonly attr: number;
  readonly firstCluster: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly atimeMs: number;
  /** Where the short entry lives (null for the root): directory first cluster, slot index,
   *  and the number of LFN slots before it. */
  readonly entry: { dirCluster: number; index: number; lfnSlots: number } | null;
}

export interface MountOptions {
  /** Accept a FAT32 BPB with fewer than 65525 clusters (Linux and fsck.fat do). Default true. */
  allowFewClusters?: boolean;
}

interface DirListing { nodes: FatNode[]; byName: Map<string, FatNode> }

const FAT_WINDOW = 64 * 1024;
/** fatgen103 §6: a directory holds at most 65536 entries. */
const MAX_DIR_BYTES = 65536 * DIR_ENTRY_SIZE;

const hex = (v: number): string => `0x${v.toString(16)}`;

export class Fat32 {
  readonly geometry: FatGeometry;
  private readonly devPerSector: number;
  private readonly fatBase: number;
  private readonly maxCluster: number;
  private readonly fatWindows = new Map<number, DataView>();
  private readonly chains = new Map<number, Uint32Array>();
  private readonly dirs = new Map<number, DirListing>();
  private readonly rootNode: FatNode;

  private constructor(private readonly dev: FatBlockDevice, g: FatGeometry) {
    this.geometry = g;
    this.devPerSector = g.bytesPerSector / DEVICE_SECTOR;
    this.fatBase = g.reservedSectors + g.activeFat * g.fatSectors;
    this.maxCluster = g.clusterCount + 1;
    this.rootNode = {
      name: '', shortName: '', path: '/', isDir: true, size: 0, attr: ATTR.DIRECTORY,
      firstCluster: g.rootCluster, mtimeMs: 0, ctimeMs: 0, atimeMs: 0, entry: null,
    };
  }

  /** Reads and validates the boot sector, BPB and FSInfo. Throws FatError on any inconsistency. */
  static mount(dev: FatBlockDevice, opts: MountOptions = {}): Fat32 {
    if (!Number.isInteger(dev.sectorCount) || dev.sectorCount < 1) throw new FatError(`device has ${dev.sectorCount} sectors`);
    const s0 = readDev(dev, 0, 1, 'boot sector');
    const b = Buffer.from(s0.buffer, s0.byteOffset, s0.length);
    const sig = b.readUInt16LE(BOOT_SIGNATURE_OFFSET);
    if (sig !== 0xaa55) throw new FatError(`boot sector signature is ${hex(sig)} (expected 0xaa55)`);
    const bs = bootSectorLayout.decode(b, 0);
    const j = bs.jmpBoot;
    if (!((j[0] === 0xeb && j[2] === 0x90) || j[0] === 0xe9)) {
      throw new FatError(`boot sector jump ${j.toString('hex')} is not EB xx 90 or E9 xx xx`);
    }
    const bps = bs.bytesPerSector;
    if (bps !== 512 && bps !== 1024 && bps !== 2048 && bps !== 4096) {
      throw new FatError(`bytes per sector ${bps} is not 512, 1024, 2048 or 4096`);
    }
    const spc = bs.sectorsPerCluster;
    if (spc === 0 || spc > 128 || (spc & (spc - 1)) !== 0) throw new FatError(`sectors per cluster ${spc} is not a power of two in 1..128`);
    if (bs.reservedSectors === 0) throw new FatError('reserved sector count is 0');
    if (bs.numFats === 0) throw new FatError('number of FATs is 0');
    if (bs.rootEntries !== 0) throw new FatError(`root entry count is ${bs.rootEntries} (must be 0 on FAT32; FAT12/16 unsupported)`);
    if (bs.fatSize16 !== 0) throw new FatError(`16-bit FAT size is ${bs.fatSize16} (must be 0 on FAT32; FAT12/16 unsupported)`);
    if (bs.fatSize32 === 0) throw new FatError('32-bit FAT size is 0');
    if (bs.media !== 0xf0 && bs.media < 0xf8) throw new FatError(`media descriptor ${hex(bs.media)} is invalid`);
    if (bs.totalSectors16 !== 0 && bs.totalSectors32 !== 0 && bs.totalSectors16 !== bs.totalSectors32) {
      throw new FatError(`total sectors disagree: 16-bit field ${bs.totalSectors16}, 32-bit field ${bs.totalSectors32}`);
    }
    const total = bs.totalSectors16 || bs.totalSectors32;
    if (total === 0) throw new FatError('total sector count is 0');
    const devPer = bps / DEVICE_SECTOR;
    if (total * devPer > dev.sectorCount) {
      throw new FatError(`image truncated: the file system spans ${total * devPer} sectors of 512 bytes but the device has ${dev.sectorCount}`);
    }
    if (bs.fsVersion !== 0) throw new FatError(`FAT32 version ${bs.fsVersion >> 8}.${bs.fsVersion & 0xff} unsupported (expected 0.0)`);
    const firstData = bs.reservedSectors + bs.numFats * bs.fatSize32;
    if (firstData >= total) throw new FatError(`reserved sectors and FATs (${firstData} sectors) fill the whole ${total}-sector volume`);
    const clusterCount = Math.floor((total - firstData) / spc);
    if (clusterCount < 1) throw new FatError('volume has no data clusters');
    if (clusterCount < FAT32_MIN_CLUSTERS && opts.allowFewClusters === false) {
      throw new FatError(`${clusterCount} clusters is below the FAT32 minimum of ${FAT32_MIN_CLUSTERS}`);
    }
    const fatEntries = Math.floor(bs.fatSize32 * bps / 4);
    if (fatEntries < clusterCount + 2) {
      throw new FatError(`FAT of ${bs.fatSize32} sectors holds ${fatEntries} entries, too few for ${clusterCount} clusters`);
    }
    if (bs.rootCluster < 2 || bs.rootCluster > clusterCount + 1) {
      throw new FatError(`root cluster ${bs.rootCluster} out of range [2, ${clusterCount + 1}]`);
    }
    const mirroringOff = (bs.extFlags & 0x80) !== 0;
    const activeFat = mirroringOff ? bs.extFlags & 0x0f : 0;
    if (activeFat >= bs.numFats) throw new FatError(`active FAT ${activeFat} but only ${bs.numFats} FAT(s)`);

    let fsInfo: FatGeometry['fsInfo'] = null;
    const fi = bs.fsInfoSector;
    if (fi !== 0 && fi !== 0xffff) {
      if (fi >= bs.reservedSectors) throw new FatError(`FSInfo sector ${fi} is outside the ${bs.reservedSectors} reserved sectors`);
      const raw = readDev(dev, fi * devPer, 1, 'FSInfo sector');
      const f = fsInfoLayout.decode(Buffer.from(raw.buffer, raw.byteOffset, 512), 0);
      if (f.leadSig !== FSINFO_LEAD_SIG) throw new FatError(`FSInfo sector ${fi}: lead signature ${hex(f.leadSig)} (expected ${hex(FSINFO_LEAD_SIG)})`);
      if (f.structSig !== FSINFO_STRUCT_SIG) throw new FatError(`FSInfo sector ${fi}: struct signature ${hex(f.structSig)} (expected ${hex(FSINFO_STRUCT_SIG)})`);
      if (f.trailSig !== FSINFO_TRAIL_SIG) throw new FatError(`FSInfo sector ${fi}: trail signature ${hex(f.trailSig)} (expected ${hex(FSINFO_TRAIL_SIG)})`);
      // Out-of-range hints are "unknown" (fatgen103 §5: they are hints, fsck.fat just resets them).
      fsInfo = {
        freeCount: f.freeCount !== FSINFO_UNKNOWN && f.freeCount <= clusterCount ? f.freeCount : null,
        nextFree: f.nextFree >= 2 && f.nextFree <= clusterCount + 1 ? f.nextFree : null,
      };
    }
    const label = bs.bootSig === 0x29 ? bs.volumeLabel.toString('latin1').replace(/ +$/, '') : '';
    return new Fat32(dev, {
      bytesPerSector: bps, sectorsPerCluster: spc, clusterSize: bps * spc, reservedSectors: bs.reservedSectors,
      numFats: bs.numFats, fatSectors: bs.fatSize32, activeFat, totalSectors: total, firstDataSector: firstData,
      clusterCount, rootCluster: bs.rootCluster, volumeId: bs.bootSig === 0x29 ? bs.volumeId : 0, label, fsInfo,
    });
  }

  // ---------------------------------------------------------------- sectors and the FAT

  /** Reads `count` file-system sectors (bytesPerSector each). */
  private readSectors(sector: number, count: number, what: string): Uint8Array {
    if (sector + count > this.geometry.totalSectors) {
      throw new FatError(`${what}: sectors [${sector}, +${count}) beyond the ${this.geometry.totalSectors}-sector volume`);
    }
    return readDev(this.dev, sector * this.devPerSector, count * this.devPerSector, what);
  }

  /** Raw (masked) FAT entry of cluster `c`, 2 <= c <= maxCluster. */
  fatEntry(c: number): number {
    const byteOff = c * 4;
    const w = Math.floor(byteOff / FAT_WINDOW);
    let dv = this.fatWindows.get(w);
    if (dv === undefined) {
      const bps = this.geometry.bytesPerSector;
      const first = (w * FAT_WINDOW) / bps;
      const count = Math.min(FAT_WINDOW / bps, this.geometry.fatSectors - first);
      const raw = this.readSectors(this.fatBase + first, count, 'FAT');
      dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      this.fatWindows.set(w, dv);
    }
    return dv.getUint32(byteOff - w * FAT_WINDOW, true) & FAT_MASK;
  }

  /**
   * The cluster chain starting at `first` (cached). Throws FatError on a free, bad, reserved or
   * out-of-range link and on loops. `what` names the owner in messages.
   */
  chain(first: number, what: string): Uint32Array {
    const hit = this.chains.get(first);
    if (hit !== undefined) return hit;
    if (first < 2 || first > this.maxCluster) throw new FatError(`${what}: first cluster ${first} out of range [2, ${this.maxCluster}]`);
    const list: number[] = [first];
    const seen = new Set<number>(list);
    for (let c = first; ;) {
      const v = this.fatEntry(c);
      if (v >= FAT_EOC_MIN) break;
      if (v === 0) throw new FatError(`${what}: cluster ${c} in the chain is marked free`);
      if (v === FAT_BAD) throw new FatError(`${what}: cluster ${c} in the chain is marked bad`);
      if (v < 2 || v > this.maxCluster) throw new FatError(`${what}: cluster ${c} points to ${v}, past the end of the volume (last cluster ${this.maxCluster})`);
      if (seen.has(v)) throw new FatError(`${what}: cluster chain loops (cluster ${c} points back to ${v})`);
      seen.add(v);
      list.push(v);
      c = v;
    }
    const arr = Uint32Array.from(list);
    this.chains.set(first, arr);
    return arr;
  }

  private clusterSector(c: number): number {
    return this.geometry.firstDataSector + (c - 2) * this.geometry.sectorsPerCluster;
  }

  /** Copies bytes [offset, offset+out.length) of the chain into `out`, one device request per
   *  run of contiguous clusters. */
  private readChain(chain: Uint32Array, offset: number, out: Uint8Array, what: string): void {
    const cs = this.geometry.clusterSize;
    const spc = this.geometry.sectorsPerCluster;
    let idx = Math.floor(offset / cs);
    let skip = offset - idx * cs;
    let done = 0;
    while (done < out.length) {
      let run = 1;
      const needClusters = Math.ceil((skip + out.length - done) / cs);
      while (run < needClusters && idx + run < chain.length && chain[idx + run] === chain[idx]! + run) run++;
      const data = this.readSectors(this.clusterSector(chain[idx]!), run * spc, what);
      const n = Math.min(data.length - skip, out.length - done);
      out.set(data.subarray(skip, skip + n), done);
      done += n;
      skip = 0;
      idx += run;
    }
  }

  // ---------------------------------------------------------------- directories

  private listing(dir: FatNode): DirListing {
    if (!dir.isDir) throw new FatError(`${dir.path}: not a directory`);
    const cached = this.dirs.get(dir.firstCluster);
    if (cached !== undefined) return cached;
    const chain = this.chain(dir.firstCluster, `directory ${dir.path}`);
    const bytes = chain.length * this.geometry.clusterSize;
    if (bytes > MAX_DIR_BYTES) throw new FatError(`directory ${dir.path}: ${bytes} bytes exceeds the 65536-entry limit`);
    const raw = new Uint8Array(bytes);
    this.readChain(chain, 0, raw, `directory ${dir.path}`);
    const l = this.parseDir(raw, dir);
    this.dirs.set(dir.firstCluster, l);
    return l;
  }

  private parseDir(raw: Uint8Array, dir: FatNode): DirListing {
    const nodes: FatNode[] = [];
    const byName = new Map<string, FatNode>();
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let lfn: string[] | null = null;
    let lfnSum = 0;
    let lfnNext = 0;
    let lfnCount = 0;
    const prefix = dir.path === '/' ? '/' : `${dir.path}/`;
    for (let i = 0; i < raw.length / DIR_ENTRY_SIZE; i++) {
      const o = i * DIR_ENTRY_SIZE;
      const b0 = raw[o]!;
      if (b0 === ENTRY_END) break;
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
          const u = dv.getUint16(o + co, true);
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
      let lfnSlots = 0;
      if (lfn !== null && lfnNext === 0 && lfnChecksum(name11) === lfnSum) {
        name = lfn.join('');
        lfnSlots = lfnCount;
      }
      lfn = null;
      if (b0 === 0x2e && (shortName === '.' || shortName === '..')) continue;
      if (name.length === 0 || name.includes('/')) continue;
      const isDir = (attr & ATTR.DIRECTORY) !== 0;
      const node: FatNode = {
        name, shortName, path: prefix + name, isDir,
        size: isDir ? 0 : dv.getUint32(o + 28, true),
        attr,
        firstCluster: (dv.getUint16(o + 20, true) << 16 | dv.getUint16(o + 26, true)) >>> 0,
        mtimeMs: fatTimeToMs(dv.getUint16(o + 24, true), dv.getUint16(o + 22, true)),
        ctimeMs: fatTimeToMs(dv.getUint16(o + 16, true), dv.getUint16(o + 14, true), Math.min(raw[o + 13]!, 199)),
        atimeMs: fatTimeToMs(dv.getUint16(o + 18, true), 0),
        entry: { dirCluster: dir.firstCluster, index: i, lfnSlots },
      };
      nodes.push(node);
      const k = name.toUpperCase();
      if (!byName.has(k)) byName.set(k, node);
      const ks = shortName.toUpperCase();
      if (!byName.has(ks)) byName.set(ks, node);
    }
    return { nodes, byName };
  }

  // ---------------------------------------------------------------- public API

  root(): FatNode { return this.rootNode; }

  /** Resolves an absolute (or root-relative) path, case-insensitively. Null when absent. */
  lookup(path: string): FatNode | null {
    let node = this.rootNode;
    const stack: FatNode[] = [];
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') { node = stack.pop() ?? this.rootNode; continue; }
      if (!node.isDir) return null;
      const next = this.listing(node).byName.get(part.toUpperCase());
      if (next === undefined) return null;
      stack.push(node);
      node = next;
    }
    return node;
  }

  /** Entries of a directory ('.' and '..' omitted), in on-disk order. */
  readdir(dir: string | FatNode): FatNode[] {
    const node = this.resolve(dir);
    if (!node.isDir) throw new FatError(`${node.path}: not a directory`);
    return this.listing(node).nodes.slice();
  }

  /** stat(2)-like information, or null when the path does not exist. */
  stat(path: string): { size: number; isDir: boolean; mtimeMs: number; ctimeMs: number; atimeMs: number; readOnly: boolean } | null {
    const n = this.lookup(path);
    if (n === null) return null;
    return { size: n.size, isDir: n.isDir, mtimeMs: n.mtimeMs, ctimeMs: n.ctimeMs, atimeMs: n.atimeMs, readOnly: (n.attr & ATTR.READ_ONLY) !== 0 };
  }

  /** Whole file contents. */
  readFile(file: string | FatNode): Uint8Array {
    const node = this.resolve(file);
    return this.read(node, 0, node.size);
  }

  /** Up to `length` bytes at `offset` (short at end of file). */
  read(node: FatNode, offset: number, length: number): Uint8Array {
    if (node.isDir) throw new FatError(`${node.path}: is a directory`);
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0) {
      throw new FatError(`${node.path}: bad read range offset ${offset} length ${length}`);
    }
    const n = Math.max(0, Math.min(length, node.size - offset));
    if (n === 0) return new Uint8Array(0);
    const chain = this.fileChain(node);
    const out = new Uint8Array(n);
    this.readChain(chain, offset, out, node.path);
    return out;
  }

  /** The file's chain, checked against its size. */
  fileChain(node: FatNode): Uint32Array {
    if (node.size === 0) return new Uint32Array(0);
    if (node.firstCluster === 0) throw new FatError(`${node.path}: size ${node.size} but no first cluster`);
    const chain = this.chain(node.firstCluster, node.path);
    const need = Math.ceil(node.size / this.geometry.clusterSize);
    if (chain.length < need) {
      throw new FatError(`${node.path}: size ${node.size} needs ${need} clusters but its chain from cluster ${node.firstCluster} has ${chain.length}`);
    }
    return chain;
  }

  private resolve(p: string | FatNode): FatNode {
    if (typeof p !== 'string') return p;
    const n = this.lookup(p);
    if (n === null) throw new FatError(`${p}: no such file or directory`);
    return n;
  }
}

function readDev(dev: FatBlockDevice, sector: number, count: number, what: string): Uint8Array {
  if (sector + count > dev.sectorCount) {
    throw new FatError(`${what}: device sectors [${sector}, +${count}) beyond the ${dev.sectorCount}-sector device`);
  }
  let data: Uint8Array;
  try {
    data = dev.readSectors(sector, count);
  } catch (e) {
    throw new FatError(`${what}: I/O error reading sectors [${sector}, +${count}): ${(e as Error).message}`);
  }
  if (data.length !== count * DEVICE_SECTOR) throw new FatError(`${what}: device returned ${data.length} bytes for ${count} sectors`);
  return data;
}

/** A FatBlockDevice over bytes in memory (tests, tools, host-side image inspection). */
export function memoryDevice(bytes: Uint8Array): FatBlockDevice {
  return {
    sectorCount: Math.floor(bytes.length / DEVICE_SECTOR),
    readSectors: (sector: number, count: number): Uint8Array => bytes.slice(sector * DEVICE_SECTOR, (sector + count) * DEVICE_SECTOR),
    writeSectors: (sector: number, data: Uint8Array): void => { bytes.set(data, sector * DEVICE_SECTOR); },
  };
}
