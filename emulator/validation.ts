import { isIP } from "node:net";

/**
 * The input rules the emulator enforces, and small shape helpers for the model modules.
 *
 * The provider checks the same rules before it sends anything; the two copies are written
 * separately on purpose (the emulator imports nothing from the provider, so a misunderstanding
 * of the API cannot hide on both sides at once), and tests/contract/rulesAgree.test.ts feeds one
 * table of values to both and fails when they disagree.
 */

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Access policy and token names: 1-255 of lowercase letters, digits, `-` and `_`. */
export const NAME_RE = /^[a-z0-9_-]{1,255}$/;
export const NAME_RULE =
  "must be 1-255 characters of lowercase letters (a-z), digits (0-9), hyphens (-) and underscores (_)";

/**
 * `service:permission`, each part lowercase letters, digits and hyphens, starting with a letter or
 * digit (`metrics:read`, `stack-plugins:write`). The set of services grows, so only the shape is
 * checked, never a list of known services.
 */
export const SCOPE_RE = /^[a-z0-9][a-z0-9-]*:[a-z0-9][a-z0-9-]*$/;

/** Stack slugs: lowercase letters and digits, starting with a letter, at most 29; the API rejects hyphens. */
export const SLUG_RE = /^[a-z][a-z0-9]{0,28}$/;

/**
 * Stack label keys and values: letters, digits, `/ - . _`, at most 255 characters each. The length
 * cap (like the name and description caps below) is not documented by the API: it is the bound
 * the provider checks, enforced here too so that both refuse the same runaway values.
 */
export const LABEL_RE = /^[a-zA-Z0-9/\-._]{1,255}$/;
export const MAX_LABELS = 10;

/** Stack names: 1-255 characters. */
export const STACK_NAME_MAX = 255;
/** Stack descriptions: at most 4096 characters. */
export const STACK_DESCRIPTION_MAX = 4096;

/** Region slugs such as `us`, `eu`, `prod-eu-west-3`: the shape, before the region is looked up. */
export const REGION_RE = /^[a-z][a-z0-9-]{0,63}$/;
export const REGION_RULE = "must be a region slug such as us, eu or prod-eu-west-3";

/** Realm identifiers are the numeric id of the org or stack, sent as a string (an int64: 1-19 digits). */
export const REALM_IDENTIFIER_RE = /^\d{1,19}$/;

/** Access policy ids as the API makes them (UUIDs): letters, digits, `-` and `_`, 1-255. */
export const ACCESS_POLICY_ID_RE = /^[A-Za-z0-9_-]{1,255}$/;

/** Plugin ids of the Grafana catalog, e.g. `grafana-clock-panel`. */
export const PLUGIN_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,189}$/;

/** `latest` or a version such as `1.2.3`, `2.0.0-beta.1`, at most 64 characters. */
export const PLUGIN_VERSION_RE = /^(?=.{1,64}$)(latest|\d+(\.\d+){0,3}([-+][0-9A-Za-z.+-]+)?)$/;

/** Display names of policies and tokens. */
export function isDisplayName(v: unknown): v is string {
  return typeof v === "string" && v.length >= 1 && v.length <= 255;
}

/**
 * A key's lifetime: at most 100 years. Grafana adds it to the current time as a Go duration in
 * nanoseconds, which overflows past about 292 years, and a JavaScript date ends at year 275760.
 */
export const MAX_SECONDS_TO_LIVE = 100 * 365 * 86_400;

/** Hosted Grafana API key names: at most 190 characters, not blank. */
export function isStackKeyName(v: unknown): v is string {
  return typeof v === "string" && v.length <= 190 && /\S/.test(v);
}

/** Service account names: at most 255 characters (Grafana's user name column), not blank. */
export function isServiceAccountName(v: unknown): v is string {
  return typeof v === "string" && v.length <= 255 && /\S/.test(v);
}

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const IPV4_RE = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

/**
 * A CIDR block: an IPv4 address in dotted decimal (no leading zeros) with a prefix of 0-32, or an
 * IPv6 address (no zone) with a prefix of 0-128. A bare IP without a prefix length is invalid, and
 * the prefix is a plain decimal number (`/08` is not one).
 */
export function isCidr(s: string): boolean {
  const parts = s.split("/");
  if (parts.length !== 2) return false;
  const [ip = "", prefix = ""] = parts;
  if (!/^(0|[1-9]\d{0,2})$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (IPV4_RE.test(ip)) return bits <= 32;
  if (/^[0-9a-fA-F:.]+$/.test(ip) && isIP(ip) === 6) return bits <= 128;
  return false;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/**
 * Epoch ms of an RFC 3339 date-time with a time zone (`2030-01-01T00:00:00Z`,
 * `2030-01-01T02:00:00.5+02:00`), or undefined if it is not one: seconds are required, `T` and `Z`
 * are upper case, and the date must exist (no 2023-02-29).
 */
export function parseTime(s: unknown): number | undefined {
  if (typeof s !== "string") return undefined;
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An absolute `http://` or `https://` URL (surrounding blanks aside), as a custom stack domain. */
export function isHttpUrl(v: unknown): v is string {
  if (typeof v !== "string") return false;
  const trimmed = v.trim();
  if (!/^https?:\/\//i.test(trimmed)) return false;
  try {
    const u = new URL(trimmed);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

/** The first value of a query parameter (repeated parameters arrive as arrays). */
export function queryValue(query: unknown, key: string): string | undefined {
  if (!isObject(query)) return undefined;
  const v = query[key];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === "string" ? first : undefined;
}

/**
 * Every value of a list parameter: repeated (`regionIn=us&regionIn=eu`) or comma-separated
 * (`slugIn=a,b`); the contract documents no single format, so both are taken. Undefined if absent.
 */
export function queryList(query: unknown, key: string): string[] | undefined {
  if (!isObject(query) || query[key] === undefined) return undefined;
  const v = query[key];
  const raw = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
  return raw.flatMap((x) => x.split(",")).filter((x) => x !== "");
}

export function queryRecord(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(query)) return out;
  for (const key of Object.keys(query)) {
    const v = queryValue(query, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
