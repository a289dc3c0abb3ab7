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

/** `signal`: the call's own abort signal; only when it fired is a failure a timeout (a peer reset also says "aborted"). */
export function toLiveCallError(e: unknown, call: string, permission: string, signal?: AbortSignal): LiveCallError {
  if (e instanceof LiveCallError) return e;
  const status = statusOf(e);
  const body = bodyOf(e);
  const serviceMessage = str(prop(prop(body, "error"), "message")) ?? str(prop(body, "message")) ?? str(prop(e, "message")) ?? String(e);
  if (status === undefined && (signal?.aborted === true || (signal === undefined && isAbort(e)))) return new LiveCallError(call, "timeout", `${call}: no answer before the time limit (--timeout)`);
  if (status === undefined) {
    const net = causeCode(e);
    if (net) return new LiveCallError(call, "network", `${call}: ${net} ${oneLine(serviceMessage)}`);
    if (/JSON|Unexpected token|Unexpected end|parse/i.test(serviceMessage) || str(prop(e, "code")) === "PARSE_ERROR") {
      return new LiveCallError(call, "malformed", `${call}: the response was not valid JSON (${oneLine(serviceMessage)})`);
    }
    if (/premature close|terminated|socket hang up|other side closed|fetch failed|aborted|ECONNRESET/i.test(serviceMessage)) {
      return new LiveCallError(call, "network", `${call}: connection closed before the response was complete (${oneLine(serviceMessage)})`);
    }
    return new LiveCallError(call, "other", `${call}: ${oneLine(serviceMessage)}`);
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
    message = `404 on ${call}: ${oneLine(serviceMessage)}`;
  } else if (status === 429) {
    kind = "throttled";
    message = `429 on ${call}: still throttled after retries`;
  } else {
    kind = "other";
    message = `${status} on ${call}${status >= 500 ? " (after retries)" : ""}: ${oneLine(serviceMessage)}`;
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

/** Retry 429 (honouring Retry-After) and 5xx a bounded number of times; everything else fails at once. */
export async function withRetry<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const status = statusOf(e);
      const retriable = status === 429 || (status !== undefined && status >= 500);
      if (!retriable || attempt >= policy.maxRetries || signal?.aborted) throw e;
      const wait = retryAfterMs(e) ?? policy.baseDelayMs * 2 ** attempt;
      if (wait > policy.maxDelayMs) throw e;
      await sleep(wait, signal);
    }
  }
}
