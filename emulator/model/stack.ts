import { randomInt } from "node:crypto";
import { iso, isoOrNull } from "../clock";
import type { Ctx } from "../context";
import { conflict, forbidden, invalid, loading, notFound } from "../errors";
import type { Frozen } from "../store";
import {
  LABEL_RE,
  MAX_LABELS,
  REGION_RE,
  REGION_RULE,
  SLUG_RE,
  STACK_DESCRIPTION_MAX,
  STACK_NAME_MAX,
  isHttpUrl,
  isObject,
  parseTime,
  queryList,
  queryValue,
} from "../validation";
import {
  Region,
  compareValues,
  findRegion,
  parseDirection,
  privateLink,
  regionClusters,
  regionServiceUrls,
  requireRegion,
} from "./region";

/**
 * Stacks (`/instances`). Creation is asynchronous: a new stack is `pending` for the first half of
 * the readiness delay, `starting` for the second, then `active`. A deleted stack stays `deleting`
 * for the delete delay, then `deleted`, and GET still answers it. Both are derived from timestamps
 * when read. Tests may set any other status of the service through the control API (`paused`,
 * `suspended`, `archived`, `migrating`...), which holds until cleared or the stack is deleted.
 * Deleting a stack removes its plugins and its API keys, which live inside its Grafana.
 */

/** The service's stack statuses (14). */
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

/** The per-service statuses (hosted metrics, logs, traces, ...): only these four. */
export type ServiceStatus = "active" | "deleted" | "suspended" | "unknown";

/**
 * A stack's services while the stack has this status: running while it starts, runs or moves;
 * suspended with it (a paused stack's Grafana sleeps, its data services are held); deleted once it
 * is archived or deleted.
 */
export function serviceStatusOf(status: StackStatus): ServiceStatus {
  switch (status) {
    case "active":
    case "pending":
    case "starting":
    case "migrating":
    case "migrated":
    case "restoring":
      return "active";
    case "paused":
    case "suspended":
    case "suspending":
      return "suspended";
    case "archived":
    case "archiving":
    case "deleting":
    case "deleted":
      return "deleted";
    case "unknown":
      return "unknown";
  }
}

export interface ServiceIds {
  prom: number;
  graphite: number;
  logs: number;
  traces: number;
  alerts: number;
  profiles: number;
  /** Fleet management (`agentManagementInstance...`). */
  fleet: number;
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
  /** A status set through the control API; null: derived from the times above. */
  statusOverride: StackStatus | null;
  serviceIds: ServiceIds;
  /**
   * Next id for a hosted Grafana API key or service-account token on this stack (Grafana numbers
   * them per instance, in one table).
   */
  nextKeyId: number;
  /** Next user id of this stack's Grafana, taken by its service accounts (1 is the admin). */
  nextUserId: number;
}

export type Stack = Frozen<StackRecord>;

/** Brings a stack record from an older state file up to date. */
export function migrateStack(s: StackRecord): StackRecord {
  const ids: Partial<ServiceIds> = s.serviceIds;
  const older: Partial<Pick<StackRecord, "nextUserId">> = s;
  return {
    ...s,
    statusOverride: s.statusOverride ?? null,
    nextUserId: older.nextUserId ?? 2,
    serviceIds: { ...s.serviceIds, fleet: ids.fleet ?? Math.max(...Object.values(s.serviceIds)) + 1 },
  };
}

/** Numeric ids stay below 2^24, as the service's do. */
const MAX_ID = 2 ** 24;

/**
 * The Grafana version the emulated stacks run: one that still has API keys, or (the default) one
 * after 12.1, which removed them.
 */
export function grafanaVersion(ctx: Ctx): string {
  return ctx.opts.stackApiKeys === "legacy" ? "11.5.0" : "12.1.0";
}

/** Fixed creation time of the emulated org. */
const ORG_CREATED_AT = "2023-01-04T06:43:00.000Z";

export function stackStatus(s: Stack, now: number): StackStatus {
  if (s.deletedAt !== null) return now < (s.deleteDoneAt ?? s.deletedAt) ? "deleting" : "deleted";
  if (s.statusOverride !== null) return s.statusOverride;
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
  const status = stackStatus(s, ctx.now());
  const serviceStatus = serviceStatusOf(status);
  const region = stackRegion(s);
  const clusters = regionClusters(region);
  const regionUrls = regionServiceUrls(region);
  const url = stackUrl(ctx, s);
  const org = ctx.opts.org;
  const ids = s.serviceIds;
  // A per-service block: the hosted instance's id, name, URL, status, cluster and usage.
  const service = (prefix: string, id: number, suffix: string, cluster: { id: number; url: string }) => ({
    [`${prefix}Id`]: id,
    [`${prefix}Name`]: `${s.slug}-${suffix}`,
    [`${prefix}Url`]: cluster.url,
    [`${prefix}Status`]: serviceStatus,
    [`${prefix}ClusterId`]: cluster.id,
  });
  const usage = (prefix: string) => ({ [`${prefix}CurrentUsage`]: 0, [`${prefix}BillingUsage`]: 0 });
  return {
    id: s.id,
    orgId: org.id,
    orgSlug: org.slug,
    orgName: org.name,
    orgCreatedAt: ORG_CREATED_AT,
    type: "grafana",
    name: s.name,
    url,
    slug: s.slug,
    version: "stable",
    description: s.description,
    labels: { ...s.labels },
    status,
    plan: "gcloud",
    planName: "Grafana Cloud",
    runningVersion:
      status === "active"
        ? `${grafanaVersion(ctx)} (commit: emulator, branch: v${grafanaVersion(ctx).replace(/\.\d+$/, ".x")})`
        : "",
    deleteProtection: s.deleteProtection,
    gateway: "istio",
    createdAt: iso(s.createdAt),
    createdBy: org.slug,
    updatedAt: isoOrNull(s.updatedAt),
    updatedBy: s.updatedAt === null ? "" : org.slug,
    trial: 0,
    trialExpiresAt: null,
    ssl: true,
    customAuth: true,
    customDomain: true,
    support: true,
    incident: 0,
    machineLearning: 0,
    k6OrgId: null,
    usageStatsId: s.id,
    machineLearningLogsToken: "",
    clusterId: region.clusterId,
    clusterSlug: region.clusterSlug,
    clusterName: region.clusterSlug,
    regionId: region.id,
    regionSlug: region.slug,
    regionPublicName: region.name,
    provider: region.provider,
    providerRegion: region.providerRegion,
    regionStackStateServiceUrl: regionUrls.stackStateServiceUrl,
    regionSyntheticMonitoringApiUrl: regionUrls.syntheticMonitoringApiUrl,
    regionInsightsApiUrl: regionUrls.insightsApiUrl,
    regionIntegrationsApiUrl: regionUrls.integrationsApiUrl,
    regionHostedExportersApiUrl: regionUrls.hostedExportersApiUrl,
    regionMachineLearningApiUrl: regionUrls.machineLearningApiUrl,
    regionLLMGatewayUrl: regionUrls.llmGatewayUrl,
    regionAssistantUrl: regionUrls.assistantUrl,
    regionSigilUrl: regionUrls.sigilUrl,
    ...service("hmInstanceProm", ids.prom, "prom", clusters.hmProm),
    ...usage("hmInstanceProm"),
    hmInstancePromCurrentActiveSeries: 0,
    ...service("hmInstanceGraphite", ids.graphite, "graphite", clusters.hmGraphite),
    ...usage("hmInstanceGraphite"),
    hmInstanceGraphiteType: "graphite-v5",
    ...service("hlInstance", ids.logs, "logs", clusters.hl),
    ...usage("hlInstance"),
    ...service("htInstance", ids.traces, "traces", clusters.ht),
    ...usage("htInstance"),
    ...service("hpInstance", ids.profiles, "profiles", clusters.hp),
    ...usage("hpInstance"),
    ...service("amInstance", ids.alerts, "alerts", clusters.am),
    amInstanceGeneratorUrl: url,
    amInstanceGeneratorUrlDatasource: "",
    ...service("agentManagementInstance", ids.fleet, "fleet", clusters.agm),
    alertCnt: 0,
    alertQuota: -1,
    dashboardCnt: 0,
    dashboardQuota: -1,
    userQuota: 10,
    datasourceCnts: {},
    dailyUserCnt: 0,
    dailyAdminCnt: 0,
    dailyEditorCnt: 0,
    dailyViewerCnt: 0,
    currentActiveUsers: 0,
    currentActiveAdminUsers: 0,
    currentActiveEditorUsers: 0,
    currentActiveViewerUsers: 0,
    billingActiveUsers: 0,
    billingGrafanaActiveUsers: 0,
    billingOnCallActiveUsers: 0,
    billingStartDate: iso(s.createdAt),
    billingEndDate: isoOrNull(s.deletedAt),
    links: [
      { rel: "self", href: `/instances/${s.slug}` },
      { rel: "org", href: `/orgs/${org.slug}` },
      { rel: "plugins", href: `/instances/${s.slug}/plugins` },
    ],
  };
}

/** Right after creation the connection info is not there yet: 404 while the stack is pending. */
function requireConnections(ctx: Ctx, stack: Stack): Region {
  if (stackStatus(stack, ctx.now()) === "pending") {
    throw notFound(`connections for stack ${stack.slug} are not available yet`);
  }
  return stackRegion(stack);
}

/** The hosted services of a stack, for the connections routes. */
function tenantsOf(stack: Stack, region: Region) {
  const clusters = regionClusters(region);
  const ids = stack.serviceIds;
  const cname = (cluster: { slug: string }) => `src-ips.${cluster.slug}.grafana.net`;
  return [
    { type: "prometheus", id: ids.prom, cluster: clusters.hmProm, cname: cname(clusters.hmProm) },
    { type: "graphite", id: ids.graphite, cluster: clusters.hmGraphite, cname: cname(clusters.hmProm) },
    { type: "logs", id: ids.logs, cluster: clusters.hl, cname: cname(clusters.hl) },
    { type: "traces", id: ids.traces, cluster: clusters.ht, cname: cname(clusters.ht) },
    { type: "profiles", id: ids.profiles, cluster: clusters.hp, cname: cname(clusters.hp) },
    { type: "alerts", id: ids.alerts, cluster: clusters.am, cname: cname(clusters.am) },
    // Fleet management: private connectivity, but no allow-list CNAME of its own.
    { type: "agent-management", id: ids.fleet, cluster: clusters.agm, cname: null },
    { type: "grafana", id: stack.id, cluster: clusters.hg, cname: null },
  ];
}

const allowlistUrl = (type: string) => `https://grafana.com/api/hosted-${type}/source-ips.txt`;

/**
 * `GET /instances/{idOrSlug}/connections` (deprecated in the contract): the private-link endpoints
 * of each hosted service, with the CNAME listing the service's source IPs, plus OTLP, PDC and
 * the service URLs that are not on the stack object.
 */
export function connectionsView(ctx: Ctx, stack: Stack): Record<string, unknown> {
  const region = requireConnections(ctx, stack);
  const urls = regionServiceUrls(region);
  return {
    privateConnectivityInfo: {
      tenants: tenantsOf(stack, region).map((t) => ({
        type: t.type,
        id: t.id,
        ipAllowListCNAME: t.cname,
        ...(t.type === "grafana"
          ? {}
          : { allowlistUrl: allowlistUrl(t.type), info: privateLink(region, t.cluster.slug) }),
      })),
      otlp: privateLink(region, "otlp-gateway"),
      pdc: { api: privateLink(region, "pdc-api"), gateway: privateLink(region, "pdc-gateway") },
    },
    otlpHttpUrl: urls.otlpHttpUrl,
    otlpMultiAZ: false,
    influxUrl: urls.influxUrl,
    oncallApiUrl: urls.oncallApiUrl,
    syntheticMonitoringApiUrl: urls.syntheticMonitoringApiUrl,
    appPlatform: { url: urls.appPlatformUrl, caData: "" },
  };
}

/** `GET /v1/stacks/{idOrSlug}/connections`: the same facts in the v1 shape. */
export function connectionsV1View(ctx: Ctx, stack: Stack): Record<string, unknown> {
  const region = requireConnections(ctx, stack);
  const urls = regionServiceUrls(region);
  return {
    tenants: tenantsOf(stack, region).map((t) => ({
      id: t.id,
      type: t.type,
      url: t.type === "grafana" ? stackUrl(ctx, stack) : t.cluster.url,
      ...(t.type === "grafana"
        ? {}
        : {
            allowlistUrl: allowlistUrl(t.type),
            privateConnectivityInfo: privateLink(region, t.cluster.slug),
          }),
    })),
    otlp: {
      multiAZ: false,
      url: urls.otlpHttpUrl,
      privateConnectivityInfo: privateLink(region, "otlp-gateway"),
    },
    pdc: { api: privateLink(region, "pdc-api"), gateway: privateLink(region, "pdc-gateway") },
    appPlatform: { url: urls.appPlatformUrl, caData: "" },
    services: {
      influxUrl: urls.influxUrl,
      oncallApiUrl: urls.oncallApiUrl,
      syntheticMonitoringApiUrl: urls.syntheticMonitoringApiUrl,
    },
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
  for (const [k, v] of entries) {
    if (!LABEL_RE.test(k)) throw invalid(`Invalid label key ${JSON.stringify(k)} specified`);
    if (typeof v !== "string" || !LABEL_RE.test(v)) {
      throw invalid(`Invalid label value ${JSON.stringify(v)} specified for key ${JSON.stringify(k)}`);
    }
  }
  // fromEntries keeps every key as an own property, `__proto__` included, as the service does.
  return Object.fromEntries(entries) as Record<string, string>;
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
  if (value.length > STACK_NAME_MAX)
    throw invalid(`Invalid name: must be at most ${STACK_NAME_MAX} characters`);
  return value;
}

function validateDescription(value: unknown): string | undefined {
  const description = optionalString(value, "description");
  if (description !== undefined && description.length > STACK_DESCRIPTION_MAX) {
    throw invalid(`Invalid description: must be at most ${STACK_DESCRIPTION_MAX} characters`);
  }
  return description;
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

/**
 * The create body: `name` and `slug` required; a missing region means `us`. A missing
 * `deleteProtection` means true as observed (the reference's create response shows true for a
 * body that did not set it), false under the contract, whose create body defaults it to false.
 */
export function parseStackCreate(body: unknown, strict = false): StackInput {
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
    description: validateDescription(body.description) ?? "",
    labels: body.labels === undefined ? {} : validateLabels(body.labels),
    customUrl: body.url === undefined ? null : validateUrl(body.url),
    deleteProtection: optionalBoolean(body.deleteProtection, "deleteProtection") ?? !strict,
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
  const description = validateDescription(b.description);
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
      statusOverride: null,
      serviceIds: {
        prom: newId(taken),
        graphite: newId(taken),
        logs: newId(taken),
        traces: newId(taken),
        alerts: newId(taken),
        profiles: newId(taken),
        fleet: newId(taken),
      },
      nextKeyId: 1,
      nextUserId: 2,
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
 * Starts the deletion (refused while delete protection is on). The stack's plugins, API keys and
 * service accounts live inside its Grafana and go with it at once.
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
    state.serviceAccounts = state.serviceAccounts.filter((a) => a.stackId !== stack.id);
    state.serviceAccountTokens = state.serviceAccountTokens.filter((t) => t.stackId !== stack.id);
    return target;
  });
  ctx.pluginBusyUntil.delete(stack.id);
  return deleted;
}

const STACK_ORDER = [
  "id",
  "name",
  "version",
  "createdAt",
  "runningVersion",
  "billingActiveUsers",
  "billingGrafanaActiveUsers",
  "billingOnCallActiveUsers",
  "currentActiveUsers",
  "currentActiveAdminUsers",
  "currentActiveEditorUsers",
  "currentActiveViewerUsers",
] as const;

/** The largest page: one page holds every stack unless the caller asks for less. */
const MAX_PAGE_SIZE = 1_000_000;

export interface StackPage {
  items: Record<string, unknown>[];
  orderBy: string;
  direction: "asc" | "desc";
  total: number;
  pages: number;
  pageSize: number;
  page: number;
}

function positiveInt(query: unknown, key: string, fallback: number): number {
  const v = queryValue(query, key);
  if (v === undefined || v === "") return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw invalid(`${key}: must be a positive integer`);
  return Number(v);
}

/**
 * `GET /instances` and `GET /orgs/{org}/instances`: every stack not yet `deleted` (a `deleting`
 * one is still listed), filtered, ordered and paged as the query asks. Filters: `id`, `idIn`,
 * `idMin`, `slug`, `slugIn`, `name`, `nameIn`, `url`, `orgId`, `orgIdIn`, `orgSlug`, `orgSlugIn`,
 * `cluster`, `clusterIdIn`, `region`, `regionIn`, `status`, `plan`, `planIn`, `planNot`,
 * `version`, `versionIn`, `versionNot`, `versionNotIn`, `updatedOrCreatedAtMin`. Accepted and
 * without effect: `labels`, `includeLabels`, `hosted`, `includePromCurrentActiveSeries`, `cursor`
 * (the contract gives no format for the label filter, and no cursor in the answer).
 */
export function listStacks(ctx: Ctx, query: unknown): StackPage {
  const q = (k: string) => queryValue(query, k);
  const list = (k: string) => queryList(query, k);
  const orderBy = q("orderBy") ?? "name";
  if (!(STACK_ORDER as readonly string[]).includes(orderBy)) {
    throw invalid(`orderBy: must be one of ${STACK_ORDER.join(", ")}`);
  }
  const direction = parseDirection(q("direction"));
  const page = positiveInt(query, "page", 1);
  const pageSize = Math.min(positiveInt(query, "pageSize", MAX_PAGE_SIZE), MAX_PAGE_SIZE);
  const idMinText = q("idMin");
  if (idMinText !== undefined && !/^\d+$/.test(idMinText)) throw invalid("idMin: must be an integer");
  const sinceText = q("updatedOrCreatedAtMin");
  const since = sinceText === undefined ? undefined : parseTime(sinceText);
  if (sinceText !== undefined && since === undefined) {
    throw invalid("updatedOrCreatedAtMin: must be an RFC 3339 date-time");
  }
  const clusterIdIn = list("clusterIdIn");
  if (clusterIdIn?.some((c) => !/^\d+$/.test(c))) throw invalid("clusterIdIn: must be integers");

  const is = (key: string, value: unknown) => {
    const want = q(key);
    return want === undefined || want === String(value);
  };
  const isIn = (key: string, value: unknown) => {
    const want = list(key);
    return want === undefined || want.includes(String(value));
  };
  const isNot = (key: string, value: unknown) => {
    const not = q(key);
    return not === undefined || not !== String(value);
  };
  const isNotIn = (key: string, value: unknown) => {
    const not = list(key);
    return not === undefined || !not.includes(String(value));
  };
  const now = ctx.now();
  const matching = ctx.state.stacks
    .filter((s) => stackStatus(s, now) !== "deleted")
    .map((s) => ({ s, v: stackView(ctx, s) }))
    .filter(
      ({ s, v }) =>
        is("id", s.id) &&
        isIn("idIn", s.id) &&
        (idMinText === undefined || s.id >= Number(idMinText)) &&
        is("slug", s.slug) &&
        isIn("slugIn", s.slug) &&
        is("name", s.name) &&
        isIn("nameIn", s.name) &&
        is("url", v.url) &&
        is("orgId", v.orgId) &&
        isIn("orgIdIn", v.orgId) &&
        is("orgSlug", v.orgSlug) &&
        isIn("orgSlugIn", v.orgSlug) &&
        is("cluster", v.clusterSlug) &&
        isIn("clusterIdIn", v.clusterId) &&
        is("region", v.regionSlug) &&
        isIn("regionIn", v.regionSlug) &&
        is("status", v.status) &&
        is("plan", v.plan) &&
        isIn("planIn", v.plan) &&
        isNot("planNot", v.plan) &&
        is("version", v.version) &&
        isIn("versionIn", v.version) &&
        isNot("versionNot", v.version) &&
        isNotIn("versionNotIn", v.version) &&
        (since === undefined || Math.max(s.createdAt, s.updatedAt ?? 0) >= since),
    );
  const sorted = matching
    .sort((a, b) => compareValues(a.v[orderBy], b.v[orderBy]) || a.s.id - b.s.id)
    .map(({ v }) => v);
  if (direction === "desc") sorted.reverse();
  return {
    items: sorted.slice((page - 1) * pageSize, page * pageSize),
    orderBy,
    direction,
    total: sorted.length,
    pages: Math.max(1, Math.ceil(sorted.length / pageSize)),
    pageSize,
    page,
  };
}

/** Sets a status through the control API (null: back to the derived one). */
export function setStackStatus(ctx: Ctx, stack: Stack, status: StackStatus | null): Stack {
  return ctx.mutate((state) => {
    const target = mutableStack(state.stacks, stack);
    target.statusOverride = status;
    return target;
  });
}

/** The next hosted Grafana API key id on this stack; part of a key creation's change. */
export function takeKeyId(stacks: StackRecord[], stack: Stack): number {
  const target = mutableStack(stacks, stack);
  const id = target.nextKeyId;
  target.nextKeyId += 1;
  return id;
}

/** The next user id of the stack's Grafana (a new service account's); part of its creation's change. */
export function takeUserId(stacks: StackRecord[], stack: Stack): number {
  const target = mutableStack(stacks, stack);
  const id = target.nextUserId;
  target.nextUserId += 1;
  return id;
}
