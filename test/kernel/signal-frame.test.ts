/**
 * Signal frames as Linux lays them out (arch/riscv/kernel/signal.c, arch/arm64/kernel/signal.c):
 * offsets of the saved registers, the handler's registers, rt_sigreturn restoring every register
 * and the mask (never SIGKILL/SIGSTOP), and bad frames.
 */
import test from 'ava';
import type { ArchModule, Cpu } from '../../arch/common/cpu';
import { getArch } from '../../arch/index';
import { MemFault } from '../../arch/common/memory';
import { PROT_READ, PROT_WRITE } from '../../kernel/mm/address-space';
import { SIG } from '../../kernel/signals';
import { signalSyscalls } from '../../kernel/syscall/handlers/signal';
import type { Kernel } from '../../kernel/kernel';
import { Process } from '../../kernel/task/process';
import { BadFrame, sigframeFor } from '../../kernel/task/sigframe';
import { OFF as A64 } from '../../kernel/task/sigframe/aarch64';
import { RegView } from '../../kernel/task/sigframe/regs';
import { F_NAMES, OFF as RV, X_NAMES } from '../../kernel/task/sigframe/riscv64';
import { encodeSigInfo, encodeStack, SA, SEGV_MAPERR, sigbit, SS_DISABLE, UNBLOCKABLE } from '../../kernel/task/signal';
import { testTask, world } from './_helpers';

const STACK_LO = 0x10_0000, STACK_HI = 0x20_0000;
const HANDLER = 0x4_0000n, TRAMP = 0x5_0000n, RESTORER = 0x6_0000n;

function setup(arch: ArchModule): { cpu: Cpu; r: RegView; proc: Process } {
  const w = world();
  w.as.map({ start: STACK_LO, end: STACK_HI, prot: PROT_READ | PROT_WRITE, shared: false, file: null, name: '[stack]' });
  const cpu = arch.createCpu(w.mem);
  const proc = testTask(w, cpu, 100);
  return { cpu, r: new RegView(cpu, arch.gdb), proc };
}

function services(arch: ArchModule): Kernel {
  return ({
    arch, deterministic: true, uid: 0, gid: 0, hostname: 't',
    realtimeNs: () => 0n, monotonicNs: () => 0n, cpuTimeNs: () => 0n, fillRandom: () => {}, warn: () => {}, terminate: () => {},
  }) as unknown as Kernel;
}

const sigreturn = signalSyscalls.find((d) => d.name === 'rt_sigreturn')!;
const info = encodeSigInfo({ signo: SIG.SIGSEGV, errno: 0, code: SEGV_MAPERR, addr: 0xdeadn });

test('riscv64 frame: layout, handler registers, sigreturn restores registers and mask', (t) => {
  const arch = getArch('riscv64');
  const { cpu, r, proc } = setup(arch);
  const spTop = BigInt(STACK_HI - 0x1008);
  for (let n = 1; n < 32; n++) r.set(X_NAMES[n]!, 0x1000n * BigInt(n) + 7n);
  r.set('sp', spTop);
  r.set('pc', 0x12344n);
  for (let n = 0; n < 32; n++) r.set(F_NAMES[n]!, 0x3ff0_0000_0000_0000n + BigInt(n));
  r.set('fcsr', 0x61n);
  const before = cpu.saveState();
  const mask = sigbit(SIG.SIGUSR2) | UNBLOCKABLE;
  const frame = sigframeFor('riscv64').setup({
    cpu, gdb: arch.gdb, sig: SIG.SIGSEGV, info, mask, stack: encodeStack({ sp: 0n, size: 0n, flags: SS_DISABLE }),
    handler: HANDLER, flags: SA.SIGINFO, restorer: 0n, spTop, trampoline: TRAMP, faultAddress: 0n,
  });
  t.is(frame, (spTop - 1088n) & ~15n);
  t.is(RV.size, 1088);
  const m = cpu.mem, f = Number(frame);
  // siginfo at 0, uc at 128, uc_sigmask at 168, uc_mcontext at 128 + 176: pc, x1..x31, fp state
  t.is(m.readU32(f), SIG.SIGSEGV);
  t.is(m.readU64(f + 16), 0xdeadn);
  t.is(m.readU64(f + 168), mask);
  t.is(m.readU32(f + 144 + 8), SS_DISABLE);
  t.is(m.readU64(f + 304), 0x12344n, 'sc_regs.pc');
  t.is(m.readU64(f + 304 + 8 * 2), spTop, 'sc_regs.sp');
  t.is(m.readU64(f + 304 + 8 * 10), 0xa007n, 'sc_regs.a0');
  t.is(m.readU64(f + 304 + 8 * 31), 0x1f007n, 'sc_regs.t6');
  t.is(m.readU64(f + 304 + 256 + 8 * 5), 0x3ff0_0000_0000_0005n, 'f5');
  t.is(m.readU32(f + 304 + 256 + 256), 0x61, 'fcsr');
  t.is(m.readU32(f + 304 + 256 + 516), 0, 'sc_extdesc.reserved');
  // the handler's registers
  t.is(r.get('pc'), HANDLER);
  t.is(r.get('sp'), frame);
  t.is(r.get('ra'), TRAMP);
  t.is(r.get('a0'), BigInt(SIG.SIGSEGV));
  t.is(r.get('a1'), frame);
  t.is(r.get('a2'), frame + 128n);
  // the handler changes registers; rt_sigreturn (sp = frame) puts back every one and the mask
  r.set('s3', 1n); r.set('ft4', 2n); r.set('fcsr', 0n);
  proc.sigmask = 0n;
  const ret = sigreturn.handler({ proc, k: services(arch) }, []);
  t.is(ret, 0xa007n, 'returns a0 as restored');
  t.deepEqual(cpu.saveState(), before);
  t.is(proc.sigmask, sigbit(SIG.SIGUSR2), 'mask restored without SIGKILL/SIGSTOP');
});

test('riscv64 sigreturn: a bad frame forces SIGSEGV', (t) => {
  const arch = getArch('riscv64');
  const { cpu, r, proc } = setup(arch);
  const spTop = BigInt(STACK_HI - 0x100);
  r.set('sp', spTop);
  const frame = sigframeFor('riscv64').setup({
    cpu, gdb: arch.gdb, sig: SIG.SIGUSR1, info, mask: 0n, stack: encodeStack({ sp: 0n, size: 0n, flags: SS_DISABLE }),
    handler: HANDLER, flags: 0n, restorer: 0n, spTop, trampoline: TRAMP, faultAddress: 0n,
  });
  cpu.mem.writeU32(Number(frame) + RV.extReserved, 1);
  t.throws(() => sigframeFor('riscv64').restore(cpu, arch.gdb), { instanceOf: BadFrame });
  r.set('sp', frame);
  sigreturn.handler({ proc, k: services(arch) }, []);
  t.true(proc.signals.pending.has(SIG.SIGSEGV));
  r.set('sp', 0x10n); // unmapped
  t.throws(() => sigframeFor('riscv64').restore(cpu, arch.gdb), { instanceOf: BadFrame });
});

test('riscv64 frame: an unwritable stack throws and leaves the registers alone', (t) => {
  const arch = getArch('riscv64');
  const { cpu, r } = setup(arch);
  r.set('sp', BigInt(STACK_LO + 0x100)); // the frame would go below the mapping
  r.set('pc', 0x1234n);
  const before = cpu.saveState();
  let thrown: unknown = null;
  try {
    sigframeFor('riscv64').setup({
      cpu, gdb: arch.gdb, sig: SIG.SIGUSR1, info, mask: 0n, stack: encodeStack({ sp: 0n, size: 0n, flags: SS_DISABLE }),
      handler: HANDLER, flags: 0n, restorer: 0n, spTop: BigInt(STACK_LO + 0x100), trampoline: TRAMP, faultAddress: 0n,
    });
  } catch (e) { thrown = e; }
  t.true(thrown instanceof MemFault);
  t.deepEqual(cpu.saveState(), before);
});

test('aarch64 frame: layout, frame record, handler registers, sigreturn', (t) => {
  const arch = getArch('aarch64');
  const { cpu, r, proc } = setup(arch);
  const spTop = BigInt(STACK_HI - 0x1008);
  for (let n = 0; n < 31; n++) r.set(`x${n}`, 0x1000n * BigInt(n) + 3n);
  r.set('sp', spTop);
  r.set('pc', 0x40_1000n);
  r.set('cpsr', 0x6000_0000n);
  for (let n = 0; n < 32; n++) r.set(`v${n}`, (BigInt(n) << 64n) | 0x55n);
  r.set('fpcr', 0x0200_0000n);
  const before = cpu.saveState();
  const mask = sigbit(SIG.SIGHUP) | sigbit(SIG.SIGSTOP);
  const frame = sigframeFor('aarch64').setup({
    cpu, gdb: arch.gdb, sig: SIG.SIGSEGV, info, mask, stack: encodeStack({ sp: 0n, size: 0n, flags: SS_DISABLE }),
    handler: HANDLER, flags: SA.SIGINFO | SA.RESTORER, restorer: RESTORER, spTop, trampoline: TRAMP, faultAddress: 0xdeadn,
  });
  const record = (spTop - 16n) & ~15n;
  t.is(frame, record - 4688n);
  const m = cpu.mem, f = Number(frame);
  t.is(m.readU64(Number(record)), 0x1d003n, 'frame record fp = x29');
  t.is(m.readU64(Number(record) + 8), 0x1e003n, 'frame record lr = x30');
  t.is(m.readU64(f + 168), mask);
  t.is(m.readU64(f + A64.faultAddress), 0xdeadn);
  t.is(m.readU64(f + 312 + 8 * 0), 3n, 'regs[0]');
  t.is(m.readU64(f + 312 + 8 * 30), 0x1e003n, 'regs[30]');
  t.is(m.readU64(f + 304 + 256), spTop, 'sp');
  t.is(m.readU64(f + 304 + 264), 0x40_1000n, 'pc');
  t.is(m.readU64(f + 304 + 272), 0x6000_0000n, 'pstate');
  t.is(m.readU32(f + 592), 0x46508001, 'fpsimd magic');
  t.is(m.readU32(f + 596), 528, 'fpsimd size');
  t.is(m.readU32(f + 604), 0x0200_0000, 'fpcr');
  t.is(m.readU64(f + 592 + 16 + 16 * 7 + 8), 7n, 'v7 high half');
  t.is(m.readU64(f + 592 + 528), 0n, 'terminating record');
  t.is(r.get('x0'), BigInt(SIG.SIGSEGV));
  t.is(r.get('x1'), frame);
  t.is(r.get('x2'), frame + 128n);
  t.is(r.get('sp'), frame);
  t.is(r.get('x29'), record);
  t.is(r.get('x30'), RESTORER, 'SA_RESTORER wins over the trampoline');
  t.is(r.get('pc'), HANDLER);
  r.set('x19', 0n); r.set('v3', 0n); r.set('x0', 99n);
  proc.sigmask = 0n;
  const ret = sigreturn.handler({ proc, k: services(arch) }, []);
  t.is(ret, 3n, 'returns x0 as restored');
  t.deepEqual(cpu.saveState(), before);
  t.is(proc.sigmask, sigbit(SIG.SIGHUP));
});

test('aarch64 frame: without SA_SIGINFO x1/x2 are left alone, x30 is the trampoline; misaligned sp is a bad frame', (t) => {
  const arch = getArch('aarch64');
  const { cpu, r } = setup(arch);
  r.set('x1', 11n); r.set('x2', 22n);
  const spTop = BigInt(STACK_HI - 0x100);
  r.set('sp', spTop);
  sigframeFor('aarch64').setup({
    cpu, gdb: arch.gdb, sig: SIG.SIGUSR1, info, mask: 0n, stack: encodeStack({ sp: 0n, size: 0n, flags: SS_DISABLE }),
    handler: HANDLER, flags: 0n, restorer: 0n, spTop, trampoline: TRAMP, faultAddress: 0n,
  });
  t.is(r.get('x1'), 11n);
  t.is(r.get('x2'), 22n);
  t.is(r.get('x30'), TRAMP);
  r.set('sp', r.get('sp') + 8n);
  t.throws(() => sigframeFor('aarch64').restore(cpu, arch.gdb), { instanceOf: BadFrame });
});

test('trampolines: rt_sigreturn (139) through ecall / svc', (t) => {
  t.deepEqual([...new Uint32Array(sigframeFor('riscv64').trampoline.buffer)], [0x08b00893, 0x00000073]);
  t.deepEqual([...new Uint32Array(sigframeFor('aarch64').trampoline.buffer)], [0xd2801168, 0xd4000001]);
});
