// A small scheduler for periodic work (the pool reconciler): one run at a time, every `intervalMs`, or
// sooner when kicked (after a group changes). Errors are logged and the next run goes ahead.
import type { Logger } from './deps.ts';

export interface Scheduler {
  start(): void;
  /** Asks for a run as soon as the current one (if any) ends. */
  kick(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function createScheduler(name: string, intervalMs: number, task: () => Promise<unknown>, log: Logger): Scheduler {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  // Timers never keep the process alive on their own: stop() is how the owner ends the schedule.
  const arm = (): void => {
    timer = setTimeout(run, intervalMs);
    timer.unref();
  };

  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = task()
      .then(
        () => undefined,
        (e: unknown) => log.error(`${name} failed`, { error: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => {
        running = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          setImmediate(run);
        } else arm();
      });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      arm();
    },
    kick() {
      if (!stopped) setImmediate(run);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
