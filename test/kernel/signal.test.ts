/** Arch-neutral signal state (kernel/task/signal.ts): generation, dequeue order, altstack rules. */
import test from 'ava';
import { getArch } from '../../arch/index';
import { SIG } from '../../kernel/signals';
import { Process } from '../../kernel/task/process';
import {
  decodeStack, defaultAction, encodeSigInfo, encodeStack, force, generate, onSigStack, SA, sasSsFlags, setAltStack, SI,
  SIG_IGN, sigbit, SignalState, SigPending, sigsp, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK,
} from '../../kernel/task/signal';
import { testTask, world } from './_helpers';

function proc(): Process {
  const w = world();
  return testTask(w, getArch('riscv64').createCpu(w.mem));
}
const user = (sig: number) => ({ signo: sig, errno: 0, code: SI.USER, pid: 7, uid: 0 });

test('dequeue: synchronous signals first, then the lowest number; RT signals queue', (t) => {
  const p = new SigPending();
  p.add(user(SIG.SIGUSR2)); p.add(user(SIG.SIGHUP)); p.add(user(SIG.SIGSEGV)); p.add(user(40)); p.add(user(40));
  const all = ~0n;
  t.deepEqual([1, 2, 3, 4, 5].map(() => p.dequeue(all)?.signo), [SIG.SIGSEGV, SIG.SIGHUP, SIG.SIGUSR2, 40, 40]);
  t.is(p.dequeue(all), null);
  p.add(user(SIG.SIGUSR1));
  t.is(p.dequeue(~sigbit(SIG.SIGUSR1)), null, 'blocked stays pending');
  t.true(p.has(SIG.SIGUSR1));
});

test('generate: standard signals coalesce, ignored ones are dropped unless blocked, SIGKILL kills', (t) => {
  const p = proc();
  generate(p, user(SIG.SIGUSR1)); generate(p, user(SIG.SIGUSR1));
  t.is(p.signals.pending.dequeue(~0n)?.signo, SIG.SIGUSR1);
  t.is(p.signals.pending.dequeue(~0n), null);
  generate(p, user(SIG.SIGCHLD));
  t.false(p.signals.pending.has(SIG.SIGCHLD), 'default-ignored');
  p.sigactions[SIG.SIGUSR2] = { handler: SIG_IGN, flags: 0n, restorer: 0n, mask: 0n };
  generate(p, user(SIG.SIGUSR2));
  t.false(p.signals.pending.has(SIG.SIGUSR2));
  p.sigmask = sigbit(SIG.SIGUSR2);
  generate(p, user(SIG.SIGUSR2));
  t.true(p.signals.pending.has(SIG.SIGUSR2), 'blocked signals are kept even if ignored');
  t.is(generate(p, user(SIG.SIGKILL)), 'kill');
});

test('force: a blocked or ignored fault signal is unblocked and reset to SIG_DFL', (t) => {
  const p = proc();
  p.sigmask = sigbit(SIG.SIGSEGV);
  p.sigactions[SIG.SIGSEGV] = { handler: 0x1234n, flags: SA.SIGINFO, restorer: 0n, mask: 0n };
  force(p, { signo: SIG.SIGSEGV, errno: 0, code: 1, addr: 0n });
  t.is(p.sigmask, 0n);
  t.is(p.sigactions[SIG.SIGSEGV]!.handler, 0n);
  t.true(p.signals.pending.has(SIG.SIGSEGV));
});

test('default actions (man 7 signal)', (t) => {
  t.is(defaultAction(SIG.SIGSEGV), 'core');
  t.is(defaultAction(SIG.SIGABRT), 'core');
  t.is(defaultAction(SIG.SIGTERM), 'term');
  t.is(defaultAction(SIG.SIGCHLD), 'ign');
  t.is(defaultAction(SIG.SIGWINCH), 'ign');
  t.is(defaultAction(SIG.SIGCONT), 'cont');
  t.is(defaultAction(SIG.SIGTSTP), 'stop');
  t.is(defaultAction(40), 'term');
});

test('siginfo bytes: signo/errno/code, then the union at 16', (t) => {
  const b = encodeSigInfo({ signo: 11, errno: 0, code: 2, addr: 0x1234n });
  const dv = new DataView(b.buffer);
  t.is(b.length, 128);
  t.is(dv.getInt32(0, true), 11);
  t.is(dv.getInt32(8, true), 2);
  t.is(dv.getBigUint64(16, true), 0x1234n);
  const k = new DataView(encodeSigInfo({ signo: 10, errno: 0, code: SI.TKILL, pid: 42, uid: 1000 }).buffer);
  t.is(k.getInt32(8, true), -6);
  t.is(k.getInt32(16, true), 42);
  t.is(k.getUint32(20, true), 1000);
});

test('sigaltstack rules: ENOMEM, EINVAL, EPERM while on it, SS_ONSTACK reporting, sigsp', (t) => {
  const s = new SignalState();
  t.is(setAltStack(s, { sp: 0x1000n, size: 1024n, flags: 0 }, 0x9000n, 2048), 12);
  t.is(setAltStack(s, { sp: 0x1000n, size: 0x4000n, flags: 4 }, 0x9000n, 2048), 22);
  t.is(setAltStack(s, { sp: 0x1000n, size: 0x4000n, flags: 0 }, 0x9000n, 2048), 0);
  t.true(onSigStack(s.altstack, 0x5000n));
  t.false(onSigStack(s.altstack, 0x1000n), 'the lowest byte is outside (sp > ss_sp)');
  t.is(sasSsFlags(s.altstack, 0x2000n), SS_ONSTACK);
  t.is(setAltStack(s, { sp: 0n, size: 0n, flags: SS_DISABLE }, 0x2000n, 2048), 1, 'EPERM on the stack');
  t.is(sigsp(s.altstack, 0x9000n, SA.ONSTACK), 0x5000n);
  t.is(sigsp(s.altstack, 0x9000n, 0n), 0x9000n);
  t.is(sigsp(s.altstack, 0x3000n, SA.ONSTACK), 0x3000n, 'already on it: keep going down');
  t.is(setAltStack(s, { sp: 0n, size: 0n, flags: SS_DISABLE }, 0x9000n, 2048), 0);
  t.is(sasSsFlags(s.altstack, 0x9000n), SS_DISABLE);
  const rt = decodeStack(encodeStack({ sp: 0x1000n, size: 0x4000n, flags: SS_AUTODISARM }));
  t.deepEqual(rt, { sp: 0x1000n, size: 0x4000n, flags: SS_AUTODISARM });
  t.false(onSigStack(rt, 0x2000n), 'SS_AUTODISARM: never "on" it');
});
