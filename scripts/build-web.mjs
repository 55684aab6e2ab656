#!/usr/bin/env node
/**
 * Builds the dashboard (web/, see web/README.md) with Vite into dist/web/, which the server serves
 * on its own port — only when its sources changed since the last build, so `npm start` with
 * nothing changed builds nothing:
 *
 *   node scripts/build-web.mjs           build when dist/web is missing or stale
 *   node scripts/build-web.mjs --force   build anyway
 *
 * "Stale" is decided by content (scripts/source-stamp.mjs): a SHA-256 over web/ (tests
 * excluded), gen/ts and package-lock.json, kept beside the output in dist/web.stamp (outside
 * dist/web, so never served).
 *
 * Every file of the build also gets Brotli and gzip copies (`.br`, `.gz`), which the server
 * sends to browsers that accept them (src/transport/http/dashboard.ts): compressed once, here,
 * not on every request.
 *
 * After a build it checks the budget of issue 13: the JavaScript the first page loads (the entry
 * script and the chunks index.html preloads), gzipped, at most 300 KiB. Over budget fails the build.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { isFresh, ROOT, sourceDigest, writeStamp } from "./source-stamp.mjs";

const OUT = path.join(ROOT, "dist", "web");
const STAMP = path.join(ROOT, "dist", "web.stamp");
const SOURCES = ["web", "gen/ts", "package-lock.json"];
export const FIRST_PAGE_BUDGET_BYTES = 300 * 1024;

/** Builds dist/web when needed (or always with `force`); returns whether it built. */
export async function buildWeb({ force = false } = {}) {
  const digest = sourceDigest(SOURCES);
  if (!force && isFresh(path.join(OUT, "index.html"), STAMP, digest)) return false;
  let vite;
  try {
    vite = await import("vite");
  } catch {
    throw new Error("building the dashboard needs the dev dependencies (vite): run `npm ci` first");
  }
  const started = Date.now();
  // Vite builds React's development variant when NODE_ENV says so (the test runner sets "test").
  process.env.NODE_ENV = "production";
  await vite.build({ configFile: path.join(ROOT, "web", "vite.config.ts"), logLevel: "info" });
  const firstPage = firstPageJsGzipBytes();
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  process.stdout.write(
    `dashboard: built dist/web in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `the first page loads ${kib(firstPage)} of JavaScript gzipped (budget ${kib(FIRST_PAGE_BUDGET_BYTES)})\n`,
  );
  if (firstPage > FIRST_PAGE_BUDGET_BYTES) {
    throw new Error(`the dashboard's first page loads ${kib(firstPage)} of gzipped JavaScript, over the ${kib(FIRST_PAGE_BUDGET_BYTES)} budget; split the code`);
  }
  precompress(OUT);
  writeStamp(STAMP, digest);
  return true;
}

/** Writes `.br` and `.gz` beside every file of the build that compression makes smaller. */
function precompress(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || /\.(br|gz|png|jpg|webp|woff2)$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const bytes = readFileSync(file);
    const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
    if (br.length < bytes.length) writeFileSync(`${file}.br`, br);
    const gz = gzipSync(bytes, { level: 9 });
    if (gz.length < bytes.length) writeFileSync(`${file}.gz`, gz);
  }
}

/** The entry script and the modules index.html preloads: what the first page fetches before it runs. */
function firstPageJsGzipBytes() {
  const html = readFileSync(path.join(OUT, "index.html"), "utf8");
  const urls = new Set();
  for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"/g)) urls.add(m[1]);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)) urls.add(m[1]);
  let total = 0;
  for (const url of urls) total += gzipSync(readFileSync(path.join(OUT, url.replace(/^\//, "")))).length;
  return total;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildWeb({ force: process.argv.includes("--force") });
  if (!built) process.stdout.write("dashboard: dist/web is up to date\n");
}
