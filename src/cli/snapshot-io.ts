import { readFile, writeFile } from "node:fs/promises";
import type { Snapshot } from "../snapshot/types.js";
import { SNAPSHOT_SCHEMA_VERSION, FACT_KEYS } from "../snapshot/types.js";
import { UsageError } from "./errors.js";

export async function readSnapshotFile(path: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read snapshot ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`snapshot ${path} is not valid JSON`);
  }
  const s = data as Partial<Snapshot>;
  if (typeof s !== "object" || s === null || s.schemaVersion !== SNAPSHOT_SCHEMA_VERSION) throw new UsageError(`${path} is not a pulldoctor snapshot (schemaVersion ${SNAPSHOT_SCHEMA_VERSION} expected)`);
  // snapshots saved before the subscriptions fact existed are still read: their ancestry is simply not known
  if (s.subscriptions === undefined) s.subscriptions = { status: "skipped", reason: "not in this snapshot (saved by an older pulldoctor)" };
  for (const k of FACT_KEYS) {
    const f = s[k] as { status?: string } | undefined;
    if (!f || !["ok", "error", "skipped"].includes(f.status ?? "")) throw new UsageError(`snapshot ${path}: fact ${k} is missing or malformed`);
  }
  return s as Snapshot;
}

export async function writeSnapshotFile(path: string, snapshot: Snapshot): Promise<void> {
  await writeFile(path, JSON.stringify(snapshot, null, 2) + "\n", "utf8");
}
