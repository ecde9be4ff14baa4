import test from 'ava';
import { buildFat32Image, FatBuildError } from '../../kernel/fs/fat32-build';
import { Fat32, memoryDevice } from '../../kernel/fs/fat32';
import * as fs from 'fs';
import * as path from 'path';
import { exec, pattern, run, tmpDir } from './_helpers';

const hello = pattern(70000, 1); // 137 clusters of 512 bytes
const deep = pattern(513, 2);
const entries = [
  { path: '/sbin/hello', data: hello },
  { path: '/empty' },
  { path: '/Some Long Name.txt', data: new TextEncoder().encode('hi\n') },
  { path: '/a/b/c/deep.bin', data: deep },
  { path: '/emptydir', dir: true },
  { path: '/README', data: new TextEncoder().encode('read me') },
  { path: '/lower.txt', data: Uint8Array.of(1) },
  { path: '/verylongfilename1.txt', data: Uint8Array.of(2) },
  { path: '/verylongfilename2.txt', data: Uint8Array.of(3) },
  { path: '/ünïcödé €.txt', data: Uint8Array.of(4, 5, 6) },
];

test('default image: 33 MiB, fsck.fat -n clean, mtools reads it back', (t) => {
  const img = buildFat32Image({ label: 'runlinux', entries });
  t.is(img.length, 33 * 1024 * 1024);
  const dir = tmpDir();
  const file = path.join(dir, 'disk.img');
  fs.writeFileSync(file, img);
  const f = run('fsck.fat', ['-n', file]);
  t.is(f.status, 0, f.stdout + f.stderr);
  t.is(f.stdout, `fsck.fat 4.2 (2021-01-31)\n${file}: 15 files, 152/66512 clusters\n`);
  t.is(f.stderr, '');
  const m = run('mdir', ['-b', '-i', file, '::/sbin']);
  t.is(m.status, 0, m.stderr);
  t.is(m.stdout, '::/sbin/hello\n');
  const root = run('mdir', ['-b', '-i', file, '::/']);
  t.deepEqual(root.stdout.trim().split('\n'), [
    '::/sbin/', '::/empty', '::/Some Long Name.txt', '::/a/', '::/emptydir/', '::/README', '::/lower.txt',
    '::/verylongfilename1.txt', '::/verylongfilename2.txt', '::/ünïcödé €.txt',
  ]);
  const label = exec('mlabel', ['-s', '-i', file, '::']);
  t.is(label.trim(), 'Volume label is RUNLINUX');
  for (const [p, data] of [['/sbin/hello', hello], ['/a/b/c/deep.bin', deep], ['/empty', new Uint8Array(0)], ['/ünïcödé €.txt', Uint8Array.of(4, 5, 6)]] as const) {
    const out = path.join(dir, 'out');
    exec('mcopy', ['-n', '-o', '-i', file, `::${p}`, out]);
    t.deepEqual(Buffer.compare(fs.readFileSync(out), Buffer.from(data)), 0, p);
  }
  fs.rmSync(dir, { recursive: true });
});

test('our reader reads the built image', (t) => {
  const img = buildFat32Image({ label: 'RUNLINUX', entries });
  const fat = Fat32.mount(memoryDevice(img));
  t.is(fat.geometry.clusterCount, 66512);
  t.is(fat.geometry.fatSectors, 520);
  t.is(fat.geometry.label, 'RUNLINUX');
  t.deepEqual(fat.geometry.fsInfo, { freeCount: 66512 - 152, nextFree: 154 });
  t.deepEqual(fat.readdir('/').map((n) => n.name), [
    'sbin', 'empty', 'Some Long Name.txt', 'a', 'emptydir', 'README', 'lower.txt',
    'verylongfilename1.txt', 'verylongfilename2.txt', 'ünïcödé €.txt',
  ]);
  t.deepEqual(fat.readdir('/').map((n) => n.shortName), [
    'SBIN', 'EMPTY', 'SOMELO~1.TXT', 'A', 'EMPTYDIR', 'README', 'LOWER.TXT', 'VERYLO~1.TXT', 'VERYLO~2.TXT', '_N_C_D~1.TXT',
  ]);
  t.deepEqual(Buffer.from(fat.readFile('/sbin/hello')), Buffer.from(hello));
  t.deepEqual(Buffer.from(fat.readFile('/SBIN/HELLO')), Buffer.from(hello));
  t.deepEqual([...fat.readFile('/verylo~2.txt')], [3]);
  t.deepEqual(Buffer.from(fat.readFile('/a/b/c/deep.bin')), Buffer.from(deep));
  t.is(fat.readFile('/empty').length, 0);
  t.deepEqual(fat.readdir('/emptydir'), []);
  t.deepEqual(fat.stat('/a/b'), { size: 0, isDir: true, mtimeMs: Date.UTC(2024, 0, 1), ctimeMs: Date.UTC(2024, 0, 1), atimeMs: Date.UTC(2024, 0, 1), readOnly: false });
  t.is(fat.lookup('/a/b/../b/./c/deep.bin')?.size, 513);
  t.is(fat.lookup('/nope'), null);
  t.is(fat.lookup('/empty/x'), null);
  // Random access across a cluster boundary and clamped at EOF.
  const node = fat.lookup('/sbin/hello')!;
  t.deepEqual(Buffer.from(fat.read(node, 500, 30)), Buffer.from(hello.subarray(500, 530)));
  t.deepEqual(Buffer.from(fat.read(node, 69990, 100)), Buffer.from(hello.subarray(69990)));
  t.is(fat.read(node, 80000, 10).length, 0);
});

test('reading a 60 KB file is fast', (t) => {
  const data = pattern(60 * 1024, 9);
  const img = buildFat32Image({ entries: [{ path: '/sbin/hello', data }] });
  const t0 = process.hrtime.bigint();
  const fat = Fat32.mount(memoryDevice(img));
  const out = fat.readFile('/sbin/hello');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.deepEqual(Buffer.from(out), Buffer.from(data));
  t.true(ms < 20, `mount + read took ${ms} ms`);
});

test('explicit sizes and builder errors', (t) => {
  const img = buildFat32Image({ sizeBytes: 300 * 1024 * 1024, entries: [{ path: '/x', data: pattern(10000, 3) }] });
  const fat = Fat32.mount(memoryDevice(img));
  t.is(fat.geometry.sectorsPerCluster, 8);
  t.deepEqual(Buffer.from(fat.readFile('/x')), Buffer.from(pattern(10000, 3)));
  t.throws(() => buildFat32Image({ sizeBytes: 16 * 1024 * 1024, entries: [] }), { instanceOf: FatBuildError,
    message: 'fat32-build: 16777216 bytes gives 32232 clusters of 512 bytes; FAT32 needs at least 65525' });
  t.throws(() => buildFat32Image({ sizeBytes: 1000, entries: [] }), { message: 'fat32-build: sizeBytes 1000 is not a positive multiple of 16384' });
  t.throws(() => buildFat32Image({ entries: [{ path: '/a' }, { path: '/A' }] }), { message: 'fat32-build: /A: already exists (names are case-insensitive)' });
  t.throws(() => buildFat32Image({ entries: [{ path: '/a' }, { path: '/a/b' }] }), { message: 'fat32-build: /a/b: a is a file' });
  t.throws(() => buildFat32Image({ entries: [{ path: '/a:b' }] }), { message: "fat32-build: /a:b: name contains a character FAT cannot store" });
  // Contents larger than the minimum grow the image in 1 MiB steps.
  const big = buildFat32Image({ entries: [{ path: '/big', data: new Uint8Array(40 * 1024 * 1024) }] });
  t.is(big.length % (1024 * 1024), 0);
  t.is(Fat32.mount(memoryDevice(big)).readFile('/big').length, 40 * 1024 * 1024);
});
