import { UsageError } from "./errors.js";

/** `--timeout`: seconds (an optional trailing `s`), the default when absent, at most `maxSeconds`. */
export function parseTimeout(v: string | undefined, defaultSeconds: number, maxSeconds: number): number {
  if (v === undefined) return defaultSeconds;
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(v.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > maxSeconds) throw new UsageError(`--timeout must be a number of seconds like ${defaultSeconds}, got "${v}"`);
  return n;
}
