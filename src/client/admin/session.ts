/**
 * The operator's key for this tab only: sessionStorage, never localStorage
 * (it would outlive the tab) and never the address (it would reach history,
 * logs and referrers). Signing out forgets it.
 */
const STORED = "parley.admin.key";

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORED);
  } catch {
    return null;
  }
}

export function keepKey(key: string): void {
  try {
    sessionStorage.setItem(STORED, key);
  } catch {
    // Storage refused (a privacy mode): the key lives in memory until the page closes.
  }
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(STORED);
  } catch {
    // Nothing was kept.
  }
}
