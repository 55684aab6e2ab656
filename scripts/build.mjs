#!/usr/bin/env node
/**
 * Builds the server that `npm start` runs: src/main.ts and everything it imports from src/ and
 * gen/ts, bundled by esbuild into dist/main.js (ESM, Node 20). Packages stay external and load
 * from node_modules as usual, so native modules (argon2) and knex's lazy driver loading are
 * untouched.
 *
 * Why not run the sources through tsx, as tests and the CLI do: tsx's loader hooks run in a
 * loader thread with its own V8 isolate and transform every module at start, which costs about
 * 100 MiB per process (docs/performance.md); a bundle also starts faster. Types are checked by
 * `npm run typecheck`/`npm test`, not here: esbuild only strips them, in about 0.1 s.
 *
 *   node scripts/build.mjs            build dist/main.js (+ source map, used with
 *                                     NODE_OPTIONS=--enable-source-maps), and the dashboard
 *                                     (dist/web) when its sources changed (scripts/build-web.mjs)
 *   node scripts/build.mjs ENTRY OUT  the same for another entry point (the bench bundles its peer
 *                                     and floor servers this way, so they run as ours does)
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildWeb } from "./build-web.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const [entry = "src/main.ts", outfile = "dist/main.js"] = process.argv.slice(2);

await esbuild.build({
  entryPoints: [path.resolve(ROOT, entry)],
  outfile: path.resolve(ROOT, outfile),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});

// The server bundle alone when another entry is named (the bench's peers have no dashboard).
if (process.argv.length <= 2) await buildWeb();
