import { Region, findRegion } from "./catalog";
import { iso, isoOrNull } from "./clock";
import { Ctx } from "./context";
import { ApiError, notFound } from "./errors";
import { StackRecord } from "./store";

/**
 * Stack status is derived from timestamps on each read (real-api-behaviour.md, "Stacks": creation
 * is asynchronous): `pending` for the first half of the readiness delay, `starting` for the
 * second half, then `active`; after a delete, `deleting` until `deleteDoneAt`, then `deleted`.
 */
export type StackStatus = "pending" | "starting" | "active" | "deleting" | "deleted";

export function stackStatus(s: StackRecord, now: number): StackStatus {
  if (s.deletedAt !== null) return now < (s.deleteDoneAt ?? s.deletedAt) ? "deleting" : "deleted";
  if (now >= s.readyAt) return "active";
  return now < s.createdAt + (s.readyAt - s.createdAt) / 2 ? "pending" : "starting";
}

export function isGone(s: StackRecord): boolean {
  return s.deletedAt !== null;
}

export function stackRegion(s: StackRecord): Region {
  const region = findRegion(s.region);
  if (region === undefined) throw new Error(`stack ${s.slug} has unknown region ${s.region}`);
  return region;
}

/** The stack's Grafana URL: served by the emulator itself unless a custom domain was given. */
export function stackUrl(ctx: Ctx, s: StackRecord): string {
  return s.customUrl ?? `${ctx.baseUrl}/grafana/${s.slug}`;
}

/** Per-region service hosts. They are data for clients to record, never contacted. */
export interface ServiceUrls {
  prom: string;
  graphite: string;
  logs: string;
  traces: string;
  alerts: string;
  profiles: string;
  otlp: string;
  influx: string;
  oncall: string;
  appPlatform: string;
}

export function serviceUrls(region: Region): ServiceUrls {
  const c = region.clusterSlug;
  return {
    prom: `https://prometheus-${c}.grafana.net`,
    graphite: `https://graphite-${c}.grafana.net`,
    logs: `https://${region.logsHost}.grafana.net`,
    traces: `https://${region.tracesHost}.grafana.net`,
    alerts: `https://alertmanager-${c}.grafana.net`,
    profiles: `https://profiles-${c}.grafana.net`,
    otlp: `https://otlp-gateway-${c}.grafana.net/otlp`,
    influx: `https://influx-${c}.grafana.net`,
    oncall: `https://oncall-${c}.grafana.net/oncall`,
    appPlatform: `https://app-platform-apiserver-${c}.grafana.net`,
  };
}

/** Lookup by numeric id or by slug (real-api-behaviour.md: `/instances/{idOrSlug}` takes either). */
export function findStack(ctx: Ctx, idOrSlug: string): StackRecord | undefined {
  if (/^\d+$/.test(idOrSlug)) return ctx.state.stacks.find((s) => s.id === Number(idOrSlug));
  const matches = ctx.state.stacks.filter((s) => s.slug === idOrSlug);
  // A live stack wins over deleted ones of the same slug; else the most recent deletion.
  return matches.find((s) => !isGone(s)) ?? matches.sort((a, b) => b.seq - a.seq)[0];
}

export function requireStack(ctx: Ctx, idOrSlug: string): StackRecord {
  const s = findStack(ctx, idOrSlug);
  if (s === undefined) throw notFound(`Cloud Stack ${idOrSlug} not found`);
  return s;
}

/** For operations on a stack: a deleted or deleting stack no longer takes them. */
export function requireLiveStack(ctx: Ctx, idOrSlug: string): StackRecord {
  const s = requireStack(ctx, idOrSlug);
  if (isGone(s)) throw notFound(`Cloud Stack ${idOrSlug} not found`);
  return s;
}

/** 503 Loading with Retry-After while the stack is not active (real-api-behaviour.md, "General"). */
export function requireActive(ctx: Ctx, s: StackRecord): void {
  const now = ctx.now();
  if (stackStatus(s, now) === "active") return;
  const wait = Math.max(1, Math.ceil((s.readyAt - now) / 1000));
  throw new ApiError(503, "Loading", "Your instance is loading...", { "retry-after": String(wait) });
}

export function stackView(ctx: Ctx, s: StackRecord): Record<string, unknown> {
  const now = ctx.now();
  const status = stackStatus(s, now);
  const region = stackRegion(s);
  const urls = serviceUrls(region);
  const url = stackUrl(ctx, s);
  const org = ctx.opts.org;
  const ids = s.serviceIds;
  // The hosted services follow the stack's own lifecycle.
  const serviceStatus = status;
  return {
    id: s.id,
    orgId: org.id,
    orgSlug: org.slug,
    orgName: org.name,
    type: "grafana",
    name: s.name,
    url,
    slug: s.slug,
    version: "stable",
    description: s.description,
    labels: { ...s.labels },
    status,
    gateway: "istio",
    createdAt: iso(s.createdAt),
    createdBy: org.slug,
    updatedAt: isoOrNull(s.updatedAt),
    updatedBy: s.updatedAt === null ? "" : org.slug,
    trial: 0,
    trialExpiresAt: null,
    clusterId: region.clusterId,
    clusterSlug: region.clusterSlug,
    clusterName: region.clusterSlug,
    plan: "gcloud",
    planName: "Grafana Cloud",
    billingStartDate: iso(s.createdAt),
    billingEndDate: isoOrNull(s.deletedAt),
    billingActiveUsers: 0,
    billingGrafanaActiveUsers: 0,
    billingOnCallActiveUsers: 0,
    currentActiveUsers: 0,
    currentActiveAdminUsers: 0,
    currentActiveEditorUsers: 0,
    currentActiveViewerUsers: 0,
    dailyUserCnt: 0,
    dailyAdminCnt: 0,
    dailyEditorCnt: 0,
    dailyViewerCnt: 0,
    dashboardCnt: 0,
    datasourceCnts: {},
    userQuota: 10,
    dashboardQuota: -1,
    alertQuota: -1,
    alertCnt: 0,
    ssl: true,
    customAuth: true,
    customDomain: true,
    support: true,
    runningVersion: status === "active" ? "11.5.0 (commit: emulator, branch: v11.5.x)" : "",
    machineLearning: 0,
    incident: 0,
    deleteProtection: s.deleteProtection,
    hmInstancePromId: ids.prom,
    hmInstancePromUrl: urls.prom,
    hmInstancePromName: `${s.slug}-prom`,
    hmInstancePromStatus: serviceStatus,
    hmInstancePromCurrentUsage: 0,
    hmInstancePromCurrentActiveSeries: 0,
    hmInstanceGraphiteId: ids.graphite,
    hmInstanceGraphiteUrl: urls.graphite,
    hmInstanceGraphiteName: `${s.slug}-graphite`,
    hmInstanceGraphiteType: "graphite-v5",
    hmInstanceGraphiteStatus: serviceStatus,
    hmInstanceGraphiteCurrentUsage: 0,
    hlInstanceId: ids.logs,
    hlInstanceUrl: urls.logs,
    hlInstanceName: `${s.slug}-logs`,
    hlInstanceStatus: serviceStatus,
    hlInstanceCurrentUsage: 0,
    amInstanceId: ids.alerts,
    amInstanceName: `${s.slug}-alerts`,
    amInstanceUrl: urls.alerts,
    amInstanceStatus: serviceStatus,
    amInstanceGeneratorUrl: url,
    amInstanceGeneratorUrlDatasource: "",
    htInstanceId: ids.traces,
    htInstanceUrl: urls.traces,
    htInstanceName: `${s.slug}-traces`,
    htInstanceStatus: serviceStatus,
    hpInstanceId: ids.profiles,
    hpInstanceUrl: urls.profiles,
    hpInstanceName: `${s.slug}-profiles`,
    hpInstanceStatus: serviceStatus,
    regionId: region.id,
    regionSlug: region.slug,
    links: [
      { rel: "self", href: `/instances/${s.slug}` },
      { rel: "org", href: `/orgs/${org.slug}` },
      { rel: "plugins", href: `/instances/${s.slug}/plugins` },
    ],
  };
}
