/** The daemon's own stdin/stdout/stderr as the guest's standard streams. */
import { constants, fstatSync, read, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { InputSource, OutputSink } from '../kernel/fs/stdio';

function fileTypeOf(fd: number): number | undefined {
  try { return fstatSync(fd).mode & constants.S_IFMT; } catch { return undefined; }
}

export class FdSink implements OutputSink {
  readonly isTty: boolean;
  readonly fileType: number | undefined;
  constructor(private readonly fd: number) { this.isTty = isatty(fd); this.fileType = fileTypeOf(fd); }

  write(data: Uint8Array): void {
    for (let off = 0; off < data.length;) {
      try {
        off += writeSync(this.fd, data, off, data.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE') return;
        throw e;
      }
    }
  }
}

export class FdSource implements InputSource {
  readonly isTty: boolean;
  readonly fileType: number | undefined;
  constructor(private readonly fd: number) { this.isTty = isatty(fd); this.fileType = fileTypeOf(fd); }

  read(buf: Uint8Array): Promise<number> {
    return new Promise((resolve) => {
      read(this.fd, buf, 0, buf.length, null, (e, n) => {
        if (e && (e as NodeJS.ErrnoException).code === 'EAGAIN') { setTimeout(() => { void this.read(buf).then(resolve); }, 5); return; }
        resolve(e ? 0 : n);
      });
    });
  }
}
