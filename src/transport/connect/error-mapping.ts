/**
 * The one place that turns errors into what Connect, gRPC and gRPC-Web callers see: a canonical
 * code, a message that says what to fix, and the standard details `google.rpc.ErrorInfo` (+
 * `google.rpc.BadRequest` for field problems), which every gRPC ecosystem decodes (AIP-193;
 * docs/architecture.md). A database that cannot be reached (src/db/database-errors.ts) is
 * UNAVAILABLE `DATABASE_UNAVAILABLE` with metadata `retry_after` (seconds) and a
 * `google.rpc.RetryInfo` (AIP-194: retry after that delay). Anything else that is not a
 * DomainError becomes INTERNAL with a generic message; its cause is logged, never sent.
 */
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { asDatabaseUnavailable } from "../../db/database-errors.js";
import { DomainError, type ErrorKind } from "../../domain/errors.js";
import { QueueFullError } from "../../lib/concurrency-limit.js";
import {
  BadRequest_FieldViolationSchema,
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "../../../gen/ts/google/rpc/error_details_pb.js";

type OutgoingDetail = ReturnType<typeof errorInfo> | ReturnType<typeof badRequest> | ReturnType<typeof retryInfo>;

export const ERROR_DOMAIN = "controlplane.trueparser.com";

export const CONNECT_CODE_OF: Readonly<Record<ErrorKind, Code>> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  permission_denied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/** Reason sent with errors that Connect itself raised (decoding, size limits, timeouts). */
const REASON_OF_CODE: Partial<Record<Code, string>> = {
  [Code.InvalidArgument]: "INVALID_REQUEST",
  [Code.ResourceExhausted]: "MESSAGE_TOO_LARGE",
  [Code.Unimplemented]: "NOT_IMPLEMENTED",
  [Code.DeadlineExceeded]: "DEADLINE_EXCEEDED",
  [Code.Canceled]: "CANCELED",
  [Code.Unavailable]: "UNAVAILABLE",
};

/**
 * What connect itself answers INTERNAL when a request message cannot be decoded: protobuf that
 * does not parse, and a compressed envelope without an encoding. That follows gRPC's convention
 * for undecodable messages (grpc-go answers INTERNAL too) and is the client's doing, not ours: it
 * is passed on as connect wrote it, never logged as our error. Connect answers unary calls so
 * without our help; a server-streaming call's message is decoded inside the interceptors, so its
 * error reaches toConnectError. The wire fuzzer (test/fuzz) allows exactly these.
 */
export const CONNECT_DECODING_ERRORS: readonly RegExp[] = [/^parse binary: /, /^received compressed envelope, but do not know how to decompress$/];

export function errorInfo(reason: string, metadata: Readonly<Record<string, string>> = {}) {
  return { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata }) };
}

function retryInfo(seconds: number) {
  return { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(seconds * 1000) }) };
}

function badRequest(violations: DomainError["violations"]) {
  return {
    desc: BadRequestSchema,
    value: create(BadRequestSchema, {
      fieldViolations: violations.map(({ field, description, reason }) =>
        create(BadRequest_FieldViolationSchema, { field, description, reason }),
      ),
    }),
  };
}

export function toConnectError(err: unknown, logger: Logger, where: string): ConnectError {
  err = asDatabaseUnavailable(err) ?? err;
  if (err instanceof DomainError) {
    const details: OutgoingDetail[] = [errorInfo(err.reason, err.metadata)];
    if (err.violations.length > 0) details.push(badRequest(err.violations));
    const retryAfter = Number(err.metadata.retry_after);
    if (err.kind === "unavailable" && retryAfter > 0) {
      details.push(retryInfo(retryAfter));
      // Connect answers carry it as an HTTP header too (gRPC, as a trailer).
      return new ConnectError(err.message, Code.Unavailable, { "retry-after": String(retryAfter) }, details);
    }
    return new ConnectError(err.message, CONNECT_CODE_OF[err.kind], undefined, details);
  }
  if (err instanceof QueueFullError) {
    return new ConnectError("the server is busy; retry with backoff", Code.ResourceExhausted, undefined, [
      errorInfo("SERVER_BUSY"),
    ]);
  }
  if (err instanceof ConnectError) {
    if (err.code === Code.Internal && CONNECT_DECODING_ERRORS.some((re) => re.test(err.rawMessage))) {
      return new ConnectError(err.rawMessage, Code.Internal, err.metadata, [errorInfo("MALFORMED_MESSAGE")]);
    }
    if (err.code === Code.Internal || err.code === Code.Unknown) return internal(err, logger, where);
    if (err.details.length > 0) return err;
    return new ConnectError(err.rawMessage, err.code, err.metadata, [
      errorInfo(REASON_OF_CODE[err.code] ?? "ERROR"),
    ]);
  }
  return internal(err, logger, where);
}

/** The ErrorInfo reason a mapped error carries, if any. */
export function errorReason(err: ConnectError): string | undefined {
  const info = err.details[0];
  return info && "value" in info ? (info.value as { reason?: string }).reason : undefined;
}

function internal(err: unknown, logger: Logger, where: string): ConnectError {
  logger.error({ err, rpc: where }, "internal error");
  return new ConnectError("internal error; it has been logged", Code.Internal, undefined, [errorInfo("INTERNAL")]);
}
