import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest ancestor of this file with a package.json (works from src/ and dist/). */
export function repoRoot(): string {
  if (process.env.PULLDOCTOR_REPO_DIR) return resolve(process.env.PULLDOCTOR_REPO_DIR);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find the repository root");
}

/** ../shared beside the repository (CI lays a copy there); PULLDOCTOR_SHARED_DIR overrides. */
export function sharedDir(): string | undefined {
  const dir = process.env.PULLDOCTOR_SHARED_DIR ? resolve(process.env.PULLDOCTOR_SHARED_DIR) : join(repoRoot(), "..", "shared");
  return existsSync(dir) ? dir : undefined;
}

/** In CI a missing shared/ is a failure, locally a loud skip. */
export function requireShared(t: { skip: (msg: string) => void }): string | undefined {
  const dir = sharedDir();
  if (dir) return dir;
  if (process.env.CI === "true") throw new Error("../shared is missing: CI must lay it beside the repository");
  console.warn("\n!!! ../shared not found: scenario tests SKIPPED (set PULLDOCTOR_SHARED_DIR)\n");
  t.skip("../shared not found");
  return undefined;
}
