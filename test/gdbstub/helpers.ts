import { RspClient } from '../../gdbstub/client';
import { GdbServer, GdbServerOptions } from '../../gdbstub/server';
import { Logger } from '../../gdbstub/target';
import { FakeOptions, FakeTarget } from './fake-target';

/** A logger that keeps lines (set GDBSTUB_DEBUG=1 to print them). */
export function memLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const mk =
    (lvl: string) =>
    (m: string): void => {
      lines.push(`${lvl}: ${m}`);
      if (process.env.GDBSTUB_DEBUG) console.error(`${lvl}: ${m}`);
    };
  return { lines, debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error') };
}

export interface Rig {
  fake: FakeTarget;
  server: GdbServer;
  port: number;
  log: ReturnType<typeof memLogger>;
  connect(): Promise<RspClient>;
  close(): Promise<void>;
}

export async function rig(fakeOpts: FakeOptions = {}, srvOpts: Partial<GdbServerOptions> = {}): Promise<Rig> {
  const fake = new FakeTarget(fakeOpts);
  const log = memLogger();
  const server = new GdbServer(fake, { port: 0, logger: log, ...srvOpts });
  const { port } = await server.listen();
  const clients: RspClient[] = [];
  return {
    fake,
    server,
    port,
    log,
    async connect() {
      const c = await RspClient.connect('127.0.0.1', port, { timeoutMs: 5000 });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await server.close();
    },
  };
}

export function le64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
