/**
 * The dashboard's files (the Vite build in DASHBOARD_DIR, web/ in the repository), served by sirv
 * on the same port as the API: what the routing table does not route comes here.
 *   - a file of the build: hashed assets under /assets/ are cached for a year (`immutable`),
 *     everything else (index.html) is revalidated each time (`no-cache`, with an ETag); the
 *     build's precompressed `.br`/`.gz` copies are sent to clients that accept them;
 *   - a deep link (a GET that accepts text/html, e.g. /apps/123 typed or reloaded): index.html,
 *     and the app's router shows the page;
 *   - anything else, and everything under the API's reserved prefixes, keeps the API's own 404.
 * Every answer carries a strict Content-Security-Policy (no inline script, no framing),
 * `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import sirv from "sirv";
import { header, pathOf, sendJson, type Req, type Res } from "./respond.js";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Paths the dashboard never answers, whatever is in the build: they belong to the API. */
const RESERVED = ["/trueparser.", "/grpc.", "/oauth/", "/auth/", "/.well-known/", "/dev-oidc/", "/healthz", "/readyz", "/metrics"];

export function dashboardFiles(options: {
  /** The built dashboard (index.html, assets/). */
  readonly dir: string;
  /** What the API answers for a path nothing serves. */
  readonly notFound: (req: Req, res: Res) => void;
}): (req: Req, res: Res) => void {
  const { dir, notFound } = options;
  if (!existsSync(path.join(dir, "index.html"))) {
    return (req, res) => {
      if (!isDeepLink(req)) return notFound(req, res);
      sendJson(res, 404, {
        error: "not_found",
        error_description: `the dashboard is not built (no ${path.join(dir, "index.html")}): npm start builds it, or run npm run build`,
      });
    };
  }
  const common = {
    etag: true,
    gzip: true,
    brotli: true,
    setHeaders(res: Res, pathname: string) {
      res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Referrer-Policy", "same-origin");
      res.setHeader("Cache-Control", pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    },
  };
  // sirv reads the build's file list once, here; `single` falls back to index.html.
  const files = sirv(dir, common);
  const app = sirv(dir, { ...common, single: true });
  return (req, res) => {
    const p = pathOf(req);
    if ((req.method !== "GET" && req.method !== "HEAD") || RESERVED.some((r) => p.startsWith(r))) return notFound(req, res);
    const next = () => notFound(req, res);
    (isDeepLink(req) ? app : files)(req as never, res as never, next);
  };
}

/** A page a browser navigates to (it asks for HTML), rather than a script, an image or an API call. */
function isDeepLink(req: Req): boolean {
  return (req.method === "GET" || req.method === "HEAD") && (header(req, "accept") ?? "").includes("text/html");
}
