// Benchmark: `pulldoctor audit` over a generated fleet, against the time that merely JSON.parse-ing the same files
// takes, plus peak RSS. Each measurement runs in its own process so heaps and peak RSS do not mix.
//   node dist/bench/fleet-gen.js /tmp/pulldoctor-fleet
//   node dist/bench/audit.js [/tmp/pulldoctor-fleet] [--rounds N] [--format json|terminal]
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runAudit } from "../src/cli/audit-cmd.js";

interface Measurement {
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  detail: string;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

async function phase(kind: string, dir: string, format: string): Promise<Measurement> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let detail: string;
  if (kind === "parse") {
    let items = 0;
    let bytes = 0;
    for (const f of listFiles(dir)) {
      if (!f.endsWith(".json")) continue;
      const text = readFileSync(f, "utf8");
      bytes += text.length;
      const v: unknown = JSON.parse(text);
      items += Array.isArray(v) ? v.length : 1;
    }
    detail = `${items} items, ${(bytes / 2 ** 20).toFixed(0)} MiB of JSON`;
  } else {
    let outBytes = 0;
    const code = await runAudit(["--evidence", dir, "--format", format, "--now", "2026-11-28T00:00:00Z", "--fail-on", "none"], {
      stdout: (s) => { outBytes += s.length; },
      stderr: (s) => process.stderr.write(s),
      isTTY: false,
      env: { NO_COLOR: "1" },
    });
    if (code !== 0) throw new Error(`audit exited ${code}`);
    detail = `${(outBytes / 2 ** 20).toFixed(1)} MiB of ${format} output`;
  }
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, detail };
}

function child(kind: string, dir: string, format: string): Measurement {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [self, "--phase", kind, dir, "--format", format], { encoding: "utf8", maxBuffer: 1 << 20, stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop()!) as Measurement;
}

const fmt = (m: Measurement) => `wall ${(m.wallMs / 1000).toFixed(2)} s, cpu ${(m.cpuMs / 1000).toFixed(2)} s, peak RSS ${m.maxRssMiB.toFixed(0)} MiB (${m.detail})`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, def: string) => {
    const i = args.indexOf(name);
    if (i < 0) return def;
    const v = args[i + 1] ?? def;
    args.splice(i, 2);
    return v;
  };
  const phaseKind = flag("--phase", "");
  const format = flag("--format", "json");
  const rounds = Number(flag("--rounds", "2"));
  const dir = args[0] ?? "/tmp/pulldoctor-fleet";
  if (phaseKind) {
    console.log(JSON.stringify(await phase(phaseKind, dir, format)));
    return;
  }
  // Interleave the rounds so background load hits both alike; the best round of each is the figure.
  const parses: Measurement[] = [];
  const audits: Measurement[] = [];
  for (let i = 0; i < rounds; i++) {
    parses.push(child("parse", dir, format));
    console.log(`round ${i + 1} JSON.parse: ${fmt(parses[parses.length - 1]!)}`);
    audits.push(child("audit", dir, format));
    console.log(`round ${i + 1} audit:      ${fmt(audits[audits.length - 1]!)}`);
  }
  const best = (l: Measurement[], k: "wallMs" | "cpuMs") => Math.min(...l.map((m) => m[k]));
  const peak = Math.max(...audits.map((m) => m.maxRssMiB));
  console.log("");
  console.log(`fleet:            ${dir}`);
  console.log(`JSON.parse only:  ${(best(parses, "wallMs") / 1000).toFixed(2)} s wall, ${(best(parses, "cpuMs") / 1000).toFixed(2)} s cpu (best of ${rounds})`);
  console.log(`audit (${format}):   ${(best(audits, "wallMs") / 1000).toFixed(2)} s wall, ${(best(audits, "cpuMs") / 1000).toFixed(2)} s cpu (best of ${rounds})`);
  console.log(`ratio audit/parse: ${(best(audits, "wallMs") / best(parses, "wallMs")).toFixed(2)}x wall, ${(best(audits, "cpuMs") / best(parses, "cpuMs")).toFixed(2)}x cpu (target <= 2x)`);
  console.log(`audit peak RSS:   ${peak.toFixed(0)} MiB (target < 1536 MiB)`);
}

await main();
