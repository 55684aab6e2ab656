import { afterEach, describe, expect, it, vi } from "vitest";
import { HttpRouteError } from "./errors";
import { getSession, signInUrl } from "./session";

describe("signInUrl", () => {
  it("keeps a path on this origin, encoded", () => {
    expect(signInUrl("/")).toBe("/auth/login?return_to=%2F");
    expect(signInUrl("/apps/a-1?tab=keys#x")).toBe("/auth/login?return_to=%2Fapps%2Fa-1%3Ftab%3Dkeys%23x");
  });

  it.each(["//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "apps", ""])(
    "sends %j back to / (a browser would read it as another place)",
    (returnTo) => expect(signInUrl(returnTo)).toBe("/auth/login?return_to=%2F"),
  );
});

describe("getSession", () => {
  afterEach(() => vi.unstubAllGlobals());
  const answer = (status: number, body: unknown) => vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(body), { status })));

  it("reads a signed-in person, operator only when the server says so", async () => {
    answer(200, { signed_in: true, email: "a@example.com", session_id: "s-1", operator: true, sign_in: "development" });
    expect(await getSession()).toEqual({ person: { email: "a@example.com", sessionId: "s-1", operator: true }, signIn: "development" });
    answer(200, { signed_in: true, email: "a@example.com", session_id: "s-1", operator: "yes" });
    expect((await getSession()).person?.operator).toBe(false);
  });

  it("reads nobody as an answer, and an unknown sign-in mode as the identity provider", async () => {
    answer(200, { signed_in: false, sign_in: "unavailable" });
    expect(await getSession()).toEqual({ person: null, signIn: "unavailable" });
    answer(200, { signed_in: false, sign_in: "something-new" });
    expect(await getSession()).toEqual({ person: null, signIn: "provider" });
  });

  it("refuses an answer that lacks what it must hold, and turns an error status into an HttpRouteError", async () => {
    answer(200, { signed_in: true, session_id: "s-1" });
    await expect(getSession()).rejects.toMatchObject({ status: 502, message: expect.stringContaining('"email"') });
    answer(503, { error: "temporarily_unavailable", error_description: "retry in 2 s" });
    await expect(getSession()).rejects.toBeInstanceOf(HttpRouteError);
  });
});
