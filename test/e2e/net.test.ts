/**
 * End to end: a guest TCP server on the host's network. `sockets /host serve` (from
 * test/fixtures/src/sockets.c) listens on 127.0.0.1 with port 0 under runlinuxd and writes the
 * port into the --host-dir folder; this test, a plain Node client on the host, connects to it,
 * sends 1 MiB (more than the guest's and Node's buffers hold, so both directions must apply back
 * pressure without losing bytes), half-closes, and expects every byte echoed followed by
 * "bytes 1048576". The guest's program output is what it saw.
 */
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { implementedArches } from '../../arch/index';
import { fixture, makeDisk, runDaemon } from '../helpers/guest';

const SIZE = 1 << 20;

async function portFrom(file: string, deadlineMs: number): Promise<number> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (existsSync(file)) return Number(readFileSync(file, 'utf8').trim());
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no port file ${file} after ${deadlineMs} ms`);
}

/** Sends `data`, half-closes, and resolves with everything the server sent back. */
function exchange(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => { s.end(data); });
    s.on('data', (b: Buffer) => chunks.push(b));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

for (const arch of implementedArches()) {
  test(`${arch}: a guest TCP server on 127.0.0.1 serves a host client (1 MiB echo, half-close)`, async (t) => {
    const disk = makeDisk({ '/bin/sockets': fixture(arch, 'sockets') });
    const hostDir = mkdtempSync(join(tmpdir(), 'runlinuxd-net-'));
    try {
      const guest = runDaemon(['--arch', arch, '--disk', disk, '--host-dir', hostDir, '--log-level', 'warn', '--', '/bin/sockets', '/host', 'serve'], { timeoutMs: 120_000 });
      const port = await Promise.race([portFrom(join(hostDir, 'port'), 60_000), guest.then((r) => { throw new Error(`guest ended first: ${r.stdout}${r.stderr}`); })]);
      t.true(port > 0 && port < 65536);
      const data = randomBytes(SIZE);
      const reply = await exchange(port, data);
      const res = await guest;
      const trailer = Buffer.from(`bytes ${SIZE}\n`);
      t.is(reply.length, SIZE + trailer.length);
      t.is(createHash('sha256').update(reply.subarray(0, SIZE)).digest('hex'), createHash('sha256').update(data).digest('hex'), 'the echo is every byte in order');
      t.is(reply.subarray(SIZE).toString(), trailer.toString());
      t.is(res.stdout, `served ${SIZE} bytes\n`, res.stderr);
      t.is(res.code, 0, res.stderr);
    } finally {
      rmSync(hostDir, { recursive: true, force: true });
      rmSync(dirname(disk), { recursive: true, force: true });
    }
  });
}
