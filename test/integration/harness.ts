// Real servers and real faults for the probe's integration tests: Debian's docker-registry (CNCF distribution),
// dnsmasq, network namespaces with iptables rules, and certificates made with openssl. Everything listens on
// loopback or on addresses inside namespaces these tests create, and everything is torn down afterwards.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes, sign as cryptoSign, createPublicKey, createPrivateKey } from "node:crypto";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Agent, request } from "undici";

// ───────────── prerequisites ─────────────

const TOOL_PACKAGES: Record<string, string> = {
  "docker-registry": "docker-registry", dnsmasq: "dnsmasq-base", ip: "iproute2", iptables: "iptables", openssl: "openssl", htpasswd: "apache2-utils",
};

function onPath(tool: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter).concat(["/usr/sbin", "/sbin"])) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/**
 * Skips the test loudly when a tool (or root, for namespaces and iptables) is missing; in CI a missing
 * prerequisite is a failure, not a skip.
 */
export function requireTools(t: { skip?: (msg: string) => void }, tools: string[], needsRoot = false): boolean {
  const missing = tools.filter((tool) => !onPath(tool));
  const problems = missing.map((m) => `${m} (apt-get install ${TOOL_PACKAGES[m] ?? m})`);
  if (needsRoot && process.getuid?.() !== 0) problems.push("root (network namespaces and iptables)");
  if (problems.length === 0) return true;
  const message = `probe integration test needs: ${problems.join(", ")}`;
  if (process.env.CI === "true") throw new Error(`${message} — CI must install them (.ci/run)`);
  console.warn(`\n!!! ${message}: SKIPPED\n`);
  t.skip?.(message);
  return false;
}

// ───────────── cleanup ─────────────

export class Cleanup {
  private readonly tasks: (() => Promise<void> | void)[] = [];
  add(task: () => Promise<void> | void): void {
    this.tasks.push(task);
  }
  async run(): Promise<void> {
    while (this.tasks.length > 0) {
      const task = this.tasks.pop();
      try {
        await task?.();
      } catch (e) {
        console.warn(`cleanup step failed: ${(e as Error).message}`);
      }
    }
  }
}

/** Last-resort teardown if the test process exits without running its hooks (killed runner, uncaught error). */
function onProcessExit(cleanup: Cleanup, fn: () => void): void {
  const handler = () => {
    try {
      fn();
    } catch {
      // already gone
    }
  };
  process.once("exit", handler);
  cleanup.add(() => {
    process.removeListener("exit", handler);
  });
}

export function tempDir(cleanup: Cleanup, prefix = "pulldoctor-probe-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// ───────────── certificates ─────────────

export interface Pki {
  caCert: string;
  caKey: string;
  /** paths */
  caCertFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  tokenCertFile: string;
  tokenKeyFile: string;
  tokenKeyPem: string;
  /** libtrust key id of the token signing key, as distribution expects in the JWT `kid` */
  tokenKid: string;
  /** a server certificate from a CA nobody trusts (the "intercepting proxy") */
  rogueCertFile: string;
  rogueKeyFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** distribution's libtrust key id: base32 of the first 240 bits of sha256(DER SPKI), in groups of 4. */
export function libtrustKeyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  const digest = createHash("sha256").update(der).digest().subarray(0, 30);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const byte of digest) bits += byte.toString(2).padStart(8, "0");
  let b32 = "";
  for (let i = 0; i < bits.length; i += 5) b32 += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
  return b32.match(/.{4}/g)?.join(":") ?? b32;
}

export function makePki(dir: string, dnsNames: string[], ips: string[]): Pki {
  const san = [...dnsNames.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)].join(",");
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=pulldoctor test CA"], dir);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=registry.test"], dir);
  writeFileSync(join(dir, "ext.cnf"), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf"], dir);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key", "-out", "token.crt", "-days", "2", "-subj", "/CN=pulldoctor test token issuer"], dir);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue-ca.key", "-out", "rogue-ca.crt", "-days", "2", "-subj", "/CN=Contoso TLS Inspection CA/O=Contoso Firewall"], dir);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.csr", "-subj", "/CN=intercepted"], dir);
  openssl(["x509", "-req", "-in", "rogue.csr", "-CA", "rogue-ca.crt", "-CAkey", "rogue-ca.key", "-CAcreateserial", "-out", "rogue.crt", "-days", "2", "-extfile", "ext.cnf"], dir);
  const tokenKeyPem = readFileSync(join(dir, "token.key"), "utf8");
  return {
    caCert: readFileSync(join(dir, "ca.crt"), "utf8"),
    caKey: readFileSync(join(dir, "ca.key"), "utf8"),
    caCertFile: join(dir, "ca.crt"),
    serverCertFile: join(dir, "server.crt"),
    serverKeyFile: join(dir, "server.key"),
    tokenCertFile: join(dir, "token.crt"),
    tokenKeyFile: join(dir, "token.key"),
    tokenKeyPem,
    tokenKid: libtrustKeyId(createPublicKey(createPrivateKey(tokenKeyPem)).export({ type: "spki", format: "pem" }).toString()),
    rogueCertFile: join(dir, "rogue.crt"),
    rogueKeyFile: join(dir, "rogue.key"),
  };
}

// ───────────── processes ─────────────

export function startProcess(cleanup: Cleanup, command: string, args: string[], opts: { netns?: string; logFile?: string } = {}): ChildProcess {
  const [cmd, argv] = opts.netns ? ["ip", ["netns", "exec", opts.netns, command, ...args]] : [command, args];
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-20000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("exit", () => {
    if (opts.logFile) writeFileSync(opts.logFile, log);
  });
  (child as ChildProcess & { log: () => string }).log = () => log;
  onProcessExit(cleanup, () => child.kill("SIGKILL"));
  cleanup.add(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return child;
}

export function processLog(child: ChildProcess): string {
  return (child as ChildProcess & { log?: () => string }).log?.() ?? "";
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10000, child?: ChildProcess): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`${what}: process exited (${child.exitCode}): ${processLog(child).slice(-2000)}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up in ${timeoutMs} ms${child ? `: ${processLog(child).slice(-2000)}` : ""}`);
}

// ───────────── the registry ─────────────

export interface RegistryOptions {
  dir: string;
  /** host:port to listen on */
  addr: string;
  pki: Pki;
  auth: { htpasswd: { file: string } } | { token: { realm: string; service: string; issuer: string } };
  /** distribution's redirect storage middleware: blobs answer 307 to this base URL */
  redirectBaseUrl?: string;
  netns?: string;
  storageDir?: string;
}

export async function startRegistry(cleanup: Cleanup, o: RegistryOptions): Promise<{ storageDir: string; child: ChildProcess }> {
  const storageDir = o.storageDir ?? join(o.dir, "storage");
  const auth = "htpasswd" in o.auth
    ? `  htpasswd:\n    realm: pulldoctor-test\n    path: ${o.auth.htpasswd.file}\n`
    : `  token:\n    realm: ${o.auth.token.realm}\n    service: ${o.auth.token.service}\n    issuer: ${o.auth.token.issuer}\n    rootcertbundle: ${o.pki.tokenCertFile}\n`;
  const middleware = o.redirectBaseUrl ? `middleware:\n  storage:\n    - name: redirect\n      options:\n        baseurl: ${o.redirectBaseUrl}\n` : "";
  const config = `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${o.addr}
  secret: pulldoctor-test-http-secret
  tls:
    certificate: ${o.pki.serverCertFile}
    key: ${o.pki.serverKeyFile}
auth:
${auth}${middleware}`;
  const configFile = join(o.dir, `registry-${o.addr.replace(/[^0-9a-z]/gi, "_")}.yml`);
  writeFileSync(configFile, config);
  const child = startProcess(cleanup, "docker-registry", ["serve", configFile], { ...(o.netns ? { netns: o.netns } : {}) });
  const [host, port] = [o.addr.slice(0, o.addr.lastIndexOf(":")), Number(o.addr.slice(o.addr.lastIndexOf(":") + 1))];
  const agent = new Agent({ connect: { ca: o.pki.caCert, checkServerIdentity: () => undefined } });
  cleanup.add(() => agent.close());
  await waitFor(`docker-registry on ${o.addr}`, async () => {
    const r = await request(`https://${host}:${port}/v2/`, { dispatcher: agent, signal: AbortSignal.timeout(1000) });
    await r.body.dump();
    return r.statusCode === 401 || r.statusCode === 200;
  }, 15000, child);
  return { storageDir, child };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

export function htpasswdFile(dir: string, users: Record<string, string>): string {
  const file = join(dir, "htpasswd");
  writeFileSync(file, "");
  for (const [user, password] of Object.entries(users)) execFileSync("htpasswd", ["-Bb", file, user, password], { stdio: "ignore" });
  return file;
}

// ───────────── pushing images over the distribution API ─────────────

export interface PushTarget {
  baseUrl: string;
  agent: Agent;
  authorization: (repository: string) => Promise<string>;
}

function digestOf(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

async function pushBlob(p: PushTarget, repository: string, data: Buffer): Promise<string> {
  const digest = digestOf(data);
  const auth = await p.authorization(repository);
  const start = await request(`${p.baseUrl}/v2/${repository}/blobs/uploads/`, { method: "POST", headers: { authorization: auth }, dispatcher: p.agent });
  await start.body.dump();
  if (start.statusCode !== 202) throw new Error(`blob upload start returned ${start.statusCode}`);
  const location = new URL(String(start.headers.location), p.baseUrl);
  location.searchParams.set("digest", digest);
  const put = await request(location.toString(), { method: "PUT", headers: { authorization: auth, "content-type": "application/octet-stream" }, body: data, dispatcher: p.agent });
  const body = await put.body.text();
  if (put.statusCode !== 201) throw new Error(`blob upload returned ${put.statusCode}: ${body}`);
  return digest;
}

async function putManifest(p: PushTarget, repository: string, reference: string, mediaType: string, manifest: unknown): Promise<{ digest: string; size: number }> {
  const data = Buffer.from(JSON.stringify(manifest));
  const r = await request(`${p.baseUrl}/v2/${repository}/manifests/${reference}`, {
    method: "PUT", headers: { authorization: await p.authorization(repository), "content-type": mediaType }, body: data, dispatcher: p.agent,
  });
  const body = await r.body.text();
  if (r.statusCode !== 201) throw new Error(`manifest PUT returned ${r.statusCode}: ${body}`);
  return { digest: digestOf(data), size: data.length };
}

/** Pushes a single-platform OCI image (config + one layer) under `tag`. */
export async function pushImage(p: PushTarget, repository: string, tag: string, platform = { os: "linux", architecture: "amd64" }): Promise<{ digest: string; size: number }> {
  const config = Buffer.from(JSON.stringify({ ...platform, rootfs: { type: "layers", diff_ids: [] }, config: {} }));
  const layer = randomBytes(2048);
  const configDigest = await pushBlob(p, repository, config);
  const layerDigest = await pushBlob(p, repository, layer);
  return putManifest(p, repository, tag, "application/vnd.oci.image.manifest.v1+json", {
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.length }],
  });
}

/** Pushes one image per platform and an OCI index of them under `tag`. */
export async function pushIndex(p: PushTarget, repository: string, tag: string, platforms: { os: string; architecture: string; variant?: string }[]): Promise<void> {
  const manifests = [];
  for (const [i, platform] of platforms.entries()) {
    const m = await pushImage(p, repository, `${tag}-p${i}`, platform);
    manifests.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: m.digest, size: m.size, platform });
  }
  await putManifest(p, repository, tag, "application/vnd.oci.image.index.v1+json", { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests });
}

// ───────────── an ACR-style token service, IMDS and Entra ─────────────

export const ARM = "https://management.azure.com/";
export const ACR = "https://containerregistry.azure.net";

export interface TokenPolicy {
  /** Basic users of the Docker token flow */
  users: Record<string, string>;
  /** actions granted to a subject (username or identity client id) on a repository */
  grants: (subject: string, repository: string) => string[];
  /** subjects the token server answers 403 DENIED for (like a scope-map or network denial) */
  denied?: Set<string>;
  /** ACR's azureADAuthenticationAsArmPolicy: disabled refuses ARM-audience Entra tokens at /oauth2/exchange */
  armAudienceDisabled?: boolean;
  /** managed identities IMDS knows (client ids) */
  identities: Set<string>;
  /** service principals Entra knows: app id -> secret */
  servicePrincipals: Record<string, string>;
}

export interface TokenService {
  url: string;
  imdsUrl: string;
  issuer: string;
  /** every credential the service handed out, for the secrecy test */
  issued: string[];
  policy: TokenPolicy;
}

function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString("base64url");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startTokenService(cleanup: Cleanup, pki: Pki, service: string, policy: TokenPolicy): Promise<TokenService> {
  const issuer = "pulldoctor-test-issuer";
  const issued: string[] = [];
  const jwt = (claims: Record<string, unknown>): string => {
    const header = b64url({ alg: "RS256", typ: "JWT", kid: pki.tokenKid });
    const now = Math.floor(Date.now() / 1000);
    const payload = b64url({ iss: issuer, nbf: now - 60, iat: now, exp: now + 600, jti: randomBytes(8).toString("hex"), ...claims });
    const signature = cryptoSign("RSA-SHA256", Buffer.from(`${header}.${payload}`), pki.tokenKeyPem).toString("base64url");
    const token = `${header}.${payload}.${signature}`;
    issued.push(token);
    return token;
  };
  const claimsOf = (token: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const registryToken = (res: ServerResponse, subject: string, scope: string | null, asAccessToken: boolean) => {
    if (policy.denied?.has(subject)) return send(res, 403, { errors: [{ code: "DENIED", message: `requested access to the resource is denied for ${subject}` }] });
    const access = [];
    const m = /^repository:([^:]+):(.+)$/.exec(scope ?? "");
    if (m?.[1]) {
      const requested = (m[2] ?? "").split(",");
      const granted = policy.grants(subject, m[1]).filter((a) => requested.includes(a) || a === "*");
      // Like ACR and Docker Hub: a scope the caller may not have yields a token with no actions, not an error.
      access.push({ type: "repository", name: m[1], actions: granted });
    }
    const token = jwt({ sub: subject, aud: service, access });
    send(res, 200, asAccessToken ? { access_token: token } : { token, access_token: token });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "https://token.test");
    const body = req.method === "POST" ? await readBody(req) : "";
    const form = new URLSearchParams(body);
    if (url.pathname === "/oauth2/token" && req.method === "GET") {
      // Docker token flow, anonymous or Basic
      const auth = req.headers.authorization ?? "";
      let subject = "anonymous";
      if (auth.startsWith("Basic ")) {
        const [user, ...rest] = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":");
        if (!user || policy.users[user] === undefined || policy.users[user] !== rest.join(":")) return send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] });
        subject = user;
      }
      return registryToken(res, subject, url.searchParams.get("scope"), false);
    }
    if (url.pathname === "/oauth2/exchange" && req.method === "POST") {
      const claims = claimsOf(form.get("access_token") ?? "");
      if (!claims || typeof claims.appid !== "string") return send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "invalid access token" }] });
      if (claims.aud === ARM && policy.armAudienceDisabled) {
        return send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "Azure AD authentication as ARM is disabled for this registry" }] });
      }
      if (claims.aud !== ARM && claims.aud !== ACR) return send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "wrong audience" }] });
      return send(res, 200, { refresh_token: jwt({ sub: claims.appid, aud: service, grant_type: "refresh_token" }) });
    }
    if (url.pathname === "/oauth2/token" && req.method === "POST") {
      const claims = claimsOf(form.get("refresh_token") ?? "");
      if (!claims || typeof claims.sub !== "string") return send(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "invalid refresh token" }] });
      return registryToken(res, claims.sub, form.get("scope"), true);
    }
    // Entra v2 client-credentials endpoint: /<tenant>/oauth2/v2.0/token
    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname) && req.method === "POST") {
      const appId = form.get("client_id") ?? "";
      const expected = policy.servicePrincipals[appId];
      if (expected === undefined) return send(res, 400, { error: "unauthorized_client", error_description: `AADSTS700016: Application with identifier '${appId}' was not found in the directory.` });
      if (expected !== form.get("client_secret")) return send(res, 401, { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." });
      const aud = (form.get("scope") ?? "").replace(/\/\.default$/, "");
      return send(res, 200, { token_type: "Bearer", expires_in: 3599, access_token: jwt({ aud: aud === ARM.replace(/\/$/, "") ? ARM : aud, appid: appId, tid: "tenant" }) });
    }
    send(res, 404, { error: "not found" });
  };

  const server = createHttpsServer({ cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile) }, (req, res) => void handler(req, res));
  const imds: Server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://imds.test");
    if (req.headers.metadata !== "true") return send(res, 400, { error: "invalid_request", error_description: "Required metadata header not specified" });
    const clientId = url.searchParams.get("client_id") ?? "";
    if (!policy.identities.has(clientId)) return send(res, 400, { error: "invalid_request", error_description: "Identity not found" });
    const resource = url.searchParams.get("resource") ?? "";
    send(res, 200, { access_token: jwt({ aud: resource, appid: clientId, tid: "tenant" }), expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource, token_type: "Bearer" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => imds.listen(0, "127.0.0.1", r));
  cleanup.add(() => new Promise<void>((r) => server.close(() => r())));
  cleanup.add(() => new Promise<void>((r) => imds.close(() => r())));
  server.closeIdleConnections?.();
  cleanup.add(() => {
    server.closeAllConnections();
    imds.closeAllConnections();
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    imdsUrl: `http://127.0.0.1:${(imds.address() as AddressInfo).port}/metadata/identity/oauth2/token`,
    issuer, issued, policy,
  };
}

// ───────────── dnsmasq ─────────────

export interface DnsmasqOptions {
  hostRecords?: Record<string, string>;
  nxdomain?: string[];
  cnames?: [string, string][];
  /** forward every name to this upstream (ip#port) */
  upstream?: string;
  /** validate DNSSEC: names from an unsigned upstream then fail with SERVFAIL */
  dnssec?: boolean;
}

export async function startDnsmasq(cleanup: Cleanup, dir: string, o: DnsmasqOptions): Promise<string> {
  const port = await freePort();
  const args = [
    "--keep-in-foreground", `--port=${port}`, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
    "--conf-file=/dev/null", `--pid-file=${join(dir, `dnsmasq-${port}.pid`)}`, "--user=root",
  ];
  // no cache, so every test sees the server's current answer (DNSSEC needs its cache for validation)
  if (!o.dnssec) args.push("--cache-size=0");
  for (const [name, ip] of Object.entries(o.hostRecords ?? {})) args.push(`--host-record=${name},${ip}`);
  for (const name of o.nxdomain ?? []) args.push(`--address=/${name}/`);
  for (const [alias, target] of o.cnames ?? []) args.push(`--cname=${alias},${target}`);
  if (o.upstream) args.push(`--server=${o.upstream}`);
  // a trust anchor for the root that no unsigned upstream can satisfy: validation fails, the answer is SERVFAIL
  if (o.dnssec) args.push("--dnssec", "--dnssec-check-unsigned", "--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D");
  const child = startProcess(cleanup, "dnsmasq", args);
  const { promises: dns } = await import("node:dns");
  await waitFor(`dnsmasq on 127.0.0.1:${port}`, async () => {
    const r = new dns.Resolver({ timeout: 300, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    try {
      await r.resolve4("pulldoctor-readiness.invalid");
      return true;
    } catch (e) {
      return ["ENOTFOUND", "EREFUSED", "ESERVFAIL", "ENODATA"].includes((e as { code?: string }).code ?? "");
    }
  }, 5000, child);
  return `127.0.0.1:${port}`;
}

// ───────────── network namespaces and iptables ─────────────

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

export interface Namespace {
  name: string;
  /** address inside the namespace per /30 */
  addresses: string[];
}

/**
 * A namespace with `pairs` veth pairs, each in its own /30 inside 10.200.<third>.0/24 (host .1/.5/..., namespace
 * .2/.6/...). `third` and the interface names derive from the pid, so concurrent test runs never collide.
 * Traffic to the namespace addresses only ever reaches this namespace.
 */
export function createNamespace(cleanup: Cleanup, pairs: number): Namespace {
  const id = process.pid % 100000;
  const name = `pdprobe${id}`;
  const third = 1 + (process.pid % 250);
  run("ip", ["netns", "add", name]);
  cleanup.add(() => run("ip", ["netns", "del", name]));
  onProcessExit(cleanup, () => run("ip", ["netns", "del", name]));
  run("ip", ["-n", name, "link", "set", "lo", "up"]);
  const addresses: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const host = `pd${id}h${i}`;
    const peer = `pd${id}n${i}`;
    run("ip", ["link", "add", host, "type", "veth", "peer", "name", peer]);
    cleanup.add(() => run("ip", ["link", "del", host]));
    onProcessExit(cleanup, () => run("ip", ["link", "del", host]));
    run("ip", ["link", "set", peer, "netns", name]);
    run("ip", ["addr", "add", `10.200.${third}.${4 * i + 1}/30`, "dev", host]);
    run("ip", ["link", "set", host, "up"]);
    run("ip", ["-n", name, "addr", "add", `10.200.${third}.${4 * i + 2}/30`, "dev", peer]);
    run("ip", ["-n", name, "link", "set", peer, "up"]);
    addresses.push(`10.200.${third}.${4 * i + 2}`);
  }
  return { name, addresses };
}

/** An OUTPUT rule on the host for traffic to `address:443`; the returned function (and cleanup) removes it once. */
export function blockAddress(cleanup: Cleanup, address: string, how: "DROP" | "REJECT"): () => void {
  const rule = ["OUTPUT", "-d", `${address}/32`, "-p", "tcp", "--dport", "443", "-j", how, ...(how === "REJECT" ? ["--reject-with", "tcp-reset"] : [])];
  run("iptables", ["-I", ...rule]);
  let removed = false;
  const unblock = () => {
    if (removed) return;
    removed = true;
    run("iptables", ["-D", ...rule]);
  };
  cleanup.add(unblock);
  onProcessExit(cleanup, unblock);
  return unblock;
}

/** A static HTTPS file server inside a namespace: the "data endpoint" the registry redirects blobs to. */
export function startFileServer(cleanup: Cleanup, netns: string, address: string, root: string, pki: Pki): ChildProcess {
  const code = `
const https = require("node:https"); const fs = require("node:fs"); const path = require("node:path");
const [cert, key, root, addr] = process.argv.slice(1);
https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
  const file = path.join(root, decodeURIComponent(new URL(req.url, "https://x").pathname));
  if (!file.startsWith(root)) { res.writeHead(403); return res.end(); }
  fs.readFile(file, (err, data) => { if (err) { res.writeHead(404); return res.end(); } res.writeHead(200, { "content-type": "application/octet-stream" }); res.end(data); });
}).listen(443, addr);`;
  return startProcess(cleanup, process.execPath, ["-e", code, pki.serverCertFile, pki.serverKeyFile, root, address], { netns });
}
