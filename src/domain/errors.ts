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

/**
 * Every reason a DomainError may carry: the stable strings clients switch on (documented per RPC
 * in the proto comments). Adding one is a contract change; renaming one breaks clients.
 */
export type ErrorReason =
  // input
  | "INVALID_FIELD"
  | "INVALID_PAGE_TOKEN"
  | "INVALID_SCOPE"
  | "REQUEST_ID_REUSED"
  // not found (cross-tenant reads answer these too)
  | "TENANT_NOT_FOUND"
  | "APP_NOT_FOUND"
  | "PLAN_NOT_FOUND"
  | "LICENSE_REGION_NOT_FOUND"
  | "MEMBER_NOT_FOUND"
  | "SESSION_NOT_FOUND"
  | "OUTBOX_MESSAGE_NOT_FOUND"
  | "SECRET_NOT_FOUND"
  | "KEY_NOT_FOUND"
  // conflicts and preconditions
  | "MEMBER_ALREADY_EXISTS"
  | "LICENSE_REGION_ALREADY_EXISTS"
  | "LAST_OWNER"
  | "TENANT_SUSPENDED"
  | "TENANT_PENDING_ACTIVATION"
  | "PLAN_RETIRED"
  | "FREE_PLAN_ALREADY_USED"
  | "UNKNOWN_LICENSE_REGION"
  | "OUTBOX_MESSAGE_NOT_DEAD"
  | "NO_SIGNING_KEY"
  | "REQUEST_SECRET_EXPIRED"
  | "TOO_MANY_SECRETS"
  | "TOO_MANY_KEYS"
  | "LAST_CREDENTIAL"
  | "KEY_ALREADY_EXISTS"
  // who may do what
  | "OWNER_REQUIRED"
  | "PAID_PLAN_NEEDS_OPERATOR"
  | "OTHER_OWNER_NEEDS_OPERATOR"
  // client authentication and issuance
  | "INVALID_CLIENT"
  | "TOO_MANY_FAILED_ATTEMPTS"
  | "APP_DISABLED"
  | "TENANT_NOT_ACTIVE"
  | "LICENSE_REGION_MISSING"
  | "DATABASE_CODE_MISSING"
  | "ORIGIN_NOT_ALLOWED"
  // the service cannot answer now; retry (metadata `retry_after`, seconds)
  | "DATABASE_UNAVAILABLE";

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
    readonly reason: ErrorReason,
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

export function notFound(reason: ErrorReason, message: string, metadata: Record<string, string> = {}): DomainError {
  return new DomainError("not_found", reason, message, metadata);
}

export function failedPrecondition(
  reason: ErrorReason,
  message: string,
  metadata: Record<string, string> = {},
): DomainError {
  return new DomainError("failed_precondition", reason, message, metadata);
}
