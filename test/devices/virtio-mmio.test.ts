import test from 'ava';
import { Bus } from '../../devices/bus';
import { Ram } from '../../devices/ram';
import { MemoryBlockBackend } from '../../devices/block-backend';
import { VirtioBlk } from '../../devices/virtio/blk';
import { VirtioMmio } from '../../devices/virtio/mmio';
import { VIRTIO_MMIO as R, VIRTIO_STATUS as S } from '../../devices/virtio/constants';
import { VirtioBlkDriver } from '../../kernel/drivers/virtio-blk';

function setup(readOnly = false) {
  const bus = new Bus();
  bus.attachRam(0x8000_0000, Ram.allocate(0x10_0000));
  const dev = new VirtioBlk(bus, new MemoryBlockBackend(new Uint8Array(4096 * 1024), { readOnly }), { queueSize: 64 });
  const mmio = new VirtioMmio(dev);
  bus.attach(0x1000_1000, mmio);
  const rd = (o: number) => bus.read(0x1000_1000 + o, 4);
  const wr = (o: number, v: number) => bus.write(0x1000_1000 + o, 4, v);
  return { bus, dev, mmio, rd, wr };
}

test('identification and feature registers', (t) => {
  const { rd, wr, mmio, bus } = setup();
  t.is(mmio.size, 0x200);
  t.is(rd(R.MAGIC_VALUE), 0x74726976);
  t.is(rd(R.VERSION), 2);
  t.is(rd(R.DEVICE_ID), 2);
  t.is(rd(R.VENDOR_ID), 0x554d4551);
  wr(R.DEVICE_FEATURES_SEL, 0);
  t.is(rd(R.DEVICE_FEATURES), (1 << 9) | (1 << 6) | (1 << 2)); // FLUSH, BLK_SIZE, SEG_MAX
  wr(R.DEVICE_FEATURES_SEL, 1);
  t.is(rd(R.DEVICE_FEATURES), 1); // VERSION_1 (bit 32)
  wr(R.DEVICE_FEATURES_SEL, 2);
  t.is(rd(R.DEVICE_FEATURES), 0);
  t.is(rd(R.QUEUE_NUM_MAX), 64);
  wr(R.QUEUE_SEL, 1);
  t.is(rd(R.QUEUE_NUM_MAX), 0);
  t.is(rd(R.CONFIG_GENERATION), 0);
  t.is(rd(R.SHM_LEN_LOW), 0xffffffff);
  // Config space: capacity 8192 sectors, seg_max 62, blk_size 512; byte and halfword access.
  t.is(rd(R.CONFIG), 8192);
  t.is(rd(R.CONFIG + 4), 0);
  t.is(rd(R.CONFIG + 12), 62);
  t.is(rd(R.CONFIG + 20), 512);
  t.is(bus.read(0x1000_1000 + R.CONFIG + 1, 1), 0x20);
  t.is(bus.read(0x1000_1000 + R.CONFIG, 2), 0x2000);
  t.is(rd(R.CONFIG + 0x80), 0); // beyond config
  // Non-32-bit register access reads 0 and is ignored on write.
  t.is(bus.read(0x1000_1000 + R.MAGIC_VALUE, 2), 0);
  const ro = setup(true);
  ro.wr(R.DEVICE_FEATURES_SEL, 0);
  t.is(ro.rd(R.DEVICE_FEATURES) & (1 << 5), 1 << 5);
});

test('negotiation: FEATURES_OK refused without VERSION_1 or with unknown bits', (t) => {
  const { rd, wr } = setup();
  wr(R.STATUS, S.ACKNOWLEDGE);
  wr(R.STATUS, S.ACKNOWLEDGE | S.DRIVER);
  t.is(rd(R.STATUS), 3);
  wr(R.DRIVER_FEATURES_SEL, 0);
  wr(R.DRIVER_FEATURES, 1 << 9);
  wr(R.STATUS, 3 | S.FEATURES_OK);
  t.is(rd(R.STATUS), 3, 'no VERSION_1: FEATURES_OK not kept');
  wr(R.DRIVER_FEATURES_SEL, 1);
  wr(R.DRIVER_FEATURES, 1 | 2); // VERSION_1 + ACCESS_PLATFORM (not offered)
  wr(R.STATUS, 3 | S.FEATURES_OK);
  t.is(rd(R.STATUS), 3, 'unoffered bit: refused');
  wr(R.DRIVER_FEATURES, 1);
  wr(R.STATUS, 3 | S.FEATURES_OK);
  t.is(rd(R.STATUS), 11);
  // Features are frozen after FEATURES_OK.
  wr(R.DRIVER_FEATURES, 3);
  wr(R.STATUS, 0);
  t.is(rd(R.STATUS), 0, 'reset');
});

test('queue registers: addresses, ready validation, reset', (t) => {
  const { rd, wr, dev } = setup();
  wr(R.STATUS, 1); wr(R.STATUS, 3);
  wr(R.DRIVER_FEATURES_SEL, 1); wr(R.DRIVER_FEATURES, 1); wr(R.STATUS, 11);
  wr(R.QUEUE_SEL, 0);
  wr(R.QUEUE_NUM, 16);
  wr(R.QUEUE_DESC_LOW, 0x8000_1000); wr(R.QUEUE_DESC_HIGH, 0);
  wr(R.QUEUE_DRIVER_LOW, 0x8000_2000);
  wr(R.QUEUE_DEVICE_LOW, 0x8000_3000);
  t.is(rd(R.QUEUE_DESC_LOW), 0x8000_1000);
  t.is(rd(R.QUEUE_DRIVER_LOW), 0x8000_2000);
  t.is(rd(R.QUEUE_DEVICE_LOW), 0x8000_3000);
  wr(R.QUEUE_READY, 1);
  t.is(rd(R.QUEUE_READY), 1);
  t.is(dev.queues[0]!.size, 16);
  wr(R.QUEUE_NUM, 32); // ignored while ready
  t.is(dev.queues[0]!.size, 16);
  wr(R.STATUS, 0);
  t.is(rd(R.QUEUE_READY), 0);
  t.is(rd(R.QUEUE_DESC_LOW), 0);
  t.is(dev.queues[0]!.size, 64);
  // Rings outside RAM or size not a power of 2: not ready, device needs reset.
  wr(R.QUEUE_NUM, 16);
  wr(R.QUEUE_DESC_LOW, 0x1000); wr(R.QUEUE_DRIVER_LOW, 0x8000_2000); wr(R.QUEUE_DEVICE_LOW, 0x8000_3000);
  wr(R.QUEUE_READY, 1);
  t.is(rd(R.QUEUE_READY), 0);
  t.is(rd(R.STATUS) & S.DEVICE_NEEDS_RESET, S.DEVICE_NEEDS_RESET);
  t.is(dev.lastError, 'queue 0: descriptor table 0x1000 outside RAM');
  wr(R.STATUS, 0);
  wr(R.QUEUE_NUM, 12);
  wr(R.QUEUE_DESC_LOW, 0x8000_1000); wr(R.QUEUE_DRIVER_LOW, 0x8000_2000); wr(R.QUEUE_DEVICE_LOW, 0x8000_3000);
  wr(R.QUEUE_READY, 1);
  t.is(dev.lastError, 'queue 0: bad size 12 (max 64, power of 2)');
  wr(R.STATUS, 0);
  wr(R.QUEUE_DESC_HIGH, 0xffffffff); wr(R.QUEUE_DRIVER_LOW, 0x8000_2000); wr(R.QUEUE_DEVICE_LOW, 0x8000_3000);
  wr(R.QUEUE_READY, 1);
  t.is(rd(R.QUEUE_READY), 0);
});

test('driver probe refuses a device without VERSION_1 and a wrong device', (t) => {
  const { bus, dev } = setup();
  (dev as unknown as { deviceFeatures: () => [number, number] }).deviceFeatures = () => [1 << 9, 0];
  t.throws(() => VirtioBlkDriver.probe(bus, 0x1000_1000, { base: 0x8000_0000, size: 0x10000 }),
    { message: 'virtio-blk: at 0x10001000: device does not offer VIRTIO_F_VERSION_1' });
  t.is(bus.read(0x1000_1000 + R.STATUS, 4) & S.FAILED, S.FAILED);
  t.throws(() => VirtioBlkDriver.probe(bus, 0x8000_0000, { base: 0x8000_0000, size: 0x10000 }),
    { message: 'virtio-blk: at 0x80000000: bad magic 0x0 (not virtio-mmio)' });
});
