/**
 * Runs an aarch64 fixture directly on the kernel and this core (no disk, no daemon): the
 * in-process end-to-end path used by the fixture tests and for tracing while debugging.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aarch64 } from '../../arch/aarch64';
import { InputFile, OutputFile, type InputSource, type OutputSink } from '../../kernel/fs/stdio';
import { TmpFileSystem } from '../../kernel/fs/tmpfs';
import { Vfs } from '../../kernel/fs/vfs';
import { Kernel } from '../../kernel/kernel';
import type { ExitStatus } from '../../kernel/task/process';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'aarch64');

export interface GuestRun { stdout: string; status: ExitStatus; instret: number; seconds: number; cpuSeconds: number }

class Sink implements OutputSink {
  readonly isTty = false;
  chunks: Buffer[] = [];
  write(b: Uint8Array): void { this.chunks.push(Buffer.from(b)); }
  text(): string { return Buffer.concat(this.chunks).toString('latin1'); }
}

/** Runs fixture `name` with argv [path, ...args] and env; `trace` prints every instruction. */
export interface RunOptions { env?: string[]; input?: string; trace?: (line: string) => void; memMiB?: number; argv0?: string }

export function runFixture(name: string, args: string[] = [], opts: RunOptions = {}): Promise<GuestRun> {
  return runElf(join(FIXTURES, name), [opts.argv0 ?? `/bin/${name}`, ...args], opts);
}

/** Runs the static ELF at host path `file` with the given argv. */
export async function runElf(file: string, argv: string[], opts: RunOptions = {}): Promise<GuestRun> {
  const image = new Uint8Array(readFileSync(file));
  const name = argv[0]!;
  const ram = new ArrayBuffer((opts.memMiB ?? 256) * 1024 * 1024);
  const out = new Sink(), err = new Sink();
  let input = Buffer.from(opts.input ?? '');
  const stdin: InputSource = {
    isTty: false,
    read(buf: Uint8Array): Promise<number> { const b = input.subarray(0, buf.length); input = input.subarray(b.length); buf.set(b); return Promise.resolve(b.length); },
  };
  const log = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
  const kernel = new Kernel({
    arch: aarch64, ram, reservedBytes: 0, log: log as never, deterministic: true,
    vfs: new Vfs(new TmpFileSystem({ dev: 1, clock: () => 0n })),
    stdio: [new InputFile('stdin', stdin), new OutputFile('stdout', out), new OutputFile('stderr', err)],
  });
  const proc = kernel.spawn(name, image, argv, opts.env ?? ['FOO=bar']);
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  for (;;) {
    if (opts.trace) {
      const pc = proc.cpu.pc;
      const w = proc.cpu.mem.readU32(Number(pc));
      opts.trace(`${pc.toString(16)}: ${aarch64.disasm(w, pc)}`);
    }
    const ev = opts.trace ? kernel.run(proc, 1) : kernel.schedule(1_000_000);
    if (ev.kind === 'exit') {
      const s = Number(process.hrtime.bigint() - t0) / 1e9, c = process.cpuUsage(c0);
      return { stdout: out.text(), status: ev.status, instret: kernel.totalInstret, seconds: s, cpuSeconds: (c.user + c.system) / 1e6 };
    }
    if (ev.kind === 'blocked') await ev.until;
  }
}
