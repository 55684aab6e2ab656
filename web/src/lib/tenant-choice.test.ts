import { describe, expect, it } from "vitest";
import { chooseTenant } from "./tenant-choice";

describe("chooseTenant", () => {
  it("prefers the remembered tenant while the person still belongs to it", () => {
    expect(chooseTenant(["a", "b"], "b")).toBe("b");
    expect(chooseTenant(["a", "b"], "gone")).toBe("a");
    expect(chooseTenant(["a"], null)).toBe("a");
    expect(chooseTenant([], "a")).toBeUndefined();
  });
});
