/**
 * Running guest programs in tests: under runlinuxd (the compiled daemon, spawned as a user would)
 * and under Debian's qemu-user, so results are compared in the same test run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchName } from '../../arch/common/cpu';
import { buildFat32Image } from '../../kernel/fs/fat32-build';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'runlinuxd.js');
export const GUEST_ENV = ['PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'HOME=/', 'TERM=linux'];

export interface Result { stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }

export function fixture(arch: ArchName, name: string): string {
  return join(ROOT, 'test', 'fixtures', arch, name);
}

export function run(cmd: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [], err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('utf8'), code, signal });
    });
    p.stdin.on('error', () => {});
    p.stdin.end(opts.input ?? '');
  });
}

/** runlinuxd with the given CLI arguments. */
export function runDaemon(args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<Result> {
  return run(process.execPath, [BIN, ...args], opts);
}

/**
 * qemu-<arch> on a host copy of the binary, with the environment and argv[0] runlinuxd gives the
 * guest. Exit by signal is reported as 128+N like the daemon does.
 */
export async function runQemu(arch: ArchName, hostPath: string, argv: string[], opts: { input?: string | Buffer; env?: string[] } = {}): Promise<Result> {
  // qemu-user hands its environment to the guest in reverse order; give it reversed so the
  // guest sees the order Linux (and runlinuxd) keeps.
  const pairs = [...(opts.env ?? GUEST_ENV)].reverse().map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]);
  const env = Object.fromEntries(pairs);
  const r = await run(`qemu-${arch}`, ['-0', argv[0]!, hostPath, ...argv.slice(1)], { input: opts.input, env });
  const sigs: Record<string, number> = { SIGSEGV: 11, SIGILL: 4, SIGTRAP: 5, SIGFPE: 8, SIGBUS: 7, SIGABRT: 6 };
  // qemu-user re-raises the guest's fatal signal on itself (and may dump core: ignore its message).
  return r.signal ? { ...r, code: 128 + (sigs[r.signal] ?? 0) } : r;
}

/** A FAT32 image in a temp folder holding the given host files at their guest paths. */
export function makeDisk(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runlinuxd-test-'));
  const img = join(dir, 'disk.img');
  const entries = Object.entries(files).map(([guest, src]) => ({
    path: guest,
    data: typeof src === 'string' ? new Uint8Array(readFileSync(src)) : src,
  }));
  writeFileSync(img, buildFat32Image({ entries }));
  return img;
}

/** The daemon runs are CPU-bound interpreters: run as many at once as there are CPUs, so that a
 *  busy machine slows each run down instead of starving them all into their timeouts. */
const SLOTS = Math.max(1, availableParallelism());
let busy = 0;
const waiting: (() => void)[] = [];
export async function limited<T>(f: () => Promise<T>): Promise<T> {
  if (busy >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  else busy++;
  try {
    return await f();
  } finally {
    const next = waiting.shift();
    if (next) next(); else busy--;
  }
}
