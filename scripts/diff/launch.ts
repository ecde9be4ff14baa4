/**
 * Starting the two guests of a differential run with the same program, argv and environment:
 * `qemu-<arch> -g PORT -0 /bin/NAME prog args` and `runlinuxd --gdb PORT --disk IMG -- /bin/NAME
 * args`, the disk holding the same binary at /bin/NAME. qemu-user 7.2 hands its environment to the
 * guest reversed (docs/fidelity.md), so it gets the list reversed; runlinuxd gets exactly the list
 * (its default variables unset).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants as fsc, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
/** The runlinuxd under test: `RUNLINUXD_BIN` (e.g. the build of another checkout) or this checkout's. */
const RUNLINUXD = process.env['RUNLINUXD_BIN'] ? resolve(process.env['RUNLINUXD_BIN']) : join(ROOT, 'bin', 'runlinuxd.js');

export interface LaunchOptions {
  arch: string;
  program: string;
  args: string[];
  env: string[];
  stdin: string;
  /** Extra qemu options (e.g. `-cpu`). */
  qemuArgs?: string[];
  /** Ask qemu to wait for gdb (`-g`); false runs it free (syscalls mode with -strace). */
  qemuGdb?: boolean;
  qemuStrace?: boolean;
  /**
   * `-d` items of a qemu execution trace (`cpu,fpu,nochain`): qemu also gets `-singlestep -D FIFO`
   * and {@link Launched.traceFd} is the FIFO's read end (opened before qemu starts, non-blocking).
   */
  qemuTrace?: string;
}

export interface Guest {
  proc: ChildProcess;
  port: number;
  stdout: Buffer[];
  stderr: Buffer[];
  exited: Promise<number | null>;
}

export interface Launched {
  qemu: Guest;
  ours: Guest;
  guestPath: string;
  /** Read end of qemu's trace FIFO (with {@link LaunchOptions.qemuTrace}), else -1; the caller closes it. */
  traceFd: number;
  cleanup(): void;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => res(a.port));
    });
  });
}

function start(cmd: string, argv: string[], env: NodeJS.ProcessEnv, stdin: string, port: number): Guest {
  const proc = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const g: Guest = {
    proc,
    port,
    stdout: [],
    stderr: [],
    exited: new Promise((r) => proc.once('exit', (code, sig) => r(code ?? (sig ? -1 : null)))),
  };
  proc.stdout!.on('data', (d: Buffer) => g.stdout.push(d));
  proc.stderr!.on('data', (d: Buffer) => g.stderr.push(d));
  proc.stdin!.on('error', () => undefined);
  proc.stdin!.end(stdin);
  return g;
}

function envObject(list: readonly string[]): NodeJS.ProcessEnv {
  const o: NodeJS.ProcessEnv = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    o[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return o;
}

/**
 * Disk images made in this process, by program file (path, size, mtime): a test run launches
 * each program several times, and `runlinuxd mkdisk` is a Node start (0.3-1.5 s). runlinuxd
 * opens the image read-only, so runs can share it. Removed when the process exits.
 */
const disks = new Map<string, string>();
let diskDir: string | null = null;

function diskFor(program: string, guestPath: string): string {
  const st = statSync(program);
  const key = `${resolve(program)}\0${st.size}\0${st.mtimeMs}`;
  const have = disks.get(key);
  if (have) return have;
  if (!diskDir) {
    const dir = mkdtempSync(join(tmpdir(), 'rld-diff-disks-'));
    diskDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const img = join(diskDir, `${disks.size}.img`);
  const mk = spawnSync(process.execPath, [RUNLINUXD, 'mkdisk', img, '--add', `${resolve(program)}=${guestPath}`], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`mkdisk failed: ${mk.stderr}`);
  disks.set(key, img);
  return img;
}

export async function launch(o: LaunchOptions): Promise<Launched> {
  const tmp = mkdtempSync(join(tmpdir(), 'rld-diff-'));
  const name = basename(o.program);
  const guestPath = `/bin/${name}`;
  const img = diskFor(o.program, guestPath);
  const [qport, oport] = [await freePort(), await freePort()];
  const qemuArgv = [...(o.qemuArgs ?? [])];
  if (o.qemuGdb !== false) qemuArgv.push('-g', String(qport));
  if (o.qemuStrace) qemuArgv.push('-strace');
  let traceFd = -1;
  if (o.qemuTrace) {
    const fifo = join(tmp, 'trace.fifo');
    const mk = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
    if (mk.status !== 0) throw new Error(`mkfifo failed: ${mk.stderr || mk.error?.message}`);
    // Non-blocking: opening a FIFO for reading would otherwise wait for the writer (qemu). No read
    // may happen before qemu has opened its end (it would see EOF): qemu opens the -D file while
    // parsing its options, so reading starts once its gdb stub has answered.
    traceFd = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
    qemuArgv.push('-singlestep', '-d', o.qemuTrace, '-D', fifo);
  }
  qemuArgv.push('-0', guestPath, resolve(o.program), ...o.args);
  const qemu = start(`qemu-${o.arch}`, qemuArgv, envObject([...o.env].reverse()), o.stdin, qport);
  const oursArgv = [RUNLINUXD, '--arch', o.arch, '--gdb', String(oport), '--disk', img, '--log-level', 'warn',
    '--env', 'PATH', '--env', 'HOME', '--env', 'TERM', ...o.env.flatMap((kv) => ['--env', kv]), '--', guestPath, ...o.args];
  const ours = start(process.execPath, oursArgv, { PATH: process.env['PATH'] }, o.stdin, oport);
  return {
    qemu,
    ours,
    guestPath,
    traceFd,
    cleanup() {
      for (const g of [qemu, ours]) if (g.proc.exitCode === null && g.proc.signalCode === null) g.proc.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * After both guests exited: waits for the processes and compares what they printed (a note
 * says how stdout differs). The caller has closed its RSP clients.
 */
export async function compareStdout(L: Launched, notes: string[]): Promise<boolean> {
  await Promise.all([waitExit(L.qemu), waitExit(L.ours)]);
  const a = Buffer.concat(L.qemu.stdout), b = Buffer.concat(L.ours.stdout);
  const same = a.equals(b);
  if (!same) notes.push(`stdout differs: qemu ${JSON.stringify(a.toString('latin1').slice(0, 200))}, ours ${JSON.stringify(b.toString('latin1').slice(0, 200))}`);
  return same;
}

/** Wait for a process to exit (bounded), resolving its exit code. */
export async function waitExit(g: Guest, ms = 5000): Promise<number | null> {
  let t: NodeJS.Timeout | undefined;
  const r = await Promise.race([g.exited, new Promise<'timeout'>((res) => { t = setTimeout(() => res('timeout'), ms); })]);
  clearTimeout(t);
  if (r === 'timeout') {
    g.proc.kill('SIGKILL');
    return null;
  }
  return r;
}
