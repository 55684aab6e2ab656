import { describe, expect, it } from "vitest";
import { addKeyDisabledBecause, addSecretAction, secretRows, shortId } from "./credentials";

describe("secret rows", () => {
  it("tells the older secret from the newer one only while two are live", () => {
    const a = { secretId: "0199a1b2-0000-7000-8000-00000000aaaa" };
    const b = { secretId: "0199a1b2-0000-7000-8000-00000000bbbb" };
    expect(secretRows([a]).map((r) => r.age)).toEqual(["only"]);
    expect(secretRows([a, b]).map((r) => [r.secret, r.age])).toEqual([
      [a, "older"],
      [b, "newer"],
    ]);
    expect(secretRows([])).toEqual([]);
  });

  it("shortens ids to their random end", () => {
    expect(shortId("0199a1b2-0000-7000-8000-0000c0ffee42")).toBe("…c0ffee42");
    expect(shortId("backend-2026")).toBe("backend-2026");
  });
});

describe("add buttons", () => {
  it("offers a secret, then a second, then explains why not a third", () => {
    expect(addSecretAction(0)).toEqual({ label: "Add a secret" });
    expect(addSecretAction(1)).toEqual({ label: "Add a second secret" });
    expect(addSecretAction(2).disabledBecause).toMatch(/already has 2 live secrets.*Revoke/);
  });

  it("explains why not a sixth key", () => {
    expect(addKeyDisabledBecause(4)).toBeUndefined();
    expect(addKeyDisabledBecause(5)).toMatch(/already has 5 keys.*Remove one/);
  });
});
