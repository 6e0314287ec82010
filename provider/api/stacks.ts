/**
 * Stacks (hosted Grafana instances): `/api/instances…`, and the v1 connections and readiness
 * routes. Creation is asynchronous (the stack may be `pending`/`starting` before `active`); a
 * deleted stack still answers GET with 200 and status `deleted` for a while.
 *
 * The contract's stack object has over a hundred required fields; the schema requires only the
 * handful the provider relies on (all of them required by the contract too) and accepts every
 * other service URL, user id and name as optional, so an answer lacking one does not fail a call.
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";
import { path } from "../client/path";
import { ONE_ATTEMPT, WRITE_SAFE } from "../client/retry";
import { labelsSchema } from "../client/schema";

const num = z.number().nullish();
const str = z.string().nullish();

/** A stack as GET /api/instances/{idOrSlug} answers it; unknown fields pass through. */
export const stackSchema = z.looseObject({
  /** Numeric stack id (below 2^24). */
  id: z.number(),
  orgId: z.number(),
  orgSlug: z.string(),
  orgName: str,
  name: z.string(),
  slug: z.string(),
  /** The stack's own URL (hosted Grafana). */
  url: z.string(),
  /** One of 14 values: active, pending, starting, paused, deleted, deleting, … */
  status: z.string(),
  description: str,
  /** The contract leaves the value type open; scalars are kept as text. */
  labels: labelsSchema,
  deleteProtection: z.boolean().nullish(),
  type: str,
  plan: str,
  planName: str,
  version: str,
  runningVersion: str,
  createdAt: str,
  createdBy: str,
  updatedAt: str,
  updatedBy: str,

  // Placement: region, cluster and cloud provider.
  regionId: num,
  regionSlug: str,
  regionPublicName: str,
  clusterId: num,
  clusterSlug: str,
  clusterName: str,
  /** Cloud provider, e.g. `aws`, `gcp`, `azure`. */
  provider: str,
  /** The provider's own region name, e.g. `us-east-2`. */
  providerRegion: str,

  // Prometheus (metrics). The remote-write endpoint is `{hmInstancePromUrl}/api/prom/push`.
  hmInstancePromId: num,
  hmInstancePromName: str,
  hmInstancePromUrl: str,
  hmInstancePromStatus: str,
  hmInstancePromClusterId: num,
  // Graphite.
  hmInstanceGraphiteId: num,
  hmInstanceGraphiteName: str,
  hmInstanceGraphiteUrl: str,
  hmInstanceGraphiteStatus: str,
  hmInstanceGraphiteType: str,
  hmInstanceGraphiteClusterId: num,
  // Logs (Loki).
  hlInstanceId: num,
  hlInstanceName: str,
  hlInstanceUrl: str,
  hlInstanceStatus: str,
  hlInstanceClusterId: num,
  // Traces (Tempo).
  htInstanceId: num,
  htInstanceName: str,
  htInstanceUrl: str,
  htInstanceStatus: str,
  htInstanceClusterId: num,
  // Profiles (Pyroscope).
  hpInstanceId: num,
  hpInstanceName: str,
  hpInstanceUrl: str,
  hpInstanceStatus: str,
  hpInstanceClusterId: num,
  // Alertmanager.
  amInstanceId: num,
  amInstanceName: str,
  amInstanceUrl: str,
  amInstanceStatus: str,
  amInstanceClusterId: num,
  amInstanceGeneratorUrl: str,
  amInstanceGeneratorUrlDatasource: str,
  // Fleet management (agent management).
  agentManagementInstanceId: num,
  agentManagementInstanceName: str,
  agentManagementInstanceUrl: str,
  agentManagementInstanceStatus: str,
  agentManagementInstanceClusterId: num,

  // Region-wide service URLs; synthetic monitoring's API is only here on the stack object.
  regionSyntheticMonitoringApiUrl: str,
  regionStackStateServiceUrl: str,
  regionInsightsApiUrl: str,
  regionIntegrationsApiUrl: str,
  regionHostedExportersApiUrl: str,
  regionMachineLearningApiUrl: str,
  regionLLMGatewayUrl: str,
  regionAssistantUrl: str,
  regionSigilUrl: str,
});
export type StackResponse = z.output<typeof stackSchema>;

/** The Prometheus remote-write endpoint of a stack, from its Prometheus URL. */
export function prometheusRemoteWriteUrl(promUrl: string | null | undefined): string | undefined {
  return promUrl ? `${promUrl.replace(/\/+$/, "")}/api/prom/push` : undefined;
}

/** The Prometheus query endpoint of a stack (what data sources use), from its Prometheus URL. */
export function prometheusRemoteUrl(promUrl: string | null | undefined): string | undefined {
  return promUrl ? `${promUrl.replace(/\/+$/, "")}/api/prom` : undefined;
}

/**
 * The stack statuses of the contract. The service may add more; a client must take any string
 * (what each one means for the Stack resource is decided in resources/stack.ts).
 */
export const STACK_STATUSES = [
  "active",
  "archived",
  "archiving",
  "deleted",
  "deleting",
  "migrated",
  "migrating",
  "paused",
  "pending",
  "restoring",
  "starting",
  "suspended",
  "suspending",
  "unknown",
] as const;
export type StackStatus = (typeof STACK_STATUSES)[number];

/**
 * A deleted stack still answers GET with 200 and status `deleted` (`deleting` on the way). Such a
 * stack no longer exists for us.
 */
export function isGoneStatus(status: string): boolean {
  return status === "deleted" || status === "deleting";
}

const strList = z.array(z.string()).nullish();

/** Private-link details (AWS PrivateLink, GCP Private Service Connect, …); every field optional. */
export const privateLinkSchema = z.looseObject({
  serviceName: str,
  privateDNS: str,
  endpointName: str,
  serviceAttachment: str,
  regions: strList,
  availabilityZones: strList,
  availabilityZoneIds: strList,
  domainNames: strList,
});
export type PrivateLink = z.output<typeof privateLinkSchema>;

const pdcSchema = z.looseObject({ api: privateLinkSchema.nullish(), gateway: privateLinkSchema.nullish() });
const appPlatformSchema = z.looseObject({ url: str, caData: str });

/** One tenant (metrics, logs, traces, …) in the legacy connections answer. */
export const connectionTenantSchema = z.looseObject({
  id: num,
  type: str,
  /** The CNAME to allow-list for this tenant's traffic, when it has one. */
  ipAllowListCNAME: str,
  allowlistUrl: str,
  info: privateLinkSchema.nullish(),
});

/** `GET /api/instances/{idOrSlug}/connections` (deprecated by the contract, still served). */
export const connectionsSchema = z.looseObject({
  otlpHttpUrl: str,
  otlpMultiAZ: z.boolean().nullish(),
  influxUrl: str,
  oncallApiUrl: str,
  syntheticMonitoringApiUrl: str,
  appPlatform: appPlatformSchema.nullish(),
  privateConnectivityInfo: z
    .looseObject({
      tenants: z.array(connectionTenantSchema).nullish(),
      otlp: privateLinkSchema.nullish(),
      pdc: pdcSchema.nullish(),
    })
    .nullish(),
});
export type ConnectionsResponse = z.output<typeof connectionsSchema>;

/** `GET /api/v1/stacks/{idOrSlug}/connections`. */
export const stackConnectionsV1Schema = z.looseObject({
  tenants: z
    .array(
      z.looseObject({
        id: num,
        type: str,
        url: str,
        allowlistUrl: str,
        privateConnectivityInfo: privateLinkSchema.nullish(),
      }),
    )
    .nullish(),
  otlp: z
    .looseObject({
      multiAZ: z.boolean().nullish(),
      url: str,
      privateConnectivityInfo: privateLinkSchema.nullish(),
    })
    .nullish(),
  pdc: pdcSchema.nullish(),
  appPlatform: appPlatformSchema.nullish(),
  services: z.looseObject({ influxUrl: str, oncallApiUrl: str, syntheticMonitoringApiUrl: str }).nullish(),
});
export type StackConnectionsV1 = z.output<typeof stackConnectionsV1Schema>;

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

const one = (idOrSlug: string | number) => path`/api/instances/${idOrSlug}`;

export function getStack(c: ApiClient, idOrSlug: string | number): Promise<StackResponse> {
  return c.request({ method: "GET", path: one(idOrSlug), schema: stackSchema });
}

export function createStack(c: ApiClient, body: StackCreateBody): Promise<StackResponse> {
  // Not repeated after an unknown outcome: the stack may exist (the caller looks the slug up).
  return c.request({ method: "POST", path: path`/api/instances`, body, schema: stackSchema });
}

export function updateStack(
  c: ApiClient,
  idOrSlug: string | number,
  body: StackUpdateBody,
): Promise<StackResponse> {
  // Setting the same fields twice is harmless, so a lost response may be retried.
  return c.request({ method: "POST", path: one(idOrSlug), body, schema: stackSchema, retry: WRITE_SAFE });
}

export async function deleteStack(c: ApiClient, idOrSlug: string | number): Promise<void> {
  await c.request({ method: "DELETE", path: one(idOrSlug), schema: z.unknown() });
}

/** The legacy connections route; it can answer 404 for a while right after creation. */
export function getConnections(c: ApiClient, idOrSlug: string | number): Promise<ConnectionsResponse> {
  return c.request({
    method: "GET",
    path: path`/api/instances/${idOrSlug}/connections`,
    schema: connectionsSchema,
  });
}

/** The v1 connections route: the same facts in the v1 shape (services, otlp, tenants, pdc). */
export function getStackConnectionsV1(c: ApiClient, idOrSlug: string | number): Promise<StackConnectionsV1> {
  return c.request({
    method: "GET",
    path: path`/api/v1/stacks/${idOrSlug}/connections`,
    schema: stackConnectionsV1Schema,
  });
}

const readinessSchema = z.looseObject({ ready: z.boolean() });

export async function getReadiness(c: ApiClient, id: number): Promise<boolean> {
  const r = await c.request({
    method: "GET",
    path: path`/api/instances/${id}/readiness`,
    schema: readinessSchema,
    // One attempt: the caller polls on its own schedule, within its own deadline.
    retry: ONE_ATTEMPT,
  });
  return r.ready;
}

/** `GET /api/v1/stacks/{idOrSlug}/readiness`, one attempt (the caller polls). */
export async function getStackReadinessV1(c: ApiClient, idOrSlug: string | number): Promise<boolean> {
  const r = await c.request({
    method: "GET",
    path: path`/api/v1/stacks/${idOrSlug}/readiness`,
    schema: readinessSchema,
    retry: ONE_ATTEMPT,
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
      baseUrl: stackUrl,
      path: path`/api/health`,
      schema: z.unknown(),
      bearer: null,
      retry: ONE_ATTEMPT,
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
  description: str,
  provider: str,
  status: str,
});
export type Region = z.output<typeof regionSchema>;

/**
 * The cheapest call any valid access-policy token can make: the region list needs no scope (the
 * contract lists none for it, and answers a bad credential with 401), and an `id` filter that no
 * region has keeps the answer to the list's envelope. Resolves whatever the list holds; throws the
 * client's error otherwise.
 */
export async function probeCredential(c: ApiClient): Promise<void> {
  await c.request({ method: "GET", path: path`/api/stack-regions`, query: { id: 0 }, schema: z.unknown() });
}

export async function listRegions(c: ApiClient): Promise<Region[]> {
  const r = await c.request({
    method: "GET",
    path: path`/api/stack-regions`,
    schema: z.looseObject({ items: z.array(regionSchema) }),
  });
  return r.items;
}
