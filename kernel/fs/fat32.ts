/**
 * FAT32 volume (fatgen103; VFAT long names §7), read-write over any 512-byte-sector block device
 * (normally the virtio-blk driver): mount, the FAT, cluster allocation, chains, data I/O and the
 * directory cache. Every on-disk number is range-checked before use: a corrupt image yields a
 * FatError (errno EIO) naming the field or cluster at fault, never a crash, a hang or an
 * allocation larger than the volume.
 *
 * Write-through: the caches (FAT windows of 64 KiB, chains and directories, the latter two keyed
 * by first cluster) only ever hold what is on disk or about to be written by the operation in
 * progress. Allocation and freeing change the cached FAT; `commit()` then writes the changed FAT
 * sectors to every FAT copy and the FSInfo counts, so callers order an operation as "data, then
 * FAT, then directory entry" (or the reverse when shrinking) and a crash between two writes loses
 * at most space. The volume's dirty bit is never set: between operations the image is clean.
 *
 * Two users: the path API (lookup/readdir/stat/readFile/read, returning FatNode snapshots) for
 * the daemon and the gdb target, and the VFS inodes of fat32-vfs.ts on the lower-level calls.
 */
import { E, SysError } from '../errno';
import { FatDir, type FatSlot } from './fat32-dir';
import {
  ATTR, BOOT_SIGNATURE_OFFSET, bootSectorLayout, DEVICE_SECTOR, DIR_ENTRY_SIZE, FAT32_MIN_CLUSTERS, FAT_BAD, FAT_EOC,
  FAT_EOC_MIN, FAT_MASK, FatError, FSINFO_LEAD_SIG, FSINFO_STRUCT_SIG, FSINFO_TRAIL_SIG, FSINFO_UNKNOWN, fsInfoLayout,
  MAX_DIR_SLOTS,
} from './fat32-layout';

export { DEVICE_SECTOR, FatError };

export interface FatBlockDevice {
  readonly sectorCount: number;
  /** Writes would fail (VIRTIO_BLK_F_RO, a read-only image): the volume mounts read-only. */
  readonly readOnly?: boolean;
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
  /** ExtFlags mirroring on: every FAT copy is written, else only the active one (§3.3). */
  mirrored: boolean;
  totalSectors: number;
  firstDataSector: number;
  clusterCount: number;
  rootCluster: number;
  volumeId: number;
  /** Boot-sector label, trailing spaces removed ("NO NAME" when unset). */
  label: string;
  /** FSInfo hints as on disk (null when unknown or out of range); null without an FSInfo sector. */
  fsInfo: { freeCount: number | null; nextFree: number | null } | null;
  fsInfoSector: number | null;
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
  /** Mount read-only even on a writable device. */
  readOnly?: boolean;
}

const FAT_WINDOW = 64 * 1024;
/** Zero-filling writes go out in pieces of this size. */
const ZERO_CHUNK = 1 << 20;

const hex = (v: number): string => `0x${v.toString(16)}`;

export class Fat32 {
  readonly geometry: FatGeometry;
  /** Writes are refused (EROFS). */
  readonly readOnly: boolean;
  private readonly devPerSector: number;
  private readonly fatBase: number;
  private readonly maxCluster: number;
  private readonly fatWindows = new Map<number, DataView>();
  /** FAT sectors (relative to the FAT's start) changed since the last commit. */
  private readonly dirtyFat = new Set<number>();
  private readonly chains = new Map<number, Uint32Array>();
  private readonly dirs = new Map<number, FatDir>();
  private readonly rootNode: FatNode;
  /** Counted from the FAT on first use (the FSInfo count is only a hint, §5). */
  private freeCount: number | null = null;
  /** Where the next allocation starts looking (FSI_Nxt_Free). */
  private nextFree: number;
  private fsInfoDirty = false;

  private constructor(private readonly dev: FatBlockDevice, readOnly: boolean, g: FatGeometry) {
    this.geometry = g;
    this.readOnly = readOnly;
    this.devPerSector = g.bytesPerSector / DEVICE_SECTOR;
    this.fatBase = g.reservedSectors + g.activeFat * g.fatSectors;
    this.maxCluster = g.clusterCount + 1;
    this.nextFree = g.fsInfo?.nextFree ?? 2;
    this.rootNode = {
      name: '', shortName: '', path: '/', isDir: true, size: 0, attr: ATTR.DIRECTORY,
      firstCluster: g.rootCluster, mtimeMs: 0, ctimeMs: 0, atimeMs: 0, entry: null,
    };
  }

  /**
   * Reads and validates the boot sector, BPB and FSInfo. Throws FatError on any inconsistency.
   * The volume is read-only when asked, when the device says so, or when it cannot write.
   */
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
    const readOnly = opts.readOnly === true || dev.readOnly === true || dev.writeSectors === undefined;
    return new Fat32(dev, readOnly, {
      bytesPerSector: bps, sectorsPerCluster: spc, clusterSize: bps * spc, reservedSectors: bs.reservedSectors,
      numFats: bs.numFats, fatSectors: bs.fatSize32, activeFat, mirrored: !mirroringOff, totalSectors: total,
      firstDataSector: firstData, clusterCount, rootCluster: bs.rootCluster, volumeId: bs.bootSig === 0x29 ? bs.volumeId : 0,
      label, fsInfo, fsInfoSector: fsInfo === null ? null : fi,
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

  /** Writes whole device sectors at device sector `sector`. */
  private writeDev(sector: number, data: Uint8Array, what: string): void {
    if (this.readOnly || this.dev.writeSectors === undefined) throw new SysError(E.EROFS);
    if (sector + data.length / DEVICE_SECTOR > this.geometry.totalSectors * this.devPerSector) {
      throw new FatError(`${what}: device sectors [${sector}, +${data.length / DEVICE_SECTOR}) beyond the volume`);
    }
    try {
      this.dev.writeSectors(sector, data);
    } catch (e) {
      throw new FatError(`${what}: I/O error writing sectors [${sector}, +${data.length / DEVICE_SECTOR}): ${(e as Error).message}`);
    }
  }

  private fatWindow(w: number): DataView {
    let dv = this.fatWindows.get(w);
    if (dv === undefined) {
      const bps = this.geometry.bytesPerSector;
      const first = (w * FAT_WINDOW) / bps;
      const count = Math.min(FAT_WINDOW / bps, this.geometry.fatSectors - first);
      const raw = this.readSectors(this.fatBase + first, count, 'FAT');
      dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      this.fatWindows.set(w, dv);
    }
    return dv;
  }

  /** Raw (masked) FAT entry of cluster `c`, 2 <= c <= maxCluster. */
  fatEntry(c: number): number {
    const byteOff = c * 4;
    const w = Math.floor(byteOff / FAT_WINDOW);
    return this.fatWindow(w).getUint32(byteOff - w * FAT_WINDOW, true) & FAT_MASK;
  }

  /** Sets the FAT entry of cluster `c` in the cache, keeping the reserved top 4 bits (§4). */
  private setFat(c: number, v: number): void {
    const byteOff = c * 4;
    const w = Math.floor(byteOff / FAT_WINDOW);
    const dv = this.fatWindow(w);
    const at = byteOff - w * FAT_WINDOW;
    dv.setUint32(at, ((dv.getUint32(at, true) & ~FAT_MASK) | v) >>> 0, true);
    this.dirtyFat.add(Math.floor(byteOff / this.geometry.bytesPerSector));
  }

  /**
   * Writes the FAT sectors changed since the last commit to every FAT copy (the active one only
   * when mirroring is off), one device write per run of sectors, then the FSInfo counts.
   */
  commit(): void {
    if (this.dirtyFat.size > 0) {
      const g = this.geometry;
      const perWindow = FAT_WINDOW / g.bytesPerSector;
      const sectors = [...this.dirtyFat].sort((a, b) => a - b);
      const runs: Array<[number, number]> = [];
      for (const s of sectors) {
        const last = runs[runs.length - 1];
        if (last && last[0] + last[1] === s && Math.floor(last[0] / perWindow) === Math.floor(s / perWindow)) last[1]++;
        else runs.push([s, 1]);
      }
      const copies = g.mirrored ? [...Array(g.numFats).keys()] : [g.activeFat];
      for (const f of copies) {
        for (const [s, n] of runs) {
          const w = Math.floor(s / perWindow);
          const dv = this.fatWindow(w);
          const at = (s - w * perWindow) * g.bytesPerSector;
          const bytes = new Uint8Array(dv.buffer, dv.byteOffset + at, n * g.bytesPerSector);
          this.writeDev((g.reservedSectors + f * g.fatSectors + s) * this.devPerSector, bytes, `FAT ${f}`);
        }
      }
      this.dirtyFat.clear();
    }
    if (this.fsInfoDirty && this.geometry.fsInfoSector !== null) {
      const sector = this.geometry.fsInfoSector * this.devPerSector;
      const raw = readDev(this.dev, sector, 1, 'FSInfo sector');
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      dv.setUint32(488, this.freeCount ?? FSINFO_UNKNOWN, true);
      dv.setUint32(492, this.nextFree, true);
      this.writeDev(sector, raw, 'FSInfo sector');
      this.geometry.fsInfo = { freeCount: this.freeCount, nextFree: this.nextFree };
    }
    this.fsInfoDirty = false;
  }

  // ---------------------------------------------------------------- allocation

  /** Free clusters, counted from the FAT the first time. */
  freeClusters(): number {
    if (this.freeCount === null) {
      let n = 0;
      for (let c = 2; c <= this.maxCluster; c++) if (this.fatEntry(c) === 0) n++;
      this.freeCount = n;
    }
    return this.freeCount;
  }

  /**
   * Appends `count` free clusters to `chain` (or starts a chain when it is empty), searching from
   * `chain`'s end so files stay contiguous. Changes the cached FAT only: the caller writes the new
   * clusters' contents and then commit()s, so a crash before the commit leaves them free.
   * ENOSPC when fewer than `count` clusters are free.
   */
  extendChain(chain: Uint32Array, count: number): Uint32Array {
    if (count === 0) return chain;
    if (count > this.freeClusters()) throw new SysError(E.ENOSPC);
    const tail = chain.length > 0 ? chain[chain.length - 1]! : 0;
    let c = tail >= 2 && tail < this.maxCluster ? tail + 1 : this.nextFree;
    const out = new Uint32Array(chain.length + count);
    out.set(chain);
    let k = chain.length;
    for (let scanned = 0; k < out.length; scanned++) {
      if (scanned > this.geometry.clusterCount) throw new FatError(`free cluster count ${this.freeCount} exceeds the free clusters in the FAT`);
      if (this.fatEntry(c) === 0) out[k++] = c;
      c = c >= this.maxCluster ? 2 : c + 1;
    }
    for (let i = Math.max(chain.length - 1, 0); i < out.length; i++) this.setFat(out[i]!, i + 1 < out.length ? out[i + 1]! : FAT_EOC);
    this.freeCount! -= count;
    this.nextFree = c;
    this.fsInfoDirty = true;
    this.chains.set(out[0]!, out);
    return out;
  }

  /** Keeps the first `keep` clusters of `chain` and frees the rest (all of it when `keep` is 0),
   *  in the cached FAT; the caller commit()s. */
  shrinkChain(chain: Uint32Array, keep: number): Uint32Array {
    if (keep >= chain.length) return chain;
    this.freeClusters();
    if (keep > 0) this.setFat(chain[keep - 1]!, FAT_EOC);
    for (let i = keep; i < chain.length; i++) this.setFat(chain[i]!, 0);
    this.freeCount! += chain.length - keep;
    this.fsInfoDirty = true;
    const out = chain.slice(0, keep);
    if (keep > 0) this.chains.set(chain[0]!, out);
    else this.chains.delete(chain[0]!);
    return out;
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

  // ---------------------------------------------------------------- data

  private clusterSector(c: number): number {
    return this.geometry.firstDataSector + (c - 2) * this.geometry.sectorsPerCluster;
  }

  /** Byte offset of cluster `c` on the device. */
  clusterOffset(c: number): number { return this.clusterSector(c) * this.geometry.bytesPerSector; }

  /** Calls `fn(deviceByte, pos, n)` for each piece of bytes [from, to) of the chain that lies in
   *  one run of contiguous clusters. */
  private forRuns(chain: Uint32Array, from: number, to: number, fn: (disk: number, pos: number, n: number) => void): void {
    const cs = this.geometry.clusterSize;
    for (let pos = from; pos < to;) {
      const idx = Math.floor(pos / cs);
      let run = 1;
      while (idx + run < chain.length && (idx + run) * cs < to && chain[idx + run] === chain[idx]! + run) run++;
      const n = Math.min((idx + run) * cs, to) - pos;
      fn(this.clusterOffset(chain[idx]!) + pos - idx * cs, pos, n);
      pos += n;
    }
  }

  /** Copies bytes [offset, offset+out.length) of the chain into `out`, one device request per
   *  run of contiguous clusters. */
  readChain(chain: Uint32Array, offset: number, out: Uint8Array, what: string): void {
    const bps = this.geometry.bytesPerSector;
    this.forRuns(chain, offset, offset + out.length, (disk, pos, n) => {
      const first = Math.floor(disk / bps);
      const data = this.readSectors(first, Math.ceil((disk + n) / bps) - first, what);
      const skip = disk - first * bps;
      out.set(data.subarray(skip, skip + n), pos - offset);
    });
  }

  /** Writes `data` at byte `offset` of the chain (which must be long enough). */
  writeChain(chain: Uint32Array, offset: number, data: Uint8Array, what: string): void {
    this.forRuns(chain, offset, offset + data.length, (disk, pos, n) => this.writeBytes(disk, data.subarray(pos - offset, pos - offset + n), what));
  }

  /** Zeroes bytes [from, to) of the chain. */
  zeroChain(chain: Uint32Array, from: number, to: number, what: string): void {
    const zeros = new Uint8Array(Math.min(ZERO_CHUNK, Math.max(to - from, 0)));
    this.forRuns(chain, from, to, (disk, _pos, n) => {
      for (let done = 0; done < n; done += zeros.length) this.writeBytes(disk + done, zeros.subarray(0, Math.min(zeros.length, n - done)), what);
    });
  }

  /** Writes `data` at device byte `at` in one device write, reading back the partial sectors at
   *  either end. */
  writeBytes(at: number, data: Uint8Array, what: string): void {
    const S = DEVICE_SECTOR;
    const first = Math.floor(at / S);
    const end = at + data.length;
    const last = Math.ceil(end / S);
    if (at % S === 0 && end % S === 0) { this.writeDev(first, data, what); return; }
    const buf = new Uint8Array((last - first) * S);
    if (at % S !== 0) buf.set(readDev(this.dev, first, 1, what), 0);
    if (end % S !== 0 && (last - 1 > first || at % S === 0)) buf.set(readDev(this.dev, last - 1, 1, what), (last - 1 - first) * S);
    buf.set(data, at - first * S);
    this.writeDev(first, buf, what);
  }

  // ---------------------------------------------------------------- directories

  /** The directory whose chain starts at `first` (cached). `what` names it in messages. */
  dir(first: number, what: string): FatDir {
    const cached = this.dirs.get(first);
    if (cached !== undefined) return cached;
    const chain = this.chain(first, `directory ${what}`);
    const bytes = chain.length * this.geometry.clusterSize;
    if (bytes > MAX_DIR_SLOTS * DIR_ENTRY_SIZE) throw new FatError(`directory ${what}: ${bytes} bytes exceeds the 65536-entry limit`);
    const raw = new Uint8Array(bytes);
    this.readChain(chain, 0, raw, `directory ${what}`);
    const d = new FatDir(this, first, chain, raw, what);
    this.dirs.set(first, d);
    return d;
  }

  /** Forgets a removed directory (its clusters may hold another one next). */
  dropDir(first: number): void { this.dirs.delete(first); }

  // ---------------------------------------------------------------- path API

  root(): FatNode { return this.rootNode; }

  private listing(node: FatNode): FatDir {
    if (!node.isDir) throw new FatError(`${node.path}: not a directory`);
    return this.dir(node.firstCluster, node.path);
  }

  private nodeOf(d: FatDir, s: FatSlot, parentPath: string): FatNode {
    const mtimeMs = d.mtimeMs(s);
    return {
      name: s.name, shortName: s.shortName, path: (parentPath === '/' ? '/' : `${parentPath}/`) + s.name, isDir: d.isDir(s),
      size: d.size(s), attr: d.attr(s), firstCluster: d.firstCluster(s), mtimeMs, ctimeMs: d.crtimeMs(s), atimeMs: d.atimeMs(s),
      entry: { dirCluster: d.first, index: s.index, lfnSlots: s.lfnSlots },
    };
  }

  /** Resolves an absolute (or root-relative) path, ignoring ASCII case. Null when absent. */
  lookup(path: string): FatNode | null {
    let node = this.rootNode;
    const stack: FatNode[] = [];
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') { node = stack.pop() ?? this.rootNode; continue; }
      if (!node.isDir) return null;
      const d = this.listing(node);
      const s = d.find(part);
      if (s === undefined) return null;
      stack.push(node);
      node = this.nodeOf(d, s, node.path);
    }
    return node;
  }

  /** Entries of a directory ('.' and '..' omitted), in on-disk order. */
  readdir(dir: string | FatNode): FatNode[] {
    const node = this.resolve(dir);
    if (!node.isDir) throw new FatError(`${node.path}: not a directory`);
    const d = this.listing(node);
    return d.list.map((s) => this.nodeOf(d, s, node.path));
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
    const out = new Uint8Array(n);
    this.readChain(this.fileChain(node.firstCluster, node.size, node.path), offset, out, node.path);
    return out;
  }

  /** The chain of a file of `size` bytes starting at `first`, checked to be long enough. */
  fileChain(first: number, size: number, what: string): Uint32Array {
    if (size === 0 && first === 0) return new Uint32Array(0);
    if (first === 0) throw new FatError(`${what}: size ${size} but no first cluster`);
    const chain = this.chain(first, what);
    const need = Math.ceil(size / this.geometry.clusterSize);
    if (chain.length < need) {
      throw new FatError(`${what}: size ${size} needs ${need} clusters but its chain from cluster ${first} has ${chain.length}`);
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
export function memoryDevice(bytes: Uint8Array, opts: { readOnly?: boolean } = {}): FatBlockDevice {
  const readOnly = opts.readOnly === true;
  return {
    sectorCount: Math.floor(bytes.length / DEVICE_SECTOR),
    readOnly,
    readSectors: (sector: number, count: number): Uint8Array => bytes.slice(sector * DEVICE_SECTOR, (sector + count) * DEVICE_SECTOR),
    writeSectors: (sector: number, data: Uint8Array): void => {
      if (readOnly) throw new Error('read-only device');
      bytes.set(data, sector * DEVICE_SECTOR);
    },
  };
}
