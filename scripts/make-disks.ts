/**
 * Makes each arch's bundled default disk, test/fixtures/<arch>/disk.img.gz: a FAT32 image with
 * /sbin/hello (the seed's payload) and the other fixture programs under /bin, built with our own
 * FAT32 writer. Run: node -r ts-node/register/transpile-only scripts/make-disks.ts
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ARCH_NAMES } from '../arch/common/cpu';
import { buildFat32Image } from '../kernel/fs/fat32-build';

const root = join(__dirname, '..');
for (const arch of ARCH_NAMES) {
  const dir = join(root, 'test', 'fixtures', arch);
  if (!existsSync(join(dir, 'hello'))) { console.error(`${arch}: no fixtures, skipped`); continue; }
  const programs = readdirSync(dir).filter((f) => !f.includes('.') && f !== 'hello');
  const entries = [
    { path: '/sbin/hello', data: new Uint8Array(readFileSync(join(dir, 'hello'))) },
    ...programs.map((p) => ({ path: `/bin/${p}`, data: new Uint8Array(readFileSync(join(dir, p))) })),
  ];
  const img = buildFat32Image({ entries, label: 'RUNLINUXD' });
  writeFileSync(join(dir, 'disk.img.gz'), gzipSync(img, { level: 9 }));
  console.log(`${arch}: disk.img.gz with /sbin/hello and ${programs.length} programs in /bin`);
}
