import { randomInt } from "node:crypto";
import { iso, isoOrNull } from "../clock";
import type { Ctx } from "../context";
import { conflict, forbidden, invalid, loading, notFound } from "../errors";
import type { Frozen } from "../store";
import { LABEL_RE, MAX_LABELS, REGION_RE, REGION_RULE, SLUG_RE, isHttpUrl, isObject } from "../validation";
import { Region, findRegion, requireRegion } from "./region";

/**
 * Stacks (`/instances`). Creation is asynchronous: a new stack is `pending` for the first half of
 * the readiness delay, `starting` for the second, then `active`. A deleted stack stays `deleting`
 * for the delete delay, then `deleted`, and GET still answers it. Both are derived from timestamps
 * when read. Deleting a stack removes its plugins and its API keys, which live inside its Grafana.
 */

export type StackStatus = "pending" | "starting" | "active" | "deleting" | "deleted";

export interface ServiceIds {
  prom: number;
  graphite: number;
  logs: number;
  traces: number;
  alerts: number;
  profiles: number;
}

export interface StackRecord {
  id: number;
  seq: number;
  slug: string;
  name: string;
  description: string;
  /** A custom domain given at create or update; null means the emulator-served stack URL. */
  customUrl: string | null;
  region: string;
  labels: Record<string, string>;
  deleteProtection: boolean;
  createdAt: number;
  updatedAt: number | null;
  /** When the stack becomes `active` (created + readiness delay). */
  readyAt: number;
  deletedAt: number | null;
  /** When `deleting` turns into `deleted`. */
  deleteDoneAt: number | null;
  serviceIds: ServiceIds;
  /** Next id for a hosted Grafana API key on this stack (Grafana numbers them per instance). */
  nextKeyId: number;
}

export type Stack = Frozen<StackRecord>;

/** Brings a stack record from an older state file up to date. */
export function migrateStack(s: StackRecord): StackRecord {
  return s;
}

/** Numeric ids stay below 2^24, as the service's do. */
const MAX_ID = 2 ** 24;

export function stackStatus(s: Stack, now: number): StackStatus {
  if (s.deletedAt !== null) return now < (s.deleteDoneAt ?? s.deletedAt) ? "deleting" : "deleted";
  if (now >= s.readyAt) return "active";
  return now < s.createdAt + (s.readyAt - s.createdAt) / 2 ? "pending" : "starting";
}

export function isGone(s: Stack): boolean {
  return s.deletedAt !== null;
}

export function stackRegion(s: Stack): Region {
  const region = findRegion(s.region);
  if (region === undefined) throw new Error(`stack ${s.slug} has unknown region ${s.region}`);
  return region;
}

/** The stack's Grafana URL: served by the emulator itself unless a custom domain was given. */
export function stackUrl(ctx: Ctx, s: Stack): string {
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

/** Lookup by numeric id or by slug: `/instances/{idOrSlug}` takes either. */
export function findStack(ctx: Ctx, idOrSlug: string): Stack | undefined {
  if (/^\d+$/.test(idOrSlug)) return ctx.state.stacks.find((s) => s.id === Number(idOrSlug));
  const matches = ctx.state.stacks.filter((s) => s.slug === idOrSlug);
  // A live stack wins over deleted ones of the same slug; else the most recent deletion.
  return matches.find((s) => !isGone(s)) ?? [...matches].sort((a, b) => b.seq - a.seq)[0];
}

export function requireStack(ctx: Ctx, idOrSlug: string): Stack {
  const s = findStack(ctx, idOrSlug);
  if (s === undefined) throw notFound(`Cloud Stack ${idOrSlug} not found`);
  return s;
}

/** For operations on a stack: a deleted or deleting stack no longer takes them. */
export function requireLiveStack(ctx: Ctx, idOrSlug: string): Stack {
  const s = requireStack(ctx, idOrSlug);
  if (isGone(s)) throw notFound(`Cloud Stack ${idOrSlug} not found`);
  return s;
}

/** 503 Loading with Retry-After while the stack is not active. */
export function requireActive(ctx: Ctx, s: Stack): void {
  const now = ctx.now();
  if (stackStatus(s, now) === "active") return;
  throw loading(Math.max(1, Math.ceil((s.readyAt - now) / 1000)));
}

export function stackView(ctx: Ctx, s: Stack): Record<string, unknown> {
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

/** The connection details of a running stack (`/instances/{idOrSlug}/connections`). */
export function connectionsView(ctx: Ctx, stack: Stack): Record<string, unknown> {
  // Right after creation the connection info is not there yet.
  if (stackStatus(stack, ctx.now()) === "pending") {
    throw notFound(`connections for stack ${stack.slug} are not available yet`);
  }
  const region = stackRegion(stack);
  const urls = serviceUrls(region);
  const c = region.clusterSlug;
  const ids = stack.serviceIds;
  const tenant = (type: string, id: number, cname: string | null) => ({ type, id, ipAllowListCNAME: cname });
  return {
    privateConnectivityInfo: {
      tenants: [
        tenant("prometheus", ids.prom, `src-ips.prometheus-${c}.grafana.net`),
        tenant("graphite", ids.graphite, `src-ips.prometheus-${c}.grafana.net`),
        tenant("logs", ids.logs, `src-ips.${region.logsHost}.grafana.net`),
        tenant("traces", ids.traces, `src-ips.${region.tracesHost}.grafana.net`),
        tenant("profiles", ids.profiles, `src-ips.profiles-${c}.grafana.net`),
        tenant("alerts", ids.alerts, `src-ips.alertmanager-${c}.grafana.net`),
        tenant("grafana", stack.id, null),
      ],
    },
    influxUrl: urls.influx,
    otlpHttpUrl: urls.otlp,
    oncallApiUrl: urls.oncall,
    appPlatform: { url: urls.appPlatform, caData: "" },
  };
}

export function readiness(ctx: Ctx, stack: Stack): { ready: boolean } {
  return { ready: stackStatus(stack, ctx.now()) === "active" };
}

function validateLabels(value: unknown): Record<string, string> {
  if (value === null) return {};
  if (!isObject(value)) throw invalid("Invalid labels: must be an object of string keys and values");
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) {
    throw invalid(`Invalid labels: at most ${MAX_LABELS} labels are allowed, got ${entries.length}`);
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!LABEL_RE.test(k)) throw invalid(`Invalid label key ${JSON.stringify(k)} specified`);
    if (typeof v !== "string" || !LABEL_RE.test(v)) {
      throw invalid(`Invalid label value ${JSON.stringify(v)} specified for key ${JSON.stringify(k)}`);
    }
    labels[k] = v;
  }
  return labels;
}

/** A custom domain; null (on update) goes back to the emulator-served URL. */
function validateUrl(value: unknown): string | null {
  if (value === null) return null;
  if (!isHttpUrl(value)) throw invalid(`Invalid url ${String(value)} specified`);
  return value.trim().replace(/\/+$/, "");
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(`Invalid ${field}: must be a string`);
  return value;
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw invalid(`Invalid ${field}: must be a boolean`);
  return value;
}

function validateName(value: unknown): string {
  if (typeof value !== "string" || value === "") throw invalid("Field is required: name");
  return value;
}

export interface StackInput {
  slug: string;
  name: string;
  region: Region;
  description: string;
  labels: Record<string, string>;
  customUrl: string | null;
  deleteProtection: boolean;
}

/** The create body: `name` and `slug` required; a missing region means `us`. */
export function parseStackCreate(body: unknown): StackInput {
  if (!isObject(body)) throw invalid("Invalid request body: must be a JSON object");
  const name = validateName(body.name);
  if (body.slug === undefined || body.slug === null || body.slug === "")
    throw invalid("Field is required: slug");
  if (typeof body.slug !== "string" || !SLUG_RE.test(body.slug)) {
    throw invalid(`Invalid slug ${String(body.slug)} specified`);
  }
  const regionSlug = optionalString(body.region, "region") ?? "us";
  if (!REGION_RE.test(regionSlug)) throw invalid(`Invalid region ${regionSlug} specified: ${REGION_RULE}`);
  return {
    slug: body.slug,
    name,
    region: requireRegion(regionSlug),
    description: optionalString(body.description, "description") ?? "",
    labels: body.labels === undefined ? {} : validateLabels(body.labels),
    customUrl: body.url === undefined ? null : validateUrl(body.url),
    // The reference's create response shows deleteProtection true for a body that did not set it.
    deleteProtection: optionalBoolean(body.deleteProtection, "deleteProtection") ?? true,
  };
}

export type StackChanges = Partial<
  Pick<StackRecord, "name" | "description" | "labels" | "deleteProtection" | "customUrl">
>;

/** The update body: fields left out keep their value; slug and region cannot change. */
export function parseStackUpdate(body: unknown, current: Stack): StackChanges {
  const b = body ?? {};
  if (!isObject(b)) throw invalid("Invalid request body: must be a JSON object");
  if (b.slug !== undefined && b.slug !== current.slug) throw invalid("Field cannot be changed: slug");
  if (b.region !== undefined && b.region !== current.region) throw invalid("Field cannot be changed: region");
  const changes: StackChanges = {};
  if (b.name !== undefined) changes.name = validateName(b.name);
  const description = optionalString(b.description, "description");
  if (description !== undefined) changes.description = description;
  // Labels replace the whole set: an omitted key is removed, {} clears.
  if (b.labels !== undefined) changes.labels = validateLabels(b.labels);
  const deleteProtection = optionalBoolean(b.deleteProtection, "deleteProtection");
  if (deleteProtection !== undefined) changes.deleteProtection = deleteProtection;
  if (b.url !== undefined) changes.customUrl = validateUrl(b.url);
  return changes;
}

function newId(taken: Set<number>): number {
  for (;;) {
    const id = randomInt(100_000, MAX_ID);
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

export function createStack(ctx: Ctx, input: StackInput): Stack {
  const now = ctx.now();
  const sameSlug = ctx.state.stacks.filter((s) => s.slug === input.slug);
  if (sameSlug.some((s) => !isGone(s))) throw conflict("That url is not available");
  // A just-deleted slug is held for a while ("deleted recently ... wait for 30s").
  const lastDeletion = Math.max(...sameSlug.map((s) => s.deletedAt ?? -Infinity));
  const remaining = lastDeletion + ctx.opts.slugReuseWindowMs - now;
  if (remaining > 0) {
    const seconds = Math.ceil(remaining / 1000);
    throw conflict(
      `A stack with slug ${input.slug} was deleted recently. Please wait for ${seconds}s before creating it again`,
    );
  }
  const live = ctx.state.stacks.filter((s) => !isGone(s)).length;
  if (live >= ctx.opts.maxStacks) throw forbidden("Hosted instance limit reached");

  return ctx.mutate((state) => {
    const taken = new Set<number>();
    for (const s of state.stacks) {
      taken.add(s.id);
      for (const v of Object.values(s.serviceIds)) taken.add(v);
    }
    state.seq += 1;
    const stack: StackRecord = {
      id: newId(taken),
      seq: state.seq,
      slug: input.slug,
      name: input.name,
      description: input.description,
      customUrl: input.customUrl,
      region: input.region.slug,
      labels: input.labels,
      deleteProtection: input.deleteProtection,
      createdAt: now,
      updatedAt: null,
      readyAt: now + ctx.opts.readinessDelayMs,
      deletedAt: null,
      deleteDoneAt: null,
      serviceIds: {
        prom: newId(taken),
        graphite: newId(taken),
        logs: newId(taken),
        traces: newId(taken),
        alerts: newId(taken),
        profiles: newId(taken),
      },
      nextKeyId: 1,
    };
    state.stacks.push(stack);
    return stack;
  });
}

function mutableStack(stacks: StackRecord[], stack: Stack): StackRecord {
  const target = stacks.find((s) => s.id === stack.id);
  if (target === undefined) throw notFound(`Cloud Stack ${stack.id} not found`);
  return target;
}

export function updateStack(ctx: Ctx, stack: Stack, changes: StackChanges): Stack {
  return ctx.mutate((state, now) => {
    const target = mutableStack(state.stacks, stack);
    Object.assign(target, changes, { updatedAt: now });
    return target;
  });
}

/**
 * Starts the deletion (refused while delete protection is on). The stack's plugins and API keys
 * live inside its Grafana and go with it at once.
 */
export function deleteStack(ctx: Ctx, stack: Stack): Stack {
  if (stack.deleteProtection) {
    throw conflict(
      `Delete protection is enabled for stack ${stack.slug}; set deleteProtection to false before deleting it`,
    );
  }
  const deleted = ctx.mutate((state, now) => {
    const target = mutableStack(state.stacks, stack);
    target.deletedAt = now;
    target.deleteDoneAt = now + ctx.opts.deleteDelayMs;
    target.updatedAt = now;
    state.plugins = state.plugins.filter((p) => p.stackId !== stack.id);
    state.stackKeys = state.stackKeys.filter((k) => k.stackId !== stack.id);
    return target;
  });
  ctx.pluginBusyUntil.delete(stack.id);
  return deleted;
}

/** Every stack not yet `deleted` (a `deleting` one is still listed), by name. */
export function listStacks(ctx: Ctx): Stack[] {
  const now = ctx.now();
  return ctx.state.stacks
    .filter((s) => stackStatus(s, now) !== "deleted")
    .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
}

/** The next hosted Grafana API key id on this stack; part of a key creation's change. */
export function takeKeyId(stacks: StackRecord[], stack: Stack): number {
  const target = mutableStack(stacks, stack);
  const id = target.nextKeyId;
  target.nextKeyId += 1;
  return id;
}
