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

/** The part of a failure that names its cause: runtime errors open with the image name twice, so a plain prefix cuts the cause off. */
export function errorDetail(o: Observation, cause: RegExp, max = 220): string {
  const text = o.classification?.firstError ?? o.message;
  const at = text.search(cause);
  const tail = at >= 0 ? text.slice(at) : text;
  // Long URLs (SAS query strings) sit in the middle; the transport error that decides the cause is at the end.
  if (tail.length <= max) return tail;
  const half = Math.floor((max - 1) / 2);
  return `${tail.slice(0, half)}…${tail.slice(tail.length - half)}`;
}
