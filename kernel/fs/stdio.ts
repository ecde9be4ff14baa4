/** The guest's standard streams, backed by the daemon's chosen input source and output sinks. */
import { E, SysError } from '../errno';
import type { InputSource, OpenFile, OutputSink } from './file';

export class InputFile implements OpenFile {
  constructor(readonly name: string, private readonly src: InputSource) {}
  get isTty(): boolean { return this.src.isTty; }
  read(buf: Uint8Array): Promise<number> { return this.src.read(buf); }
  write(): number { throw new SysError(E.EBADF); }
}

export class OutputFile implements OpenFile {
  constructor(readonly name: string, private readonly sink: OutputSink) {}
  get isTty(): boolean { return this.sink.isTty; }
  read(): number { throw new SysError(E.EBADF); }
  write(data: Uint8Array): number {
    this.sink.write(data);
    return data.length;
  }
}
