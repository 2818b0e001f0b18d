/**
 * Poll until `check` returns a value (anything but undefined or false), and
 * return it; an error thrown by `check` counts as "not yet". Fails after `ms`
 * naming what it waited for and the last error seen.
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + ms;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}${lastErr ? ` (${String(lastErr)})` : ''}`);
}
