/**
 * The Linux-mode machine: guest RAM, the device Bus with a virtio-mmio block device backed by
 * the disk image, and the kernel's virtio-blk driver and FAT32 mount on top — the I/O stack of
 * the arceos-runlinuxapp seed (virtio-blk device -> driver -> FAT32 -> ELF loader).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Bus } from '../devices/bus';
import { FileBlockBackend, MemoryBlockBackend, type BlockBackend } from '../devices/block-backend';
import { Ram } from '../devices/ram';
import { VirtioBlk } from '../devices/virtio/blk';
import { VirtioMmio } from '../devices/virtio/mmio';
import { VirtioBlkDriver } from '../kernel/drivers/virtio-blk';
import { Fat32 } from '../kernel/fs/fat32';

/** Physical layout, as on QEMU's virt board. */
export const RAM_BASE = 0x8000_0000;
export const VIRTIO_BLK_BASE = 0x1000_1000;
/** RAM kept for driver queues and DMA buffers, below the frames the kernel hands out. */
export const DMA_BYTES = 2 << 20;

export interface DiskSpec {
  /** An image file, or null for the arch's bundled default disk (gzip, held in memory). */
  path: string | null;
  defaultPath: string;
  writable: boolean;
}

export interface Machine {
  ram: ArrayBuffer;
  bus: Bus;
  driver: VirtioBlkDriver;
  root: Fat32;
  backend: BlockBackend;
}

function openBackend(disk: DiskSpec): BlockBackend {
  if (disk.path !== null) return FileBlockBackend.open(disk.path, { writable: disk.writable });
  // One output chunk of the size the gzip trailer announces, and a view instead of a copy: the
  // 33 MiB image is the largest allocation of a cold start (measured: 45-55 ms -> 35-40 ms).
  const gz = readFileSync(disk.defaultPath);
  const isize = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
  const image = gunzipSync(gz, isize > 0 ? { chunkSize: Math.max(isize, 64 * 1024) } : {});
  return new MemoryBlockBackend(new Uint8Array(image.buffer, image.byteOffset, image.byteLength), { readOnly: !disk.writable });
}

export function createMachine(memBytes: number, disk: DiskSpec): Machine {
  const ram = new ArrayBuffer(memBytes);
  const bus = new Bus();
  bus.attachRam(RAM_BASE, new Ram(ram));
  const backend = openBackend(disk);
  bus.attach(VIRTIO_BLK_BASE, new VirtioMmio(new VirtioBlk(bus, backend)));
  const driver = VirtioBlkDriver.probe(bus, VIRTIO_BLK_BASE, { base: RAM_BASE, size: DMA_BYTES });
  const root = Fat32.mount({
    sectorCount: driver.capacity,
    readOnly: driver.readOnly,
    readSectors: (s, n) => driver.readSectors(s, n),
    writeSectors: (s, d) => driver.writeSectors(s, d),
  });
  return { ram, bus, driver, root, backend };
}
