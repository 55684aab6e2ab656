import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/lib/backoff.js";

describe("backoffMs", () => {
  it("waits nothing before a first try, then doubles from the first wait up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((n) => backoffMs(n, 500, 5_000))).toEqual([0, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    // A worker that keeps dying young is restarted after 1 s, 2 s, 4 s, … 30 s (src/main.ts).
    expect([1, 2, 5, 6, 100].map((n) => backoffMs(n, 1_000, 30_000))).toEqual([1000, 2000, 16000, 30000, 30000]);
  });
});
