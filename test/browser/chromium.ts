/**
 * Debian's Chromium for the browser tests, driven by playwright-core. Never a
 * downloaded browser: `scripts/ensure-chromium.sh` installs the `chromium`
 * package (or set CHROMIUM_PATH to another Chromium or Chrome binary).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Headless, as root, on a machine with no network but loopback: no sandbox,
// no GPU, and none of the background connections Chromium makes at start.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Starts headless Chromium, or fails at once saying how to install it. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run scripts/ensure-chromium.sh (as root it installs Debian's chromium), or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
}
