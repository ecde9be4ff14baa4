/** An open file description as the syscall layer sees it (read/write/ioctl on a file descriptor). */
export interface OpenFile {
  readonly name: string;
  /** True when this is a terminal (isatty, TCGETS/TIOCGWINSZ answer). */
  readonly isTty: boolean;
  /** Bytes read into `buf`; a Promise when the read must wait (the task blocks, not the daemon). */
  read(buf: Uint8Array): number | Promise<number>;
  /** Bytes written; throws SysError for errors (EBADF when not open for writing). */
  write(data: Uint8Array): number;
}

/** Where guest output goes: the daemon's terminal, a file, the gdb console... */
export interface OutputSink {
  readonly isTty: boolean;
  write(data: Uint8Array): void;
}

/** A source of guest input (the daemon's stdin). */
export interface InputSource {
  readonly isTty: boolean;
  /** Resolves with the bytes read, 0 at end of input. */
  read(buf: Uint8Array): Promise<number>;
}
