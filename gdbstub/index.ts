/** The gdb stub's public surface (daemon and scripts import from here). */
export * from './target';
export { GdbServer } from './server';
export type { GdbServerOptions } from './server';
export { GdbStub, COMMANDS, DEFAULT_PACKET_SIZE } from './commands';
export type { Command } from './commands';
export { RspClient, RspError, parseStopReply } from './client';
export type { RspClientOptions, StopReply } from './client';
export { linuxToGdbSignal, gdbToLinuxSignal } from './signals';
