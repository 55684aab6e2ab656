import { describe, expect, it } from "vitest";
import { domainErrors, domainRequest, domainRows, isDomainField } from "./domains";

describe("domainRequest", () => {
  it("sends the non-empty rows, trimmed, and remembers which row each came from", () => {
    expect(domainRequest(["", " api.example.com ", "  ", "localhost:3000"])).toEqual({
      values: ["api.example.com", "localhost:3000"],
      rowOf: [1, 3],
    });
  });

  it("sends nothing for blank rows", () => {
    expect(domainRequest(["", " "])).toEqual({ values: [], rowOf: [] });
  });
});

describe("domainErrors", () => {
  const sent = domainRequest(["", "https://a.example", "b.example"]);

  it("puts each indexed violation on the row its entry came from", () => {
    const errors = domainErrors(
      { "allowed_domains[0]": "must not include a scheme", "allowed_domains[1]": "is listed twice", display_name: "required" },
      "allowed_domains",
      sent,
      3,
    );
    expect(errors.rows).toEqual([undefined, "must not include a scheme", "is listed twice"]);
    expect(errors.list).toBeUndefined();
  });

  it("reads a nested field (UpdateApp's app.allowed_domains) and the list-level problem", () => {
    const errors = domainErrors(
      { "app.allowed_domains": "at most 3 entries", "app.allowed_domains[1]": "has no host" },
      "app.allowed_domains",
      sent,
      3,
    );
    expect(errors.list).toBe("at most 3 entries");
    expect(errors.rows[2]).toBe("has no host");
  });

  it("ignores indexes that match no row (the rows changed since sending)", () => {
    const errors = domainErrors({ "allowed_domains[5]": "x", "allowed_domains[x]": "y" }, "allowed_domains", sent, 2);
    expect(errors.rows).toEqual([undefined, undefined]);
  });
});

describe("isDomainField", () => {
  it("claims the list and its items only", () => {
    expect(isDomainField("allowed_domains", "allowed_domains")).toBe(true);
    expect(isDomainField("allowed_domains[2]", "allowed_domains")).toBe(true);
    expect(isDomainField("app.allowed_domains[0]", "allowed_domains")).toBe(false);
    expect(isDomainField("allowed_domains_extra", "allowed_domains")).toBe(false);
  });
});

describe("domainRows", () => {
  it("offers one empty row when there are no domains", () => {
    expect(domainRows([])).toEqual([""]);
    expect(domainRows(["a.example"])).toEqual(["a.example"]);
  });
});
