import type { CauseCode } from "../../codes/causes.js";
import type { Outcome, RuleContext } from "../../engine/types.js";
import { failures, observationEvidence, topCode, podSubject, type Observation } from "./observations.js";

/** Failures whose message alone decides this code (the code ranks first in the classifier), grouped per subject. */
export function observedCause(
  ctx: RuleContext,
  code: CauseCode,
  opts: {
    filter?: (o: Observation) => boolean;
    subject?: (o: Observation) => string;
    title: (o: Observation) => string;
    message: (o: Observation, all: Observation[]) => string;
    fix: (o: Observation) => string[];
  },
): Outcome[] {
  const groups = new Map<string, Observation[]>();
  for (const o of failures(ctx)) {
    if (topCode(o) !== code) continue;
    if (opts.filter && !opts.filter(o)) continue;
    const subject = (opts.subject ?? podSubject)(o);
    const list = groups.get(subject) ?? [];
    list.push(o);
    groups.set(subject, list);
  }
  const out: Outcome[] = [];
  for (const [subject, list] of groups) {
    const first = list[0]!;
    out.push({
      kind: "finding",
      code,
      confidence: first.classification?.causes[0]?.confidence ?? "medium",
      title: opts.title(first),
      message: opts.message(first, list),
      subject,
      evidence: list.slice(0, 4).map(observationEvidence),
      remediation: opts.fix(first),
    });
  }
  return out;
}

export function hostOf(o: Observation): string {
  return o.host ?? o.classification?.host ?? o.image?.host ?? "the registry";
}
