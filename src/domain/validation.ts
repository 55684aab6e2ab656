/**
 * Field checks shared by every request: each returns a violation describing what to fix, so a
 * request's problems can all be reported at once.
 */
import { invalidFields, type FieldViolation } from "./errors.js";

export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, reason: string, description: string): void {
    this.list.push({ field, reason, description });
  }

  /** Throws INVALID_ARGUMENT listing every violation, if there is any. */
  throwIfAny(): void {
    if (this.list.length > 0) throw invalidFields(this.list);
  }
}

/** A UUID in lower case (ids and request ids are lower-cased before they are matched). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A resource id: a UUID, any case on input, lower-case out. */
export function checkId(v: Violations, field: string, value: string): string {
  const id = value.trim().toLowerCase();
  if (id === "") v.add(field, "REQUIRED", `${field} is required`);
  else if (!UUID.test(id)) v.add(field, "MALFORMED", `${field} must be a UUID such as 0190f0a4-5b6c-7d8e-9f00-112233445566`);
  return id;
}

/** A human-readable name: trimmed, 1..max characters, no control characters. */
export function checkDisplayName(v: Violations, field: string, value: string, max = 100): string {
  const name = value.trim();
  if (name === "") v.add(field, "REQUIRED", `${field} is required`);
  else if ([...name].length > max) v.add(field, "TOO_LONG", `${field} must be at most ${max} characters (got ${[...name].length})`);
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f]/.test(name)) v.add(field, "MALFORMED", `${field} must not contain control characters`);
  return name;
}

// Deliberately simple (RFC 5321 limits + one @ + a dotted domain): the mail server is the final
// judge; this catches typos and injection attempts.
const EMAIL = /^[^\s@<>()[\],;:"\\]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** An e-mail address, lower-cased. */
export function checkEmail(v: Violations, field: string, value: string): string {
  const email = value.trim().toLowerCase();
  if (email === "") v.add(field, "REQUIRED", `${field} is required`);
  else if (email.length > 254) v.add(field, "TOO_LONG", `${field} must be at most 254 characters`);
  else if (!isEmailAddress(email)) v.add(field, "MALFORMED", `${field} must be an e-mail address such as ops@example.com`);
  return email;
}

/** Whether a trimmed, lower-cased string passes checkEmail (configuration uses the same rule). */
export function isEmailAddress(email: string): boolean {
  return email.length <= 254 && EMAIL.test(email) && email.split("@")[0]!.length <= 64;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** AIP-158: 0 means the default; larger than the maximum is capped; negative is an error. */
export function checkPageSize(v: Violations, value: number): number {
  if (value < 0) {
    v.add("page_size", "OUT_OF_RANGE", `page_size must not be negative (0 means ${DEFAULT_PAGE_SIZE})`);
    return DEFAULT_PAGE_SIZE;
  }
  if (value === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(value, MAX_PAGE_SIZE);
}
