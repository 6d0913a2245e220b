// The operator API as the command line uses it: EIM_API_URL (default http://127.0.0.1:8080) and the key in
// EIM_API_KEY. Every failure becomes an ApiError with the API's code and message, printed as one line.

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** A raw body (a CSV stream) with its content type. */
  raw?: { contentType: string; body: string | ReadableStream<Uint8Array>; length?: number };
}

export class ApiClient {
  readonly url: string;
  readonly key: string | undefined;

  constructor(url: string, key: string | undefined) {
    this.url = url.replace(/\/+$/, '');
    this.key = key;
  }

  static fromEnv(env: Record<string, string | undefined> = process.env, options: { keyRequired?: boolean } = {}): ApiClient {
    const key = env.EIM_API_KEY || undefined;
    if (options.keyRequired !== false && !key) throw new ApiError('ERR_NO_API_KEY', 'set EIM_API_KEY to an API key (the eIM prints an admin key on its first start; `eim keys create` makes more)');
    return new ApiClient(env.EIM_API_URL || DEFAULT_API_URL, key);
  }

  pathUrl(path: string, query: RequestOptions['query'] = {}): URL {
    const u = new URL(`${this.url}/api/v1${path}`);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
    }
    return u;
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...(this.key ? { authorization: `Bearer ${this.key}` } : {}) };
    let body: string | ReadableStream<Uint8Array> | undefined;
    if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      if (options.raw.length !== undefined) headers['content-length'] = String(options.raw.length);
      body = options.raw.body;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await fetch(this.pathUrl(path, options.query), { method, headers, ...(body !== undefined ? { body, duplex: 'half' } : {}) } as RequestInit);
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError('ERR_UNREACHABLE', `cannot reach the eIM API at ${this.url} (${cause?.code ?? cause?.message ?? (e as Error).message}); set EIM_API_URL`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const err = parsed as { code?: string; message?: string; details?: unknown } | undefined;
      throw new ApiError(err?.code ?? `HTTP_${res.status}`, err?.message ?? (text.trim().slice(0, 200) || res.statusText), res.status, err?.details);
    }
    return parsed as T;
  }

  get<T = any>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, query ? { query } : {});
  }

  post<T = any>(path: string, body?: unknown, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('POST', path, { ...(body !== undefined ? { body } : {}), ...(query ? { query } : {}) });
  }

  /** Every item of a cursor-paged list (`items`, `next`). */
  async *pages<T = any>(path: string, query: RequestOptions['query'] = {}, max = Infinity): AsyncGenerator<T> {
    let after: string | number | undefined;
    let seen = 0;
    for (;;) {
      const page = await this.get<{ items: T[]; next: string | number | null }>(path, { ...query, ...(after !== undefined ? { after: String(after) } : {}) });
      for (const item of page.items) {
        if (seen++ >= max) return;
        yield item;
      }
      if (page.next === null || page.next === undefined || page.items.length === 0) return;
      after = page.next;
    }
  }

  async all<T = any>(path: string, query: RequestOptions['query'] = {}, max = Infinity): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this.pages<T>(path, query, max)) out.push(item);
    return out;
  }
}
