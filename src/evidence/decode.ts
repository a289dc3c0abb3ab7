// Bytes -> text -> JSON, without ever throwing and without quoting file content in error messages
// (V8's JSON.parse messages quote a snippet of the input, which could be a secret).

import { isUtf8 } from "node:buffer";
import type { Json } from "./util.js";

export type Decoded = { ok: true; text: string } | { ok: false; reason: string };

/** Decode file bytes: UTF-8 (BOM stripped) or UTF-16 with a BOM (Windows PowerShell 5 `>` writes UTF-16LE). */
export function decodeText(content: string | Buffer): Decoded {
  if (typeof content === "string") {
    if (content.includes("\u0000")) return { ok: false, reason: "binary file" };
    return { ok: true, text: content.replace(/^\uFEFF/, "") };
  }
  const b = content;
  try {
    if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { ok: true, text: new TextDecoder("utf-16le", { fatal: true }).decode(b.subarray(2)) };
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { ok: true, text: new TextDecoder("utf-16be", { fatal: true }).decode(b.subarray(2)) };
    if (b.includes(0)) return { ok: false, reason: "binary file" };
    // isUtf8 validates without building a string (simdutf); toString then decodes as fast as readFileSync(f, "utf8")
    if (!isUtf8(b)) return { ok: false, reason: "binary file" };
    const text = b.toString("utf8");
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch {
    return { ok: false, reason: "binary file" };
  }
}

class JsonSyntax extends Error {
  constructor(
    readonly pos: number,
    readonly what: string,
  ) {
    super(what);
  }
}

const MAX_DEPTH = 1000;

/** Find the first syntax error of a text that JSON.parse rejected: a small validating scanner. */
export function locateJsonError(text: string): { pos: number; what: string } | undefined {
  const n = text.length;
  let i = 0;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (what: string): never => {
    throw new JsonSyntax(i, i >= n && what !== "unterminated string" ? "unexpected end of input" : what);
  };
  const str = (): void => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad unicode escape in string");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail("bad escape in string");
        continue;
      }
      if (c < 0x20) fail("control character in string");
      i++;
    }
    fail("unterminated string");
  };
  const num = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "" || m[0] === "-") fail("bad number");
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    ws();
    if (i >= n) fail("unexpected end of input");
    const c = text[i]!;
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a property name in double quotes");
        str();
        ws();
        if (text[i] !== ":") fail("expected ':' after property name");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail("expected ',' or '}' after property value");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail("expected ',' or ']' after array element");
      }
    }
    if (c === '"') return str();
    if (c === "-" || (c >= "0" && c <= "9")) return num();
    for (const lit of ["true", "false", "null"]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    fail("unexpected character");
  };
  try {
    value(0);
    ws();
    if (i < n) fail("unexpected data after the JSON value");
    return undefined;
  } catch (e) {
    if (e instanceof JsonSyntax) return { pos: e.pos, what: e.what };
    return { pos: i, what: "nesting too deep" };
  }
}

export type Parsed = { ok: true; value: Json } | { ok: false; reason: string };

export function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch (e) {
    const loc = locateJsonError(text);
    if (loc) return { ok: false, reason: `invalid JSON at position ${loc.pos}: ${loc.what}` };
    // e.g. a RangeError on absurd nesting; the message carries no input text
    return { ok: false, reason: `invalid JSON: ${e instanceof RangeError ? "nesting too deep" : "parse failed"}` };
  }
}
