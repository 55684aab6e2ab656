/**
 * All error decoding of the dashboard, in one place: what a failed call means to the person
 * reading the page. A server error carries an ErrorInfo detail (a stable `reason` and facts in
 * `metadata`) and, for bad input, a BadRequest detail naming each field (proto/…/error.proto). The
 * reason picks the sentence shown; each field violation is shown beside the form field it names.
 *
 * The detail schemas are imported here and nowhere else, so moving to google.rpc.ErrorInfo /
 * google.rpc.BadRequest (same field names) changes this one import.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";

/** A failed call, decoded. */
export interface Problem {
  /** The sentence a person reads. */
  readonly message: string;
  /** The server's stable UPPER_SNAKE reason; empty when the server gave none (e.g. no network). */
  readonly reason: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Each bad field as the request names it (`display_name`, `allowed_domains[1]`) → what is wrong. */
  readonly fields: Readonly<Record<string, string>>;
  /** The session is missing or over: the page should offer to sign in again. */
  readonly signedOut: boolean;
  /** The same call may pass if tried again (the server was busy or unreachable); a refusal will not. */
  readonly retryable: boolean;
}

/** Names the dashboard knows and the server's metadata only identifies (FREE_PLAN_ALREADY_USED). */
export interface ProblemContext {
  readonly appName?: (appId: string) => string | undefined;
}

/** A non-2xx answer of one of the plain-HTTP session routes (./session.ts). */
export class HttpRouteError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    description: string,
  ) {
    super(description || `the server answered ${status}`);
    this.name = "HttpRouteError";
  }

  /** From the routes' JSON error body: `{ error, error_description, reason? }`. */
  static from(status: number, body: unknown): HttpRouteError {
    const o = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
    const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : "");
    return new HttpRouteError(status, str("error"), str("reason"), str("error_description"));
  }
}

type Sentence = (metadata: Readonly<Record<string, string>>, context: ProblemContext) => string;

/** What a person reads for each reason the server documents (proto/…/*_service.proto). */
const SENTENCES: Readonly<Record<string, Sentence>> = {
  UNAUTHENTICATED: () => "You are not signed in, or your session has ended. Sign in to continue.",
  INVALID_CREDENTIALS: () => "Your session has ended. Sign in again to continue.",
  PERMISSION_DENIED: () => "You do not have permission to do this.",
  OWNER_REQUIRED: () => "Only an owner of this tenant can do this.",
  PAID_PLAN_NEEDS_OPERATOR: () => "Tenant owners can assign free plans only. Ask an operator to assign a paid plan.",
  OTHER_OWNER_NEEDS_OPERATOR: (m) =>
    `You register tenants for yourself${m.owner_email ? ` (${m.owner_email})` : ""}. Only an operator can register a tenant for someone else.`,
  TENANT_NOT_FOUND: () => "This tenant does not exist, or you are not one of its members.",
  APP_NOT_FOUND: () => "This app does not exist, or it belongs to a tenant you are not a member of.",
  PLAN_NOT_FOUND: () => "That plan does not exist.",
  LICENSE_REGION_NOT_FOUND: () => "That license region does not exist.",
  MEMBER_NOT_FOUND: () => "That person is not a member of this tenant.",
  MEMBER_ALREADY_EXISTS: () => "That person is already a member of this tenant.",
  LAST_OWNER: () => "The last owner cannot be removed. Make someone else an owner first.",
  TENANT_SUSPENDED: () => "This tenant is suspended. Reactivate it instead of activating it.",
  TENANT_PENDING_ACTIVATION: () => "This tenant was never activated. Activate it instead of reactivating it.",
  PLAN_RETIRED: () => "That plan is retired and can no longer be assigned.",
  FREE_PLAN_ALREADY_USED: (m, c) => {
    const name = m.app_id ? c.appName?.(m.app_id) : undefined;
    const holder = name ? `“${name}”` : m.app_id ? `App ${m.app_id}` : "Another app";
    return `${holder} is already on this tenant's free plan. A tenant may have one app on a free plan at a time: move that app to another plan or unassign it first.`;
  },
  UNKNOWN_LICENSE_REGION: (m) =>
    m.valid_codes ? `Unknown license region. Choose one of: ${m.valid_codes.split(",").join(", ")}.` : "Unknown license region.",
  LICENSE_REGION_ALREADY_EXISTS: () => "Another license region already uses this code or alias.",
  OUTBOX_MESSAGE_NOT_FOUND: () => "That e-mail is no longer in the outbox.",
  OUTBOX_MESSAGE_NOT_DEAD: () => "That e-mail is not a dead letter: it is queued or already sent.",
  INVALID_FIELD: () => "Some of what you entered needs fixing.",
  INVALID_PAGE_TOKEN: () => "The list changed while you were paging. Reload the page.",
  SERVER_BUSY: () => "The server is busy. Try again in a moment.",
  UNAVAILABLE: () => "The server cannot reach its database right now. Try again in a moment.",
  INTERNAL: () => "Something went wrong on the server. It has been logged; try again later.",
  TOO_MANY_SIGN_IN_ATTEMPTS: () => "Too many sign-in attempts from here. Wait a minute and try again.",
};

/** For errors with no ErrorInfo: the transport's own failures (no network, a proxy's HTML page). */
const BY_CODE: Partial<Record<Code, string>> = {
  [Code.Unavailable]: "The server cannot be reached. Check your connection and try again.",
  [Code.Unauthenticated]: "You are not signed in, or your session has ended. Sign in to continue.",
  [Code.PermissionDenied]: "You do not have permission to do this.",
  [Code.DeadlineExceeded]: "The server took too long to answer. Try again.",
  [Code.Internal]: "Something went wrong on the server. Try again later.",
  [Code.Unknown]: "The server could not be reached or gave an answer the console does not understand. Try again.",
};

export function toProblem(err: unknown, context: ProblemContext = {}): Problem {
  if (err instanceof HttpRouteError) {
    const signedOut = err.status === 401;
    const sentence = SENTENCES[err.reason];
    return {
      message: sentence ? sentence({}, context) : signedOut ? SENTENCES.UNAUTHENTICATED!({}, context) : err.message,
      reason: err.reason || err.error.toUpperCase(),
      metadata: {},
      fields: {},
      signedOut,
      retryable: err.status >= 500 || err.status === 429,
    };
  }
  const ce = ConnectError.from(err);
  const info = ce.findDetails(ErrorInfoSchema)[0];
  const fields: Record<string, string> = {};
  for (const badRequest of ce.findDetails(BadRequestSchema)) {
    for (const v of badRequest.fieldViolations) {
      // The first problem of a field is the one to fix first.
      if (!(v.field in fields)) fields[v.field] = v.description;
    }
  }
  const reason = info?.reason ?? "";
  const metadata = { ...(info?.metadata ?? {}) };
  const sentence = SENTENCES[reason];
  const message = sentence ? sentence(metadata, context) : info ? ce.rawMessage : (BY_CODE[ce.code] ?? ce.rawMessage);
  return {
    message,
    reason,
    metadata,
    fields,
    signedOut: ce.code === Code.Unauthenticated,
    retryable: RETRYABLE.has(ce.code),
  };
}

const RETRYABLE = new Set([Code.Unavailable, Code.Unknown, Code.Internal, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted]);

/**
 * The field violations no form field shows (`shown` says which paths the form displays), so the
 * alert above the form can list them instead: nothing the server says is lost.
 */
export function unshownFieldMessages(problem: Problem, shown: (field: string) => boolean): string[] {
  return Object.entries(problem.fields)
    .filter(([field]) => !shown(field))
    .map(([, description]) => description);
}

/** What the server says about a list field and its items (`aliases`, `aliases[0]`…), as one text. */
export function listFieldMessage(problem: Problem | null, field: string): string | undefined {
  if (!problem) return undefined;
  const messages = Object.entries(problem.fields)
    .filter(([path]) => isListField(path, field))
    .map(([, description]) => description);
  return messages.length > 0 ? messages.join(" ") : undefined;
}

export function isListField(path: string, field: string): boolean {
  return path === field || (path.startsWith(`${field}[`) && path.endsWith("]"));
}
