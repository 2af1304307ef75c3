/** How a verdict's figure writes what was measured, on one line. */

export const MiB = 1024 * 1024;

export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(bytes < MiB ? 2 : 1)} MiB`;

export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A short, one-line rendering of a string. */
export const show = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** Adds one to `key`'s count. */
export function count<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** `key×n key×n …`, in the order the keys were first counted. */
export const counted = <K>(counts: Map<K, number>): string => [...counts].map(([key, n]) => `${key}×${n}`).join(" ");

/** p-th percentile (nearest rank) of samples; NaN for none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
