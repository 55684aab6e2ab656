/**
 * The one place the CLI reads an error's details: the stable reason (ErrorInfo) and the fields
 * to fix (BadRequest). Which messages carry them is decided by the contract (docs/architecture.md,
 * "Errors"); a change of detail types changes the import below and nothing else.
 */
import type { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../client/index.js";

export interface ErrorDetails {
  readonly reason: string | undefined;
  readonly fieldViolations: ReadonlyArray<{ field: string; description: string }>;
}

export function errorDetails(err: ConnectError): ErrorDetails {
  return {
    reason: err.findDetails(ErrorInfoSchema)[0]?.reason,
    fieldViolations: err.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations.map(({ field, description }) => ({ field, description }))),
  };
}
