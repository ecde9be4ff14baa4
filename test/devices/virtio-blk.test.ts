import test from 'ava';
import { Bus } from '../../devices/bus';
import { Ram } from '../../devices/ram';
import { MemoryBlockBackend } from '../../devices/block-backend';
import { VirtioBlk } from '../../devices/virtio/blk';
import { VirtioMmio } from '../../devices/virtio/mmio';
import { VIRTIO_BLK_S, VIRTIO_BLK_T, VIRTIO_MMIO as R, VIRTIO_STATUS as S } from '../../devices/virtio/constants';
import { VirtioBlkDriver, VirtioBlkError } from '../../kernel/drivers/virtio-blk';

const RAM_BASE = 0x8000_0000;
const MMIO = 0x1000_1000;
const DMA = { base: RAM_BASE + 0x10_0000, size: 0x1_0000 };

function machine(sectors = 256, readOnly = false) {
  const disk = new Uint8Array(sectors * 512);
  for (let i = 0; i < disk.length; i++) disk[i] = (i * 7 + (i >> 9)) & 0xff;
  const bus = new Bus();
  bus.attachRam(RAM_BASE, new Ram(new ArrayBuffer(0x20_0000)));
  const backend = new MemoryBlockBackend(disk, { readOnly });
  const dev = new VirtioBlk(bus, backend, { serial: 'disk0' });
  const irqs: boolean[] = [];
  dev.onInterrupt = (l) => irqs.push(l);
  bus.attach(MMIO, new VirtioMmio(dev));
  return { bus, dev, disk, backend, irqs };
}

test('driver <-> device round trip through the bus', (t) => {
  const { bus, dev, disk, irqs } = machine();
  const drv = VirtioBlkDriver.probe(bus, MMIO, DMA);
  t.is(drv.capacity, 256);
  t.is(drv.sectorCount, 256);
  t.false(drv.readOnly);
  t.true(drv.hasFlush);
  t.is(bus.read(MMIO + R.STATUS, 4), S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);
  t.deepEqual([...drv.readSectors(3, 2)], [...disk.subarray(3 * 512, 5 * 512)]);
  // Larger than the bounce buffer (64 KiB area): split into several requests.
  t.deepEqual(Buffer.from(drv.readSectors(0, 256)), Buffer.from(disk));
  const data = new Uint8Array(1024).map((_, i) => 255 - (i & 0xff));
  drv.writeSectors(10, data);
  t.deepEqual([...disk.subarray(10 * 512, 12 * 512)], [...data]);
  drv.flush();
  t.is(drv.getId(), 'disk0');
  t.is(dev.queues[0]!.usedIdx, 1 + 3 + 1 + 1 + 1); // 256 sectors need 3 requests of <= 127
  t.true(irqs.includes(true));
  t.is(bus.read(MMIO + R.INTERRUPT_STATUS, 4), 0); // driver acked
  const r = drv.request(VIRTIO_BLK_T.IN, 255, 1024); // crosses the end
  t.is(r.status, VIRTIO_BLK_S.IOERR);
  t.is(drv.request(VIRTIO_BLK_T.IN, 256, 512).status, VIRTIO_BLK_S.IOERR);
  t.is(drv.request(VIRTIO_BLK_T.IN, 0, 100).status, VIRTIO_BLK_S.IOERR); // not a sector multiple
  t.is(drv.request(11 /* DISCARD */, 0, 0).status, VIRTIO_BLK_S.UNSUPP);
  t.throws(() => drv.readSectors(250, 10), { instanceOf: VirtioBlkError, message: 'virtio-blk: read sectors [250, +10) outside a 256-sector disk' });
  t.is(dev.lastError, null);
});

test('used ring wraps around the queue size', (t) => {
  const { bus, disk, dev } = machine(8);
  const drv = VirtioBlkDriver.probe(bus, MMIO, DMA, { queueSize: 4 });
  for (let i = 0; i < 70; i++) t.is(drv.readSectors(i % 8, 1)[0], disk[(i % 8) * 512]);
  t.is(dev.queues[0]!.size, 4);
  t.is(dev.queues[0]!.usedIdx, 70);
});

test('read-only device: RO negotiated, OUT answered with IOERR, disk untouched', (t) => {
  const { bus, disk } = machine(16, true);
  const before = disk.slice();
  const drv = VirtioBlkDriver.probe(bus, MMIO, DMA);
  t.true(drv.readOnly);
  const r = drv.request(VIRTIO_BLK_T.OUT, 0, new Uint8Array(512).fill(1));
  t.is(r.status, VIRTIO_BLK_S.IOERR);
  t.is(r.usedLen, 1);
  t.deepEqual(Buffer.from(disk), Buffer.from(before));
  t.throws(() => drv.writeSectors(0, new Uint8Array(512)), { message: 'virtio-blk: write to sector 0 refused: device is read-only (VIRTIO_BLK_F_RO)' });
});

function rawQueue(bus: Bus, qsize = 8) {
  // Hand-rolled queue for malformed chains: desc at DMA.base, avail/used after it.
  const desc = DMA.base, avail = desc + 16 * qsize, used = avail + 0x100;
  const w = (o: number, v: number) => bus.write(MMIO + o, 4, v);
  w(R.STATUS, 0); w(R.STATUS, 1); w(R.STATUS, 3);
  w(R.DRIVER_FEATURES_SEL, 1); w(R.DRIVER_FEATURES, 1);
  w(R.STATUS, 11);
  w(R.QUEUE_SEL, 0); w(R.QUEUE_NUM, qsize);
  w(R.QUEUE_DESC_LOW, desc); w(R.QUEUE_DRIVER_LOW, avail); w(R.QUEUE_DEVICE_LOW, used);
  w(R.QUEUE_READY, 1);
  w(R.STATUS, 15);
  const setDesc = (i: number, addr: number, len: number, flags: number, next: number) => {
    bus.writeU64(desc + 16 * i, addr); bus.writeU32(desc + 16 * i + 8, len);
    bus.writeU16(desc + 16 * i + 12, flags); bus.writeU16(desc + 16 * i + 14, next);
  };
  const submit = (head: number) => {
    const idx = bus.readU16(avail + 2);
    bus.writeU16(avail + 4 + 2 * (idx % qsize), head);
    bus.writeU16(avail + 2, idx + 1);
    w(R.QUEUE_NOTIFY, 0);
  };
  return { setDesc, submit, used };
}

test('malformed chain: buffer outside RAM -> DEVICE_NEEDS_RESET, no throw', (t) => {
  const { bus, dev, irqs } = machine();
  const q = rawQueue(bus);
  const hdr = DMA.base + 0x8000;
  q.setDesc(0, hdr, 16, 1, 1);
  q.setDesc(1, 0x4000_0000, 512, 3, 2); // not RAM
  q.setDesc(2, hdr + 16, 1, 2, 0);
  t.notThrows(() => q.submit(0));
  t.is(bus.read(MMIO + R.STATUS, 4), 15 | S.DEVICE_NEEDS_RESET);
  t.is(bus.read(MMIO + R.INTERRUPT_STATUS, 4), 2);
  t.is(irqs.at(-1), true);
  t.is(dev.lastError, 'queue 0: descriptor 1 buffer 0x40000000+512 outside RAM');
  t.is(bus.readU16(q.used + 2), 0);
  // Further notifies are ignored until reset; reset clears everything.
  t.notThrows(() => q.submit(0));
  bus.write(MMIO + R.STATUS, 4, 0);
  t.is(bus.read(MMIO + R.STATUS, 4), 0);
  t.is(bus.read(MMIO + R.INTERRUPT_STATUS, 4), 0);
  t.is(irqs.at(-1), false);
  // Driver works again after reset.
  const drv = VirtioBlkDriver.probe(bus, MMIO, DMA);
  t.is(drv.readSectors(0, 1).length, 512);
});

test('malformed chain: descriptor loop, bad next, bad head, short header', (t) => {
  const cases: Array<[string, (q: ReturnType<typeof rawQueue>) => void, number, string]> = [
    ['loop', (q) => { q.setDesc(0, DMA.base + 0x8000, 16, 1, 1); q.setDesc(1, DMA.base + 0x8100, 16, 1, 0); }, 0,
      'queue 0: descriptor chain from 0 longer than the queue (loop?)'],
    ['next out of range', (q) => { q.setDesc(0, DMA.base + 0x8000, 16, 1, 9); }, 0, 'queue 0: descriptor 0 next 9 >= size 8'],
    ['head out of range', () => {}, 8, 'queue 0: avail head 8 >= size 8'],
    ['short header', (q) => { q.setDesc(0, DMA.base + 0x8000, 8, 1, 1); q.setDesc(1, DMA.base + 0x8100, 1, 2, 0); }, 0,
      'virtio-blk: request header is 8 bytes, need 16'],
    ['readable after writable', (q) => { q.setDesc(0, DMA.base + 0x8000, 16, 3, 1); q.setDesc(1, DMA.base + 0x8100, 1, 0, 0); }, 0,
      'queue 0: readable descriptor 1 after a writable one'],
    ['indirect', (q) => { q.setDesc(0, DMA.base + 0x8000, 16, 4, 0); }, 0, 'queue 0: indirect descriptor 0 not negotiated'],
  ];
  for (const [name, setup, head, msg] of cases) {
    const { bus, dev } = machine();
    const q = rawQueue(bus);
    setup(q);
    t.notThrows(() => q.submit(head), name);
    t.is(dev.lastError, msg, name);
    t.is(bus.read(MMIO + R.STATUS, 4) & S.DEVICE_NEEDS_RESET, S.DEVICE_NEEDS_RESET, name);
  }
});
