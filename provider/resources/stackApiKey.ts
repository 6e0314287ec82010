/**
 * StackApiKey: an API key of a stack's hosted Grafana (grafana-cloud-api.md "Create Hosted Grafana
 * instance API keys"). The API has no update, so every input replaces. The secret `key` is shown
 * only by create and kept in state from then on. Reads and deletes go through the stack URL with a
 * shared temporary Admin key (stackAdmin.ts; real-api-behaviour.md "Hosted Grafana instance API
 * keys").
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  createStackApiKey,
  deleteStackApiKey,
  listStackApiKeys,
  STACK_KEY_ROLES,
  type StackKey,
  type StackKeyRole,
} from "../api/stackKeys";
import { isConflictError, isNetworkError, isNotFoundError, isTimeoutError } from "../client/errors";
import { getClient } from "../config";
import {
  checkResult,
  compact,
  diffFields,
  diffResult,
  norms,
  validate,
  withContext,
  withOutputs,
  type FieldRule,
  parseInputs,
  idOutput,
} from "./framework";
import { slugRule } from "./rules";
import { listStackKeys, STACK_GONE, withStackAdmin, type StackGone } from "./stackAdmin";
import { providerStub } from "./stub";

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

export const stackApiKeyInputs = z.strictObject({
  stackSlug: slugRule,
  name: z.string({ error: NAME_RULE }).max(190, NAME_RULE).regex(/\S/, NAME_RULE),
  role: z.enum(STACK_KEY_ROLES, { error: ROLE_RULE }),
  secondsToLive: z
    .number({ error: "must be a number of seconds (0: no expiry)" })
    .int("must be a whole number of seconds")
    .min(0, "must be 0 or more (0: no expiry)")
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

export interface StackApiKeyOutputs extends StackApiKeyInputs {
  /** The secret, from create. */
  key: string;
  keyId: number;
  /** RFC 3339; absent when the key never expires. */
  expiration?: string;
}

export const stackApiKeyRules: Record<string, FieldRule> = {
  stackSlug: { replace: true },
  name: { replace: true },
  role: { replace: true },
  // 0 and absent both mean "no expiry" (grafana-cloud-api.md, secondsToLive).
  secondsToLive: { replace: true, norm: norms.withDefault(0) },
};

/** `stackSlug/keyId`, the resource id. */
export function parseStackApiKeyId(id: string): { stackSlug: string; keyId: number } {
  const m = /^([^/]+)\/(\d+)$/.exec(id);
  if (!m || m[1] === undefined || m[2] === undefined) {
    throw new Error(`stack API key id "${id}" is not of the form stackSlug/keyId`);
  }
  return { stackSlug: m[1], keyId: Number(m[2]) };
}

/** Grafana keeps expired keys and lists them with includeExpired; for us they are gone. */
function isExpired(k: StackKey, now = Date.now()): boolean {
  if (!k.expiration) return false;
  const t = Date.parse(k.expiration);
  return !Number.isNaN(t) && t <= now;
}

function toOutputs(
  inputs: StackApiKeyInputs,
  keyId: number,
  key: string,
  expiration: string | undefined,
): StackApiKeyOutputs {
  return compact({
    stackSlug: inputs.stackSlug,
    name: inputs.name,
    role: inputs.role,
    secondsToLive: inputs.secondsToLive,
    key,
    keyId,
    expiration,
  }) as StackApiKeyOutputs;
}

/**
 * The stack's keys as of now. Create uses this rather than the shared `listStackKeys`, whose
 * in-flight answer may predate the key just made.
 */
function freshKeys(stackSlug: string): Promise<StackKey[] | StackGone> {
  return withStackAdmin(stackSlug, (c, s) => listStackApiKeys(c, s.stackUrl, s.key));
}

async function findByName(stackSlug: string, name: string): Promise<StackKey | undefined> {
  const keys = await freshKeys(stackSlug);
  return keys === STACK_GONE ? undefined : keys.find((k) => k.name === name);
}

/** Deletes a key through the stack URL; false when it (or the stack) was already gone. */
async function deleteKey(stackSlug: string, keyId: number): Promise<boolean> {
  try {
    const r = await withStackAdmin(stackSlug, (c, s) => deleteStackApiKey(c, s.stackUrl, s.key, keyId));
    return r !== STACK_GONE;
  } catch (e) {
    if (isNotFoundError(e)) return false;
    throw e;
  }
}

export const stackApiKeyProvider = {
  async check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.CheckResult> {
    return checkResult(validate(stackApiKeyInputs, news, (raw) => raw));
  },

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    const d = diffFields(stackApiKeyRules, olds, news);
    // Names are unique per stack: a replacement that keeps the name and stack (a new role or
    // lifetime) must delete the old key first or the new one would clash.
    const keyKept = !d.replaces.includes("name") && !d.replaces.includes("stackSlug");
    return diffResult(d, keyKept);
  },

  async create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = parseInputs(stackApiKeyInputs, raw);
    const client = getClient();
    const where = `creating API key "${inputs.name}" on stack "${inputs.stackSlug}"`;
    const body = compact({ name: inputs.name, role: inputs.role, secondsToLive: inputs.secondsToLive });
    let lostResponse = false;
    for (let attempt = 1; ; attempt++) {
      let created;
      try {
        created = await createStackApiKey(client, inputs.stackSlug, body);
      } catch (e) {
        if (isConflictError(e) && e.code !== "InvalidArgument") {
          const existing = await findByName(inputs.stackSlug, inputs.name).catch(() => undefined);
          if (existing && isExpired(existing) && attempt < 3) {
            // Grafana keeps expired keys, and their names stay taken. An expired key is worthless
            // (refresh already dropped it from state), so it is removed to make room.
            await deleteKey(inputs.stackSlug, existing.id).catch((err: unknown) => {
              throw withContext(err, `${where}: removing the expired key that holds the name`);
            });
            continue;
          }
          if (existing && lostResponse && attempt < 5) {
            // The response to our earlier attempt was lost, and a key of this name exists now:
            // almost surely the one that attempt made, its secret gone with the response. Like a
            // token in the same case, it is deleted and made again, so nothing is orphaned.
            await deleteKey(inputs.stackSlug, existing.id).catch((err: unknown) => {
              throw withContext(err, `${where}: deleting the key the lost attempt made (id ${existing.id})`);
            });
            lostResponse = false;
            continue;
          }
          if (existing && lostResponse) {
            throw withContext(
              e,
              `${where}: the response to an earlier attempt was lost and a key of this name now exists ` +
                `(id ${existing.id}); it was probably made by that attempt, but its secret was lost with the ` +
                `response. Delete that key in the stack's Grafana and run again, or choose another name`,
            );
          }
          throw withContext(
            e,
            `${where}: an API key with this name already exists on the stack (perhaps left by an interrupted run). ` +
              `Stack API keys cannot be adopted (their secret is shown only at creation): delete the existing ` +
              `key or choose another name`,
          );
        }
        // Only a response that never arrived counts as lost here, not a 5xx: a key found after it
        // is deleted, and the key list has no creation time to prove it was not someone's own.
        if (!(isNetworkError(e) || isTimeoutError(e)) || attempt >= 5) {
          throw withContext(
            e,
            lostResponse
              ? `${where}: the response to an earlier attempt was lost, so the key may exist; if the next run ` +
                  `reports that it already exists, delete it in the stack's Grafana and run again`
              : where,
          );
        }
        // The response was lost: the key may exist, its secret gone. Trying again either makes it
        // (the first attempt did nothing) or meets the name taken (handled above).
        lostResponse = true;
        continue;
      }
      const id = `${inputs.stackSlug}/${created.id}`;
      // Create does not answer the expiration; only a key with a lifetime has one, read back from
      // the stack so that a later refresh sees the same instant. Any failure here must not lose the
      // secret just made: fall back to our own clock.
      let expiration: string | undefined;
      if (inputs.secondsToLive && inputs.secondsToLive > 0) {
        const estimate = new Date(Date.now() + inputs.secondsToLive * 1000).toISOString();
        const keys = await freshKeys(inputs.stackSlug).catch((): StackGone => STACK_GONE);
        const found = keys === STACK_GONE ? undefined : keys.find((k) => k.id === created.id);
        expiration = found?.expiration ?? estimate;
      }
      return { id, outs: toOutputs(inputs, created.id, created.key, expiration) };
    }
  },

  async read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const { stackSlug, keyId } = parseStackApiKeyId(id);
    try {
      const keys = await listStackKeys(stackSlug);
      if (keys === STACK_GONE) return {};
      const k = keys.find((x) => x.id === keyId);
      // An expired or deleted key is gone: refresh drops it.
      if (!k || isExpired(k)) return {};
      const secondsToLive = typeof props["secondsToLive"] === "number" ? props["secondsToLive"] : undefined;
      const inputs = compact({
        stackSlug,
        name: k.name,
        role: k.role as StackKeyRole,
        secondsToLive,
      });
      const outs = toOutputs(inputs, keyId, String(props["key"] ?? ""), k.expiration ?? undefined);
      return { id, props: outs, inputs };
    } catch (e) {
      throw withContext(e, `reading API key ${id}`);
    }
  },

  async update(id: string): Promise<pulumi.dynamic.UpdateResult> {
    // Unreachable: every input replaces (diff never asks for an in-place update).
    throw new Error(
      `API key ${id}: stack API keys cannot be updated in place; every change replaces the key`,
    );
  },

  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    const { stackSlug, keyId } = parseStackApiKeyId(id);
    try {
      await deleteKey(stackSlug, keyId);
    } catch (e) {
      throw withContext(e, `deleting API key "${String(props["name"])}" (${id})`);
    }
  },
};

/** An API key of a stack's hosted Grafana. Its `key` output is a secret. */
export class StackApiKey extends pulumi.dynamic.Resource {
  declare readonly stackSlug: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly role: pulumi.Output<StackKeyRole>;
  declare readonly secondsToLive: pulumi.Output<number | undefined>;
  /** The secret value; shown by the API only at creation. */
  declare readonly key: pulumi.Output<string>;
  declare readonly keyId: pulumi.Output<number>;
  /** RFC 3339; undefined when the key never expires. */
  declare readonly expiration: pulumi.Output<string | undefined>;

  constructor(name: string, args: StackApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerStub("StackApiKey"),
      name,
      withOutputs(args, ["secondsToLive", "key", "keyId", "expiration"]),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
      "grafana-cloud",
      "StackApiKey",
    ); // See idOutput: keeps dependents known while an update is previewed.
    (this as { keyId: pulumi.Output<number> }).keyId = idOutput(this, (id) => parseStackApiKeyId(id).keyId);
  }
}
