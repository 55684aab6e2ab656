/**
 * Structured JSON logs (pino). Anything that could hold a secret is redacted by path, whatever
 * the caller logs.
 */
import { pino, type Logger, type DestinationStream } from "pino";
import type { LogLevel } from "../config.js";

export const REDACTED_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "cookie",
  "*.cookie",
  "token",
  "*.token",
  "client_secret",
  "*.client_secret",
  "clientSecret",
  "*.clientSecret",
  "secret",
  "*.secret",
  "password",
  "*.password",
  "operatorToken",
  "*.operatorToken",
  "access_token",
  "*.access_token",
  // A private_key_jwt client assertion is a credential until its exp.
  "client_assertion",
  "*.client_assertion",
  "clientAssertion",
  "*.clientAssertion",
  // Database errors carry the statement's parameters (hashes, tokens, verifiers).
  "err.params",
  "err.parameters",
  "err.bindings",
  "*.err.params",
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "trueparser-control-plane", pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };
