/**
 * Development sign-in's routes (docs/architecture.md, "Development sign-in"), present only when it
 * is offered (src/config.ts):
 *
 *   GET|POST /dev-oidc/interaction/{uid}  the login page: type any e-mail, be signed in as it
 *   *        /dev-oidc/*                  the in-process OpenID provider (src/oidc/development-provider.ts)
 *
 * The page says plainly what it is. Its only style is hashed into its Content-Security-Policy;
 * it runs no script and posts only to itself.
 *
 * Offered only to a browser on this machine talking to this port directly: a request whose Host
 * is not ISSUER's, or that carries a proxy's forwarding headers, is refused (403) — a reverse
 * proxy on the same machine would otherwise bring anyone here (config.ts refuses to offer it at
 * all with TRUSTED_PROXIES).
 */
import { createHash } from "node:crypto";
import type http from "node:http";
import { isEmailAddress } from "../../domain/validation.js";
import { DEVELOPMENT_SIGN_IN_PREFIX, escapeHtml, type DevelopmentProvider } from "../../oidc/development-provider.js";
import { HttpError, send, type Req, type Res } from "./respond.js";
import type { Route } from "./routing-table.js";

/** What the login page says before anything else (tests look for it). */
export const DEVELOPMENT_SIGN_IN_NOTICE = "Development sign-in — any e-mail signs in; never offered in production";

const MAX_FORM_BYTES = 4096;

export function developmentSignInRoutes(provider: DevelopmentProvider): Route[] {
  const host = new URL(provider.issuer).host;
  const routes: Route[] = [
    {
      methods: ["GET", "POST"],
      path: `${DEVELOPMENT_SIGN_IN_PREFIX}/interaction/:uid`,
      metricsLabel: `${DEVELOPMENT_SIGN_IN_PREFIX}/interaction`,
      async handle(request, response, params) {
        const [req, res] = [request as http.IncomingMessage, response as http.ServerResponse];
        const pending = await provider.pendingLogin(req, res, params.uid ?? "");
        if (!pending) {
          await drain(req);
          return page(res, 400, expiredPage());
        }
        if (req.method !== "POST") return page(res, 200, loginPage({ email: pending.loginHint }));
        const form = new URLSearchParams(await readForm(req));
        if (form.get("action") === "cancel") return provider.abortLogin(req, res);
        const typed = (form.get("email") ?? "").trim();
        const email = typed.toLowerCase();
        if (!isEmailAddress(email)) {
          return page(res, 400, loginPage({ email: typed, error: `“${typed}” is not an e-mail address; type one such as you@example.com` }));
        }
        await provider.finishLogin(req, res, email);
      },
    },
    {
      methods: ["GET", "POST", "OPTIONS"],
      path: `${DEVELOPMENT_SIGN_IN_PREFIX}/*`,
      metricsLabel: DEVELOPMENT_SIGN_IN_PREFIX,
      handle: (req, res) => provider.handle(req as http.IncomingMessage, res as http.ServerResponse),
    },
  ];
  return routes.map((route) => ({
    ...route,
    handle(req, res, params) {
      if (!isDirect(req, host)) {
        throw new HttpError(403, "development_sign_in_refused", `development sign-in answers only browsers on this machine that reach ${host} directly, not through a proxy`);
      }
      return route.handle(req, res, params);
    },
  }));
}

const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via"];

/** A request from a browser that addressed this port itself (Host is ISSUER's; no proxy in between). */
function isDirect(req: Req, host: string): boolean {
  const asked = req.headers[":authority"] ?? req.headers.host;
  return typeof asked === "string" && asked.toLowerCase() === host.toLowerCase() && FORWARDING_HEADERS.every((h) => req.headers[h] === undefined);
}

const STYLE =
  "body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5}" +
  ".notice{background:#fff4ce;border:2px solid #b58105;padding:.75rem 1rem;border-radius:.25rem}" +
  "label{display:block;font-weight:600;margin-top:1rem}input{font:inherit;width:100%;box-sizing:border-box;padding:.5rem}" +
  ".error{color:#a4000f}button{font:inherit;margin:1rem .5rem 0 0;padding:.5rem 1rem}";
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

function page(res: Res, status: number, body: string): void {
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>Development sign-in — TrueParser control plane</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
  send(res, status, html, {
    "content-type": "text/html;charset=utf-8",
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  });
}

const NOTICE =
  `<p class="notice" role="note"><strong>${escapeHtml(DEVELOPMENT_SIGN_IN_NOTICE)}.</strong> ` +
  "This server has no sign-in provider configured (OIDC_CLIENT_ID), listens on this machine only and keeps its data in the " +
  "embedded database, so it signs in whatever address you type, as verified. Set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET " +
  "(README, “Sign-in and sessions”) before anyone else uses it.</p>";

function loginPage(o: { email: string; error?: string }): string {
  const error = o.error ? `<p id="email-error" class="error" role="alert">${escapeHtml(o.error)}</p>` : "";
  return (
    `<h1>Development sign-in</h1>${NOTICE}` +
    `<form method="post"><label for="email">E-mail address</label>` +
    `<input id="email" name="email" type="email" required autofocus autocomplete="email" value="${escapeHtml(o.email)}"` +
    `${o.error ? ' aria-invalid="true" aria-describedby="email-error"' : ""}>${error}` +
    `<button type="submit" name="action" value="sign_in">Sign in</button>` +
    `<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button></form>`
  );
}

function expiredPage(): string {
  return (
    `<h1>Development sign-in</h1>${NOTICE}` +
    `<p role="alert">This sign-in has expired or was started in another browser.</p><p><a href="/auth/login">Start again</a></p>`
  );
}

/** The form body, refused past MAX_FORM_BYTES before it is all read. */
async function readForm(req: Req): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, "invalid_request", `the form exceeds ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads and drops a body nobody will use, so the connection stays usable. */
async function drain(req: Req): Promise<void> {
  if (req.method === "POST") await readForm(req).catch(() => undefined);
}
