/** Shared by the FAT32 tests: temp folders, running dosfstools/mtools, reproducible file contents. */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { memoryDevice, type FatBlockDevice } from '../../kernel/fs/fat32';

export function tmpDir(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'fat32-')); }

/** mtools checks the geometry (refusing FAT32 below 65525 clusters) unless `skipCheck`. */
const mtoolsEnv = (skipCheck = false): NodeJS.ProcessEnv => ({ ...process.env, MTOOLS_SKIP_CHECK: skipCheck ? '1' : '0' });

export function run(cmd: string, args: string[], opts: { skipCheck?: boolean } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: mtoolsEnv(opts.skipCheck) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function exec(cmd: string, args: string[]): string { return execFileSync(cmd, args, { encoding: 'utf8' }); }

/** `n` pseudo-random bytes (xorshift32 from `seed`). */
export function pattern(n: number, seed: number): Uint8Array {
  const a = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; a[i] = x & 0xff; }
  return a;
}

/**
 * A device over `img` in memory whose writes also reach a temp image file, so the command-line
 * tools can check the disk at any time without copying it. `remove()` deletes the file.
 */
export function mirroredDevice(img: Uint8Array): { dev: FatBlockDevice; file: string; remove(): void } {
  const dir = tmpDir();
  const file = path.join(dir, 'disk.img');
  fs.writeFileSync(file, img);
  const mem = memoryDevice(img);
  const fd = fs.openSync(file, 'r+');
  return {
    file,
    dev: {
      sectorCount: mem.sectorCount,
      readSectors: mem.readSectors,
      writeSectors: (sector, data) => {
        mem.writeSectors!(sector, data);
        fs.writeSync(fd, data, 0, data.length, sector * 512);
      },
    },
    remove: () => { fs.closeSync(fd); fs.rmSync(dir, { recursive: true }); },
  };
}

/** Runs `fn` with `img` written to a temp file (for the command-line tools), then removes it. */
export function withImageFile<T>(img: Uint8Array, fn: (file: string) => T): T {
  const dir = tmpDir();
  const file = path.join(dir, 'disk.img');
  fs.writeFileSync(file, img);
  try {
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

/** `fsck.fat -n`: check only, never repair. */
export function fsckFat(file: string): { status: number | null; stdout: string; stderr: string } { return run('fsck.fat', ['-n', file]); }

/** `mdir -b`: one line per entry, "::/dir/name" ("/" appended for directories). */
export function mdirB(file: string, dirPath: string, opts: { skipCheck?: boolean } = {}): string[] {
  const r = run('mdir', ['-b', '-i', file, `::${dirPath}`], opts);
  if (r.status !== 0) throw new Error(`mdir ${dirPath}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** A file's bytes as `mtype` prints them. */
export function mtype(file: string, filePath: string, opts: { skipCheck?: boolean } = {}): Buffer {
  const r = spawnSync('mtype', ['-i', file, `::${filePath}`], { env: mtoolsEnv(opts.skipCheck) });
  if (r.status !== 0) throw new Error(`mtype ${filePath}: ${r.stderr.toString()}`);
  return r.stdout;
}
