/**
 * Service accounts of a stack's Grafana and their tokens, through the Cloud API's instance proxy:
 * `/api/instances/{stack}/api/serviceaccounts…`, with the access-policy token (scope
 * `stack-service-accounts:write`, even for reads). There is no update route: an account's name,
 * role and disabled flag are set when it is made.
 *
 * Every field of the contract's answers is optional, ids and the token's secret included; the
 * schemas require only what the provider cannot work without, and a create answer without it
 * fails naming the field (being a create whose answer is unusable, the error says the object may
 * exist). Search items carry only `id` and `name` under the contract.
 */
import { z } from "zod";
import { isAlreadyExistsError } from "../client/errors";
import type { ApiClient } from "../client/http";
import { path } from "../client/path";
import { needed } from "../client/schema";

export const SERVICE_ACCOUNT_ROLES = ["Viewer", "Editor", "Admin", "None"] as const;
export type ServiceAccountRole = (typeof SERVICE_ACCOUNT_ROLES)[number];

/** An account as create and get answer it. */
export const serviceAccountSchema = z.looseObject({
  id: z.number(needed("the provider addresses the service account by its id (to read and delete it)")),
  name: z.string().nullish(),
  login: z.string().nullish(),
  orgId: z.number().nullish(),
  role: z.string().nullish(),
  isDisabled: z.boolean().nullish(),
  /** How many tokens the account holds. */
  tokens: z.number().nullish(),
});
export type ServiceAccountResponse = z.output<typeof serviceAccountSchema>;

/** One item of the search: `id` and `name` are all the contract promises; Grafana answers more. */
export const serviceAccountItemSchema = serviceAccountSchema.extend({
  id: z.number(needed("the provider addresses the service account by its id")),
  name: z.string(needed("the provider finds a service account by its name")),
});
export type ServiceAccountItem = z.output<typeof serviceAccountItemSchema>;

const searchPageSchema = z.looseObject({
  totalCount: z.number(),
  page: z.number().nullish(),
  perPage: z.number().nullish(),
  serviceAccounts: z.array(serviceAccountItemSchema).nullish(),
});

/** A token as the account's token list shows it (never its secret). */
export const serviceAccountTokenSchema = z.looseObject({
  id: z.number(needed("the provider finds a token in its account's list by its id")),
  name: z.string(needed("the provider finds a token whose create answer was lost by its name")),
  created: z.string().nullish(),
  /** RFC 3339; absent or null for a token that never expires. */
  expiration: z.string().nullish(),
  hasExpired: z.boolean().nullish(),
  lastUsedAt: z.string().nullish(),
});
export type ServiceAccountTokenResponse = z.output<typeof serviceAccountTokenSchema>;

/** What token create answers: the only time the secret `key` is shown. */
export const createdServiceAccountTokenSchema = z.looseObject({
  id: z.number(needed("the provider addresses the token by its id (to read and delete it)")),
  name: z.string().nullish(),
  key: z.string(needed("it is the token's secret, which the API shows only in the answer to create")),
});
export type CreatedServiceAccountToken = z.output<typeof createdServiceAccountTokenSchema>;

export interface ServiceAccountCreateBody {
  name: string;
  role: ServiceAccountRole;
  isDisabled: boolean;
}
export interface ServiceAccountTokenCreateBody {
  name: string;
  /** Positive: the token expires after this many seconds; absent: never. */
  secondsToLive?: number;
}

/** Grafana's own page size for the search; one page holds every account of most stacks. */
export const SEARCH_PAGE_SIZE = 1000;
/** A guard against a server that never says it is done. */
const MAX_PAGES = 10_000;

const base = (stack: string) => path`/api/instances/${stack}/api/serviceaccounts`;
const one = (stack: string, id: number) => path`/api/instances/${stack}/api/serviceaccounts/${id}`;
const tokens = (stack: string, id: number) => path`/api/instances/${stack}/api/serviceaccounts/${id}/tokens`;

/**
 * A name taken on the stack. The Cloud API's contract answers it with 409; Grafana itself answers
 * 400 "service account already exists" (and "service account token with given name already
 * exists in the organization"), which the proxy may pass on; `isAlreadyExistsError` counts both.
 */
export const isNameTakenError = isAlreadyExistsError;

export function createServiceAccount(
  c: ApiClient,
  stack: string,
  body: ServiceAccountCreateBody,
): Promise<ServiceAccountResponse> {
  // Not repeated after an unknown outcome: the caller looks for what the attempt made.
  return c.request({ method: "POST", path: base(stack), body, schema: serviceAccountSchema });
}

export function getServiceAccount(c: ApiClient, stack: string, id: number): Promise<ServiceAccountResponse> {
  return c.request({ method: "GET", path: one(stack, id), schema: serviceAccountSchema });
}

/** Deletes the account; Grafana deletes its tokens with it. The answer has no body. */
export async function deleteServiceAccount(c: ApiClient, stack: string, id: number): Promise<void> {
  await c.request({ method: "DELETE", path: one(stack, id), schema: z.unknown() });
}

/**
 * Every account of the stack whose name or login contains `query` (all of them without it),
 * following the search's pages (`page`, `perpage`) until `totalCount` accounts arrived, a page
 * comes back empty, or a page brings nothing new (a server that ignores `page`). A short page is
 * not taken for the last: a server may hold pages smaller than the `perpage` asked for.
 */
export async function searchServiceAccounts(
  c: ApiClient,
  stack: string,
  opts: { query?: string; perPage?: number } = {},
): Promise<ServiceAccountItem[]> {
  const perpage = opts.perPage ?? SEARCH_PAGE_SIZE;
  const found = new Map<number, ServiceAccountItem>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const body = await c.request({
      method: "GET",
      path: path`/api/instances/${stack}/api/serviceaccounts/search`,
      query: { query: opts.query, page, perpage },
      schema: searchPageSchema,
    });
    const items = body.serviceAccounts ?? [];
    const before = found.size;
    for (const item of items) if (!found.has(item.id)) found.set(item.id, item);
    if (found.size >= body.totalCount || found.size === before) break;
  }
  return [...found.values()];
}

/** The account of exactly this name (names are unique per stack), or undefined. */
export async function findServiceAccountByName(
  c: ApiClient,
  stack: string,
  name: string,
): Promise<ServiceAccountItem | undefined> {
  // The search matches parts of names and logins: only an exact name is this one.
  return (await searchServiceAccounts(c, stack, { query: name })).find((a) => a.name === name);
}

/** The account's tokens, expired ones included (Grafana keeps them, flagged `hasExpired`). */
export function listServiceAccountTokens(
  c: ApiClient,
  stack: string,
  serviceAccountId: number,
): Promise<ServiceAccountTokenResponse[]> {
  return c.request({
    method: "GET",
    path: tokens(stack, serviceAccountId),
    schema: z.array(serviceAccountTokenSchema),
  });
}

export function createServiceAccountToken(
  c: ApiClient,
  stack: string,
  serviceAccountId: number,
  body: ServiceAccountTokenCreateBody,
): Promise<CreatedServiceAccountToken> {
  // Not repeated after an unknown outcome: a token made by a lost attempt has a secret nobody can
  // read; the caller finds it by name and deletes it.
  return c.request({
    method: "POST",
    path: tokens(stack, serviceAccountId),
    body,
    schema: createdServiceAccountTokenSchema,
    // The secret must not reach an error about this answer (e.g. one missing the id).
    secretFields: ["key"],
  });
}

/** Deletes one token. The answer has no body. */
export async function deleteServiceAccountToken(
  c: ApiClient,
  stack: string,
  serviceAccountId: number,
  tokenId: number,
): Promise<void> {
  await c.request({
    method: "DELETE",
    path: path`/api/instances/${stack}/api/serviceaccounts/${serviceAccountId}/tokens/${tokenId}`,
    schema: z.unknown(),
  });
}
