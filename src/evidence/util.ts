// Small, pure helpers shared by the evidence normalisers: a JSON value type, case-insensitive key lookup
// (ARM wire names, az's Python-SDK names and JS SDK names differ only in case: `vnetSubnetID` / `vnetSubnetId`),
// `properties`-first field access (raw ARM nests, az/JS flatten), and path building for `Source.path`.

import type { Source } from "../snapshot/types.js";

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Case-insensitive key lookup (exact spelling wins); `null` counts as absent. */
export function getKey(o: Json | undefined, ...names: string[]): Json | undefined {
  if (!isObj(o)) return undefined;
  let spelledExactly = false;
  for (const n of names) {
    const v = o[n];
    if (v !== undefined && v !== null) return v;
    if (v === null) spelledExactly = true;
  }
  // az prints every key it knows, unset ones as null: a key present in the exact spelling settles it, with no scan.
  if (spelledExactly) return undefined;
  // Case-insensitive fallback, hot in the reader (az output has no `properties`, so most probes miss): compared
  // character by character, so probing a key allocates nothing.
  for (const k in o) {
    for (const n of names) {
      if (sameIgnoringAsciiCase(k, n)) {
        const v = o[k];
        if (v !== undefined && v !== null) return v;
        break;
      }
    }
  }
  return undefined;
}

/** `a.toLowerCase() === b.toLowerCase()` for ASCII letters (JSON keys here are ASCII), without building either copy. */
function sameIgnoringAsciiCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // letters differ by bit 0x20 between cases; anything else must match exactly
    const lx = x | 0x20;
    if (lx !== (y | 0x20) || lx < 97 || lx > 122) return false;
  }
  return true;
}

/** True when the key is present at all (even with value null): az prints every key, null meaning "not set". */
export function hasKey(o: Json | undefined, name: string): boolean {
  if (!isObj(o)) return false;
  for (const k in o) if (sameIgnoringAsciiCase(k, name)) return true;
  return false;
}

// One-entry memo: normalisers read many fields of one object in a row, and az objects have no `properties`, so
// without it every field read would scan all keys looking for one.
let propsMemoOf: object | undefined;
let propsMemo: JsonObject | undefined;

/** The `properties` bag of a raw ARM envelope, if any. */
export function propsOf(o: Json | undefined): JsonObject | undefined {
  if (!isObj(o)) return undefined;
  if (o === propsMemoOf) return propsMemo;
  const p = getKey(o, "properties");
  propsMemoOf = o;
  propsMemo = isObj(p) ? p : undefined;
  return propsMemo;
}

/** Read `properties.<name>` first (raw ARM, Resource Graph, JS v12), then the top level (az, flattened SDKs). */
export function field(o: Json | undefined, ...names: string[]): Json | undefined {
  const fromProps = getKey(propsOf(o), ...names);
  return fromProps !== undefined ? fromProps : getKey(o, ...names);
}

export function asStr(v: Json | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A non-empty string, else undefined. */
export function asNonEmpty(v: Json | undefined): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

export function asBool(v: Json | undefined): boolean | undefined {
  if (typeof v === "boolean") return v;
  // Resource Graph `table` results and some exports stringify booleans.
  if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  return undefined;
}

export function asNum(v: Json | undefined): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

export function asArr(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

export function asObj(v: Json | undefined): JsonObject | undefined {
  return isObj(v) ? v : undefined;
}

/** Strings of an array (or a single string), skipping empty values. */
export function strs(v: Json | undefined): string[] {
  if (typeof v === "string") return v === "" ? [] : [v];
  return asArr(v).filter((x): x is string => typeof x === "string" && x !== "");
}

/** `x.id` of an `{id: ...}` reference (or the string itself). */
export function refId(v: Json | undefined): string | undefined {
  if (typeof v === "string") return v || undefined;
  return asNonEmpty(getKey(v, "id"));
}

/** Ids of an array of `{id}` references. */
export function refIds(v: Json | undefined): string[] {
  const out: string[] = [];
  for (const x of asArr(v)) {
    const id = refId(x);
    if (id) out.push(id);
  }
  return out;
}

/** Union of a singular and a plural field (NSG `destinationAddressPrefix` + `destinationAddressPrefixes`). */
export function singularPlural(o: Json | undefined, singular: string, plural: string): string[] {
  const out = [...strs(field(o, singular)), ...strs(field(o, plural))];
  return [...new Set(out)];
}

export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export function src(file: string, path: string): Source {
  return { file, path };
}

/** True when the value holds an `undefined`-valued key at any depth. */
function hasUndefined(v: unknown): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x === "object" && x !== null && hasUndefined(x)) return true;
    return false;
  }
  if (typeof v === "object" && v !== null) {
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined || (typeof x === "object" && x !== null && hasUndefined(x))) return true;
    }
  }
  return false;
}

/** Drop `undefined`-valued keys recursively so equal facts compare equal and serialise the same (clean values are returned as they are). */
export function prune<T>(v: T): T {
  if (!hasUndefined(v)) return v;
  if (Array.isArray(v)) return v.map((x: unknown) => prune(x)) as T;
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== undefined) out[k] = prune(x);
    }
    return out as T;
  }
  return v;
}

const GUID_RE = /\b([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\b/i;

/** The first GUID in a text, hyphenated and lower-cased (ARM prints principal ids without hyphens). */
export function findGuid(text: string): string | undefined {
  const m = GUID_RE.exec(text);
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase();
}

/** The ARM type implied by an id: the last `providers/<ns>/<type>/<name>[/<sub>/<subname>]` chain, lower-case. */
export function armTypeFromId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const segs = id.split("/").filter((s) => s !== "");
  let last = -1;
  for (let i = 0; i < segs.length; i++) if (segs[i]!.toLowerCase() === "providers") last = i;
  if (last < 0) return undefined;
  const ns = segs[last + 1];
  const rest = segs.slice(last + 2);
  // a type segment must be followed by its name; a trailing type alone is a collection URL, not a resource
  if (!ns || rest.length === 0 || rest.length % 2 !== 0) return undefined;
  const types = rest.filter((_, i) => i % 2 === 0);
  return `${ns}/${types.join("/")}`.toLowerCase();
}

/** The name segment that follows `<segment>` in an id (case-insensitive), e.g. the zone of a record-set id. */
export function idSegmentAfter(id: string, segment: string): string | undefined {
  const segs = id.split("/").filter((s) => s !== "");
  const l = segment.toLowerCase();
  for (let i = 0; i + 1 < segs.length; i++) if (segs[i]!.toLowerCase() === l) return segs[i + 1];
  return undefined;
}

/** The id up to and including `<segment>/<name>`. */
export function idPrefixThrough(id: string, segment: string): string | undefined {
  const segs = id.split("/");
  const l = segment.toLowerCase();
  for (let i = 0; i + 1 < segs.length; i++) if (segs[i]!.toLowerCase() === l) return segs.slice(0, i + 2).join("/");
  return undefined;
}

/** The last segment of an id (a resource's name). */
export function lastSegment(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const segs = id.split("/").filter((s) => s !== "");
  return segs[segs.length - 1];
}

/** Like `field`, but also returns the JSON path of the value (`<path>.properties.<key>` or `<path>.<key>`). */
export function fieldAt(o: Json | undefined, path: string, name: string): { value: Json | undefined; path: string } {
  const p = propsOf(o);
  const find = (obj: JsonObject | undefined): string | undefined => {
    if (!obj) return undefined;
    if (obj[name] !== undefined && obj[name] !== null) return name;
    return Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase() && obj[k] !== null);
  };
  const pk = find(p);
  if (p && pk !== undefined) {
    const propsKey = Object.keys(o as JsonObject).find((k) => k.toLowerCase() === "properties") ?? "properties";
    return { value: p[pk], path: childPath(childPath(path, propsKey), pk) };
  }
  const obj = asObj(o);
  const tk = find(obj);
  if (obj && tk !== undefined) return { value: obj[tk], path: childPath(path, tk) };
  return { value: undefined, path: childPath(path, name) };
}
