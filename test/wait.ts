/**
 * Bounded waits, shared by the tests in workerd (test/*.test.ts) and those
 * against a real wrangler dev (test/node, test/browser). No imports: both
 * runtimes load it.
 */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `ready` every `everyMs` until it holds; fails after `ms` with what it
 * waited for and `detail()` in the message. Every wait for something that
 * happens goes through here, so none can hang a run: a hang is a failure
 * that says why.
 */
export async function waitUntil(
  what: string,
  ready: () => boolean | Promise<boolean>,
  ms: number,
  detail: () => string | Promise<string> = () => "",
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) {
      const state = await detail();
      throw new Error(`timed out after ${ms} ms waiting until ${what}${state ? `\n${state}` : ""}`);
    }
    await sleep(everyMs);
  }
}

/**
 * Watches for `ms` that `happened` stays false, and fails as soon as it turns
 * true, saying what happened and `detail()`. This is the one wait with a fixed
 * window: that something does NOT happen has no event to wait for, so the only
 * proof is a window longer than it would take if it were going to. Pick `ms`
 * from that time, and use waitUntil for everything that does happen.
 */
export async function expectNothingFor(
  what: string,
  happened: () => boolean | Promise<boolean>,
  ms: number,
  detail: () => string | Promise<string> = () => "",
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await happened()) {
      const state = await detail();
      throw new Error(`expected nothing for ${ms} ms, but ${what}${state ? `\n${state}` : ""}`);
    }
    const left = deadline - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(everyMs, left));
  }
}

/**
 * Waits until a token bucket refilling `perSecond` tokens a second has gained
 * `tokens` since it ran dry, and a margin for timers. A bucket refills with
 * time alone and tells no one, so a fixed wait is the only way to let it.
 */
export function waitForTokenRefill(perSecond: number, tokens = 1): Promise<void> {
  return sleep(Math.ceil((tokens * 1000) / perSecond) + 100);
}
