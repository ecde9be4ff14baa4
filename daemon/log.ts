/**
 * Logging through winston: levels, stderr (never stdout, which belongs to the guest), an optional
 * --log-file, colours and timestamps only on a terminal.
 */
import winston from 'winston';
import type { Logger } from '../kernel/kernel';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const ORDER: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export function createLogger(level: LogLevel, file?: string): Logger & { close(): Promise<void> } {
  const tty = process.stderr.isTTY === true;
  const line = winston.format.printf(({ level: l, message, timestamp }) =>
    `${timestamp ? `${String(timestamp)} ` : ''}runlinuxd ${l}: ${String(message)}`);
  const transports: winston.transport[] = [
    new winston.transports.Console({
      stderrLevels: ['error', 'warn', 'info', 'debug'],
      format: tty ? winston.format.combine(winston.format.colorize(), winston.format.timestamp({ format: 'HH:mm:ss.SSS' }), line) : line,
    }),
  ];
  if (file) {
    transports.push(new winston.transports.File({ filename: file, format: winston.format.combine(winston.format.timestamp(), line) }));
  }
  const w = winston.createLogger({ level, transports });
  // winston costs microseconds even for a dropped message; the gdb packet path logs at debug
  // level twice per step, so disabled levels are no-ops here.
  const on = (l: LogLevel): boolean => ORDER.indexOf(l) <= ORDER.indexOf(level);
  const nop = (): void => {};
  return {
    error: (m) => { w.error(m); },
    warn: on('warn') ? (m) => { w.warn(m); } : nop,
    info: on('info') ? (m) => { w.info(m); } : nop,
    debug: on('debug') ? (m) => { w.debug(m); } : nop,
    close: () => new Promise<void>((resolve) => {
      if (!file) { resolve(); return; }
      w.on('finish', () => resolve());
      w.end();
    }),
  };
}
