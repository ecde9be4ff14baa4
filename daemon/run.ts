/** Runs a process to its end without a debugger, in slices that keep the event loop free. */
import type { Kernel } from '../kernel/kernel';
import type { ExitStatus } from '../kernel/task/process';

/** Instructions per slice: a few milliseconds of guest time between event-loop turns. */
export const SLICE = 1_000_000;

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function runToEnd(kernel: Kernel, stop: { requested: boolean }): Promise<ExitStatus> {
  for (;;) {
    if (stop.requested) return { kind: 'signaled', signal: 2, detail: 'interrupted (SIGINT to the daemon)' };
    const ev = kernel.schedule(SLICE);
    switch (ev.kind) {
      case 'exit':
        return ev.status;
      case 'blocked':
        await ev.until;
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
