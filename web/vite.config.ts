/**
 * Vite for the dashboard (web/README.md).
 *
 *   build: web/ → dist/web/ (index.html + hashed assets in dist/web/assets/), which the control
 *          plane serves on its own port; scripts/build-web.mjs runs it.
 *   dev:   `npm run dev:web` serves web/ with hot reload on http://localhost:5173 and proxies the
 *          API's routes to TP_API (default http://localhost:8080), so the session cookie and the
 *          CSRF rule (docs/architecture.md) see one origin, exactly as in production.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const WEB = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(WEB, "..");
const api = process.env.TP_API ?? "http://localhost:8080";

// Everything the server answers itself; the dev server answers the rest (the app's own routes).
const proxied = ["^/trueparser\\.controlplane\\.v1\\.", "^/auth/", "^/dev-oidc/", "^/oauth/", "^/\\.well-known/", "^/healthz$", "^/readyz$"];

export default defineConfig({
  root: WEB,
  base: "/",
  plugins: [react()],
  build: {
    outDir: path.join(ROOT, "dist", "web"),
    emptyOutDir: true,
    assetsDir: "assets",
    // The server sends its own Content-Security-Policy (default-src 'self'): no inline script, and
    // no data: URLs for assets either.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    strictPort: true,
    fs: { allow: [ROOT] },
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])),
  },
});
