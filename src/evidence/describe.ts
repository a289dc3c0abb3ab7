// Plain-text `kubectl describe pod` output: pod identity, images and the Events table.

import type { PodDescription, Source } from "../snapshot/types.js";
import { redact } from "../classify/classify.js";

/** True when the text looks like `kubectl describe pod` output (one or more pods). */
export function looksLikeDescribePod(text: string): boolean {
  return /^Name:\s+\S+/m.test(text) && /^Namespace:\s+\S+/m.test(text) && /^(Containers|Events):/m.test(text);
}

type DescribeEvent = PodDescription["events"][number];

const COUNT_RE = /\(x(\d+) over [^)]*\)/;

/** Column starts of the Events header (`Type  Reason  Age  From  Message`), aligned by kubectl's tabwriter. */
function headerColumns(header: string): number[] | undefined {
  const cols = ["Type", "Reason", "Age", "From", "Message"].map((h) => header.search(new RegExp(`\\b${h}\\b`)));
  return cols.every((c, i) => c >= 0 && (i === 0 || c > cols[i - 1]!)) ? cols : undefined;
}

function parseEventRow(line: string, cols: number[] | undefined): DescribeEvent | undefined {
  let parts: string[];
  const aligned = cols !== undefined && line.length > cols[4]! && line.slice(cols[4]! - 1, cols[4]!).trim() === "";
  if (aligned && cols) {
    parts = cols.map((c, i) => line.slice(c, i + 1 < cols.length ? cols[i + 1] : undefined).trim());
  } else {
    // columns lost their alignment (pasted through a chat or an editor): split on runs of 2+ spaces or tabs
    parts = line.trim().split(/\t+|\s{2,}/);
    if (parts.length > 5) parts = [...parts.slice(0, 4), parts.slice(4).join("  ")];
  }
  const [type, reason, age, , message] = parts;
  if (!message && !reason) return undefined;
  const count = COUNT_RE.exec(age ?? "")?.[1];
  return {
    type: type || undefined,
    reason: reason || undefined,
    message: redact(message ?? ""), // describe output quotes the same messages as events: redact tokens at read time
    count: count !== undefined ? Number(count) : undefined,
  };
}

function parseOne(lines: string[], source: Source): PodDescription {
  const top = (key: string): string | undefined => {
    const re = new RegExp(`^${key}:\\s*(.*)$`);
    for (const l of lines) {
      const m = re.exec(l);
      if (m) return m[1]!.trim() || undefined;
    }
    return undefined;
  };
  const images: string[] = [];
  for (const l of lines) {
    const m = /^\s+Image:\s+(\S+)\s*$/.exec(l);
    if (m && !images.includes(m[1]!)) images.push(m[1]!);
  }
  const events: DescribeEvent[] = [];
  const start = lines.findIndex((l) => /^Events:/.test(l));
  if (start >= 0 && !/<none>/.test(lines[start]!)) {
    let cols: number[] | undefined;
    for (let i = start + 1; i < lines.length; i++) {
      const l = lines[i]!;
      if (/^\S/.test(l)) break; // next top-level section
      if (l.trim() === "") continue;
      if (/^\s*Type\s+Reason\s+Age\s+From\s+Message/.test(l)) {
        cols = headerColumns(l);
        continue;
      }
      if (/^\s*-+\s+-+/.test(l)) continue;
      const ev = parseEventRow(l, cols);
      if (ev) events.push(ev);
    }
  }
  const node = top("Node");
  return {
    namespace: top("Namespace"),
    name: top("Name"),
    // `Node: aks-nodepool1-...-vmss000002/10.224.0.6`; `<none>` while unscheduled
    nodeName: node && node !== "<none>" ? node.split("/")[0] : undefined,
    serviceAccountName: top("Service Account"),
    images,
    events,
    source,
  };
}

/** Parse one or more pods' `kubectl describe` blocks; each block starts with a top-level `Name:` line. */
export function parseDescribePods(text: string, file: string): PodDescription[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const starts: number[] = [];
  lines.forEach((l, i) => {
    if (/^Name:\s+\S/.test(l)) starts.push(i);
  });
  return starts.map((s, k) => parseOne(lines.slice(s, starts[k + 1] ?? lines.length), { file, path: `line ${s + 1}` }));
}
