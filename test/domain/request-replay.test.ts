/** The rules of retries without duplicates (src/domain/request-replay.ts), at their boundaries. */
import { describe, expect, it } from "vitest";
import {
  checkRequestId,
  decideReplay,
  REQUEST_ID_RETENTION_MS,
  REQUEST_SECRET_RETENTION_MS,
  requestFingerprint,
  retentionCutoffs,
  type RecordedRequest,
} from "../../src/domain/request-replay.js";
import { DomainError } from "../../src/domain/errors.js";
import { Violations } from "../../src/domain/validation.js";

const t0 = new Date("2026-01-15T10:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const fp = requestFingerprint(new TextEncoder().encode("the request"));
const request = { requestId: "3f2a9c4e-8b1d-4e6f-a7c2-5d9e0b1f2a3c", method: "trueparser.controlplane.v1.AppService/CreateApp", fingerprint: fp };
const recorded = (over: Partial<RecordedRequest> = {}): RecordedRequest => ({
  fingerprint: fp,
  createTime: t0,
  carriesSecret: true,
  secretStored: true,
  ...over,
});

function refusal(d: ReturnType<typeof decideReplay>) {
  if (d.kind !== "refuse") throw new Error(`expected a refusal, got ${d.kind}`);
  return { kind: d.error.kind, reason: d.error.reason, eraseSecret: d.eraseSecret };
}

describe("decideReplay", () => {
  it("runs a request nothing was recorded for", () => {
    expect(decideReplay(undefined, request, t0)).toEqual({ kind: "run", replacesExpired: false });
  });

  it("replays the first answer, with its secret until the 10 minutes are over", () => {
    expect(decideReplay(recorded(), request, at(REQUEST_SECRET_RETENTION_MS - 1))).toEqual({ kind: "replay" });
    expect(refusal(decideReplay(recorded(), request, at(REQUEST_SECRET_RETENTION_MS)))).toEqual({
      kind: "failed_precondition",
      reason: "REQUEST_SECRET_EXPIRED",
      eraseSecret: true,
    });
    // Already erased by the sweeper: refused all the same, nothing left to erase.
    expect(refusal(decideReplay(recorded({ secretStored: false }), request, at(1)))).toMatchObject({ eraseSecret: false });
  });

  it("replays answers without a secret for the whole 24 hours, then runs the request again", () => {
    const plain = recorded({ carriesSecret: false, secretStored: false });
    expect(decideReplay(plain, request, at(REQUEST_ID_RETENTION_MS - 1))).toEqual({ kind: "replay" });
    expect(decideReplay(plain, request, at(REQUEST_ID_RETENTION_MS))).toEqual({ kind: "run", replacesExpired: true });
  });

  it("refuses another request under the same key before anything else", () => {
    const other = { ...request, fingerprint: requestFingerprint(new TextEncoder().encode("another request")) };
    const d = decideReplay(recorded(), other, at(REQUEST_SECRET_RETENTION_MS + 1));
    expect(refusal(d)).toEqual({ kind: "invalid_argument", reason: "REQUEST_ID_REUSED", eraseSecret: false });
    expect((d as { error: DomainError }).error.message).toContain("different CreateApp request");
  });

  it("cuts the sweep where the decision does", () => {
    const { secretsUpTo, requestsUpTo } = retentionCutoffs(at(REQUEST_ID_RETENTION_MS));
    expect(secretsUpTo).toEqual(at(REQUEST_ID_RETENTION_MS - REQUEST_SECRET_RETENTION_MS));
    expect(requestsUpTo).toEqual(t0);
  });
});

describe("checkRequestId", () => {
  it("takes empty as no key and a UUID in any case as one lower-case key", () => {
    const v = new Violations();
    expect(checkRequestId(v, "")).toBeUndefined();
    expect(checkRequestId(v, request.requestId.toUpperCase())).toBe(request.requestId);
    v.throwIfAny();
  });

  it.each(["retry-1", " 3f2a9c4e-8b1d-4e6f-a7c2-5d9e0b1f2a3c", "3f2a9c4e8b1d4e6fa7c25d9e0b1f2a3c"])("refuses %j naming request_id", (value) => {
    const v = new Violations();
    checkRequestId(v, value);
    expect(() => v.throwIfAny()).toThrow(expect.objectContaining({ reason: "INVALID_FIELD", metadata: { fields: "request_id" } }));
  });
});
