/**
 * Stack: a Grafana Cloud stack. Creation is asynchronous: unless `waitForReadiness` is false,
 * create waits for the readiness endpoint and then `{url}/api/health`. A stack that never becomes
 * ready is still recorded in state (PartialFailureError), never orphaned.
 */
import type * as pulumi from "@pulumi/pulumi";
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
  type StackResponse,
} from "../api/stacks";
import { clock } from "../clock";
import { withContext } from "../client/context";
import { isConflictError, isNotFoundError } from "../client/errors";
import type { ApiClient } from "../client/http";
import { noProtoKey, regionRule, slugRule } from "./rules";
import {
  adoptWhatThisAttemptMade,
  compact,
  createWithRecovery,
  defineResource,
  norms,
  resourceClass,
  PartialFailureError,
  pickKeys,
  unknownPaths,
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

export const stackOutputs = stackInputs.extend({
  name: z.string(),
  /** The stack's own URL: the custom domain when declared, else the API's. */
  url: z.string(),
  /** The numeric id, also the resource id. */
  stackId: z.number(),
  status: z.string(),
  orgId: z.number(),
  orgSlug: z.string(),
  regionSlug: z.string().optional(),
  clusterSlug: z.string().optional(),
  prometheusUrl: z.string().optional(),
  prometheusUserId: z.number().optional(),
  graphiteUrl: z.string().optional(),
  graphiteUserId: z.number().optional(),
  logsUrl: z.string().optional(),
  logsUserId: z.number().optional(),
  tracesUrl: z.string().optional(),
  tracesUserId: z.number().optional(),
  alertmanagerUrl: z.string().optional(),
  alertmanagerUserId: z.number().optional(),
  otlpUrl: z.string().optional(),
  influxUrl: z.string().optional(),
  oncallApiUrl: z.string().optional(),
});
export type StackOutputs = z.output<typeof stackOutputs>;

/** The endpoints that come from `/connections`, not from the stack itself. */
type Connections = Pick<StackOutputs, "otlpUrl" | "influxUrl" | "oncallApiUrl">;

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
    stackId: s.id,
    status: s.status,
    orgId: s.orgId,
    orgSlug: s.orgSlug,
    regionSlug: s.regionSlug,
    clusterSlug: s.clusterSlug,
    prometheusUrl: s.hmInstancePromUrl,
    prometheusUserId: s.hmInstancePromId,
    graphiteUrl: s.hmInstanceGraphiteUrl,
    graphiteUserId: s.hmInstanceGraphiteId,
    logsUrl: s.hlInstanceUrl,
    logsUserId: s.hlInstanceId,
    tracesUrl: s.htInstanceUrl,
    tracesUserId: s.htInstanceId,
    alertmanagerUrl: s.amInstanceUrl,
    alertmanagerUserId: s.amInstanceId,
    ...conn,
  });
}

/** The connection endpoints, leaving out absent and empty ones. */
function connections(otlp: unknown, influx: unknown, oncall: unknown): Connections {
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return compact({ otlpUrl: text(otlp), influxUrl: text(influx), oncallApiUrl: text(oncall) });
}

/** The connection endpoints kept in state, which reads and updates do not fetch again. */
const storedConnections = (props: Record<string, unknown>) =>
  connections(props["otlpUrl"], props["influxUrl"], props["oncallApiUrl"]);

/** Connections can answer 404 for a while after creation: best effort. */
async function fetchConnections(client: ApiClient, id: number): Promise<Connections> {
  const c = await getConnections(client, id).catch(() => undefined);
  return c ? connections(c.otlpHttpUrl, c.influxUrl, c.oncallApiUrl) : {};
}

/** "... deleted recently ... wait for 30s" → 30 */
export function reuseWaitSeconds(message: string | undefined): number | undefined {
  if (!message || !/deleted recently/i.test(message)) return undefined;
  const m = /wait for (\d+)\s*s/i.exec(message);
  return m ? Number(m[1]) : 30;
}

/** How long create waits out a slug still held by a recently deleted stack. */
const MAX_REUSE_WAIT_S = 120;

/** Polls readiness, then health, with capped exponential backoff, until `deadline`. */
async function waitUntilReady(client: ApiClient, s: StackResponse, deadline: number): Promise<boolean> {
  let delay = 250;
  let ready = false;
  while (clock.now() < deadline) {
    if (!ready) {
      ready = await getReadiness(client, s.id).catch(() => false);
    }
    if (ready && (await stackHealthy(client, s.url))) return true;
    await clock.sleep(Math.min(delay, Math.max(0, deadline - clock.now())));
    delay = Math.min(delay * 2, 5000);
  }
  return false;
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

async function finishCreate(client: ApiClient, s: StackResponse, inputs: StackInputs) {
  const id = String(s.id);
  if (inputs.waitForReadiness) {
    const deadline = clock.now() + inputs.readinessTimeoutSeconds * 1000;
    if (!(await waitUntilReady(client, s, deadline))) {
      const latest = await getStack(client, s.id).catch(() => s);
      throw new PartialFailureError(
        `stack "${inputs.slug}" (id ${id}) was created but did not become ready within ` +
          `${inputs.readinessTimeoutSeconds} s (status ${latest.status}). It is recorded in state; run ` +
          `\`pulumi refresh\` or \`pulumi up\` later, or raise readinessTimeoutSeconds`,
        id,
        toOutputs(latest, inputs, {}),
      );
    }
    const made = s;
    // The stack exists and is ready: failing to read it back must not orphan it.
    s = await getStack(client, s.id).catch((e: unknown) => {
      throw new PartialFailureError(
        `stack "${inputs.slug}" (id ${id}) was created and is ready, but reading it back failed; it is recorded ` +
          `in state, and \`pulumi refresh\` reads it again: ${e instanceof Error ? e.message : String(e)}`,
        id,
        toOutputs(made, inputs, {}),
      );
    });
  }
  return { id, outs: toOutputs(s, inputs, await fetchConnections(client, s.id)) };
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
  idOutputs: { stackId: Number },
  hooks: {
    // A replacement deletes the old stack, which the API refuses while it is protected: say so at
    // preview, before a new stack is made beside the old one. Only known values: an unknown slug
    // or region (preview) may turn out unchanged.
    diff(d, olds, news) {
      const known = d.replaces.filter((f) => unknownPaths(news[f]).length === 0);
      if (known.length === 0 || olds["deleteProtection"] === false) return;
      const fields = known.join(" and ");
      throw new Error(
        `stack "${String(olds["slug"])}": changing ${fields} replaces the stack, which deletes the old one, but ` +
          `it has delete protection. Set deleteProtection: false and run \`pulumi up\` first, then change ${fields}`,
      );
    },
    explain: (e) =>
      isConflictError(e) && /protect/i.test(e.apiMessage ?? "")
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
          return found && !isGoneStatus(found.status) ? found : undefined;
        },
        createdAt: (found) => found.createdAt,
        take: async (found) => found,
      }),
      async onFailure(e) {
        if (!isConflictError(e)) return undefined;
        const wait = reuseWaitSeconds(e.apiMessage);
        if (wait !== undefined) {
          if (clock.now() + wait * 1000 > reuseDeadline) throw withContext(e, where);
          await clock.sleep((wait + 1) * 1000);
          return "again";
        }
        if (inputs.adoptExisting) {
          const existing = await getStack(client, inputs.slug).catch(() => undefined);
          if (existing && !isGoneStatus(existing.status)) {
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
        }
        throw withContext(
          e,
          `${where}: the slug is taken. If the stack is yours (perhaps made by an interrupted run), set ` +
            `adoptExisting: true to take it over; otherwise choose another slug`,
        );
      },
    });
    return finishCreate(client, s, inputs);
  },

  async read(id, props, { client }) {
    const prior = stackInputs.safeParse(pickKeys(stackInputs, props));
    const inputs = prior.success ? prior.data : stackInputs.parse({ slug: props["slug"] ?? "unknown" });
    const s = await getStack(client, id);
    // GET of a deleted stack answers 200 with status "deleted".
    if (isGoneStatus(s.status)) return undefined;
    return toOutputs(s, inputs, storedConnections(props));
  },

  async update(id, olds, inputs, { client }) {
    const s = await updateStack(client, id, updateBody(inputs));
    return toOutputs(s, inputs, storedConnections(olds));
  },

  async delete(id, _props, { client }) {
    await deleteStack(client, id);
  },
});

/** A Grafana Cloud stack. */
export class Stack extends resourceClass<StackArgs, StackOutputs>(stack) {}
