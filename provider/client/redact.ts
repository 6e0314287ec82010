/**
 * Keeps secrets out of errors. A server (or a proxy in front of it) may echo what it received or
 * made anywhere in its answer: in the message, the error code, the request id, a header, a JSON
 * key, a redirect target; raw, URL-encoded, JSON-escaped or base64-encoded. So the client does not
 * try to guess which field is dangerous: every string an error carries goes through `redact`, and
 * each secret is matched in all of those encodings.
 */

export const REDACTED = "[REDACTED]";

/** Shorter values are not treated as secrets: redacting them would shred ordinary text. */
const MIN_SECRET_LENGTH = 4;
/** Base64 fragments shorter than this are too likely to occur by chance. */
const MIN_BASE64_FRAGMENT = 8;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `abc` → `[aA][bB][cC]`-style matching for the hex digits of an escape. */
function hexPattern(hex: string): string {
  return [...hex].map((h) => (/[a-f]/i.test(h) ? `[${h.toLowerCase()}${h.toUpperCase()}]` : h)).join("");
}

/**
 * A pattern matching one character written raw, percent-encoded (any case of hex digits; a space
 * also as `+`), JSON-escaped (`\/`, `\"`, `\\`, `\uXXXX`) or as an HTML numeric entity.
 */
function charPattern(ch: string): string {
  const alternatives = new Set<string>([escapeRegExp(ch)]);
  const bytes = Buffer.from(ch, "utf8");
  alternatives.add(
    [...bytes].map((b) => "%" + hexPattern(b.toString(16).padStart(2, "0").toUpperCase())).join(""),
  );
  if (ch === " ") alternatives.add("\\+");
  const code = ch.codePointAt(0) ?? 0;
  if (code <= 0xffff) alternatives.add("\\\\u" + hexPattern(code.toString(16).padStart(4, "0")));
  if (ch === "/" || ch === '"' || ch === "\\") alternatives.add("\\\\" + escapeRegExp(ch));
  alternatives.add(`&#(?:0*${code}|[xX]0*${hexPattern(code.toString(16))});`);
  return alternatives.size === 1 ? escapeRegExp(ch) : `(?:${[...alternatives].join("|")})`;
}

/**
 * The parts of the base64 encodings of `secret` that do not depend on what surrounds it, for each
 * of the three alignments it can have inside a longer encoded string (e.g. `Basic base64(user:secret)`),
 * in the standard and the URL-safe alphabet.
 */
function base64Fragments(secret: string): string[] {
  const raw = Buffer.from(secret, "utf8");
  const out = new Set<string>();
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), raw]);
    const encoded = padded.toString("base64");
    // Characters of the first group mix in the bytes before the secret; those of a last, partial
    // group mix in the bytes after it.
    const start = shift === 0 ? 0 : 4;
    const end = Math.floor(padded.length / 3) * 4;
    const fragment = encoded.slice(start, end);
    if (fragment.length >= MIN_BASE64_FRAGMENT) {
      out.add(fragment);
      out.add(fragment.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...out];
}

/** The secrets of one call, and the means to remove them from anything an error carries. */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(secrets: readonly (string | null | undefined)[] = []) {
    for (const s of secrets) this.add(s);
  }

  add(secret: string | null | undefined): void {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.pattern = undefined;
  }

  /**
   * Registers the values of the named fields found in a body's text, whole or cut short, JSON or
   * not: e.g. the `token` of a created token in an answer that is then rejected, so that the
   * error about it cannot carry the secret it reports.
   */
  addFieldValues(text: string, fields: readonly string[]): void {
    // Also once unescaped: an answer quoted inside a JSON string (`\"token\":\"…\"`).
    const texts = [text, text.replace(/\\(["\\/])/g, "$1")];
    for (const field of fields) {
      const re = new RegExp(`"${escapeRegExp(field)}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)(?:"|\\\\?$)`, "g");
      for (const m of texts.flatMap((t) => [...t.matchAll(re)])) {
        const raw = m[1] ?? "";
        let value = raw;
        try {
          value = JSON.parse(`"${raw}"`) as string;
        } catch {
          // Cut short inside an escape: the raw text is what could be echoed.
        }
        this.add(value);
        this.add(raw);
      }
    }
  }

  private compiled(): RegExp | undefined {
    if (this.pattern || this.secrets.size === 0) return this.pattern;
    const forms = new Set<string>();
    for (const s of this.secrets) {
      forms.add(s);
      for (const f of base64Fragments(s)) forms.add(f);
    }
    // Longest first, so a secret is removed whole before a fragment of it could match.
    const alternatives = [...forms]
      .sort((a, b) => b.length - a.length)
      .map((f) => [...f].map(charPattern).join(""));
    this.pattern = new RegExp(alternatives.join("|"), "g");
    return this.pattern;
  }

  redact(text: string): string {
    const re = this.compiled();
    return re ? text.replace(re, REDACTED) : text;
  }

  /**
   * Rewrites every string an error carries (its message, its stack and every own property,
   * nested values included) with the secrets removed. Returns the same error.
   */
  scrub<E extends Error>(err: E): E {
    const seen = new Set<unknown>();
    const clean = (value: unknown): unknown => {
      if (typeof value === "string") return this.redact(value);
      if (value === null || typeof value !== "object" || seen.has(value)) return value;
      seen.add(value);
      if (Array.isArray(value)) return value.map(clean);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.redact(k)] = clean(v);
      return out;
    };
    for (const key of Object.getOwnPropertyNames(err)) {
      const desc = Object.getOwnPropertyDescriptor(err, key);
      if (!desc || !("value" in desc) || key === "name") continue;
      const cleaned = clean(desc.value);
      if (cleaned !== desc.value) Object.defineProperty(err, key, { ...desc, value: cleaned });
    }
    // `stack` may be an accessor on some engines; a plain assignment covers that case.
    if (typeof err.stack === "string") {
      const stack = this.redact(err.stack);
      if (stack !== err.stack) err.stack = stack;
    }
    return err;
  }
}
