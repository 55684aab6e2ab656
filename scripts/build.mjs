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
 *   node scripts/build.mjs            what `npm start` runs: build dist/main.js (+ source map, used
 *                                     with NODE_OPTIONS=--enable-source-maps) and the dashboard
 *                                     (dist/web, scripts/build-web.mjs), each only when its sources
 *                                     changed (scripts/source-stamp.mjs); with nothing changed it
 *                                     writes nothing
 *   node scripts/build.mjs --force    build both anyway (`npm run build`, for images: their start
 *                                     then finds everything fresh and writes nothing)
 *   node scripts/build.mjs ENTRY OUT  the server bundle for another entry point, always (the bench
 *                                     bundles its peer and floor servers this way, so they run as
 *                                     ours does)
 */
import path from "node:path";
import * as esbuild from "esbuild";
import { buildWeb } from "./build-web.mjs";
import { isFresh, ROOT, sourceDigest, writeStamp } from "./source-stamp.mjs";

const force = process.argv.includes("--force");
const named = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const [entry = "src/main.ts", outfile = "dist/main.js"] = named;

// What dist/main.js is made of: the sources it bundles, and how it is bundled.
const SERVER_SOURCES = ["src", "gen/ts", "package-lock.json", "scripts/build.mjs"];
const SERVER_STAMP = path.join(ROOT, "dist", "main.stamp");

if (named.length > 0) {
  await bundle(entry, outfile);
} else {
  const digest = sourceDigest(SERVER_SOURCES);
  if (force || !isFresh(path.resolve(ROOT, outfile), SERVER_STAMP, digest)) {
    await bundle(entry, outfile);
    writeStamp(SERVER_STAMP, digest);
  }
  await buildWeb({ force });
}

async function bundle(entry, outfile) {
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
}
