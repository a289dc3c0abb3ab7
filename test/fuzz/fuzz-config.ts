/** Number of cases per property: PULLDOCTOR_FUZZ_RUNS scales every suite (default 1 = the CI budget). */
export function runs(base: number): number {
  const scale = Number(process.env.PULLDOCTOR_FUZZ_RUNS ?? "1");
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** fast-check seed: PULLDOCTOR_FUZZ_SEED reproduces a failing run. */
export function seed(): number | undefined {
  const s = process.env.PULLDOCTOR_FUZZ_SEED;
  return s === undefined ? undefined : Number(s);
}

let total = 0;
export function count(n: number): void {
  total += n;
}
export function totalCases(): number {
  return total;
}
