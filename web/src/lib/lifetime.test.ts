import { describe, expect, it } from "vitest";
import { durationSeconds, formatLifetime, parseLifetime } from "./lifetime";

describe("parseLifetime", () => {
  it("reads plain seconds", () => {
    expect(parseLifetime("900")).toBe(900);
    expect(parseLifetime("  60 ")).toBe(60);
  });

  it("reads units, alone and combined, with or without spaces", () => {
    expect(parseLifetime("900s")).toBe(900);
    expect(parseLifetime("15m")).toBe(900);
    expect(parseLifetime("15 min")).toBe(900);
    expect(parseLifetime("1h")).toBe(3600);
    expect(parseLifetime("1h30m")).toBe(5400);
    expect(parseLifetime("1 h 30 min")).toBe(5400);
    expect(parseLifetime("24 Hours")).toBe(86_400);
    expect(parseLifetime("2 minutes 5 seconds")).toBe(125);
  });

  it("leaves the range to the server: out-of-range values still parse", () => {
    expect(parseLifetime("10")).toBe(10);
    expect(parseLifetime("48h")).toBe(172_800);
  });

  it("refuses what is not a lifetime", () => {
    for (const bad of ["", "  ", "abc", "15x", "1.5h", "-60", "h", "15m garbage", "15 m30", "1e3", "9999999999"]) {
      expect(parseLifetime(bad), bad).toBeUndefined();
    }
  });
});

describe("formatLifetime", () => {
  it("says it in the largest units, leaving zero parts out", () => {
    expect(formatLifetime(60)).toBe("1 min");
    expect(formatLifetime(90)).toBe("1 min 30 s");
    expect(formatLifetime(900)).toBe("15 min");
    expect(formatLifetime(3600)).toBe("1 h");
    expect(formatLifetime(5400)).toBe("1 h 30 min");
    expect(formatLifetime(86_400)).toBe("24 h");
    expect(formatLifetime(45)).toBe("45 s");
    expect(formatLifetime(0)).toBe("0 s");
  });

  it("reads back what parseLifetime reads", () => {
    for (const s of [60, 61, 900, 3599, 3600, 5400, 86_400]) expect(parseLifetime(formatLifetime(s))).toBe(s);
  });
});

describe("durationSeconds", () => {
  it("takes a Duration's seconds, and unset as undefined", () => {
    expect(durationSeconds({ seconds: 900n, nanos: 0 } as never)).toBe(900);
    expect(durationSeconds(undefined)).toBeUndefined();
  });
});
