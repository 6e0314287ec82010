/** Field rules shared by several resources, each message naming the rule it enforces. */
import { z } from "zod";

export const REGION_RULE = "must be a region slug such as us, eu or prod-eu-west-3 (see getStackRegions())";
export const regionRule = z.string({ error: REGION_RULE }).regex(/^[a-z][a-z0-9-]{0,63}$/, REGION_RULE);

export const SLUG_RULE = "must be 1-29 lowercase letters and digits, starting with a letter";
/** Stack slugs: the API refuses anything else, hyphens included. */
export const slugRule = z.string({ error: SLUG_RULE }).regex(/^[a-z][a-z0-9]{0,28}$/, SLUG_RULE);

/** RFC 3339 date-time with a zone, e.g. 2030-01-01T00:00:00Z. */
export const RFC3339_RULE = "must be an RFC 3339 date-time with a time zone, e.g. 2030-01-01T00:00:00Z";
export const rfc3339Rule = z.iso.datetime({ offset: true, error: RFC3339_RULE });

import { PROTO_KEY_RULE } from "./toolkit/protoKey";

/**
 * The longest lifetime this package gives a token it makes, in seconds (10 years): a service
 * account token's `secondsToLive` and a rotation's `expireAfterSeconds`, on both token kinds.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 10 * 365 * 86_400;

export { PROTO_KEY_RULE };

/** Refuses an own `__proto__` key before a record schema (which would drop it) sees the map. */
export const noProtoKey = z.unknown().superRefine((v, ctx) => {
  if (v !== null && typeof v === "object" && Object.prototype.hasOwnProperty.call(v, "__proto__")) {
    ctx.addIssue({ code: "custom", path: ["__proto__"], message: PROTO_KEY_RULE });
  }
});
