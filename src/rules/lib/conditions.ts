// Evaluates Azure ABAC role-assignment conditions (conditionVersion 2.0) for one request, in three-valued
// logic: an operator or attribute we do not model yields "unknown", never a guess.
// Grammar: https://learn.microsoft.com/azure/role-based-access-control/conditions-format

export type Tri = true | false | "unknown";

export interface ConditionRequest {
  /** the action or data action being performed */
  action: string;
  /** request attributes, e.g. `Microsoft.ContainerRegistry/registries/repositories:name` -> `team/app` (undefined: not known) */
  attributes: Record<string, string | undefined>;
}

type Token =
  | { t: "("; } | { t: ")" } | { t: "and" } | { t: "or" } | { t: "not" }
  | { t: "func"; name: string; values: string[] }
  | { t: "attr"; source: string; name: string }
  | { t: "op"; name: string }
  | { t: "values"; values: string[] };

function readQuoted(s: string, i: number): [string, number] {
  // single-quoted string; '' is not an escape in this grammar, so stop at the next quote
  let j = i + 1;
  let out = "";
  while (j < s.length && s[j] !== "'") out += s[j++];
  return [out, j + 1];
}

function readValueSet(s: string, i: number): [string[], number] {
  // {'a', 'b'} starting at '{'
  const values: string[] = [];
  let j = i + 1;
  while (j < s.length && s[j] !== "}") {
    if (s[j] === "'") {
      const [v, next] = readQuoted(s, j);
      values.push(v);
      j = next;
    } else j++;
  }
  return [values, j + 1];
}

export function tokenize(condition: string): Token[] | undefined {
  const s = condition;
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "(" || c === ")") { out.push({ t: c }); i++; continue; }
    if (c === "!") { out.push({ t: "not" }); i++; continue; }
    if (c === "'") { const [v, n] = readQuoted(s, i); out.push({ t: "values", values: [v] }); i = n; continue; }
    if (c === "{") { const [vs, n] = readValueSet(s, i); out.push({ t: "values", values: vs }); i = n; continue; }
    if (c === "@") {
      const m = /^@(\w+)\[([^\]]*)\]/.exec(s.slice(i, i + 400));
      if (!m) return undefined;
      out.push({ t: "attr", source: m[1]!.toLowerCase(), name: m[2]! });
      i += m[0].length;
      continue;
    }
    const word = /^[A-Za-z][\w:]*/.exec(s.slice(i, i + 200));
    if (!word) return undefined;
    const w = word[0];
    i += w.length;
    const lw = w.toLowerCase();
    if (lw === "and" || lw === "&&") { out.push({ t: "and" }); continue; }
    if (lw === "or" || lw === "||") { out.push({ t: "or" }); continue; }
    if (lw === "not") { out.push({ t: "not" }); continue; }
    if (lw === "actionmatches" || lw === "suboperationmatches") {
      while (i < s.length && /\s/.test(s[i]!)) i++;
      if (s[i] !== "{") return undefined;
      const [vs, n] = readValueSet(s, i);
      out.push({ t: "func", name: lw, values: vs });
      i = n;
      continue;
    }
    out.push({ t: "op", name: lw });
  }
  return out;
}

type Node =
  | { k: "and" | "or"; l: Node; r: Node }
  | { k: "not"; e: Node }
  | { k: "func"; name: string; values: string[] }
  | { k: "cmp"; source: string; attr: string; op: string; values: string[] };

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}
  parse(): Node | undefined {
    const n = this.or();
    return n && this.i === this.toks.length ? n : undefined;
  }
  private peek(): Token | undefined { return this.toks[this.i]; }
  private or(): Node | undefined {
    let l = this.and();
    while (l && this.peek()?.t === "or") { this.i++; const r = this.and(); if (!r) return undefined; l = { k: "or", l, r }; }
    return l;
  }
  private and(): Node | undefined {
    let l = this.unary();
    while (l && this.peek()?.t === "and") { this.i++; const r = this.unary(); if (!r) return undefined; l = { k: "and", l, r }; }
    return l;
  }
  private unary(): Node | undefined {
    const t = this.peek();
    if (!t) return undefined;
    if (t.t === "not") { this.i++; const e = this.unary(); return e ? { k: "not", e } : undefined; }
    if (t.t === "(") { this.i++; const e = this.or(); if (this.peek()?.t !== ")") return undefined; this.i++; return e; }
    if (t.t === "func") { this.i++; return { k: "func", name: t.name, values: t.values }; }
    if (t.t === "attr") {
      this.i++;
      const op = this.peek();
      if (op?.t !== "op") return undefined;
      this.i++;
      const v = this.peek();
      if (v?.t !== "values") return undefined;
      this.i++;
      return { k: "cmp", source: t.source, attr: t.name, op: op.name, values: v.values };
    }
    return undefined;
  }
}

function likeToRegex(pattern: string): RegExp {
  const esc = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${esc}$`, "i");
}

function compare(op: string, actual: string, values: string[]): Tri {
  const negate = op.includes("not");
  const ignoreCase = op.endsWith("ignorecase");
  const base = op.replace(/^foranyofanyvalues:|^forallofanyvalues:/, "").replace("ignorecase", "").replace("not", "");
  const a = ignoreCase ? actual.toLowerCase() : actual;
  const vs = ignoreCase ? values.map((v) => v.toLowerCase()) : values;
  let hit: boolean;
  switch (base) {
    case "stringequals": hit = vs.some((v) => v === a); break;
    case "stringstartswith": hit = vs.some((v) => a.startsWith(v)); break;
    case "stringlike": hit = values.some((v) => likeToRegex(v).test(actual)); break;
    default: return "unknown";
  }
  return negate ? !hit : hit;
}

function evalNode(n: Node, req: ConditionRequest): Tri {
  switch (n.k) {
    case "and": {
      const l = evalNode(n.l, req); if (l === false) return false;
      const r = evalNode(n.r, req); if (r === false) return false;
      return l === true && r === true ? true : "unknown";
    }
    case "or": {
      const l = evalNode(n.l, req); if (l === true) return true;
      const r = evalNode(n.r, req); if (r === true) return true;
      return l === false && r === false ? false : "unknown";
    }
    case "not": { const e = evalNode(n.e, req); return e === "unknown" ? "unknown" : !e; }
    case "func":
      if (n.name === "actionmatches") return n.values.some((v) => v.toLowerCase() === req.action.toLowerCase() || globEq(v, req.action));
      return false; // SubOperationMatches: ACR pulls have no sub-operation
    case "cmp": {
      if (n.source !== "request" && n.source !== "resource") return "unknown";
      const key = Object.keys(req.attributes).find((k) => k.toLowerCase() === n.attr.toLowerCase());
      const actual = key === undefined ? undefined : req.attributes[key];
      if (actual === undefined) return "unknown";
      return compare(n.op, actual, n.values);
    }
  }
}

function globEq(pattern: string, action: string): boolean {
  return pattern.includes("*") && likeToRegex(pattern).test(action);
}

/** True: the condition allows the request; false: it excludes it; "unknown": we cannot tell. */
export function evaluateCondition(condition: string, req: ConditionRequest): Tri {
  const toks = tokenize(condition);
  if (!toks) return "unknown";
  const ast = new Parser(toks).parse();
  if (!ast) return "unknown";
  return evalNode(ast, req);
}

export const REPOSITORY_NAME_ATTRIBUTE = "Microsoft.ContainerRegistry/registries/repositories:name";

/** The literal repository names/prefixes a condition mentions, for messages ("covers only warehouse/"). */
export function conditionRepositoryPatterns(condition: string): string[] {
  const toks = tokenize(condition) ?? [];
  const out: string[] = [];
  for (let i = 0; i + 2 < toks.length; i++) {
    const a = toks[i]!, op = toks[i + 1]!, v = toks[i + 2]!;
    if (a.t === "attr" && a.name.toLowerCase() === REPOSITORY_NAME_ATTRIBUTE.toLowerCase() && op.t === "op" && v.t === "values") {
      const suffix = op.name.includes("startswith") ? "*" : "";
      for (const x of v.values) out.push(x + suffix);
    }
  }
  return out;
}
