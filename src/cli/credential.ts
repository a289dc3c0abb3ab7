// The Azure credential and trusted CAs shared by live `diagnose` and live `audit`, in a module light enough to import
// without the ARM SDKs or the Kubernetes client.
import { readFileSync } from "node:fs";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { UsageError } from "./errors.js";

/**
 * The SDKs build one HTTPS agent per client from these settings; a prebuilt secure context (a standard Node TLS
 * option, spread into each agent) spares parsing ~150 root certificates once per client.
 */
export type TrustSettings = { ca: string[]; secureContext: SecureContext };

/** Extra CA for the sandbox (or a TLS-inspecting proxy), added to the system CAs: never a global TLS switch-off. */
export function trustedCas(env: NodeJS.ProcessEnv): string[] | undefined {
  const file = env.PULLDOCTOR_CA_FILE;
  if (!file) return undefined;
  try {
    return [...rootCertificates, readFileSync(file, "utf8")];
  } catch (e) {
    throw new UsageError(`PULLDOCTOR_CA_FILE ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

export function trustSettings(ca: string[] | undefined): TrustSettings | undefined {
  return ca ? { ca, secureContext: createSecureContext({ ca }) } : undefined;
}

export function buildCredential(env: NodeJS.ProcessEnv, trust: TrustSettings | undefined): TokenCredential {
  const authorityHost = env.PULLDOCTOR_AUTHORITY_HOST;
  const tlsOptions = trust ? { tlsOptions: trust } : {};
  if (authorityHost && env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET) {
    // a non-Microsoft authority (the sandbox): no instance discovery against login.microsoftonline.com
    return new ClientSecretCredential(env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET, { authorityHost, disableInstanceDiscovery: true, ...tlsOptions });
  }
  return new DefaultAzureCredential({ ...(authorityHost ? { authorityHost } : {}), ...tlsOptions });
}
