import { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { iso } from "../clock";
import { Ctx } from "../context";
import { badRequest, conflict, notFound } from "../errors";
import { paginate } from "../paging";
import { AccessPolicyRecord, PolicyStatus, Realm } from "../store";
import { NAME_RE, SCOPE_RE, isCidr, isObject, queryValue } from "../validation";
import { requireRegion } from "./common";

/** Access policies: grafana-cloud-api.md "Access policies and tokens"; real-api-behaviour.md "Access policies". */

export function policyView(ctx: Ctx, p: AccessPolicyRecord): Record<string, unknown> {
  return {
    id: p.id,
    orgId: String(ctx.opts.org.id),
    name: p.name,
    displayName: p.displayName,
    scopes: [...p.scopes],
    realms: p.realms.map((r) => ({
      type: r.type,
      identifier: r.identifier,
      labelPolicies: r.labelPolicies.map((l) => ({ selector: l.selector })),
    })),
    conditions: p.allowedSubnets === null ? null : { allowedSubnets: [...p.allowedSubnets] },
    status: p.status,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

export function validateName(value: unknown, field = "name"): string {
  if (value === undefined || value === null || value === "") throw badRequest(`${field}: is required`);
  if (typeof value !== "string" || !NAME_RE.test(value)) {
    throw badRequest(
      `${field}: must be 1-255 characters of lowercase letters (a-z), digits (0-9), hyphens (-) and underscores (_)`,
    );
  }
  return value;
}

export function validateDisplayName(value: unknown): string {
  if (typeof value !== "string" || value.length < 1 || value.length > 255) {
    throw badRequest("displayName: must be 1-255 characters long");
  }
  return value;
}

function validateScopes(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest("scopes: at least one scope is required");
  return value.map((s, i) => {
    if (typeof s !== "string" || !SCOPE_RE.test(s)) {
      throw badRequest(`scopes[${i}]: ${JSON.stringify(s)} is not of the form service:permission`);
    }
    return s;
  });
}

function validateRealms(value: unknown): Realm[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest("realms: at least one realm is required");
  return value.map((r, i) => {
    if (!isObject(r)) throw badRequest(`realms[${i}]: must be an object`);
    if (r.type !== "org" && r.type !== "stack")
      throw badRequest(`realms[${i}].type: must be "org" or "stack"`);
    if (typeof r.identifier !== "string" || r.identifier.trim() === "") {
      throw badRequest(`realms[${i}].identifier: is required (the org or stack id as a string)`);
    }
    const lp = r.labelPolicies ?? [];
    if (!Array.isArray(lp)) throw badRequest(`realms[${i}].labelPolicies: must be a list`);
    const labelPolicies = lp.map((l, j) => {
      if (!isObject(l) || typeof l.selector !== "string" || l.selector.trim() === "") {
        throw badRequest(`realms[${i}].labelPolicies[${j}].selector: is required`);
      }
      return { selector: l.selector };
    });
    return { type: r.type, identifier: r.identifier, labelPolicies };
  });
}

/** `{}`, `{allowedSubnets: []}` and null all mean "no conditions" (grafana-cloud-api.md, update note). */
function validateConditions(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw badRequest("conditions: must be an object");
  const subnets = value.allowedSubnets;
  if (subnets === undefined || subnets === null) return null;
  if (!Array.isArray(subnets)) throw badRequest("conditions.allowedSubnets: must be a list of CIDR blocks");
  if (subnets.length === 0) return null;
  return subnets.map((s, i) => {
    if (typeof s !== "string" || !isCidr(s)) {
      throw badRequest(
        `conditions.allowedSubnets[${i}]: ${JSON.stringify(s)} is not a CIDR block (IPv4 or IPv6 with a prefix length)`,
      );
    }
    return s;
  });
}

function validateStatus(value: unknown): PolicyStatus {
  if (value !== "active" && value !== "inactive") throw badRequest(`status: must be "active" or "inactive"`);
  return value;
}

export function findPolicy(ctx: Ctx, id: string, region: string): AccessPolicyRecord {
  const p = ctx.state.policies.find((x) => x.id === id && x.region === region);
  if (p === undefined) throw notFound(`access policy ${id} not found`);
  return p;
}

export function registerAccessPolicies(app: FastifyInstance, ctx: Ctx): void {
  const read = { config: { scope: "accesspolicies:read", rateLimited: true } };
  const write = { config: { scope: "accesspolicies:write", rateLimited: true } };
  const del = { config: { scope: "accesspolicies:delete", rateLimited: true } };

  app.post("/api/v1/accesspolicies", write, async (req) => {
    const region = requireRegion(req.query);
    const body = req.body;
    if (!isObject(body)) throw badRequest("request body must be a JSON object");
    const name = validateName(body.name);
    const displayName =
      body.displayName === undefined || body.displayName === null
        ? name
        : validateDisplayName(body.displayName);
    const scopes = validateScopes(body.scopes);
    const realms = validateRealms(body.realms);
    const allowedSubnets = validateConditions(body.conditions);
    const status = body.status === undefined || body.status === null ? "active" : validateStatus(body.status);
    if (ctx.state.policies.some((p) => p.name === name && p.region === region)) {
      throw conflict(`an access policy named ${JSON.stringify(name)} already exists in region ${region}`);
    }
    const now = ctx.now();
    const policy: AccessPolicyRecord = {
      id: randomUUID(),
      seq: ctx.store.nextSeq(),
      region,
      name,
      displayName,
      scopes,
      realms,
      allowedSubnets,
      status,
      createdAt: now,
      updatedAt: now,
    };
    ctx.state.policies.push(policy);
    ctx.save();
    return policyView(ctx, policy);
  });

  app.get("/api/v1/accesspolicies", read, async (req) => {
    const region = requireRegion(req.query);
    const name = queryValue(req.query, "name");
    const realmType = queryValue(req.query, "realmType");
    const realmIdentifier = queryValue(req.query, "realmIdentifier");
    const status = queryValue(req.query, "status");
    if (realmType !== undefined && realmType !== "org" && realmType !== "stack") {
      throw badRequest(`realmType: must be "org" or "stack"`);
    }
    if (realmIdentifier !== undefined && realmType === undefined) {
      throw badRequest("realmIdentifier: requires realmType");
    }
    if (status !== undefined && status !== "active" && status !== "inactive") {
      throw badRequest(`status: must be "active" or "inactive"`);
    }
    const matching = ctx.state.policies.filter(
      (p) =>
        p.region === region &&
        (name === undefined || p.name === name) &&
        (status === undefined || p.status === status) &&
        (realmType === undefined ||
          p.realms.some(
            (r) =>
              r.type === realmType && (realmIdentifier === undefined || r.identifier === realmIdentifier),
          )),
    );
    const { page, pagination } = paginate(matching, req.query, "/v1/accesspolicies");
    return { items: page.map((p) => policyView(ctx, p)), metadata: { pagination } };
  });

  app.get<{ Params: { id: string } }>("/api/v1/accesspolicies/:id", read, async (req) => {
    const region = requireRegion(req.query);
    return policyView(ctx, findPolicy(ctx, req.params.id, region));
  });

  app.post<{ Params: { id: string } }>("/api/v1/accesspolicies/:id", write, async (req) => {
    const region = requireRegion(req.query);
    const policy = findPolicy(ctx, req.params.id, region);
    const body = req.body;
    if (!isObject(body)) throw badRequest("request body must be a JSON object");
    // The name identifies the policy within org + region and cannot change (real-api-behaviour.md).
    if (body.name !== undefined && body.name !== policy.name) throw badRequest("name: cannot be changed");
    const next = { ...policy };
    if (body.displayName !== undefined && body.displayName !== null) {
      next.displayName = validateDisplayName(body.displayName);
    }
    if (body.scopes !== undefined) next.scopes = validateScopes(body.scopes);
    if (body.realms !== undefined) next.realms = validateRealms(body.realms);
    if ("conditions" in body) next.allowedSubnets = validateConditions(body.conditions);
    if (body.status !== undefined && body.status !== null) next.status = validateStatus(body.status);
    next.updatedAt = ctx.now();
    Object.assign(policy, next);
    ctx.save();
    return policyView(ctx, policy);
  });

  app.delete<{ Params: { id: string } }>("/api/v1/accesspolicies/:id", del, async (req, reply) => {
    const region = requireRegion(req.query);
    const policy = findPolicy(ctx, req.params.id, region);
    ctx.state.policies = ctx.state.policies.filter((p) => p !== policy);
    // A policy's tokens go with it (real-api-behaviour.md, "Tokens", inferred).
    ctx.state.tokens = ctx.state.tokens.filter((t) => t.accessPolicyId !== policy.id);
    ctx.save();
    return reply.status(204).send();
  });
}
