/**
 * Storage behind block devices (virtio-blk today). Sectors are always 512 bytes here, the unit
 * virtio-blk addresses (virtio 1.2 §5.2.6: "sector" is 512 bytes regardless of blk_size).
 */
import * as fs from 'fs';

export const SECTOR_SIZE = 512;

export interface BlockBackend {
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** Reads `out.length` bytes (a multiple of 512) starting at `sector`. Throws on error. */
  read(sector: number, out: Uint8Array): void;
  /** Writes `data` (a multiple of 512 bytes) at `sector`. Throws on error or if read-only. */
  write(sector: number, data: Uint8Array): void;
  flush(): void;
}

export class BlockBackendError extends Error {
  constructor(message: string) { super(message); this.name = 'BlockBackendError'; }
}

function checkRange(b: BlockBackend, sector: number, len: number, what: string): void {
  if (len % SECTOR_SIZE !== 0) throw new BlockBackendError(`${what}: length ${len} is not a multiple of ${SECTOR_SIZE}`);
  if (!Number.isInteger(sector) || sector < 0 || sector + len / SECTOR_SIZE > b.sectorCount) {
    throw new BlockBackendError(`${what}: sectors [${sector}, +${len / SECTOR_SIZE}) outside a ${b.sectorCount}-sector disk`);
  }
}

/** A disk held in memory (tests, generated default disks). */
export class MemoryBlockBackend implements BlockBackend {
  readonly sectorCount: number;
  readonly readOnly: boolean;
  readonly data: Uint8Array;

  /** `data` is used in place (not copied); its length must be a multiple of 512. */
  constructor(data: Uint8Array, opts: { readOnly?: boolean } = {}) {
    if (data.length % SECTOR_SIZE !== 0) {
      throw new BlockBackendError(`memory disk size ${data.length} is not a multiple of ${SECTOR_SIZE} bytes`);
    }
    this.data = data;
    this.sectorCount = data.length / SECTOR_SIZE;
    this.readOnly = opts.readOnly ?? false;
  }

  read(sector: number, out: Uint8Array): void {
    checkRange(this, sector, out.length, 'read');
    const o = sector * SECTOR_SIZE;
    out.set(this.data.subarray(o, o + out.length));
  }

  write(sector: number, data: Uint8Array): void {
    if (this.readOnly) throw new BlockBackendError('write: disk is read-only');
    checkRange(this, sector, data.length, 'write');
    this.data.set(data, sector * SECTOR_SIZE);
  }

  flush(): void { /* nothing to do */ }
}

/** A disk image file accessed with synchronous fs calls. Read-only unless opened writable. */
export class FileBlockBackend implements BlockBackend {
  private constructor(readonly path: string, private fd: number, readonly sectorCount: number, readonly readOnly: boolean) {}

  static open(path: string, opts: { writable?: boolean } = {}): FileBlockBackend {
    const writable = opts.writable ?? false;
    let fd: number;
    try {
      fd = fs.openSync(path, writable ? 'r+' : 'r');
    } catch (e) {
      throw new BlockBackendError(`${path}: cannot open disk image: ${(e as Error).message}`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() && !st.isBlockDevice()) throw new BlockBackendError(`${path}: not a regular file`);
      if (st.size % SECTOR_SIZE !== 0) {
        throw new BlockBackendError(`${path}: image size ${st.size} is not a multiple of ${SECTOR_SIZE} bytes`);
      }
      if (st.size === 0) throw new BlockBackendError(`${path}: image is empty`);
      return new FileBlockBackend(path, fd, st.size / SECTOR_SIZE, !writable);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  read(sector: number, out: Uint8Array): void {
    checkRange(this, sector, out.length, `${this.path}: read`);
    let done = 0;
    while (done < out.length) {
      const n = fs.readSync(this.fd, out, done, out.length - done, sector * SECTOR_SIZE + done);
      if (n <= 0) throw new BlockBackendError(`${this.path}: short read at sector ${sector}`);
      done += n;
    }
  }

  write(sector: number, data: Uint8Array): void {
    if (this.readOnly) throw new BlockBackendError(`${this.path}: write: disk is read-only`);
    checkRange(this, sector, data.length, `${this.path}: write`);
    let done = 0;
    while (done < data.length) {
      done += fs.writeSync(this.fd, data, done, data.length - done, sector * SECTOR_SIZE + done);
    }
  }

  flush(): void { if (!this.readOnly) fs.fsyncSync(this.fd); }

  close(): void {
    if (this.fd >= 0) { fs.closeSync(this.fd); this.fd = -1; }
  }
}
