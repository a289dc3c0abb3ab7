// Pull-error message -> cause codes.
// Implements ../shared/reference/pull-errors.md: the wrapper normalisation of section 1, rules 1-10 and the
// ordered cue table of section 2. Every regex here starts with a literal or is anchored, and every quantifier
// on untrusted text is bounded, so classification stays linear on multi-megabyte pastes.

import type { CauseCode } from "../codes/causes.js";

export type Confidence = "high" | "medium" | "low";
export interface ClassifiedCause { code: CauseCode; confidence: Confidence }
export type HostKind = "acr" | "acr-data" | "external" | "unknown";
export type TokenFetch = "oauth" | "anonymous";
export type PullStage =
  | "reference" | "auth" | "manifest" | "blob" | "dns" | "connect" | "tls" | "identity" | "secret" | "node";

export interface Classification {
  /** Most likely first, never empty; unrecognised input gives PULL_FAILURE_UNCLASSIFIED. */
  causes: ClassifiedCause[];
  /** The input only says that something failed, or was cut before the cause. */
  causeless: boolean;
  /** The normalised error text that decided the classification ("" if none). */
  firstError: string;
  image?: string;
  host?: string;
  hostKind?: HostKind;
  tokenFetch?: TokenFetch;
  httpStatus?: number;
  ip?: string;
  privateIp?: boolean;
  resolver?: string;
  stage?: PullStage;
  /** One or two plain sentences for a human; secrets are redacted. */
  explanation: string;
}

const MAX_INPUT_CHARS = 16 * 1024 * 1024;
// A real pull error is a few KB; longer lines are pasted logs or JSON, and their head is enough.
const MAX_RECORD_CHARS = 64 * 1024;
const MAX_FIRST_ERROR_CHARS = 2000;
const MAX_JOINED_LINES = 40;

// ---------------------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------------------

export function classify(text: string): Classification {
  try {
    const input = typeof text === "string" ? text : String(text ?? "");
    return classifyInput(input.length > MAX_INPUT_CHARS ? input.slice(0, MAX_INPUT_CHARS) : input);
  } catch {
    // The contract is "never throws": an internal fault degrades to "unclassified" instead of a crash.
    return {
      causes: [{ code: "PULL_FAILURE_UNCLASSIFIED", confidence: "low" }],
      causeless: false,
      firstError: "",
      explanation: "The message could not be analysed; keep it as evidence and run `pulldoctor diagnose`.",
    };
  }
}

function classifyInput(text: string): Classification {
  const outcomes: RecordOutcome[] = [];
  let describedImage: string | undefined;
  for (const record of recordsOf(text)) {
    const outcome = classifyRecord(record);
    if (outcome.kind !== "irrelevant") outcomes.push(outcome);
    else describedImage ??= describedImageOf(record.message);
  }
  const documentCause = detectPrivateDnsEvidence(text);
  const verdict = chooseVerdict(outcomes, documentCause);
  return assemble(verdict, outcomes, describedImage, text);
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------

const CONFIDENCE_RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

function hasAny(haystack: string, needles: readonly string[]): boolean {
  for (const needle of needles) if (haystack.includes(needle)) return true;
  return false;
}

function cause(code: CauseCode, confidence: Confidence): ClassifiedCause {
  return { code, confidence };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function isIpv4(text: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

function isIpLiteral(text: string): boolean {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  return isIpv4(bare) || (bare.includes(":") && /^[0-9a-f:.]{2,45}$/i.test(bare));
}

/** RFC 1918 only: 10/8, 172.16/12, 192.168/16 (the private-endpoint ranges of pull-errors.md row 22). */
export function isPrivateIpv4(ip: string): boolean {
  if (!isIpv4(ip)) return false;
  const [a, b] = ip.split(".").map(Number);
  return a === 10 || (a === 172 && b !== undefined && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

// ---------------------------------------------------------------------------------------------------------
// Redaction: nothing that looks like a credential leaves this module
// ---------------------------------------------------------------------------------------------------------

const SECRET_QUERY_KEYS = "access_token|refresh_token|id_token|client_secret|password|passwd|secret|token|sig|signature";
const SECRET_JSON_KEYS = "password|access_token|refresh_token|id_token|token|secret|client_secret|auth|identitytoken|registrytoken";

function looksLikeSecretBlob(candidate: string): boolean {
  // Image digests and hex ids are evidence, not secrets; random base64 mixes cases and digits.
  if (/^[0-9a-f]+$/i.test(candidate)) return false;
  return /[a-z]/.test(candidate) && /[A-Z]/.test(candidate) && /[0-9]/.test(candidate);
}

export function redact(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s{1,10}[A-Za-z0-9._~+/=-]{6,4096}/gi, "$1 [REDACTED]")
    .replace(new RegExp(`([?&;\\s,]|^)(${SECRET_QUERY_KEYS})=[^\\s"'&,;}]{1,4096}`, "gi"), "$1$2=[REDACTED]")
    .replace(new RegExp(`"(${SECRET_JSON_KEYS})"\\s{0,5}:\\s{0,5}"[^"]{0,4096}"`, "gi"), '"$1":"[REDACTED]"')
    .replace(/\b(password|passwd)\s{0,3}:\s{0,3}[^\s"',}]{1,4096}/gi, "$1: [REDACTED]")
    .replace(/(--password\s{1,5})[^\s]{1,4096}/gi, "$1[REDACTED]")
    .replace(/(:\/\/[^\s:/@]{1,256}:)[^\s@/]{1,256}@/g, "$1[REDACTED]@")
    // The whole dotted run from "eyJ", with no word boundary: JWTs glued to other text or to each other must go.
    .replace(/eyJ[A-Za-z0-9_.-]{6,16384}/g, "[REDACTED]")
    .replace(/[A-Za-z0-9+_-]{40,8192}={0,2}/g, (match) => (looksLikeSecretBlob(match) ? "[REDACTED]" : match));
}

// ---------------------------------------------------------------------------------------------------------
// Section 1: from raw input to records (one event message, log entry or output line each)
// ---------------------------------------------------------------------------------------------------------

interface Repeat { count: number; span: string }

interface PullRecord {
  index: number;
  /** The record before wrapper stripping, lower-cased, for event reasons that live in the columns. */
  rawLower: string;
  /** The message with every wrapper stripped. */
  message: string;
  lower: string;
  isEventRow: boolean;
  imageHint?: string;
  repeat?: Repeat;
}

interface Segment { text: string; imageHint?: string }

const ANSI_ESCAPE = /\u001b\[[0-9;]{0,20}[A-Za-z]/g;

/** Yields records one at a time, so a multi-megabyte paste never exists as millions of objects. */
function* recordsOf(text: string): Generator<PullRecord> {
  let clean = text.replace(ANSI_ESCAPE, "");
  if (!clean.includes("\n") && clean.includes("\r")) clean = clean.replace(/\r/g, "\n");
  let index = 0;
  for (const line of joinBrokenErrorLines(joinYamlQuotedScalars(physicalLines(clean)))) {
    if (!mightCarryPullSignal(line)) continue;
    for (const segment of segmentsOf(line)) {
      const record = makeRecord(segment, index);
      if (record.message === "") continue;
      index++;
      yield record;
    }
  }
}

// Every cue, marker and wrapper fragment of this module contains one of these words; lines without any are
// skipped before the per-line work, which keeps floods of short irrelevant lines fast. Generous on purpose.
const SIGNAL_WORDS =
  /image|pull|manifest|reference|platform|format|secret|aadsts|disabled|identity|msi|169\.254|many|429|rate|x509|certificate|tls|ssl|connectivity|host|resolv|nxdomain|getaddrinfo|misbehaving|:53|auth|download|blob|seeker|denied|firewall|timeout|timed out|refused|unreachable|reset|cancel|deadline|connect|eof|unknown|found|exist|scope|token|40[1345]|5\d\d|server|gateway|unavailable|registry|docker|daemon|rpc|fail|error|inspect|8578|back-?off|validating|checking|cluster|status|canonical|address|name:/i;

function mightCarryPullSignal(line: string): boolean {
  if (line.length < 3) return false;
  return SIGNAL_WORDS.test(line.length > 8192 ? line.slice(0, 8192) : line) || line.length > 8192;
}

function* physicalLines(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    yield line.endsWith("\r") ? line.slice(0, -1) : line;
    start = end + 1;
  }
}

const YAML_QUOTED_MESSAGE = /^(\s{0,200}(?:-\s{1,10})?(?:message|msg):\s{1,10})(['"])(.*)$/;

/** `kubectl -o yaml` folds long strings; a quoted `message:` value continues on more-indented lines. */
function* joinYamlQuotedScalars(lines: Iterator<string>): Generator<string> {
  for (let next = lines.next(); next.done !== true; next = lines.next()) {
    const line = next.value;
    const m = line.length <= MAX_RECORD_CHARS ? YAML_QUOTED_MESSAGE.exec(line) : null;
    if (!m) {
      yield line;
      continue;
    }
    const quote = m[2] ?? "'";
    let body = m[3] ?? "";
    for (let joined = 0; !isYamlScalarClosed(body, quote) && joined < MAX_JOINED_LINES && body.length <= MAX_RECORD_CHARS; joined++) {
      const more = lines.next();
      if (more.done === true) break;
      const continuation = more.value.trim();
      // YAML double-quoted folding: a trailing backslash joins without a space.
      body = body.endsWith("\\") && quote === '"' ? body.slice(0, -1) + continuation : `${body} ${continuation}`;
    }
    yield `message: ${decodeYamlScalar(body, quote)}`;
  }
}

function isYamlScalarClosed(body: string, quote: string): boolean {
  if (quote === "'") return body.replace(/''/g, "").includes("'");
  return /(^|[^\\])(\\\\)*"/.test(body);
}

function decodeYamlScalar(body: string, quote: string): string {
  if (quote === "'") {
    const closing = findSingleQuoteClose(body);
    return (closing >= 0 ? body.slice(0, closing) : body).replace(/''/g, "'");
  }
  const decoded = readQuotedString(`"${body}`, 0);
  return decoded ? decoded.value : body;
}

function findSingleQuoteClose(body: string): number {
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== "'") continue;
    if (body[i + 1] === "'") {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

const RECORD_START =
  /^\s{0,200}(?:(?:[^\s]{1,100}\s{1,40}){0,3}?(?:Normal|Warning)\s|[IWEF]\d{4} \d|\[\d|\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:|event for |"|\{)/;
const YAML_OR_TABLE_KEY = /^\s{0,200}-?\s{0,10}[A-Za-z][\w.-]{0,60}:(\s|$)/;

/** Some collectors break a message after a colon (`…image "x":` / `desc =error …:`); rejoin those. */
function* joinBrokenErrorLines(lines: Iterable<string>): Generator<string> {
  let pending: string | undefined;
  let joined = 0;
  for (const line of lines) {
    if (pending !== undefined && joined < MAX_JOINED_LINES && pending.length < MAX_RECORD_CHARS && continuesPrevious(pending, line)) {
      pending = `${pending.trimEnd()} ${line.trim()}`;
      joined++;
      continue;
    }
    if (pending !== undefined) yield pending;
    pending = line;
    joined = 0;
  }
  if (pending !== undefined) yield pending;
}

function continuesPrevious(previous: string, line: string): boolean {
  if (!previous.trimEnd().endsWith(":") || line.trim() === "") return false;
  if (RECORD_START.test(line) || YAML_OR_TABLE_KEY.test(line)) return false;
  const tail = previous.slice(-400).toLowerCase();
  return hasAny(tail, ["image", "error", "desc =", "http", "failed", "get ", "head "]);
}

/** JSON / logfmt lines carry the message inside a quoted value; read it with its escapes decoded. */
function segmentsOf(line: string): Segment[] {
  if (isStructuredLine(line)) {
    // JSON "error" is an OAuth code (unauthorized_client), not a message; logfmt error= is containerd's message.
    const values = readKeyedValues(line, ["message", "msg", "err"], ["message", "msg", "err", "error"]);
    if (values.length > 0) {
      const imageHint = readKeyedValues(line, ["image"], ["image"])[0];
      return values.map((text) => (imageHint ? { text, imageHint } : { text }));
    }
  }
  return [{ text: unescapeLoose(line.length > MAX_RECORD_CHARS ? line.slice(0, MAX_RECORD_CHARS) : line) }];
}

function isStructuredLine(line: string): boolean {
  const head = line.trimStart().slice(0, 2);
  return head.startsWith("{") || head.startsWith('"') || head === "[{" || line.includes(' err="') || line.includes(' error="');
}

/** Finds JSON `"key": "value"` and logfmt `key="value"` pairs in one linear pass per key. */
function readKeyedValues(line: string, jsonKeys: readonly string[], logfmtKeys: readonly string[]): string[] {
  const found: { at: number; value: string }[] = [];
  const markers = [...jsonKeys.map((k) => `"${k}"`), ...logfmtKeys.map((k) => ` ${k}=`)];
  for (const marker of markers) {
    let from = 0;
    while (from < line.length) {
      const at = line.indexOf(marker, from);
      if (at < 0) break;
      let i = at + marker.length;
      if (marker.startsWith('"')) {
        while (line[i] === " " || line[i] === "\t") i++;
        if (line[i] !== ":") {
          from = i;
          continue;
        }
        i++;
        while (line[i] === " " || line[i] === "\t") i++;
      }
      if (line[i] !== '"') {
        from = i + 1;
        continue;
      }
      const read = readQuotedString(line, i);
      // Unterminated: no later value on this line can close either, and rescanning would be quadratic.
      if (!read) break;
      found.push({ at, value: read.value });
      from = read.end;
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.value.replace(/[\r\n\t]+/g, " "));
}

/** Reads a JSON/Go-quoted string starting at the opening quote; decodes escapes. */
function readQuotedString(text: string, openQuote: number): { value: string; end: number } | undefined {
  let i = openQuote + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\") {
      i += 2;
      continue;
    }
    if (ch === '"') break;
    i++;
  }
  if (i >= text.length) return undefined;
  const body = text.slice(openQuote + 1, i);
  let value: string;
  try {
    value = JSON.parse(`"${body}"`) as string;
  } catch {
    value = unescapeLoose(body);
  }
  return { value, end: i + 1 };
}

/** Escaped text pasted out of JSON or structured logs: `\"`, `\\\"`, `\u0026`, `\n`. */
function unescapeLoose(text: string): string {
  if (!text.includes("\\")) return text;
  return text
    .replace(/\\{1,8}u00(26|3c|3e|27|22|3d)/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\{1,8}(["'/])/g, "$1")
    .replace(/\\{1,8}[rnt]/g, " ");
}

// --- wrapper stripping -------------------------------------------------------------------------------------

const LEADING_WRAPPERS: readonly RegExp[] = [
  // journald: "<Mon> <dd> <hh:mm:ss> <node> kubelet[<pid>]: "
  /^[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})? [^\s]{1,253} [^\s:[]{1,100}(?:\[\d{1,10}\])?: /,
  // klog: "E0901 14:17:00.923480       1 vmss.go:99] "
  /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{1,9} {1,40}\d{1,10} [^\s\]]{1,200}:\d{1,7}\] /,
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})? {1,10}/,
  /^\[\d[^\]\n]{0,63}\] {0,10}/,
  /^event for [^:{]{1,253}: \{[^}]{0,300}\} [A-Za-z]{1,80}: /,
  /^spec\.(?:initContainers|containers|ephemeralContainers)\{[^}]{0,253}\}: /,
  /^(?:FATA|ERRO|WARN|INFO|DEBU)\[\d{1,10}\] {0,10}/,
  /^pulling image: /,
  /^Warning: container debugger: /,
  /^-?\s{0,10}(?:message|msg):\s{0,10}/,
  /^"[A-Za-z_][\w.-]{0,60}"\s{0,5}:\s{0,5}/,
  /^Message:\s{1,40}/,
];

const EVENT_ROW = /^(?:[^\s]{1,100}\s{1,40}){0,3}?(?:Normal|Warning)\s{1,40}[A-Za-z]{1,80}\s{1,40}/;
const MESSAGE_STARTS: readonly string[] = [
  "Failed to pull image", "failed to pull image", "Back-off pulling image", "Pulling image", "pulling image",
  "Error: ", "Container image", "Failed to apply default image tag", "Unable to retrieve",
  "Failed create pod sandbox", "Failed to create pod sandbox", "Failed to inspect image", "Successfully",
  "Started container", "Created container", "Back-off restarting", "spec.containers{", "spec.initContainers{",
  "rpc error", "Error response from daemon", "failed to ",
];
const REPEAT = /\(x(\d{1,9}) over ([0-9a-z.]{1,20})\)/;

function makeRecord(segment: Segment, index: number): PullRecord {
  const raw = segment.text.length > MAX_RECORD_CHARS ? segment.text.slice(0, MAX_RECORD_CHARS) : segment.text;
  const stripped = stripWrappers(raw);
  const repeatMatch = REPEAT.exec(raw.slice(0, 400));
  const record: PullRecord = {
    index,
    rawLower: raw.toLowerCase(),
    message: stripped.message,
    lower: stripped.message.toLowerCase(),
    isEventRow: stripped.isEventRow,
  };
  if (segment.imageHint) record.imageHint = segment.imageHint;
  if (repeatMatch) record.repeat = { count: Number(repeatMatch[1]), span: repeatMatch[2] ?? "" };
  return record;
}

function stripWrappers(line: string): { message: string; isEventRow: boolean } {
  let text = line.trim();
  let isEventRow = false;
  for (let pass = 0; pass < 8; pass++) {
    const before = text;
    for (const wrapper of LEADING_WRAPPERS) text = text.replace(wrapper, "");
    const row = EVENT_ROW.exec(text);
    if (row) {
      isEventRow = true;
      text = cutToMessageStart(text, row[0].length);
    } else {
      text = cutColumnsBeforeMessage(text);
    }
    text = stripEnclosingQuotes(text.trim());
    if (text === before) break;
  }
  return { message: text, isEventRow };
}

/** Describe / get-events columns vary by kubectl version; the message starts at a known phrase. */
function cutToMessageStart(text: string, afterReason: number): string {
  let best = -1;
  for (const start of MESSAGE_STARTS) {
    const at = text.indexOf(start, afterReason);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  if (best >= 0) return text.slice(best);
  // Unknown message: drop only what looks like a column (get-events object, describe age and source).
  return text
    .slice(afterReason)
    .replace(/^[a-z][\w.-]{0,60}\/[\w.-]{1,253}\s{1,40}/, "")
    .replace(/^(?:(?:\d{1,5}[smhd]){1,3}|<unknown>|<invalid>)(?: \(x\d{1,9} over [^\s)]{1,20}\))?\s{1,40}/, "")
    .replace(/^(?:kubelet|default-scheduler|[\w.-]{1,100}-controller)(?:,\s{0,5}[\w.-]{1,253})?\s{1,40}/, "");
}

/** Tables with elided or unusual columns ("...  FailedToRetrieveImagePullSecret  ...  Unable to …"). */
function cutColumnsBeforeMessage(text: string): string {
  let best = -1;
  for (const start of MESSAGE_STARTS) {
    const at = text.indexOf(start);
    if (at > 0 && (best < 0 || at < best)) best = at;
  }
  if (best <= 0 || best > 300) return text;
  const prefix = text.slice(0, best);
  return /^\s|\s{2}/.test(prefix) && !prefix.includes(":") && !prefix.includes('"') ? text.slice(best) : text;
}

function stripEnclosingQuotes(text: string): string {
  const withoutComma = text.endsWith(",") ? text.slice(0, -1) : text;
  const first = withoutComma[0];
  if ((first === "'" || first === '"') && withoutComma.length > 1 && withoutComma.endsWith(first)) {
    const inner = withoutComma.slice(1, -1);
    return first === "'" ? inner.replace(/''/g, "'") : inner;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// Rule 1: the error list and its first error
// ---------------------------------------------------------------------------------------------------------

const PULL_PREFIX = /(?:Failed to pull image|failed to pull image|failed pulling image) "([^"]{0,512})":? ?/;
// containerd joins per-credential errors with ", " (kuberuntime_image.go utilerrors.NewAggregate).
const ERROR_SEPARATORS: readonly string[] = [", rpc error:", ", failed to pull and unpack image"];

function errorListOf(message: string): string[] {
  const prefix = PULL_PREFIX.exec(message);
  let rest = prefix ? message.slice(prefix.index + prefix[0].length) : message;
  rest = rest.trim();
  if (rest.startsWith("[")) rest = rest.slice(1);
  const lower = rest.toLowerCase();
  const cuts: number[] = [];
  for (const separator of ERROR_SEPARATORS) {
    let from = 0;
    for (;;) {
      const at = lower.indexOf(separator, from);
      if (at < 0) break;
      cuts.push(at);
      from = at + separator.length;
    }
  }
  cuts.sort((a, b) => a - b);
  const errors: string[] = [];
  let start = 0;
  for (const cut of cuts) {
    errors.push(rest.slice(start, cut));
    start = cut + 2; // skip ", "
  }
  errors.push(rest.slice(start));
  return errors.map(cleanError).filter((e) => e !== "");
}

function cleanError(error: string): string {
  let text = error.trim();
  while (text.endsWith("]") || text.endsWith(",")) text = text.slice(0, -1).trimEnd();
  for (let pass = 0; pass < 4; pass++) {
    const before = text;
    text = text
      .replace(/^rpc error: code = [A-Za-z]{1,40} desc = ?/, "")
      .replace(/^Error response from daemon: /, "")
      .trim();
    if (text === before) break;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// Facts read from one error
// ---------------------------------------------------------------------------------------------------------

interface ErrorView {
  text: string;
  lower: string;
  record: PullRecord;
  urlHosts: string[];
  host?: string;
  hostKind?: HostKind;
  lookupHost?: string;
  resolver?: string;
  dialIp?: string;
  clientIp?: string;
  status?: number;
  tokenFetch?: TokenFetch;
  grpcCode?: string;
  pipelineStage?: PullStage;
  blobStage: boolean;
}

// Documentation links in registry messages (aka.ms/acr/firewall, docker.com/increase-rate-limit), Entra/ARM and
// IMDS endpoints are not the registry the pull talks to.
const NON_REGISTRY_HOSTS =
  /^(?:aka\.ms|(?:www\.|docs\.)?docker\.com|(?:learn|docs|go)\.microsoft\.com|(?:management|portal)\.azure\.com|login\.microsoftonline\.com|(?:[\w-]{1,63}\.)?kubernetes\.io|github\.com|169\.254\.169\.254)$/;

function isEndpointHost(host: string): boolean {
  return !NON_REGISTRY_HOSTS.test(host);
}

function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (!h.startsWith("[")) {
    const colon = h.indexOf(":");
    if (colon >= 0 && h.indexOf(":", colon + 1) < 0) h = h.slice(0, colon);
  }
  return h;
}

export function hostKindOf(host: string): HostKind {
  const h = normaliseHost(host);
  if (h === "" || h === "localhost" || isIpLiteral(h) || !h.includes(".")) return "unknown";
  if (/\.data\.azurecr\.(io|cn|us)$/.test(h)) return "acr-data";
  if (/\.blob\.core\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/.test(h)) return "acr-data";
  if (/\.azurecr\.(io|cn|us)$/.test(h)) return "acr";
  return "external";
}

function isMcrHost(host: string | undefined): boolean {
  return host !== undefined && /(^|\.)(mcr\.microsoft\.com|cdn\.mscr\.io)$/.test(host);
}

/** Registry host of an image reference, following docker's rule: a first component with "." or ":" is a host. */
export function registryHostOfImage(ref: string): string | undefined {
  const reference = ref.trim().replace(/^[a-z][a-z0-9+.-]{1,15}:\/\//i, "");
  if (reference === "" || reference.startsWith("/")) return undefined;
  const slash = reference.indexOf("/");
  if (slash < 0) return "docker.io";
  const first = reference.slice(0, slash);
  if (first.includes(".") || first.includes(":") || first === "localhost" || first.includes("<")) {
    return normaliseHost(first);
  }
  return "docker.io";
}

const IMAGE_PHRASE =
  /(?:Failed to pull image|failed to pull image|[Bb]ack-off pulling image|[Pp]ulling image|failed pulling image|Container image|Failed to apply default image tag|Failed to inspect image|failed to pull and unpack image|failed to resolve reference|PullImage) "([^"\s]{1,512})"/;

function imageOf(text: string): string | undefined {
  return IMAGE_PHRASE.exec(text)?.[1];
}

const STATUS_PATTERNS: readonly RegExp[] = [
  /\b([1-5]\d\d) (?:Unauthorized|Forbidden|Not Found|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout|Method Not Allowed|Bad Request|Conflict|Request Timeout)\b/i,
  /unexpected status code [^\s]{1,2048}: ([1-5]\d\d)\b/i,
  /\b(?:status(?: code)?|error status|response code|http status)\s{0,3}[:=]?\s{0,3}'?([1-5]\d\d)\b/i,
  /\bstatuscode=([1-5]\d\d)\b/i,
  /\bstatus ([1-5]\d\d) trying to pull\b/i,
];

function httpStatusOf(text: string): number | undefined {
  for (const pattern of STATUS_PATTERNS) {
    const m = pattern.exec(text);
    if (m?.[1]) return Number(m[1]);
  }
  return undefined;
}

const BLOB_STAGE_MARKERS: readonly string[] = [
  "httpreadseeker", "failed to copy:", "error pulling image configuration", "download failed after attempts=", "/blobs/",
];
const AUTH_STAGE_MARKERS: readonly string[] = [
  "failed to authorize", "fetch oauth token", "fetch anonymous token", "/oauth2/token", "/oauth2/exchange", "token exchange",
];
const MANIFEST_STAGE_MARKERS: readonly string[] = ["failed to resolve reference", "/manifests/", "/v2/", "manifest"];

function isDataHost(host: string): boolean {
  return hostKindOf(host) === "acr-data" || /(^|\.)(data\.mcr\.microsoft\.com|cdn\.mscr\.io)$/.test(host);
}

function buildView(error: string, record: PullRecord, imageFallback: string | undefined): ErrorView {
  const lower = error.toLowerCase();
  const urlHosts: string[] = [];
  for (const m of error.matchAll(/https?:\/\/([^\s/"'?#:]{1,253})/gi)) {
    const host = normaliseHost(m[1] ?? "");
    if (host && isEndpointHost(host)) urlHosts.push(host);
  }
  const view: ErrorView = { text: error, lower, record, urlHosts, blobStage: false };

  const lookup = /\blookup ([^\s:"'()]{1,253})/i.exec(error) ?? /server can't find ([^\s:"']{1,253})/i.exec(error);
  if (lookup?.[1]) view.lookupHost = normaliseHost(lookup[1]);
  const resolver = / on (\[[0-9a-f:.]{2,45}\]|\d{1,3}(?:\.\d{1,3}){3}):53\b/i.exec(error);
  if (resolver?.[1]) view.resolver = resolver[1];
  const dial = /dial tcp (\[[0-9a-f:.]{2,45}\]|\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}/i.exec(error);
  if (dial?.[1]) view.dialIp = dial[1].replace(/^\[|\]$/g, "");
  const client = /client with ip '([^'\s]{1,64})'/i.exec(error);
  if (client?.[1] && isIpLiteral(client[1])) view.clientIp = client[1];
  const status = httpStatusOf(error);
  if (status !== undefined) view.status = status;
  if (lower.includes("fetch oauth token")) view.tokenFetch = "oauth";
  else if (lower.includes("fetch anonymous token")) view.tokenFetch = "anonymous";
  const grpc = /code = ([A-Za-z]{1,40})/.exec(record.message);
  if (grpc?.[1]) view.grpcCode = grpc[1];

  const host = view.lookupHost ?? urlHosts[urlHosts.length - 1] ?? namedHostOf(error) ?? hostOfImage(error, imageFallback);
  if (host) {
    view.host = host;
    view.hostKind = hostKindOf(host);
  }
  view.blobStage = hasAny(lower, BLOB_STAGE_MARKERS) || urlHosts.some(isDataHost);
  if (view.blobStage) view.pipelineStage = "blob";
  else if (hasAny(lower, AUTH_STAGE_MARKERS)) view.pipelineStage = "auth";
  else if (hasAny(lower, MANIFEST_STAGE_MARKERS)) view.pipelineStage = "manifest";
  return view;
}

/** Hosts named by az / check-acr / canipull output rather than by a URL. */
function namedHostOf(error: string): string | undefined {
  const m =
    /access to registry '([^'\s]{1,253})'/i.exec(error) ??
    /\bACR ([^\s]{1,253}) rejected token exchange/i.exec(error) ??
    /checking host name resolution \(([^)\s]{1,253})\)/i.exec(error) ??
    /failed to resolve specified fqdn:? '?([^\s']{1,253})/i.exec(error);
  return m?.[1] ? normaliseHost(m[1]) : undefined;
}

function hostOfImage(error: string, imageFallback: string | undefined): string | undefined {
  const ref = imageOf(error) ?? imageFallback;
  return ref ? registryHostOfImage(ref) : undefined;
}

type RegistryFamily = "acr" | "external" | "hidden";

/** Rule 6: ACR (and its data endpoints) vs other registries; no host at all counts with ACR. */
function familyOf(view: ErrorView): RegistryFamily {
  if (view.hostKind === "acr" || view.hostKind === "acr-data") return "acr";
  if (view.hostKind === "external") return "external";
  return "hidden";
}

// ---------------------------------------------------------------------------------------------------------
// Section 2: the cue table, checked in order on the first error
// ---------------------------------------------------------------------------------------------------------

interface CueMatch {
  code: CauseCode;
  confidence: Confidence;
  alternatives: ClassifiedCause[];
  stage?: PullStage;
  why: string;
  /** A registry 5xx and the like: a failure with no cause, after which rule 1 reads the next error. */
  carriesNoCause?: boolean;
  httpStatus?: number;
  ip?: string;
  notes?: string[];
}

type CueRule = (view: ErrorView) => CueMatch | undefined;

const RULES: readonly CueRule[] = [
  invalidReference, neverPull, platformMismatch, pullSecretMissing,
  spSecretExpired, spSecretInvalid, spNotFound, spDisabled, spCredentialCheckFailed,
  managedIdentityMissing, otherEntraError,
  // Row 28 before the transport rows: the plugin's localhost endpoint is not a registry that egress could block.
  artifactStreaming,
  rateLimited, pullQpsExceeded,
  tlsVerificationFailed, dnsFailure,
  storageAuthorizationFailure, dataPathBlocked,
  firewallDenied, anonymousTokenForbidden, acrLoginForbidden,
  tlsHandshakeTimeout, transportFailure,
  manifestNotFound, pullAccessDenied, accessDenied,
  tokenExchangeRejected, pullPermissionCheckFailed,
  unauthorized, forbidden,
  registryServerError, featureWithoutCode,
];

function firstCue(view: ErrorView): CueMatch | undefined {
  for (const rule of RULES) {
    const match = rule(view);
    if (match) return match;
  }
  return undefined;
}

// Row 1
function invalidReference(v: ErrorView): CueMatch | undefined {
  const inspectFailedColumn =
    v.record.isEventRow && v.record.rawLower.includes("inspectfailed") && !v.lower.includes("failed to inspect image");
  if (
    !hasAny(v.lower, [
      "failed to apply default image tag", "couldn't parse image reference", "couldn't parse image name",
      "invalid reference format", "invalidimagename",
    ]) && !inspectFailedColumn
  ) return undefined;
  return {
    code: "IMG_INVALID_REFERENCE", confidence: "high", alternatives: [], stage: "reference",
    why: "The kubelet could not parse the image reference, so no registry was contacted (uppercase letters, a scheme prefix, a leading '/', an empty tag or invisible characters are the usual reasons).",
  };
}

// Row 2
function neverPull(v: ErrorView): CueMatch | undefined {
  if (!hasAny(v.lower, ["is not present with pull policy of never", "errimageneverpull"]) && !v.record.rawLower.includes("errimageneverpull")) return undefined;
  return {
    code: "IMG_NEVER_PULL", confidence: "high", alternatives: [], stage: "node",
    why: "imagePullPolicy is Never and the image is not on the node, so the kubelet did not try to pull it.",
  };
}

// Row 3
function platformMismatch(v: ErrorView): CueMatch | undefined {
  const exact = hasAny(v.lower, [
    "no match for platform in manifest", "no matching manifest for", "does not match the specified platform",
    "cannot be used on this platform",
  ]);
  if (!exact && !v.lower.includes("exec format error")) return undefined;
  return {
    code: "IMG_PLATFORM_MISMATCH", confidence: exact ? "high" : "medium", alternatives: [], stage: "manifest",
    why: exact
      ? "The image has no manifest for the node's OS/architecture (for example a Linux-only image on a Windows node, or amd64-only on arm64)."
      : "'exec format error' means a binary built for another CPU architecture was started.",
  };
}

// Row 4
function pullSecretMissing(v: ErrorView): CueMatch | undefined {
  const raw = v.record.rawLower;
  if (
    !hasAny(v.lower, [
      "unable to retrieve some image pull secrets", "unable to retrieve pull secret",
      "does not have the proper auth (image secret)", "errimagenotensured",
    ]) && !hasAny(raw, ["failedtoretrieveimagepullsecret", "errimagenotensured"])
  ) return undefined;
  return {
    code: "EXT_PULL_SECRET_MISSING", confidence: "high",
    alternatives: [cause("EXT_PULL_SECRET_WRONG_REGISTRY", "low")], stage: "secret",
    why: "The pod references an image pull secret the kubelet could not read, so the pull runs without those credentials.",
  };
}

// Rows 5-8: Entra ID (AADSTS) errors of the cluster's service principal; the number decides.
function spSecretExpired(v: ErrorView): CueMatch | undefined {
  if (!/aadsts7000222\b/.test(v.lower) && !/client secret keys .{0,200}are expired/.test(v.lower)) return undefined;
  return {
    code: "SP_SECRET_EXPIRED", confidence: "high", alternatives: [cause("SP_SECRET_INVALID", "low")], stage: "identity",
    why: "Entra ID rejected the service principal because its client secret has expired (AADSTS7000222).",
  };
}

function spSecretInvalid(v: ErrorView): CueMatch | undefined {
  if (!/aadsts7000215\b/.test(v.lower) && !v.lower.includes("invalid client secret")) return undefined;
  return {
    code: "SP_SECRET_INVALID", confidence: "high", alternatives: [cause("SP_SECRET_EXPIRED", "low")], stage: "identity",
    why: "Entra ID rejected the service principal's secret as wrong (AADSTS7000215); often the secret ID was stored instead of its value.",
  };
}

function spNotFound(v: ErrorView): CueMatch | undefined {
  if (
    !/aadsts700016\b/.test(v.lower) &&
    !hasAny(v.lower, ["was not found in the directory", "not found in active directory tenant"])
  ) return undefined;
  return {
    code: "SP_NOT_FOUND", confidence: "high", alternatives: [], stage: "identity",
    why: "Entra ID does not know the application/service principal in this tenant (AADSTS700016): it was deleted, or the request went to the wrong tenant.",
  };
}

function spDisabled(v: ErrorView): CueMatch | undefined {
  if (!/aadsts7000112\b/.test(v.lower) && !/application '[^']{0,200}'(?:\([^)]{0,200}\))? is disabled/.test(v.lower)) return undefined;
  return {
    code: "SP_DISABLED", confidence: "high", alternatives: [], stage: "identity",
    why: "Entra ID reports the application/service principal as disabled (AADSTS7000112).",
  };
}

function spCredentialCheckFailed(v: ErrorView): CueMatch | undefined {
  if (!hasAny(v.lower, ["validating service principal credential: failed", "sign in to aad failed"])) return undefined;
  return {
    code: "SP_SECRET_EXPIRED", confidence: "low",
    alternatives: [cause("SP_SECRET_INVALID", "low"), cause("SP_NOT_FOUND", "low"), cause("SP_DISABLED", "low")],
    stage: "identity",
    why: "check-acr could not sign in with the cluster's service principal; the AADSTS line that follows names the exact reason.",
  };
}

// Row 9
function managedIdentityMissing(v: ErrorView): CueMatch | undefined {
  const l = v.lower;
  const certain =
    l.includes("identity not found") || /validating managed identity exist[ae]nce: failed/.test(l) ||
    l.includes("no default identity is assigned");
  const imdsUnreachable =
    l.includes("169.254.169.254") && hasAny(l, ["timeout", "timed out", "connection refused", "no route to host", "unreachable"]);
  const msiUnavailable = l.includes("msi not available") || l.includes("no managed identity endpoint is available");
  if (!certain && !imdsUnreachable && !msiUnavailable) return undefined;
  const alternatives = [cause("MI_CLIENT_ID_MISMATCH", certain ? "medium" : "low")];
  if (!certain) alternatives.push(cause("NET_EGRESS_BLOCKED", "low"));
  return {
    code: "MI_NOT_FOUND", confidence: certain ? "high" : "medium", alternatives, stage: "identity",
    why: certain
      ? "IMDS has no such managed identity for this node: the kubelet identity was deleted, or is not attached to the node pool's scale set (a wrong client ID in azure.json looks the same)."
      : "The node could not get a managed-identity token from IMDS; the identity may be missing, or IMDS itself may be unreachable.",
  };
}

function otherEntraError(v: ErrorView): CueMatch | undefined {
  if (!/\baadsts\d{4,7}/.test(v.lower)) return undefined;
  return {
    code: "PULL_FAILURE_UNCLASSIFIED", confidence: "low", alternatives: [], stage: "identity",
    why: "This is an Entra ID error whose AADSTS code names no cluster credential fault pulldoctor knows (for example an operator's own sign-in expiring).",
  };
}

// Rows 10-11
function rateLimited(v: ErrorView): CueMatch | undefined {
  if (
    v.status !== 429 &&
    !hasAny(v.lower, ["toomanyrequests", "too many requests", "increase-rate-limit", "aka.ms/acr/skus", "connectivity_toomanyrequests_error"])
  ) return undefined;
  const match: CueMatch = {
    code: "EXT_RATE_LIMITED", confidence: "high", alternatives: [], why: familyOf(v) === "acr"
      ? "The registry throttled the pull (ACR SKU request limits)."
      : "The registry throttled the pull (for Docker Hub: the anonymous or per-account pull rate limit).",
    httpStatus: 429,
  };
  if (v.pipelineStage) match.stage = v.pipelineStage;
  return match;
}

function pullQpsExceeded(v: ErrorView): CueMatch | undefined {
  if (!v.lower.includes("pull qps exceeded")) return undefined;
  return {
    code: "EXT_RATE_LIMITED", confidence: "medium", alternatives: [cause("PULL_FAILURE_UNCLASSIFIED", "medium")], stage: "node",
    why: "The kubelet's own pull throttle (registryPullQPS / registryBurst) refused the pull; the fix is a kubelet setting, not the registry.",
  };
}

// Row 12
function tlsVerificationFailed(v: ErrorView): CueMatch | undefined {
  if (
    !hasAny(v.lower, [
      "x509:", "tls: failed to verify certificate", "certificate signed by unknown authority", "connectivity_ssl_error",
      "certificate verify failed", "ssl certificate problem",
    ])
  ) return undefined;
  return {
    code: "NET_TLS_INTERCEPTED", confidence: "high", alternatives: [], stage: "tls",
    why: "The node did not trust the certificate the registry endpoint presented, which usually means a TLS-inspecting proxy or firewall sits in the path.",
  };
}

// Rows 13-14
function dnsFailure(v: ErrorView): CueMatch | undefined {
  const l = v.lower;
  const nxdomain = hasAny(l, [
    "no such host", "failed to resolve specified fqdn", "nxdomain", "server can't find", "name or service not known",
    "could not resolve host", "getaddrinfo enotfound", "no address associated with hostname", "connectivity_dns_error",
  ]) || /checking host name resolution \([^)]{0,253}\): failed/.test(l);
  const resolverFailed = hasAny(l, ["server misbehaving", "temporary failure in name resolution"]) ||
    / on [^\s]{1,64}:53\b/.test(l);
  const bareLookup = l.includes("dial tcp: lookup ");
  if (!nxdomain && !resolverFailed && !bareLookup) return undefined;
  const family = familyOf(v);
  const alternatives: ClassifiedCause[] = [];
  if (v.hostKind === "acr-data") {
    alternatives.push(cause("NET_PRIVATE_DNS_MISCONFIGURED", "medium"), cause("NET_DATA_ENDPOINT_BLOCKED", "low"));
  } else if (family === "acr") {
    if (nxdomain || bareLookup) alternatives.push(cause("CFG_REGISTRY_NOT_FOUND", "medium"));
    alternatives.push(cause("NET_PRIVATE_DNS_MISCONFIGURED", nxdomain ? "medium" : "low"));
  } else if (family === "external") {
    alternatives.push(cause("EXT_UNREACHABLE", "medium"));
  } else {
    alternatives.push(cause("CFG_REGISTRY_NOT_FOUND", "low"), cause("NET_PRIVATE_DNS_MISCONFIGURED", "low"), cause("EXT_UNREACHABLE", "low"));
  }
  const what = nxdomain
    ? "the name does not exist for the node's resolver (NXDOMAIN)"
    : resolverFailed ? "the node's DNS resolver failed to answer" : "the node could not resolve the name";
  return {
    code: "NET_DNS_FAILURE", confidence: "high", alternatives, stage: "dns",
    why: `Name resolution failed${v.host ? ` for ${v.host}` : ""}: ${what}.`,
    notes: resolverNote(v.resolver),
  };
}

function resolverNote(resolver: string | undefined): string[] {
  if (!resolver) return [];
  if (resolver === "168.63.129.16") return ["The node asked Azure DNS (168.63.129.16)."];
  if (resolver === "127.0.0.53" || resolver === "[::1]" || resolver === "127.0.0.1") {
    return [`The node asked its local resolver (${resolver}), which forwards to the VNet's DNS servers.`];
  }
  return [`The node asked a custom DNS server (${resolver}); it must forward to Azure DNS (168.63.129.16) for private zones to work.`];
}

// Row 16
function storageAuthorizationFailure(v: ErrorView): CueMatch | undefined {
  const storageRefusal = hasAny(v.lower, ["<code>authorizationfailure</code>", "authorizationfailure", "this request is not authorized to perform this operation"]);
  const forbiddenOnData = v.status === 403 && v.blobStage;
  if (!storageRefusal && !forbiddenOnData) return undefined;
  return {
    code: "NET_DATA_ENDPOINT_BLOCKED", confidence: "high", alternatives: [cause("NET_FIREWALL_DENIES_CLUSTER", "low")], stage: "blob",
    why: "The registry's storage (data) endpoint refused the blob download with 403 AuthorizationFailure: a storage firewall or a service endpoint policy blocks it.",
    httpStatus: 403,
  };
}

// Row 17
function dataPathBlocked(v: ErrorView): CueMatch | undefined {
  if (!v.blobStage || v.status !== undefined) return undefined;
  const transport = transportOf(v.lower);
  const dataHost = v.urlHosts.find(isDataHost);
  if (!transport && !dataHost) return undefined;
  const alternatives: ClassifiedCause[] = [];
  const endpoint = dataHost ?? v.host;
  if (isMcrHost(endpoint) || familyOf(v) === "external") alternatives.push(cause("EXT_UNREACHABLE", "medium"));
  alternatives.push(cause("NET_EGRESS_BLOCKED", "medium"));
  if (familyOf(v) !== "external") alternatives.push(cause("NET_PRIVATE_DNS_MISCONFIGURED", "low"));
  const match: CueMatch = {
    code: "NET_DATA_ENDPOINT_BLOCKED", confidence: transport ? "high" : "medium", alternatives, stage: "blob",
    why: `The manifest was resolved, but downloading layer data${dataHost ? ` from ${dataHost}` : ""} failed${transport ? ` (${transport.label})` : ""}: the data endpoint is not allowed through the egress path.`,
  };
  if (v.dialIp) match.ip = v.dialIp;
  return match;
}

// Row 18
function firewallDenied(v: ErrorView): CueMatch | undefined {
  const clientDenied = /client with ip '[^']{0,64}' is not allowed access/.test(v.lower) || v.lower.includes("aka.ms/acr/firewall");
  const deniedJson = /"code"\s{0,5}:\s{0,5}"denied"/.test(v.lower);
  const forbiddenHealth = v.lower.includes("connectivity_forbidden_error");
  if (!clientDenied && !deniedJson && !forbiddenHealth) return undefined;
  if (!clientDenied && familyOf(v) === "external") return externalAccessDenied(v);
  const match: CueMatch = {
    code: "NET_FIREWALL_DENIES_CLUSTER", confidence: clientDenied ? "high" : "medium",
    alternatives: [cause("NET_PUBLIC_ACCESS_DISABLED", "medium"), cause("NET_PRIVATE_DNS_MISCONFIGURED", "low")],
    stage: v.pipelineStage ?? "auth",
    why: "ACR's network rules refused the client: the registry firewall does not allow the cluster's egress IP (ACR answers the same way when public network access is disabled).",
    httpStatus: 403,
  };
  if (v.clientIp) match.ip = v.clientIp;
  return match;
}

// Row 19 (rule 4): on ACR, 403 is a network answer, never RBAC.
function anonymousTokenForbidden(v: ErrorView): CueMatch | undefined {
  if (v.tokenFetch !== "anonymous" || v.status !== 403) return undefined;
  if (familyOf(v) === "external") return externalAccessDenied(v);
  return {
    code: "NET_FIREWALL_DENIES_CLUSTER", confidence: "high",
    alternatives: [cause("NET_PUBLIC_ACCESS_DISABLED", "medium"), cause("NET_PRIVATE_DNS_MISCONFIGURED", "medium")],
    stage: "auth", httpStatus: 403,
    why: "ACR's token endpoint answered 403 Forbidden to an anonymous token request; on ACR a 403 comes from the network rules (firewall, disabled public access, or a private DNS zone not linked so the name resolves to the public endpoint).",
  };
}

// Row 20
function acrLoginForbidden(v: ErrorView): CueMatch | undefined {
  const refresh = v.lower.includes("connectivity_refresh_token_error") ||
    /access to registry '[^']{0,253}' was denied\. response code: 403/.test(v.lower);
  const dockerLogin = v.lower.includes("login attempt to") && v.status === 403;
  if (!refresh && !dockerLogin) return undefined;
  return {
    code: "NET_PUBLIC_ACCESS_DISABLED", confidence: "medium",
    alternatives: [
      cause("NET_FIREWALL_DENIES_CLUSTER", "medium"), cause("NET_PRIVATE_DNS_MISCONFIGURED", "low"),
      cause("RBAC_PULL_ROLE_MISSING", "low"), cause("NET_EGRESS_BLOCKED", "low"),
    ],
    stage: "auth", httpStatus: 403,
    why: "The registry refused to exchange a token (403) during login; that is ACR's answer when public network access is disabled or the firewall does not allow this client (stale CLI credentials or missing permissions can also cause it).",
  };
}

// Row 21
function tlsHandshakeTimeout(v: ErrorView): CueMatch | undefined {
  if (!v.lower.includes("tls handshake timeout")) return undefined;
  const external = familyOf(v) === "external";
  const match: CueMatch = {
    code: external ? "EXT_UNREACHABLE" : "NET_EGRESS_BLOCKED", confidence: "medium",
    alternatives: external
      ? [cause("NET_EGRESS_BLOCKED", "medium"), cause("NET_TLS_INTERCEPTED", "low")]
      : [cause("NET_TLS_INTERCEPTED", "low")],
    stage: "tls",
    why: `The TCP connection${v.host ? ` to ${v.host}` : ""} opened but the TLS handshake never completed: a firewall or appliance in the path, an MTU problem, or a proxy.`,
  };
  if (v.dialIp) match.ip = v.dialIp;
  return match;
}

interface Transport { label: string; confidence: Confidence; clientTimeout: boolean; proxy: boolean }

function transportOf(lower: string): Transport | undefined {
  if (lower.includes("proxyconnect tcp")) return { label: "the proxy connection failed", confidence: "medium", clientTimeout: false, proxy: true };
  if (/dial tcp [^\s]{1,100}: i\/o timeout/.test(lower) || lower.includes("connect: connection timed out")) {
    return { label: "TCP connect timed out", confidence: "high", clientTimeout: false, proxy: false };
  }
  if (lower.includes("connection refused")) return { label: "connection refused", confidence: "high", clientTimeout: false, proxy: false };
  if (hasAny(lower, ["no route to host", "network is unreachable"])) {
    return { label: "no route to the endpoint", confidence: "high", clientTimeout: false, proxy: false };
  }
  if (lower.includes("connection reset")) return { label: "connection reset", confidence: "medium", clientTimeout: false, proxy: false };
  if (lower.includes("i/o timeout")) return { label: "i/o timeout", confidence: "medium", clientTimeout: false, proxy: false };
  if (hasAny(lower, ["client.timeout exceeded", "request canceled", "context deadline exceeded", "connectivity_challenge_error: timeout"])) {
    return { label: "the request timed out", confidence: "medium", clientTimeout: true, proxy: false };
  }
  if (lower.includes("could not connect to the registry login server")) {
    return { label: "no connection to the login server", confidence: "medium", clientTimeout: true, proxy: false };
  }
  if (/(?:: |\bunexpected )eof\b/.test(lower)) return { label: "the connection was closed (EOF)", confidence: "low", clientTimeout: false, proxy: false };
  return undefined;
}

// Row 22
function transportFailure(v: ErrorView): CueMatch | undefined {
  const transport = transportOf(v.lower);
  if (!transport) return undefined;
  // EOF outside the blob stage is not in the cue table; keep the failure unclassified and say why.
  if (transport.confidence === "low") {
    return {
      code: "PULL_FAILURE_UNCLASSIFIED", confidence: "low", alternatives: [cause("NET_EGRESS_BLOCKED", "low")],
      stage: "connect", why: "The connection to the registry was closed early (EOF); a proxy or firewall is a common reason, but the message does not say.",
    };
  }
  const external = familyOf(v) === "external";
  const privateIp = v.dialIp !== undefined && isPrivateIpv4(v.dialIp) && !transport.proxy;
  const alternatives: ClassifiedCause[] = [];
  if (external) alternatives.push(cause("NET_EGRESS_BLOCKED", "medium"));
  if (privateIp) alternatives.push(cause("NET_PRIVATE_ENDPOINT_NOT_APPROVED", "medium"));
  if (transport.clientTimeout) alternatives.push(cause("NET_DNS_FAILURE", "low"));
  if (transport.proxy) alternatives.push(cause("NET_TLS_INTERCEPTED", "low"));
  if (!external && !privateIp && v.dialIp) alternatives.push(cause("NET_PRIVATE_DNS_MISCONFIGURED", "low"));
  const target = v.host ?? (v.lower.includes("registry login server") ? "the registry login server" : "the registry");
  const match: CueMatch = {
    code: external ? "EXT_UNREACHABLE" : "NET_EGRESS_BLOCKED", confidence: transport.confidence, alternatives,
    stage: "connect",
    why: `The node could not reach ${target}${v.dialIp ? ` at ${v.dialIp}` : ""} (${transport.label}): an NSG, route table, firewall or proxy blocks the egress.`,
  };
  if (privateIp) match.notes = [`${v.dialIp ?? ""} is a private address, so this is the private-endpoint path: check VNet peering, NSG, UDR and the endpoint's approval state.`];
  if (v.dialIp) match.ip = v.dialIp;
  return match;
}

// Row 23
function manifestNotFound(v: ErrorView): CueMatch | undefined {
  const l = v.lower;
  if (hasAny(l, ["name_unknown", "repository name not known to registry"])) {
    return {
      code: "IMG_REPOSITORY_NOT_FOUND", confidence: "high", alternatives: [cause("IMG_TAG_NOT_FOUND", "low")], stage: "manifest", httpStatus: 404,
      why: "The registry says the repository does not exist (NAME_UNKNOWN).",
    };
  }
  const notFound =
    hasAny(l, ["manifest unknown", "manifest_unknown", "manifest tagged by"]) ||
    /\btag [^\s]{1,256} not found in repository/.test(l) ||
    ((v.grpcCode?.toLowerCase() === "notfound" || l.includes("failed to resolve reference")) && l.includes(": not found")) ||
    /\bmanifest for [^\s]{1,512} not found/.test(l);
  const bare404 = !notFound && v.status === 404;
  if (!notFound && !bare404) return undefined;
  const alternatives = [cause("IMG_REPOSITORY_NOT_FOUND", "medium")];
  if (familyOf(v) === "acr") alternatives.push(cause("CFG_REGISTRY_NOT_FOUND", "low"));
  return {
    code: "IMG_TAG_NOT_FOUND", confidence: bare404 ? "medium" : "high", alternatives, stage: "manifest", httpStatus: 404,
    why: "The registry has no manifest for this reference: the tag (or digest) does not exist, or the repository itself is missing; containerd's 'not found' does not say which.",
  };
}

// Row 24
function pullAccessDenied(v: ErrorView): CueMatch | undefined {
  if (!hasAny(v.lower, ["pull access denied", "repository does not exist or may require"])) return undefined;
  if (v.lower.includes("insufficient_scope")) {
    return {
      code: "EXT_ACCESS_DENIED", confidence: "medium",
      alternatives: [cause("IMG_REPOSITORY_NOT_FOUND", "medium"), cause("EXT_PULL_SECRET_MISSING", "medium")], stage: "auth",
      why: "The registry refused the repository with insufficient_scope: the caller may not pull it, the repository may not exist, or no credential was sent.",
    };
  }
  return {
    code: "IMG_REPOSITORY_NOT_FOUND", confidence: "medium",
    alternatives: [cause("EXT_PULL_SECRET_MISSING", "medium"), cause("EXT_ACCESS_DENIED", "low"), cause("EXT_PULL_SECRET_WRONG_REGISTRY", "low")],
    stage: "auth",
    why: "The registry answers 'pull access denied, repository does not exist or may require authorization': the repository does not exist, or it is private and no usable credential was sent.",
  };
}

function accessDenied(v: ErrorView): CueMatch | undefined {
  const denied = hasAny(v.lower, ["insufficient_scope", "requested access to the resource is denied"]);
  const externalForbidden = v.status === 403 && familyOf(v) === "external";
  if (!denied && !externalForbidden) return undefined;
  if (familyOf(v) === "external") return externalAccessDenied(v);
  return {
    code: "RBAC_PULL_ROLE_MISSING", confidence: "low",
    alternatives: [
      cause("RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", "low"), cause("RBAC_CONDITION_EXCLUDES_REPOSITORY", "low"),
      cause("EXT_ACCESS_DENIED", "low"), cause("NET_FIREWALL_DENIES_CLUSTER", "low"),
    ],
    stage: v.pipelineStage ?? "auth",
    why: "ACR authenticated the caller but denied this repository: the identity lacks a pull role for it (or, on an ABAC-mode registry, a repository role).",
  };
}

function externalAccessDenied(v: ErrorView): CueMatch {
  const match: CueMatch = {
    code: "EXT_ACCESS_DENIED", confidence: "medium",
    alternatives: [cause("EXT_CREDENTIALS_REJECTED", "low"), cause("EXT_PULL_SECRET_MISSING", "low"), cause("IMG_REPOSITORY_NOT_FOUND", "low")],
    stage: v.pipelineStage ?? "auth",
    why: `The registry${v.host ? ` ${v.host}` : ""} denied access to this repository (403/denied).`,
  };
  if (v.status === 403) match.httpStatus = 403;
  return match;
}

// Row 25 (rule 7): check-acr's nested error is an HTTP status from the token exchange.
function tokenExchangeRejected(v: ErrorView): CueMatch | undefined {
  if (!v.lower.includes("rejected token exchange") && !/token exchange endpoint returned error status: 40[13]/.test(v.lower)) return undefined;
  const match: CueMatch = {
    code: "RBAC_PULL_ROLE_MISSING", confidence: "high",
    alternatives: [
      cause("RBAC_SCOPE_MISMATCH", "medium"), cause("RBAC_WRONG_PRINCIPAL", "medium"),
      cause("RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", "medium"), cause("RBAC_CONDITION_EXCLUDES_REPOSITORY", "low"),
      cause("RBAC_DENY_ASSIGNMENT", "low"),
    ],
    stage: "auth",
    why: "check-acr reached the registry and the identity exists, but ACR's token exchange refused it: the kubelet identity has no pull role on this registry.",
  };
  if (v.status !== undefined) match.httpStatus = v.status;
  return match;
}

function pullPermissionCheckFailed(v: ErrorView): CueMatch | undefined {
  if (!v.lower.includes("validating image pull permission: failed")) return undefined;
  return {
    code: "RBAC_PULL_ROLE_MISSING", confidence: "low",
    alternatives: [cause("NET_EGRESS_BLOCKED", "low"), cause("RBAC_SCOPE_MISMATCH", "low"), cause("RBAC_WRONG_PRINCIPAL", "low")],
    stage: "auth",
    why: "check-acr's pull-permission step failed; the nested error on the next line decides between a missing role and a network problem.",
  };
}

// Row 26 (rules 2 and 3)
function unauthorized(v: ErrorView): CueMatch | undefined {
  const l = v.lower;
  const accessTokenError = l.includes("connectivity_access_token_error");
  if (v.status !== 401 && !accessTokenError && !hasAny(l, ["unauthorized", "authentication required"])) return undefined;
  const external = familyOf(v) === "external";
  const base = { stage: "auth" as const, httpStatus: 401 };
  if (v.tokenFetch === "oauth") {
    return external
      ? {
        ...base, code: "EXT_CREDENTIALS_REJECTED", confidence: "medium",
        alternatives: [cause("EXT_TOKEN_EXPIRED", "medium"), cause("EXT_ACCESS_DENIED", "low")],
        why: "containerd presented credentials from a pull secret and the registry rejected them (401 on the oauth token request).",
      }
      : {
        ...base, code: "RBAC_PULL_ROLE_MISSING", confidence: "medium",
        alternatives: [
          cause("SP_SECRET_EXPIRED", "low"), cause("RBAC_WRONG_PRINCIPAL", "low"), cause("RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", "low"),
          cause("MI_NOT_FOUND", "low"), cause("EXT_CREDENTIALS_REJECTED", "low"), cause("RBAC_SCOPE_MISMATCH", "low"),
          cause("CFG_AUTH_AS_ARM_DISABLED", "low"), cause("EXT_TOKEN_EXPIRED", "low"),
        ],
        why: "containerd presented a credential (the kubelet identity's token or a pull-secret password) and ACR rejected it with 401: most often the identity has no AcrPull role on the registry.",
      };
  }
  if (v.tokenFetch === "anonymous") {
    return external
      ? {
        ...base, code: "EXT_PULL_SECRET_MISSING", confidence: "low",
        alternatives: [cause("IMG_REPOSITORY_NOT_FOUND", "low"), cause("EXT_PULL_SECRET_WRONG_REGISTRY", "low"), cause("IMG_TAG_NOT_FOUND", "low")],
        why: "No credential reached containerd (401 on an anonymous token request): the pod has no pull secret for this registry, or the image does not exist.",
      }
      : {
        ...base, code: "RBAC_PULL_ROLE_MISSING", confidence: "low",
        alternatives: [
          cause("IMG_REPOSITORY_NOT_FOUND", "low"), cause("IMG_TAG_NOT_FOUND", "low"), cause("RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", "low"),
          cause("MI_NOT_FOUND", "low"), cause("EXT_PULL_SECRET_MISSING", "low"), cause("CFG_REGISTRY_NOT_FOUND", "low"),
          cause("RBAC_SCOPE_MISMATCH", "low"), cause("RBAC_WRONG_PRINCIPAL", "low"),
        ],
        why: "ACR answered 401 to an anonymous token request: no usable credential reached containerd, or the image name/tag does not exist (AKS always tries an anonymous pull, so a wrong name ends the same way).",
      };
  }
  if (external) {
    return {
      ...base, code: "EXT_PULL_SECRET_MISSING", confidence: "medium",
      alternatives: [
        cause("EXT_CREDENTIALS_REJECTED", "medium"), cause("EXT_TOKEN_EXPIRED", "low"),
        cause("EXT_PULL_SECRET_WRONG_REGISTRY", "low"), cause("IMG_REPOSITORY_NOT_FOUND", "low"),
      ],
      why: "The registry requires authentication and the pull was not authorised; the message does not say whether a pull secret was sent.",
    };
  }
  return {
    ...base, code: "RBAC_PULL_ROLE_MISSING", confidence: accessTokenError ? "low" : "medium",
    alternatives: [
      cause("EXT_PULL_SECRET_MISSING", "low"), cause("EXT_CREDENTIALS_REJECTED", "low"), cause("SP_SECRET_EXPIRED", "low"),
      cause("RBAC_WRONG_PRINCIPAL", "low"), cause("MI_NOT_FOUND", "low"), cause("IMG_REPOSITORY_NOT_FOUND", "low"),
      cause("RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", "low"), cause("RBAC_SCOPE_MISMATCH", "low"),
    ],
    why: "ACR answered 401 (authentication required): the pulling identity has no pull role, or the credential is wrong or missing; the message does not say whether a credential was sent.",
  };
}

// Rule 4 for any remaining ACR 403.
function forbidden(v: ErrorView): CueMatch | undefined {
  if (v.status !== 403) return undefined;
  return {
    code: "NET_FIREWALL_DENIES_CLUSTER", confidence: "medium",
    alternatives: [cause("NET_PUBLIC_ACCESS_DISABLED", "medium"), cause("NET_PRIVATE_DNS_MISCONFIGURED", "low"), cause("RBAC_PULL_ROLE_MISSING", "low")],
    stage: v.pipelineStage ?? "auth", httpStatus: 403,
    why: "ACR answered 403 Forbidden; on ACR a 403 comes from the network rules (firewall or disabled public access), not from role assignments.",
  };
}

// Row 27
function registryServerError(v: ErrorView): CueMatch | undefined {
  const serverStatus = v.status !== undefined && (v.status >= 500 || v.status === 405);
  if (!serverStatus && !hasAny(v.lower, ["internal server error", "bad gateway", "service unavailable", "gateway timeout"])) return undefined;
  const onTokenEndpoint = v.pipelineStage === "auth" && (v.status === 502 || v.status === 504);
  const match: CueMatch = {
    code: "PULL_FAILURE_UNCLASSIFIED", confidence: "medium",
    alternatives: onTokenEndpoint ? [cause("NET_TLS_INTERCEPTED", "low"), cause("NET_EGRESS_BLOCKED", "low")] : [],
    why: `The registry (or a CDN/middlebox in front of it) answered with HTTP ${v.status ?? "5xx"}, a service fault that names no cause; keep the message as evidence and retry.`,
    carriesNoCause: true,
  };
  if (v.status !== undefined) match.httpStatus = v.status;
  if (v.pipelineStage) match.stage = v.pipelineStage;
  return match;
}

// Row 28
function artifactStreaming(v: ErrorView): CueMatch | undefined {
  if (!v.lower.includes("localhost:8578")) return undefined;
  return {
    code: "PULL_FAILURE_UNCLASSIFIED", confidence: "low", alternatives: [], stage: "node",
    why: "The pull went through the ACR artifact-streaming node plugin (localhost:8578), which has no cause code yet.",
  };
}

// Row 30: named failures without a code.
function featureWithoutCode(v: ErrorView): CueMatch | undefined {
  const l = v.lower;
  if (!hasAny(l, ["signaturevalidationfailed", "imageinspecterror", "failed to inspect image", "registryerrorresponse", "docker api responded"])) return undefined;
  return {
    code: "PULL_FAILURE_UNCLASSIFIED", confidence: "low", alternatives: [],
    why: "The message names a failure (signature validation, image inspection, or a service-specific wrapper) that has no cause code.",
  };
}

// ---------------------------------------------------------------------------------------------------------
// Per-record outcome (rules 1, 8, 9)
// ---------------------------------------------------------------------------------------------------------

type RecordOutcome =
  | { kind: "cause"; record: PullRecord; view: ErrorView; match: CueMatch; errorCount: number; errorIndex: number; skippedNoCause: boolean; isPull: boolean }
  | { kind: "unknown-failure"; record: PullRecord; error: string }
  | { kind: "truncated"; record: PullRecord; error: string }
  | { kind: "no-cause"; record: PullRecord }
  | { kind: "pulling"; record: PullRecord }
  | { kind: "success"; record: PullRecord }
  | { kind: "irrelevant"; record: PullRecord };

const PULL_RECORD_MARKERS: readonly string[] = [
  "failed to pull image", "failed pulling image", "pullimage from image service failed", "failed to pull and unpack image",
  "error response from daemon", "rpc error:", "failed to resolve reference", "error pulling image configuration",
  "failed to copy:", "pullimage \"",
];
// Rule 8: lines that only say that something failed.
const NO_CAUSE_MARKERS: readonly string[] = [
  "back-off pulling image", "errimagepull", "imagepullbackoff", "trying and failing to pull image", "error: registryunavailable",
];
// Events of other subsystems that share transport wording with pulls (a probe's "connection refused").
const OTHER_SUBSYSTEM_MARKERS: readonly string[] = [
  "probe failed", "probe errored", "mountvolume", "failedmount", "failedattachvolume", "failedscheduling",
  "unhealthy", "nodenotready", "back-off restarting failed container", "failedkillpod", "failedsync",
];
const SUCCESS_MARKERS: readonly string[] = ["your cluster can pull images from", "successfully pulled image"];
// Phrases that name a pull stage but no cause (containerd pull.go / resolver.go wrapping).
const STAGE_PHRASES: readonly string[] = [
  "failed to pull and unpack image", "failed to resolve reference", "failed to do request", "failed to authorize",
  "failed to copy", "failed to fetch oauth token", "failed to fetch anonymous token", "httpreadseeker", "failed open",
  "error pulling image configuration", "rpc error", "desc =", "error response from daemon",
];
const STAGE_ONLY_SEGMENT = /^(?:(?:get|head|post) "?https?:|"[^"]{0,512}"?$)/;

/** Rule 9: the cut removed the cause when only stage phrases (or an ellipsis) remain. */
function isCutBeforeCause(error: string): boolean {
  const text = error.trim().toLowerCase();
  if (text === "") return true;
  const cut = text.endsWith("…") || text.endsWith("...");
  const parts = text.replace(/(?:…|\.\.\.)$/, "").trim().split(": ");
  return parts.every((part, i) => isStageOnly(part, cut && i === parts.length - 1));
}

function isStageOnly(part: string, cutShort: boolean): boolean {
  const p = part.trim().replace(/[:\s]+$/, "");
  if (p === "" || p.length > 1200 || p.includes(" not found")) return p === "";
  if (STAGE_ONLY_SEGMENT.test(p)) return true;
  // A stage phrase, with its quoted reference, or cut anywhere inside it.
  return STAGE_PHRASES.some((phrase) => p.startsWith(phrase) || (cutShort && phrase.startsWith(p)));
}

function classifyRecord(record: PullRecord): RecordOutcome {
  const isPull = hasAny(record.lower, PULL_RECORD_MARKERS);
  if (!isPull && hasAny(record.rawLower, OTHER_SUBSYSTEM_MARKERS)) return { kind: "irrelevant", record };
  const errors = errorListOf(record.message);
  const recordImage = record.imageHint ?? imageOf(record.message);
  let noCauseFallback: { view: ErrorView; match: CueMatch; index: number } | undefined;
  let skippedNoCause = false;

  for (let i = 0; i < errors.length; i++) {
    const view = buildView(errors[i] ?? "", record, recordImage);
    const match = firstCue(view);
    if (match && !match.carriesNoCause) {
      return { kind: "cause", record, view, match, errorCount: errors.length, errorIndex: i, skippedNoCause, isPull };
    }
    if (match) {
      noCauseFallback ??= { view, match, index: i };
    } else if (!isCutBeforeCause(errors[i] ?? "")) {
      break;
    }
    // Rule 1 exception: a first error without a cause (5xx, or cut short) hands over to the next one.
    skippedNoCause = true;
  }
  if (noCauseFallback) {
    return {
      kind: "cause", record, view: noCauseFallback.view, match: noCauseFallback.match,
      errorCount: errors.length, errorIndex: noCauseFallback.index, skippedNoCause: false, isPull,
    };
  }
  const firstError = errors[0] ?? "";
  if (isPull || PULL_PREFIX.test(record.message)) {
    return isCutBeforeCause(firstError) ? { kind: "truncated", record, error: firstError } : { kind: "unknown-failure", record, error: firstError };
  }
  if (hasAny(record.lower, SUCCESS_MARKERS)) return { kind: "success", record };
  if (hasAny(record.lower, NO_CAUSE_MARKERS) || hasAny(record.rawLower, ["imagepullbackoff", "errimagepull"])) return { kind: "no-cause", record };
  // "Pulling image" says only that a pull started; it is neither a failure nor a cause.
  if (record.lower.includes("pulling image")) return { kind: "pulling", record };
  return { kind: "irrelevant", record };
}

// ---------------------------------------------------------------------------------------------------------
// Row 15: nslookup / dig evidence of a private DNS zone that does not answer
// ---------------------------------------------------------------------------------------------------------

interface DocumentCause { match: CueMatch; host?: string; resolver?: string; firstError: string }

const PRIVATELINK_CNAME =
  /^\s{0,40}([a-z0-9<>._-]{1,253}\.azurecr\.(?:io|cn|us))\.?\s{1,40}(?:canonical name =|(?:\d{1,10}\s{1,10})?IN\s{1,10}CNAME)\s{0,10}([a-z0-9<>._-]{1,253}\.privatelink\.azurecr\.(?:io|cn|us))/i;

function detectPrivateDnsEvidence(text: string): DocumentCause | undefined {
  if (!text.includes(".privatelink.azurecr.")) return undefined;
  let cname: RegExpExecArray | null = null;
  let server: string | undefined;
  let afterName = false;
  const answers: string[] = [];
  for (const line of physicalLines(text)) {
    if (line.length > 4096) continue;
    server ??= /^\s{0,10}Server:\s{0,20}(\d{1,3}(?:\.\d{1,3}){3})/.exec(line)?.[1];
    if (!cname && line.includes(".privatelink.azurecr.")) cname = PRIVATELINK_CNAME.exec(line);
    if (!cname) continue;
    // Only answers after the privatelink CNAME count; the "Address: <server>#53" header comes before it.
    if (/^\s{0,10}Name:\s/.test(line)) afterName = true;
    const nslookupAddress = /^\s{0,10}Address(?:es)?:\s{0,20}([0-9a-f.:]{3,45})\s*$/i.exec(line);
    if (nslookupAddress?.[1] && afterName) answers.push(nslookupAddress[1]);
    const digAddress = /\sIN\s{1,10}A\s{1,10}(\d{1,3}(?:\.\d{1,3}){3})\s*$/.exec(line);
    if (digAddress?.[1]) answers.push(digAddress[1]);
  }
  if (!cname?.[1]) return undefined;
  const publicAnswer = answers.find((ip) => isIpv4(ip) && !isPrivateIpv4(ip));
  if (!publicAnswer) return undefined;
  const host = normaliseHost(cname[1]);
  const result: DocumentCause = {
    host,
    firstError: `${cname[1]} canonical name = ${cname[2] ?? ""} … Address: ${publicAnswer}`,
    match: {
      code: "NET_PRIVATE_DNS_MISCONFIGURED", confidence: "high", alternatives: [cause("NET_PUBLIC_ACCESS_DISABLED", "low")], stage: "dns",
      ip: publicAnswer,
      why: `${host} is a private-link registry, but the resolver returned the public address ${publicAnswer}: the privatelink.azurecr.io zone is not linked to this VNet, lacks the record, or custom DNS bypasses it.`,
      notes: resolverNote(server),
    },
  };
  if (server) result.resolver = server;
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Choosing among records (rule 8) and assembling the answer
// ---------------------------------------------------------------------------------------------------------

// A root-cause line outranks a pull line whose code is only its symptom (e.g. FailedToRetrieveImagePullSecret + 401).
const SYMPTOMS_OF_ROOT: Partial<Record<CauseCode, readonly CauseCode[]>> = (() => {
  const credentialSymptoms: readonly CauseCode[] = ["RBAC_PULL_ROLE_MISSING", "EXT_CREDENTIALS_REJECTED", "PULL_FAILURE_UNCLASSIFIED"];
  return {
    SP_SECRET_EXPIRED: credentialSymptoms, SP_SECRET_INVALID: credentialSymptoms, SP_NOT_FOUND: credentialSymptoms,
    SP_DISABLED: credentialSymptoms, MI_NOT_FOUND: credentialSymptoms,
    EXT_PULL_SECRET_MISSING: [
      "RBAC_PULL_ROLE_MISSING", "IMG_REPOSITORY_NOT_FOUND", "EXT_ACCESS_DENIED", "EXT_CREDENTIALS_REJECTED",
      "EXT_PULL_SECRET_MISSING", "PULL_FAILURE_UNCLASSIFIED",
    ],
    NET_PRIVATE_DNS_MISCONFIGURED: [
      "NET_FIREWALL_DENIES_CLUSTER", "NET_PUBLIC_ACCESS_DISABLED", "NET_EGRESS_BLOCKED", "NET_DNS_FAILURE",
      "NET_DATA_ENDPOINT_BLOCKED", "PULL_FAILURE_UNCLASSIFIED",
    ],
  };
})();

type CauseOutcome = Extract<RecordOutcome, { kind: "cause" }>;

// Lines that name their cause themselves (rule 8: InvalidImageName, ErrImageNeverPull, FailedToRetrieveImagePullSecret).
const SELF_NAMING_CODES: readonly CauseCode[] = ["IMG_INVALID_REFERENCE", "IMG_NEVER_PULL", "EXT_PULL_SECRET_MISSING"];

interface Verdict {
  chosen?: CauseOutcome;
  documentCause?: DocumentCause;
  /** Root cause chosen over the pull line: the pull line's code follows as an alternative. */
  displaced?: CauseOutcome;
  others: CauseOutcome[];
  fallback?: Exclude<RecordOutcome, CauseOutcome>;
  /** Record index of the last successful pull, for rule 10 (a failure followed by success is transient). */
  lastSuccessIndex: number;
}

function isRealCause(o: CauseOutcome): boolean {
  return o.match.code !== "PULL_FAILURE_UNCLASSIFIED";
}

function strongest(outcomes: CauseOutcome[]): CauseOutcome | undefined {
  let best: CauseOutcome | undefined;
  for (const o of outcomes) {
    if (!best || CONFIDENCE_RANK[o.match.confidence] > CONFIDENCE_RANK[best.match.confidence]) best = o;
  }
  return best;
}

function chooseVerdict(outcomes: RecordOutcome[], documentCause: DocumentCause | undefined): Verdict {
  const causes = outcomes.filter((o): o is CauseOutcome => o.kind === "cause");
  const real = causes.filter(isRealCause);
  const pullCause = real.find((o) => o.isPull);
  const rootCause = strongest(real.filter((o) => !o.isPull && SYMPTOMS_OF_ROOT[o.match.code] !== undefined));
  const verdict: Verdict = {
    others: [],
    lastSuccessIndex: outcomes.reduce((last, o) => (o.kind === "success" ? Math.max(last, o.record.index) : last), -1),
  };

  if (documentCause && (!pullCause || SYMPTOMS_OF_ROOT.NET_PRIVATE_DNS_MISCONFIGURED?.includes(pullCause.match.code))) {
    verdict.documentCause = documentCause;
    if (pullCause) verdict.displaced = pullCause;
    verdict.others = real.filter((o) => o !== pullCause);
    return verdict;
  }
  let chosen: CauseOutcome | undefined;
  const unexplainedPull = causes.find((o) => o.isPull);
  const pullFailureSeen = unexplainedPull !== undefined || outcomes.some((o) => o.kind === "unknown-failure" || o.kind === "truncated");
  if (pullCause) {
    const explainedByRoot = rootCause && SYMPTOMS_OF_ROOT[rootCause.match.code]?.includes(pullCause.match.code);
    chosen = explainedByRoot ? rootCause : pullCause;
    if (explainedByRoot) verdict.displaced = pullCause;
  } else if (pullFailureSeen) {
    // Rule 8: the pull line decides; only a root cause or a line that names its own cause outranks it.
    chosen = rootCause ?? real.find((o) => SELF_NAMING_CODES.includes(o.match.code)) ?? unexplainedPull;
    if (chosen !== unexplainedPull && unexplainedPull) verdict.displaced = unexplainedPull;
  } else {
    chosen = strongest(real) ?? causes[0];
  }
  if (chosen) {
    verdict.chosen = chosen;
    verdict.others = real.filter((o) => o !== chosen && o !== verdict.displaced);
    return verdict;
  }
  const order: RecordOutcome["kind"][] = ["unknown-failure", "truncated", "no-cause", "success", "pulling"];
  for (const kind of order) {
    const found = outcomes.find((o) => o.kind === kind);
    if (found && found.kind !== "cause") {
      verdict.fallback = found;
      break;
    }
  }
  return verdict;
}

function rankedCauses(first: ClassifiedCause, groups: ClassifiedCause[][]): ClassifiedCause[] {
  const out: ClassifiedCause[] = [first];
  const seen = new Set<CauseCode>([first.code]);
  for (const group of groups) {
    for (const c of group) {
      if (seen.has(c.code)) continue;
      seen.add(c.code);
      out.push(c);
    }
  }
  return out;
}

/** The `Image:` line of `kubectl describe pod`. */
function describedImageOf(message: string): string | undefined {
  return /^Image:\s{1,40}([^\s]{1,512})$/.exec(message)?.[1];
}

function documentImage(outcomes: RecordOutcome[], describedImage: string | undefined): string | undefined {
  for (const o of outcomes) {
    const image = o.record.imageHint ?? imageOf(o.record.message);
    if (image) return image;
  }
  return describedImage;
}

function assemble(verdict: Verdict, outcomes: RecordOutcome[], describedImage: string | undefined, text: string): Classification {
  const image = verdict.chosen
    ? verdict.chosen.record.imageHint ?? imageOf(verdict.chosen.record.message) ?? documentImage(outcomes, describedImage)
    : documentImage(outcomes, describedImage);
  if (verdict.documentCause) return fromDocumentCause(verdict.documentCause, verdict.displaced, image);
  if (verdict.chosen) return fromCause(verdict.chosen, verdict, image);
  return fromFallback(verdict, image, text);
}

function withImageAndHost(result: Classification, image: string | undefined, host: string | undefined): Classification {
  if (image) result.image = image;
  const h = host ?? (image ? registryHostOfImage(image) : undefined);
  if (h) {
    result.host = h;
    result.hostKind = hostKindOf(h);
  }
  return result;
}

function fromDocumentCause(doc: DocumentCause, displacedPull: CauseOutcome | undefined, image: string | undefined): Classification {
  const displaced = displacedPull ? [cause(displacedPull.match.code, "medium")] : [];
  const result: Classification = {
    causes: rankedCauses(cause(doc.match.code, doc.match.confidence), [displaced, doc.match.alternatives]),
    causeless: false,
    firstError: redact(doc.firstError),
    stage: "dns",
    explanation: redact([doc.match.why, ...(doc.match.notes ?? []).slice(0, 1)].join(" ")),
  };
  if (doc.match.ip) {
    result.ip = doc.match.ip;
    result.privateIp = isPrivateIpv4(doc.match.ip);
  }
  if (doc.resolver) result.resolver = doc.resolver;
  withImageAndHost(result, undefined, doc.host);
  if (image) result.image = image;
  return result;
}

function fromCause(chosen: CauseOutcome, verdict: Verdict, image: string | undefined): Classification {
  const { match, view } = chosen;
  const groups: ClassifiedCause[][] = [];
  if (chosen.skippedNoCause) groups.push([cause("PULL_FAILURE_UNCLASSIFIED", "medium")]);
  if (verdict.displaced) groups.push([cause(verdict.displaced.match.code, "medium")]);
  groups.push(match.alternatives);
  groups.push(verdict.others.map((o) => cause(o.match.code, "low")));
  const result: Classification = {
    causes: rankedCauses(cause(match.code, match.confidence), groups),
    causeless: false,
    firstError: redact(truncate(view.text, MAX_FIRST_ERROR_CHARS)),
    explanation: redact(explanationFor(chosen, verdict)),
  };
  withImageAndHost(result, image, view.host ?? siblingHost(chosen, verdict.others));
  if (view.tokenFetch) result.tokenFetch = view.tokenFetch;
  if (match.httpStatus !== undefined) result.httpStatus = match.httpStatus;
  const ip = match.ip ?? view.dialIp ?? view.clientIp;
  if (ip) {
    result.ip = ip;
    result.privateIp = isPrivateIpv4(ip);
  }
  if (view.resolver) result.resolver = view.resolver;
  const stage = match.stage ?? view.pipelineStage;
  if (stage) result.stage = stage;
  return result;
}

/** az / check-acr print the cause and the registry on different lines; the registry line lends its host. */
function siblingHost(chosen: CauseOutcome, others: CauseOutcome[]): string | undefined {
  return others.find((o) => o.match.code === chosen.match.code && o.view.host !== undefined)?.view.host;
}

/** The rule's sentence plus the single most useful note: the brief asks for one or two sentences. */
function explanationFor(chosen: CauseOutcome, verdict: Verdict): string {
  const notes: string[] = [];
  if (verdict.displaced) notes.push(`The pull error itself (${verdict.displaced.match.code}) is a symptom of this.`);
  if (chosen.skippedNoCause) {
    notes.push("The first error of the list carried no cause (a registry 5xx or a cut message), so the next error decided.");
  }
  notes.push(...(chosen.match.notes ?? []));
  if (verdict.lastSuccessIndex > chosen.record.index) notes.push("A later line shows a successful pull, so this failure was probably transient.");
  const repeat = chosen.record.repeat;
  if (repeat && repeat.count >= 10) notes.push(`The event repeated ${repeat.count} times over ${repeat.span}, so the failure is persistent.`);
  if (chosen.errorCount > 1 && chosen.errorIndex === 0) {
    notes.push(`Only the first of the kubelet's ${chosen.errorCount} per-credential errors counts; the later ones are usually AKS's anonymous retry ending in 401.`);
  }
  if (repeat && repeat.count > 1 && repeat.count < 10) notes.push(`The event repeated ${repeat.count} times over ${repeat.span}.`);
  return notes[0] ? `${chosen.match.why} ${notes[0]}` : chosen.match.why;
}

function fromFallback(verdict: Verdict, image: string | undefined, text: string): Classification {
  const fallback = verdict.fallback;
  const unclassified = (confidence: Confidence): ClassifiedCause[] => [cause("PULL_FAILURE_UNCLASSIFIED", confidence)];
  let result: Classification;
  if (fallback?.kind === "unknown-failure") {
    result = {
      causes: unclassified("medium"), causeless: false,
      firstError: redact(truncate(fallback.error, MAX_FIRST_ERROR_CHARS)),
      explanation: "The pull failed with an error that matches no known cause; keep the raw message as evidence.",
    };
  } else if (fallback?.kind === "truncated") {
    result = {
      causes: unclassified("low"), causeless: true,
      firstError: redact(truncate(fallback.error, MAX_FIRST_ERROR_CHARS)),
      explanation: "The message was cut before the runtime said why the pull failed, so no cause can be read from it.",
    };
  } else if (fallback?.kind === "success") {
    result = {
      causes: unclassified("low"), causeless: false, firstError: "",
      explanation: "The input reports a successful pull (or check-acr says the cluster can pull): it shows no failure.",
    };
  } else if (fallback?.kind === "pulling") {
    result = {
      causes: unclassified("low"), causeless: true, firstError: "",
      explanation: "This only shows that the kubelet started pulling the image; the outcome (the 'Failed to pull image' event, or the kubelet/containerd log) is missing.",
    };
  } else if (fallback?.kind === "no-cause") {
    result = {
      causes: unclassified("low"), causeless: true, firstError: "",
      explanation: "These lines only say that an image pull failed (ErrImagePull / ImagePullBackOff / Back-off), not why; the earlier 'Failed to pull image' event or the kubelet/containerd log names the cause.",
    };
  } else {
    result = {
      causes: unclassified("low"), causeless: false, firstError: "",
      explanation: text.trim() === ""
        ? "The input is empty."
        : "The text matches no known image-pull error.",
    };
  }
  return withImageAndHost(result, image, undefined);
}
