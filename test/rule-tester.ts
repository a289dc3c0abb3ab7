// ESLint-RuleTester-style tables: each case is a snapshot and what the rule must (not) report.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Rule } from "../src/engine/types.js";
import type { Snapshot } from "../src/snapshot/types.js";
import { evaluate } from "../src/engine/evaluate.js";

export interface InvalidCase {
  name: string;
  snapshot: Snapshot;
  /** codes that must be reported (with severity, default: the code's own) */
  findings: { code: string; severity?: string; subject?: string | RegExp; message?: RegExp; remediation?: RegExp }[];
}
export interface ValidCase {
  name: string;
  snapshot: Snapshot;
  /** the rule must report no finding; optionally it must say `unknown` or `pass` */
  expect?: "unknown" | "pass";
  reason?: RegExp;
}

export function ruleTester(rule: Rule, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  assert.ok(cases.valid.length > 0 && cases.invalid.length > 0, `${rule.id}: needs valid and invalid cases`);
  for (const c of cases.invalid) {
    test(`${rule.id}: reports — ${c.name}`, () => {
      const report = evaluate(c.snapshot, [rule]);
      for (const want of c.findings) {
        const got = report.findings.filter((f) => f.code === want.code);
        assert.ok(got.length > 0, `expected ${want.code}; got ${JSON.stringify(report.findings.map((f) => f.code))}; unknown: ${JSON.stringify(report.unknown.map((u) => u.reason))}`);
        const f = got[0]!;
        if (want.severity) assert.equal(f.severity, want.severity);
        if (want.subject) assert.ok(typeof want.subject === "string" ? f.subject === want.subject : want.subject.test(f.subject), `subject ${f.subject}`);
        if (want.message) assert.match(f.message, want.message);
        if (want.remediation) assert.ok(f.remediation.some((r) => want.remediation!.test(r)), `remediation ${JSON.stringify(f.remediation)}`);
        assert.ok(f.evidence.length > 0, "a finding must carry evidence");
        assert.ok(f.remediation.length > 0, "a finding must carry a fix");
      }
    });
  }
  for (const c of cases.valid) {
    test(`${rule.id}: silent — ${c.name}`, () => {
      const report = evaluate(c.snapshot, [rule]);
      assert.deepEqual(report.findings.map((f) => `${f.code}: ${f.message}`), []);
      if (c.expect === "unknown") {
        assert.ok(report.unknown.length > 0, "expected an unknown");
        if (c.reason) assert.ok(report.unknown.some((u) => c.reason!.test(u.reason)), JSON.stringify(report.unknown));
      }
      if (c.expect === "pass") assert.ok(report.passed.length > 0, "expected a passed check");
    });
  }
}
