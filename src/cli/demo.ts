import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";

/** The example evidence shipped in examples/demo-broken-cluster (found from dist/ or src/). */
export function demoEvidenceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "examples", "demo-broken-cluster");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("the demo environment (examples/demo-broken-cluster) is missing from this installation");
}
