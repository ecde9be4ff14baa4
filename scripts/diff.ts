/**
 * Differential runner (issue 4): the same static program under qemu-user and runlinuxd, compared
 * over gdb RSP.
 *
 *   npm run diff -- --arch riscv64 [--mode lockstep|syscalls] [--reference trace|gdb] [--max-steps N]
 *                   [--max-seconds S] [--batch N] [--env K=V]... [--stdin TEXT] [--json] [--verbose]
 *                   prog [args...]
 *
 * lockstep: compare registers after every instruction, stop at the first divergence; the
 * reference is qemu's execution trace (`trace`, default, ~5-10k steps/s) or qemu single-stepped
 * through its gdb stub (`gdb`, ~1-2k steps/s). Progress (steps, rate) every 3 s on stderr.
 * syscalls: run both to syscall boundaries, compare number/arguments/results, final stdout and exit
 * status. Exit status 0 = no divergence, 1 = divergence, 2 = usage/setup error.
 * runlinuxd runs from dist/ (build with `npx tsc -p .` first) or from the sources via ts-node.
 */
import { getArch, isArchName } from '../arch/index';
import { diffArch } from './diff/arch';
import { formatDivergence, lockstep } from './diff/lockstep';
import { formatSyscallResult, syscalls } from './diff/syscalls';

function usage(msg: string): never {
  process.stderr.write(`diff: ${msg}\nusage: npm run diff -- --arch A [--mode lockstep|syscalls] [--reference trace|gdb] [--max-steps N] [--max-seconds S] [--batch N] [--env K=V]... [--stdin TEXT] [--json] [--verbose] prog [args...]\n`);
  process.exit(2);
}

export async function main(argv: string[]): Promise<number> {
  let arch = 'riscv64', mode = 'lockstep', maxSteps = Number.MAX_SAFE_INTEGER, json = false, verbose = false, stdin = '';
  let reference = 'trace', maxSeconds = Infinity, batch: number | undefined;
  const env: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => { const v = argv[++i]; if (v === undefined) usage(`${a} needs a value`); return v; };
    if (a === '--arch') arch = val();
    else if (a === '--mode') mode = val();
    else if (a === '--max-steps') maxSteps = Number(val());
    else if (a === '--max-seconds') maxSeconds = Number(val());
    else if (a === '--reference') reference = val();
    else if (a === '--batch') batch = Number(val());
    else if (a === '--env') env.push(val());
    else if (a === '--stdin') stdin = val();
    else if (a === '--json') json = true;
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--') { i++; break; }
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else break;
  }
  const [program, ...args] = argv.slice(i);
  if (!program) usage('no program');
  if (!isArchName(arch)) usage(`unknown arch ${arch}`);
  if (mode !== 'lockstep' && mode !== 'syscalls') usage(`unknown mode ${mode}`);
  if (!(maxSteps > 0)) usage('--max-steps must be positive');
  if (!(maxSeconds > 0)) usage('--max-seconds must be positive');
  if (reference !== 'trace' && reference !== 'gdb') usage(`unknown reference ${reference}`);
  if (batch !== undefined && !(batch >= 1)) usage('--batch must be at least 1');
  if (env.length === 0) env.push('FOO=bar');
  const mod = getArch(arch);
  const da = diffArch(arch, (w, pc) => mod.disasm(w, pc));
  const progress = (l: string): void => { process.stderr.write(l + '\n'); };
  const base = { arch, program, args, env, stdin, progress };
  if (mode === 'lockstep') {
    const r = await lockstep(da, { ...base, maxSteps, maxSeconds, reference, batch });
    if (json) process.stdout.write(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v), 2) + '\n');
    else {
      for (const n of r.notes) process.stdout.write(`note: ${n}\n`);
      if (Object.keys(r.resynced).length) process.stdout.write(`resynchronised: ${JSON.stringify(r.resynced)}\n`);
      if (r.divergence) process.stdout.write(formatDivergence(r.divergence) + '\n');
      process.stdout.write(`${r.ok ? 'OK' : 'FAIL'} (reference ${r.reference}): ${r.steps} steps in ${r.seconds.toFixed(1)} s (${Math.round(r.rate)} steps/s)` +
        (r.exit ? `, end: qemu ${r.exit.qemu}, ours ${r.exit.ours}` : r.divergence ? '' : ', stopped at --max-steps/--max-seconds') +
        (r.stdoutEqual === null ? '' : `, stdout ${r.stdoutEqual ? 'equal' : 'DIFFERS'}`) + '\n');
    }
    return r.ok ? 0 : 1;
  }
  const r = await syscalls(da, base);
  if (json) process.stdout.write(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v), 2) + '\n');
  else process.stdout.write(formatSyscallResult(r, verbose) + '\n');
  return r.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e) => {
    process.stderr.write(`diff: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 2;
  });
}
