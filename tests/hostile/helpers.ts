import util from "node:util";
import { ApiClient, type ClientOptions } from "../../provider/client/http";

/** The access token of the hostile tests: shaped like a real one, with `/`, `+` and `=` in it. */
export const TOKEN = "glc_eyJvIjoiMTIzNCIsIm4iOiJob3N0aWxlIiwiayI6ImFi/cd+ef=gh";

/** Short limits, so every bounded-time test is quick. */
export const FAST = { timeoutMs: 800, retryBudgetMs: 2500, baseDelayMs: 10, maxDelayMs: 50 } as const;

export function client(url: string, extra: Partial<ClientOptions> = {}): ApiClient {
  return new ApiClient({ baseUrl: url, token: TOKEN, ...FAST, ...extra });
}

export async function caught(p: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, any>;
  }
  throw new Error("expected a rejection");
}

/** Runs `fn` and returns its rejection with the time it took. */
export async function timed(p: Promise<unknown>): Promise<{ err: Error & Record<string, any>; ms: number }> {
  const started = Date.now();
  const err = await caught(p);
  return { err, ms: Date.now() - started };
}

/** Every form in which a secret could be echoed and still be read back. */
export function encodingsOf(secret: string): Record<string, string> {
  const b64 = Buffer.from(secret).toString("base64");
  return {
    raw: secret,
    urlEncoded: encodeURIComponent(secret),
    urlEncodedLowerHex: encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    jsonEscaped: JSON.stringify(secret).slice(1, -1).replace(/\//g, "\\/"),
    base64: b64.replace(/=+$/, ""),
    base64url: b64.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_"),
    // Inside a longer base64 text (e.g. `Basic base64(user:secret)`) the middle still reads.
    base64Embedded: Buffer.from(`user:${secret}`).toString("base64").slice(8, -8),
  };
}

/** Every text an error shows, however it is printed or inspected. */
export function textsOf(err: Error): Record<string, string> {
  const out: Record<string, string> = {
    string: String(err),
    message: err.message,
    stack: err.stack ?? "",
    json: JSON.stringify(err),
    inspect: util.inspect(err, { depth: 10, showHidden: true }),
  };
  for (const key of Object.getOwnPropertyNames(err)) {
    const v = (err as unknown as Record<string, unknown>)[key];
    out[`own:${key}`] = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  }
  return out;
}

/** The places where one of the secrets shows, in any encoding: empty when there are none. */
export function leaks(err: Error, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(textsOf(err))) {
    for (const s of secrets) {
      for (const [encoding, form] of Object.entries(encodingsOf(s))) {
        if (text.includes(form)) found.push(`${where} (${encoding} of ${s.slice(0, 8)}…)`);
      }
    }
  }
  return found;
}
