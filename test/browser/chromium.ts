// Debian's Chromium driven by playwright-core, shared by the browser tests of the HTML reports.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { repoRoot } from "../paths.js";

export const CHROMIUM = "/usr/bin/chromium";

/** CI must have the browser; a laptop without it gets a loud skip. */
export function requireChromium(t: { skip: (msg: string) => void }, what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package`);
  console.warn(`\n!!! ${CHROMIUM} not found: browser tests of ${what} SKIPPED (apt-get install -y chromium)\n`);
  t.skip(`${CHROMIUM} not found`);
  return false;
}

/** A headless persistent context with no network chatter of its own; `requests` receives every URL the pages ask for. */
export async function launchChromium(requests: string[]): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  // playwright-core is resolved from the repository so that the compiled test runs from dist/
  const { chromium } = createRequire(join(repoRoot(), "package.json"))("playwright-core") as typeof import("playwright-core");
  const userDataDir = mkdtempSync(join(tmpdir(), "pulldoctor-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
  context.on("request", (req) => requests.push(req.url()));
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
