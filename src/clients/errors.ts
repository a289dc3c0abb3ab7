// Every failure of a live call becomes one LiveCallError naming the call, the HTTP status and (for 403) the
// permission that was missing, so rules can say "could not check X because Y" instead of guessing.

import type { FactErrorKind } from "../snapshot/types.js";
import { LiveCallError } from "./types.js";

function num(v: unknown): number | undefined {
  // the Graph client reports transport failures with statusCode -1
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function prop(o: unknown, k: string): unknown {
  return typeof o === "object" && o !== null ? (o as Record<string, unknown>)[k] : undefined;
}

function parseMaybe(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

/** HTTP status of an SDK error: core RestError `statusCode`, Graph `statusCode`, client-node ApiException `code`. */
export function statusOf(e: unknown): number | undefined {
  return num(prop(e, "statusCode")) ?? (typeof prop(e, "code") === "number" ? num(prop(e, "code")) : undefined) ?? num(prop(prop(e, "response"), "status"));
}

/** The error body: RestError `response.bodyAsText`, Graph `body`, ApiException `body`. */
export function bodyOf(e: unknown): unknown {
  const text = prop(prop(e, "response"), "bodyAsText");
  const parsed = parseMaybe(text) ?? parseMaybe(prop(e, "body"));
  return parsed;
}

function isAbort(e: unknown): boolean {
  const name = str(prop(e, "name"));
  const code = str(prop(e, "code"));
  return name === "AbortError" || name === "TimeoutError" || code === "ABORT_ERR" || code === "AbortError";
}

const NETWORK_CODES = /^(ECONNRESET|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|UND_ERR_\w+|ERR_SSL_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_\w+|REQUEST_SEND_ERROR)$/;

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i++) {
    const c = str(prop(cur, "code"));
    if (c && NETWORK_CODES.test(c)) return c;
    cur = prop(cur, "cause");
  }
  return undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim().slice(0, 300);
}

/** `does not have authorization to perform action 'X'` in ARM's AuthorizationFailed message. */
function actionInMessage(message: string): string | undefined {
  return /perform action '([^']+)'/i.exec(message)?.[1];
}

/** What a retry loop saw before it stopped: the last HTTP status and how many attempts got an answer. */
export interface RetryTrail {
  status: number;
  attempts: number;
}

/** A retry loop stopped by the deadline (or the retry budget) while the service kept answering a retriable status. */
export class RetriesExhausted extends Error {
  constructor(
    readonly last: unknown,
    readonly trail: RetryTrail,
    /** true when the time limit, not the retry budget, ended the loop */
    readonly byDeadline: boolean,
  ) {
    super(`gave up after ${trail.attempts} attempts (last status ${trail.status})`);
    this.name = "RetriesExhausted";
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** `429` -> throttled, `5xx` -> other: a retry loop's last answer, phrased with the status and the attempt count. */
export function retryGaveUpError(call: string, trail: RetryTrail, byDeadline: boolean, body?: unknown): LiveCallError {
  const why = byDeadline ? "before the time limit (--timeout)" : "(retry budget spent)";
  const what = trail.status === 429 ? "throttled (429)" : `server error (${trail.status})`;
  return new LiveCallError(call, trail.status === 429 ? "throttled" : "other", `${call}: ${what} — gave up after ${plural(trail.attempts, "attempt")} ${why}`, trail.status, body);
}

/** A JSON parse failure of a response body (core-client PARSE_ERROR, Graph/client-node SyntaxError). */
function isParseFailure(e: unknown, message: string): boolean {
  if (str(prop(e, "code")) === "PARSE_ERROR" || str(prop(e, "name")) === "SyntaxError") return true;
  let cur: unknown = prop(e, "cause");
  for (let i = 0; i < 3 && cur; i++, cur = prop(cur, "cause")) if (str(prop(cur, "name")) === "SyntaxError") return true;
  return /in JSON at position|Unexpected token|Unexpected end of JSON|Unterminated string|JSON\.parse|is not valid JSON|occurred while parsing the response body/i.test(message);
}

/** The connection closed while the body was being read (content-length not reached): a truncated response. */
function isTruncation(message: string): boolean {
  return /Error reading response as text|premature close|terminated|aborted|other side closed|socket hang up|ECONNRESET/i.test(message);
}

/**
 * The service's own error text, never a response body: SDK messages can embed the whole body (core-client's
 * parse error, client-node's `Body:` dump), and a body may hold secrets.
 */
function safeServiceMessage(e: unknown, body: unknown): string {
  const fromBody = str(prop(prop(body, "error"), "message")) ?? str(prop(body, "message"));
  if (fromBody) return oneLine(fromBody);
  const raw = str(prop(e, "message")) ?? "";
  const cut = raw.split(/\bBody:|occurred while parsing the response body|\s-\s[{[]/)[0] ?? "";
  return oneLine(cut.replace(/[{[].*$/s, ""));
}

/** `signal`: the call's own abort signal; only when it fired is a failure a timeout (a peer reset also says "aborted"). */
export function toLiveCallError(e: unknown, call: string, permission: string, signal?: AbortSignal): LiveCallError {
  if (e instanceof LiveCallError) return e;
  if (e instanceof RetriesExhausted) {
    const inner = toLiveCallError(e.last, call, permission);
    return retryGaveUpError(call, e.trail, e.byDeadline, inner.body);
  }
  const status = statusOf(e);
  const body = bodyOf(e);
  const rawMessage = str(prop(e, "message")) ?? String(e);
  const serviceMessage = safeServiceMessage(e, body);
  // core-rest-pipeline reports a body cut off mid-read as PARSE_ERROR "Error reading response as text": truncation
  if (/Error reading response as text/i.test(rawMessage)) {
    return new LiveCallError(call, "network", `${call}: ${status ?? 200} but the connection closed before the whole body arrived (truncated)`, status);
  }
  // a 2xx whose body did not parse: the status line arrived, the JSON did not (never quote it: it may hold secrets)
  if ((status === undefined || (status >= 200 && status < 300)) && isParseFailure(e, rawMessage)) {
    return new LiveCallError(call, "malformed", `${call}: ${status ?? 200} with a malformed JSON body`, status);
  }
  if (status !== undefined && status >= 200 && status < 300) {
    if (isTruncation(rawMessage)) return new LiveCallError(call, "network", `${call}: ${status} but the connection closed before the whole body arrived (truncated)`, status);
    return new LiveCallError(call, "other", `${call}: ${status} with a response pulldoctor could not read (${serviceMessage || "no detail"})`, status);
  }
  if (status === undefined && (signal?.aborted === true || (signal === undefined && isAbort(e)))) return new LiveCallError(call, "timeout", `${call}: no answer before the time limit (--timeout)`);
  if (status === undefined) {
    const net = causeCode(e);
    if (net) return new LiveCallError(call, "network", `${call}: ${net} ${serviceMessage}`.trimEnd());
    if (/premature close|terminated|socket hang up|other side closed|fetch failed|aborted|ECONNRESET/i.test(rawMessage)) {
      return new LiveCallError(call, "network", `${call}: connection closed before the response was complete (${serviceMessage})`);
    }
    return new LiveCallError(call, "other", `${call}: ${serviceMessage || "failed with no detail"}`);
  }
  let kind: FactErrorKind;
  let message: string;
  if (status === 401) {
    kind = "forbidden";
    message = `401 Unauthorized on ${call}: sign in again (az login) or check the credential`;
  } else if (status === 403) {
    kind = "forbidden";
    const needed = actionInMessage(serviceMessage) ?? permission;
    message = `403 on ${call}: needs ${needed}`;
  } else if (status === 404) {
    kind = "not-found";
    message = `404 on ${call}: ${serviceMessage}`;
  } else if (status === 429) {
    kind = "throttled";
    message = `${call}: throttled (429) — still throttled after the retries`;
  } else {
    kind = "other";
    message = `${status} on ${call}${status >= 500 ? " (after retries)" : ""}: ${serviceMessage}`;
  }
  return new LiveCallError(call, kind, message, status, body);
}

/** Seconds from a Retry-After header on any of the error shapes. */
function retryAfterMs(e: unknown): number | undefined {
  const headers = prop(e, "headers") ?? prop(prop(e, "response"), "headers");
  let v: unknown;
  if (headers && typeof (headers as { get?: unknown }).get === "function") v = (headers as { get(k: string): unknown }).get("retry-after");
  else v = prop(headers, "retry-after") ?? prop(headers, "Retry-After");
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(Object.assign(new Error("The operation was aborted"), { name: "AbortError" }));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  /** Retry-After longer than this is not waited for */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 10_000 };

/** Transport failures worth one more try: the connection dropped before any status arrived. */
function isTransient(e: unknown): boolean {
  const c = causeCode(e);
  return c === "ECONNRESET" || c === "EPIPE" || c === "UND_ERR_SOCKET" || /socket hang up|other side closed/i.test(str(prop(e, "message")) ?? "");
}

/**
 * Retry 429 (honouring Retry-After) and 5xx a bounded number of times, and a dropped connection once; everything
 * else fails at once. When the deadline cuts the loop short, the error keeps the last status (RetriesExhausted),
 * so the report says "throttled (429)" rather than "no answer".
 */
export async function withRetry<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  let answered = 0;
  let lastRetriable: { e: unknown; status: number } | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined) answered++;
      const retriable = status === 429 || (status !== undefined && status >= 500);
      if (!retriable || status === undefined) {
        // the deadline fired during a retry: report what the service last said, not "no answer"
        if (lastRetriable && signal?.aborted) throw new RetriesExhausted(lastRetriable.e, { status: lastRetriable.status, attempts: answered }, true);
        if (isTransient(e) && attempt < Math.min(1, policy.maxRetries) && !signal?.aborted) continue;
        throw e;
      }
      lastRetriable = { e, status };
      const trail = { status, attempts: answered };
      if (signal?.aborted) throw new RetriesExhausted(e, trail, true);
      if (attempt >= policy.maxRetries) throw new RetriesExhausted(e, trail, false);
      const wait = retryAfterMs(e) ?? policy.baseDelayMs * 2 ** attempt;
      if (wait > policy.maxDelayMs) throw new RetriesExhausted(e, trail, false);
      try {
        await sleep(wait, signal);
      } catch {
        throw new RetriesExhausted(e, trail, true);
      }
    }
  }
}
