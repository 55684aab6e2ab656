/** Free-text lists typed into one input ("europe, emea"): split on commas and spaces, blanks dropped. */
export function parseList(text: string): string[] {
  return text
    .split(/[\s,]+/u)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** "1,000", "1 000", "1_000" or "1000" → 1000n; undefined for anything that is not a whole number. */
export function parseWholeNumber(text: string): bigint | undefined {
  const digits = text.trim().replace(/[\s,_]/gu, "");
  return /^\d{1,18}$/.test(digits) ? BigInt(digits) : undefined;
}
