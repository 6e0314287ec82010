/**
 * Access policies: cloud-api.md "Access policies and tokens"; `region` is required on every call
 * (real-api-behaviour.md "Access policies").
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";
import { paginate } from "../client/paging";

export const labelPolicySchema = z.looseObject({ selector: z.string() });
export const realmSchema = z.looseObject({
  /** `org` or `stack`. */
  type: z.string(),
  /** Numeric org id or stack id, as a string. */
  identifier: z.string(),
  labelPolicies: z.array(labelPolicySchema).nullish(),
});
export const conditionsSchema = z.looseObject({ allowedSubnets: z.array(z.string()).nullish() });

export const accessPolicySchema = z.looseObject({
  /** UUID. */
  id: z.string(),
  orgId: z.union([z.string(), z.number()]).transform(String),
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
export type AccessPolicyResponse = z.infer<typeof accessPolicySchema>;

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
  /** `{}` clears the conditions (cloud-api.md "Update an access policy"). */
  conditions: { allowedSubnets?: string[] };
  status?: string;
}

const base = "/api/v1/accesspolicies";

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
    path: `${base}/${encodeURIComponent(id)}`,
    query: { region },
    schema: accessPolicySchema,
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
    path: `${base}/${encodeURIComponent(id)}`,
    query: { region },
    body,
    schema: accessPolicySchema,
    // The body is the whole desired state: sending it twice is harmless.
    retrySafe: true,
  });
}

export async function deleteAccessPolicy(c: ApiClient, region: string, id: string): Promise<void> {
  await c.request({
    method: "DELETE",
    path: `${base}/${encodeURIComponent(id)}`,
    query: { region },
    schema: z.unknown(),
  });
}

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
