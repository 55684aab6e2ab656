/** Runs the operators' CLI in-process against a test server, capturing stdout and stderr. */
import { runCli } from "../../src/cli/main.js";
import { OPERATOR_TOKEN, type TestServer } from "./server.js";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `env` replaces the default (the server's URL and the operator token); `stdin` feeds `call … -`. */
export function cliFor(server: TestServer, defaults: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
  return async (...argv: string[]): Promise<CliRun> => {
    let out = "";
    let err = "";
    const env = defaults.env ?? { TRUEPARSER_URL: server.url, TRUEPARSER_OPERATOR_TOKEN: OPERATOR_TOKEN };
    const code = await runCli(argv, env, {
      out: (t) => (out += t),
      err: (t) => (err += t),
      ...(defaults.stdin !== undefined ? { readStdin: async () => defaults.stdin! } : {}),
    });
    return { code, out, err };
  };
}
