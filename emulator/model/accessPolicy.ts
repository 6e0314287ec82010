import { randomUUID } from "node:crypto";
import { iso } from "../clock";
import type { Ctx } from "../context";
import { conflict, invalid, notFound } from "../errors";
import type { Frozen } from "../store";
import {
  NAME_RE,
  NAME_RULE,
  REALM_IDENTIFIER_RE,
  SCOPE_RE,
  isCidr,
  isDisplayName,
  isObject,
  queryValue,
} from "../validation";

/**
 * Access policies (`/v1/accesspolicies`, per region). A policy's name is unique per org and region
 * and never changes; deleting a policy deletes its tokens.
 */

export type RealmType = "org" | "stack";

export interface LabelPolicy {
  selector: string;
}

export interface Realm {
  type: RealmType;
  identifier: string;
  labelPolicies: LabelPolicy[];
}

export type PolicyStatus = "active" | "inactive";

export interface AccessPolicyRecord {
  id: string;
  /** Creation order; list order and paging cursors use it. */
  seq: number;
  region: string;
  name: string;
  displayName: string;
  scopes: string[];
  realms: Realm[];
  /** null when the policy has no conditions. */
  allowedSubnets: string[] | null;
  status: PolicyStatus;
  createdAt: number;
  updatedAt: number;
}

export type AccessPolicy = Frozen<AccessPolicyRecord>;

/**
 * What the API answers for a policy. A policy without conditions answers `conditions: null` as
 * observed; under the contract, which allows no null there, the field is left out.
 */
export function policyView(ctx: Ctx, p: AccessPolicy): Record<string, unknown> {
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
    ...(p.allowedSubnets === null
      ? ctx.strict
        ? {}
        : { conditions: null }
      : { conditions: { allowedSubnets: [...p.allowedSubnets] } }),
    status: p.status,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

export function validateName(value: unknown, field = "name"): string {
  if (value === undefined || value === null || value === "") throw invalid(`${field}: is required`);
  if (typeof value !== "string" || !NAME_RE.test(value)) throw invalid(`${field}: ${NAME_RULE}`);
  return value;
}

export function validateDisplayName(value: unknown): string {
  if (!isDisplayName(value)) throw invalid("displayName: must be 1-255 characters long");
  return value;
}

function validateScopes(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid("scopes: at least one scope is required");
  return value.map((s, i) => {
    if (typeof s !== "string" || !SCOPE_RE.test(s)) {
      throw invalid(
        `scopes[${i}]: ${JSON.stringify(s)} is not of the form service:permission ` +
          "(lowercase letters, digits and hyphens on each side, e.g. metrics:read)",
      );
    }
    return s;
  });
}

function validateRealms(value: unknown): Realm[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid("realms: at least one realm is required");
  return value.map((r, i) => {
    if (!isObject(r)) throw invalid(`realms[${i}]: must be an object`);
    if (r.type !== "org" && r.type !== "stack") throw invalid(`realms[${i}].type: must be "org" or "stack"`);
    if (typeof r.identifier !== "string" || r.identifier.trim() === "") {
      throw invalid(`realms[${i}].identifier: is required (the org or stack id as a string)`);
    }
    if (!REALM_IDENTIFIER_RE.test(r.identifier)) {
      throw invalid(`realms[${i}].identifier: must be the numeric id of the org or stack, as a string`);
    }
    const lp = r.labelPolicies ?? [];
    if (!Array.isArray(lp)) throw invalid(`realms[${i}].labelPolicies: must be a list`);
    const labelPolicies = lp.map((l, j) => {
      if (!isObject(l) || typeof l.selector !== "string" || l.selector.trim() === "") {
        throw invalid(`realms[${i}].labelPolicies[${j}].selector: is required`);
      }
      return { selector: l.selector };
    });
    return { type: r.type, identifier: r.identifier, labelPolicies };
  });
}

/** `{}`, `{allowedSubnets: []}` and null all mean "no conditions". */
function validateConditions(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw invalid("conditions: must be an object");
  const subnets = value.allowedSubnets;
  if (subnets === undefined || subnets === null) return null;
  if (!Array.isArray(subnets)) throw invalid("conditions.allowedSubnets: must be a list of CIDR blocks");
  if (subnets.length === 0) return null;
  return subnets.map((s, i) => {
    if (typeof s !== "string" || !isCidr(s)) {
      throw invalid(
        `conditions.allowedSubnets[${i}]: ${JSON.stringify(s)} is not a CIDR block (IPv4 or IPv6 with a prefix length)`,
      );
    }
    return s;
  });
}

function validateStatus(value: unknown): PolicyStatus {
  if (value !== "active" && value !== "inactive") throw invalid(`status: must be "active" or "inactive"`);
  return value;
}

export interface PolicyInput {
  name: string;
  displayName: string;
  scopes: string[];
  realms: Realm[];
  allowedSubnets: string[] | null;
  status: PolicyStatus;
}

/** The create body, validated field by field; each error names the field and its rule. */
export function parsePolicyCreate(body: unknown): PolicyInput {
  if (!isObject(body)) throw invalid("request body must be a JSON object");
  const name = validateName(body.name);
  return {
    name,
    displayName:
      body.displayName === undefined || body.displayName === null
        ? name
        : validateDisplayName(body.displayName),
    scopes: validateScopes(body.scopes),
    realms: validateRealms(body.realms),
    allowedSubnets: validateConditions(body.conditions),
    status: body.status === undefined || body.status === null ? "active" : validateStatus(body.status),
  };
}

export type PolicyChanges = Partial<Omit<PolicyInput, "name">>;

/** The update body: fields left out keep their value; the name cannot change. */
export function parsePolicyUpdate(body: unknown, current: AccessPolicy): PolicyChanges {
  if (!isObject(body)) throw invalid("request body must be a JSON object");
  if (body.name !== undefined && body.name !== current.name) throw invalid("name: cannot be changed");
  const changes: PolicyChanges = {};
  if (body.displayName !== undefined && body.displayName !== null) {
    changes.displayName = validateDisplayName(body.displayName);
  }
  if (body.scopes !== undefined) changes.scopes = validateScopes(body.scopes);
  if (body.realms !== undefined) changes.realms = validateRealms(body.realms);
  if ("conditions" in body) changes.allowedSubnets = validateConditions(body.conditions);
  if (body.status !== undefined && body.status !== null) changes.status = validateStatus(body.status);
  return changes;
}

export function findPolicy(ctx: Ctx, id: string, region: string): AccessPolicy | undefined {
  return ctx.state.policies.find((p) => p.id === id && p.region === region);
}

export function requirePolicy(ctx: Ctx, id: string, region: string): AccessPolicy {
  const p = findPolicy(ctx, id, region);
  if (p === undefined) throw notFound(`access policy ${id} not found`);
  return p;
}

export function createPolicy(ctx: Ctx, region: string, input: PolicyInput): AccessPolicy {
  if (ctx.state.policies.some((p) => p.name === input.name && p.region === region)) {
    throw conflict(`an access policy named ${JSON.stringify(input.name)} already exists in region ${region}`);
  }
  return ctx.mutate((state, now) => {
    state.seq += 1;
    const policy: AccessPolicyRecord = {
      id: randomUUID(),
      seq: state.seq,
      region,
      ...input,
      createdAt: now,
      updatedAt: now,
    };
    state.policies.push(policy);
    return policy;
  });
}

export function updatePolicy(ctx: Ctx, policy: AccessPolicy, changes: PolicyChanges): AccessPolicy {
  return ctx.mutate((state, now) => {
    const target = state.policies.find((p) => p.id === policy.id);
    if (target === undefined) throw notFound(`access policy ${policy.id} not found`);
    Object.assign(target, changes, { updatedAt: now });
    return target;
  });
}

/** Deletes the policy and, with it, every token made from it. */
export function deletePolicy(ctx: Ctx, policy: AccessPolicy): void {
  ctx.mutate((state) => {
    state.policies = state.policies.filter((p) => p.id !== policy.id);
    state.tokens = state.tokens.filter((t) => t.accessPolicyId !== policy.id);
  });
}

/** Realm filter shared by the policy list and the token list (through the token's policy). */
export interface RealmFilter {
  type?: string;
  identifier?: string;
}

export function matchesRealm(p: AccessPolicy, filter: RealmFilter): boolean {
  if (filter.type === undefined) return true;
  return p.realms.some(
    (r) => r.type === filter.type && (filter.identifier === undefined || r.identifier === filter.identifier),
  );
}

/** `GET /v1/accesspolicies` filters: `name` (exact), `realmType` (+ `realmIdentifier`), `status`. */
export function listPolicies(ctx: Ctx, region: string, query: unknown): AccessPolicy[] {
  const name = queryValue(query, "name");
  const realmType = queryValue(query, "realmType");
  const realmIdentifier = queryValue(query, "realmIdentifier");
  const status = queryValue(query, "status");
  if (realmType !== undefined && realmType !== "org" && realmType !== "stack") {
    throw invalid(`realmType: must be "org" or "stack"`);
  }
  if (realmIdentifier !== undefined && realmType === undefined) {
    throw invalid("realmIdentifier: requires realmType");
  }
  if (status !== undefined && status !== "active" && status !== "inactive") {
    throw invalid(`status: must be "active" or "inactive"`);
  }
  const realm: RealmFilter = {};
  if (realmType !== undefined) realm.type = realmType;
  if (realmIdentifier !== undefined) realm.identifier = realmIdentifier;
  return ctx.state.policies.filter(
    (p) =>
      p.region === region &&
      (name === undefined || p.name === name) &&
      (status === undefined || p.status === status) &&
      matchesRealm(p, realm),
  );
}
