// The eIM's JSON-lines log (src/lib/json-lines-log.ts): info lines are batched into one write, warnings and
// errors go out at once after what was waiting, and flush() leaves nothing behind.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { jsonLinesLog } from '../../src/lib/json-lines-log.ts';

const sink = () => {
  const writes: string[] = [];
  return { writes, write: (c: string) => writes.push(c) };
};

describe('jsonLinesLog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes the info lines of one interval in one write, each a JSON object on its own line', () => {
    const out = sink();
    const err = sink();
    const log = jsonLinesLog(out, err, 50);
    log.info('esipa request', { path: '/gsma/rsp2/asn1', status: 200 });
    log.info('esipa request', { path: '/gsma/rsp2/asn1', status: 204 });
    expect(out.writes).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(out.writes).toHaveLength(1);
    const lines = out.writes[0]!.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: 'info', msg: 'esipa request', path: '/gsma/rsp2/asn1', status: 200 },
      { level: 'info', msg: 'esipa request', path: '/gsma/rsp2/asn1', status: 204 },
    ]);
    expect(err.writes).toEqual([]);
  });

  it('writes at once when 64 KB are waiting', () => {
    const out = sink();
    const log = jsonLinesLog(out, sink(), 60_000);
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 70; i++) log.info('line', { big });
    expect(out.writes).toHaveLength(1);
    expect(out.writes[0]!.split('\n').length - 1).toBeGreaterThanOrEqual(64);
  });

  it('a warning or an error first writes the waiting info lines, then itself on the error stream', () => {
    const out = sink();
    const err = sink();
    const log = jsonLinesLog(out, err, 50);
    log.info('before');
    log.error('it broke', { code: 'X' });
    log.warn('careful');
    expect(out.writes.map((w) => JSON.parse(w).msg)).toEqual(['before']);
    expect(err.writes.map((w) => JSON.parse(w))).toEqual([
      { level: 'error', msg: 'it broke', code: 'X' },
      { level: 'warn', msg: 'careful' },
    ]);
  });

  it('flush writes everything waiting now and nothing twice', () => {
    const out = sink();
    const log = jsonLinesLog(out, sink(), 50);
    log.info('a');
    log.flush();
    log.flush();
    vi.advanceTimersByTime(100);
    expect(out.writes.map((w) => JSON.parse(w).msg)).toEqual(['a']);
  });
});
