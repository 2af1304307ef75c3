/**
 * Bounded waits, shared by the tests in workerd (test/*.test.ts) and those
 * against a real wrangler dev (test/node, test/browser). No imports: both
 * runtimes load it.
 */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `ready` every `everyMs` until it holds; fails after `ms` with what it
 * waited for and `detail()` in the message. Every wait in these tests goes
 * through here, so none can hang a run: a hang is a failure that says why.
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
