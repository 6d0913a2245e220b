// HTTPS for the IPA: one POST with retries and exponential backoff on transport failures (connection
// refused or reset, timeouts, 5xx). A 4xx is the server refusing this request: retrying would not help,
// so it is reported at once. SGP.32 v1.2 §6.1 (via SGP.22 v2.5 §6.2): TLS, X-Admin-Protocol on every
// request, User-Agent `gsma-rsp-ipad` (v1.1 CR111005, checklist §5.1).

import { type ClientOptions, type ClientResponse, post } from '../common/https-client.ts';

export const IPA_USER_AGENT = 'gsma-rsp-ipad; sgp32-eim IPA simulator';

export interface RetryPolicy {
  /** Attempts in all, the first included (default 3). */
  attempts: number;
  /** Delay before the second attempt; doubled each time (default 200 ms). */
  baseDelayMs: number;
  /** Upper bound of one delay (default 5 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 5000 };

/** The request never got a usable answer (after every retry). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** The server answered with an HTTP status the binding does not expect (a 4xx, or 5xx after the retries). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: Uint8Array,
    url: string,
  ) {
    super(`${url}: HTTP ${status} ${new TextDecoder().decode(body.subarray(0, 200)).trim()}`);
    this.name = 'HttpStatusError';
  }
}

export interface TransportOptions {
  /** PEM certificate(s) the server's TLS certificate must chain to. */
  ca: string;
  /** TLS server name; default "localhost" for IP literals (the test PKI names only localhost). */
  servername?: string;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** Called before each retry (logs, tests). */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; error: unknown }) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HttpsTransport {
  readonly #retry: RetryPolicy;
  readonly #client: ClientOptions;

  constructor(readonly options: TransportOptions) {
    this.#retry = { ...DEFAULT_RETRY, ...(options.retry ?? {}) };
    if (!Number.isInteger(this.#retry.attempts) || this.#retry.attempts < 1) throw new TypeError('retry.attempts must be a positive integer');
    this.#client = {
      ca: options.ca,
      ...(options.servername ? { servername: options.servername } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      headers: { 'User-Agent': IPA_USER_AGENT },
    };
  }

  /** POSTs `body`; resolves with a 2xx answer, throws HttpStatusError (4xx, or 5xx at the end) or TransportError. */
  async post(url: string, contentType: string, body: Uint8Array): Promise<ClientResponse> {
    const { attempts, baseDelayMs, maxDelayMs } = this.#retry;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await post(url, contentType, body, this.#client);
        if (res.status >= 200 && res.status < 300) return res;
        const err = new HttpStatusError(res.status, res.body, url);
        if (res.status < 500) throw err;
        last = err;
      } catch (err) {
        if (err instanceof HttpStatusError && err.status < 500) throw err;
        last = err;
      }
      if (attempt < attempts) {
        const delayMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        this.options.onRetry?.({ url, attempt, delayMs, error: last });
        await sleep(delayMs);
      }
    }
    if (last instanceof HttpStatusError) throw last;
    throw new TransportError(`${url}: no answer after ${attempts} attempt(s): ${(last as Error)?.message ?? String(last)}`, attempts, { cause: last });
  }
}
