/**
 * Polls `probe` until it returns a value other than undefined or false, or fails after `ms`. A
 * probe that answers `false` is still waiting: `waitFor(async () => done)` cannot pass early.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  ms = 20000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
