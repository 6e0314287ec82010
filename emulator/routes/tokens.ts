import { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { iso, isoOrNull } from "../clock";
import { Ctx } from "../context";
import { badRequest, conflict, notFound } from "../errors";
import { paginate } from "../paging";
import { hashSecret, newCloudToken } from "../secrets";
import { TokenRecord } from "../store";
import { isObject, parseTime, queryValue } from "../validation";
import { findPolicy, validateDisplayName, validateName } from "./accessPolicies";
import { requireRegion } from "./common";

/** Tokens: grafana-cloud-api.md "Create a token" and after; real-api-behaviour.md "Tokens". */

export function tokenView(t: TokenRecord): Record<string, unknown> {
  return {
    id: t.id,
    accessPolicyId: t.accessPolicyId,
    name: t.name,
    displayName: t.displayName,
    expiresAt: isoOrNull(t.expiresAt),
    firstUsedAt: isoOrNull(t.firstUsedAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** null clears the expiry; otherwise an RFC 3339 time in the future. */
function validateExpiresAt(value: unknown, now: number): number | null {
  if (value === null) return null;
  const ms = parseTime(value);
  if (ms === undefined) throw badRequest("expiresAt: must be an RFC 3339 time, e.g. 2030-01-01T00:00:00Z");
  if (ms <= now) throw badRequest("expiresAt: must be in the future");
  return ms;
}

function findToken(ctx: Ctx, id: string, region: string): TokenRecord {
  const t = ctx.state.tokens.find((x) => x.id === id && x.region === region);
  if (t === undefined) throw notFound(`token ${id} not found`);
  return t;
}

export function registerTokens(app: FastifyInstance, ctx: Ctx): void {
  const read = { config: { scope: "accesspolicies:read", rateLimited: true } };
  const write = { config: { scope: "accesspolicies:write", rateLimited: true } };
  const del = { config: { scope: "accesspolicies:delete", rateLimited: true } };

  app.post("/api/v1/tokens", write, async (req) => {
    const region = requireRegion(req.query);
    const body = req.body;
    if (!isObject(body)) throw badRequest("request body must be a JSON object");
    if (typeof body.accessPolicyId !== "string" || body.accessPolicyId === "") {
      throw badRequest("accessPolicyId: is required");
    }
    const name = validateName(body.name);
    const displayName =
      body.displayName === undefined || body.displayName === null
        ? name
        : validateDisplayName(body.displayName);
    const now = ctx.now();
    const expiresAt = body.expiresAt === undefined ? null : validateExpiresAt(body.expiresAt, now);
    const policy = findPolicy(ctx, body.accessPolicyId, region);
    // Tokens, like policies, must have a unique name + org + region (grafana-cloud-api.md note).
    if (ctx.state.tokens.some((t) => t.name === name && t.region === region)) {
      throw conflict(`a token named ${JSON.stringify(name)} already exists in region ${region}`);
    }
    const secret = newCloudToken(ctx.opts.org.id, name, region);
    const token: TokenRecord = {
      id: randomUUID(),
      seq: ctx.store.nextSeq(),
      region,
      accessPolicyId: policy.id,
      name,
      displayName,
      expiresAt,
      firstUsedAt: null,
      lastUsedAt: null,
      createdAt: now,
      updatedAt: now,
      secretHash: hashSecret(secret),
    };
    ctx.state.tokens.push(token);
    ctx.save();
    // The secret is returned here and never again.
    return { ...tokenView(token), token: secret };
  });

  app.get("/api/v1/tokens", read, async (req) => {
    const region = requireRegion(req.query);
    const q = (k: string) => queryValue(req.query, k);
    const policyId = q("accessPolicyId");
    const policyName = q("accessPolicyName");
    const realmType = q("accessPolicyRealmType");
    const realmIdentifier = q("accessPolicyRealmIdentifier");
    const policyStatus = q("accessPolicyStatus");
    const name = q("name");
    const time = (k: string): number | undefined => {
      const v = q(k);
      if (v === undefined || v === "") return undefined;
      const ms = parseTime(v);
      if (ms === undefined) throw badRequest(`${k}: must be an ISO 8601 UTC time`);
      return ms;
    };
    const before = time("expiresBefore");
    const after = time("expiresAfter");
    if (realmIdentifier !== undefined && realmType === undefined) {
      throw badRequest("accessPolicyRealmIdentifier: requires accessPolicyRealmType");
    }
    const policies = new Map(ctx.state.policies.map((p) => [p.id, p]));
    const matching = ctx.state.tokens.filter((t) => {
      const p = policies.get(t.accessPolicyId);
      if (t.region !== region || p === undefined) return false;
      if (policyId !== undefined && t.accessPolicyId !== policyId) return false;
      if (policyName !== undefined && p.name !== policyName) return false;
      if (policyStatus !== undefined && p.status !== policyStatus) return false;
      if (
        realmType !== undefined &&
        !p.realms.some(
          (r) => r.type === realmType && (realmIdentifier === undefined || r.identifier === realmIdentifier),
        )
      ) {
        return false;
      }
      if (name !== undefined && t.name !== name) return false;
      if (before !== undefined && (t.expiresAt === null || t.expiresAt >= before)) return false;
      if (after !== undefined && (t.expiresAt === null || t.expiresAt <= after)) return false;
      return true;
    });
    const { page, pagination } = paginate(matching, req.query, "/v1/tokens");
    return { items: page.map(tokenView), metadata: { pagination } };
  });

  app.get<{ Params: { id: string } }>("/api/v1/tokens/:id", read, async (req) => {
    const region = requireRegion(req.query);
    return tokenView(findToken(ctx, req.params.id, region));
  });

  app.post<{ Params: { id: string } }>("/api/v1/tokens/:id", write, async (req) => {
    const region = requireRegion(req.query);
    const token = findToken(ctx, req.params.id, region);
    const body = req.body;
    if (!isObject(body)) throw badRequest("request body must be a JSON object");
    if (body.name !== undefined && body.name !== token.name) throw badRequest("name: cannot be changed");
    if (body.accessPolicyId !== undefined && body.accessPolicyId !== token.accessPolicyId) {
      throw badRequest("accessPolicyId: cannot be changed");
    }
    const now = ctx.now();
    const displayName =
      body.displayName === undefined || body.displayName === null
        ? token.displayName
        : validateDisplayName(body.displayName);
    const expiresAt = "expiresAt" in body ? validateExpiresAt(body.expiresAt, now) : token.expiresAt;
    token.displayName = displayName;
    token.expiresAt = expiresAt;
    token.updatedAt = now;
    ctx.save();
    return tokenView(token);
  });

  app.delete<{ Params: { id: string } }>("/api/v1/tokens/:id", del, async (req, reply) => {
    const region = requireRegion(req.query);
    const token = findToken(ctx, req.params.id, region);
    ctx.state.tokens = ctx.state.tokens.filter((t) => t !== token);
    ctx.save();
    return reply.status(204).send();
  });
}
