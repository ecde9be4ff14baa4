/**
 * Starting the two guests of a differential run with the same program, argv and environment:
 * `qemu-<arch> -g PORT -0 /bin/NAME prog args` and `runlinuxd --gdb PORT --disk IMG -- /bin/NAME
 * args`, the disk holding the same binary at /bin/NAME. qemu-user 7.2 hands its environment to the
 * guest reversed (docs/fidelity.md), so it gets the list reversed; runlinuxd gets exactly the list
 * (its default variables unset).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
const RUNLINUXD = join(ROOT, 'bin', 'runlinuxd.js');

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

export async function launch(o: LaunchOptions): Promise<Launched> {
  const tmp = mkdtempSync(join(tmpdir(), 'rld-diff-'));
  const name = basename(o.program);
  const guestPath = `/bin/${name}`;
  const img = join(tmp, 'disk.img');
  const mk = spawnSync(process.execPath, [RUNLINUXD, 'mkdisk', img, '--add', `${resolve(o.program)}=${guestPath}`], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`mkdisk failed: ${mk.stderr}`);
  const [qport, oport] = [await freePort(), await freePort()];
  const qemuArgv = [...(o.qemuArgs ?? [])];
  if (o.qemuGdb !== false) qemuArgv.push('-g', String(qport));
  if (o.qemuStrace) qemuArgv.push('-strace');
  qemuArgv.push('-0', guestPath, resolve(o.program), ...o.args);
  const qemu = start(`qemu-${o.arch}`, qemuArgv, envObject([...o.env].reverse()), o.stdin, qport);
  const oursArgv = [RUNLINUXD, '--arch', o.arch, '--gdb', String(oport), '--disk', img, '--log-level', 'warn',
    '--env', 'PATH', '--env', 'HOME', '--env', 'TERM', ...o.env.flatMap((kv) => ['--env', kv]), '--', guestPath, ...o.args];
  const ours = start(process.execPath, oursArgv, { PATH: process.env['PATH'] }, o.stdin, oport);
  return {
    qemu,
    ours,
    guestPath,
    cleanup() {
      for (const g of [qemu, ours]) if (g.proc.exitCode === null && g.proc.signalCode === null) g.proc.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    },
  };
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
