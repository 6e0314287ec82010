/**
 * Hosted Grafana API keys of a stack. Only creation goes through the Cloud API
 * (`POST /api/instances/{slug}/api/auth/keys`); listing and deleting happen on the stack's own
 * Grafana HTTP API at the stack URL, authenticated with an Admin API key of that stack. No
 * official contract covers these routes.
 *
 * Grafana 12.1 removed API keys: on a stack that runs it, these routes answer 404 (current
 * Grafana's answer for a route it does not have; a proxy in front may say 405 or 410), and
 * Grafana migrated each existing key to a service account named `sa-autogen-<key name>` holding
 * one token with the key's id, name, expiry and secret.
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";
import { path } from "../client/path";
import { DEFAULT_RETRY, WRITE_SAFE, type RetryPolicy } from "../client/retry";
import { needed } from "../client/schema";

export const STACK_KEY_ROLES = ["Viewer", "Editor", "Admin"] as const;

/** The statuses of a route the stack's Grafana does not have (any more). */
const REMOVED_ROUTE_STATUSES: readonly number[] = [404, 405, 410];

/**
 * Whether a key route answered as a route that is not there: on a stack known to exist, that
 * means its Grafana has no API keys (12.1 and later).
 */
export function isRemovedRouteError(e: unknown): boolean {
  const status = e instanceof Error ? (e as { status?: unknown }).status : undefined;
  return typeof status === "number" && REMOVED_ROUTE_STATUSES.includes(status);
}

/** The service account Grafana made for an API key it migrated: `sa-autogen-<key name>`. */
export const MIGRATED_KEY_ACCOUNT_PREFIX = "sa-autogen-";
export type StackKeyRole = (typeof STACK_KEY_ROLES)[number];

/** What create answers: the only time the secret `key` is shown. */
export const createdStackKeySchema = z.looseObject({
  id: z.number(needed("the provider addresses the key by its id (to read and delete it)")),
  name: z.string().optional(),
  key: z.string(needed("it is the key's secret, which the API shows only in the answer to create")),
});
export type CreatedStackKey = z.output<typeof createdStackKeySchema>;

/** One entry of `GET {url}/api/auth/keys`; `expiration` is absent for keys that never expire. */
export const stackKeySchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  role: z.string(),
  expiration: z.string().nullish(),
});
export type StackKey = z.output<typeof stackKeySchema>;

export interface StackKeyCreateBody {
  name: string;
  role: StackKeyRole;
  /** Positive: the key expires after this many seconds; 0 or absent: never. */
  secondsToLive?: number;
}

/**
 * @param opts.retrySafe the caller's keys are worthless once lost (short-lived, uniquely named),
 *   so a create whose outcome is unknown may be sent again (`WRITE_SAFE`); `opts.retry` names a
 *   policy directly and wins over it.
 */
export function createStackApiKey(
  c: ApiClient,
  stackSlug: string,
  body: StackKeyCreateBody,
  opts: { retrySafe?: boolean; retry?: RetryPolicy } = {},
): Promise<CreatedStackKey> {
  // Not repeated after an unknown outcome by default: a lost answer would leave a key whose
  // secret nobody can read.
  return c.request({
    method: "POST",
    path: path`/api/instances/${stackSlug}/api/auth/keys`,
    body,
    schema: createdStackKeySchema,
    retry: opts.retry ?? (opts.retrySafe ? WRITE_SAFE : DEFAULT_RETRY),
    // The secret must not reach an error about this answer (e.g. one missing the id).
    secretFields: ["key"],
  });
}

/** `GET {stackUrl}/api/auth/keys?includeExpired=true`: every key, expired ones included. */
export function listStackApiKeys(c: ApiClient, stackUrl: string, adminKey: string): Promise<StackKey[]> {
  // The client redacts the bearer key from any error it builds.
  return c.request({
    method: "GET",
    baseUrl: stackUrl,
    path: path`/api/auth/keys`,
    query: { includeExpired: true },
    schema: z.array(stackKeySchema),
    bearer: adminKey,
  });
}

/** `DELETE {stackUrl}/api/auth/keys/{id}`. */
export async function deleteStackApiKey(
  c: ApiClient,
  stackUrl: string,
  adminKey: string,
  id: number,
): Promise<void> {
  await c.request({
    method: "DELETE",
    baseUrl: stackUrl,
    path: path`/api/auth/keys/${id}`,
    schema: z.unknown(),
    bearer: adminKey,
  });
}
