import test, { ExecutionContext } from 'ava';
import { parseThreadId } from '../../gdbstub/commands';
import { RspClient } from '../../gdbstub/client';
import { linuxToGdbSignal, gdbToLinuxSignal } from '../../gdbstub/signals';
import { CODE, DATA, enc, SPIN } from './fake-target';
import { le64, rig, sleep } from './helpers';
import { PC } from './riscv64-tdesc';

async function connected(t: ExecutionContext, fakeOpts = {}, noAck = true) {
  const r = await rig(fakeOpts);
  t.teardown(() => r.close());
  t.teardown(() => r.close());
  const c = await r.connect();
  await c.handshake({ noAck });
  return { r, c };
}

test('qSupported advertises what is implemented; no-ack mode', async (t) => {
  const { r, c } = await connected(t);
  const f = c.features;
  t.is(f.get('PacketSize'), '4000');
  for (const k of [
    'QStartNoAckMode',
    'qXfer:features:read',
    'qXfer:auxv:read',
    'qXfer:exec-file:read',
    'qXfer:threads:read',
    'vContSupported',
    'swbreak',
    'hwbreak',
    'QCatchSyscalls',
    'multiprocess',
  ]) {
    t.is(f.get(k), '+', k);
  }
  t.true(c.noAck);
  t.is(await c.request('vMustReplyEmpty'), '');
  t.is(await c.request('qFooBar:1'), '');
  t.is(await c.request('vFile:open:2f,0,0'), '');
  await r.close();
});

test('features gdb did not offer are not claimed; minimal target omits optional qXfer', async (t) => {
  const r = await rig({ minimal: true });
  t.teardown(() => r.close());
  const c = await r.connect();
  await c.handshake({ features: ['vContSupported+'], noAck: false });
  t.false(c.features.has('swbreak'));
  t.false(c.features.has('multiprocess'));
  t.false(c.features.has('qXfer:auxv:read'));
  t.false(c.features.has('QCatchSyscalls'));
  t.is(await c.request('qXfer:auxv:read::0,ffb'), '');
  t.is(await c.request('qRcmd,68656c70'), '');
  t.is(await c.request('?'), 'T05thread:100;');
  t.is(await c.request('qfThreadInfo'), 'm100');
  await r.close();
});

test('connect sequence as gdb 13 sends it', async (t) => {
  const { r, c } = await connected(t);
  t.is(await c.request('Hgp0.0'), 'OK');
  t.is(await c.request('qTStatus'), '');
  t.is(await c.request('?'), 'T05thread:p1.100;');
  t.deepEqual(await c.threads(), ['p1.100']);
  t.is(await c.request('qAttached:1'), '0');
  t.is(await c.request('Hc-1'), 'OK');
  t.is(await c.request('qC'), 'QCp1.100');
  t.is(await c.request('qSymbol::'), 'OK');
  t.is(await c.request('!'), 'OK');
  await r.close();
});

test('thread id forms', async (t) => {
  t.deepEqual(parseThreadId('p1.100'), { pid: 1, tid: 0x100 });
  t.deepEqual(parseThreadId('p1.-1'), { pid: 1, tid: -1 });
  t.deepEqual(parseThreadId('p1'), { pid: 1, tid: -1 });
  t.deepEqual(parseThreadId('-1'), { pid: undefined, tid: -1 });
  t.deepEqual(parseThreadId('0'), { pid: undefined, tid: 0 });
  t.deepEqual(parseThreadId('1a'), { pid: undefined, tid: 0x1a });
  t.is(parseThreadId('pz.1'), null);
  t.is(parseThreadId(''), null);
  const { r, c } = await connected(t, { extraThreads: [SPIN] });
  for (const id of ['p1.100', 'p1.101', 'p1.-1', 'p0.0', '-1', '0', '100', 'p01.101']) t.is(await c.request('Hg' + id), 'OK', id);
  for (const id of ['p2.100', 'p1.999', '999', 'zz', '']) t.is(await c.request('Hg' + id), 'E22', id);
  t.is(await c.request('Tp1.101'), 'OK');
  t.is(await c.request('T101'), 'OK');
  t.is(await c.request('Tp1.1'), 'E22');
  t.is(await c.request('Hx0'), 'E22');
  t.deepEqual(await c.threads(), ['p1.100', 'p1.101']);
  // Hg selects whose registers g/p read
  await c.selectThread('p1.101');
  t.is(await c.readRegisterValue(PC), SPIN);
  await c.selectThread('p1.100');
  t.is(await c.readRegisterValue(PC), CODE);
  const xml = (await c.readXfer('threads')).toString();
  t.regex(xml, /<thread id="p1.100" core="0" name="hello"\/>/);
  t.regex(xml, /<thread id="p1.101" core="0" name="worker-101"\/>/);
  await r.close();
});

test('g/G and p/P', async (t) => {
  const { r, c } = await connected(t);
  const g = await c.readRegisters();
  t.is(g.length, 33 * 8);
  t.is(g.readBigUInt64LE(32 * 8), CODE);
  t.is(g.readBigUInt64LE(2 * 8), 0x7fff0f00n);
  // P, as gdb does for `set var $t0 = ...`
  t.is(await c.request('P5=8877665544332211'), 'OK');
  t.is(await c.request('p5'), '8877665544332211');
  t.is(r.fake.thread(0x100).x[5], 0x1122334455667788n);
  // G writes everything
  const g2 = Buffer.from(g);
  g2.writeBigUInt64LE(0xdeadbeefn, 10 * 8);
  await c.writeRegisters(g2);
  t.is(r.fake.thread(0x100).x[10], 0xdeadbeefn);
  t.is(await c.request('G00'), 'E22');
  // registers outside g: FP and 32-bit CSRs
  await c.writeRegister(0x21 + 3, le64(0x400921fb54442d18n));
  t.is(await c.readRegisterValue(0x21 + 3), 0x400921fb54442d18n);
  t.is(await c.request('P43=1f000000'), 'OK'); // fflags
  t.is(await c.request('p45'), '1f000000'); // fcsr
  t.is(await c.request('P44=02000000'), 'OK'); // frm
  t.is(await c.request('p45'), '5f000000');
  t.is(await c.request('P43=1f'), 'E22'); // wrong size
  t.is(await c.request('p41'), 'E14'); // hole (QEMU's priv) in our numbering
  t.is(await c.request('p1000'), 'E14');
  t.is(await c.request('pzz'), 'E22');
  t.is(await c.request('P1000=00'), 'E14');
  await r.close();
});

test('m/M/X memory; unmapped -> E14; partial reads; breakpoints never show', async (t) => {
  const { r, c } = await connected(t);
  t.is(await c.request(`m${CODE.toString(16)},4`), Buffer.from([0x13, 0x05, 0x10, 0x00]).toString('hex'));
  t.is(await c.request('m0,4'), 'E14');
  t.is(await c.request('m20ffe,4'), '0000'); // runs off the end of the mapping
  t.is(await c.request('m20000,0'), '');
  t.is(await c.request('mzz,4'), 'E22');
  await c.writeMemory(DATA + 0x100n, Buffer.from('cafe', 'hex'));
  t.is((await c.readMemory(DATA + 0x100n, 2)).toString('hex'), 'cafe');
  const bin = Buffer.from([0x23, 0x24, 0x7d, 0x2a, 0x03, 0x00, 0xff]);
  t.is(await c.request('X20200,0:'), 'OK'); // gdb's X probe
  await c.writeMemory(DATA + 0x200n, bin, true);
  t.deepEqual(await c.readMemory(DATA + 0x200n, bin.length), bin);
  t.is(await c.request('M0,2:0000'), 'E14');
  t.is(await c.request('M20000,2:00'), 'E22');
  t.is(await c.request('X20000,3:ab'), 'E22');
  // a large read is chunked by the client and matches
  const big = await c.readMemory(DATA, 0x1000, 0x400);
  t.is(big.length, 0x1000);
  // breakpoint memory is untouched
  const before = await c.readMemory(CODE, 16);
  await c.insertBreakpoint(0, CODE + 4n, 4);
  await c.insertBreakpoint(1, CODE + 8n, 4);
  t.deepEqual(await c.readMemory(CODE, 16), before);
  t.is(await c.request('Z0,zz,4'), 'E22');
  t.is(await c.request('Z5,10000,4'), '');
  await r.close();
});

test('qXfer features/auxv/exec-file with offset,length chunking', async (t) => {
  const { r, c } = await connected(t);
  const xml = r.fake.arch.targetXml;
  for (const annex of Object.keys(xml)) {
    t.is((await c.readXfer('features', annex)).toString('latin1'), xml[annex], annex);
    t.is((await c.readXfer('features', annex, 0x37)).toString('latin1'), xml[annex], annex + ' small chunks');
  }
  const first = await c.request('qXfer:features:read:target.xml:0,10');
  t.is(first, 'm' + xml['target.xml']!.slice(0, 16));
  t.is(await c.request(`qXfer:features:read:target.xml:${(100000).toString(16)},10`), 'l');
  t.is(await c.request('qXfer:features:read:nope.xml:0,ffb'), 'E00');
  t.is(await c.request('qXfer:features:read:target.xml:zz'), 'E22');
  const auxv = await c.readXfer('auxv');
  t.is(auxv.length, 48);
  t.is(auxv.readBigUInt64LE(0), 6n);
  t.is(auxv.readBigUInt64LE(24), CODE);
  t.is((await c.readXfer('exec-file', '1')).toString(), '/sbin/hello');
  t.is((await c.readXfer('exec-file', '')).toString(), '/sbin/hello');
  t.is(await c.request('qXfer:exec-file:read:2:0,ffb'), 'E00');
  t.is(await c.request('qXfer:libraries-svr4:read::0,ffb'), '');
  await r.close();
});

test('break + continue reports swbreak; riscv-style step (Z0 at next pc + continue)', async (t) => {
  const { r, c } = await connected(t);
  t.is(await c.request('vCont?'), 'vCont;c;C;s;S;t');
  await c.insertBreakpoint(0, CODE + 0xcn, 4);
  let s = await c.resume('vCont;c:p1.-1');
  t.is(s.raw, 'T05swbreak:;thread:p1.100;');
  t.is(r.fake.pc(), CODE + 0xcn);
  await c.removeBreakpoint(0, CODE + 0xcn, 4);
  // gdb's riscv software single-step
  await c.insertBreakpoint(0, CODE + 0x10n, 4);
  s = await c.resume('vCont;c:p1.100');
  t.is(s.raw, 'T05swbreak:;thread:p1.100;');
  t.is(r.fake.pc(), CODE + 0x10n);
  await c.removeBreakpoint(0, CODE + 0x10n, 4);
  // hardware breakpoint
  await c.insertBreakpoint(1, CODE + 0x18n, 4);
  s = await c.cont();
  t.is(s.raw, 'T05hwbreak:;thread:p1.100;');
  t.is(await c.request('z1,10018,4'), 'OK');
  await r.close();
});

test('swbreak/hwbreak are left out when gdb did not negotiate them', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  const c = await r.connect();
  await c.handshake({ features: ['multiprocess+', 'vContSupported+'] });
  await c.insertBreakpoint(0, CODE + 0xcn, 4);
  t.is((await c.cont()).raw, 'T05thread:p1.100;');
  await r.close();
});

test('vCont;s steps one instruction; legacy s and c work too', async (t) => {
  const { r, c } = await connected(t);
  const s = await c.step('p1.100');
  t.is(s.raw, 'T05thread:p1.100;');
  t.is(s.kind === 'signal' && s.tid, 0x100);
  t.is(r.fake.pc(), CODE + 4n);
  await c.step(); // default: last stopped thread
  t.is(r.fake.pc(), CODE + 8n);
  t.is((await c.resume('s')).raw, 'T05thread:p1.100;');
  t.is(r.fake.pc(), CODE + 12n);
  t.deepEqual(r.fake.resumes.at(-1), [{ tid: 0x100, step: true, signal: 0 }]);
  t.is(await c.request('vCont;x'), 'E22');
  t.is(await c.request('vCont;c:p1.999'), 'E22');
  t.is(await c.request('vCont;t'), 'E22'); // nothing would run
  t.is((await c.resume('c')).raw, 'W03;process:1');
  await r.close();
});

test('aarch64-style vCont;s:p1.<tid>;c:p1.-1 steps the named thread, the others continue', async (t) => {
  const { r, c } = await connected(t, { extraThreads: [SPIN] });
  const s = await c.resume('vCont;s:p1.100;c:p1.-1');
  t.is(s.raw, 'T05thread:p1.100;');
  t.is(r.fake.pc(0x100), CODE + 4n);
  t.true(r.fake.thread(0x101).insns > 0);
  t.deepEqual(r.fake.resumes.at(-1), [
    { tid: 0x100, step: true, signal: 0 },
    { tid: 0x101, step: false, signal: 0 },
  ]);
  // step the other thread while the first stays stopped (t / no action)
  const s2 = await c.resume('vCont;s:p1.101');
  t.is(s2.raw, 'T05thread:p1.101;');
  t.deepEqual(r.fake.resumes.at(-1), [{ tid: 0x101, step: true, signal: 0 }]);
  // after a stop, register reads default to the stop thread
  t.is(await c.readRegisterValue(PC), SPIN);
  // plain and -1 forms, signals are converted gdb -> Linux (SIGBUS 0a -> 7, SIGUSR1 1e -> 10)
  await c.resume('vCont;S0a:100;C1e:-1');
  t.deepEqual(r.fake.resumes.at(-1), [
    { tid: 0x100, step: true, signal: 7 },
    { tid: 0x101, step: false, signal: 10 },
  ]);
  await r.close();
});

test('watchpoints Z2/Z3/Z4 report the exact data address', async (t) => {
  const { r, c } = await connected(t);
  await c.insertBreakpoint(2, DATA + 8n, 8);
  let s = await c.cont();
  t.is(s.raw, `T05watch:${(DATA + 8n).toString(16)};thread:p1.100;`);
  t.is(r.fake.pc(), CODE + 0xcn); // riscv: stopped before the store (gdb steps over it)
  await c.removeBreakpoint(2, DATA + 8n, 8);
  await c.insertBreakpoint(3, DATA + 0xcn, 4);
  s = await c.cont();
  t.is(s.raw, `T05rwatch:${(DATA + 0xcn).toString(16)};thread:p1.100;`);
  await c.removeBreakpoint(3, DATA + 0xcn, 4);
  // access watch on a fresh run
  r.fake.reset();
  await c.insertBreakpoint(4, DATA + 8n, 1);
  s = await c.cont();
  t.is(s.kind === 'signal' && s.fields['awatch'], '20008');
  await r.close();
});

test('catch syscall: entry and return stops, then exit', async (t) => {
  const { r, c } = await connected(t);
  t.is(await c.request('QCatchSyscalls:1;40'), 'OK');
  t.deepEqual(r.fake.catchSyscalls, [64]);
  let s = await c.cont();
  t.is(s.raw, 'T05syscall_entry:40;thread:p1.100;');
  t.is(r.fake.stdout, '');
  s = await c.cont();
  t.is(s.raw, 'T05syscall_return:40;thread:p1.100;');
  t.is(r.fake.stdout, 'hi\n');
  t.is(await c.request('QCatchSyscalls:1'), 'OK');
  t.is(r.fake.catchSyscalls, 'all');
  s = await c.cont();
  t.is(s.raw, 'T05syscall_entry:5d;thread:p1.100;');
  t.is(await c.request('QCatchSyscalls:0'), 'OK');
  t.is(r.fake.catchSyscalls, null);
  t.is(await c.request('QCatchSyscalls:2'), 'E22');
  s = await c.cont();
  t.deepEqual(s, { kind: 'exited', code: 3, pid: 1, raw: 'W03;process:1' });
  t.is(await c.request('?'), 'W03;process:1');
  t.is(await c.request('g'), 'E01');
  await r.close();
});

test('exit without multiprocess is plain W; fatal signal is X; illegal instruction T04', async (t) => {
  const r = await rig({ program: [0xffffffff] });
  t.teardown(() => r.close());
  const c = await r.connect();
  await c.handshake({ features: ['vContSupported+'] });
  const s = await c.cont();
  t.is(s.raw, 'T04thread:100;');
  r.fake.reset();
  r.fake.writeMemory(CODE, Buffer.from([0x13, 0, 0, 0]));
  r.fake.writeMemory(CODE + 4n, Buffer.from(Uint32Array.of(enc.addi(17, 0, 93)).buffer));
  r.fake.writeMemory(CODE + 8n, Buffer.from(Uint32Array.of(enc.ecall()).buffer));
  t.is((await c.cont()).raw, 'W00');
  t.is(r.server.stub.formatStop({ kind: 'terminated', signal: 11 }), 'X0b');
  t.is(linuxToGdbSignal(11), 11);
  t.is(linuxToGdbSignal(7), 10);
  t.is(linuxToGdbSignal(10), 30);
  t.is(linuxToGdbSignal(34), 46);
  for (let s = 1; s <= 64; s++) if (s !== 16) t.is(gdbToLinuxSignal(linuxToGdbSignal(s)), s, `sig ${s}`);
  await r.close();
});

test('qRcmd monitor', async (t) => {
  const { r, c } = await connected(t);
  t.regex(await c.monitor('help'), /^help -- this text\n/);
  await c.step();
  t.is(await c.monitor('insns'), '1\n');
  t.is(await c.request('qRcmd,zz'), 'E22');
  await r.close();
});

test('vKill, then vRun restarts (extended-remote)', async (t) => {
  const { r, c } = await connected(t);
  t.is(await c.request('!'), 'OK');
  await c.step();
  await c.kill(1);
  t.true(r.fake.killed);
  t.is(await c.request('?'), 'X09;process:1');
  t.is(await c.request('qfThreadInfo'), 'l');
  const s = await c.resume('vRun;' + Buffer.from('/sbin/hello').toString('hex') + ';' + Buffer.from('arg 1').toString('hex'));
  t.is(s.raw, 'T05thread:p1.100;');
  t.deepEqual(r.fake.restarts, [['/sbin/hello', 'arg 1']]);
  t.is(r.fake.pc(), CODE);
  await c.resume('vRun;');
  t.deepEqual(r.fake.restarts.at(-1), []);
  t.is((await c.cont()).raw, 'W03;process:1');
  await r.close();
});

test('k kills with no reply', async (t) => {
  const { r, c } = await connected(t);
  c.send('k');
  await sleep(50);
  t.true(r.fake.killed);
  t.is(await c.request('?'), 'X09;process:1');
  await r.close();
});

test('Ctrl-C stops a running guest within 100 ms', async (t) => {
  const { r, c } = await connected(t, { program: [enc.jal(0, 0)] });
  const stop = c.cont();
  await sleep(100);
  t.true(r.fake.running);
  const t0 = Date.now();
  c.interrupt();
  const s = await stop;
  t.true(Date.now() - t0 < 100, `took ${Date.now() - t0} ms`);
  t.is(s.raw, 'T02thread:p1.100;');
  t.is(r.fake.pc(), CODE);
  // Ctrl-C right behind the vCont in the same TCP segment is not lost
  c.sendRaw(Buffer.concat([Buffer.from('$vCont;c#a8'), Buffer.from([3])]));
  t.is((await c.nextPacket()).slice(0, 3), 'T02');
  // Ctrl-C while stopped is ignored
  c.interrupt();
  t.is(await c.request('?'), 'T02thread:p1.100;');
  await r.close();
});

test('detach lets the guest run to its end and closes the connection; later clients are refused', async (t) => {
  const { r, c } = await connected(t);
  await c.insertBreakpoint(0, CODE + 0x28n, 4);
  t.is(await c.request('QCatchSyscalls:1'), 'OK');
  await c.detach(1);
  await c.waitClosed();
  t.true(r.fake.detached);
  t.is(r.fake.points.length, 0);
  t.is(await r.fake.exitAfterDetach, 3);
  t.is(r.fake.stdout, 'hi\n');
  const c2 = await r.connect();
  const reply = await c2.request('qSupported');
  t.regex(reply, /^E\.the target was detached/);
  await c2.waitClosed();
  await r.close();
});
