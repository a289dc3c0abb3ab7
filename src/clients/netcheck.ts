// Network checks the probe runs before any HTTP: DNS (with the CNAME chain, so a private-link answer can be told
// from a public one), a TCP connect and a verified TLS handshake, each bounded by its own timeout.

import { promises as dnsPromises } from "node:dns";
import { isIP, Socket, type LookupFunction } from "node:net";
import { connect as tlsConnect, checkServerIdentity, type PeerCertificate } from "node:tls";

export interface ResolveOptions {
  /** DNS servers (`ip` or `ip:port`); empty or absent means the system's resolver (hosts file included) */
  servers?: string[];
  timeoutMs: number;
  /** fixed answers, like curl's --resolve: host -> address */
  overrides?: Map<string, string>;
}

export type DnsFailureKind = "nxdomain" | "servfail" | "timeout" | "refused" | "nodata" | "other";

export interface DnsAnswer {
  addresses: string[];
  /** the CNAME chain from the asked name, e.g. [x.privatelink.azurecr.io, ...] */
  cnames: string[];
  /** every address is RFC 1918 (or loopback/link-local) */
  privateAnswer: boolean;
  /** a `privatelink.` name appears in the chain: the registry is meant to be reached over a private endpoint */
  privatelink: boolean;
  /** how the answer was obtained */
  via: "resolver" | "system" | "override" | "literal";
  servers?: string[];
}

export type DnsResult = { ok: true; value: DnsAnswer } | { ok: false; kind: DnsFailureKind; code: string; message: string; cnames: string[] };

const MAX_CNAME_HOPS = 8;

export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split(".").map(Number);
    return a === 10 || a === 127 || (a === 172 && b !== undefined && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b !== undefined && b >= 64 && b <= 127);
  }
  const lower = ip.toLowerCase();
  return lower === "::1" || lower.startsWith("fc") || lower.startsWith("fd") || lower.startsWith("fe80");
}

function dnsFailure(e: unknown, cnames: string[]): DnsResult {
  const code = codeOf(e);
  const kinds: Record<string, DnsFailureKind> = {
    ENOTFOUND: "nxdomain", ESERVFAIL: "servfail", ETIMEOUT: "timeout", ECONNREFUSED: "refused", ENODATA: "nodata", EAI_AGAIN: "timeout", EREFUSED: "refused",
  };
  const kind = kinds[code] ?? "other";
  const words: Record<DnsFailureKind, string> = {
    nxdomain: "no such host (NXDOMAIN)", servfail: "the DNS server failed (SERVFAIL)", timeout: "the DNS server did not answer in time",
    refused: "the DNS server refused the query", nodata: "the name has no A/AAAA record", other: `DNS lookup failed (${code})`,
  };
  return { ok: false, kind, code, message: words[kind], cnames };
}

function answerOf(addresses: string[], cnames: string[], via: DnsAnswer["via"], servers?: string[]): DnsResult {
  return {
    ok: true,
    value: {
      addresses, cnames, via,
      privateAnswer: addresses.length > 0 && addresses.every(isPrivateAddress),
      privatelink: cnames.some((c) => c.toLowerCase().includes(".privatelink.")),
      ...(servers ? { servers } : {}),
    },
  };
}

class DnsLookupError extends Error {
  constructor(readonly code: string, readonly cnames: string[]) {
    super(code);
  }
}

function codeOf(e: unknown): string {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "EUNKNOWN";
}

/**
 * Follows the CNAME chain one hop at a time (the stub resolver hides it), then asks for A and AAAA records.
 * A server that will not answer the CNAME question (REFUSED, NODATA) just ends the walk: the A query decides.
 */
async function resolveWith(resolver: dnsPromises.Resolver, host: string): Promise<{ addresses: string[]; cnames: string[] }> {
  const cnames: string[] = [];
  let name = host;
  for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    let next: string[];
    try {
      next = await resolver.resolveCname(name);
    } catch {
      break;
    }
    if (!next[0]) break;
    name = next[0];
    cnames.push(name);
  }
  let v4: string[] = [];
  try {
    v4 = await resolver.resolve4(name);
  } catch (e) {
    if (codeOf(e) !== "ENODATA") throw new DnsLookupError(codeOf(e), cnames);
  }
  const v6 = v4.length > 0 ? [] : await resolver.resolve6(name).catch(() => [] as string[]);
  const addresses = [...v4, ...v6];
  if (addresses.length === 0) throw new DnsLookupError("ENODATA", cnames);
  return { addresses, cnames };
}

export async function resolveHost(host: string, options: ResolveOptions): Promise<DnsResult> {
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isIP(bare)) return answerOf([bare], [], "literal");
  const override = options.overrides?.get(bare.toLowerCase());
  if (override) return answerOf([override], [], "override");
  const resolver = new dnsPromises.Resolver({ timeout: options.timeoutMs, tries: 1 });
  const servers = options.servers?.filter((s) => s !== "") ?? [];
  if (servers.length > 0) {
    try {
      resolver.setServers(servers);
    } catch (e) {
      return { ok: false, kind: "other", code: "EBADSERVER", message: `invalid DNS server: ${(e as Error).message}`, cnames: [] };
    }
    try {
      const { addresses, cnames } = await withDeadline(resolveWith(resolver, bare), options.timeoutMs * 3);
      return answerOf(addresses, cnames, "resolver", servers);
    } catch (e) {
      return dnsFailure(e, e instanceof DnsLookupError ? e.cnames : []);
    }
  }
  // System resolver: the kubelet's view, hosts file included. The chain is best effort from the same servers.
  try {
    const found = await withDeadline(dnsPromises.lookup(bare, { all: true }), options.timeoutMs);
    const addresses = found.map((f) => f.address);
    let cnames: string[] = [];
    try {
      cnames = (await withDeadline(resolveWith(resolver, bare), options.timeoutMs)).cnames;
    } catch {
      // the hosts file answered, or the resolver hides the chain: addresses are enough
    }
    return answerOf(addresses, cnames, "system");
  } catch (e) {
    return dnsFailure(e, []);
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DnsLookupError("ETIMEOUT", [])), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** A `lookup` for sockets and undici that answers from a probe's DNS result, so HTTP goes where DNS said. */
export function fixedLookup(answers: Map<string, string>, fallback?: LookupFunction): LookupFunction {
  return ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === "function" ? options : callback) as (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;
    const opts = (typeof options === "object" && options !== null ? options : {}) as { all?: boolean };
    const address = answers.get(hostname.toLowerCase()) ?? (isIP(hostname) ? hostname : undefined);
    if (address) {
      const family = isIP(address) === 6 ? 6 : 4;
      if (opts.all) cb(null, [{ address, family }]);
      else cb(null, address, family);
      return;
    }
    if (fallback) {
      (fallback as (h: string, o: unknown, c: unknown) => void)(hostname, opts, cb);
      return;
    }
    cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), opts.all ? [] : "", 4);
  }) as LookupFunction;
}

// ───────────── TCP ─────────────

export type ConnectFailureKind = "timeout" | "refused" | "unreachable" | "reset" | "other";
export type TcpResult = { ok: true; durationMs: number } | { ok: false; kind: ConnectFailureKind; code: string; message: string };

function connectFailure(code: string): TcpResult {
  const kind: ConnectFailureKind =
    code === "ETIMEDOUT" ? "timeout" : code === "ECONNREFUSED" ? "refused" : code === "EHOSTUNREACH" || code === "ENETUNREACH" ? "unreachable" : code === "ECONNRESET" ? "reset" : "other";
  const words: Record<ConnectFailureKind, string> = {
    timeout: "no answer to the TCP connect (packets dropped: firewall, NSG or route)",
    refused: "connection refused (TCP reset, or ICMP port unreachable from a firewall)",
    unreachable: "no route to the address",
    reset: "connection reset",
    other: `connect failed (${code})`,
  };
  return { ok: false, kind, code, message: words[kind] };
}

export function tcpConnect(address: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = new Socket();
    let settled = false;
    const done = (r: TcpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => done({ ok: false, kind: "timeout", code: "ABORTED", message: "the probe's overall --timeout was reached" });
    const timer = setTimeout(() => done(connectFailure("ETIMEDOUT")), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => done({ ok: true, durationMs: Math.round(performance.now() - started) }));
    socket.once("error", (e: NodeJS.ErrnoException) => done(connectFailure(e.code ?? "EUNKNOWN")));
    socket.connect({ host: address, port });
  });
}

// ───────────── TLS ─────────────

export interface CertSummary {
  subject?: string;
  issuer?: string;
  validTo?: string;
  fingerprint256?: string;
}

export type TlsResult =
  | { ok: true; protocol?: string; certificate: CertSummary }
  | { ok: false; kind: "verify" | "handshake" | "timeout"; code: string; message: string; certificate?: CertSummary };

function dn(part: unknown): string | undefined {
  if (typeof part !== "object" || part === null) return undefined;
  const o = part as Record<string, unknown>;
  const names = ["CN", "O", "OU", "C"].flatMap((k) => (typeof o[k] === "string" ? [`${k}=${o[k] as string}`] : []));
  return names.length > 0 ? names.join(", ") : undefined;
}

export function summariseCertificate(cert: PeerCertificate | undefined): CertSummary | undefined {
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const s: CertSummary = {};
  const subject = dn(cert.subject);
  const issuer = dn(cert.issuer);
  if (subject) s.subject = subject;
  if (issuer) s.issuer = issuer;
  if (cert.valid_to) s.validTo = cert.valid_to;
  if (cert.fingerprint256) s.fingerprint256 = cert.fingerprint256;
  return s;
}

/**
 * A TLS handshake with full verification (chain and name). The handshake itself runs without rejecting, so that on
 * a verification failure the presented certificate's issuer can be reported: it usually names the TLS-inspecting
 * proxy (Zscaler, Palo Alto, Fortinet...).
 */
export function tlsCheck(
  address: string,
  port: number,
  servername: string,
  options: { ca?: string | Buffer | (string | Buffer)[]; timeoutMs: number; signal?: AbortSignal },
): Promise<TlsResult> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = tlsConnect({
      host: address, port, servername: isIP(servername) ? undefined : servername, rejectUnauthorized: false,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ALPNProtocols: ["http/1.1"],
    });
    const done = (r: TlsResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => done({ ok: false, kind: "timeout", code: "ABORTED", message: "the probe's overall --timeout was reached" });
    const timer = setTimeout(() => done({ ok: false, kind: "timeout", code: "ETIMEDOUT", message: "TLS handshake timeout" }), options.timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("secureConnect", () => {
      const peer = socket.getPeerCertificate(false);
      const certificate = summariseCertificate(peer) ?? {};
      if (!socket.authorized) {
        const code = typeof socket.authorizationError === "string" ? socket.authorizationError : (socket.authorizationError as { code?: string } | undefined)?.code ?? String(socket.authorizationError);
        done({ ok: false, kind: "verify", code, message: `certificate not trusted (${code})${certificate.issuer ? `, issued by ${certificate.issuer}` : ""}`, certificate });
        return;
      }
      const nameError = checkServerIdentity(servername, peer);
      if (nameError) {
        done({ ok: false, kind: "verify", code: "ERR_TLS_CERT_ALTNAME_INVALID", message: `certificate is not valid for ${servername}${certificate.issuer ? ` (issued by ${certificate.issuer})` : ""}`, certificate });
        return;
      }
      done({ ok: true, certificate, ...(socket.getProtocol() ? { protocol: socket.getProtocol() ?? undefined } : {}) });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      const code = e.code ?? "EUNKNOWN";
      if (code === "ECONNRESET" || code === "EPIPE") done({ ok: false, kind: "handshake", code, message: "the connection was reset during the TLS handshake (a firewall that filters on SNI does this)" });
      else done({ ok: false, kind: "handshake", code, message: `TLS handshake failed: ${e.message.split("\n")[0] ?? code}` });
    });
  });
}
