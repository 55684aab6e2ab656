import { describe, expect, it } from "vitest";
import { RequestIds, uuidV4 } from "./request-id";

describe("RequestIds", () => {
  const counter = () => {
    let n = 0;
    return () => `id-${++n}`;
  };

  it("sends the same id when the same request is sent again, a new one when it changed", () => {
    const ids = new RequestIds(counter());
    expect(ids.idFor({ displayName: "Acme", units: 5n })).toBe("id-1");
    expect(ids.idFor({ displayName: "Acme", units: 5n })).toBe("id-1");
    expect(ids.idFor({ displayName: "Acme Corp", units: 5n })).toBe("id-2");
  });

  it("starts afresh after a success, even for an equal request", () => {
    const ids = new RequestIds(counter());
    expect(ids.idFor({ appId: "a" })).toBe("id-1");
    ids.done();
    expect(ids.idFor({ appId: "a" })).toBe("id-2");
  });

  it("starts afresh when the first answer's secret is gone, and keeps the id after any other refusal", () => {
    const ids = new RequestIds(counter());
    expect(ids.idFor({ appId: "a" })).toBe("id-1");
    ids.failed("SERVER_BUSY");
    expect(ids.idFor({ appId: "a" })).toBe("id-1");
    ids.failed("REQUEST_SECRET_EXPIRED");
    expect(ids.idFor({ appId: "a" })).toBe("id-2");
  });

  it("makes UUIDs by default", () => {
    expect(new RequestIds().idFor({})).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("makes them without crypto.randomUUID too (plain HTTP off loopback is not a secure context)", () => {
    const original = crypto.randomUUID;
    try {
      Object.defineProperty(crypto, "randomUUID", { value: undefined, configurable: true });
      const ids = new Set(Array.from({ length: 50 }, () => uuidV4()));
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      Object.defineProperty(crypto, "randomUUID", { value: original, configurable: true });
    }
  });
});
