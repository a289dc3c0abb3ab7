import type { Snapshot, AccessQuestion } from "../snapshot/types.js";
import type { Report, RuleContext } from "../engine/types.js";
import { evaluate, DEFAULT_ENGINE_OPTIONS } from "../engine/evaluate.js";
import { RULES } from "../rules/index.js";
import { answeredQuestions } from "../rules/lib/access-questions.js";

/** can-i: answer the question from the same RBAC evaluator the rules use; the report carries any finding. */
export function answerCanI(snapshot: Snapshot, question: AccessQuestion, color: boolean): { text: string; code: number; report: Report } {
  const cache = new Map<string, unknown>();
  const ctx: RuleContext = { snapshot, options: DEFAULT_ENGINE_OPTIONS, memo: <T,>(k: string, f: () => T): T => { if (!cache.has(k)) cache.set(k, f()); return cache.get(k) as T; } };
  const answer = answeredQuestions(ctx)[0]!;
  const rbacRules = RULES.filter((r) => r.id === "rbac-push-role-missing");
  const report = evaluate(snapshot, rbacRules);
  const v = answer.verdict;
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const what = `${question.principal} ${question.action} ${question.registry}${question.repository ? "/" + question.repository : ""}`;
  const lines: string[] = [];
  let code: number;
  if (v.status === "granted") {
    code = 0;
    lines.push(`${bold("yes")}  ${what}`, ...v.grants.map((g) => `  granted by ${g.role.roleName} at ${g.assignment.scope}${g.assignment.condition ? " (with a condition that allows it)" : ""}`));
  } else if (v.status === "anonymous") {
    code = 0;
    lines.push(`${bold("yes")}  ${what}`, "  the registry allows anonymous pull");
  } else if (v.status === "unknown") {
    code = 2;
    lines.push(`${bold("cannot tell")}  ${what}`, `  ${v.reason}`);
  } else {
    code = 1;
    const code_ = question.action === "push" ? "RBAC_PUSH_ROLE_MISSING" : v.cause === "deny-assignment" ? "RBAC_DENY_ASSIGNMENT" : v.cause === "abac-mode" ? "RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE" : v.cause === "condition" ? "RBAC_CONDITION_EXCLUDES_REPOSITORY" : v.elsewhere.length ? "RBAC_SCOPE_MISMATCH" : "RBAC_PULL_ROLE_MISSING";
    const why = v.cause === "deny-assignment" ? `deny assignment ${v.deny.name ?? v.deny.id} at ${v.deny.scope} denies it` : v.cause === "abac-mode" ? `the registry uses ABAC repository permissions; ${v.legacyGrants.map((g) => g.role.roleName).join(", ")} is not honoured` : v.cause === "condition" ? `the assignment condition excludes ${v.repositories.join(", ")}` : v.elsewhere.length ? `roles exist only at scopes that do not contain the registry: ${v.elsewhere.map((g) => `${g.role.roleName} at ${g.assignment.scope}`).join("; ")}` : "no role grants it at the registry or any scope above";
    lines.push(`${bold("no")}  ${what}  [${code_}]`, `  ${why}`);
  }
  if (answer.resolvedVia) lines.push(`  principal: ${answer.objectId} (${answer.resolvedVia})`);
  return { text: lines.join("\n") + "\n", code, report };
}
