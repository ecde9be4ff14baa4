import test from 'ava';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Bus, BusError, type MmioDevice } from '../../devices/bus';
import { Ram } from '../../devices/ram';
import { BlockBackendError, FileBlockBackend, MemoryBlockBackend } from '../../devices/block-backend';

class Reg implements MmioDevice {
  readonly name = 'reg';
  readonly size = 0x100;
  log: string[] = [];
  read(off: number, size: 1 | 2 | 4): number { this.log.push(`r${off}/${size}`); return 0xa0 + off; }
  write(off: number, size: 1 | 2 | 4, v: number): void { this.log.push(`w${off}/${size}=${v}`); }
}

test('routes RAM and MMIO, little endian, shared buffer', (t) => {
  const buf = new ArrayBuffer(0x3000);
  const ram = new Ram(buf, 0x1000, 0x1000);
  const bus = new Bus();
  bus.attachRam(0x8000_0000, ram);
  const dev = new Reg();
  bus.attach(0x1000_1000, dev);
  bus.write(0x8000_0010, 4, 0x11223344);
  t.is(new Uint8Array(buf)[0x1010], 0x44);
  t.is(bus.read(0x8000_0010, 2), 0x3344);
  t.is(bus.read(0x8000_0013, 1), 0x11);
  t.is(bus.read(0x1000_1008, 4), 0xa8);
  bus.write(0x1000_1050, 4, 0xffffffff);
  t.deepEqual(dev.log, ['r8/4', 'w80/4=4294967295']);
  bus.writeU64(0x8000_0100, 0x1_2345_6789);
  t.is(bus.readU64(0x8000_0100), 0x1_2345_6789);
  t.is(bus.readBigU64(0x8000_0100), 0x1_2345_6789n);
  bus.writeBytes(0x8000_0ffe, Uint8Array.of(1, 2));
  t.deepEqual([...bus.readBytes(0x8000_0ffe, 2)], [1, 2]);
});

test('unmapped access and DMA outside RAM give BusError with the address', (t) => {
  const bus = new Bus();
  bus.attachRam(0x1000, Ram.allocate(0x1000));
  bus.attach(0x4000, new Reg());
  const e = t.throws(() => bus.read(0x3000, 4), { instanceOf: BusError });
  t.is(e?.addr, 0x3000);
  t.is(e?.message, 'bus read of 4 byte(s) at 0x3000: unmapped address');
  t.throws(() => bus.write(0x1ffe, 4, 0), { instanceOf: BusError }); // straddles the end
  const d = t.throws(() => bus.readBytes(0x1ff0, 0x20), { instanceOf: BusError });
  t.is(d?.message, 'bus read of 32 byte(s) at 0x1ff0: DMA outside RAM');
  t.throws(() => bus.readU32(0x4000), { instanceOf: BusError }); // DMA never reaches MMIO
  t.false(bus.isRam(0x1fff, 2));
  t.true(bus.isRam(0x1000, 0x1000));
});

test('attach rejects overlaps', (t) => {
  const bus = new Bus();
  bus.attachRam(0x1000, Ram.allocate(0x1000));
  const e = t.throws(() => bus.attach(0x1f00, new Reg()), { instanceOf: RangeError });
  t.is(e?.message, 'bus: reg [0x1f00, 0x2000) overlaps RAM [0x1000, 0x2000)');
  bus.attach(0x2000, new Reg());
  t.throws(() => bus.attachRam(0x20ff, Ram.allocate(16)), { message: /overlaps reg/ });
});

test('MemoryBlockBackend and FileBlockBackend', (t) => {
  const m = new MemoryBlockBackend(new Uint8Array(2048));
  m.write(1, new Uint8Array(512).fill(7));
  const out = new Uint8Array(512);
  m.read(1, out);
  t.is(out[511], 7);
  t.throws(() => m.read(3, new Uint8Array(1024)), { instanceOf: BlockBackendError, message: 'read: sectors [3, +2) outside a 4-sector disk' });
  const ro = new MemoryBlockBackend(new Uint8Array(512), { readOnly: true });
  t.throws(() => ro.write(0, new Uint8Array(512)), { message: 'write: disk is read-only' });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blk-'));
  const bad = path.join(dir, 'bad.img');
  fs.writeFileSync(bad, new Uint8Array(1000));
  t.throws(() => FileBlockBackend.open(bad), { message: `${bad}: image size 1000 is not a multiple of 512 bytes` });
  const good = path.join(dir, 'good.img');
  fs.writeFileSync(good, new Uint8Array(1024));
  const f = FileBlockBackend.open(good);
  t.true(f.readOnly);
  t.is(f.sectorCount, 2);
  t.throws(() => f.write(0, new Uint8Array(512)), { message: /read-only/ });
  f.close();
  const w = FileBlockBackend.open(good, { writable: true });
  w.write(1, new Uint8Array(512).fill(0x5a));
  w.flush();
  w.close();
  t.is(fs.readFileSync(good)[600], 0x5a);
  fs.rmSync(dir, { recursive: true });
});
