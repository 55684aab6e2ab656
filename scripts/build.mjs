#!/usr/bin/env node
/**
 * Builds the server that `npm start` runs: src/main.ts and everything it imports from src/ and
 * gen/ts, bundled by esbuild into dist/main.js (ESM, Node 20). Packages stay external and load
 * from node_modules as usual, so native modules (argon2) and knex's lazy driver loading are
 * untouched.
 *
 * Why not run the sources through tsx, as tests and the CLI do: tsx's loader hooks run in a
 * loader thread with its own V8 isolate and transform every module at start, which costs about
 * 50 MiB per process (docs/performance.md); a bundle also starts faster. Types are checked by
 * `npm run typecheck`/`npm test`, not here: esbuild only strips them, in about 0.1 s.
 *
 *   node scripts/build.mjs            build dist/main.js (+ source map)
 *   import { build } from "./scripts/build.mjs"; await build()   the same, from the test setup
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SERVER_BUNDLE = path.join(ROOT, "dist", "main.js");

export async function build() {
  await esbuild.build({
    entryPoints: [path.join(ROOT, "src", "main.ts")],
    outfile: SERVER_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
  return SERVER_BUNDLE;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build();
}
