import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { checkAllowedDomains } from "../../src/domain/allowed-domains.js";
import { Violations } from "../../src/domain/validation.js";

/** The normalised list, or the violations (field, reason, description) it raised. */
function check(values: string[]) {
  const v = new Violations();
  const out = checkAllowedDomains(v, "allowed_domains", values);
  try {
    v.throwIfAny();
    return { ok: out };
  } catch (err) {
    return { violations: (err as DomainError).violations };
  }
}

describe("allowed domains", () => {
  it.each([
    ["localhost:3000", "localhost:3000"],
    ["api.example.com", "api.example.com"],
    ["API.Example.COM", "api.example.com"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["例え.テスト:8443", "xn--r8jz45g.xn--zckzah:8443"],
    ["ＡＰＩ.example.com", "api.example.com"],
    ["127.0.0.1:8080", "127.0.0.1:8080"],
    ["localhost:65535", "localhost:65535"],
    ["localhost:1", "localhost:1"],
    ["localhost:03000", "localhost:3000"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
  ])("accepts %j as %j", (input, normalised) => {
    expect(check([input])).toEqual({ ok: [normalised] });
  });

  it.each([
    ["a scheme", "https://api.example.com", "MALFORMED", "scheme"],
    ["an http scheme", "http://localhost:3000", "MALFORMED", "scheme"],
    ["a path", "api.example.com/callback", "MALFORMED", "path"],
    ["a trailing slash", "api.example.com/", "MALFORMED", "path"],
    ["a query", "api.example.com?x=1", "MALFORMED", "query"],
    ["a fragment", "api.example.com#top", "MALFORMED", "fragment"],
    ["user info", "user@api.example.com", "MALFORMED", "user info"],
    ["a wildcard", "*.example.com", "MALFORMED", "wildcard"],
    ["port 0", "localhost:0", "INVALID_PORT", "outside 1-65535"],
    ["port 70000", "localhost:70000", "INVALID_PORT", "outside 1-65535"],
    ["a port that is not a number", "localhost:http", "INVALID_PORT", "not a number"],
    ["an empty port", "localhost:", "INVALID_PORT", "not a number"],
    ["spaces inside", "api example.com", "MALFORMED", "spaces"],
    ["a leading space", " api.example.com", "MALFORMED", "spaces"],
    ["an empty entry", "", "REQUIRED", "empty"],
    ["two colons", "a:1:2", "MALFORMED", "more than one"],
    ["an IPv6 literal", "[::1]:3000", "MALFORMED", "IPv6"],
    ["an underscore", "a_b.example.com", "MALFORMED", "valid host name"],
    ["an empty label", "a..example.com", "MALFORMED", "valid host name"],
    ["a trailing dot", "example.com.", "MALFORMED", "valid host name"],
    ["a label starting with '-'", "-a.example.com", "MALFORMED", "valid host name"],
    ["no host", ":3000", "MALFORMED", "no host"],
  ])("refuses %s (%j), naming the entry and why", (_what, input, reason, why) => {
    const result = check(["ok.example.com", input]);
    expect(result.violations).toHaveLength(1);
    const [violation] = result.violations!;
    expect(violation).toMatchObject({ field: "allowed_domains[1]", reason });
    expect(violation!.description).toContain(`allowed_domains[1] ${JSON.stringify(input)}`);
    expect(violation!.description).toContain(why);
    expect(violation!.description).toContain("api.example.com"); // says what to send instead
  });

  it("refuses a fourth entry", () => {
    const result = check(["a.test", "b.test", "c.test", "d.test"]);
    expect(result.violations).toEqual([expect.objectContaining({ field: "allowed_domains", reason: "TOO_MANY" })]);
    expect(result.violations![0]!.description).toContain("at most 3");
  });

  it("refuses a duplicate after normalisation, naming both entries", () => {
    const result = check(["API.example.com", "bücher.example", "api.EXAMPLE.com"]);
    expect(result.violations).toEqual([expect.objectContaining({ field: "allowed_domains[2]", reason: "DUPLICATE" })]);
    expect(result.violations![0]!.description).toContain("allowed_domains[0]");
    expect(check(["bücher.example", "xn--bcher-kva.example"]).violations![0]!.field).toBe("allowed_domains[1]");
    expect(check(["localhost:3000", "localhost:03000"]).violations![0]!.reason).toBe("DUPLICATE");
  });

  it("accepts none, and reports every bad entry at once", () => {
    expect(check([])).toEqual({ ok: [] });
    const result = check(["https://a.test", "ok.test", "b.test:0"]);
    expect(result.violations!.map((x) => x.field)).toEqual(["allowed_domains[0]", "allowed_domains[2]"]);
  });

  it("keeps the same host on different ports apart", () => {
    expect(check(["localhost:3000", "localhost:3001", "localhost"])).toEqual({ ok: ["localhost:3000", "localhost:3001", "localhost"] });
  });
});

describe("echoing input in errors", () => {
  it("never repeats something shaped like one of our secrets, and cuts long values", () => {
    const secret = `tpcs_${"A".repeat(49)}`;
    const [violation] = check(["ok.test", `https://${secret}`]).violations!;
    expect(violation!.description).not.toContain(secret);
    expect(violation!.description).toContain("[a secret, not shown]");
    const [long] = check([`${"x".repeat(300)}/`]).violations!;
    expect(long!.description.length).toBeLessThan(250);
  });
});
