/**
 * Retries without duplicates (AIP-155 `request_id`): the rules deciding what a request that
 * carries an idempotency key gets — its first answer again, a refusal, or a first run. Pure:
 * the caller passes what was recorded and the time (docs/architecture.md, "Retries without
 * duplicates").
 */
import { createHash } from "node:crypto";
import { DomainError, failedPrecondition } from "./errors.js";
import { UUID, type Violations } from "./validation.js";

/** How long a request id is honoured: a retry within this time gets the first answer. */
export const REQUEST_ID_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How long a first answer's secret is kept (encrypted) for a retry; then it is erased. */
export const REQUEST_SECRET_RETENTION_MS = 10 * 60 * 1000;

/** `request_id`: empty (no idempotency) or a UUID in any case, lower-cased so both spellings are one key. */
export function checkRequestId(v: Violations, value: string): string | undefined {
  if (value === "") return undefined;
  const id = value.toLowerCase();
  if (!UUID.test(id)) {
    v.add("request_id", "MALFORMED", "request_id must be a UUID such as 3f2a9c4e-8b1d-4e6f-a7c2-5d9e0b1f2a3c (a random one per request), or empty");
    return undefined;
  }
  return id;
}

/**
 * What identifies "the same request": SHA-256 of its canonical bytes (the deterministic binary
 * protobuf of the request without its request_id), so a retry matches whatever the protocol or
 * JSON spelling it came in, and a changed field does not.
 */
export function requestFingerprint(canonical: Uint8Array): Uint8Array {
  return createHash("sha256").update(canonical).digest();
}

/** What was recorded for a (caller, method, request_id), as the rules need it. */
export interface RecordedRequest {
  readonly fingerprint: Uint8Array;
  readonly createTime: Date;
  /** The first answer carried a secret (CreateApp, RegenerateAppSecret, …). */
  readonly carriesSecret: boolean;
  /** The encrypted secret is still stored (the sweeper has not erased it yet). */
  readonly secretStored: boolean;
}

export type ReplayDecision =
  /** Nothing (still) recorded: carry the request out. `replacesExpired`: a row past retention is in the way. */
  | { readonly kind: "run"; readonly replacesExpired: boolean }
  /** Answer with the recorded first answer, its secret included when it carried one. */
  | { readonly kind: "replay" }
  /** Refuse; `eraseSecret` when the stored secret's time is over and it is still there. */
  | { readonly kind: "refuse"; readonly error: DomainError; readonly eraseSecret: boolean };

export function decideReplay(
  recorded: RecordedRequest | undefined,
  request: { readonly requestId: string; readonly method: string; readonly fingerprint: Uint8Array },
  now: Date,
): ReplayDecision {
  if (!recorded) return { kind: "run", replacesExpired: false };
  const age = now.getTime() - recorded.createTime.getTime();
  if (age >= REQUEST_ID_RETENTION_MS) return { kind: "run", replacesExpired: true };
  if (!sameBytes(recorded.fingerprint, request.fingerprint)) {
    return { kind: "refuse", error: requestIdReused(request.requestId, request.method), eraseSecret: false };
  }
  if (!recorded.carriesSecret) return { kind: "replay" };
  const secretTimeOver = age >= REQUEST_SECRET_RETENTION_MS;
  if (!secretTimeOver && recorded.secretStored) return { kind: "replay" };
  return { kind: "refuse", error: requestSecretExpired(request.requestId), eraseSecret: recorded.secretStored };
}

/**
 * Where the sweeper cuts, consistent with decideReplay: a secret recorded at or before
 * `secretsUpTo` can no longer be shown (erase it), a row recorded at or before `requestsUpTo` no
 * longer counts (delete it).
 */
export function retentionCutoffs(now: Date): { readonly secretsUpTo: Date; readonly requestsUpTo: Date } {
  return {
    secretsUpTo: new Date(now.getTime() - REQUEST_SECRET_RETENTION_MS),
    requestsUpTo: new Date(now.getTime() - REQUEST_ID_RETENTION_MS),
  };
}

/** The first answer's secret cannot be read back (erased, or sealed under another key-encryption key). */
export function requestSecretExpired(requestId: string): DomainError {
  return failedPrecondition(
    "REQUEST_SECRET_EXPIRED",
    `the first answer to request_id ${requestId} carried a secret, which can no longer be shown ` +
      `(it is kept ${REQUEST_SECRET_RETENTION_MS / 60_000} minutes for retries, then erased); ` +
      "if it was lost, regenerate it (RegenerateAppSecret)",
    { request_id: requestId },
  );
}

function requestIdReused(requestId: string, method: string): DomainError {
  const name = method.slice(method.lastIndexOf("/") + 1);
  return new DomainError(
    "invalid_argument",
    "REQUEST_ID_REUSED",
    `request_id ${requestId} was already used for a different ${name} request; ` +
      "repeat that request unchanged to get its answer, or send a new request_id for a new request",
    { request_id: requestId },
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
