/**
 * AIP-155 request ids for the creating RPCs (CreateApp, RegisterTenant, AddTenantMember,
 * AddAppSecret, AddAppKey, RegenerateAppSecret, CreatePlan, CreateLicenseRegion,
 * RotateSigningKey): a person who submits the same form again after an error or a
 * lost answer sends the same id, so the server answers with what it already did instead of
 * creating twice; a changed form gets a new id (the server refuses an old id with another request).
 */
export class RequestIds {
  private last: { readonly request: string; readonly id: string } | undefined;

  constructor(private readonly newId: () => string = uuidV4) {}

  /** The id to send with `request`: the previous one when the same request is sent again. */
  idFor(request: unknown): string {
    const text = JSON.stringify(request, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    if (this.last?.request !== text) this.last = { request: text, id: this.newId() };
    return this.last.id;
  }

  /** The request succeeded: the next one, even if equal, is a new request. */
  done(): void {
    this.last = undefined;
  }

  /**
   * The request was refused for `reason`. REQUEST_SECRET_EXPIRED says the first attempt succeeded
   * but its answer is gone for good: sending the same id again would only repeat the refusal, so the
   * next submit is a new request. Any other refusal keeps the id (a retry may still meet the first
   * attempt's answer).
   */
  failed(reason: string): void {
    if (reason === "REQUEST_SECRET_EXPIRED") this.done();
  }
}

/**
 * A random UUID (version 4). `crypto.randomUUID` exists only in secure contexts (HTTPS or
 * localhost); a console served over plain HTTP elsewhere builds one from getRandomValues.
 */
export function uuidV4(): string {
  if (typeof crypto.randomUUID === "function" && globalThis.isSecureContext !== false) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
