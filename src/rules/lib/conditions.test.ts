import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateCondition, conditionRepositoryPatterns, REPOSITORY_NAME_ATTRIBUTE } from "./conditions.js";

const READ = "Microsoft.ContainerRegistry/registries/repositories/content/read";
const WRITE = "Microsoft.ContainerRegistry/registries/repositories/content/write";
const prefixCond = `((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'warehouse/'))`;

test("ABAC conditions evaluate per repository in three-valued logic", () => {
  const cases: { cond: string; action: string; repo?: string; want: true | false | "unknown" }[] = [
    { cond: prefixCond, action: READ, repo: "warehouse/picking", want: true },
    { cond: prefixCond, action: READ, repo: "WAREHOUSE/picking", want: true },
    { cond: prefixCond, action: READ, repo: "billing/api", want: false },
    { cond: prefixCond, action: WRITE, repo: "billing/api", want: true },
    { cond: prefixCond, action: READ, repo: undefined, want: "unknown" },
    { cond: `@Request[${REPOSITORY_NAME_ATTRIBUTE}] StringEquals 'hello-world'`, action: READ, repo: "hello-world", want: true },
    { cond: `@Request[${REPOSITORY_NAME_ATTRIBUTE}] StringEquals 'hello-world'`, action: READ, repo: "Hello-World", want: false },
    { cond: `@Request[${REPOSITORY_NAME_ATTRIBUTE}] ForAnyOfAnyValues:StringEqualsIgnoreCase {'a', 'b/c'}`, action: READ, repo: "B/C", want: true },
    { cond: `@Request[${REPOSITORY_NAME_ATTRIBUTE}] StringLike 'team-*/app'`, action: READ, repo: "team-x/app", want: true },
    { cond: `@Request[${REPOSITORY_NAME_ATTRIBUTE}] StringNotStartsWith 'secret/'`, action: READ, repo: "secret/x", want: false },
    { cond: `@Request[${REPOSITORY_NAME_ATTRIBUTE}] SomeFutureOperator 'x'`, action: READ, repo: "x", want: "unknown" },
    { cond: `@Principal[tag:team] StringEquals 'x'`, action: READ, repo: "x", want: "unknown" },
    { cond: `((( broken`, action: READ, repo: "x", want: "unknown" },
  ];
  for (const c of cases) {
    const got = evaluateCondition(c.cond, { action: c.action, attributes: { [REPOSITORY_NAME_ATTRIBUTE]: c.repo } });
    assert.equal(got, c.want, `${c.cond} / ${c.repo}`);
  }
});

test("repository patterns are extracted for messages", () => {
  assert.deepEqual(conditionRepositoryPatterns(prefixCond), ["warehouse/*"]);
});
