/**
 * Access policies: `/api/v1/accesspolicies`. `region` is required on every call.
 *
 * The contract requires only `name`, `realms` and `scopes` in a policy answer; `id`, `orgId`,
 * a realm's `type` and `identifier` and a label policy's `selector` are optional. The schemas
 * below require no more, except the `id` where the provider must address the policy by it.
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";
import { listPage, paginate } from "../client/paging";
import { path } from "../client/path";
import { WRITE_SAFE } from "../client/retry";
import { needed } from "../client/schema";
import { listItem, sharedRead, type Collection } from "./sharedReads";
import { changesTokenList } from "./tokens";

export const labelPolicySchema = z.looseObject({ selector: z.string().optional() });
export const realmSchema = z.looseObject({
  /** `org` or `stack` (answers may also say `system`). */
  type: z.string().optional(),
  /** Numeric org id or stack id, as a string. */
  identifier: z.union([z.string(), z.number()]).transform(String).optional(),
  labelPolicies: z.array(labelPolicySchema).nullish(),
});
export const conditionsSchema = z.looseObject({ allowedSubnets: z.array(z.string()).nullish() });

/** A policy as the contract promises it: only `name`, `realms` and `scopes` are sure to be there. */
export const accessPolicyContractSchema = z.looseObject({
  /** UUID. */
  id: z.string().optional(),
  /** The contract types it as a string; numbers are accepted and turned into one. */
  orgId: z.union([z.string(), z.number()]).transform(String).optional(),
  name: z.string(),
  displayName: z.string().nullish(),
  scopes: z.array(z.string()),
  realms: z.array(realmSchema),
  conditions: conditionsSchema.nullish(),
  /** `active` or `inactive`. */
  status: z.string().nullish(),
  createdAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
});

/** A policy the provider can address: with its `id`. */
export const accessPolicySchema = accessPolicyContractSchema.extend({
  id: z.string(needed("the provider addresses the policy by its id (to read, update and delete it)")),
});
export type AccessPolicyResponse = z.output<typeof accessPolicySchema>;

export interface RealmBody {
  type: string;
  identifier: string;
  labelPolicies?: { selector: string }[];
}
export interface AccessPolicyCreateBody {
  name: string;
  displayName?: string;
  scopes: string[];
  realms: RealmBody[];
  conditions?: { allowedSubnets: string[] };
}
export interface AccessPolicyUpdateBody {
  displayName?: string;
  scopes: string[];
  realms: RealmBody[];
  /** `{}` clears the conditions. */
  conditions: { allowedSubnets?: string[] };
  status?: string;
}

const base = path`/api/v1/accesspolicies`;
const one = (id: string) => path`/api/v1/accesspolicies/${id}`;

/** An answer about policy `id` that left its id out is still about that policy. */
const withId = (id: string) => (p: z.output<typeof accessPolicyContractSchema>) => ({ ...p, id: p.id ?? id });

/** Not retried after an unknown outcome: the caller looks the name up (names are unique per region). */
export function createAccessPolicy(
  c: ApiClient,
  region: string,
  body: AccessPolicyCreateBody,
): Promise<AccessPolicyResponse> {
  return c.request({ method: "POST", path: base, query: { region }, body, schema: accessPolicySchema });
}

export function getAccessPolicy(c: ApiClient, region: string, id: string): Promise<AccessPolicyResponse> {
  return c.request({
    method: "GET",
    path: one(id),
    query: { region },
    schema: accessPolicyContractSchema.transform(withId(id)),
  });
}

export function updateAccessPolicy(
  c: ApiClient,
  region: string,
  id: string,
  body: AccessPolicyUpdateBody,
): Promise<AccessPolicyResponse> {
  return c.request({
    method: "POST",
    path: one(id),
    query: { region },
    body,
    schema: accessPolicyContractSchema.transform(withId(id)),
    // The body is the whole desired state: sending it twice is harmless.
    retry: WRITE_SAFE,
  });
}

export async function deleteAccessPolicy(c: ApiClient, region: string, id: string): Promise<void> {
  await c.request({ method: "DELETE", path: one(id), query: { region }, schema: z.unknown() });
}

/** Every policy in the region matching the filters, all pages followed. */
export function listAccessPolicies(
  c: ApiClient,
  region: string,
  filters: {
    name?: string;
    realmType?: string;
    realmIdentifier?: string;
    status?: string;
    pageSize?: number;
  } = {},
): Promise<AccessPolicyResponse[]> {
  return paginate(c, { path: base, query: { region, ...filters }, item: accessPolicySchema });
}

/** What a list item must show to answer a read: the service always sends these. */
const POLICY_LIST_KEYS = ["displayName", "status", "createdAt", "updatedAt"];

function policyCollection(c: ApiClient, region: string): Collection<AccessPolicyResponse> {
  return {
    key: `accesspolicies ${region}`,
    get: (id) => getAccessPolicy(c, region, id),
    async page(cursor) {
      const { items, next } = await listPage(
        c,
        { path: base, query: { region, pageSize: 500 }, item: z.unknown() },
        cursor,
      );
      return {
        items: items.map((raw) => listItem(raw, accessPolicySchema, POLICY_LIST_KEYS, (p) => p["id"])),
        next,
      };
    },
    // The same writes as the token list: a policy's own, and none of a token's changes a policy,
    // but one watch for both keeps the rule simple and errs on the fresh side.
    changedBy: changesTokenList,
    project: (p) => [
      p.orgId ?? null,
      p.name,
      p.displayName ?? null,
      p.scopes,
      p.realms,
      p.conditions ?? null,
      p.status ?? null,
      p.createdAt,
      p.updatedAt,
    ],
  };
}

/**
 * A policy as `getAccessPolicy` answers it, for `pulumi refresh`: the reads of one region in one
 * process share the policy list (see sharedReads.ts).
 */
export function readAccessPolicy(c: ApiClient, region: string, id: string): Promise<AccessPolicyResponse> {
  return sharedRead(c, policyCollection(c, region), id);
}
