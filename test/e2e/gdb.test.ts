/**
 * Issue 3 end to end: the real daemon (`runlinuxd --arch A --gdb PORT -- prog`) and real
 * `gdb-multiarch -batch -nx -ex ...`, asserting exact lines of gdb's output, for every arch that
 * has a core, a gdbprog fixture and support in the installed gdb. Serial: each test runs one
 * daemon and one or two gdbs, and they fight for the CPU otherwise.
 */
import test, { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as net from 'node:net';
import type { ArchName } from '../../arch/common/cpu';
import { implementedArches } from '../../arch/index';
import { RspClient } from '../../gdbstub/client';
import { fixture, makeDisk, ROOT } from '../helpers/guest';
import { Daemon, elfEntry, gdbKnows, GdbResult, runGdb, startDaemon } from '../helpers/gdb';

const SRC = './test/fixtures/src/gdbprog.c';

interface ArchCase {
  gdbArch: string;
  /** `info registers` lines in order: name, and a pattern for the natural-format column. */
  regs: Array<[string, RegExp]>;
  /** Lines `info all-registers` must show (beyond the GPRs). */
  allRegs: RegExp[];
  /** First argument / return value register. */
  arg0: string;
  load: RegExp;
  store: RegExp;
  /** gdb's `info registers` layout: riscv prints a tab before the natural column, others pad it to column 34. */
  regLine(name: string, hex: string, natural: string): string;
}

const HEX = /0x[0-9a-f]+/;
const DEC = /-?\d+/;
const PTR = /0x[0-9a-f]+( <[^>]+>)?/;

const ARCHES: Partial<Record<ArchName, ArchCase>> = {
  riscv64: {
    gdbArch: 'riscv:rv64',
    regs: [
      ...(['ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1'] as const).map((n) => [n, ['t0', 't1', 't2', 's1'].includes(n) ? DEC : PTR] as [string, RegExp]),
      ...Array.from({ length: 8 }, (_, i) => [`a${i}`, DEC] as [string, RegExp]),
      ...Array.from({ length: 10 }, (_, i) => [`s${i + 2}`, DEC] as [string, RegExp]),
      ...Array.from({ length: 4 }, (_, i) => [`t${i + 3}`, DEC] as [string, RegExp]),
      ['pc', PTR],
    ],
    allRegs: [
      /^zero {11}0x0\t0$/,
      ...Array.from({ length: 8 }, (_, i) => new RegExp(`^ft${i} +\\{float = 0, double = 0\\}\\t\\(raw 0x0000000000000000\\)$`)),
      ...Array.from({ length: 4 }, (_, i) => new RegExp(`^ft${i + 8} +\\{float = 0, double = 0\\}\\t\\(raw 0x0000000000000000\\)$`)),
      /^fflags {9}0x0\tNV:0 DZ:0 OF:0 UF:0 NX:0$/,
      /^frm {12}0x0\tFRM:0 \[RNE \(round to nearest; ties to even\)\]$/,
      /^fcsr {11}0x0\tNV:0 DZ:0 OF:0 UF:0 NX:0 FRM:0 \[RNE \(round to nearest; ties to even\)\]$/,
    ],
    arg0: 'a0',
    load: /^(ld|lw|lwu|lh|lhu|lb|lbu)\t/,
    store: /^(sd|sw|sh|sb)\t/,
    regLine: (name, hex, natural) => `${name.padEnd(15)}${hex}\t${natural}`,
  },
  aarch64: {
    gdbArch: 'aarch64',
    regs: [
      ...Array.from({ length: 31 }, (_, i) => [`x${i}`, DEC] as [string, RegExp]),
      ['sp', PTR],
      ['pc', PTR],
      ['cpsr', /0x[0-9a-f]+|\[ .*\]/],
    ],
    allRegs: [
      ...Array.from({ length: 32 }, (_, i) => new RegExp(`^v${i} +\\{d = \\{f = `)),
      /^fpsr {11}0x0 {17}0$/,
      /^fpcr {11}0x0 {17}0$/,
      /^q0 +\{u = 0x0, s = 0x0\} +\{u = 0, s = 0\}$/,
    ],
    arg0: 'x0',
    load: /^(ldr|ldur)\t/,
    store: /^(str|stur)\t/,
    regLine: (name, hex, natural) => `${name.padEnd(15)}${hex.padEnd(20)}${natural}`,
  },
};

interface Disasm { addr: bigint; line: number; text: string; lineStart: boolean }

/** `disassemble /s main` of the host copy: instructions in address order with their line. */
function mainDisasm(arch: ArchName): Disasm[] {
  const r = spawnSync('gdb-multiarch', ['-batch', '-nx', '-ex', `file ${fixture(arch, 'gdbprog')}`, '-ex', 'disassemble /s main'], { encoding: 'utf8', cwd: ROOT });
  const out: Disasm[] = [];
  let line = 0, fresh = false;
  for (const l of r.stdout.split('\n')) {
    const src = /^(\d+)\t/.exec(l);
    if (src) { line = Number(src[1]); fresh = true; continue; }
    const ins = /^ {3}0x([0-9a-f]+) <\+\d+>:\t(.*)$/.exec(l);
    if (ins) { out.push({ addr: BigInt('0x' + ins[1]), line, text: ins[2]!, lineStart: fresh }); fresh = false; }
  }
  return out.sort((a, b) => (a.addr < b.addr ? -1 : 1));
}

/** Where gdb reports a watchpoint that fires on the first `re` instruction of `line` (gdb steps over it). */
function watchStopLocation(arch: ArchName, line: number, re: RegExp, which: 'first' | 'last'): string {
  const d = mainDisasm(arch);
  const match = (x: Disasm): boolean => x.line === line && re.test(x.text);
  const i = which === 'first' ? d.findIndex(match) : d.map(match).lastIndexOf(true);
  if (i < 0 || i + 1 >= d.length) throw new Error(`no ${re} in line ${line} of main:\n${d.map((x) => `${x.line} ${x.text}`).join('\n')}`);
  const next = d[i + 1]!;
  return next.lineStart
    ? `main () at ${SRC}:${next.line}`
    : `0x${next.addr.toString(16).padStart(16, '0')} in main () at ${SRC}:${next.line}`;
}

// ---- assertions on gdb's output ----

const EXPECTED_WARNINGS = [
  // gdb reading the program from the target (vFile), as with qemu -g
  'warning: File transfers from remote targets can be slow. Use "set sysroot" to access files locally instead.',
  // the disk image's FAT timestamps predate the source checkout
  'warning: Source file is more recent than executable.',
];

function noTrouble(t: ExecutionContext, g: GdbResult, opts: { exitCode?: number } = {}): void {
  const lines = g.lines.filter((l) => !EXPECTED_WARNINGS.includes(l));
  for (const bad of ['warning:', 'Truncated register', 'Remote communication error', 'Could not load XML', 'Remote failure', 'Remote connection closed']) {
    const hit = lines.find((l) => l.includes(bad));
    t.is(hit, undefined, `gdb said '${bad}':\n${g.out}`);
  }
  t.is(g.code, opts.exitCode ?? 0, g.out);
}

function hasLine(t: ExecutionContext, g: GdbResult, line: string | RegExp): void {
  const ok = typeof line === 'string' ? g.lines.includes(line) : g.lines.some((l) => line.test(l));
  t.true(ok, `missing line ${line} in gdb's output:\n${g.out}`);
}

/** These lines appear in this order (others may come between). */
function inOrder(t: ExecutionContext, g: GdbResult, want: Array<string | RegExp>): void {
  let at = 0;
  for (const w of want) {
    const i = g.lines.findIndex((l, k) => k >= at && (typeof w === 'string' ? l === w : w.test(l)));
    if (i < 0) {
      t.fail(`missing ${w} (after line ${at}) in gdb's output:\n${g.lines.map((l, k) => `${k}: ${l}`).join('\n')}`);
      return;
    }
    at = i + 1;
  }
  t.pass();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => { throw new Error(`timed out after ${ms} ms: ${what}`); })]);
}

for (const arch of implementedArches()) {
  const A = ARCHES[arch];
  const have = A !== undefined && existsSync(fixture(arch, 'gdbprog')) && gdbKnows(A.gdbArch);
  // Nothing is skipped silently: an arch that cannot run these tests fails one that says why.
  if (!have) test(`${arch}: gdb end-to-end tests can run`, (t) => { t.fail(`cannot run${why}`); });
  const gtest = have ? test.serial : test.serial.skip;
  const why = A === undefined ? ' (no expectations for this arch yet)' : !existsSync(fixture(arch, 'gdbprog')) ? ' (no gdbprog fixture)' : !have ? ` (gdb-multiarch lacks ${A?.gdbArch})` : '';
  const T = (title: string): string => `${arch}: ${title}${why}`;
  const FILE = `file test/fixtures/${arch}/gdbprog`;
  const a = A ?? ARCHES.riscv64!;

  /** A daemon for this test, killed at teardown if still running. */
  async function daemon(t: ExecutionContext, argv: string[], extra: string[] = []): Promise<Daemon> {
    const d = await startDaemon(arch, argv, extra);
    t.teardown(() => d.stop());
    return d;
  }

  gtest(T('registers: info registers, info all-registers, print/set $reg, info auxv'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const entry = elfEntry(arch, 'gdbprog');
    const g = await runGdb([
      FILE,
      `target remote :${d.port}`,
      'info registers',
      'info all-registers',
      'p $pc',
      `set var $${a.arg0} = 5`,
      `print $${a.arg0}`,
      `set var $${a.arg0} = 0x1122334455667788`,
      `p/x $${a.arg0}`,
      'info auxv',
      'kill',
    ]);
    noTrouble(t, g);
    const ent = `0x${entry.toString(16)}`;
    hasLine(t, g, `0x${entry.toString(16).padStart(16, '0')} in _start ()`);
    // every GPR line, in order, in gdb's format: name padded to 15 columns, hex, tab, natural
    const start = g.lines.findIndex((l) => l.startsWith(a.regs[0]![0] + ' '));
    t.true(start >= 0, g.out);
    a.regs.forEach(([name, natural], i) => {
      const l = g.lines[start + i] ?? '';
      const hex = /^\S+ +(0x[0-9a-f]+)/.exec(l)?.[1] ?? '?';
      const nat = l.slice(a.regLine(name, hex, '').length);
      t.is(l, a.regLine(name, hex, nat), `register line ${i} (${name})`);
      t.regex(nat, new RegExp(`^(${natural.source})$`), `register line ${i} (${name})`);
    });
    hasLine(t, g, a.regLine('pc', ent, `${ent} <_start>`));
    for (const re of a.allRegs) hasLine(t, g, re);
    hasLine(t, g, `$1 = (void (*)()) ${ent} <_start>`);
    hasLine(t, g, '$2 = 5');
    hasLine(t, g, '$3 = 0x1122334455667788');
    hasLine(t, g, /^6 +AT_PAGESZ +System page size +4096$/);
    hasLine(t, g, new RegExp(`^9 +AT_ENTRY +Entry point of program +${ent}$`));
    hasLine(t, g, /^0 +AT_NULL +End of vector +0x0$/);
    hasLine(t, g, /^\[Inferior 1 \(process \d+\) killed\]$/);
  });

  gtest(T('break/tbreak on symbols and source lines, continue, stepi/nexti/step/next/finish'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const g = await runGdb([
      FILE,
      `target remote :${d.port}`,
      'break main',
      'tbreak fact',
      'break gdbprog.c:43',
      'continue',
      'stepi',
      'p $pc == main + 0',
      'next',
      'step',
      'step',
      // batch mode runs -ex commands with from_tty=0, which hides "Run till exit"; from_tty=1 shows it
      'python gdb.execute("finish", True)',
      'continue',
      'p counter',
      'continue',
      'bt',
      'python gdb.execute("finish", True)',
      'info breakpoints',
      'delete',
      'continue',
    ]);
    noTrouble(t, g);
    inOrder(t, g, [
      new RegExp(`^Breakpoint 1 at 0x[0-9a-f]+: file ${SRC.replace(/\./g, '\\.')}, line 39\\.$`),
      new RegExp(`^Temporary breakpoint 2 at 0x[0-9a-f]+: file ${SRC.replace(/\./g, '\\.')}, line 18\\.$`),
      new RegExp(`^Breakpoint 3 at 0x[0-9a-f]+: file ${SRC.replace(/\./g, '\\.')}, line 43\\.$`),
      `Breakpoint 1, main () at ${SRC}:39`,
      '39\t    say("gdbprog start\\n");',
      // stepi: one instruction, still in line 39 (pc shown because mid-line)
      /^0x[0-9a-f]{16}\t39\t    say\("gdbprog start\\n"\);$/,
      '$1 = 0',
      '40\t    for (i = 0; i < 5; i++) {',
      '41\t        result = add(result, i);',
      `add (a=0, b=0) at ${SRC}:13`,
      '13\t    return a + b;',
      `Run till exit from #0  add (a=0, b=0) at ${SRC}:13`,
      new RegExp(`^0x[0-9a-f]{16} in main \\(\\) at ${SRC.replace(/\./g, '\\.')}:41$`),
      '41\t        result = add(result, i);',
      'Value returned is $2 = 0',
      `Breakpoint 3, main () at ${SRC}:43`,
      '43\t    counter = 42;               /* watchpoint triggers here */',
      '$3 = 0',
      `Temporary breakpoint 2, fact (n=5) at ${SRC}:18`,
      '18\t    if (n <= 1)',
      `#0  fact (n=5) at ${SRC}:18`,
      new RegExp(`^#1  0x[0-9a-f]{16} in main \\(\\) at ${SRC.replace(/\./g, '\\.')}:47$`),
      `Run till exit from #0  fact (n=5) at ${SRC}:18`,
      new RegExp(`^0x[0-9a-f]{16} in main \\(\\) at ${SRC.replace(/\./g, '\\.')}:47$`),
      '47\t    put_num(fact(5));',
      'Value returned is $4 = 120',
      /^\[Inferior 1 \(process \d+\) exited with code 03\]$/,
    ]);
    t.is(await withTimeout(d.exited, 10000, 'daemon exit'), 3, d.stderr);
    t.is(d.stdout, 'gdbprog start\nresult=10\nfact(5)=120\ntable[3]=76\n');
  });

  gtest(T('stepi/nexti over a call'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const dis = mainDisasm(arch);
    const call = dis.findIndex((x) => x.line === 39 && /^(jal|call|bl)\t/.test(x.text));
    t.true(call > 0, 'a call in line 39');
    const callAddr = dis[call]!.addr, after = dis[call + 1]!.addr, afterLine = dis[call + 1]!;
    const g = await runGdb([
      FILE,
      `target remote :${d.port}`,
      `break *0x${callAddr.toString(16)}`,
      'continue',
      'nexti',
      'p/x $pc',
      'stepi',
      'bt 1',
      'kill',
    ]);
    noTrouble(t, g);
    inOrder(t, g, [
      new RegExp(`^Breakpoint 1, 0x0*${callAddr.toString(16)} in main \\(\\) at ${SRC.replace(/\./g, '\\.')}:39$`),
      // nexti stepped over the whole call to say(): the guest printed, we are at the next insn
      afterLine.lineStart ? new RegExp(`^${afterLine.line}\\t`) : new RegExp(`^0x0*${after.toString(16)}\\t39\\t`),
      `$1 = 0x${after.toString(16)}`,
    ]);
    t.is(d.stdout, 'gdbprog start\n');
  });

  gtest(T('x, print, set var on memory; hbreak'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const g = await runGdb([
      FILE,
      `target remote :${d.port}`,
      'hbreak gdbprog.c:48',
      'continue',
      'x/4xw &table',
      'print table[3]',
      'print table',
      'print counter',
      'set var counter = 7',
      'print counter',
      'x/1xg &counter',
      'delete',
      'hbreak put_num',
      'continue',
      'print v',
      'delete',
      'continue',
    ]);
    noTrouble(t, g);
    const table = BigInt(/^(0x[0-9a-f]+) <table>:/m.exec(g.out)?.[1] ?? '0');
    inOrder(t, g, [
      new RegExp(`^Hardware assisted breakpoint 1 at 0x[0-9a-f]+: file ${SRC.replace(/\./g, '\\.')}, line 48\\.$`),
      `Breakpoint 1, main () at ${SRC}:48`,
      '48\t    table[3] = counter + table[7];',
      `0x${table.toString(16)} <table>:\t0x00000001\t0x00000000\t0x00000002\t0x00000000`,
      '$1 = 5',
      '$2 = {1, 2, 3, 5, 8, 13, 21, 34}',
      '$3 = 42',
      '$4 = 7',
      /^0x[0-9a-f]+ <counter>:\t0x0000000000000007$/,
      /^Hardware assisted breakpoint 2 at 0x[0-9a-f]+: file .*, line 30\.$/,
      `Breakpoint 2, put_num (v=41) at ${SRC}:30`,
      '$5 = 41',
      /^\[Inferior 1 \(process \d+\) exited with code 03\]$/,
    ]);
    t.true(table > 0n);
    // the guest saw the debugger's write: 7 + 34
    t.is(d.stdout, 'gdbprog start\nresult=10\nfact(5)=120\ntable[3]=41\n');
  });

  // Hardware watchpoints stop *before* the access on riscv64/aarch64/loongarch64 (gdb then
  // steps over the instruction itself), so gdb reports the pc right after the accessing
  // instruction: the start of line 44 for the store in line 43.
  gtest(T('watch and rwatch (hardware): old/new value at the right line'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const g = await runGdb([FILE, `target remote :${d.port}`, 'watch counter', 'continue', 'rwatch counter', 'delete 1', 'continue', 'p $_siginfo', 'delete', 'continue']);
    noTrouble(t, g);
    inOrder(t, g, [
      'Hardware watchpoint 1: counter',
      '',
      'Hardware watchpoint 1: counter',
      '',
      'Old value = 0',
      'New value = 42',
      watchStopLocation(arch, 43, a.store, 'last'),
      'Hardware read watchpoint 2: counter',
      '',
      'Hardware read watchpoint 2: counter',
      '',
      'Value = 42',
      watchStopLocation(arch, 48, a.load, 'first'),
      /^\[Inferior 1 \(process \d+\) exited with code 03\]$/,
    ]);
    t.is(d.stdout, 'gdbprog start\nresult=10\nfact(5)=120\ntable[3]=76\n');
  });

  gtest(T('awatch (hardware): the write, then the read'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const g = await runGdb([FILE, `target remote :${d.port}`, 'awatch counter', 'continue', 'continue', 'delete', 'continue']);
    noTrouble(t, g);
    inOrder(t, g, [
      'Hardware access (read/write) watchpoint 1: counter',
      '',
      'Hardware access (read/write) watchpoint 1: counter',
      '',
      'Old value = 0',
      'New value = 42',
      watchStopLocation(arch, 43, a.store, 'last'),
      'Hardware access (read/write) watchpoint 1: counter',
      '',
      'Value = 42',
      watchStopLocation(arch, 48, a.load, 'first'),
      /^\[Inferior 1 \(process \d+\) exited with code 03\]$/,
    ]);
  });

  gtest(T('gdb finds the program by itself (qXfer:exec-file + vFile from the guest disk)'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const g = await runGdb([`target remote :${d.port}`, 'info inferiors', 'break main', 'continue', 'print table[3]', 'continue']);
    noTrouble(t, g);
    const entry = elfEntry(arch, 'gdbprog');
    inOrder(t, g, [
      'Reading /bin/gdbprog from remote target...',
      'Reading symbols from target:/bin/gdbprog...',
      `0x${entry.toString(16).padStart(16, '0')} in _start ()`,
      /^\* 1 +process \d+ +1 \(remote :\d+\) +target:\/bin\/gdbprog *$/,
      new RegExp(`^Breakpoint 1 at 0x[0-9a-f]+: file ${SRC.replace(/\./g, '\\.')}, line 39\\.$`),
      `Breakpoint 1, main () at ${SRC}:39`,
      '$1 = 5',
      /^\[Inferior 1 \(process \d+\) exited with code 03\]$/,
    ]);
    t.false(g.out.includes('does not support file transfer'), g.out);
  });

  gtest(T('Ctrl-C while the guest runs stops it promptly; then kill'), async (t) => {
    const d = await daemon(t, ['/bin/power3', '2000000000']);
    let latency = -1;
    const g = await runGdb([`target remote :${d.port}`, 'continue', 'p $pc', 'info symbol $pc', 'monitor insns', 'kill'], {
      during: (p, out) => {
        void (async () => {
          await waitFor(() => / in _start \(\)$/m.test(out()), 20000, 'gdb connected');
          await sleep(1000);
          const t0 = Date.now();
          p.kill('SIGINT');
          await waitFor(() => out().includes('Program received signal SIGINT'), 10000, 'SIGINT stop').catch(() => undefined);
          latency = Date.now() - t0;
        })();
      },
    });
    noTrouble(t, g);
    inOrder(t, g, [
      '',
      'Program received signal SIGINT, Interrupt.',
      /^0x[0-9a-f]{16} in \w+ \(\)$/,
      /^\$1 = \(void \(\*\)\(\)\) 0x[0-9a-f]+ <\w+(\+\d+)?>$/,
      /^\w+( \+ \d+)? in section \.text$/,
      /^\d+ instructions retired$/,
      /^\[Inferior 1 \(process \d+\) killed\]$/,
    ]);
    const insns = Number(/^(\d+) instructions retired$/m.exec(g.out)?.[1]);
    t.true(insns > 1_000_000, `the guest ran (${insns} instructions)`);
    t.log(`Ctrl-C -> gdb shows the SIGINT stop: ${latency} ms`);
    t.true(latency >= 0 && latency < 1000, `Ctrl-C took ${latency} ms`);
    t.is(await withTimeout(d.exited, 10000, 'daemon exit'), 137, d.stderr);
  });

  gtest(T('detach: the guest runs on to its end and the daemon exits with its code'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const g = await runGdb([FILE, `target remote :${d.port}`, 'break add', 'continue', 'detach']);
    noTrouble(t, g);
    inOrder(t, g, [`Breakpoint 1, add (a=0, b=0) at ${SRC}:13`, /^\[Inferior 1 \(process \d+\) detached\]$/]);
    t.is(await withTimeout(d.exited, 10000, 'daemon exit'), 3, d.stderr);
    t.is(d.stdout, 'gdbprog start\nresult=10\nfact(5)=120\ntable[3]=76\n');
  });

  gtest(T('exit codes: exited with code 03, exited normally'), async (t) => {
    const d1 = await daemon(t, ['/bin/gdbprog']);
    const g1 = await runGdb([FILE, `target remote :${d1.port}`, 'continue']);
    noTrouble(t, g1);
    hasLine(t, g1, /^\[Inferior 1 \(process \d+\) exited with code 03\]$/);
    t.is(await withTimeout(d1.exited, 10000, 'daemon exit'), 3);
    const d2 = await daemon(t, ['/sbin/hello']);
    const g2 = await runGdb([`target remote :${d2.port}`, 'continue']);
    noTrouble(t, g2);
    hasLine(t, g2, /^\[Inferior 1 \(process \d+\) exited normally\]$/);
    t.is(await withTimeout(d2.exited, 10000, 'daemon exit'), 0);
    t.is(d2.stdout, 'Hello, UserApp!\n');
  });

  gtest(T('threads: a breakpoint in a pthread stops that thread; info threads lists them all'), async (t) => {
    const disk = makeDisk({ '/bin/threads': fixture(arch, 'threads') });
    t.teardown(() => rmSync(dirname(disk), { recursive: true, force: true }));
    const d = await daemon(t, ['/bin/threads', '/tmp'], ['--disk', disk]);
    const g = await runGdb([`file test/fixtures/${arch}/threads`, `target remote :${d.port}`, 'break consumer', 'continue', 'info threads', 'kill']);
    noTrouble(t, g);
    hasLine(t, g, /^\[New Thread 1000\.100\d\]$/);
    hasLine(t, g, /^Thread \d+ "threads" hit Breakpoint 1, 0x[0-9a-f]+ in consumer \(\)$/);
    const rows = g.lines.filter((l) => /^[* ] +\d+ +Thread 1000\.\d+ "threads" /.test(l));
    t.true(rows.length >= 2, g.out);
    t.truthy(rows.find((l) => l.startsWith('* ') && / in consumer \(\)$/.test(l)), 'the current thread is the one at the breakpoint');
    t.truthy(rows.find((l) => /Thread 1000\.1000 /.test(l)), 'the main thread is listed');
  });

  gtest(T('a fatal signal: SIGSEGV reported, then the program terminates with it'), async (t) => {
    const d = await daemon(t, ['/bin/segv']);
    const g = await runGdb([`target remote :${d.port}`, 'continue', 'p/x $pc', 'continue']);
    noTrouble(t, g);
    inOrder(t, g, [
      '',
      'Program received signal SIGSEGV, Segmentation fault.',
      '0x0000000000000010 in ?? ()',
      '$1 = 0x10',
      '',
      'Program terminated with signal SIGSEGV, Segmentation fault.',
      'The program no longer exists.',
    ]);
    t.is(await withTimeout(d.exited, 10000, 'daemon exit'), 139);
    t.is(d.stdout, 'calling 0x10\n');
  });

  gtest(T('extended-remote: run, kill/run, run after exit (vRun); monitor commands'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const g = await runGdb([
      FILE,
      `target extended-remote :${d.port}`,
      'break main',
      'continue',
      'kill',
      'run',
      'monitor help',
      'monitor insns',
      'monitor maps',
      'monitor trace on',
      'continue',
      'monitor trace off',
      'run',
      'print table[3]',
      'kill',
    ]);
    noTrouble(t, g);
    inOrder(t, g, [
      `Breakpoint 1, main () at ${SRC}:39`,
      /^\[Inferior 1 \(process \d+\) killed\]$/,
      `Breakpoint 1, main () at ${SRC}:39`,
      'runlinuxd monitor commands:',
      /^ +trace on\|off +/,
      /^ +maps +/,
      /^ +insns +/,
      /^\d+ instructions retired$/,
      /^[0-9a-f]{12}-[0-9a-f]{12} r-xp \/bin\/gdbprog$/,
      /^[0-9a-f]{12}-[0-9a-f]{12} rw-p \[stack\]$/,
      'syscall tracing on',
      // gdb prints the exit of an extended-remote inferior when it mourns it, after the next command's output
      /^\[Inferior 1 \(process \d+\) exited with code 03\]$/,
      `Breakpoint 1, main () at ${SRC}:39`,
      '$1 = 5',
      /^\[Inferior 1 \(process \d+\) killed\]$/,
    ]);
    hasLine(t, g, 'syscall tracing off');
    const pids = [...g.out.matchAll(/\(process (\d+)\)/g)].map((m) => m[1]);
    t.true(new Set(pids).size >= 2, `each run is a new process: ${pids}`);
    // tracing went to the daemon's stderr, between the guest's own writes
    t.regex(d.stderr, /write\(1, 0x[0-9a-f]+, 7\) = 7/);
    t.is(d.stdout, 'gdbprog start\nresult=10\nfact(5)=120\ntable[3]=76\n');
  });

  gtest(T('a second gdb is refused while the first works'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    const first = runGdb([FILE, `target remote :${d.port}`, 'python import time; time.sleep(2)', 'break main', 'continue', 'print table[3]', 'continue']);
    await d.waitLog(/gdb connected/);
    const second = await runGdb([FILE, `target remote :${d.port}`, 'info registers pc']);
    hasLine(t, second, /another gdb client is already attached/);
    t.false(second.out.includes('pc             0x'), second.out);
    const g = await first;
    noTrouble(t, g);
    inOrder(t, g, [`Breakpoint 1, main () at ${SRC}:39`, '$1 = 5', /^\[Inferior 1 \(process \d+\) exited with code 03\]$/]);
    t.regex(d.stderr, /refused connection from .*another gdb client is already attached/);
    t.is(await withTimeout(d.exited, 10000, 'daemon exit'), 3);
  });

  gtest(T('a gdb that vanishes (kill -9) leaves the guest halted and the daemon listening'), async (t) => {
    // stopped at a breakpoint
    const d = await daemon(t, ['/bin/gdbprog']);
    const g1 = await runGdb([FILE, `target remote :${d.port}`, 'break add', 'continue', 'python import time; time.sleep(60)'], {
      during: (p, out) => { void waitFor(() => out().includes('Breakpoint 1, add'), 20000, 'breakpoint').then(() => p.kill('SIGKILL'), () => p.kill('SIGKILL')); },
    });
    t.is(g1.signal, 'SIGKILL');
    await d.waitLog(/disconnected/);
    t.is(d.code, undefined, 'the daemon still runs');
    const g2 = await runGdb([FILE, `target remote :${d.port}`, 'bt 1', 'continue']);
    noTrouble(t, g2);
    inOrder(t, g2, [
      // the guest is where the first gdb left it, its breakpoint gone
      new RegExp(`^#0  add \\(a=0, b=0\\) at ${SRC.replace(/\./g, '\\.')}:13$`),
      /^\[Inferior 1 \(process \d+\) exited with code 03\]$/,
    ]);
    t.is(await withTimeout(d.exited, 10000, 'daemon exit'), 3);
    t.is(d.stdout, 'gdbprog start\nresult=10\nfact(5)=120\ntable[3]=76\n');

    // vanishing while the guest runs: the daemon halts it
    const d2 = await daemon(t, ['/bin/power3', '2000000000']);
    const g3 = await runGdb([`target remote :${d2.port}`, 'continue'], {
      during: (p, out) => { void waitFor(() => / in _start \(\)$/m.test(out()), 20000, 'connect').then(() => sleep(500)).then(() => p.kill('SIGKILL')); },
    });
    t.is(g3.signal, 'SIGKILL');
    await d2.waitLog(/disconnected while the guest ran; halting it/);
    const g4 = await runGdb([`target remote :${d2.port}`, 'monitor insns', 'kill']);
    noTrouble(t, g4);
    inOrder(t, g4, [/^0x[0-9a-f]{16} in \w+ \(\)$/, /^\d+ instructions retired$/, /^\[Inferior 1 \(process \d+\) killed\]$/]);
    t.is(await withTimeout(d2.exited, 10000, 'daemon exit'), 137);
  });

  gtest(T('junk bytes on the socket do not crash the daemon; a real gdb still works'), async (t) => {
    const d = await daemon(t, ['/bin/gdbprog']);
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const junk = Buffer.concat([
      Buffer.from(Array.from({ length: 65536 }, rnd)),
      Buffer.from('$' + 'A'.repeat(200_000) + '#00'), // oversized
      Buffer.from('$qSupported#00$g#67$m0,ffffffff#00$vFile:open:2f62696e2f67646270726f67,0,0#00\x03\x03}}}$$##'),
      Buffer.from('$Z0,' + 'f'.repeat(100) + ',4#00$vRun;zz#00$qXfer:features:read:../../etc/passwd:0,ffff#00'),
    ]);
    await new Promise<void>((resolve) => {
      const s = net.connect(d.port, '127.0.0.1', () => {
        s.write(junk, () => setTimeout(() => s.destroy(), 300));
      });
      s.on('data', () => undefined);
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    await d.waitLog(/disconnected/);
    t.is(d.code, undefined, 'the daemon survived');
    t.notRegex(d.stderr, /internal error|threw/);
    const g = await runGdb([FILE, `target remote :${d.port}`, 'break main', 'continue', 'continue']);
    noTrouble(t, g);
    inOrder(t, g, [`Breakpoint 1, main () at ${SRC}:39`, /^\[Inferior 1 \(process \d+\) exited with code 03\]$/]);
    t.is(await withTimeout(d.exited, 10000, 'daemon exit'), 3);
  });

  gtest(T('SIGTERM shuts the daemon down cleanly (idle, and with gdb attached and the guest running)'), async (t) => {
    const d1 = await daemon(t, ['/bin/gdbprog']);
    d1.proc.kill('SIGTERM');
    t.is(await withTimeout(d1.exited, 5000, 'daemon exit'), 143, d1.stderr);
    t.regex(d1.stderr, /SIGTERM: shutting down/);

    const d2 = await daemon(t, ['/bin/power3', '2000000000']);
    const gp = runGdb([`target remote :${d2.port}`, 'continue'], {
      during: (_p, out) => { void waitFor(() => / in _start \(\)$/m.test(out()), 20000, 'connect').then(() => sleep(500)).then(() => d2.proc.kill('SIGTERM')); },
    });
    t.is(await withTimeout(d2.exited, 10000, 'daemon exit'), 143, d2.stderr);
    const g = await gp;
    t.regex(g.out, /Remote connection closed|Remote communication error|The program is not being run|exited|terminated/);
    t.regex(d2.stderr, /killed by SIGTERM \(daemon shut down by SIGTERM\)/);
  });

  gtest(T('single-step throughput over loopback (RSP client; reported, not asserted)'), async (t) => {
    const d = await daemon(t, ['/bin/power3', '2000000000']);
    const c = await RspClient.connect('127.0.0.1', d.port, { timeoutMs: 10000 });
    t.teardown(() => c.close());
    await c.handshake({ noAck: true });
    const first = await c.stopReason();
    t.is(first.kind, 'signal');
    const thread = (await c.threads())[0]!;
    const pcReg = arch === 'riscv64' ? 32 : 32;
    let pc0 = await c.readRegisterValue(pcReg), moved = 0;
    const N = 20000;
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const s = await c.step(thread);
      if (s.kind !== 'signal' || s.signal !== 5) { t.fail(`step ${i}: ${JSON.stringify(s)}`); return; }
    }
    let secs = Number(process.hrtime.bigint() - t0) / 1e9;
    t.log(`${N} single steps (vCont;s, no-ack) in ${secs.toFixed(2)} s = ${Math.round(N / secs)} steps/s`);
    // what gdb does per stepi: step, then read the registers
    t0 = process.hrtime.bigint();
    for (let i = 0; i < N / 4; i++) {
      await c.step(thread);
      const pc = (await c.readRegisters()).readBigUInt64LE(pcReg * 8);
      if (pc !== pc0) moved++;
      pc0 = pc;
    }
    secs = Number(process.hrtime.bigint() - t0) / 1e9;
    t.log(`${N / 4} steps + g in ${secs.toFixed(2)} s = ${Math.round(N / 4 / secs)} steps/s`);
    t.true(moved > N / 8, `pc moved ${moved} times`);
    await c.kill();
  });
}
