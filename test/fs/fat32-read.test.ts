import test from 'ava';
import { Fat32, FatError, memoryDevice } from '../../kernel/fs/fat32';
import { buildFat32Image } from '../../kernel/fs/fat32-build';
import { Bus } from '../../devices/bus';
import { Ram } from '../../devices/ram';
import { MemoryBlockBackend } from '../../devices/block-backend';
import { VirtioBlk } from '../../devices/virtio/blk';
import { VirtioMmio } from '../../devices/virtio/mmio';
import { VirtioBlkDriver } from '../../kernel/drivers/virtio-blk';
import * as fs from 'fs';
import * as path from 'path';
import { exec, pattern, tmpDir } from './_helpers';

test('reads an image made by mkfs.fat -F 32 and mcopy identically', (t) => {
  const dir = tmpDir();
  const img = path.join(dir, 'mk.img');
  exec('mkfs.fat', ['-F', '32', '-n', 'MKFS', '-C', img, String(40 * 1024)]);
  const files: Record<string, Uint8Array> = {
    '/sbin/hello': pattern(61234, 5),
    '/sbin/UPPER.TXT': pattern(10, 6),
    '/etc/lower.conf': pattern(0, 7),
    '/etc/A rather long file name with spaces.data': pattern(4097, 8),
    '/etc/deeper/x.y.z': pattern(1, 9),
  };
  exec('mmd', ['-i', img, '::/sbin', '::/etc', '::/etc/deeper', '::/emptydir']);
  for (const [p, data] of Object.entries(files)) {
    const host = path.join(dir, 'f');
    fs.writeFileSync(host, data);
    exec('mcopy', ['-i', img, host, `::${p}`]);
  }
  const fat = Fat32.mount(memoryDevice(new Uint8Array(fs.readFileSync(img))));
  t.is(fat.geometry.label, 'MKFS');
  for (const [p, data] of Object.entries(files)) t.deepEqual(Buffer.from(fat.readFile(p)), Buffer.from(data), p);
  t.deepEqual(fat.readdir('/etc').map((n) => n.name).sort(), ['A rather long file name with spaces.data', 'deeper', 'lower.conf']);
  t.deepEqual(fat.readdir('/').map((n) => n.name), ['sbin', 'etc', 'emptydir']);
  t.true(fat.lookup('/EMPTYDIR')!.isDir);
  fs.rmSync(dir, { recursive: true });
});

test('NT lowercase flags, orphan LFN, bad LFN checksum, deleted entries', (t) => {
  const img = buildFat32Image({ entries: [{ path: '/dir/Long Name One.txt', data: Uint8Array.of(1) }, { path: '/dir/GONE', data: Uint8Array.of(2) }, { path: '/dir/SHORT.TXT' }] });
  const fat0 = Fat32.mount(memoryDevice(img));
  const g = fat0.geometry;
  const dirOff = (g.firstDataSector + (fat0.lookup('/dir')!.firstCluster - 2) * g.sectorsPerCluster) * 512;
  // Slots: ., .., LFN x2, LONGNA~1.TXT, GONE, SHORT.TXT
  const a = img.slice();
  a[dirOff + 2 * 32 + 13] ^= 0xff; // corrupt the checksum of the first LFN slot -> sequence broken
  a[dirOff + 5 * 32] = 0xe5;        // delete GONE
  a[dirOff + 6 * 32 + 12] = 0x18;   // SHORT.TXT with lowercase base and ext
  const fat = Fat32.mount(memoryDevice(a));
  t.deepEqual(fat.readdir('/dir').map((n) => n.name), ['LONGNA~1.TXT', 'short.txt']);
  t.is(fat.lookup('/dir/gone'), null);
  t.is(fat.lookup('/dir/Long Name One.txt'), null);
  t.deepEqual([...fat.readFile('/dir/longna~1.txt')], [1]);
  const b = img.slice();
  b[dirOff + 4 * 32] = 0xe5; // delete the short entry: its LFN slots become orphans of GONE
  t.deepEqual(Fat32.mount(memoryDevice(b)).readdir('/dir').map((n) => n.name), ['GONE', 'SHORT.TXT']);
});

test('full stack: virtio-blk device -> driver -> FAT32', (t) => {
  const data = pattern(60 * 1024, 11);
  const disk = buildFat32Image({ entries: [{ path: '/sbin/hello', data }] });
  const bus = new Bus();
  bus.attachRam(0x8000_0000, new Ram(new ArrayBuffer(1 << 20)));
  bus.attach(0x1000_1000, new VirtioMmio(new VirtioBlk(bus, new MemoryBlockBackend(disk, { readOnly: true }))));
  const drv = VirtioBlkDriver.probe(bus, 0x1000_1000, { base: 0x8008_0000, size: 0x2_0000 });
  t.is(drv.capacity, disk.length / 512);
  const fat = Fat32.mount(drv);
  const out = fat.readFile('/sbin/hello');
  // Speed is measured by the benchmarks, never asserted here.
  t.deepEqual(Buffer.from(out), Buffer.from(data));
});

// ---- corrupt images
const base = buildFat32Image({ entries: [{ path: '/sbin/hello', data: pattern(70000, 1) }, { path: '/x', data: pattern(600, 2) }] });
const meta = (() => {
  const fat = Fat32.mount(memoryDevice(base));
  const hello = fat.lookup('/sbin/hello')!;
  const g = fat.geometry;
  return { g, hello, entryOff: (g.firstDataSector + (hello.entry!.dirCluster - 2) * g.sectorsPerCluster) * 512 + hello.entry!.index * 32 };
})();
function corrupt(f: (img: Uint8Array, dv: DataView) => void, len = base.length): Uint8Array {
  const img = base.slice(0, len);
  f(img, new DataView(img.buffer));
  return img;
}
const fatEntryOff = (c: number): number => meta.g.reservedSectors * 512 + c * 4;
const last = meta.g.clusterCount + 1;
const h0 = meta.hello.firstCluster;

const mountCases: Array<[string, Uint8Array, string]> = [
  ['bad signature', corrupt((i) => { i[510] = 0; }), 'fat32: boot sector signature is 0xaa00 (expected 0xaa55)'],
  ['bad jump', corrupt((i) => { i[0] = 0; }), 'fat32: boot sector jump 005890 is not EB xx 90 or E9 xx xx'],
  ['bytes/sector 0', corrupt((_, d) => d.setUint16(11, 0, true)), 'fat32: bytes per sector 0 is not 512, 1024, 2048 or 4096'],
  ['bytes/sector 3000', corrupt((_, d) => d.setUint16(11, 3000, true)), 'fat32: bytes per sector 3000 is not 512, 1024, 2048 or 4096'],
  ['sectors/cluster 3', corrupt((i) => { i[13] = 3; }), 'fat32: sectors per cluster 3 is not a power of two in 1..128'],
  ['reserved 0', corrupt((_, d) => d.setUint16(14, 0, true)), 'fat32: reserved sector count is 0'],
  ['no FATs', corrupt((i) => { i[16] = 0; }), 'fat32: number of FATs is 0'],
  ['root entries', corrupt((_, d) => d.setUint16(17, 512, true)), 'fat32: root entry count is 512 (must be 0 on FAT32; FAT12/16 unsupported)'],
  ['FATSz16', corrupt((_, d) => d.setUint16(22, 9, true)), 'fat32: 16-bit FAT size is 9 (must be 0 on FAT32; FAT12/16 unsupported)'],
  ['FATSz32 0', corrupt((_, d) => d.setUint32(36, 0, true)), 'fat32: 32-bit FAT size is 0'],
  ['FAT too small', corrupt((_, d) => d.setUint32(36, 100, true)), 'fat32: FAT of 100 sectors holds 12800 entries, too few for 67352 clusters'],
  ['root cluster 0', corrupt((_, d) => d.setUint32(44, 0, true)), `fat32: root cluster 0 out of range [2, ${last}]`],
  ['root cluster beyond end', corrupt((_, d) => d.setUint32(44, last + 1, true)), `fat32: root cluster ${last + 1} out of range [2, ${last}]`],
  ['total > device', corrupt((_, d) => d.setUint32(32, 70000, true)), 'fat32: image truncated: the file system spans 70000 sectors of 512 bytes but the device has 67584'],
  ['truncated image', corrupt(() => {}, 20 << 20), 'fat32: image truncated: the file system spans 67584 sectors of 512 bytes but the device has 40960'],
  ['tiny image', corrupt(() => {}, 100), 'fat32: device has 0 sectors'],
  ['FSInfo signature', corrupt((_, d) => d.setUint32(512, 0x12345678, true)), 'fat32: FSInfo sector 1: lead signature 0x12345678 (expected 0x41615252)'],
];
for (const [name, img, msg] of mountCases) {
  test(`corrupt: ${name}`, (t) => {
    t.throws(() => Fat32.mount(memoryDevice(img)), { instanceOf: FatError, message: msg });
  });
}

const readCases: Array<[string, Uint8Array, string]> = [
  ['FAT chain loop', corrupt((_, d) => d.setUint32(fatEntryOff(h0 + 5), h0 + 1, true)),
    `fat32: /sbin/hello: cluster chain loops (cluster ${h0 + 5} points back to ${h0 + 1})`],
  ['chain pointing past the end', corrupt((_, d) => d.setUint32(fatEntryOff(h0 + 3), last + 1, true)),
    `fat32: /sbin/hello: cluster ${h0 + 3} points to ${last + 1}, past the end of the volume (last cluster ${last})`],
  ['chain into a free cluster', corrupt((_, d) => d.setUint32(fatEntryOff(h0 + 3), 60000, true)),
    `fat32: /sbin/hello: cluster 60000 in the chain is marked free`],
  ['size larger than the chain', corrupt((_, d) => d.setUint32(meta.entryOff + 28, 1_000_000, true)),
    `fat32: /sbin/hello: size 1000000 needs 1954 clusters but its chain from cluster ${h0} has 137`],
  ['size 4 GiB - 1', corrupt((_, d) => d.setUint32(meta.entryOff + 28, 0xffffffff, true)),
    `fat32: /sbin/hello: size 4294967295 needs 8388608 clusters but its chain from cluster ${h0} has 137`],
  ['first cluster beyond end', corrupt((_, d) => { d.setUint16(meta.entryOff + 20, 0x7fff, true); }),
    `fat32: /sbin/hello: first cluster ${0x7fff * 65536 + h0} out of range [2, ${last}]`],
];
for (const [name, img, msg] of readCases) {
  test(`corrupt: ${name}`, (t) => {
    const fat = Fat32.mount(memoryDevice(img));
    t.throws(() => fat.readFile('/sbin/hello'), { instanceOf: FatError, message: msg });
    t.deepEqual(Buffer.from(fat.readFile('/x')), Buffer.from(pattern(600, 2))); // the rest still works
  });
}

test('corrupt: directory chain loop', (t) => {
  const sbin = Fat32.mount(memoryDevice(base)).lookup('/sbin')!.firstCluster;
  const img = corrupt((_, d) => d.setUint32(fatEntryOff(sbin), sbin, true));
  const fat = Fat32.mount(memoryDevice(img));
  t.throws(() => fat.lookup('/sbin/hello'), { instanceOf: FatError, message: `fat32: directory /sbin: cluster chain loops (cluster ${sbin} points back to ${sbin})` });
});
