import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { BadRequest_FieldViolationSchema as FieldViolationSchema, BadRequestSchema, ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { HttpRouteError, isListField, listFieldMessage, toProblem, unshownFieldMessages } from "./errors";

function serverError(code: Code, message: string, reason: string, metadata: Record<string, string> = {}, violations: [string, string][] = []) {
  const details = [{ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "controlplane.trueparser.com", metadata }) }];
  const withBadRequest =
    violations.length === 0
      ? details
      : [
          ...details,
          {
            desc: BadRequestSchema,
            value: create(BadRequestSchema, {
              fieldViolations: violations.map(([field, description]) => create(FieldViolationSchema, { field, description, reason: "MALFORMED" })),
            }),
          },
        ];
  return new ConnectError(message, code, undefined, withBadRequest as never);
}

describe("toProblem", () => {
  it("maps each field violation to its field, keeping the first per field", () => {
    const p = toProblem(
      serverError(Code.InvalidArgument, "bad", "INVALID_FIELD", {}, [
        ["display_name", "display_name is required"],
        ["allowed_domains[1]", "must not include a scheme"],
        ["display_name", "second complaint"],
      ]),
    );
    expect(p.reason).toBe("INVALID_FIELD");
    expect(p.message).toBe("Some of what you entered needs fixing.");
    expect(p.fields).toEqual({ display_name: "display_name is required", "allowed_domains[1]": "must not include a scheme" });
    expect(unshownFieldMessages(p, (f) => f === "display_name")).toEqual(["must not include a scheme"]);
    expect(p.signedOut).toBe(false);
    expect(p.retryable).toBe(false);
  });

  it("names the app holding the free plan when the page knows it, and its id otherwise", () => {
    const err = serverError(Code.FailedPrecondition, "raw", "FREE_PLAN_ALREADY_USED", { app_id: "app-1", tenant_id: "t" });
    expect(toProblem(err, { appName: (id) => (id === "app-1" ? "Billing bot" : undefined) }).message).toMatch(/^“Billing bot” is already on this tenant's free plan\./);
    expect(toProblem(err).message).toMatch(/^App app-1 is already on this tenant's free plan\./);
    expect(toProblem(err).metadata.app_id).toBe("app-1");
  });

  it("lists the valid regions the server names", () => {
    const p = toProblem(serverError(Code.InvalidArgument, "raw", "UNKNOWN_LICENSE_REGION", { valid_codes: "ap,eu,us" }));
    expect(p.message).toBe("Unknown license region. Choose one of: ap, eu, us.");
  });

  it("says the credential limits with the server's numbers", () => {
    expect(toProblem(serverError(Code.FailedPrecondition, "raw", "TOO_MANY_SECRETS", { limit: "2" })).message).toMatch(/^An app may have at most 2 live client secrets\./);
    expect(toProblem(serverError(Code.FailedPrecondition, "raw", "TOO_MANY_KEYS", { limit: "5" })).message).toMatch(/^An app may have at most 5 public keys\./);
    expect(toProblem(serverError(Code.AlreadyExists, "raw", "KEY_ALREADY_EXISTS", { key_id: "k1" })).message).toMatch(/same kid \(k1\)/);
    expect(toProblem(serverError(Code.AlreadyExists, "raw", "KEY_ALREADY_EXISTS")).message).toMatch(/same kid\. /);
    expect(toProblem(serverError(Code.FailedPrecondition, "raw", "REQUEST_SECRET_EXPIRED")).message).toMatch(/can no longer be shown/);
  });

  it("shows the server's own words for a reason it has no sentence for", () => {
    expect(toProblem(serverError(Code.FailedPrecondition, "the widget is frobbed", "WIDGET_FROBBED")).message).toBe("the widget is frobbed");
  });

  it("marks a lost session as signed out", () => {
    const p = toProblem(serverError(Code.Unauthenticated, "no", "UNAUTHENTICATED"));
    expect(p.signedOut).toBe(true);
    expect(p.message).toMatch(/Sign in/);
  });

  it("explains transport failures that carry no ErrorInfo by their code", () => {
    expect(toProblem(new ConnectError("fetch failed", Code.Unavailable)).message).toMatch(/cannot be reached/);
    expect(toProblem(new ConnectError("fetch failed", Code.Unavailable)).retryable).toBe(true);
    expect(toProblem(new TypeError("Failed to fetch")).reason).toBe("");
  });

  it("decodes the session routes' JSON errors", () => {
    const expired = toProblem(HttpRouteError.from(401, { error: "invalid_session", error_description: "the session is unknown" }));
    expect(expired.signedOut).toBe(true);
    expect(expired.message).toMatch(/Sign in/);
    const throttled = toProblem(HttpRouteError.from(429, { error: "sign_in_failed", reason: "TOO_MANY_SIGN_IN_ATTEMPTS", error_description: "x" }));
    expect(throttled.message).toMatch(/Too many sign-in attempts/);
    expect(toProblem(HttpRouteError.from(404, "not json")).message).toBe("the server answered 404");
  });
});

describe("list fields", () => {
  it("joins what the server says about a list and its items", () => {
    const p = toProblem(
      serverError(Code.InvalidArgument, "bad", "INVALID_FIELD", {}, [
        ["license_region.aliases[0]", "is the region's code"],
        ["license_region.aliases[2]", "is listed twice"],
        ["license_region.code", "bad code"],
      ]),
    );
    expect(listFieldMessage(p, "license_region.aliases")).toBe("is the region's code is listed twice");
    expect(listFieldMessage(p, "license_region.display_name")).toBeUndefined();
    expect(listFieldMessage(null, "x")).toBeUndefined();
    expect(isListField("a.b[10]", "a.b")).toBe(true);
    expect(isListField("a.bc", "a.b")).toBe(false);
  });
});
