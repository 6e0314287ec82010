/**
 * Stack: a Grafana Cloud stack (cloud-api.md "Stacks"). Creation is asynchronous
 * (real-api-behaviour.md "Stacks"): unless `waitForReadiness` is false, create waits for the
 * readiness endpoint and then `{url}/api/health`. A stack that never becomes ready is still
 * recorded in state (PartialFailureError), never orphaned.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  createStack,
  deleteStack,
  getConnections,
  getReadiness,
  getStack,
  isGoneStatus,
  stackHealthy,
  updateStack,
  type ConnectionsResponse,
  type StackResponse,
} from "../api/stacks";
import type { ApiClient } from "../client/http";
import { isConflictError, isNotFoundError, isOutcomeUnknown } from "../client/errors";
import { getClient } from "../config";
import {
  checkResult,
  compact,
  diffFields,
  diffResult,
  norms,
  PartialFailureError,
  sleep,
  validate,
  withContext,
  withOutputs,
  type FieldRule,
  parseInputs,
  madeSince,
  unknownPaths,
  afterLostResponse,
  idOutput,
} from "./framework";
import { regionRule, slugRule } from "./rules";
import { providerStub } from "./stub";

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

const LABEL_RULE = "keys and values must be letters, digits, '/', '-', '.' or '_'";

export const stackInputs = z.strictObject({
  slug: slugRule,
  name: z.string({ error: "must be a string" }).min(1, "must not be empty").optional(),
  region: regionRule.default("us"),
  description: z.string({ error: "must be a string" }).optional(),
  url: z.url({ error: "must be an absolute http(s) URL", protocol: /^https?$/ }).optional(),
  labels: z
    .record(
      z.string().regex(/^[a-zA-Z0-9/\-._]+$/, LABEL_RULE),
      z.string({ error: "label values must be strings" }).regex(/^[a-zA-Z0-9/\-._]+$/, LABEL_RULE),
      { error: (iss) => (iss.code === "invalid_type" ? "must be a map of strings" : undefined) },
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

export interface StackOutputs extends StackInputs {
  name: string;
  url: string;
  stackId: number;
  status: string;
  orgId: number;
  orgSlug: string;
  regionSlug?: string;
  clusterSlug?: string;
  prometheusUrl?: string;
  prometheusUserId?: number;
  graphiteUrl?: string;
  graphiteUserId?: number;
  logsUrl?: string;
  logsUserId?: number;
  tracesUrl?: string;
  tracesUserId?: number;
  alertmanagerUrl?: string;
  alertmanagerUserId?: number;
  otlpUrl?: string;
  influxUrl?: string;
  oncallApiUrl?: string;
}

const OUTPUT_NAMES = [
  "name",
  "region",
  "url",
  "labels",
  "description",
  "deleteProtection",
  "waitForReadiness",
  "readinessTimeoutSeconds",
  "adoptExisting",
  "stackId",
  "status",
  "orgId",
  "orgSlug",
  "regionSlug",
  "clusterSlug",
  "prometheusUrl",
  "prometheusUserId",
  "graphiteUrl",
  "graphiteUserId",
  "logsUrl",
  "logsUserId",
  "tracesUrl",
  "tracesUserId",
  "alertmanagerUrl",
  "alertmanagerUserId",
  "otlpUrl",
  "influxUrl",
  "oncallApiUrl",
] as const;

export const stackRules: Record<string, FieldRule> = {
  slug: { replace: true },
  region: { replace: true, norm: norms.withDefault("us") },
  name: {},
  description: { norm: norms.optionalString },
  labels: { norm: norms.map },
  deleteProtection: { norm: norms.withDefault(true) },
};

function defaults(raw: Record<string, unknown>): Record<string, unknown> {
  return {
    region: "us",
    deleteProtection: true,
    waitForReadiness: true,
    readinessTimeoutSeconds: 600,
    adoptExisting: false,
    ...raw,
    ...(raw["name"] === undefined && raw["slug"] !== undefined ? { name: raw["slug"] } : {}),
  };
}

function toOutputs(s: StackResponse, inputs: StackInputs, conn: Partial<StackOutputs>): StackOutputs {
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
    stackId: s.id,
    status: s.status,
    orgId: s.orgId,
    orgSlug: s.orgSlug,
    regionSlug: s.regionSlug ?? undefined,
    clusterSlug: s.clusterSlug ?? undefined,
    prometheusUrl: s.hmInstancePromUrl ?? undefined,
    prometheusUserId: s.hmInstancePromId ?? undefined,
    graphiteUrl: s.hmInstanceGraphiteUrl ?? undefined,
    graphiteUserId: s.hmInstanceGraphiteId ?? undefined,
    logsUrl: s.hlInstanceUrl ?? undefined,
    logsUserId: s.hlInstanceId ?? undefined,
    tracesUrl: s.htInstanceUrl ?? undefined,
    tracesUserId: s.htInstanceId ?? undefined,
    alertmanagerUrl: s.amInstanceUrl ?? undefined,
    alertmanagerUserId: s.amInstanceId ?? undefined,
    otlpUrl: conn.otlpUrl,
    influxUrl: conn.influxUrl,
    oncallApiUrl: conn.oncallApiUrl,
  }) as StackOutputs;
}

function connOutputs(c: ConnectionsResponse | undefined): Partial<StackOutputs> {
  if (!c) return {};
  return compact({
    otlpUrl: c.otlpHttpUrl ?? undefined,
    influxUrl: c.influxUrl ?? undefined,
    oncallApiUrl: c.oncallApiUrl ?? undefined,
  });
}

/** Connections can answer 404 for a while after creation (real-api-behaviour.md): best effort. */
async function tryConnections(client: ApiClient, id: number): Promise<ConnectionsResponse | undefined> {
  try {
    return await getConnections(client, id);
  } catch {
    return undefined;
  }
}

/** "... deleted recently ... wait for 30s" → 30 */
export function reuseWaitSeconds(message: string | undefined): number | undefined {
  if (!message || !/deleted recently/i.test(message)) return undefined;
  const m = /wait for (\d+)\s*s/i.exec(message);
  return m ? Number(m[1]) : 30;
}

/** Polls readiness, then health, with capped exponential backoff, until `deadline`. */
async function waitUntilReady(client: ApiClient, s: StackResponse, deadline: number): Promise<boolean> {
  let delay = 250;
  let ready = false;
  while (Date.now() < deadline) {
    if (!ready) {
      ready = await getReadiness(client, s.id).catch(() => false);
    }
    if (ready && (await stackHealthy(client, s.url))) return true;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, 5000);
  }
  return false;
}

const MAX_REUSE_WAIT_S = 120;

function updateBody(inputs: StackInputs) {
  return compact({
    name: inputs.name ?? inputs.slug,
    description: inputs.description ?? "",
    labels: inputs.labels ?? {},
    deleteProtection: inputs.deleteProtection,
    url: inputs.url,
  });
}

async function finishCreate(client: ApiClient, s: StackResponse, inputs: StackInputs) {
  const id = String(s.id);
  if (inputs.waitForReadiness) {
    const deadline = Date.now() + inputs.readinessTimeoutSeconds * 1000;
    if (!(await waitUntilReady(client, s, deadline))) {
      const latest = await getStack(client, s.id).catch(() => s);
      throw new PartialFailureError(
        `stack "${inputs.slug}" (id ${id}) was created but did not become ready within ` +
          `${inputs.readinessTimeoutSeconds} s (status ${latest.status}). It is recorded in state; run ` +
          `\`pulumi refresh\` or \`pulumi up\` later, or raise readinessTimeoutSeconds`,
        id,
        toOutputs(latest, inputs, {}) as unknown as Record<string, unknown>,
      );
    }
    s = await getStack(client, s.id);
  }
  const conn = await tryConnections(client, s.id);
  return { id, outs: toOutputs(s, inputs, connOutputs(conn)) };
}

export const stackProvider = {
  async check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.CheckResult> {
    return checkResult(validate(stackInputs, news, defaults));
  },

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    const rules: Record<string, FieldRule> = { ...stackRules };
    // `url` is the API's own when not declared: compare it only when the program sets it.
    if (news["url"] !== undefined) rules["url"] = {};
    const d = diffFields(rules, olds, news);
    // A replacement deletes the old stack, which the API refuses while it is protected: say so
    // at preview, before a new stack is made beside the old one.
    // Only known values: an unknown slug or region (preview) may turn out unchanged.
    const knownReplaces = d.replaces.filter((f) => unknownPaths(news[f]).length === 0);
    if (knownReplaces.length > 0 && olds["deleteProtection"] !== false) {
      throw new Error(
        `stack "${String(olds["slug"])}": changing ${knownReplaces.join(" and ")} replaces the stack, which ` +
          `deletes the old one, but it has delete protection. Set deleteProtection: false and run \`pulumi up\` ` +
          `first, then change ${knownReplaces.join(" and ")}`,
      );
    }
    // Slugs are unique: a replacement that keeps the slug (a new region) must delete first.
    return diffResult(d, !d.replaces.includes("slug"));
  },

  async create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = parseInputs(stackInputs, raw);
    const client = getClient();
    const where = `creating stack "${inputs.slug}" in region ${inputs.region}`;
    const body = compact({
      name: inputs.name ?? inputs.slug,
      slug: inputs.slug,
      region: inputs.region,
      url: inputs.url,
      description: inputs.description,
      labels: inputs.labels,
      deleteProtection: inputs.deleteProtection,
    });
    const reuseDeadline = Date.now() + MAX_REUSE_WAIT_S * 1000;
    for (let attempt = 1; ; attempt++) {
      const startedAt = Date.now();
      let s: StackResponse;
      try {
        s = await createStack(client, body);
      } catch (e) {
        if (isConflictError(e)) {
          const wait = reuseWaitSeconds(e.apiMessage);
          if (wait !== undefined) {
            if (Date.now() + wait * 1000 > reuseDeadline) throw withContext(e, where);
            await sleep((wait + 1) * 1000);
            continue;
          }
          if (inputs.adoptExisting) {
            const existing = await getStack(client, inputs.slug).catch(() => undefined);
            if (existing && !isGoneStatus(existing.status)) {
              // The region cannot be updated: adopting a stack from another region would record
              // a region in state that the stack does not have.
              if (existing.regionSlug && existing.regionSlug !== inputs.region) {
                throw withContext(
                  e,
                  `${where}: a stack with this slug exists in region ${existing.regionSlug}, not ${inputs.region}; ` +
                    `set region: "${existing.regionSlug}" to adopt it`,
                );
              }
              s = await updateStack(client, existing.id, updateBody(inputs));
              return finishCreate(client, s, inputs);
            }
          }
          throw withContext(
            e,
            `${where}: the slug is taken. If the stack is yours (perhaps made by an interrupted run), set ` +
              `adoptExisting: true to take it over; ` +
              `otherwise choose another slug`,
          );
        }
        if (!isOutcomeUnknown(e) || attempt >= 3) throw withContext(e, where);
        // The response was lost: the stack may exist. A stack with this slug made since this
        // attempt began is ours; take it instead of making a second one.
        const found = await afterLostResponse(where, "stack", "set adoptExisting: true", () =>
          getStack(client, inputs.slug).catch((lookup: unknown) => {
            if (isNotFoundError(lookup)) return undefined;
            throw lookup;
          }),
        );
        if (!found || isGoneStatus(found.status)) continue;
        if (!madeSince(found.createdAt, startedAt)) {
          throw withContext(
            e,
            `${where}: the response was lost and a stack with this slug already existed before`,
          );
        }
        s = found;
      }
      return finishCreate(client, s, inputs);
    }
  },

  async read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const client = getClient();
    const prior = stackInputs.safeParse(pickInputs(props));
    const inputsNow: StackInputs = prior.success
      ? prior.data
      : stackInputs.parse({ slug: props["slug"] ?? "unknown" });
    try {
      const s = await getStack(client, id);
      // GET of a deleted stack answers 200 with status "deleted" (real-api-behaviour.md).
      if (isGoneStatus(s.status)) return {};
      const conn: Partial<StackOutputs> = {
        ...(props["otlpUrl"] ? { otlpUrl: String(props["otlpUrl"]) } : {}),
        ...(props["influxUrl"] ? { influxUrl: String(props["influxUrl"]) } : {}),
        ...(props["oncallApiUrl"] ? { oncallApiUrl: String(props["oncallApiUrl"]) } : {}),
      };
      const outs = toOutputs(s, inputsNow, conn);
      const inputs = compact({
        slug: outs.slug,
        name: outs.name,
        region: outs.region,
        description: outs.description,
        url: props["url"] !== undefined && inputsNow.url !== undefined ? outs.url : undefined,
        labels: outs.labels,
        deleteProtection: outs.deleteProtection,
        waitForReadiness: outs.waitForReadiness,
        readinessTimeoutSeconds: outs.readinessTimeoutSeconds,
        adoptExisting: outs.adoptExisting,
      });
      return { id, props: outs, inputs };
    } catch (e) {
      if (isNotFoundError(e)) return {};
      throw withContext(e, `reading stack ${id}`);
    }
  },

  async update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const inputs = parseInputs(stackInputs, news);
    const client = getClient();
    try {
      const s = await updateStack(client, id, updateBody(inputs));
      const conn: Partial<StackOutputs> = compact({
        otlpUrl: olds["otlpUrl"] as string | undefined,
        influxUrl: olds["influxUrl"] as string | undefined,
        oncallApiUrl: olds["oncallApiUrl"] as string | undefined,
      });
      return { outs: toOutputs(s, inputs, conn) };
    } catch (e) {
      throw withContext(e, `updating stack "${inputs.slug}" (${id})`);
    }
  },

  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    const slug = String(props["slug"] ?? id);
    try {
      await deleteStack(getClient(), id);
    } catch (e) {
      if (isNotFoundError(e)) return;
      if (isConflictError(e) && /protect/i.test(e.apiMessage ?? "")) {
        throw withContext(
          e,
          `deleting stack "${slug}" (${id}): delete protection is enabled. Set deleteProtection: false on the ` +
            `stack and run \`pulumi up\` first, then delete it`,
        );
      }
      throw withContext(e, `deleting stack "${slug}" (${id})`);
    }
  },
};

function pickInputs(props: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(stackInputs.shape);
  return Object.fromEntries(keys.filter((k) => props[k] !== undefined).map((k) => [k, props[k]]));
}

/** A Grafana Cloud stack. */
export class Stack extends pulumi.dynamic.Resource {
  declare readonly slug: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly url: pulumi.Output<string>;
  declare readonly labels: pulumi.Output<Record<string, string> | undefined>;
  declare readonly deleteProtection: pulumi.Output<boolean>;
  declare readonly waitForReadiness: pulumi.Output<boolean>;
  declare readonly readinessTimeoutSeconds: pulumi.Output<number>;
  declare readonly adoptExisting: pulumi.Output<boolean>;
  declare readonly stackId: pulumi.Output<number>;
  declare readonly status: pulumi.Output<string>;
  declare readonly orgId: pulumi.Output<number>;
  declare readonly orgSlug: pulumi.Output<string>;
  declare readonly regionSlug: pulumi.Output<string>;
  declare readonly clusterSlug: pulumi.Output<string>;
  declare readonly prometheusUrl: pulumi.Output<string>;
  declare readonly prometheusUserId: pulumi.Output<number>;
  declare readonly graphiteUrl: pulumi.Output<string>;
  declare readonly graphiteUserId: pulumi.Output<number>;
  declare readonly logsUrl: pulumi.Output<string>;
  declare readonly logsUserId: pulumi.Output<number>;
  declare readonly tracesUrl: pulumi.Output<string>;
  declare readonly tracesUserId: pulumi.Output<number>;
  declare readonly alertmanagerUrl: pulumi.Output<string>;
  declare readonly alertmanagerUserId: pulumi.Output<number>;
  declare readonly otlpUrl: pulumi.Output<string | undefined>;
  declare readonly influxUrl: pulumi.Output<string | undefined>;
  declare readonly oncallApiUrl: pulumi.Output<string | undefined>;

  constructor(name: string, args: StackArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerStub("Stack"), name, withOutputs(args, OUTPUT_NAMES), opts, "grafana-cloud", "Stack");
    // See idOutput: keeps dependents known while an update is previewed.
    (this as { stackId: pulumi.Output<number> }).stackId = idOutput(this, Number);
  }
}
