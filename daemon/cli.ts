/**
 * runlinuxd's command line:
 *
 *   runlinuxd [--arch A] [--disk img] [options] [-- /sbin/prog args...]   run a guest program
 *   runlinuxd mkdisk out.img --add host/file=/guest/path ...             build a FAT32 image
 */
import yargs from 'yargs';
import { ARCH_NAMES, getArch, isArchName } from '../arch/index';
import type { ArchName } from '../arch/common/cpu';
import { createLogger, type LogLevel } from './log';
import { mkdisk } from './mkdisk';
import { runGuest, type RunConfig } from './session';

/** The guest's environment when none is inherited: what a login shell on a small system has. */
export const DEFAULT_ENV = ['PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', 'HOME=/', 'TERM=linux'];

export function buildEnv(extra: readonly string[]): string[] {
  const env = new Map(DEFAULT_ENV.map((kv) => [kv.slice(0, kv.indexOf('=')), kv] as const));
  for (const kv of extra) {
    const eq = kv.indexOf('=');
    if (eq < 0) env.delete(kv);
    else env.set(kv.slice(0, eq), kv);
  }
  return [...env.values()];
}

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const parser = yargs(argv)
    .scriptName('runlinuxd')
    // guest arguments stay strings: `xz -0` must not reach the guest as "0", nor 1e3 as "1000"
    .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false })
    .usage('$0 [options] [-- program [args...]]\n\nRuns a static Linux program from a FAT32 disk image on an emulated CPU.')
    .command('mkdisk <out>', 'build a FAT32 disk image', (y) => y
      .positional('out', { type: 'string', demandOption: true, describe: 'image file to write' })
      .option('add', { type: 'string', array: true, default: [] as string[], describe: 'host/path=/guest/path (repeatable)' })
      .option('size', { type: 'number', describe: 'image size in MiB (default: the smallest valid FAT32)' })
      .option('label', { type: 'string', describe: 'volume label' }),
    (a) => { code = mkdisk(a.out, a.add, a.size, a.label); })
    .command('$0 [program..]', 'run a guest program (default: /sbin/hello on the bundled disk)', (y) => y
      .positional('program', { type: 'string', array: true, describe: 'guest path and arguments (or put them after --)' })
      .option('arch', { type: 'string', choices: [...ARCH_NAMES], default: 'riscv64', describe: 'guest architecture' })
      .option('disk', { type: 'string', describe: 'FAT32 disk image (default: the bundled disk of the arch)' })
      .option('disk-rw', { type: 'boolean', default: false, describe: 'let the guest write to the disk image' })
      .option('host-dir', { type: 'string', describe: 'host folder to mount at /host in the guest' })
      .option('env', { type: 'string', array: true, default: [] as string[], describe: 'K=V to set, K to unset (repeatable)' })
      .option('trace-syscalls', { type: 'boolean', default: false, describe: 'print one line per syscall' })
      .option('gdb', { type: 'number', describe: 'wait for gdb on this TCP port before the first instruction' })
      .option('gdb-host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on for gdb' })
      .option('mem', { type: 'number', default: 1024, describe: 'guest RAM in MiB (16..2048)' })
      .option('stats', { type: 'boolean', default: false, describe: 'print instructions executed, run time and MIPS at the end' })
      .option('deterministic', { type: 'boolean', default: false, describe: 'reproducible time, pids and randomness' })
      .option('log-level', { type: 'string', choices: ['error', 'warn', 'info', 'debug'], default: 'info' })
      .option('log-file', { type: 'string', describe: 'also write the log to this file' }),
    async (a) => {
      const rest = ((a as Record<string, unknown>)['--'] as string[] | undefined) ?? [];
      const prog = [...(a.program ?? []), ...rest.map(String)];
      const log = createLogger(a.logLevel as LogLevel, a.logFile);
      if (!isArchName(a.arch) || !Number.isInteger(a.mem) || a.mem < 16 || a.mem > 2048) {
        log.error('--mem must be an integer number of MiB between 16 and 2048');
        code = 2;
        return;
      }
      let arch;
      try {
        arch = getArch(a.arch as ArchName);
      } catch (e) {
        log.error((e as Error).message);
        code = 2;
        return;
      }
      const cfg: RunConfig = {
        arch,
        diskPath: a.disk ?? null,
        diskWritable: a.diskRw,
        program: prog.length > 0 ? prog : ['/sbin/hello'],
        env: buildEnv(a.env),
        traceSyscalls: a.traceSyscalls,
        gdb: a.gdb === undefined ? null : { port: a.gdb, host: a.gdbHost },
        memBytes: a.mem * 1024 * 1024,
        hostDir: a.hostDir ?? null,
        deterministic: a.deterministic,
        stats: a.stats,
        log,
      };
      code = await runGuest(cfg);
      await log.close();
    })
    .strict()
    .help()
    .version()
    .fail((msg, e) => {
      // Throwing stops yargs from running the command handler after a validation failure.
      throw new UsageError(msg ?? e?.message ?? 'bad command line');
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`runlinuxd: ${e.message}\nTry 'runlinuxd --help'.\n`);
    return 2;
  }
  return code;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((c) => { process.exitCode = c; });
}
