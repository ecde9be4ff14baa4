/** Locations inside the installed package (works from dist/ and from the TypeScript sources). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ArchName } from '../arch/common/cpu';

function packageRoot(): string {
  let d = __dirname;
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('runlinuxd: cannot find the package root');
    d = up;
  }
  return d;
}

export const ROOT = packageRoot();

/** The bundled default disk of an arch: a gzip-compressed FAT32 image holding /sbin/hello. */
export function defaultDiskPath(arch: ArchName): string {
  return join(ROOT, 'test', 'fixtures', arch, 'disk.img.gz');
}
