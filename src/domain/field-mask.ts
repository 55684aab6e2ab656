/** AIP-134 update masks: the paths a caller may change, and a clear refusal for every other one. */
import { quoteInput } from "./quote-input.js";
import type { Violations } from "./validation.js";

/**
 * The mask's paths, each known and writable. `readOnly` maps output-only paths to a hint on how
 * to change them instead (e.g. `enabled` → "use EnableApp or DisableApp").
 */
export function checkUpdateMask<P extends string>(
  v: Violations,
  field: string,
  paths: readonly string[] | undefined,
  writable: readonly P[],
  readOnly: Readonly<Record<string, string>> = {},
): Set<P> {
  const out = new Set<P>();
  if (!paths || paths.length === 0) {
    v.add(field, "REQUIRED", `${field} is required: name the fields to change (${writable.join(", ")})`);
    return out;
  }
  paths.forEach((path, i) => {
    const entry = `${field}.paths[${i}]`;
    if ((writable as readonly string[]).includes(path)) out.add(path as P);
    else if (Object.hasOwn(readOnly, path)) {
      v.add(entry, "READ_ONLY_FIELD", `${field} path ${quoteInput(path)} cannot be changed here: ${readOnly[path]}`);
    } else {
      v.add(entry, "UNKNOWN_FIELD_PATH", `${field} path ${quoteInput(path)} is not a field you can update; use ${writable.join(", ")}`);
    }
  });
  return out;
}
