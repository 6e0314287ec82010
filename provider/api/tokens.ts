/**
 * Access-policy tokens: `/api/v1/tokens`, `region` required on every call. The secret `token` is
 * returned by create only.
 *
 * The contract requires only `accessPolicyId` and `name` in a token answer; `id` and even the
 * created token's secret are optional there. The provider cannot work without either after a
 * create, so a create answer without them fails, naming the field (and, being a create whose
 * answer is unusable, the error says the token may exist).
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";
import { listPage, paginate } from "../client/paging";
import { path } from "../client/path";
import { WRITE_SAFE } from "../client/retry";
import { needed } from "../client/schema";
import { listItem, sharedRead, type Collection } from "./sharedReads";

/** A token as the contract promises it: only `accessPolicyId` and `name` are sure to be there. */
export const tokenContractSchema = z.looseObject({
  id: z.string().optional(),
  accessPolicyId: z.string(),
  name: z.string(),
  displayName: z.string().nullish(),
  expiresAt: z.string().nullish(),
  createdAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
});

/** A token the provider can address: with its `id`. */
export const tokenSchema = tokenContractSchema.extend({
  id: z.string(needed("the provider addresses the token by its id (to read, update and delete it)")),
});
export type TokenResponse = z.output<typeof tokenSchema>;

/** What create answers: the token with its secret, shown this once. */
export const createdTokenSchema = tokenSchema.extend({
  token: z.string(needed("it is the token's secret, which the API shows only in the answer to create")),
});
export type CreatedTokenResponse = z.output<typeof createdTokenSchema>;

export interface TokenCreateBody {
  accessPolicyId: string;
  name: string;
  displayName?: string;
  expiresAt?: string;
}
export interface TokenUpdateBody {
  displayName?: string;
  /** null clears the expiry. */
  expiresAt: string | null;
}

const base = path`/api/v1/tokens`;
const one = (id: string) => path`/api/v1/tokens/${id}`;
const withId = (id: string) => (t: z.output<typeof tokenContractSchema>) => ({ ...t, id: t.id ?? id });

export function createToken(
  c: ApiClient,
  region: string,
  body: TokenCreateBody,
): Promise<CreatedTokenResponse> {
  // Never retried after an unknown outcome: a token made by a lost attempt has a secret nobody
  // can read; the caller looks for it and deletes it.
  return c.request({
    method: "POST",
    path: base,
    query: { region },
    body,
    schema: createdTokenSchema,
    // The secret must not reach an error about this answer (e.g. one missing the id).
    secretFields: ["token"],
  });
}

export function getToken(c: ApiClient, region: string, id: string): Promise<TokenResponse> {
  return c.request({
    method: "GET",
    path: one(id),
    query: { region },
    schema: tokenContractSchema.transform(withId(id)),
  });
}

export function updateToken(
  c: ApiClient,
  region: string,
  id: string,
  body: TokenUpdateBody,
): Promise<TokenResponse> {
  return c.request({
    method: "POST",
    path: one(id),
    query: { region },
    body,
    schema: tokenContractSchema.transform(withId(id)),
    retry: WRITE_SAFE,
  });
}

export async function deleteToken(c: ApiClient, region: string, id: string): Promise<void> {
  await c.request({ method: "DELETE", path: one(id), query: { region }, schema: z.unknown() });
}

export function listTokens(
  c: ApiClient,
  region: string,
  filters: { accessPolicyId?: string; name?: string } = {},
): Promise<TokenResponse[]> {
  return paginate(c, { path: base, query: { region, ...filters }, item: tokenSchema });
}

/**
 * Writes that change what the token list shows: tokens, and policies (deleting one deletes its
 * tokens).
 */
export const changesTokenList = (p: string): boolean =>
  p.startsWith("/api/v1/tokens") || p.startsWith("/api/v1/accesspolicies");

/** What a list item must show to answer a read: the service always sends these. */
const TOKEN_LIST_KEYS = ["displayName", "createdAt", "updatedAt"];

function tokenCollection(c: ApiClient, region: string): Collection<TokenResponse> {
  return {
    key: `tokens ${region}`,
    get: (id) => getToken(c, region, id),
    async page(cursor) {
      const { items, next } = await listPage(
        c,
        { path: base, query: { region, pageSize: 500 }, item: z.unknown() },
        cursor,
      );
      return { items: items.map((raw) => listItem(raw, tokenSchema, TOKEN_LIST_KEYS, (t) => t["id"])), next };
    },
    changedBy: changesTokenList,
    project: (t) => [t.accessPolicyId, t.name, t.displayName, t.expiresAt ?? null, t.createdAt, t.updatedAt],
  };
}

/**
 * A token as `getToken` answers it, for `pulumi refresh`: the reads of one region in one process
 * share the token list (see sharedReads.ts), so a refresh of many tokens costs a few list pages.
 * Expired tokens are not listed (the service deletes them); their reads are GETs, which answer 404.
 */
export function readToken(c: ApiClient, region: string, id: string): Promise<TokenResponse> {
  return sharedRead(c, tokenCollection(c, region), id);
}
