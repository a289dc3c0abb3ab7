// A throwaway CA and a 127.0.0.1/localhost server certificate, made with the system's `openssl` at sandbox start.
// Clients trust the CA through their normal TLS options (PULLDOCTOR_CA_FILE, kubeconfig certificate-authority-data);
// nothing disables certificate checks.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SandboxCerts {
  dir: string;
  caFile: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split("\n")[0] ?? "";
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(missing ? "the sandbox needs the `openssl` command (apt-get install openssl)" : `openssl ${args[0]} failed: ${stderr}`);
  }
}

export function makeCerts(): SandboxCerts {
  const dir = mkdtempSync(join(tmpdir(), "pulldoctor-sandbox-"));
  // P-256 keys: fast to generate, accepted by Node, kubectl and MSAL's HTTP stack
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], dir);
  openssl(["req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "2", "-subj", "/CN=pulldoctor sandbox CA", "-out", "ca.crt"], dir);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key"], dir);
  openssl(["req", "-new", "-key", "server.key", "-subj", "/CN=127.0.0.1", "-out", "server.csr"], dir);
  writeFileSync(
    join(dir, "ext.cnf"),
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-sha256", "-extfile", "ext.cnf", "-out", "server.crt"], dir);
  return {
    dir,
    caFile: join(dir, "ca.crt"),
    caPem: readFileSync(join(dir, "ca.crt"), "utf8"),
    certPem: readFileSync(join(dir, "server.crt"), "utf8"),
    keyPem: readFileSync(join(dir, "server.key"), "utf8"),
  };
}
