import type { CauseCode, Category, Severity } from "../codes/causes.js";
import type { FactKey, Snapshot } from "../snapshot/types.js";

export const REPORT_SCHEMA_VERSION = 1;

/** The hops of the troubleshooting flow, in the order a pull walks them. */
export const STAGES = ["identity", "rbac", "network", "registry", "image", "external"] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_TITLES: Record<Stage, string> = {
  identity: "Identity (service principal / managed identity)",
  rbac: "RBAC (who may pull, at which scope)",
  network: "Network (DNS, firewall, Private Link, egress)",
  registry: "Registry configuration",
  image: "Image reference and platform",
  external: "External registries",
};

export interface Evidence {
  /** evidence file (relative), or `live:<call>` */
  source: string;
  /** JSON path inside it */
  path: string;
  observed: string;
  expected?: string;
}

export interface Finding {
  code: CauseCode;
  severity: Severity;
  category: Category;
  stage: Stage;
  /** id of the rule that produced it */
  rule: string;
  title: string;
  message: string;
  /** ARM id, `pod/<ns>/<name>`, or a host */
  subject: string;
  evidence: Evidence[];
  remediation: string[];
  confidence?: "high" | "medium" | "low";
  /** link to the rule's page */
  docs?: string;
  /** audit with `--baseline` only: whether the earlier audit reported this finding too */
  baselineState?: "new" | "unchanged";
}

export interface Unknown {
  check: string;
  rule: string;
  stage: Stage;
  subject?: string;
  reason: string;
}

export interface Passed {
  check: string;
  rule: string;
  stage: Stage;
  subject?: string;
  message: string;
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: "pulldoctor"; version: string };
  generatedAt: string;
  /** what was diagnosed */
  subjects: { clusters: string[]; registries: string[]; images: string[] };
  findings: Finding[];
  unknown: Unknown[];
  passed: Passed[];
  inputs: { kind: string; location?: string; files: { file: string; status: string; kinds: string[]; reason?: string }[] };
  summary: { errors: number; warnings: number; infos: number; unknown: number; passed: number };
}

/** What a rule emits; the engine fills in rule id, category, docs and ordering. */
export type Outcome =
  | {
      kind: "finding";
      code: CauseCode;
      /** defaults to the code's severity in CAUSES.md */
      severity?: Severity;
      title: string;
      message: string;
      subject: string;
      evidence: Evidence[];
      remediation: string[];
      confidence?: "high" | "medium" | "low";
    }
  | { kind: "unknown"; check: string; subject?: string; reason: string }
  | { kind: "pass"; check: string; subject?: string; message: string };

export interface RuleMeta {
  /** kebab-case, equals the file name */
  id: string;
  /** the cause codes this rule may emit; the first is its main one */
  codes: readonly CauseCode[];
  stage: Stage;
  title: string;
  /** one sentence: what it checks */
  description: string;
  /** facts without which the rule cannot decide anything: missing ones make it `unknown` */
  requires: readonly FactKey[];
}

export interface Rule extends RuleMeta {
  /** false when the rule's subject is absent (no ACR at all, say): the rule is skipped silently, not `unknown` */
  appliesTo?(ctx: RuleContext): boolean;
  check(ctx: RuleContext): Outcome[];
}

/** What a rule sees: the snapshot and shared, memoised, pure analyses of it. */
export interface RuleContext {
  snapshot: Snapshot;
  /** memoise a pure derivation of the snapshot across rules */
  memo<T>(key: string, compute: () => T): T;
  options: EngineOptions;
}

export interface EngineOptions {
  /** days before expiry that SP_SECRET_EXPIRING warns */
  expiringWithinDays: number;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
