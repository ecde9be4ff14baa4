/**
 * One guest run: builds the machine, finds the program on the disk, creates the process and
 * runs it to its end (or hands it to the gdb stub). Every failure of the input — a missing or
 * corrupt disk, a missing program, a malformed ELF — is one clear log line and an exit code,
 * never a stack trace.
 */
import { writeSync } from 'node:fs';
import type { ArchModule } from '../arch/common/cpu';
import { BlockBackendError } from '../devices/block-backend';
import { VirtioBlkError } from '../kernel/drivers/virtio-blk';
import { FatError } from '../kernel/fs/fat32';
import { FatFileSystem } from '../kernel/fs/fat32-vfs';
import { HostFileSystem } from '../kernel/fs/hostfs';
import { readAll } from '../kernel/fs/inode';
import { InputFile, OutputFile } from '../kernel/fs/stdio';
import { TmpFileSystem } from '../kernel/fs/tmpfs';
import { Vfs, type VNode } from '../kernel/fs/vfs';
import { SysError } from '../kernel/errno';
import { Kernel, type Logger } from '../kernel/kernel';
import { ElfError } from '../kernel/loader/elf';
import { MapError } from '../kernel/mm/address-space';
import { signalName } from '../kernel/signals';
import type { ExitStatus } from '../kernel/task/process';
import { createMachine, DMA_BYTES } from './machine';
import { defaultDiskPath } from './paths';
import { GuestTarget, type GuestProgram } from './gdb-target';
import { GdbServer } from '../gdbstub/server';
import type { Process } from '../kernel/task/process';
import { runToEnd, StopRequest } from './run';
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
  /** Host folder mounted at /host (the ostoo seed's virtio-9p share), or null. */
  hostDir: string | null;
  deterministic: boolean;
  /** Print `instructions=N seconds=S mips=M` on stderr at the end (benchmarks read it). */
  stats: boolean;
  log: Logger;
}

/** Exit codes of the daemon itself, as shells use them. */
export const EXIT_SETUP = 125, EXIT_NOEXEC = 126, EXIT_NOTFOUND = 127;

/** st_dev of the mounts the daemon makes: the disk like /dev/vda1 (254:1), /tmp, /host. */
const ROOT_DEV = (254 << 8) | 1, TMP_DEV = 0x1a, HOST_DEV = 0x2b;

/** The program at `path` in the guest's namespace, or null when there is none. */
function findProgram(vfs: Vfs, path: string): VNode | null {
  try {
    return vfs.resolve(vfs.root, vfs.root, path, true);
  } catch (e) {
    if (e instanceof SysError) return null;
    throw e;
  }
}

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
  const trace = { on: cfg.traceSyscalls };
  const clock = { now: (): bigint => BigInt(Date.now()) * 1_000_000n };
  let vfs: Vfs;
  try {
    vfs = new Vfs(new FatFileSystem(machine.root, { dev: ROOT_DEV, clock: () => clock.now() }));
    vfs.mount('/tmp', new TmpFileSystem({ dev: TMP_DEV, clock: () => clock.now() }));
    if (cfg.hostDir !== null) vfs.mount('/host', new HostFileSystem(cfg.hostDir, { dev: HOST_DEV }));
  } catch (e) {
    log.error(`cannot mount ${cfg.hostDir ?? diskName}: ${(e as Error).message}`);
    return EXIT_SETUP;
  }
  const owner = { uid: cfg.deterministic ? 0 : process.getuid?.() ?? 0, gid: cfg.deterministic ? 0 : process.getgid?.() ?? 0 };
  const stdout = new OutputFile('/dev/pts/0', new FdSink(1), owner), stderr = new OutputFile('/dev/pts/0', new FdSink(2), owner);
  const kernel = new Kernel({
    arch: cfg.arch,
    ram: machine.ram,
    reservedBytes: DMA_BYTES,
    vfs,
    stdio: [new InputFile('/dev/pts/0', new FdSource(0), owner), stdout, stderr],
    log,
    // Synchronous, like the guest's own output, so the two interleave in program order.
    trace: (line) => { if (trace.on) writeSync(2, line + '\n'); },
    deterministic: cfg.deterministic,
  });
  clock.now = () => kernel.realtimeNs();

  let image: Uint8Array;
  try {
    const node = path.startsWith('/') ? findProgram(vfs, path) : null;
    if (!node) {
      log.error(`${path}: no such file on ${diskName}${path.startsWith('/') ? '' : ' (give an absolute guest path)'}`);
      return EXIT_NOTFOUND;
    }
    if (node.isDir) {
      log.error(`${path}: is a directory`);
      return EXIT_NOEXEC;
    }
    image = readAll(node.inode);
  } catch (e) {
    if (isInputError(e)) {
      log.error(`cannot read ${path} from ${diskName}: ${e.message}`);
      return EXIT_SETUP;
    }
    throw e;
  }

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

  if (cfg.gdb) return serveGdb(cfg, kernel, proc, { path, image, argv: cfg.program, env: cfg.env }, trace);
  const stop = new StopRequest();
  const onSignal = (sig: NodeJS.Signals): void => {
    const signo = sig === 'SIGINT' ? 2 : 15;
    if (stop.signal !== null) process.exit(128 + signo);
    stop.request(signo);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const t0 = process.hrtime.bigint();
    const status = await runToEnd(kernel, stop, () => stdout.referenced || stderr.referenced);
    if (cfg.stats) {
      const s = Number(process.hrtime.bigint() - t0) / 1e9, n = kernel.totalInstret;
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

/**
 * Serves one guest to gdb: stopped before its first instruction until a client resumes it. The
 * daemon ends when the guest has ended and no client remains (or a detached guest ends), with
 * the guest's exit status; a client that vanishes leaves the guest halted for the next one.
 */
async function serveGdb(cfg: RunConfig, kernel: Kernel, proc: Process, program: GuestProgram, trace: { on: boolean }): Promise<number> {
  const { log } = cfg;
  const target = new GuestTarget(kernel, cfg.arch, proc, program);
  target.traceSyscalls = (on) => { trace.on = on; };
  const server = new GdbServer(target, { host: cfg.gdb!.host, port: cfg.gdb!.port, logger: log });
  let done = false;
  let resolveDone!: (code: number) => void;
  const result = new Promise<number>((r) => { resolveDone = r; });
  const finish = (p: Process): void => {
    if (done) return;
    done = true;
    const status = p.status!;
    if (status.kind === 'exited') log.info(describeStatus(p.execPath, status));
    else log.error(describeStatus(p.execPath, status));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    void server.close().then(() => resolveDone(exitCodeOf(status)));
  };
  // SIGINT/SIGTERM to the daemon end the guest with that signal (exit status 128+N, as
  // without --gdb), a halted or running guest alike, and close the gdb connection. Installed
  // before listening: once the "waiting for gdb" line is out, a signal is always handled.
  const onSignal = (sig: NodeJS.Signals): void => {
    if (done) return;
    const signo = sig === 'SIGINT' ? 2 : 15;
    log.info(`${sig}: shutting down`);
    if (!target.proc.status) kernel.terminate(target.proc, { kind: 'signaled', signal: signo, detail: `daemon shut down by ${sig}` });
    target.interrupt();
    finish(target.proc);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  target.onDetachedExit = finish;
  server.on('disconnect', () => { if (target.proc.status) finish(target.proc); });
  try {
    await server.listen();
  } catch (e) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    log.error(`cannot listen for gdb on ${cfg.gdb!.host}:${cfg.gdb!.port}: ${(e as Error).message}`);
    return EXIT_SETUP;
  }
  return result;
}
