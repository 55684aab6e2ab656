import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { HttpRouteError } from "./errors";
import { retryQuery, sessionEnded } from "./query-client";

describe("the query cache's rules", () => {
  it("retries, twice at most, only what may pass on a second try", () => {
    for (const code of [Code.Unavailable, Code.Unknown, Code.ResourceExhausted]) {
      expect(retryQuery(0, new ConnectError("x", code))).toBe(true);
      expect(retryQuery(1, new ConnectError("x", code))).toBe(true);
      expect(retryQuery(2, new ConnectError("x", code))).toBe(false);
    }
    for (const code of [Code.NotFound, Code.PermissionDenied, Code.InvalidArgument, Code.FailedPrecondition, Code.Unauthenticated]) {
      expect(retryQuery(0, new ConnectError("x", code))).toBe(false);
    }
    expect(retryQuery(0, new Error("x"))).toBe(false);
  });

  it("reads the session as ended from UNAUTHENTICATED or a 401, and from nothing else", () => {
    expect(sessionEnded(new ConnectError("x", Code.Unauthenticated))).toBe(true);
    expect(sessionEnded(new HttpRouteError(401, "unauthenticated", "", "signed out"))).toBe(true);
    expect(sessionEnded(new ConnectError("x", Code.PermissionDenied))).toBe(false);
    expect(sessionEnded(new HttpRouteError(403, "forbidden", "", "no"))).toBe(false);
    expect(sessionEnded(new Error("x"))).toBe(false);
  });
});
