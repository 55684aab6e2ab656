/**
 * "Is this build older than its sources?", decided by content, not mtimes: a SHA-256 over the
 * sources' paths and bytes, kept in a stamp file beside the build. A checkout that touches files
 * without changing them does not rebuild; any real change does. Used by scripts/build.mjs for
 * the server bundle and by scripts/build-web.mjs for the dashboard.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** One hash over every file under `sources` (paths relative to the root), tests and READMEs left out. */
export function sourceDigest(sources) {
  const hash = createHash("sha256");
  for (const rel of sources.flatMap((s) => filesUnder(s)).sort()) {
    hash.update(`${rel}\0`);
    hash.update(readFileSync(path.join(ROOT, rel)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** Whether `output` exists and `stampFile` records `digest`. */
export function isFresh(output, stampFile, digest) {
  if (!existsSync(output)) return false;
  try {
    return readFileSync(stampFile, "utf8").trim() === digest;
  } catch {
    return false;
  }
}

export function writeStamp(stampFile, digest) {
  writeFileSync(stampFile, `${digest}\n`);
}

function filesUnder(rel) {
  const abs = path.join(ROOT, rel);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [rel];
  const out = [];
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const child = path.posix.join(rel, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(child));
    else if (entry.isFile() && !/\.test\.tsx?$/.test(entry.name) && entry.name !== "README.md") out.push(child);
  }
  return out;
}
