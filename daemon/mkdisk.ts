/** `runlinuxd mkdisk`: a FAT32 image from host files, written in TypeScript (no mtools). */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { buildFat32Image } from '../kernel/fs/fat32-build';

/** Parses `host=/guest` (or just `host`, placed at the root) into its two halves. */
export function parseAdd(spec: string): { host: string; guest: string } {
  const eq = spec.lastIndexOf('=');
  const host = eq < 0 ? spec : spec.slice(0, eq);
  const guest = eq < 0 ? `/${basename(spec)}` : spec.slice(eq + 1);
  if (!host || !guest.startsWith('/')) throw new Error(`--add ${spec}: expected host/path=/guest/path`);
  return { host, guest };
}

export function mkdisk(out: string, adds: readonly string[], sizeMiB?: number, label?: string): number {
  try {
    const entries = adds.map((spec) => {
      const { host, guest } = parseAdd(spec);
      if (statSync(host).isDirectory()) throw new Error(`--add ${spec}: ${host} is a directory (add its files one by one)`);
      return { path: guest, data: new Uint8Array(readFileSync(host)) };
    });
    const img = buildFat32Image({ entries, label, sizeBytes: sizeMiB === undefined ? undefined : sizeMiB * 1024 * 1024 });
    writeFileSync(out, img);
    process.stderr.write(`runlinuxd: wrote ${out} (${(img.length / 1048576).toFixed(1)} MiB, ${entries.length} file(s))\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`runlinuxd mkdisk: ${(e as Error).message}\n`);
    return 1;
  }
}
