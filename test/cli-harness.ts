import { run } from "../src/cli/main.js";

export interface CliResult { code: number; stdout: string; stderr: string }

/** Run the CLI entry point in-process, exactly as the bin does, capturing its output. */
export async function runCli(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    stdin: async () => opts.stdin ?? "",
    isTTY: false,
    env: opts.env ?? { NO_COLOR: "1" },
  });
  return { code, stdout, stderr };
}
