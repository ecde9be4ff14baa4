/**
 * virtio-mmio transport, version 2 (virtio 1.2 §4.2.2 "MMIO Device Register Layout").
 * Wraps any VirtioDevice; the bus owns the base address (QEMU virt: 0x10001000 + 0x1000*n on
 * riscv64, 0x0a000000 + 0x200*n on aarch64).
 *
 * Registers below 0x100 are 32-bit only; other widths read 0 and are ignored on write
 * (QEMU logs a guest error and does the same). Config space at 0x100 takes 8/16/32-bit accesses.
 */
import type { MmioDevice } from '../bus';
import { VIRTIO_MMIO as R } from './constants';
import type { VirtioDevice } from './queue';

export class VirtioMmio implements MmioDevice {
  readonly size: number = R.WINDOW_SIZE;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private queueSel = 0;
  private shmSel = 0;

  constructor(readonly dev: VirtioDevice, readonly name = `virtio-mmio(${dev.deviceId})`) {}

  read(off: number, size: 1 | 2 | 4): number {
    const d = this.dev;
    if (off >= R.CONFIG) return d.configRead(off - R.CONFIG, size) >>> 0;
    if (size !== 4 || (off & 3) !== 0) return 0;
    const q = d.queues[this.queueSel];
    switch (off) {
      case R.MAGIC_VALUE: return R.MAGIC;
      case R.VERSION: return 2;
      case R.DEVICE_ID: return d.deviceId;
      case R.VENDOR_ID: return d.vendorId;
      case R.DEVICE_FEATURES: {
        const f = d.deviceFeatures();
        return this.deviceFeaturesSel < 2 ? f[this.deviceFeaturesSel]! : 0;
      }
      case R.QUEUE_NUM_MAX: return q === undefined ? 0 : q.maxSize;
      case R.QUEUE_READY: return q?.ready ? 1 : 0;
      case R.INTERRUPT_STATUS: return d.isr;
      case R.STATUS: return d.status;
      case R.QUEUE_DESC_LOW: return q === undefined ? 0 : lo(q.descAddr);
      case R.QUEUE_DESC_HIGH: return q === undefined ? 0 : hi(q.descAddr);
      case R.QUEUE_DRIVER_LOW: return q === undefined ? 0 : lo(q.driverAddr);
      case R.QUEUE_DRIVER_HIGH: return q === undefined ? 0 : hi(q.driverAddr);
      case R.QUEUE_DEVICE_LOW: return q === undefined ? 0 : lo(q.deviceAddr);
      case R.QUEUE_DEVICE_HIGH: return q === undefined ? 0 : hi(q.deviceAddr);
      // No shared memory regions: SHMLen reads as -1 (§4.2.2).
      case R.SHM_LEN_LOW: case R.SHM_LEN_HIGH: case R.SHM_BASE_LOW: case R.SHM_BASE_HIGH: return 0xffffffff;
      case R.CONFIG_GENERATION: return d.configGeneration;
      default: return 0; // write-only or reserved
    }
  }

  write(off: number, size: 1 | 2 | 4, value: number): void {
    const d = this.dev;
    if (off >= R.CONFIG) { d.configWrite(off - R.CONFIG, size, value); return; }
    if (size !== 4 || (off & 3) !== 0) return;
    value >>>= 0;
    const q = d.queues[this.queueSel];
    switch (off) {
      case R.DEVICE_FEATURES_SEL: this.deviceFeaturesSel = value; return;
      case R.DRIVER_FEATURES: d.writeDriverFeatures(this.driverFeaturesSel, value); return;
      case R.DRIVER_FEATURES_SEL: this.driverFeaturesSel = value; return;
      case R.QUEUE_SEL: this.queueSel = value; return;
      case R.QUEUE_NUM: if (q !== undefined && !q.ready) q.size = value; return;
      case R.QUEUE_READY: if (q !== undefined) d.setQueueReady(q, (value & 1) === 1); return;
      case R.QUEUE_NOTIFY: d.notify(value & 0xffff); return;
      case R.INTERRUPT_ACK: d.ackInterrupt(value); return;
      case R.STATUS: d.writeStatus(value); if (value === 0) this.resetTransport(); return;
      case R.QUEUE_DESC_LOW: if (q !== undefined && !q.ready) q.descAddr = setLo(q.descAddr, value); return;
      case R.QUEUE_DESC_HIGH: if (q !== undefined && !q.ready) q.descAddr = setHi(q.descAddr, value); return;
      case R.QUEUE_DRIVER_LOW: if (q !== undefined && !q.ready) q.driverAddr = setLo(q.driverAddr, value); return;
      case R.QUEUE_DRIVER_HIGH: if (q !== undefined && !q.ready) q.driverAddr = setHi(q.driverAddr, value); return;
      case R.QUEUE_DEVICE_LOW: if (q !== undefined && !q.ready) q.deviceAddr = setLo(q.deviceAddr, value); return;
      case R.QUEUE_DEVICE_HIGH: if (q !== undefined && !q.ready) q.deviceAddr = setHi(q.deviceAddr, value); return;
      case R.SHM_SEL: this.shmSel = value; return;
      default: return; // read-only or reserved: ignored
    }
  }

  private resetTransport(): void {
    this.deviceFeaturesSel = this.driverFeaturesSel = this.queueSel = this.shmSel = 0;
  }
}

// 64-bit queue addresses kept as JS numbers; a high word >= 2^21 makes them unsafe, so it is
// clamped to an address no RAM can have (the queue check then reports "outside RAM").
const TWO32 = 0x1_0000_0000;
function lo(a: number): number { return a % TWO32 >>> 0; }
function hi(a: number): number { return Math.floor(a / TWO32) >>> 0; }
function setLo(a: number, v: number): number { return hi(a) * TWO32 + v; }
function setHi(a: number, v: number): number { return Math.min(v, 0x1fffff) * TWO32 + lo(a); }
