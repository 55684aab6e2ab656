import { describe, expect, it } from "vitest";
import { chooseTenant, homePath } from "./tenant-choice";

describe("chooseTenant", () => {
  it("prefers the remembered tenant while the person still belongs to it", () => {
    expect(chooseTenant(["a", "b"], "b")).toBe("b");
    expect(chooseTenant(["a", "b"], "gone")).toBe("a");
    expect(chooseTenant(["a"], null)).toBe("a");
    expect(chooseTenant([], "a")).toBeUndefined();
  });
});

describe("homePath", () => {
  it("sends a person to their tenant, or to registration when they have none", () => {
    expect(homePath(["a", "b"], "b", false)).toBe("/tenants/b");
    expect(homePath(["a"], null, false)).toBe("/tenants/a");
    expect(homePath([], null, false)).toBe("/tenants/new");
  });

  it("sends an operator (whose list is every tenant) to the operator pages unless a tenant is remembered", () => {
    expect(homePath(["a", "b"], null, true)).toBe("/operator/tenants");
    expect(homePath(["a", "b"], "b", true)).toBe("/tenants/b");
    expect(homePath(["a"], "gone", true)).toBe("/operator/tenants");
  });
});
