/**
 * qemu's execution trace as the lockstep reference (scripts/diff/trace.ts): the entry formats of
 * qemu-user 7.2's `-d cpu,fpu` for riscv64 and aarch64, and the FIFO reader against a real qemu.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { constants as fsc, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { putHexLE, TraceEntry, TraceReader, traceFormat, type TraceLayout } from '../../scripts/diff/trace';

const ROOT = join(__dirname, '..', '..');

/** A riscv64 entry as qemu 7.2 prints it (`" %-8s %016lx"` fields, four a line). */
function rvEntry(pc: bigint, x: bigint[], f: bigint[]): string {
  const X = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
    's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
  const F = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
    'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];
  const h = (v: bigint): string => v.toString(16).padStart(16, '0');
  let s = ` pc       ${h(pc)}\n`;
  for (const [pre, names, vals] of [['x', X, x], ['f', F, f]] as const) {
    for (let i = 0; i < 32; i++) s += ` ${`${pre}${i}/${names[i]}`.padEnd(8)} ${h(vals[i] ?? 0n)}${i % 4 === 3 ? '\n' : ''}`;
  }
  return s;
}

const layoutOf = (arch: string, text: string): TraceLayout => ({ len: text.length, regs: traceFormat(arch).locate(text) });

test('riscv64 entry: every x and f register, pc; names as in the gdb target description', (t) => {
  const x = Array.from({ length: 32 }, (_, i) => BigInt(i) * 0x0101010101010101n);
  const f = Array.from({ length: 32 }, (_, i) => 0xffffffff00000000n | BigInt(i));
  const text = rvEntry(0x112a8n, x, f);
  const fmt = traceFormat('riscv64');
  const e = new TraceEntry(0, 0x112a8n, text, fmt, layoutOf('riscv64', text));
  t.is(e.value('pc'), 0x112a8n);
  t.is(e.value('fp'), x[8]); // x8 is s0 in qemu's dump, fp in gdb's
  t.is(e.value('a0'), x[10]);
  t.is(e.value('t6'), x[31]);
  t.is(e.value('fa1'), f[11]);
  t.deepEqual(e.bytes('ra', 8), Buffer.from('0101010101010101', 'hex'));
  t.deepEqual(e.bytes('ft0', 8), Buffer.from('00000000ffffffff', 'hex'));
  t.is(e.value('fcsr'), null); // user-mode dumps show no CSRs
  for (const n of fmt.names) t.not(e.hex(n), undefined, n);
  // an entry of another length is parsed on its own, not with the first entry's layout
  const other = text.replace(' pc       ', ' pc ');
  t.is(new TraceEntry(1, 0n, other, fmt, layoutOf('riscv64', text)).value('a0'), x[10]);
});

test('aarch64 entry: Q registers high:low become 16 little-endian bytes; PSTATE is cpsr', (t) => {
  const text = ' PC=00000000002102f0 X00=0000000000000001 X01=fffffffffffffffe\n' +
    Array.from({ length: 9 }, (_, l) => [2, 3, 4].map((k) => `X${String(3 * l + k).padStart(2, '0')}=${(3n * BigInt(l) + BigInt(k)).toString(16).padStart(16, '0')}`).join(' ')).join('\n') +
    '\nX29=0000000000000029 X30=0000000000000030  SP=0000005500800810\nPSTATE=60000000 -ZC- EL0t     FPCR=03000000 FPSR=00000010\n' +
    'Q00=0123456789abcdef:fedcba9876543210 Q01=0000000000000000:0000000000000001\n';
  const fmt = traceFormat('aarch64');
  const e = new TraceEntry(0, 0x2102f0n, text, fmt, layoutOf('aarch64', text));
  t.is(e.value('pc'), 0x2102f0n);
  t.is(e.value('x1'), 0xfffffffffffffffen);
  t.is(e.value('x28'), 28n);
  t.is(e.value('sp'), 0x5500800810n);
  t.deepEqual(e.bytes('cpsr', 4), Buffer.from('00000060', 'hex'));
  t.is(e.value('fpcr'), 0x03000000n);
  t.is(e.value('fpsr'), 0x10n);
  t.deepEqual(e.bytes('v0', 16), Buffer.from('1032547698badcfeefcdab8967452301', 'hex'));
  t.is(e.value('v1'), 1n);
});

test('putHexLE pads and truncates to the register size', (t) => {
  const b = Buffer.alloc(6, 0xee);
  putHexLE(b, 1, 'abc', 4);
  t.deepEqual(b, Buffer.from('eebc0a0000ee', 'hex'));
});

const hasQemu = spawnSync('sh', ['-c', 'command -v qemu-riscv64 && command -v mkfifo']).status === 0;
(hasQemu ? test : test.skip)('the FIFO reader sees every instruction of a real qemu run, the first at the ELF entry', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rld-trace-test-'));
  try {
    const fifo = join(dir, 'trace');
    spawnSync('mkfifo', [fifo]);
    const fd = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
    const prog = join(ROOT, 'test', 'fixtures', 'riscv64', 'hello');
    const q = spawn('qemu-riscv64', ['-singlestep', '-d', 'cpu,fpu,nochain', '-D', fifo, prog], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => q.once('exit', (c) => r(c)));
    // qemu opens its -D file before running anything; a read before that would see EOF
    const opened = (): boolean => {
      try {
        return readdirSync(`/proc/${q.pid}/fd`).some((f) => { try { return readlinkSync(`/proc/${q.pid}/fd/${f}`) === fifo; } catch { return false; } });
      } catch { return false; }
    };
    for (let i = 0; i < 200 && !opened(); i++) await new Promise((r) => setTimeout(r, 10));
    const reader = new TraceReader(fd, traceFormat('riscv64'));
    const first = await reader.get(0);
    const entry = readFileSync(prog).readBigUInt64LE(24);
    t.is(first?.pc, entry);
    let n = 1;
    while (await reader.get(n)) n++;
    t.is(await exited, 0);
    t.true(n > 1000, `${n} entries`);
    const last = reader.peek(n - 1)!;
    t.is(last.value('a7'), 94n); // exit_group
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
