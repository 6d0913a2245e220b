// The eIM's log: one JSON object per line. Info lines (one per ESipa request, thousands a second under
// load) are collected and written in one write every flushMs or once 64 KB are waiting, instead of one
// synchronous write(2) per line; a warning or an error first writes what is waiting, then itself at once.
// flush() writes everything now; the process's 'exit' handler calls it, so an orderly stop loses nothing
// (a SIGKILL loses at most flushMs of info lines).
export interface LineSink {
  write(chunk: string): unknown;
}

export interface JsonLinesLog {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
  flush(): void;
}

const MAX_WAITING = 64 * 1024;

export function jsonLinesLog(out: LineSink, err: LineSink, flushMs = 50): JsonLinesLog {
  let waiting: string[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0) return;
    const chunk = waiting.join('');
    waiting = [];
    size = 0;
    out.write(chunk);
  };
  const line = (level: string, msg: string, data?: Record<string, unknown>): string => `${JSON.stringify({ level, msg, ...data })}\n`;
  return {
    info(msg, data) {
      const l = line('info', msg, data);
      waiting.push(l);
      size += l.length;
      if (size >= MAX_WAITING) flush();
      else if (!timer) {
        timer = setTimeout(flush, flushMs);
        timer.unref();
      }
    },
    warn(msg, data) {
      flush();
      err.write(line('warn', msg, data));
    },
    error(msg, data) {
      flush();
      err.write(line('error', msg, data));
    },
    flush,
  };
}
