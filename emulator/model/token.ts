import { randomUUID } from "node:crypto";
import { iso, isoOrNull } from "../clock";
import type { Ctx } from "../context";
import { conflict, invalid, notFound } from "../errors";
import { hashSecret, newCloudToken } from "../secrets";
import type { Frozen } from "../store";
import { ACCESS_POLICY_ID_RE, isObject, parseTime, queryList, queryValue } from "../validation";
import {
  matchesRealm,
  requirePolicy,
  validateDisplayName,
  validateName,
  type RealmFilter,
} from "./accessPolicy";

/**
 * Access policy tokens (`/v1/tokens`, per region). The secret is shown once, in the create
 * answer, and kept only as a hash. A token past its `expiresAt` is gone: the service deletes
 * expired tokens, so every read here leaves them out (and the next change drops them for good).
 */

export interface TokenRecord {
  id: string;
  seq: number;
  region: string;
  accessPolicyId: string;
  name: string;
  displayName: string;
  expiresAt: number | null;
  firstUsedAt: number | null;
  lastUsedAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** sha256 of the secret; the secret itself is only ever in the create response. */
  secretHash: string;
}

export type Token = Frozen<TokenRecord>;

/**
 * What the API answers for a token (never its secret). Times not set yet answer null as observed;
 * under the contract, which allows no null there, they are left out.
 */
export function tokenView(ctx: Ctx, t: Token): Record<string, unknown> {
  const time = (key: string, ms: number | null) =>
    ms === null && ctx.strict ? {} : { [key]: isoOrNull(ms) };
  return {
    id: t.id,
    accessPolicyId: t.accessPolicyId,
    name: t.name,
    displayName: t.displayName,
    ...time("expiresAt", t.expiresAt),
    ...time("firstUsedAt", t.firstUsedAt),
    ...time("lastUsedAt", t.lastUsedAt),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

function isLive(t: Token, now: number): boolean {
  return t.expiresAt === null || t.expiresAt > now;
}

/** The tokens that exist now: expired ones are gone. */
export function liveTokens(ctx: Ctx): Token[] {
  const now = ctx.now();
  return ctx.state.tokens.filter((t) => isLive(t, now));
}

/** null clears the expiry; otherwise an RFC 3339 time in the future. */
function validateExpiresAt(value: unknown, now: number): number | null {
  if (value === null) return null;
  const ms = parseTime(value);
  if (ms === undefined) throw invalid("expiresAt: must be an RFC 3339 time, e.g. 2030-01-01T00:00:00Z");
  if (ms <= now) throw invalid("expiresAt: must be in the future");
  return ms;
}

export interface TokenInput {
  accessPolicyId: string;
  name: string;
  displayName: string;
  expiresAt: number | null;
}

export function parseTokenCreate(body: unknown, now: number): TokenInput {
  if (!isObject(body)) throw invalid("request body must be a JSON object");
  if (typeof body.accessPolicyId !== "string" || body.accessPolicyId === "") {
    throw invalid("accessPolicyId: is required");
  }
  if (!ACCESS_POLICY_ID_RE.test(body.accessPolicyId)) {
    throw invalid("accessPolicyId: must be the id of an access policy (1-255 letters, digits, '-' and '_')");
  }
  const name = validateName(body.name);
  return {
    accessPolicyId: body.accessPolicyId,
    name,
    displayName:
      body.displayName === undefined || body.displayName === null
        ? name
        : validateDisplayName(body.displayName),
    expiresAt: body.expiresAt === undefined ? null : validateExpiresAt(body.expiresAt, now),
  };
}

export interface TokenChanges {
  displayName?: string;
  expiresAt?: number | null;
}

/** Only `displayName` and `expiresAt` change; `name` and `accessPolicyId` are fixed. */
export function parseTokenUpdate(body: unknown, current: Token, now: number): TokenChanges {
  if (!isObject(body)) throw invalid("request body must be a JSON object");
  if (body.name !== undefined && body.name !== current.name) throw invalid("name: cannot be changed");
  if (body.accessPolicyId !== undefined && body.accessPolicyId !== current.accessPolicyId) {
    throw invalid("accessPolicyId: cannot be changed");
  }
  const changes: TokenChanges = {};
  if (body.displayName !== undefined && body.displayName !== null) {
    changes.displayName = validateDisplayName(body.displayName);
  }
  if ("expiresAt" in body) changes.expiresAt = validateExpiresAt(body.expiresAt, now);
  return changes;
}

export function requireToken(ctx: Ctx, id: string, region: string): Token {
  const t = liveTokens(ctx).find((x) => x.id === id && x.region === region);
  if (t === undefined) throw notFound(`token ${id} not found`);
  return t;
}

/** Creates the token and answers it with its secret, the only time the secret is shown. */
export function createToken(ctx: Ctx, region: string, input: TokenInput): { token: Token; secret: string } {
  const policy = requirePolicy(ctx, input.accessPolicyId, region);
  // Token names, like policy names, are unique per org and region.
  if (liveTokens(ctx).some((t) => t.name === input.name && t.region === region)) {
    throw conflict(`a token named ${JSON.stringify(input.name)} already exists in region ${region}`);
  }
  const secret = newCloudToken(ctx.opts.org.id, input.name, region);
  const token = ctx.mutate((state, now) => {
    state.seq += 1;
    const record: TokenRecord = {
      id: randomUUID(),
      seq: state.seq,
      region,
      accessPolicyId: policy.id,
      name: input.name,
      displayName: input.displayName,
      expiresAt: input.expiresAt,
      firstUsedAt: null,
      lastUsedAt: null,
      createdAt: now,
      updatedAt: now,
      secretHash: hashSecret(secret),
    };
    state.tokens.push(record);
    return record;
  });
  return { token, secret };
}

export function updateToken(ctx: Ctx, token: Token, changes: TokenChanges): Token {
  return ctx.mutate((state, now) => {
    const target = state.tokens.find((t) => t.id === token.id);
    if (target === undefined) throw notFound(`token ${token.id} not found`);
    Object.assign(target, changes, { updatedAt: now });
    return target;
  });
}

export function deleteToken(ctx: Ctx, token: Token): void {
  ctx.mutate((state) => {
    state.tokens = state.tokens.filter((t) => t.id !== token.id);
  });
}

/** The live token whose secret this is, if any. */
export function tokenBySecret(ctx: Ctx, secret: string): Token | undefined {
  const hash = hashSecret(secret);
  return liveTokens(ctx).find((t) => t.secretHash === hash);
}

/** Records a use of the token; kept in memory until the next change is saved. */
export function recordUse(ctx: Ctx, token: Token): void {
  ctx.note((state, now) => {
    const target = state.tokens.find((t) => t.id === token.id);
    if (target === undefined) return;
    target.firstUsedAt ??= now;
    target.lastUsedAt = now;
  });
}

/**
 * `GET /v1/tokens` filters: by the token's policy (`accessPolicyId`, `accessPolicyIds`,
 * `accessPolicyName`, `accessPolicyStatus`, `accessPolicyRealmType` + `...Identifier`), by `name`,
 * and by expiry (`expiresBefore`, `expiresAfter`; tokens without expiry match neither).
 * `includeExpired` is accepted and changes nothing: expired tokens no longer exist.
 */
export function listTokens(ctx: Ctx, region: string, query: unknown): Token[] {
  const q = (k: string) => queryValue(query, k);
  const policyId = q("accessPolicyId");
  const policyIds = queryList(query, "accessPolicyIds");
  const policyName = q("accessPolicyName");
  const realmType = q("accessPolicyRealmType");
  const realmIdentifier = q("accessPolicyRealmIdentifier");
  const policyStatus = q("accessPolicyStatus");
  const name = q("name");
  const time = (k: string): number | undefined => {
    const v = q(k);
    if (v === undefined || v === "") return undefined;
    const ms = parseTime(v);
    if (ms === undefined) throw invalid(`${k}: must be an ISO 8601 UTC time`);
    return ms;
  };
  const before = time("expiresBefore");
  const after = time("expiresAfter");
  if (realmIdentifier !== undefined && realmType === undefined) {
    throw invalid("accessPolicyRealmIdentifier: requires accessPolicyRealmType");
  }
  const realm: RealmFilter = {};
  if (realmType !== undefined) realm.type = realmType;
  if (realmIdentifier !== undefined) realm.identifier = realmIdentifier;
  const policies = new Map(ctx.state.policies.map((p) => [p.id, p]));
  return liveTokens(ctx).filter((t) => {
    const p = policies.get(t.accessPolicyId);
    if (t.region !== region || p === undefined) return false;
    if (policyId !== undefined && t.accessPolicyId !== policyId) return false;
    if (policyIds !== undefined && !policyIds.includes(t.accessPolicyId)) return false;
    if (policyName !== undefined && p.name !== policyName) return false;
    if (policyStatus !== undefined && p.status !== policyStatus) return false;
    if (!matchesRealm(p, realm)) return false;
    if (name !== undefined && t.name !== name) return false;
    if (before !== undefined && (t.expiresAt === null || t.expiresAt >= before)) return false;
    if (after !== undefined && (t.expiresAt === null || t.expiresAt <= after)) return false;
    return true;
  });
}
