/** Shared by the FAT32 tests: temp folders, running dosfstools/mtools, reproducible file contents. */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function tmpDir(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'fat32-')); }

export function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '0' } });
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
