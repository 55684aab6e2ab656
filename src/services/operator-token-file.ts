/**
 * DATA_DIR/operator-token: the first operator token, generated when a database has none and no
 * OPERATOR_TOKEN is set. The file is created once and never overwritten: several databases may
 * be used with one DATA_DIR (`npm run migrate` against another DATABASE_URL, say), and replacing
 * the file would lock the operator out of the database it was written for (docs/architecture.md,
 * "Operator tokens").
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { hasValidChecksum } from "../crypto/secret-token.js";

export const OPERATOR_TOKEN_FILE = "operator-token";

export type TokenFile =
  | { readonly state: "absent" }
  | { readonly state: "token"; readonly token: string }
  /** The file exists but holds no token of ours (edited, truncated): it is left alone. */
  | { readonly state: "unusable" };

export function operatorTokenFileOf(dataDir: string): string {
  return path.join(dataDir, OPERATOR_TOKEN_FILE);
}

export async function readTokenFile(file: string, prefix: string): Promise<TokenFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { state: "absent" };
    throw err;
  }
  const token = text.trim();
  return hasValidChecksum(token, prefix) ? { state: "token", token } : { state: "unusable" };
}

/**
 * Writes `token` to `file` (mode 0600) only if no file is there, atomically: the content goes to
 * a private temporary file first, which is then hard-linked into place — link(2) fails when the
 * name exists, so a reader never sees a half-written file and an existing one is never replaced.
 * Returns false when the file already existed.
 */
export async function createTokenFileExclusively(file: string, token: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, token + "\n", { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}
