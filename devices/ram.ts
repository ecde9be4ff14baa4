/**
 * Guest RAM: a window onto an ArrayBuffer shared with the CPU's memory.
 *
 * The buffer may be huge (multi-GiB); the host OS commits its pages only when they are touched,
 * so creating a Ram costs nothing until the guest (or a DMA-ing device) writes to it.
 */
export class Ram {
  /** Byte view of the RAM window (offset 0 = the RAM's first byte, not the buffer's). */
  readonly u8: Uint8Array;
  /** Little-endian accessors over the same window. */
  readonly dv: DataView;
  /** Size of the window in bytes. */
  readonly size: number;

  constructor(buffer: ArrayBuffer, byteOffset = 0, length = buffer.byteLength - byteOffset) {
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || !Number.isInteger(length) || length < 0 ||
        byteOffset + length > buffer.byteLength) {
      throw new RangeError(`Ram: window [${byteOffset}, +${length}) outside a ${buffer.byteLength}-byte buffer`);
    }
    this.u8 = new Uint8Array(buffer, byteOffset, length);
    this.dv = new DataView(buffer, byteOffset, length);
    this.size = length;
  }

  /** Convenience: RAM backed by a fresh zeroed buffer of `size` bytes. */
  static allocate(size: number): Ram {
    return new Ram(new ArrayBuffer(size));
  }
}
