/**
 * Hosted Grafana API keys of a stack. Only creation goes through the Cloud API
 * (grafana-cloud-api.md "Create Hosted Grafana instance API keys"); listing and deleting happen on
 * the stack's own Grafana HTTP API at the stack URL, authenticated with an Admin API key of that
 * stack (real-api-behaviour.md "Hosted Grafana instance API keys").
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";

export const STACK_KEY_ROLES = ["Viewer", "Editor", "Admin"] as const;
export type StackKeyRole = (typeof STACK_KEY_ROLES)[number];

/** What create answers: the only time the secret `key` is shown. */
export const createdStackKeySchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  key: z.string(),
});
export type CreatedStackKey = z.infer<typeof createdStackKeySchema>;

/** One entry of `GET {url}/api/auth/keys`; `expiration` is absent for keys that never expire. */
export const stackKeySchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  role: z.string(),
  expiration: z.string().nullish(),
});
export type StackKey = z.infer<typeof stackKeySchema>;

export interface StackKeyCreateBody {
  name: string;
  role: StackKeyRole;
  /** Positive: the key expires after this many seconds; 0 or absent: never. */
  secondsToLive?: number;
}

const enc = encodeURIComponent;

export function createStackApiKey(
  c: ApiClient,
  stackSlug: string,
  body: StackKeyCreateBody,
  opts: { retrySafe?: boolean } = {},
): Promise<CreatedStackKey> {
  // Not retried blindly by default: a lost response would leave a key whose secret nobody can
  // read. Only a caller whose keys are worthless once lost (short-lived, uniquely named) says so.
  return c.request({
    method: "POST",
    path: `/api/instances/${enc(stackSlug)}/api/auth/keys`,
    body,
    schema: createdStackKeySchema,
    retrySafe: opts.retrySafe ?? false,
  });
}

/** `GET {stackUrl}/api/auth/keys?includeExpired=true`: every key, expired ones included. */
export function listStackApiKeys(c: ApiClient, stackUrl: string, adminKey: string): Promise<StackKey[]> {
  // The client redacts the bearer key from any error it builds.
  return c.request({
    method: "GET",
    path: `${stackUrl.replace(/\/+$/, "")}/api/auth/keys`,
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
    path: `${stackUrl.replace(/\/+$/, "")}/api/auth/keys/${enc(String(id))}`,
    schema: z.unknown(),
    bearer: adminKey,
  });
}
