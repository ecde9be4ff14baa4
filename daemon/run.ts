/** Runs a process to its end without a debugger, in slices that keep the event loop free. */
import type { Kernel } from '../kernel/kernel';
import type { ExitStatus } from '../kernel/task/process';

/** Instructions per slice: a few milliseconds of guest time between event-loop turns. */
export const SLICE = 1_000_000;

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** SIGINT/SIGTERM to the daemon: the run ends as if the guest was killed by that signal. */
export class StopRequest {
  signal: number | null = null;
  private wake!: () => void;
  /** Settles when a stop is requested (a guest waiting for input must not hold the daemon). */
  readonly requested = new Promise<void>((r) => { this.wake = r; });

  request(signal: number): void {
    this.signal ??= signal;
    this.wake();
  }
}

/**
 * The run's status is the first process's. The processes it leaves behind go on while one of
 * them can still write to the daemon's stdout or stderr (`outputHeld`): under qemu-user they
 * are host processes that outlive it, and whoever reads the output waits for them the same way.
 * Once none can, they end with the run (their files close: pipes, FAT orphans).
 */
export async function runToEnd(kernel: Kernel, stop: StopRequest, outputHeld: () => boolean = () => false): Promise<ExitStatus> {
  let first: ExitStatus | null = null;
  for (;;) {
    if (stop.signal !== null) {
      kernel.killAll();
      return { kind: 'signaled', signal: stop.signal, detail: `the daemon was sent signal ${stop.signal}` };
    }
    if (first && !outputHeld()) {
      kernel.killAll();
      return first;
    }
    const ev = kernel.schedule(SLICE);
    switch (ev.kind) {
      case 'exit':
        if (first || !outputHeld()) {
          kernel.killAll();
          return first ?? ev.status;
        }
        first = ev.status;
        kernel.keepRunningOrphans();
        break;
      case 'blocked':
        if (first && !outputHeld()) continue;
        await Promise.race([ev.until, stop.requested]);
        break;
      case 'budget':
        await yieldToEventLoop();
        break;
      default:
        // Breakpoints, watchpoints, syscall catches and held signals only happen under gdb.
        throw new Error(`unexpected kernel event ${ev.kind} without a debugger`);
    }
  }
}
