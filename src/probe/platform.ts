// The platform this process runs on, in OCI terms (what the node's runtime matches an image index against).

import { arch as osArch, platform as osPlatform, release } from "node:os";
import type { NodePlatform } from "../clients/oci.js";

const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

export function currentPlatform(): NodePlatform {
  const os = osPlatform() === "win32" ? "windows" : osPlatform();
  const architecture = ARCH[osArch()] ?? osArch();
  const p: NodePlatform = { os, architecture };
  if (architecture === "arm64") p.variant = "v8";
  if (architecture === "arm") p.variant = `v${process.config.variables && "arm_version" in process.config.variables ? String((process.config.variables as Record<string, unknown>).arm_version) : "7"}`;
  // Windows containers must match the host build (10.0.<build>), which os.release() reports.
  if (os === "windows") p.osVersion = release();
  return p;
}

/** `linux/arm64/v8` or `windows/amd64` (+ `--os-version 10.0.20348`). */
export function parsePlatform(text: string, osVersion?: string): NodePlatform | undefined {
  const parts = text.trim().toLowerCase().split("/");
  const [os, architecture, variant] = parts;
  if (!os || !architecture || parts.length > 3) return undefined;
  const p: NodePlatform = { os, architecture: ARCH[architecture] ?? architecture };
  if (variant) p.variant = variant;
  if (osVersion) p.osVersion = osVersion;
  return p;
}
