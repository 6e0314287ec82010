import { isIP } from "node:net";

/** Small shape checks shared by the route modules; each caller chooses the status it answers. */

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Access policy and token names (grafana-cloud-api.md, "Create an access policy"). */
export const NAME_RE = /^[a-z0-9_-]{1,255}$/;

/**
 * `service:permission`. The set of services grows (real-api-behaviour.md, "Access policies"), so
 * only the shape is checked, never a list of known services.
 */
export const SCOPE_RE = /^[a-z0-9][a-z0-9._-]*:[a-z0-9][a-z0-9._-]*$/;

/** Stack slugs (real-api-behaviour.md, "Stacks"): hyphens are rejected. */
export const SLUG_RE = /^[a-z][a-z0-9]{0,28}$/;

/** Stack label keys and values (real-api-behaviour.md, "Stacks"). */
export const LABEL_RE = /^[a-zA-Z0-9/\-._]+$/;

export const MAX_LABELS = 10;

/** A CIDR block, IPv4 or IPv6; a bare IP without a prefix length is invalid. */
export function isCidr(s: string): boolean {
  const slash = s.indexOf("/");
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  const family = isIP(ip);
  if (family === 4) return bits <= 32;
  if (family === 6) return bits <= 128;
  return false;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Epoch ms of an RFC 3339 / ISO 8601 UTC time, or undefined if it is not one. */
export function parseTime(s: unknown): number | undefined {
  if (typeof s !== "string" || !RFC3339.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The first value of a query parameter (repeated parameters arrive as arrays). */
export function queryValue(query: unknown, key: string): string | undefined {
  if (!isObject(query)) return undefined;
  const v = query[key];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === "string" ? first : undefined;
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
