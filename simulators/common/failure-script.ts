// Scripted failures for tests: "the next authenticateClient answers invalidTransactionId", "the next
// request is answered after 2 s", "drop the connection of the next getBoundProfilePackage". Rules are
// consumed in the order they were added; each fires `times` times (default once).

import { type ErrorTable, RspFunctionError, type StatusCodeData } from './rsp-error.ts';

export type Binding = 'json' | 'asn1';

export interface ScriptedFailure {
  /** The function name (e.g. `authenticateClient`, `registerEvent`); absent = any function. */
  function?: string;
  /** Only on this binding; absent = both. */
  binding?: Binding;
  /** Wait this long before acting (and before answering normally when nothing else is scripted). */
  delayMs?: number;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Answer with this bare HTTP status and an empty body. */
  httpStatus?: number;
  /** Answer with this error of the function's table (both bindings), e.g. `invalidTransactionId`. */
  error?: string;
  /** Or with an explicit status (JSON) and ASN.1 error value (default 127, undefinedError). */
  status?: StatusCodeData;
  asn1Code?: number;
  /** How many matching requests this rule applies to (default 1). */
  times?: number;
}

/** What the binding does with a scripted rule after its delay. */
export type ScriptedOutcome = { kind: 'none' } | { kind: 'drop' } | { kind: 'http'; status: number } | { kind: 'error'; error: RspFunctionError };

export class FailureScript {
  readonly #rules: (ScriptedFailure & { left: number })[] = [];

  add(rule: ScriptedFailure): void {
    const left = rule.times ?? 1;
    if (!Number.isInteger(left) || left < 1) throw new TypeError('times must be a positive integer');
    if (rule.error === undefined && rule.status === undefined && !rule.drop && rule.httpStatus === undefined && rule.delayMs === undefined) {
      throw new TypeError('a scripted failure needs error, status, drop, httpStatus or delayMs');
    }
    this.#rules.push({ ...rule, left });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  get pending(): number {
    return this.#rules.length;
  }

  /** Takes the first rule matching this request, if any. */
  take(fn: string, binding: Binding): ScriptedFailure | undefined {
    const i = this.#rules.findIndex((r) => (r.function === undefined || r.function === fn) && (r.binding === undefined || r.binding === binding));
    if (i < 0) return undefined;
    const rule = this.#rules[i]!;
    if (--rule.left === 0) this.#rules.splice(i, 1);
    return rule;
  }

  /** Takes the matching rule, waits its delay, and says what to answer instead (if anything). */
  async apply(fn: string, binding: Binding, tables: Readonly<Record<string, ErrorTable>>): Promise<ScriptedOutcome> {
    const rule = this.take(fn, binding);
    if (!rule) return { kind: 'none' };
    if (rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
    if (rule.drop) return { kind: 'drop' };
    if (rule.httpStatus !== undefined) return { kind: 'http', status: rule.httpStatus };
    if (rule.error !== undefined) {
      const entry = tables[fn]?.[rule.error];
      if (!entry) throw new TypeError(`scripted error ${rule.error} is not an error of ${fn}`);
      return { kind: 'error', error: new RspFunctionError(fn, rule.error, entry, rule.status?.message ?? 'scripted failure') };
    }
    if (rule.status) {
      const entry = [rule.asn1Code ?? 127, rule.status.subjectCode, rule.status.reasonCode] as const;
      return { kind: 'error', error: new RspFunctionError(fn, 'scripted', entry, rule.status.message ?? 'scripted failure') };
    }
    return { kind: 'none' };
  }
}
