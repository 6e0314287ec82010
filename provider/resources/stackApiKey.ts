/**
 * StackApiKey: an API key of a stack's hosted Grafana. The API has no update, so every input
 * replaces. The secret `key` is shown only by create and kept in state from then on. Reads and
 * deletes go through the stack URL with a shared temporary Admin key (api/stackSession.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  deleteStackKey,
  fetchStackKeys,
  listStackKeys,
  STACK_GONE,
  type StackGone,
} from "../api/stackSession";
import { createStackApiKey, STACK_KEY_ROLES, type StackKey, type StackKeyRole } from "../api/stackKeys";
import { clock } from "../clock";
import { withContext } from "../client/context";
import { isAlreadyExistsError, isConflictError } from "../client/errors";
import type { ApiClient } from "../client/http";
import { slugRule } from "./rules";
import {
  compact,
  createWithRecovery,
  defineResource,
  deleteAndMakeAgain,
  isoAt,
  norms,
  refusedRequest,
  resourceClass,
} from "./toolkit";

export interface StackApiKeyArgs {
  /** Slug of the stack the key belongs to. Changing it replaces the key. */
  stackSlug: pulumi.Input<string>;
  /** Unique per stack. Changing it replaces the key. */
  name: pulumi.Input<string>;
  /** `Viewer`, `Editor` or `Admin`. Changing it replaces the key. */
  role: pulumi.Input<StackKeyRole>;
  /** Seconds until the key expires; 0 or absent: never. Changing it replaces the key. */
  secondsToLive?: pulumi.Input<number>;
}

const ROLE_RULE = 'must be "Viewer", "Editor" or "Admin"';
const NAME_RULE = "must be a non-empty string of at most 190 characters";
/**
 * 100 years. Grafana adds the lifetime to the current time as a Go duration in nanoseconds, which
 * overflows past about 292 years, and a JavaScript date ends at year 275760.
 */
export const MAX_SECONDS_TO_LIVE = 100 * 365 * 86_400;
const SECONDS_TO_LIVE_RULE = `must be at most ${MAX_SECONDS_TO_LIVE} seconds (100 years; 0: no expiry)`;

export const stackApiKeyInputs = z.strictObject({
  stackSlug: slugRule,
  name: z.string({ error: NAME_RULE }).max(190, NAME_RULE).regex(/\S/, NAME_RULE),
  role: z.enum(STACK_KEY_ROLES, { error: ROLE_RULE }),
  secondsToLive: z
    .number({ error: "must be a number of seconds (0: no expiry)" })
    .int("must be a whole number of seconds")
    .min(0, "must be 0 or more (0: no expiry)")
    .max(MAX_SECONDS_TO_LIVE, SECONDS_TO_LIVE_RULE)
    .optional(),
  adoptExisting: z
    .literal(false, {
      error:
        "stack API keys cannot be adopted: the API shows a key's secret only when it is created, so an adopted " +
        "key would have no value. Remove adoptExisting, or delete the existing key and let Pulumi create it",
    })
    .optional(),
});
export type StackApiKeyInputs = z.output<typeof stackApiKeyInputs>;

export const stackApiKeyOutputs = stackApiKeyInputs.omit({ adoptExisting: true }).extend({
  /** As the stack holds it, read back on refresh. */
  role: z.string(),
  /** The secret value; shown by the API only at creation. */
  key: z.string(),
  keyId: z.number(),
  /** RFC 3339; absent when the key never expires. */
  expiration: z.string().optional(),
});
export type StackApiKeyOutputs = z.output<typeof stackApiKeyOutputs>;

/** `stackSlug/keyId`, the resource id. */
export function parseStackApiKeyId(id: string): { stackSlug: string; keyId: number } {
  const m = /^([^/]+)\/(\d+)$/.exec(id);
  if (!m || m[1] === undefined || m[2] === undefined) {
    throw new Error(`stack API key id "${id}" is not of the form stackSlug/keyId`);
  }
  return { stackSlug: m[1], keyId: Number(m[2]) };
}

/** Grafana keeps expired keys and lists them with includeExpired; for us they are gone. */
function isExpired(k: StackKey): boolean {
  if (!k.expiration) return false;
  const t = Date.parse(k.expiration);
  return !Number.isNaN(t) && t <= clock.now();
}

async function findByName(client: ApiClient, stackSlug: string, name: string): Promise<StackKey | undefined> {
  const keys = await fetchStackKeys(client, stackSlug);
  return keys === STACK_GONE ? undefined : keys.find((k) => k.name === name);
}

/**
 * Create does not answer the expiration; only a key with a lifetime has one, read back from the
 * stack so that a later refresh sees the same instant. Any failure here must not lose the secret
 * just made: it falls back to our own clock.
 */
async function expirationOf(
  client: ApiClient,
  stackSlug: string,
  keyId: number,
  secondsToLive: number | undefined,
) {
  if (!secondsToLive || secondsToLive <= 0) return undefined;
  const keys = await fetchStackKeys(client, stackSlug).catch((): StackGone => STACK_GONE);
  const found = keys === STACK_GONE ? undefined : keys.find((k) => k.id === keyId);
  return found?.expiration ?? isoAt(clock.now() + secondsToLive * 1000);
}

export const stackApiKey = defineResource({
  kind: "StackApiKey",
  noun: "API key",
  label: "name",
  inputs: stackApiKeyInputs,
  outputs: stackApiKeyOutputs,
  rules: {
    stackSlug: { replace: true },
    name: { replace: true },
    role: { replace: true },
    // 0 and absent both mean "no expiry".
    secondsToLive: { replace: true, norm: norms.absentMeans(0) },
  },
  // Names are unique per stack.
  naturalKey: ["stackSlug", "name"],
  secrets: ["key"],
  idOutputs: { keyId: (id) => parseStackApiKeyId(id).keyId },
  // A 404 at the stack URL may mean the stack does not serve this API: not a reason to drop the key.
  notFoundMeansGone: false,

  async create(inputs, { client }) {
    const { stackSlug, name, role, secondsToLive } = inputs;
    const where = `creating API key "${name}" on stack "${stackSlug}"`;
    const created = await createWithRecovery({
      where,
      budgetMs: client.retryBudgetMs,
      make: () => createStackApiKey(client, stackSlug, compact({ name, role, secondsToLive })),
      // The key list has no creation time, so nothing is looked up right after an unknown
      // outcome: another attempt either makes the key or meets its name taken by the earlier one.
      recovery: deleteAndMakeAgain({
        look: "on conflict",
        what: "key",
        sameKey: "of this name",
        fix: "delete it in the stack's Grafana and run again",
        identity: `an API key named "${name}" on stack "${stackSlug}"`,
        cleanup:
          `delete that key in the stack's Grafana (Administration, API keys, or DELETE /api/auth/keys/{id} at the ` +
          `stack's URL), then run \`pulumi up\` again; its secret was never seen`,
        taken: (e) => isConflictError(e) && e.code !== "InvalidArgument",
        find: async () => {
          const found = await findByName(client, stackSlug, name);
          return found ? [found] : [];
        },
        remove: async (found) => void (await deleteStackKey(client, stackSlug, found.id)),
        describe: (found) => `id ${found.id}`,
      }),
      async onFailure(e, { attempt }) {
        if (!isConflictError(e) || e.code === "InvalidArgument") return undefined;
        const existing = await findByName(client, stackSlug, name).catch(() => undefined);
        // Said taken only when the key is there or the API says so in words.
        if (!existing && !isAlreadyExistsError(e)) throw withContext(e, `${where}: ${refusedRequest(e)}`);
        if (existing && isExpired(existing) && attempt < 3) {
          // Grafana keeps expired keys, and their names stay taken. An expired key is worthless
          // (refresh already dropped it from state), so it is removed to make room.
          await deleteStackKey(client, stackSlug, existing.id).catch((err: unknown) => {
            throw withContext(err, `${where}: removing the expired key that holds the name`);
          });
          return "again";
        }
        throw withContext(
          e,
          `${where}: an API key with this name already exists on the stack (perhaps left by an interrupted run). ` +
            `Stack API keys cannot be adopted (their secret is shown only at creation): delete the existing ` +
            `key or choose another name`,
        );
      },
    });
    const expiration = await expirationOf(client, stackSlug, created.id, secondsToLive);
    return {
      id: `${stackSlug}/${created.id}`,
      outs: compact({
        stackSlug,
        name,
        role,
        secondsToLive,
        key: created.key,
        keyId: created.id,
        expiration,
      }),
    };
  },

  async read(id, props, { client }) {
    const { stackSlug, keyId } = parseStackApiKeyId(id);
    const keys = await listStackKeys(client, stackSlug);
    if (keys === STACK_GONE) return undefined;
    const k = keys.find((x) => x.id === keyId);
    // An expired or deleted key is gone: refresh drops it.
    if (!k || isExpired(k)) return undefined;
    return compact({
      stackSlug,
      name: k.name,
      role: k.role,
      secondsToLive: typeof props["secondsToLive"] === "number" ? props["secondsToLive"] : undefined,
      key: String(props["key"] ?? ""),
      keyId,
      expiration: k.expiration,
    });
  },

  async delete(id, _props, { client }) {
    const { stackSlug, keyId } = parseStackApiKeyId(id);
    await deleteStackKey(client, stackSlug, keyId);
  },
});

/** An API key of a stack's hosted Grafana. Its `key` output is a secret. */
export class StackApiKey extends resourceClass<StackApiKeyArgs, StackApiKeyOutputs>(stackApiKey) {}
