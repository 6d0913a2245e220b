// Bench options: `--name value` on the command line, else BENCH_<NAME> in the environment, else the default.
export function arg<T extends number | string>(name: string, fallback: T): T {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[`BENCH_${name.toUpperCase()}`];
  if (raw === undefined || raw === '') return fallback;
  if (typeof fallback === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new TypeError(`--${name} must be a positive number, got ${raw}`);
    return n as T;
  }
  return raw as T;
}
