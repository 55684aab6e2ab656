/**
 * Runs once before the suite: builds dist/main.js, the bundle `npm start` runs, so the tests that
 * start real server processes (test/support/replica.ts) exercise exactly what ships.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, "../..");
  execFileSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
}
