/**
 * trueparser-cp: the operators' command-line tool, built on the TypeScript client (src/client).
 *
 *   trueparser-cp [--url URL] [--token TOKEN] [--json] <group> <command> [args] [options]
 *   trueparser-cp [--url URL] [--token TOKEN] call Service.Method ['{json}' | -]
 *
 * Curated verbs for the common tasks (one file per service: *-commands.ts) and `call` (call.ts)
 * for every RPC of the contract.
 *
 * Exit codes: 0 success · 1 unexpected error · 2 bad usage or INVALID_ARGUMENT · 3 NOT_FOUND ·
 * 4 UNAUTHENTICATED or PERMISSION_DENIED · 5 FAILED_PRECONDITION or ALREADY_EXISTS ·
 * 6 server unreachable or UNAVAILABLE.
 */
import { parseArgs } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { createControlPlaneClient } from "../client/index.js";
import { apps, regions } from "./app-commands.js";
import { call, describeRpcs } from "./call.js";
import { UsageError, type Command, type CommandGroup, type Io } from "./command.js";
import { errorDetails } from "./error-details.js";
import { keys } from "./key-commands.js";
import { outbox } from "./outbox-commands.js";
import { plans } from "./plan-commands.js";
import { audit, members, tenants } from "./tenant-commands.js";

export type { Io } from "./command.js";

export const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, denied: 4, conflict: 5, unavailable: 6 } as const;

const COMMANDS: Record<string, CommandGroup> = { tenants, members, audit, apps, regions, plans, keys, outbox };

const TOKEN_HINT = "set TRUEPARSER_OPERATOR_TOKEN (or OPERATOR_TOKEN) in the environment, or pass --token TOKEN";

function help(group?: string): string {
  const commands: Command[] =
    group === "call" ? [call] : group && COMMANDS[group] ? Object.values(COMMANDS[group]!) : [...Object.values(COMMANDS).flatMap((c) => Object.values(c)), call];
  return [
    "Usage: trueparser-cp [--url URL] [--token TOKEN] [--json] <group> <command> [args]",
    "",
    "Commands:",
    ...commands.map((c) => `  trueparser-cp ${c.usage}`),
    ...(group === "call" ? ["", "RPCs (Service.Method; the request is the RPC's proto JSON, e.g. '{\"planId\": \"…\"}'):", describeRpcs()] : []),
    "",
    "Options:",
    "  --url URL      control plane address (env TRUEPARSER_URL; default http://localhost:8080)",
    "  --token TOKEN  operator token (env TRUEPARSER_OPERATOR_TOKEN, then OPERATOR_TOKEN)",
    "  --json         print proto JSON instead of tables (call always prints JSON)",
    "  --request-id UUID  on create verbs: the request's idempotency key (default: a random one). A",
    "                 command repeated with the same one within 24 hours gets the first answer and",
    "                 creates nothing twice; it is printed when a create's outcome is unknown",
    "  --help         this help (also after a group: trueparser-cp apps --help, trueparser-cp call --help)",
    "",
    "Exit codes: 0 ok, 1 error, 2 bad usage or input, 3 not found, 4 not authenticated or allowed,",
    "            5 precondition failed or conflict, 6 server unreachable",
    "",
  ].join("\n");
}

function exitCodeOf(err: ConnectError): number {
  switch (err.code) {
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return EXIT.usage;
    case Code.NotFound:
      return EXIT.notFound;
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return EXIT.denied;
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
    case Code.Aborted:
      return EXIT.conflict;
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return EXIT.unavailable;
    default:
      return EXIT.error;
  }
}

/** Runs one invocation; returns the exit code. `env` and `io` are injectable for tests. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        state: { type: "string" },
        all: { type: "boolean", default: false },
        name: { type: "string" },
        owner: { type: "string" },
        units: { type: "string" },
        free: { type: "boolean", default: false },
        tenant: { type: "string" },
        region: { type: "string" },
        domains: { type: "string" },
        remove: { type: "boolean", default: false },
        role: { type: "string" },
        limit: { type: "string" },
        aliases: { type: "string" },
        "database-code": { type: "string" },
        alg: { type: "string" },
        "request-id": { type: "string" },
        jwk: { type: "string" },
        "jwk-file": { type: "string" },
        lifetime: { type: "string" },
        default: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${help()}`);
    return EXIT.usage;
  }
  const [group, name, ...rest] = parsed.positionals;
  if (parsed.values.help || !group) {
    (group || parsed.values.help ? io.out : io.err)(help(group));
    return parsed.values.help ? EXIT.ok : EXIT.usage;
  }
  // `call` takes the RPC's name where other groups take a command name.
  const command = group === "call" ? call : COMMANDS[group]?.[name ?? ""];
  const args = group === "call" ? (name === undefined ? [] : [name, ...rest]) : rest;
  if (!command) {
    io.err(`unknown command: ${[group, name].filter(Boolean).join(" ")}\n\n${help(COMMANDS[group] ? group : undefined)}`);
    return EXIT.usage;
  }
  const token = parsed.values.token || env.TRUEPARSER_OPERATOR_TOKEN || env.OPERATOR_TOKEN || undefined;
  const cp = createControlPlaneClient({ baseUrl: parsed.values.url ?? env.TRUEPARSER_URL ?? "http://localhost:8080", token });
  try {
    await command.run({ cp, json: parsed.values.json, args, opts: parsed.values, io });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\nusage: trueparser-cp ${command.usage}\n`);
      return EXIT.usage;
    }
    if (err instanceof ConnectError) {
      const { reason, fieldViolations } = errorDetails(err);
      const unreachable = err.code === Code.Unavailable && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(String(err.cause ?? err.message));
      // Anonymous calls are allowed (IssueToken, the health check), so a missing token is only
      // worth a word when the server asked for credentials.
      const hint = err.code === Code.Unauthenticated && token === undefined ? `no operator token: ${TOKEN_HINT}` : undefined;
      if (parsed.values.json || group === "call") {
        const body = { code: Code[err.code], reason, message: err.rawMessage, ...(fieldViolations.length ? { fieldViolations } : {}), ...(hint ? { hint } : {}) };
        io.err(JSON.stringify(body) + "\n");
      } else {
        io.err(`error: ${err.rawMessage}${reason ? ` (${reason})` : ""}\n${hint ? `${hint}\n` : ""}`);
      }
      return unreachable ? EXIT.unavailable : exitCodeOf(err);
    }
    io.err(`error: ${(err as Error).message}\n`);
    return EXIT.error;
  }
}
