/**
 * `npm run bench`: runlinuxd against qemu-user on the CPU-bound fixtures, side by side in one run.
 *
 *   npm run bench -- [--arch A] [--only power3,fib] [--quick] [--repeat K] [--timeout S] [--no-build]
 *
 * Per arch: builds .bench/<arch>.img (FAT32, /bin/<prog>) with the compiled daemon's mkdisk, then
 * for hello (cold, whole process) and each benchmark runs, K times each, alternating:
 *   env -i <DEFAULT_ENV> qemu-<arch> -0 /bin/<prog> -plugin .bench/insn-count.so test/fixtures/<arch>/<prog> N
 *   env -i <DEFAULT_ENV> node bin/runlinuxd.js --arch <arch> --disk .bench/<arch>.img --stats --log-level warn -- /bin/<prog> N
 * Both guests see the same argv (qemu's `-0` sets argv[0] = /bin/<prog>: musl's startup scans
 * argv[0], so its length changes the count) and the same environment variables (daemon/cli.ts
 * DEFAULT_ENV; qemu passes them in reverse order, which leaves the count unchanged).
 * Prints a Markdown table on stdout (progress and notes on stderr). Exits 1 only when a guest's
 * stdout or exit status differs from qemu's; timings never fail anything.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const BENCH_DIR = join(ROOT, '.bench');
const PLUGIN = join(BENCH_DIR, 'insn-count.so');
const BIN = join(ROOT, 'bin', 'runlinuxd.js');

/** One benchmark: fixture name, default argument (~0.3-1 s under qemu, test/fixtures/README.md), quick argument. */
interface Bench { name: string; n: string; quick: string }
const BENCHES: readonly Bench[] = [
  { name: 'power3', n: '300000000', quick: '200000' },
  { name: 'fib', n: '37', quick: '20' },
  { name: 'sieve', n: '30000000', quick: '100000' },
  { name: 'qsort_crc', n: '250000', quick: '1000' },
];

interface Options { arches: string[] | null; only: string[] | null; quick: boolean; repeat: number; timeoutS: number; build: boolean }

function usage(msg?: string): never {
  if (msg) process.stderr.write(`bench: ${msg}\n`);
  process.stderr.write('usage: npm run bench -- [--arch A[,B]] [--only power3,fib,...] [--quick] [--repeat K] [--timeout S] [--no-build]\n');
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const o: Options = { arches: null, only: null, quick: false, repeat: 1, timeoutS: 900, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [key, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${key} needs a value`);
      return v;
    };
    switch (key) {
      case '--arch': o.arches = [...(o.arches ?? []), ...value().split(',').filter(Boolean)]; break;
      case '--only': o.only = [...(o.only ?? []), ...value().split(',').filter(Boolean)]; break;
      case '--quick': o.quick = true; break;
      case '--repeat': o.repeat = Number(value()); break;
      case '--timeout': o.timeoutS = Number(value()); break;
      case '--no-build': o.build = false; break;
      case '-h': case '--help': usage();
      default: usage(`unknown option ${a}`);
    }
  }
  if (!Number.isInteger(o.repeat) || o.repeat < 1) usage('--repeat must be a positive integer');
  if (!(o.timeoutS > 0)) usage('--timeout must be a positive number of seconds');
  const known = ['hello', ...BENCHES.map((b) => b.name)];
  for (const p of o.only ?? []) if (!known.includes(p)) usage(`--only ${p}: not one of ${known.join(', ')}`);
  return o;
}

const note = (s: string): void => { process.stderr.write(`bench: ${s}\n`); };

/** The daemon's own modules, when they load; while an arch core is half-landed they may not. */
function loadDaemonFacts(): { arches: string[]; env: string[]; problems: string[] } {
  const problems: string[] = [];
  let arches: string[];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    arches = (require('../arch/index') as { implementedArches(): string[] }).implementedArches();
  } catch (e) {
    arches = ['riscv64'];
    problems.push(`arch/index.ts does not load (${firstLine(e)}); defaulting to --arch riscv64`);
  }
  let env: string[];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    env = [...(require('../daemon/cli') as { DEFAULT_ENV: readonly string[] }).DEFAULT_ENV];
  } catch (e) {
    // same list, read from the source text
    const m = /export const DEFAULT_ENV\s*=\s*\[([^\]]*)\]/.exec(readFileSync(join(ROOT, 'daemon', 'cli.ts'), 'utf8'));
    if (!m) throw new Error(`cannot load daemon/cli.ts (${firstLine(e)}) nor find DEFAULT_ENV in its text`);
    env = [...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!);
  }
  return { arches, env, problems };
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0]!;
}

/** `tsc -p tsconfig.json` (what `npm run build` does). tsc emits even with type errors; those are reported, not fatal. */
function build(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  const errors = (r.stdout ?? '').split('\n').filter((l) => /error TS\d+/.test(l));
  if (r.status === 0) note(`built dist/ with tsc (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  else note(`tsc reported ${errors.length} type error(s) (output emitted anyway), first: ${errors[0] ?? r.stderr.trim()}`);
  if (!existsSync(join(ROOT, 'dist', 'daemon', 'cli.js'))) note('dist/daemon/cli.js missing: bin/runlinuxd.js falls back to ts-node, start-up times are not representative');
}

/** .bench/insn-count.so, built with scripts/build-qemu-plugin.sh if missing; null if that fails. */
function ensurePlugin(): string | null {
  if (existsSync(PLUGIN)) return PLUGIN;
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'build-qemu-plugin.sh')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status === 0 && existsSync(PLUGIN)) { note(`built ${PLUGIN}`); return PLUGIN; }
  note(`could not build the qemu instruction-count plugin (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); qemu runs without counts`);
  return null;
}

interface ProcResult {
  stdout: Buffer;
  stderr: string;
  /** `exit N` / `signal N` as the fixtures record it, or `timeout` / `spawn error: ...`. */
  status: string;
  wallS: number;
  ok: boolean;
}

/** Runs one process with stdin at EOF, stdout and stderr collected; wall time from spawn to exit. */
function run(cmd: string, args: string[], env: Record<string, string>, timeoutS: number): Promise<ProcResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [], err: Buffer[] = [];
    let timedOut = false;
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.alloc(0), stderr: '', status: `spawn error: ${e.message}`, wallS: 0, ok: false });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const status = timedOut ? `timeout after ${timeoutS} s` : signal ? `signal ${signal}` : `exit ${code}`;
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), status, wallS, ok: !timedOut });
    });
  });
}

/** `runlinuxd stats: instructions=N seconds=S mips=M` (daemon/session.ts). */
function parseStats(stderr: string): { insns: bigint; seconds: number; mips: number } | null {
  const m = /runlinuxd stats: instructions=(\d+) seconds=([\d.]+) mips=([\d.]+|Infinity|NaN)/.exec(stderr);
  return m ? { insns: BigInt(m[1]!), seconds: Number(m[2]), mips: Number(m[3]) } : null;
}

/** `insns: N` from .bench/insn-count.so. */
function parseInsns(stderr: string): bigint | null {
  const m = /^insns: (\d+)$/m.exec(stderr);
  return m ? BigInt(m[1]!) : null;
}

interface Row {
  prog: string;
  n: string;
  ours: ProcResult[];
  qemu: ProcResult[];
  oursStats: ({ insns: bigint; seconds: number; mips: number } | null)[];
  qemuInsns: (bigint | null)[];
  /** Differences between our stdout/status and qemu's; empty = identical (or no reference). */
  mismatch: string[];
  problems: string[];
}

const best = (xs: number[]): number => Math.min(...xs);
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
const fmtS = (s: number): string => s.toFixed(3);
const fmtInt = (n: bigint): string => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const fmtMips = (m: number): string => (Number.isFinite(m) ? (m >= 100 ? m.toFixed(0) : m.toFixed(1)) : '-');

/** `best` for one run, `best / median` for several. */
function fmtTimes(xs: number[]): string {
  if (xs.length === 0) return '-';
  return xs.length === 1 ? fmtS(xs[0]!) : `${fmtS(best(xs))} / ${fmtS(median(xs))}`;
}

function describeStdout(b: Buffer): string {
  const s = b.toString('utf8').trim().split('\n')[0] ?? '';
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '...' : s);
}

async function benchArch(arch: string, o: Options, env: Record<string, string>, plugin: string | null): Promise<Row[]> {
  const fixtures = join(ROOT, 'test', 'fixtures', arch);
  const wanted = [{ name: 'hello', n: '' }, ...BENCHES.map((b) => ({ name: b.name, n: o.quick ? b.quick : b.n }))]
    .filter((b) => !o.only || o.only.includes(b.name));
  const present = wanted.filter((b) => existsSync(join(fixtures, b.name)));
  for (const b of wanted) if (!present.includes(b)) note(`${arch}: no fixture ${b.name}, skipped`);
  if (present.length === 0) return [];

  // one disk per arch with every program under /bin, built by the compiled daemon's mkdisk
  const img = join(BENCH_DIR, `${arch}.img`);
  const adds = present.flatMap((b) => ['--add', `${join(fixtures, b.name)}=/bin/${b.name}`]);
  let mk = spawnSync(process.execPath, [BIN, 'mkdisk', img, ...adds], { cwd: ROOT, encoding: 'utf8' });
  if (mk.status !== 0) {
    // the CLI imports every arch; while a core is half-landed use dist/daemon/mkdisk.js directly
    const reason = (mk.stderr.split('\n').find((l) => /Error|error/.test(l)) ?? mk.stderr).trim();
    note(`${arch}: 'runlinuxd mkdisk' failed (${reason}); using dist/daemon/mkdisk.js directly`);
    const script = `process.exitCode = require(${JSON.stringify(join(ROOT, 'dist', 'daemon', 'mkdisk.js'))}).mkdisk(process.argv[1], process.argv.slice(2))`;
    mk = spawnSync(process.execPath, ['-e', script, img, ...present.map((b) => `${join(fixtures, b.name)}=/bin/${b.name}`)], { cwd: ROOT, encoding: 'utf8' });
    if (mk.status !== 0) throw new Error(`${arch}: cannot build ${img}: ${mk.stderr.trim()}`);
  }

  const rows: Row[] = [];
  for (const b of present) {
    const args = b.n ? [b.n] : [];
    const row: Row = { prog: b.name, n: b.n || '-', ours: [], qemu: [], oursStats: [], qemuInsns: [], mismatch: [], problems: [] };
    for (let k = 0; k < o.repeat; k++) {
      note(`${arch} ${b.name} ${b.n} (run ${k + 1}/${o.repeat}): qemu...`);
      const q = await run(`qemu-${arch}`, ['-0', `/bin/${b.name}`, ...(plugin ? ['-plugin', plugin] : []), join(fixtures, b.name), ...args], env, o.timeoutS);
      row.qemu.push(q);
      row.qemuInsns.push(parseInsns(q.stderr));
      note(`${arch} ${b.name} ${b.n} (run ${k + 1}/${o.repeat}): runlinuxd...`);
      const r = await run(process.execPath, [BIN, '--arch', arch, '--disk', img, '--stats', '--log-level', 'warn', '--', `/bin/${b.name}`, ...args], env, o.timeoutS);
      row.ours.push(r);
      row.oursStats.push(parseStats(r.stderr));
      if (q.status.startsWith('spawn error')) {
        if (k === 0) row.problems.push(`qemu-${arch}: ${q.status}; no reference output`);
      } else if (!r.stdout.equals(q.stdout) || r.status !== q.status) {
        const d: string[] = [];
        if (!r.stdout.equals(q.stdout)) d.push(`stdout ${describeStdout(r.stdout)} vs qemu ${describeStdout(q.stdout)}`);
        if (r.status !== q.status) d.push(`${r.status} vs qemu ${q.status}`);
        const why = r.stderr.trim().split('\n').filter((l) => !l.startsWith('runlinuxd stats:')).slice(-1)[0];
        row.mismatch.push(`run ${k + 1}: ${d.join('; ')}${why ? ` (our stderr: ${why.slice(0, 160)})` : ''}`);
      }
      if (r.ok && !row.oursStats[k] && k === 0) row.problems.push('runlinuxd printed no stats line');
      if (plugin && q.ok && row.qemuInsns[k] === null && k === 0) row.problems.push('qemu plugin printed no count');
      if (row.mismatch.length > 0 && k === 0 && !r.ok) break; // a timeout once is enough
    }
    rows.push(row);
    const s = row.oursStats[0];
    note(`${arch} ${b.name}: ours ${fmtTimes(row.ours.map((x) => x.wallS))} s${s ? `, ${fmtInt(s.insns)} insns` : ''}; qemu ${fmtTimes(row.qemu.map((x) => x.wallS))} s${row.mismatch.length ? '  ** OUTPUT MISMATCH **' : ''}`);
  }
  return rows;
}

function table(arch: string, rows: Row[], repeat: number, havePlugin: boolean): string {
  const t = repeat > 1 ? ' (best / median)' : '';
  const lines = [
    `| program | N | guest insns (ours) | qemu insns | count | ours wall s${t} | ours in-guest s${t} | ours MIPS | qemu wall s${t} | qemu MIPS | ours/qemu wall | stdout |`,
    '|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const r of rows) {
    const stats = r.oursStats.filter((s): s is NonNullable<typeof s> => s !== null);
    const ours = stats[0]?.insns ?? null;
    const qi = r.qemuInsns.find((x) => x !== null) ?? null;
    const count = ours === null || qi === null ? '-' : ours === qi ? 'exact' : `${ours > qi ? '+' : ''}${fmtInt(ours - qi)}`;
    const unstable = new Set(stats.map((s) => s.insns)).size > 1 ? ' (varies)' : '';
    const okOurs = r.ours.filter((x) => x.ok).map((x) => x.wallS);
    const okQemu = r.qemu.filter((x) => x.ok && !x.status.startsWith('spawn')).map((x) => x.wallS);
    // MIPS of the run with the shortest in-guest time (its own printed figure: `seconds` has ms resolution)
    const fastest = stats.length ? stats.reduce((a, b) => (b.seconds < a.seconds ? b : a)) : null;
    const qemuMips = qi !== null && okQemu.length ? Number(qi) / best(okQemu) / 1e6 : NaN;
    const ratio = okOurs.length && okQemu.length ? `${(best(okOurs) / best(okQemu)).toFixed(1)}×` : '-';
    const out = r.mismatch.length ? '**MISMATCH**' : r.qemu.every((q) => q.status.startsWith('spawn')) ? 'no reference' : 'identical';
    lines.push(`| ${r.prog === 'hello' ? 'hello (cold)' : r.prog} | ${r.n} | ${ours === null ? '-' : fmtInt(ours) + unstable} | ${qi === null ? (havePlugin ? '-' : 'n/a') : fmtInt(qi)} | ${count} | ${fmtTimes(okOurs)} | ${fmtTimes(stats.map((s) => s.seconds))} | ${fastest ? fmtMips(fastest.mips) : '-'} | ${fmtTimes(okQemu)} | ${fmtMips(qemuMips)} | ${ratio} | ${out} |`);
  }
  return `### ${arch}\n\n${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (o.build) build();
  const facts = loadDaemonFacts();
  for (const p of facts.problems) if (!o.arches) note(p);
  const arches = o.arches ?? facts.arches;
  if (arches.length === 0) usage('no implemented arch to benchmark (arch/index.ts implementedArches() is empty)');
  mkdirSync(BENCH_DIR, { recursive: true });
  const plugin = ensurePlugin();
  const env = Object.fromEntries(facts.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

  const qemuVersion = spawnSync(`qemu-${arches[0]}`, ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'qemu: not found';
  const header = [
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM,`
      + ` load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at start;`
      + ` Node ${process.version}; ${qemuVersion}.`,
    `Options: ${o.quick ? '--quick' : 'default N'}, --repeat ${o.repeat}. Guest environment (both): ${facts.env.join(' ')}; argv[0] /bin/<prog> (both).`,
    `Instruction counts: ${plugin ? 'qemu with .bench/insn-count.so' : 'no qemu counts (plugin unavailable)'}; ours from --stats.`
      + ' MIPS: ours = --stats figure (in-guest time); qemu = its count / its wall time (incl. ~10 ms start).',
  ];

  // Node's own start, the floor under every cold runlinuxd time
  const floor: number[] = [];
  for (let k = 0; k < Math.max(3, o.repeat); k++) floor.push((await run(process.execPath, ['-e', '0'], env, 60)).wallS);

  let mismatches = 0;
  const sections: string[] = [];
  for (const arch of arches) {
    try {
      const rows = await benchArch(arch, o, env, plugin);
      mismatches += rows.filter((r) => r.mismatch.length).length;
      const notes = rows.flatMap((r) => [...r.mismatch.map((m) => `- **${r.prog}: output mismatch** — ${m}`), ...r.problems.map((p) => `- ${r.prog}: ${p}`)]);
      sections.push(table(arch, rows, o.repeat, plugin !== null) + (notes.length ? `\n${notes.join('\n')}\n` : ''));
    } catch (e) {
      sections.push(`### ${arch}\n\nnot run: ${firstLine(e)}\n`);
    }
  }
  process.stdout.write(`${header.join('\n')}\n\n${sections.join('\n')}\n\`node -e 0\`: ${fmtS(best(floor))} s (best of ${floor.length}; the floor under every cold runlinuxd wall time).\n`);
  if (mismatches) {
    process.stderr.write(`\nbench: ${mismatches} benchmark(s) gave an output different from qemu-user: see **MISMATCH** above\n`);
    return 1;
  }
  return 0;
}

main().then((c) => { process.exitCode = c; }, (e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
