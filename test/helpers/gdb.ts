/**
 * End-to-end gdb tests: the real daemon (bin/runlinuxd.js, spawned as a user would) serving
 * `--gdb PORT`, and real `gdb-multiarch -batch -nx -ex ...` attaching to it.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import type { ArchName } from '../../arch/common/cpu';
import { BIN, fixture, ROOT } from './guest';

export const GDB = 'gdb-multiarch';

let gdbArches: string | null | undefined;
/** True if gdb-multiarch is installed and knows this gdb architecture name. */
export function gdbKnows(gdbArch: string): boolean {
  if (gdbArches === undefined) {
    const r = spawnSync(GDB, ['-batch', '-nx', '-ex', 'set architecture'], { encoding: 'utf8' });
    gdbArches = r.error ? null : `${r.stdout}${r.stderr}`;
  }
  return gdbArches !== null && new RegExp(`(^|[ ,])${gdbArch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,|\\.|$| )`, 'm').test(gdbArches);
}

/** A TCP port that was free a moment ago (the CLI does not take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Daemon {
  port: number;
  proc: ChildProcess;
  /** Guest stdout so far. */
  readonly stdout: string;
  /** Daemon log so far. */
  readonly stderr: string;
  /** Settles with the daemon's exit code (or 128+signal). */
  exited: Promise<number>;
  /** The exit code once it exited, else undefined. */
  readonly code: number | undefined;
  /** Resolves once the log matches (rejects after the timeout with the log). */
  waitLog(re: RegExp, timeoutMs?: number): Promise<void>;
  stop(): void;
}

const SIGNO: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };

/** Start `runlinuxd --arch A --gdb PORT [extra] -- argv` and wait until it listens. */
export async function startDaemon(arch: ArchName, argv: string[], extra: string[] = []): Promise<Daemon> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawn(process.execPath, [BIN, '--arch', arch, '--gdb', String(port), ...extra, '--', ...argv], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '', code: number | undefined;
    const waiters: Array<() => void> = [];
    const poke = (): void => { for (const w of waiters.splice(0)) w(); };
    proc.stdout!.on('data', (d: Buffer) => { stdout += d.toString('latin1'); poke(); });
    proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString('utf8'); poke(); });
    const exited = new Promise<number>((resolve) => {
      proc.on('close', (c, sig) => {
        code = c ?? 128 + (SIGNO[sig ?? ''] ?? 0);
        poke();
        resolve(code);
      });
    });
    const d: Daemon = {
      port,
      proc,
      get stdout() { return stdout; },
      get stderr() { return stderr; },
      get code() { return code; },
      exited,
      waitLog(re, timeoutMs = 15000) {
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in the daemon log:\n${stderr}`)), timeoutMs);
          const check = (): void => {
            if (re.test(stderr)) { clearTimeout(timer); resolve(); return; }
            if (code !== undefined) { clearTimeout(timer); reject(new Error(`daemon exited (${code}) before ${re}:\n${stderr}`)); return; }
            waiters.push(check);
          };
          check();
        });
      },
      stop() { if (code === undefined) proc.kill('SIGKILL'); },
    };
    try {
      await d.waitLog(/waiting for gdb on/);
      return d;
    } catch (e) {
      d.stop();
      if (attempt < 2 && /EADDRINUSE/.test(stderr)) continue;
      throw e;
    }
  }
}

export interface GdbResult {
  out: string;
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

export interface GdbOptions {
  timeoutMs?: number;
  /** Runs once gdb has been spawned (e.g. to send it SIGINT later). */
  during?: (p: ChildProcess, out: () => string) => void;
}

/** Run gdb-multiarch in batch mode (from the repo root: debug info paths are relative to it). */
export function runGdb(cmds: string[], opts: GdbOptions = {}): Promise<GdbResult> {
  const args = ['-batch', '-nx', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', 'set width 0', '-ex', 'set remotetimeout 10'];
  for (const c of cmds) args.push('-ex', c);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    // One pipe for both streams (the shell execs gdb with 2>&1), so lines keep gdb's own order.
    const p = spawn('/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', GDB, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 45000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ out, lines: out.split('\n'), code, signal, ms: Date.now() - t0 });
    });
    opts.during?.(p, () => out);
  });
}

/** e_entry of a fixture ELF (64-bit little-endian). */
export function elfEntry(arch: ArchName, name: string): bigint {
  return readFileSync(fixture(arch, name)).readBigUInt64LE(0x18);
}

/** Address of a symbol in a fixture, as gdb reads it from the ELF. */
export function symbolAddress(arch: ArchName, name: string, symbol: string): bigint {
  const r = spawnSync(GDB, ['-batch', '-nx', '-ex', `file ${fixture(arch, name)}`, '-ex', `p/x (long)&${symbol}`], { encoding: 'utf8', cwd: ROOT });
  const m = /^\$1 = (0x[0-9a-f]+)$/m.exec(r.stdout);
  if (!m) throw new Error(`no address for ${symbol}: ${r.stdout}${r.stderr}`);
  return BigInt(m[1]!);
}
