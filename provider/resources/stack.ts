/**
 * Stack: a Grafana Cloud stack. Creation is asynchronous: unless `waitForReadiness` is false,
 * create waits until the stack's status, the readiness endpoint and `{url}/api/health` say it is
 * ready, and stops early when its status says it will not be without the user (see "Statuses").
 * A stack that does not become ready is still recorded in state (PartialFailureError), never
 * orphaned.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  createStack,
  deleteStack,
  getConnections,
  getReadiness,
  getStack,
  getStackConnectionsV1,
  prometheusRemoteUrl,
  prometheusRemoteWriteUrl,
  stackHealthy,
  updateStack,
  type ConnectionsResponse,
  type PrivateLink,
  type StackConnectionsV1,
  type StackResponse,
  type StackStatus,
} from "../api/stacks";
import { clock } from "../clock";
import { withContext } from "../client/context";
import {
  isAlreadyExistsError,
  isConflictError,
  isDeletedRecentlyError,
  isDeleteProtectedError,
  isNotFoundError,
} from "../client/errors";
import type { ApiClient } from "../client/http";
import { noProtoKey, regionRule, slugRule } from "./rules";
import {
  adoptWhatThisAttemptMade,
  apiMessageOf,
  compact,
  createWithRecovery,
  defineResource,
  norms,
  PartialFailureError,
  pickKeys,
  refusedArgumentSentence,
  refusedRequest,
  unknownPaths,
  type Props,
} from "./toolkit";

export interface StackArgs {
  /** Subdomain: 1-29 lowercase letters and digits, starting with a letter. Changing it replaces the stack. */
  slug: pulumi.Input<string>;
  /** Defaults to the slug. */
  name?: pulumi.Input<string>;
  /** Region slug, default `us`. Changing it replaces the stack. */
  region?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Custom domain for the stack. */
  url?: pulumi.Input<string>;
  /** At most 10; keys and values of letters, digits, `/ - . _`. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Default true: the stack cannot be deleted until this is set to false and applied. */
  deleteProtection?: pulumi.Input<boolean>;
  /** Default true: create waits until the stack answers. */
  waitForReadiness?: pulumi.Input<boolean>;
  /** Default 600. */
  readinessTimeoutSeconds?: pulumi.Input<number>;
  /** Take over an existing stack with this slug instead of failing. */
  adoptExisting?: pulumi.Input<boolean>;
}

/**
 * Length caps. The API documents none for these fields; the caps are generous bounds (a database
 * column's 255 for names and label parts, a few pages for a description) that no real declaration
 * reaches, so that a runaway value fails at preview instead of being sent, stored and echoed into
 * state. The emulator enforces the same caps.
 */
export const STACK_NAME_MAX = 255;
export const STACK_DESCRIPTION_MAX = 4096;
export const LABEL_MAX = 255;

const NAME_RULE = `must be a string of 1-${STACK_NAME_MAX} characters`;
const DESCRIPTION_RULE = `must be a string of at most ${STACK_DESCRIPTION_MAX} characters`;
const LABEL_RULE = `keys and values must be 1-${LABEL_MAX} letters, digits, '/', '-', '.' or '_'`;
const LABEL_RE = new RegExp(`^[a-zA-Z0-9/\\-._]{1,${LABEL_MAX}}$`);

export const stackInputs = z.strictObject({
  slug: slugRule,
  name: z.string({ error: NAME_RULE }).min(1, NAME_RULE).max(STACK_NAME_MAX, NAME_RULE).optional(),
  region: regionRule.default("us"),
  description: z.string({ error: DESCRIPTION_RULE }).max(STACK_DESCRIPTION_MAX, DESCRIPTION_RULE).optional(),
  url: z.url({ error: "must be an absolute http(s) URL", protocol: /^https?$/ }).optional(),
  labels: noProtoKey
    .pipe(
      z.record(
        z.string().regex(LABEL_RE, LABEL_RULE),
        z.string({ error: "label values must be strings" }).regex(LABEL_RE, LABEL_RULE),
        { error: (iss) => (iss.code === "invalid_type" ? "must be a map of strings" : undefined) },
      ),
    )
    .refine((l) => Object.keys(l).length <= 10, "must have at most 10 labels")
    .optional(),
  deleteProtection: z.boolean({ error: "must be a boolean" }).default(true),
  waitForReadiness: z.boolean({ error: "must be a boolean" }).default(true),
  readinessTimeoutSeconds: z
    .number({ error: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(1, "must be between 1 and 7200 seconds")
    .max(7200, "must be between 1 and 7200 seconds")
    .default(600),
  adoptExisting: z.boolean({ error: "must be a boolean" }).default(false),
});
export type StackInputs = z.output<typeof stackInputs>;

const text = z.string().optional();
const userId = z.number().optional();

/**
 * The outputs that come from the connections routes, not from the stack object: OTLP, Influx and
 * OnCall endpoints, private connectivity (AWS PrivateLink DNS and service names) and the CNAMEs
 * that list each service's source IPs for allow lists. Present where the API gives them. Names
 * follow the Terraform provider's `grafana_cloud_stack` attributes, in camelCase.
 */
export const connectionOutputs = z.object({
  otlpUrl: text,
  otlpPrivateConnectivityInfoPrivateDns: text,
  otlpPrivateConnectivityInfoServiceName: text,
  influxUrl: text,
  oncallApiUrl: text,
  syntheticMonitoringApiUrl: text,
  pdcApiPrivateConnectivityInfoPrivateDns: text,
  pdcApiPrivateConnectivityInfoServiceName: text,
  pdcGatewayPrivateConnectivityInfoPrivateDns: text,
  pdcGatewayPrivateConnectivityInfoServiceName: text,
  prometheusPrivateConnectivityInfoPrivateDns: text,
  prometheusPrivateConnectivityInfoServiceName: text,
  graphitePrivateConnectivityInfoPrivateDns: text,
  graphitePrivateConnectivityInfoServiceName: text,
  logsPrivateConnectivityInfoPrivateDns: text,
  logsPrivateConnectivityInfoServiceName: text,
  tracesPrivateConnectivityInfoPrivateDns: text,
  tracesPrivateConnectivityInfoServiceName: text,
  profilesPrivateConnectivityInfoPrivateDns: text,
  profilesPrivateConnectivityInfoServiceName: text,
  fleetManagementPrivateConnectivityInfoPrivateDns: text,
  fleetManagementPrivateConnectivityInfoServiceName: text,
  /** The Terraform provider's name, plural included. */
  grafanasIpAllowListCname: text,
  prometheusIpAllowListCname: text,
  graphiteIpAllowListCname: text,
  logsIpAllowListCname: text,
  tracesIpAllowListCname: text,
  profilesIpAllowListCname: text,
  alertmanagerIpAllowListCname: text,
});
type Connections = z.output<typeof connectionOutputs>;

export const stackOutputs = stackInputs.extend({
  name: z.string(),
  /** The stack's own URL: the custom domain when declared, else the API's. */
  url: z.string(),
  /** The numeric id, also the resource id. */
  stackId: z.number(),
  /** One of the service's stack statuses (see `statusClass`), or any other string it may add. */
  status: z.string(),
  orgId: z.number(),
  orgSlug: z.string(),
  orgName: text,
  regionSlug: text,
  clusterSlug: text,
  clusterName: text,
  /** The cloud provider the stack runs on (`aws`, `gcp`, `azure`). */
  cloudProvider: text,
  /** The cloud provider's own name of the region, e.g. `us-central1`. */
  cloudProviderRegion: text,

  // Each hosted service: its URL, the user id its clients authenticate as, its name and status
  // (`active`, `deleted`, `suspended` or `unknown`).
  prometheusUrl: text,
  prometheusUserId: userId,
  prometheusName: text,
  prometheusStatus: text,
  /** Where data sources query metrics: `{prometheusUrl}/api/prom`. */
  prometheusRemoteEndpoint: text,
  /** Where agents send metrics (remote write): `{prometheusUrl}/api/prom/push`. */
  prometheusRemoteWriteEndpoint: text,
  graphiteUrl: text,
  graphiteUserId: userId,
  graphiteName: text,
  graphiteStatus: text,
  logsUrl: text,
  logsUserId: userId,
  logsName: text,
  logsStatus: text,
  tracesUrl: text,
  tracesUserId: userId,
  tracesName: text,
  tracesStatus: text,
  profilesUrl: text,
  profilesUserId: userId,
  profilesName: text,
  profilesStatus: text,
  alertmanagerUrl: text,
  alertmanagerUserId: userId,
  alertmanagerName: text,
  alertmanagerStatus: text,
  fleetManagementUrl: text,
  fleetManagementUserId: userId,
  fleetManagementName: text,
  fleetManagementStatus: text,
  ...connectionOutputs.shape,
});
export type StackOutputs = z.output<typeof stackOutputs>;

// ---------------------------------------------------------------------------------------------
// Statuses. The service has 14 stack statuses; what each means for read (refresh), create's wait
// for readiness and delete:
//
// - ready: `active`. Create's wait still asks the readiness route and the stack's /api/health.
// - not ready yet: `pending`, `starting`, `restoring`, `migrating`, `migrated`, `unknown`, and any
//   status the service may add. These end by themselves (or are too unclear to act on), so create
//   keeps waiting, within readinessTimeoutSeconds; read keeps the stack as it is.
// - needs the user: `paused`, `suspended`, `suspending`, `archived`, `archiving`. None ends by
//   itself, so create stops waiting at once and says what to do; the stack is recorded in state,
//   and read keeps it (it still exists and holds its slug).
// - gone: `deleting`, `deleted` (GET still answers a deleted stack). Read drops it from state.
//
// Delete sends DELETE whatever the status; the API decides (a 404 is what delete wanted).

export type StatusClass = "ready" | "not-ready" | "needs-user" | "gone";

const STATUS_CLASS: Readonly<Record<StackStatus, StatusClass>> = {
  active: "ready",
  pending: "not-ready",
  starting: "not-ready",
  restoring: "not-ready",
  migrating: "not-ready",
  migrated: "not-ready",
  unknown: "not-ready",
  paused: "needs-user",
  suspended: "needs-user",
  suspending: "needs-user",
  archived: "needs-user",
  archiving: "needs-user",
  deleting: "gone",
  deleted: "gone",
};

/** What a stack status means (see above); a status outside the contract's list is "not-ready". */
export function statusClass(status: string): StatusClass {
  return Object.hasOwn(STATUS_CLASS, status) ? STATUS_CLASS[status as StackStatus] : "not-ready";
}

/** What the user does about a stack whose status needs them, in a sentence. */
export function needsUserAdvice(s: Pick<StackResponse, "status" | "url" | "orgSlug">): string {
  const org = `https://grafana.com/orgs/${s.orgSlug}`;
  switch (s.status) {
    case "paused":
      return (
        `it is paused (Grafana Cloud pauses stacks that go unused) and wakes when its login page is opened: ` +
        `open ${s.url}/login in a browser (or \`curl -sS ${s.url}/login\`), then run \`pulumi up\` again`
      );
    case "suspended":
    case "suspending":
      return (
        `Grafana Cloud ${s.status === "suspended" ? "has suspended" : "is suspending"} it, which follows from ` +
        `the organization's billing or plan (an unpaid invoice, an ended trial, a plan limit): settle it in ` +
        `the organization's billing at ${org} (or ask Grafana support), then run \`pulumi up\` again`
      );
    default:
      return (
        `Grafana Cloud ${s.status === "archived" ? "has archived" : "is archiving"} it: restore it from the ` +
        `organization's stacks at ${org} (or ask Grafana support), then run \`pulumi up\` again`
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs.

/** The outputs the stack object gives, read fresh by every read. */
function stackObjectOutputs(s: StackResponse) {
  return compact({
    stackId: s.id,
    status: s.status,
    orgId: s.orgId,
    orgSlug: s.orgSlug,
    orgName: s.orgName,
    regionSlug: s.regionSlug,
    clusterSlug: s.clusterSlug,
    clusterName: s.clusterName,
    cloudProvider: s.provider,
    cloudProviderRegion: s.providerRegion,
    prometheusUrl: s.hmInstancePromUrl,
    prometheusUserId: s.hmInstancePromId,
    prometheusName: s.hmInstancePromName,
    prometheusStatus: s.hmInstancePromStatus,
    prometheusRemoteEndpoint: prometheusRemoteUrl(s.hmInstancePromUrl),
    prometheusRemoteWriteEndpoint: prometheusRemoteWriteUrl(s.hmInstancePromUrl),
    graphiteUrl: s.hmInstanceGraphiteUrl,
    graphiteUserId: s.hmInstanceGraphiteId,
    graphiteName: s.hmInstanceGraphiteName,
    graphiteStatus: s.hmInstanceGraphiteStatus,
    logsUrl: s.hlInstanceUrl,
    logsUserId: s.hlInstanceId,
    logsName: s.hlInstanceName,
    logsStatus: s.hlInstanceStatus,
    tracesUrl: s.htInstanceUrl,
    tracesUserId: s.htInstanceId,
    tracesName: s.htInstanceName,
    tracesStatus: s.htInstanceStatus,
    profilesUrl: s.hpInstanceUrl,
    profilesUserId: s.hpInstanceId,
    profilesName: s.hpInstanceName,
    profilesStatus: s.hpInstanceStatus,
    alertmanagerUrl: s.amInstanceUrl,
    alertmanagerUserId: s.amInstanceId,
    alertmanagerName: s.amInstanceName,
    alertmanagerStatus: s.amInstanceStatus,
    fleetManagementUrl: s.agentManagementInstanceUrl,
    fleetManagementUserId: s.agentManagementInstanceId,
    fleetManagementName: s.agentManagementInstanceName,
    fleetManagementStatus: s.agentManagementInstanceStatus,
  });
}

function toOutputs(s: StackResponse, inputs: StackInputs, conn: Connections): StackOutputs {
  return compact({
    slug: s.slug,
    name: s.name,
    region: inputs.region,
    description: s.description ? s.description : inputs.description === "" ? "" : undefined,
    url: s.url,
    labels: s.labels && Object.keys(s.labels).length > 0 ? s.labels : inputs.labels ? {} : undefined,
    deleteProtection: s.deleteProtection ?? inputs.deleteProtection,
    waitForReadiness: inputs.waitForReadiness,
    readinessTimeoutSeconds: inputs.readinessTimeoutSeconds,
    adoptExisting: inputs.adoptExisting,
    ...conn,
    ...stackObjectOutputs(s),
    // On the stack object too, which is read every time; the connections' copy stands in.
    syntheticMonitoringApiUrl: s.regionSyntheticMonitoringApiUrl || conn.syntheticMonitoringApiUrl,
  });
}

/** Where a connections answer names a service (its tenant `type`), the output prefix. */
const TENANT_OUTPUT: Readonly<Record<string, string>> = {
  grafana: "grafanas",
  prometheus: "prometheus",
  graphite: "graphite",
  logs: "logs",
  traces: "traces",
  profiles: "profiles",
  alerts: "alertmanager",
  "agent-management": "fleetManagement",
};

type Flat = Record<string, string>;

/** Sets `{prefix}PrivateConnectivityInfoPrivateDns` and `…ServiceName` from a private-link block. */
function privateLinkInto(out: Flat, prefix: string, link: PrivateLink | null | undefined): void {
  if (link?.privateDNS) out[`${prefix}PrivateConnectivityInfoPrivateDns`] = link.privateDNS;
  if (link?.serviceName) out[`${prefix}PrivateConnectivityInfoServiceName`] = link.serviceName;
}

const tenantPrefix = (type: string | null | undefined) =>
  type && Object.hasOwn(TENANT_OUTPUT, type) ? TENANT_OUTPUT[type] : undefined;

function fromV1(c: StackConnectionsV1): Flat {
  const out: Flat = {};
  if (c.otlp?.url) out["otlpUrl"] = c.otlp.url;
  privateLinkInto(out, "otlp", c.otlp?.privateConnectivityInfo);
  privateLinkInto(out, "pdcApi", c.pdc?.api);
  privateLinkInto(out, "pdcGateway", c.pdc?.gateway);
  if (c.services?.influxUrl) out["influxUrl"] = c.services.influxUrl;
  if (c.services?.oncallApiUrl) out["oncallApiUrl"] = c.services.oncallApiUrl;
  if (c.services?.syntheticMonitoringApiUrl)
    out["syntheticMonitoringApiUrl"] = c.services.syntheticMonitoringApiUrl;
  for (const t of c.tenants ?? []) {
    const prefix = tenantPrefix(t.type);
    if (prefix) privateLinkInto(out, prefix, t.privateConnectivityInfo);
  }
  return out;
}

function fromLegacy(c: ConnectionsResponse): Flat {
  const out: Flat = {};
  const pci = c.privateConnectivityInfo;
  if (c.otlpHttpUrl) out["otlpUrl"] = c.otlpHttpUrl;
  privateLinkInto(out, "otlp", pci?.otlp);
  privateLinkInto(out, "pdcApi", pci?.pdc?.api);
  privateLinkInto(out, "pdcGateway", pci?.pdc?.gateway);
  if (c.influxUrl) out["influxUrl"] = c.influxUrl;
  if (c.oncallApiUrl) out["oncallApiUrl"] = c.oncallApiUrl;
  if (c.syntheticMonitoringApiUrl) out["syntheticMonitoringApiUrl"] = c.syntheticMonitoringApiUrl;
  for (const t of pci?.tenants ?? []) {
    const prefix = tenantPrefix(t.type);
    if (!prefix) continue;
    privateLinkInto(out, prefix, t.info);
    if (t.ipAllowListCNAME) out[`${prefix}IpAllowListCname`] = t.ipAllowListCNAME;
  }
  return out;
}

/** The connection outputs among `flat` (the schema names them; anything else is left out). */
function asConnections(flat: Record<string, unknown>): Connections {
  const picked: Record<string, unknown> = {};
  for (const k of Object.keys(connectionOutputs.shape)) {
    if (typeof flat[k] === "string" && flat[k] !== "") picked[k] = flat[k];
  }
  const r = connectionOutputs.safeParse(picked);
  return r.success ? compact(r.data) : {};
}

/**
 * The connection outputs of a stack, best effort (the routes can answer 404 for a while after
 * creation): both routes at once, the v1 one's answer first. The legacy route (deprecated by the
 * contract) is the only one with the allow-list CNAMEs, and stands in for the v1 route if that fails.
 */
async function fetchConnections(client: ApiClient, id: number): Promise<Connections> {
  const [v1, legacy] = await Promise.all([
    getStackConnectionsV1(client, id).catch(() => undefined),
    getConnections(client, id).catch(() => undefined),
  ]);
  return asConnections({ ...(legacy ? fromLegacy(legacy) : {}), ...(v1 ? fromV1(v1) : {}) });
}

/**
 * Outputs that say where the stack's services run: when one of them changes (a migration to
 * another cluster), the connection outputs may have changed too. `clusterName` is also new with
 * the fuller connection outputs, so state written before them is fetched again once.
 */
const PLACEMENT = [
  "clusterSlug",
  "clusterName",
  "prometheusUrl",
  "graphiteUrl",
  "logsUrl",
  "tracesUrl",
  "profilesUrl",
  "alertmanagerUrl",
  "fleetManagementUrl",
] as const;

/**
 * The connection outputs for a read or an update: the stored ones while the stack has not moved,
 * so that read makes one call as before; fetched again (two calls) when none are stored yet (the
 * routes answered 404 at creation) or the stack's placement changed.
 */
async function connectionsFor(client: ApiClient, s: StackResponse, props: Props): Promise<Connections> {
  const stored = asConnections(props);
  const now = stackObjectOutputs(s);
  const moved = PLACEMENT.some((k) => (now[k] ?? undefined) !== (props[k] ?? undefined));
  // The synthetic monitoring URL is on the stack object too: it does not tell that they were fetched.
  const fetchedBefore = Object.keys(stored).some((k) => k !== "syntheticMonitoringApiUrl");
  if (fetchedBefore && !moved) return stored;
  const fetched = await fetchConnections(client, s.id);
  return Object.keys(fetched).length > 0 ? fetched : stored;
}

/** "... deleted recently ... wait for 30s" → 30 */
export function reuseWaitSeconds(message: string | undefined): number | undefined {
  if (!message || !/deleted recently/i.test(message)) return undefined;
  const m = /wait for (\d+)\s*s/i.exec(message);
  return m ? Number(m[1]) : 30;
}

/** How long create waits out a slug still held by a recently deleted stack. */
const MAX_REUSE_WAIT_S = 120;

/** How create's wait for readiness ended, with the stack as last seen. */
interface Waited {
  outcome: "ready" | "timeout" | "needs-user" | "gone";
  stack: StackResponse;
}

/**
 * Polls the stack with capped exponential backoff until it is ready (its status is not one that
 * says otherwise, the readiness route says ready and `{url}/api/health` answers), its status needs
 * the user or says it is gone, or `deadline` passes. A stack still `pending` or `starting` is not
 * asked for readiness: its status already says no.
 */
async function waitUntilReady(client: ApiClient, s: StackResponse, deadline: number): Promise<Waited> {
  let delay = 250;
  let latest = s;
  for (;;) {
    const cls = statusClass(latest.status);
    if (cls === "gone" || cls === "needs-user") return { outcome: cls, stack: latest };
    if (latest.status !== "pending" && latest.status !== "starting") {
      const ready = await getReadiness(client, latest.id).catch(() => false);
      if (ready && (await stackHealthy(client, latest.url))) return { outcome: "ready", stack: latest };
    }
    if (clock.now() >= deadline) return { outcome: "timeout", stack: latest };
    await clock.sleep(Math.min(delay, Math.max(0, deadline - clock.now())));
    delay = Math.min(delay * 2, 5000);
    let vanished = false;
    latest = await getStack(client, s.id).catch((e: unknown) => {
      vanished = isNotFoundError(e);
      return latest;
    });
    if (vanished) return { outcome: "gone", stack: latest };
  }
}

function updateBody(inputs: StackInputs & { name: string }) {
  return compact({
    name: inputs.name,
    description: inputs.description ?? "",
    labels: inputs.labels ?? {},
    deleteProtection: inputs.deleteProtection,
    url: inputs.url,
  });
}

async function finishCreate(client: ApiClient, s: StackResponse, inputs: StackInputs, where: string) {
  const id = String(s.id);
  if (inputs.waitForReadiness) {
    const deadline = clock.now() + inputs.readinessTimeoutSeconds * 1000;
    const waited = await waitUntilReady(client, s, deadline);
    s = waited.stack;
    const named = `stack "${inputs.slug}" (id ${id})`;
    switch (waited.outcome) {
      case "ready":
        break;
      case "gone":
        // Deleted behind our back while we waited: there is nothing to record.
        throw new Error(
          `${where}: ${named} was deleted (status ${s.status}) while create waited for it to become ready; ` +
            "nothing is recorded in state. Run `pulumi up` again to create it anew",
        );
      case "needs-user":
        throw new PartialFailureError(
          `${named} exists but is ${s.status}, so it will not become ready by itself: ${needsUserAdvice(s)}. ` +
            "It is recorded in state",
          id,
          toOutputs(s, inputs, {}),
        );
      case "timeout": {
        const known = Object.hasOwn(STATUS_CLASS, s.status) ? "" : ", a status this package does not know";
        throw new PartialFailureError(
          `${named} was created but did not become ready within ${inputs.readinessTimeoutSeconds} s ` +
            `(status ${s.status}${known}). It is recorded in state; run \`pulumi refresh\` or \`pulumi up\` ` +
            "later, or raise readinessTimeoutSeconds",
          id,
          toOutputs(s, inputs, {}),
        );
      }
    }
  }
  return { id, outs: toOutputs(s, inputs, await fetchConnections(client, s.id)) };
}

const LOOKUP_FAILED = Symbol("lookup failed");

/** The live stack holding `slug` in this org, undefined if none, LOOKUP_FAILED if the look-up failed. */
async function stackHolding(client: ApiClient, slug: string) {
  try {
    const found = await getStack(client, slug);
    return statusClass(found.status) === "gone" ? undefined : found;
  } catch (e) {
    return isNotFoundError(e) ? undefined : LOOKUP_FAILED;
  }
}

export const stack = defineResource({
  kind: "Stack",
  noun: "stack",
  label: "slug",
  inputs: stackInputs,
  outputs: stackOutputs,
  derived: { name: "slug" },
  rules: {
    slug: { replace: true },
    region: { replace: true },
    name: {},
    description: { norm: norms.optionalString },
    labels: { norm: norms.map },
    deleteProtection: {},
    // The API's own when not declared.
    url: { onlyWhenDeclared: true },
  },
  // Slugs are unique: a replacement that keeps the slug (a new region) must delete first.
  naturalKey: ["slug"],
  idOutputs: { stackId: { as: "number" } },
  hooks: {
    // A replacement deletes the old stack, which the API refuses while it is protected: say so at
    // preview, before a new stack is made beside the old one. Only known values: an unknown slug
    // or region (preview) may turn out unchanged.
    diff(d, olds, news) {
      const known = d.replaces.filter((f) => unknownPaths(news[f]).length === 0);
      if (known.length === 0 || olds["deleteProtection"] === false) return undefined;
      const fields = known.join(" and ");
      throw new Error(
        `stack "${String(olds["slug"])}": changing ${fields} replaces the stack, which deletes the old one, but ` +
          `it has delete protection. Set deleteProtection: false and run \`pulumi up\` first, then change ${fields}`,
      );
    },
    explain: (e) =>
      isDeleteProtectedError(e)
        ? "delete protection is enabled. Set deleteProtection: false on the stack and run `pulumi up` first, " +
          "then delete it"
        : undefined,
  },

  async create(inputs, { client }) {
    const where = `creating stack "${inputs.slug}" in region ${inputs.region}`;
    const reuseDeadline = clock.now() + MAX_REUSE_WAIT_S * 1000;
    const s = await createWithRecovery({
      where,
      budgetMs: client.retryBudgetMs,
      make: () =>
        createStack(
          client,
          compact({
            name: inputs.name,
            slug: inputs.slug,
            region: inputs.region,
            url: inputs.url,
            description: inputs.description,
            labels: inputs.labels,
            deleteProtection: inputs.deleteProtection,
          }),
        ),
      recovery: adoptWhatThisAttemptMade({
        look: "at once",
        what: "stack",
        sameKey: "with this slug",
        fix: "set adoptExisting: true",
        identity: `a stack with slug "${inputs.slug}" in region ${inputs.region}`,
        cleanup:
          `set adoptExisting: true and run \`pulumi up\` again to take it over, or delete it (in the Grafana Cloud ` +
          `portal, or with DELETE /api/instances/${inputs.slug}, after turning its delete protection off)`,
        find: async () => {
          const found = await getStack(client, inputs.slug).catch((e: unknown) => {
            if (isNotFoundError(e)) return undefined;
            throw e;
          });
          return found && statusClass(found.status) !== "gone" ? found : undefined;
        },
        createdAt: (found) => found.createdAt,
        take: async (found) => found,
      }),
      // Bad arguments never reach this: createWithRecovery reports them as such.
      async onFailure(e) {
        if (isDeletedRecentlyError(e)) {
          const wait = reuseWaitSeconds(apiMessageOf(e)) ?? 30;
          if (clock.now() + wait * 1000 > reuseDeadline) throw withContext(e, where);
          await clock.sleep((wait + 1) * 1000);
          return "again";
        }
        // The create body's one reference is the region: the service answers an unknown one with
        // 404 (the contract, with a 409 that reads as a bad argument).
        if (isNotFoundError(e)) throw withContext(e, `${where}: ${refusedArgumentSentence(e)}`);
        if (!isConflictError(e)) return undefined;
        // A 409 that is no bad argument: whether the slug is taken, and by whom, is looked up
        // rather than read from the wording, which the contract does not fix.
        const existing = await stackHolding(client, inputs.slug);
        if (existing !== undefined && existing !== LOOKUP_FAILED) {
          if (!inputs.adoptExisting) {
            throw withContext(
              e,
              `${where}: the slug is taken. If the stack is yours (perhaps made by an interrupted run), set ` +
                `adoptExisting: true to take it over; otherwise choose another slug`,
            );
          }
          // The region cannot be updated: adopting a stack from another region would record a
          // region in state that the stack does not have.
          if (existing.regionSlug && existing.regionSlug !== inputs.region) {
            throw withContext(
              e,
              `${where}: a stack with this slug exists in region ${existing.regionSlug}, not ${inputs.region}; ` +
                `set region: "${existing.regionSlug}" to adopt it`,
            );
          }
          return { done: await updateStack(client, existing.id, updateBody(inputs)) };
        }
        if (!isAlreadyExistsError(e)) throw withContext(e, `${where}: ${refusedRequest(e)}`);
        if (existing === LOOKUP_FAILED) {
          throw withContext(
            e,
            `${where}: the slug is taken (looking the stack up failed). If the stack is yours, set ` +
              `adoptExisting: true to take it over; otherwise choose another slug`,
          );
        }
        // Slugs are global: a stack of another organization holds it.
        throw withContext(
          e,
          `${where}: the slug is taken by a stack this access token cannot see (another organization's); ` +
            `choose another slug`,
        );
      },
    });
    return finishCreate(client, s, inputs, where);
  },

  async read(id, props, { client }) {
    const prior = stackInputs.safeParse(pickKeys(stackInputs, props));
    const inputs = prior.success ? prior.data : stackInputs.parse({ slug: props["slug"] ?? "unknown" });
    const s = await getStack(client, id);
    // GET of a deleted stack answers 200 with status "deleted": refresh drops it. Every other
    // status keeps it (see statusClass).
    if (statusClass(s.status) === "gone") return undefined;
    return toOutputs(s, inputs, await connectionsFor(client, s, props));
  },

  async update(id, olds, inputs, { client }) {
    const s = await updateStack(client, id, updateBody(inputs));
    return toOutputs(s, inputs, await connectionsFor(client, s, olds));
  },

  // Whatever the status: the API decides, and a 404 (already gone) is what delete wanted.
  async delete(id, _props, { client }) {
    await deleteStack(client, id);
  },
});
