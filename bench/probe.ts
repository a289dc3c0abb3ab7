// Benchmark: `pulldoctor probe` against a healthy distribution registry on loopback (htpasswd auth, one image).
// Target: the whole probe (DNS override, TCP, TLS, /v2/, auth, manifest, blob) under 1 s.
// Needs docker-registry, openssl and apache2-utils. Run: node dist/bench/probe.js

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent } from "undici";
import { basicAuth, Cleanup, freePort, htpasswdFile, makePki, pushImage, requireTools, startRegistry, tempDir } from "../test/integration/harness.js";
import { runProbeCli } from "../test/integration/probe-helpers.js";

const cleanup = new Cleanup();
try {
  if (!requireTools({}, ["docker-registry", "openssl", "htpasswd"])) process.exit(0);
  const dir = tempDir(cleanup);
  const pki = makePki(dir, ["registry.bench.test"], ["127.0.0.1"]);
  const port = await freePort();
  await startRegistry(cleanup, { dir, addr: `127.0.0.1:${port}`, pki, auth: { htpasswd: { file: htpasswdFile(dir, { bench: "bench-Pa55word" }) } } });
  const agent = new Agent({ connect: { ca: pki.caCert, checkServerIdentity: () => undefined } });
  cleanup.add(() => agent.close());
  await pushImage({ baseUrl: `https://127.0.0.1:${port}`, agent, authorization: async () => basicAuth("bench", "bench-Pa55word") }, "bench/app", "1.0");
  const secret = join(dir, "pull-secret.json");
  writeFileSync(secret, JSON.stringify({ auths: { [`registry.bench.test:${port}`]: { username: "bench", password: "bench-Pa55word" } } }));
  const args = ["--image", `registry.bench.test:${port}/bench/app:1.0`, "--resolve", "registry.bench.test:127.0.0.1", "--ca-file", pki.caCertFile, "--pull-secret", secret, "--no-identity", "--format", "json"];
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    const run = await runProbeCli(args);
    times.push(performance.now() - started);
    if (run.code !== 0) throw new Error(`the probe failed: ${run.stdout.slice(0, 2000)}`);
  }
  const [first, ...warm] = times;
  const median = [...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)] ?? 0;
  console.log(`probe of a healthy loopback registry: first run ${first?.toFixed(0)} ms, median of ${warm.length} more ${median.toFixed(0)} ms (target < 1000 ms)`);
} finally {
  await cleanup.run();
}
