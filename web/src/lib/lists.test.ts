import { describe, expect, it } from "vitest";
import { parseList, parseWholeNumber } from "./lists";

describe("parseList", () => {
  it("splits on commas and spaces and drops blanks", () => {
    expect(parseList(" europe, emea ,, eu-west  ")).toEqual(["europe", "emea", "eu-west"]);
    expect(parseList("")).toEqual([]);
  });
});

describe("parseWholeNumber", () => {
  it("accepts digits with common separators", () => {
    expect(parseWholeNumber("1,000")).toBe(1000n);
    expect(parseWholeNumber(" 1 000 000 ")).toBe(1000000n);
    expect(parseWholeNumber("50_000")).toBe(50000n);
  });

  it("refuses anything else (the server then says what it needs)", () => {
    for (const bad of ["", "-1", "1.5", "ten", "1e3", "1234567890123456789"]) expect(parseWholeNumber(bad)).toBeUndefined();
  });
});
