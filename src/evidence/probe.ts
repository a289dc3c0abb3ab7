// Recognises the document `pulldoctor probe` writes (`{"kind":"PulldoctorProbeResults","probeVersion":1,...}`)
// and turns it into probeResults facts. Unknown fields are dropped; malformed steps are reported, not thrown.

import type { ProbeResult, ProbeStep, Source } from "../snapshot/types.js";
import type { Recognition } from "./recognise.js";
import { isObj, type Json, type JsonObject } from "./util.js";

export const PROBE_DOCUMENT_KIND = "PulldoctorProbeResults";

const STEPS = new Set<ProbeStep["step"]>(["identity", "dns", "tcp", "tls", "ping", "token", "exchange", "manifest", "platform", "blob"]);
const STATUSES = new Set<ProbeStep["status"]>(["ok", "fail", "skipped"]);
const IDENTITY_KINDS = new Set(["managedIdentity", "servicePrincipal", "pullSecret", "anonymous"]);

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function dataOf(v: unknown): ProbeStep["data"] | undefined {
  if (!isObj(v as Json)) return undefined;
  const out: NonNullable<ProbeStep["data"]> = {};
  for (const [k, x] of Object.entries(v as JsonObject)) {
    if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") out[k] = x;
    else if (Array.isArray(x) && x.every((e) => typeof e === "string")) out[k] = x as string[];
  }
  return out;
}

function stepOf(v: Json): ProbeStep | undefined {
  if (!isObj(v)) return undefined;
  const step = v.step as ProbeStep["step"];
  const status = v.status as ProbeStep["status"];
  const target = str(v.target);
  if (!STEPS.has(step) || !STATUSES.has(status) || target === undefined) return undefined;
  const out: ProbeStep = { step, target, status };
  if (typeof v.durationMs === "number") out.durationMs = v.durationMs;
  if (str(v.detail)) out.detail = str(v.detail);
  if (v.endpoint === "login" || v.endpoint === "data" || v.endpoint === "identity") out.endpoint = v.endpoint;
  if (v.audience === "arm" || v.audience === "acr") out.audience = v.audience;
  if (isObj(v.error as Json)) {
    const e = v.error as JsonObject;
    out.error = { kind: str(e.kind) ?? "other", message: str(e.message) ?? "" };
    if (typeof e.httpStatus === "number") out.error.httpStatus = e.httpStatus;
    if (str(e.code)) out.error.code = str(e.code);
  }
  const data = dataOf(v.data);
  if (data) out.data = data;
  return out;
}

function resultOf(v: Json, source: Source, problems: string[]): ProbeResult | undefined {
  if (!isObj(v)) {
    problems.push(`probe result at ${source.path} is not an object`);
    return undefined;
  }
  const registry = str(v.registry);
  if (!registry || !Array.isArray(v.steps)) {
    problems.push(`probe result at ${source.path} has no registry or steps`);
    return undefined;
  }
  const steps: ProbeStep[] = [];
  v.steps.forEach((s, i) => {
    const step = stepOf(s);
    if (step) steps.push(step);
    else problems.push(`probe step ${source.path}.steps[${i}] not recognised`);
  });
  const out: ProbeResult = { probeVersion: 1, ranAt: str(v.ranAt) ?? "", registry, steps, source };
  if (str(v.image)) out.image = str(v.image);
  if (isObj(v.node as Json)) {
    const n = v.node as JsonObject;
    const node: NonNullable<ProbeResult["node"]> = {};
    for (const k of ["name", "os", "arch", "variant", "osVersion", "nodePool"] as const) if (str(n[k])) node[k] = str(n[k]);
    out.node = node;
  }
  if (isObj(v.identity as Json)) {
    const id = v.identity as JsonObject;
    if (typeof id.kind === "string" && IDENTITY_KINDS.has(id.kind)) {
      out.identity = { kind: id.kind as NonNullable<ProbeResult["identity"]>["kind"] };
      if (str(id.clientId)) out.identity.clientId = str(id.clientId);
      if (str(id.username)) out.identity.username = str(id.username);
    }
  }
  return out;
}

export function isProbeDocument(root: Json): boolean {
  return isObj(root) && root.kind === PROBE_DOCUMENT_KIND;
}

/** The Recognition of a probe document, or undefined when `root` is not one. */
export function recogniseProbeDocument(root: Json, file: string): Recognition | undefined {
  if (!isProbeDocument(root)) return undefined;
  const doc = root as JsonObject;
  const rec: Recognition = { items: [], kinds: new Set(["probeResults"]), unrecognised: [], seen: 0 };
  if (doc.probeVersion !== 1) {
    rec.kinds.clear();
    rec.skipped = `probe results version ${String(doc.probeVersion)} is not supported (this pulldoctor reads version 1)`;
    return rec;
  }
  const results = Array.isArray(doc.results) ? doc.results : [];
  results.forEach((r, i) => {
    rec.seen++;
    const path = `$.results[${i}]`;
    const value = resultOf(r, { file, path }, rec.unrecognised);
    if (value) rec.items.push({ kind: "probeResults", key: `at:${file}#${path}`, value });
  });
  return rec;
}
