/**
 * Domain errors: a closed set of kinds (each maps to one gRPC code and one OAuth error, in
 * src/transport/*) and a stable UPPER_SNAKE reason that clients switch on.
 */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "permission_denied"
  | "unauthenticated"
  | "resource_exhausted"
  | "unavailable";

export interface FieldViolation {
  /** Request field path in snake_case, e.g. `owner_email` or `allowed_domains[2]`. */
  readonly field: string;
  /** What is wrong and what to send instead. */
  readonly description: string;
  /** Stable UPPER_SNAKE identifier of the problem (REQUIRED, TOO_LONG, MALFORMED, …). */
  readonly reason: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly reason: string,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
    readonly violations: readonly FieldViolation[] = [],
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** INVALID_ARGUMENT naming every bad field; the message lists them all. */
export function invalidFields(violations: readonly FieldViolation[]): DomainError {
  const message = violations.map((v) => v.description).join("; ");
  const fields = violations.map((v) => v.field).join(",");
  return new DomainError("invalid_argument", "INVALID_FIELD", message, { fields }, violations);
}

export function notFound(reason: string, message: string, metadata: Record<string, string> = {}): DomainError {
  return new DomainError("not_found", reason, message, metadata);
}

export function failedPrecondition(
  reason: string,
  message: string,
  metadata: Record<string, string> = {},
): DomainError {
  return new DomainError("failed_precondition", reason, message, metadata);
}
