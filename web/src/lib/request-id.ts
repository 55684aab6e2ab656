/**
 * AIP-155 request ids for the creating RPCs (CreateApp, RegisterTenant, RegenerateAppSecret,
 * CreatePlan, CreateLicenseRegion): a person who submits the same form again after an error or a
 * lost answer sends the same id, so the server answers with what it already did instead of
 * creating twice; a changed form gets a new id (the server refuses an old id with another request).
 */
export class RequestIds {
  private last: { readonly request: string; readonly id: string } | undefined;

  constructor(private readonly newId: () => string = () => crypto.randomUUID()) {}

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
}
