/**
 * Every e-mail the control plane sends, in one place: a subject, a plain-text body and an HTML
 * body per template, rendered from the parameters stored with the outbox row.
 *
 * Values come from people (display names) and are HTML-escaped in the HTML body; subjects and
 * text bodies are plain text, where only line breaks could do harm, so those are flattened.
 * A template that is unknown, or a parameter that is missing, can never succeed on retry, so it
 * is a permanent failure (the dispatcher dead-letters it at once with this error's message).
 */

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A message that can never be rendered; retrying would not help. */
export class PermanentMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentMailError";
  }
}

type Params = Readonly<Record<string, string>>;

interface Template {
  /** Parameters the template needs; each must be a non-empty string. */
  readonly params: readonly string[];
  render(p: Params): { subject: string; paragraphs: readonly Paragraph[] };
}

/** A paragraph of plain text, or a link shown as its URL in text and as an anchor in HTML. */
type Paragraph = string | { readonly link: string; readonly label: string };

const TEMPLATES: Readonly<Record<string, Template>> = {
  tenant_welcome: {
    params: ["tenant_id", "display_name"],
    render: (p) => ({
      subject: `Welcome to TrueParser, ${p.display_name}`,
      paragraphs: [
        `Your tenant "${p.display_name}" is registered and waiting for activation.`,
        "You can create apps now. They can obtain tokens once an operator has activated the tenant; we will e-mail you when that happens.",
        `Tenant id: ${p.tenant_id}`,
      ],
    }),
  },
  tenant_activated: {
    params: ["tenant_id", "display_name", "platform_url"],
    render: (p) => ({
      subject: `${p.display_name} is active on TrueParser`,
      paragraphs: [
        `Your tenant "${p.display_name}" has been activated: its enabled apps can now obtain tokens.`,
        "Sign in to the platform to manage your apps:",
        { link: p.platform_url!, label: p.platform_url! },
        `Tenant id: ${p.tenant_id}`,
      ],
    }),
  },
  tenant_suspended: {
    params: ["tenant_id", "display_name"],
    render: (p) => ({
      subject: `${p.display_name} has been suspended on TrueParser`,
      paragraphs: [
        `Your tenant "${p.display_name}" has been suspended: its apps cannot obtain tokens until it is reactivated.`,
        "If you did not expect this, contact TrueParser support.",
        `Tenant id: ${p.tenant_id}`,
      ],
    }),
  },
  app_secret_regenerated: {
    params: ["app_id", "display_name", "client_id"],
    render: (p) => ({
      subject: `Security notice: the client secret of ${p.display_name} was regenerated`,
      paragraphs: [
        `A new client secret was generated for the app "${p.display_name}" (client id ${p.client_id}).`,
        "The previous secret stopped working immediately. Backends still using it will be refused until they are given the new one.",
        "If you did not make this change, regenerate the secret again and review who has access to your tenant.",
        `App id: ${p.app_id}`,
      ],
    }),
  },
};

export const TEMPLATE_NAMES: readonly string[] = Object.keys(TEMPLATES);

export function isKnownTemplate(name: string): boolean {
  return Object.hasOwn(TEMPLATES, name);
}

/** Renders a template; throws PermanentMailError for an unknown template or a missing parameter. */
export function renderMail(template: string, params: Params): RenderedMail {
  if (!isKnownTemplate(template)) {
    throw new PermanentMailError(`unknown template ${JSON.stringify(template)}; known: ${TEMPLATE_NAMES.join(", ")}`);
  }
  const t = TEMPLATES[template]!;
  const missing = t.params.filter((name) => typeof params[name] !== "string" || params[name].trim() === "");
  if (missing.length > 0) {
    throw new PermanentMailError(`template ${template} is missing parameter(s) ${missing.join(", ")}`);
  }
  const flat: Record<string, string> = {};
  for (const name of t.params) flat[name] = oneLine(params[name]!);
  const { subject, paragraphs } = t.render(flat);
  return { subject, text: toText(paragraphs), html: toHtml(subject, paragraphs) };
}

function toText(paragraphs: readonly Paragraph[]): string {
  const body = paragraphs.map((p) => (typeof p === "string" ? p : p.link)).join("\n\n");
  return `Hello,\n\n${body}\n\n-- \nTrueParser\n`;
}

function toHtml(subject: string, paragraphs: readonly Paragraph[]): string {
  const body = paragraphs
    .map((p) =>
      typeof p === "string"
        ? `<p>${escapeHtml(p)}</p>`
        : // Only web links become anchors: a javascript: or data: URL stays inert text.
          /^https?:\/\//i.test(p.link)
          ? `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.label)}</a></p>`
          : `<p>${escapeHtml(p.label)}</p>`,
    )
    .join("\n");
  return (
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n` +
    `<body>\n<p>Hello,</p>\n${body}\n<p>&mdash;<br>TrueParser</p>\n</body></html>\n`
  );
}

/** Escapes the five characters that matter in HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// Display names are validated to have no control characters, but rows may come from elsewhere:
// a line break in a subject or text line must not start a new header or a forged paragraph.
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}
