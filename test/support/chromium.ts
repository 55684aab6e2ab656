/**
 * Debian's chromium driven by playwright-core (no browser download): headless, as root without a
 * sandbox, with its background networking off (this machine's network is closed), each launch in
 * a fresh temporary profile (playwright's default). Tests that need
 * it skip with the reason below where it is missing, unless REQUIRE_BROWSER is set (CI sets it in
 * the PostgreSQL pass, so a missing browser fails the run there).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const BROWSER_REQUIRED = process.env.REQUIRE_BROWSER === "1";
export const NO_CHROMIUM_REASON = `no chromium at ${CHROMIUM} (apt-get install chromium; CI installs it)`;

if (BROWSER_REQUIRED && !hasChromium) throw new Error(`REQUIRE_BROWSER=1 but ${NO_CHROMIUM_REASON}`);

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
