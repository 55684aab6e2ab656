/**
 * knex's own messages (it would print them as plain text) as JSON log lines. A failed attempt to
 * connect is reported by knex once per query; the outage itself is logged once by
 * DatabaseAvailability (docs/reliability.md), so those go to debug, without their stack.
 */
import { inspect } from "node:util";
import type { Knex } from "knex";
import { pino, type Logger } from "pino";

export function knexLog(logger: Logger | undefined): Knex.Config["log"] {
  const log = (logger ?? pino({ level: "warn" })).child({ component: "knex" });
  const text = (message: unknown) => (typeof message === "string" ? message : inspect(message, { depth: 3 }));
  const firstLine = (message: unknown) => text(message).split("\n")[0]!.slice(0, 500);
  const noise = (message: unknown) => /^(Acquire connection error|Connection Error): /.test(text(message));
  return {
    warn: (m: unknown) => (noise(m) ? log.debug({ detail: firstLine(m) }, "knex: connection failed") : log.warn({ detail: text(m) }, "knex warning")),
    error: (m: unknown) => log.error({ detail: text(m) }, "knex error"),
    deprecate: (m: unknown) => log.warn({ detail: text(m) }, "knex deprecation"),
    debug: (m: unknown) => log.debug({ detail: text(m) }, "knex debug"),
  };
}
