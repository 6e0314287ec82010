/**
 * Stacks (hosted Grafana instances): cloud-api.md "Stacks"; behaviour per real-api-behaviour.md
 * "Stacks" (asynchronous readiness, 200 with status `deleted` after deletion, slug reuse window).
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";

/** A stack as GET /api/instances/{idOrSlug} answers; unknown fields pass through. */
export const stackSchema = z.looseObject({
  /** Numeric stack id (below 2^24). */
  id: z.number(),
  orgId: z.number(),
  orgSlug: z.string(),
  name: z.string(),
  slug: z.string(),
  /** The stack's own URL (hosted Grafana). */
  url: z.string(),
  status: z.string(),
  description: z.string().nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  deleteProtection: z.boolean().nullish(),
  regionSlug: z.string().nullish(),
  clusterSlug: z.string().nullish(),
  hmInstancePromId: z.number().nullish(),
  hmInstancePromUrl: z.string().nullish(),
  hmInstanceGraphiteId: z.number().nullish(),
  hmInstanceGraphiteUrl: z.string().nullish(),
  hlInstanceId: z.number().nullish(),
  hlInstanceUrl: z.string().nullish(),
  htInstanceId: z.number().nullish(),
  htInstanceUrl: z.string().nullish(),
  amInstanceId: z.number().nullish(),
  amInstanceUrl: z.string().nullish(),
  createdAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
});
export type StackResponse = z.infer<typeof stackSchema>;

/**
 * A deleted stack still answers GET with 200 and status `deleted` (`deleting` on the way):
 * real-api-behaviour.md "Stacks". Such a stack no longer exists for us.
 */
export function isGoneStatus(status: string): boolean {
  return status === "deleted" || status === "deleting";
}

export const connectionsSchema = z.looseObject({
  otlpHttpUrl: z.string().nullish(),
  influxUrl: z.string().nullish(),
  oncallApiUrl: z.string().nullish(),
});
export type ConnectionsResponse = z.infer<typeof connectionsSchema>;

/** Body of POST /api/instances (create). */
export interface StackCreateBody {
  name: string;
  slug: string;
  region?: string;
  url?: string;
  description?: string;
  labels?: Record<string, string>;
  deleteProtection?: boolean;
}

/** Body of POST /api/instances/{idOrSlug} (update). */
export interface StackUpdateBody {
  name?: string;
  description?: string;
  labels?: Record<string, string>;
  deleteProtection?: boolean;
  url?: string;
}

const enc = encodeURIComponent;

export function getStack(c: ApiClient, idOrSlug: string | number): Promise<StackResponse> {
  return c.request({ method: "GET", path: `/api/instances/${enc(String(idOrSlug))}`, schema: stackSchema });
}

export function createStack(c: ApiClient, body: StackCreateBody): Promise<StackResponse> {
  // Not retried blindly: a lost response may have created the stack (the caller looks the slug up).
  return c.request({ method: "POST", path: "/api/instances", body, schema: stackSchema });
}

export function updateStack(
  c: ApiClient,
  idOrSlug: string | number,
  body: StackUpdateBody,
): Promise<StackResponse> {
  // Setting the same fields twice is harmless, so a lost response may be retried.
  return c.request({
    method: "POST",
    path: `/api/instances/${enc(String(idOrSlug))}`,
    body,
    schema: stackSchema,
    retrySafe: true,
  });
}

export async function deleteStack(c: ApiClient, idOrSlug: string | number): Promise<void> {
  await c.request({ method: "DELETE", path: `/api/instances/${enc(String(idOrSlug))}`, schema: z.unknown() });
}

export function getConnections(c: ApiClient, idOrSlug: string | number): Promise<ConnectionsResponse> {
  return c.request({
    method: "GET",
    path: `/api/instances/${enc(String(idOrSlug))}/connections`,
    schema: connectionsSchema,
  });
}

export async function getReadiness(c: ApiClient, id: number): Promise<boolean> {
  const r = await c.request({
    method: "GET",
    path: `/api/instances/${id}/readiness`,
    schema: z.looseObject({ ready: z.boolean() }),
    // One attempt: the caller polls on its own schedule, within its own deadline.
    maxRetries: 0,
  });
  return r.ready;
}

/**
 * GET {stackUrl}/api/health; true on 200. One attempt (the caller polls), and no credential: the
 * endpoint needs none, and the stack's URL may be any host (a custom domain).
 */
export async function stackHealthy(c: ApiClient, stackUrl: string): Promise<boolean> {
  try {
    await c.request({
      method: "GET",
      path: `${stackUrl.replace(/\/+$/, "")}/api/health`,
      schema: z.unknown(),
      bearer: null,
      maxRetries: 0,
    });
    return true;
  } catch {
    return false;
  }
}

export const regionSchema = z.looseObject({
  id: z.number(),
  slug: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  provider: z.string().nullish(),
  status: z.string().nullish(),
});
export type Region = z.infer<typeof regionSchema>;

export async function listRegions(c: ApiClient): Promise<Region[]> {
  const r = await c.request({
    method: "GET",
    path: "/api/stack-regions",
    schema: z.looseObject({ items: z.array(regionSchema) }),
  });
  return r.items;
}
