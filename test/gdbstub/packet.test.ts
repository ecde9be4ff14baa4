import test from 'ava';
import {
  checksum,
  encodePacket,
  escapeBinary,
  PacketDecoder,
  RspEvent,
  runLengthEncode,
  unescapeBinary,
} from '../../gdbstub/packet';

function frame(body: string): string {
  return '$' + body + '#' + checksum(body).toString(16).padStart(2, '0');
}

function pushAll(d: PacketDecoder, s: string): RspEvent[] {
  return d.push(Buffer.from(s, 'latin1'));
}

test('good checksum yields the packet', (t) => {
  const d = new PacketDecoder();
  t.deepEqual(pushAll(d, '$qSupported:multiprocess+#c6'), [{ kind: 'packet', data: 'qSupported:multiprocess+' }]);
  t.deepEqual(pushAll(d, '$g#67'), [{ kind: 'packet', data: 'g' }]);
  t.deepEqual(pushAll(d, '$vCont;c:p1.-1#0f'), [{ kind: 'packet', data: 'vCont;c:p1.-1' }]);
});

test('bad checksum is reported with both sums (caller NAKs)', (t) => {
  const d = new PacketDecoder();
  const ev = pushAll(d, '$g#68');
  t.deepEqual(ev, [{ kind: 'badChecksum', data: 'g', expected: 0x67, got: 0x68 }]);
  // non-hex checksum characters are bad too, and the decoder recovers
  t.is(pushAll(d, '$g#zz')[0]!.kind, 'badChecksum');
  t.deepEqual(pushAll(d, '$g#67'), [{ kind: 'packet', data: 'g' }]);
});

test('a packet split byte by byte across chunks', (t) => {
  const d = new PacketDecoder();
  const wire = '+$m10040,38#f9';
  const events: RspEvent[] = [];
  for (const ch of wire) events.push(...pushAll(d, ch));
  t.deepEqual(events, [{ kind: 'ack' }, { kind: 'packet', data: 'm10040,38' }]);
  // split in the middle of the checksum
  t.deepEqual(pushAll(d, '$g#6'), []);
  t.true(d.busy);
  t.deepEqual(pushAll(d, '7$?#3'), [{ kind: 'packet', data: 'g' }]);
  t.deepEqual(pushAll(d, 'f'), [{ kind: 'packet', data: '?' }]);
});

test('run-length encoded input is expanded; checksum covers the encoded bytes', (t) => {
  const d = new PacketDecoder();
  // "0* " = '0' + 3 more copies
  t.deepEqual(pushAll(d, frame('0* ')), [{ kind: 'packet', data: '0000' }]);
  t.deepEqual(pushAll(d, frame('ab*"x')), [{ kind: 'packet', data: 'a' + 'b'.repeat(6) + 'x' }]);
  const long = 'x'.repeat(200) + 'y' + '0'.repeat(50);
  t.deepEqual(pushAll(d, frame(runLengthEncode(long))), [{ kind: 'packet', data: long }]);
});

test('RLE output never uses # or $ as a count and round-trips', (t) => {
  for (let n = 1; n < 300; n++) {
    const s = 'a'.repeat(n) + 'b';
    const r = runLengthEncode(s);
    for (let i = 0; i < r.length; i++) if (r[i] === '*') t.false('#$'.includes(r[i + 1]!), `n=${n}`);
    const d = new PacketDecoder();
    t.deepEqual(pushAll(d, frame(r)), [{ kind: 'packet', data: s }], `n=${n}`);
  }
});

test('escaped binary X payload is unescaped', (t) => {
  const d = new PacketDecoder();
  const data = Buffer.from([0x23, 0x24, 0x7d, 0x2a, 0x00, 0x03, 0xff, 0x2b, 0x2d]).toString('latin1');
  const body = 'X20000,9:' + escapeBinary(data);
  t.true(body.includes('}\x03')); // '#' ^ 0x20
  const ev = pushAll(d, frame(body));
  t.deepEqual(ev, [{ kind: 'packet', data: 'X20000,9:' + data }]);
  t.is(unescapeBinary(escapeBinary(data)), data);
});

test('encodePacket escapes $#}* and computes the checksum', (t) => {
  const b = encodePacket('a$b#c}d*e').toString('latin1');
  t.is(b, '$a}\x04b}\x03c}]d}\x0ae#' + checksum('a}\x04b}\x03c}]d}\x0ae').toString(16).padStart(2, '0'));
  const d = new PacketDecoder();
  t.deepEqual(d.push(encodePacket('a$b#c}d*e', { rle: true })), [{ kind: 'packet', data: 'a$b#c}d*e' }]);
  const zeros = '0'.repeat(528);
  const enc = encodePacket(zeros, { rle: true });
  t.true(enc.length < 40);
  t.deepEqual(d.push(enc), [{ kind: 'packet', data: zeros }]);
  // binary with runs of escaped characters survives RLE
  const bin = '}}}}}}}}####****' + '\x00'.repeat(20);
  t.deepEqual(d.push(encodePacket(bin, { rle: true })), [{ kind: 'packet', data: bin }]);
});

test('0x03 outside a packet is an interrupt, inside it is data', (t) => {
  const d = new PacketDecoder();
  t.deepEqual(pushAll(d, '\x03'), [{ kind: 'interrupt' }]);
  const body = 'X0,1:\x03';
  t.deepEqual(pushAll(d, frame(body)), [{ kind: 'packet', data: body }]);
});

test('junk before $ is ignored; acks and naks are reported', (t) => {
  const d = new PacketDecoder();
  t.deepEqual(pushAll(d, 'hello world\r\n\x00\xff+-$?#3f'), [{ kind: 'ack' }, { kind: 'nak' }, { kind: 'packet', data: '?' }]);
});

test('a $ inside a packet restarts framing (truncated packet dropped)', (t) => {
  const d = new PacketDecoder();
  t.deepEqual(pushAll(d, '$qSupp$g#67'), [{ kind: 'packet', data: 'g' }]);
});

test('oversized packets yield overflow, then the decoder resynchronises', (t) => {
  const d = new PacketDecoder(64);
  const ev = pushAll(d, frame('M0,100:' + '00'.repeat(0x100)));
  t.deepEqual(ev, [{ kind: 'overflow' }]);
  t.deepEqual(pushAll(d, '$g#67'), [{ kind: 'packet', data: 'g' }]);
  // RLE expansion past the cap also overflows
  t.deepEqual(pushAll(d, frame('0*~0*~')), [{ kind: 'overflow' }]);
});

test('no-ack mode: the decoder framing is unchanged (acks are the caller\'s business)', (t) => {
  const d = new PacketDecoder();
  t.deepEqual(pushAll(d, '$g#67$?#3f'), [
    { kind: 'packet', data: 'g' },
    { kind: 'packet', data: '?' },
  ]);
});

test('random bytes never throw', (t) => {
  const d = new PacketDecoder(256);
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed & 0xff;
  };
  for (let i = 0; i < 200; i++) {
    const chunk = new Uint8Array(1 + (rnd() % 200));
    for (let j = 0; j < chunk.length; j++) chunk[j] = rnd();
    t.notThrows(() => d.push(chunk));
  }
  // still usable afterwards (a stray '$' may have opened a packet: the next '$' resets it)
  t.deepEqual(pushAll(d, '$g#67').filter((e) => e.kind === 'packet'), [{ kind: 'packet', data: 'g' }]);
});
