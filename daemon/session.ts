/**
 * One guest run: builds the machine, finds the program on the disk, creates the process and
 * runs it to its end (or hands it to the gdb stub). Every failure of the input — a missing or
 * corrupt disk, a missing program, a malformed ELF — is one clear log line and an exit code,
 * never a stack trace.
 */
import type { ArchModule } from '../arch/common/cpu';
import { BlockBackendError } from '../devices/block-backend';
import { VirtioBlkError } from '../kernel/drivers/virtio-blk';
import { FatError } from '../kernel/fs/fat32';
import { Kernel, type Logger } from '../kernel/kernel';
import { ElfError } from '../kernel/loader/elf';
import { MapError } from '../kernel/mm/address-space';
import { signalName } from '../kernel/signals';
import type { ExitStatus } from '../kernel/task/process';
import { createMachine, DMA_BYTES } from './machine';
import { defaultDiskPath } from './paths';
import { runToEnd } from './run';
import { FdSink, FdSource } from './stdio';

export interface RunConfig {
  arch: ArchModule;
  diskPath: string | null;
  diskWritable: boolean;
  /** Guest path of the program, then its arguments (argv[0] is the path). */
  program: string[];
  env: string[];
  traceSyscalls: boolean;
  gdb: { port: number; host: string } | null;
  memBytes: number;
  deterministic: boolean;
  /** Print `instructions=N seconds=S mips=M` on stderr at the end (benchmarks read it). */
  stats: boolean;
  log: Logger;
}

/** Exit codes of the daemon itself, as shells use them. */
export const EXIT_SETUP = 125, EXIT_NOEXEC = 126, EXIT_NOTFOUND = 127;

export function exitCodeOf(s: ExitStatus): number {
  return s.kind === 'exited' ? s.code : 128 + s.signal;
}

export function describeStatus(path: string, s: ExitStatus): string {
  return s.kind === 'exited' ? `${path} exited with code ${s.code}` : `${path} killed by ${signalName(s.signal)} (${s.detail})`;
}

function isInputError(e: unknown): e is Error {
  return e instanceof FatError || e instanceof BlockBackendError || e instanceof VirtioBlkError;
}

export async function runGuest(cfg: RunConfig): Promise<number> {
  const { log } = cfg;
  const diskName = cfg.diskPath ?? `the bundled ${cfg.arch.spec.name} disk`;
  let machine;
  try {
    machine = createMachine(cfg.memBytes, { path: cfg.diskPath, defaultPath: defaultDiskPath(cfg.arch.spec.name), writable: cfg.diskWritable });
  } catch (e) {
    if (isInputError(e) || (e as NodeJS.ErrnoException).code) {
      log.error(`cannot use ${diskName}: ${(e as Error).message}`);
      return EXIT_SETUP;
    }
    throw e;
  }
  const path = cfg.program[0]!;
  let image: Uint8Array;
  try {
    const node = path.startsWith('/') ? machine.root.lookup(path) : null;
    if (!node) {
      log.error(`${path}: no such file on ${diskName}${path.startsWith('/') ? '' : ' (give an absolute guest path)'}`);
      return EXIT_NOTFOUND;
    }
    if (node.isDir) {
      log.error(`${path}: is a directory`);
      return EXIT_NOEXEC;
    }
    image = machine.root.readFile(node);
  } catch (e) {
    if (isInputError(e)) {
      log.error(`cannot read ${path} from ${diskName}: ${e.message}`);
      return EXIT_SETUP;
    }
    throw e;
  }

  const kernel = new Kernel({
    arch: cfg.arch,
    ram: machine.ram,
    reservedBytes: DMA_BYTES,
    stdin: new FdSource(0),
    stdout: new FdSink(1),
    stderr: new FdSink(2),
    log,
    trace: cfg.traceSyscalls ? (line) => process.stderr.write(line + '\n') : null,
    deterministic: cfg.deterministic,
  });
  let proc;
  try {
    proc = kernel.spawn(path, image, cfg.program, cfg.env);
  } catch (e) {
    if (e instanceof ElfError || e instanceof MapError) {
      log.error(`${path}: cannot execute: ${e.message}`);
      return EXIT_NOEXEC;
    }
    throw e;
  }

  if (cfg.gdb) {
    log.error('--gdb is not available yet');
    return EXIT_SETUP;
  }
  const stop = { requested: false };
  const onSignal = (): void => {
    if (stop.requested) process.exit(130);
    stop.requested = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const t0 = process.hrtime.bigint();
    const status = await runToEnd(kernel, proc, stop);
    if (cfg.stats) {
      const s = Number(process.hrtime.bigint() - t0) / 1e9, n = proc.cpu.instret;
      process.stderr.write(`runlinuxd stats: instructions=${n} seconds=${s.toFixed(3)} mips=${(n / s / 1e6).toFixed(1)}\n`);
    }
    if (status.kind === 'exited') log.info(describeStatus(path, status));
    else log.error(describeStatus(path, status));
    return exitCodeOf(status);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
