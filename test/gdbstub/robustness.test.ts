import test, { ExecutionContext } from 'ava';
import * as net from 'node:net';
import { checksum } from '../../gdbstub/packet';
import { CODE, enc } from './fake-target';
import { rig, sleep } from './helpers';

/** A raw TCP peer that records every byte the stub sends. */
class Raw {
  data = '';
  closed = false;
  private constructor(readonly s: net.Socket) {
    s.on('data', (d) => (this.data += d.toString('latin1')));
    s.on('close', () => (this.closed = true));
    s.on('error', () => undefined);
  }
  static connect(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }
  write(x: string | Buffer): void {
    this.s.write(typeof x === 'string' ? Buffer.from(x, 'latin1') : x);
  }
  async waitFor(pred: (d: string) => boolean, ms = 3000): Promise<string> {
    const end = Date.now() + ms;
    while (!pred(this.data)) {
      if (Date.now() > end) throw new Error(`timeout; got '${this.data.slice(-200)}'`);
      await sleep(5);
    }
    return this.data;
  }
  take(): string {
    const d = this.data;
    this.data = '';
    return d;
  }
}

function frame(body: string): string {
  return '$' + body + '#' + checksum(body).toString(16).padStart(2, '0');
}

async function setup(t: ExecutionContext, opts = {}) {
  const r = await rig(opts);
  t.teardown(() => r.close());
  return r;
}

test('bad checksum gets a NAK; the retransmission is answered', async (t) => {
  const r = await setup(t);
  const raw = await Raw.connect(r.port);
  raw.write('$?#00');
  t.is(await raw.waitFor((d) => d.length >= 1), '-');
  raw.take();
  raw.write('$?#3f');
  const d = await raw.waitFor((x) => x.includes('#'));
  t.regex(d, /^\+\$T05thread:100;#[0-9a-f]{2}/);
  t.true(r.log.lines.some((l) => l.includes('bad checksum')));
});

test('NAK from the client makes the stub resend its last packet', async (t) => {
  const r = await setup(t);
  const raw = await Raw.connect(r.port);
  raw.write(frame('qC'));
  await raw.waitFor((d) => /#[0-9a-f]{2}$/.test(d));
  const first = raw.take();
  t.is(first, '+' + frame('QC100'));
  raw.write('-');
  await raw.waitFor((d) => /#[0-9a-f]{2}$/.test(d));
  t.is(raw.take(), frame('QC100'));
});

test('no-ack mode: no + after QStartNoAckMode', async (t) => {
  const r = await setup(t);
  const raw = await Raw.connect(r.port);
  raw.write(frame('QStartNoAckMode'));
  await raw.waitFor((d) => d.endsWith(frame('OK')));
  t.is(raw.take(), '+' + frame('OK'));
  raw.write('+' + frame('qC'));
  await raw.waitFor((d) => /#[0-9a-f]{2}$/.test(d));
  t.is(raw.take(), frame('QC100'));
  // a bad checksum is not NAKed in no-ack mode (dropped and logged)
  raw.write('$qC#00' + frame('?'));
  await raw.waitFor((d) => /#[0-9a-f]{2}$/.test(d));
  t.is(raw.take(), frame('T05thread:100;'));
});

test('an oversized packet is refused with E01 and the connection stays usable', async (t) => {
  const r = await setup(t);
  const raw = await Raw.connect(r.port);
  raw.write('$M10000,80000:' + 'ab'.repeat(0x80000) + '#00');
  await raw.waitFor((d) => /#[0-9a-f]{2}$/.test(d));
  t.is(raw.take(), '+' + frame('E01'));
  raw.write(frame('?'));
  await raw.waitFor((d) => /#[0-9a-f]{2}$/.test(d));
  t.is(raw.take(), '+' + frame('T05thread:100;'));
  // the guest's memory was not touched
  t.is(Buffer.from(r.fake.readMemory(CODE, 1)!).toString('hex'), '13');
});

test('random bytes never crash the server', async (t) => {
  const r = await setup(t);
  let seed = 0x5eed;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 8) & 0xff;
  };
  for (let round = 0; round < 5; round++) {
    const raw = await Raw.connect(r.port);
    for (let i = 0; i < 20; i++) {
      const b = Buffer.alloc(500);
      for (let j = 0; j < b.length; j++) b[j] = rnd();
      raw.write(b);
    }
    // junk with packet-like pieces
    raw.write('$$$###}}}***\x03\x03$g#zz$m,#00$Z9,,#00');
    await sleep(20);
    raw.s.destroy();
    await sleep(20);
  }
  const c = await r.connect();
  await c.handshake();
  t.is((await c.readRegisters()).length, 33 * 8);
  t.false(r.log.lines.some((l) => l.startsWith('error')), r.log.lines.filter((l) => l.startsWith('error')).join('\n'));
});

test('malformed packets get errors or empty replies, never a crash', async (t) => {
  const r = await setup(t);
  const c = await r.connect();
  await c.handshake();
  const bad = [
    'm', 'm,', 'mffffffffffffffffffffffffffffffffff,4', 'm0,ffffffffff', 'M', 'M1:', 'X', 'X1,2', 'p', 'P', 'P1',
    'P1=zz', 'G', 'Gzz', 'Z', 'Z0', 'Z0,1', 'z,,', 'H', 'Hg', 'T', 'vCont;', 'vCont;C', 'vCont;Czz', 'vRun;zz',
    'qXfer:features:read:', 'qXfer:auxv:read::', 'QCatchSyscalls:1;zz', 'qRcmd,z', 'C', 'Szz', '\x00\xff',
  ];
  for (const p of bad) {
    const reply = await c.request(p);
    t.true(reply === '' || /^E[0-9a-f]{2}$/.test(reply), `${JSON.stringify(p)} -> ${reply}`);
  }
  t.is(r.fake.resumes.length, 0);
  t.false(r.log.lines.some((l) => l.startsWith('error')));
});

test('a second client is refused while the first keeps working', async (t) => {
  const r = await setup(t);
  const c1 = await r.connect();
  await c1.handshake();
  const c2 = await r.connect();
  const reply = await c2.request('qSupported:multiprocess+');
  t.is(reply, 'E.another gdb client is already attached to this target');
  await c2.waitClosed();
  t.true(c2.closed);
  t.true(r.log.lines.some((l) => l.startsWith('warn: gdbstub: refused connection')));
  // first client unaffected
  t.is(await c1.request('?'), 'T05thread:p1.100;');
  await c1.step();
  t.is(r.fake.pc(), CODE + 4n);
  // a refused client that never speaks is closed after a timeout, without harm
  const raw = await Raw.connect(r.port);
  t.false(raw.closed);
  t.is(await c1.request('qC'), 'QCp1.100');
  raw.s.destroy();
});

test('client vanishing mid-run: guest halted, breakpoints dropped, next client attaches', async (t) => {
  const r = await setup(t, { program: [enc.jal(0, 0)] });
  const c1 = await r.connect();
  await c1.handshake();
  await c1.insertBreakpoint(0, CODE + 0x100n, 4);
  await c1.insertBreakpoint(2, 0x20000n, 8);
  t.is(await c1.request('QCatchSyscalls:1'), 'OK');
  const pending = c1.cont().catch((e: Error) => e);
  await sleep(50);
  t.true(r.fake.running);
  c1.close();
  t.true((await pending) instanceof Error);
  await sleep(150);
  t.false(r.fake.running);
  t.true(r.fake.lastInterruptLatency >= 0 && r.fake.lastInterruptLatency < 100);
  t.is(r.fake.points.length, 0);
  t.is(r.fake.catchSyscalls, null);
  const c2 = await r.connect();
  await c2.handshake();
  t.is(await c2.request('?'), 'T02thread:p1.100;');
  t.is(await c2.readRegisterValue(32), CODE);
  await c2.step();
  t.is(r.fake.pc(), CODE);
});

test('immediate reconnect after a mid-run disconnect waits for the halt', async (t) => {
  const r = await setup(t, { program: [enc.jal(0, 0)] });
  const c1 = await r.connect();
  await c1.handshake();
  const pending = c1.cont().catch(() => undefined);
  await sleep(30);
  c1.close();
  await sleep(5);
  const c2 = await r.connect();
  await c2.handshake();
  t.is(await c2.request('?'), 'T02thread:p1.100;');
  await pending;
});

test('client vanishing while stopped keeps the guest state', async (t) => {
  const r = await setup(t);
  const c1 = await r.connect();
  await c1.handshake();
  await c1.step();
  await c1.step();
  c1.close();
  await sleep(50);
  const c2 = await r.connect();
  await c2.handshake();
  t.is(await c2.readRegisterValue(32), CODE + 8n);
  t.is((await c2.cont()).raw, 'W03;process:1');
});
