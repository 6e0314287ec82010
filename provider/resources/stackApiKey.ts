/**
 * StackApiKey: an API key of a stack's hosted Grafana. The API has no update, so every input
 * replaces. The secret `key` is shown only by create and kept in state from then on.
 *
 * Two backings, one contract (the `backing` output says which):
 *
 * - `apiKey`, on a stack whose Grafana still has API keys: a real API key, made through the Cloud
 *   API; reads and deletes go through the stack URL with a shared temporary Admin key
 *   (api/stackSession.ts). `keyId` is the key's id.
 * - `serviceAccount`, on a stack whose Grafana has none (12.1 removed them; the create route then
 *   answers 404, 405 or 410 on a stack that exists): the key is made the way Grafana migrated API
 *   keys, a service account named `sa-autogen-<key name>` with the key's role, holding one token
 *   named after the key with its lifetime. Reads and deletes go through the instance proxy with
 *   the access-policy token. `keyId` is the token's id: Grafana's migration kept each key's id for
 *   its token, so a key made under either backing keeps its resource id `stackSlug/keyId`.
 *   Deleting the key deletes the account, and the token with it.
 *
 * A key made with the `apiKey` backing on a stack that has since lost API keys is found where
 * Grafana migrated it (the `sa-autogen-` account holding the token of the same id); refresh then
 * records the new backing.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  deleteServiceAccount,
  findServiceAccountByName,
  getServiceAccount,
  listServiceAccountTokens,
} from "../api/serviceAccounts";
import {
  deleteStackKey,
  fetchStackKeys,
  findLiveStack,
  knownWithoutApiKeys,
  listStackKeys,
  markWithoutApiKeys,
  NO_API_KEYS,
  STACK_GONE,
  type NoApiKeys,
  type StackGone,
} from "../api/stackSession";
import {
  createStackApiKey,
  isRemovedRouteError,
  MIGRATED_KEY_ACCOUNT_PREFIX,
  STACK_KEY_ROLES,
  type CreatedStackKey,
  type StackKey,
  type StackKeyRole,
} from "../api/stackKeys";
import { clock } from "../clock";
import { withContext } from "../client/context";
import { isAlreadyExistsError, isConflictError, isNotFoundError } from "../client/errors";
import type { ApiClient } from "../client/http";
import { slugRule } from "./rules";
import {
  expirationAfterCreate,
  findServiceAccount,
  makeServiceAccount,
  makeServiceAccountToken,
  tokenExpired,
} from "./serviceAccountSteps";
import {
  compact,
  createWithRecovery,
  defineResource,
  deleteAndMakeAgain,
  isoAt,
  norms,
  refusedRequest,
  type Props,
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

export const STACK_API_KEY_BACKINGS = ["apiKey", "serviceAccount"] as const;
export type StackApiKeyBacking = (typeof STACK_API_KEY_BACKINGS)[number];

export const stackApiKeyOutputs = stackApiKeyInputs.omit({ adoptExisting: true }).extend({
  /** As the stack holds it, read back on refresh. */
  role: z.string(),
  /** The secret value; shown by the API only at creation. */
  key: z.string(),
  /** The API key's id, or under the service-account backing its token's id. */
  keyId: z.number(),
  /** RFC 3339; absent when the key never expires. */
  expiration: z.string().optional(),
  /**
   * `apiKey`: a Grafana API key. `serviceAccount`: the stack's Grafana has no API keys; the key is
   * a service account `sa-autogen-<name>` holding one token. Absent in state written before the
   * service-account backing existed, which means `apiKey`.
   */
  backing: z.enum(STACK_API_KEY_BACKINGS),
  /** Under the service-account backing: the id of the account that holds the token. */
  serviceAccountId: z.number().optional(),
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

/** The service account that backs a key of this name (as Grafana names the ones it migrates). */
export const backingAccountName = (keyName: string): string => `${MIGRATED_KEY_ACCOUNT_PREFIX}${keyName}`;

/** Grafana keeps expired keys and lists them with includeExpired; for us they are gone. */
function isExpired(k: StackKey): boolean {
  if (!k.expiration) return false;
  const t = Date.parse(k.expiration);
  return !Number.isNaN(t) && t <= clock.now();
}

const numberProp = (props: Props, key: string): number | undefined =>
  typeof props[key] === "number" ? props[key] : undefined;
const stringProp = (props: Props, key: string): string | undefined =>
  typeof props[key] === "string" ? props[key] : undefined;

// ---------------------------------------------------------------------------------------------
// The `apiKey` backing

async function findByName(client: ApiClient, stackSlug: string, name: string): Promise<StackKey | undefined> {
  const keys = await fetchStackKeys(client, stackSlug);
  return keys === STACK_GONE || keys === NO_API_KEYS ? undefined : keys.find((k) => k.name === name);
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
  const found = keys === STACK_GONE || keys === NO_API_KEYS ? undefined : keys.find((k) => k.id === keyId);
  return found?.expiration ?? isoAt(clock.now() + secondsToLive * 1000);
}

/** Makes a real API key; NO_API_KEYS when the stack exists but its Grafana has none. */
async function createApiKey(
  client: ApiClient,
  inputs: StackApiKeyInputs,
  where: string,
): Promise<CreatedStackKey | NoApiKeys> {
  const { stackSlug, name, role, secondsToLive } = inputs;
  return createWithRecovery<CreatedStackKey | NoApiKeys>({
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
      if (isRemovedRouteError(e)) {
        // The same answer for a stack that does not exist: tell the two apart.
        if ((await findLiveStack(client, stackSlug)) === STACK_GONE) {
          throw withContext(e, `${where}: stack "${stackSlug}" does not exist`);
        }
        return { done: NO_API_KEYS };
      }
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
}

// ---------------------------------------------------------------------------------------------
// The `serviceAccount` backing

/** Makes the key as a service account with one token; the account goes again if the token fails. */
async function createBackedKey(client: ApiClient, inputs: StackApiKeyInputs) {
  const { stackSlug, name, role } = inputs;
  const accountName = backingAccountName(name);
  const secondsToLive = inputs.secondsToLive && inputs.secondsToLive > 0 ? inputs.secondsToLive : undefined;
  const where =
    `creating API key "${name}" on stack "${stackSlug}" (the stack's Grafana has no API keys: as service ` +
    `account "${accountName}" holding one token)`;
  const sa = await makeServiceAccount(
    client,
    stackSlug,
    { name: accountName, role, isDisabled: false },
    {
      where,
      fix: `delete service account "${accountName}" on the stack and run again`,
      async onTaken(e, { attempt }) {
        const existing = await findServiceAccount(client, stackSlug, accountName);
        if (existing && attempt < 3) {
          const held = await listServiceAccountTokens(client, stackSlug, existing.id);
          if (held.every(tokenExpired)) {
            // The account of a key that expired or was deleted (Grafana keeps expired tokens, and
            // the account with them): as worthless as the key, which refresh already dropped from
            // state. It goes, to make room.
            await deleteServiceAccount(client, stackSlug, existing.id).catch((err: unknown) => {
              if (!isNotFoundError(err))
                throw withContext(err, `${where}: removing the account of the expired key`);
            });
            return "again";
          }
        }
        throw withContext(
          e,
          `${where}: a service account named "${accountName}" holding a live token already exists on the ` +
            `stack (left by an interrupted run, or a key Grafana migrated). Stack API keys cannot be adopted ` +
            `(their secret is shown only at creation): delete that service account, or choose another key name`,
        );
      },
    },
  );
  let token;
  try {
    token = await makeServiceAccountToken(client, stackSlug, sa.id, compact({ name, secondsToLive }), {
      where,
      what: "API key",
    });
  } catch (e) {
    // The account exists only to hold this token. Deleting it also deletes any token an attempt
    // whose answer was lost may have made, so nothing is left behind.
    await deleteServiceAccount(client, stackSlug, sa.id).catch(() => undefined);
    throw e;
  }
  const expiration = await expirationAfterCreate(client, stackSlug, sa.id, token.id, secondsToLive);
  return { sa, token, expiration };
}

/** The account that backs the key: the stored id, else the one Grafana's naming gives. */
async function backingAccountId(
  client: ApiClient,
  stackSlug: string,
  props: Props,
): Promise<number | undefined> {
  const stored = numberProp(props, "serviceAccountId");
  if (stored !== undefined) return stored;
  const name = stringProp(props, "name");
  if (name === undefined) return undefined;
  return (await findServiceAccountByName(client, stackSlug, backingAccountName(name)))?.id;
}

/** The key as a token of its account, or undefined when the account, the token or the stack is gone. */
async function readBackedKey(
  client: ApiClient,
  stackSlug: string,
  keyId: number,
  props: Props,
): Promise<StackApiKeyOutputs | undefined> {
  const serviceAccountId = await backingAccountId(client, stackSlug, props);
  if (serviceAccountId === undefined) return undefined;
  // Both at once: a 404 from either (the account or the stack is gone) means the key is gone.
  const both = await Promise.all([
    getServiceAccount(client, stackSlug, serviceAccountId),
    listServiceAccountTokens(client, stackSlug, serviceAccountId),
  ]).catch((e: unknown) => {
    if (isNotFoundError(e)) return undefined;
    throw e;
  });
  if (both === undefined) return undefined;
  const [sa, tokens] = both;
  const t = tokens.find((x) => x.id === keyId);
  if (!t || tokenExpired(t)) return undefined;
  return compact({
    stackSlug,
    name: t.name,
    role: sa.role ?? stringProp(props, "role") ?? "",
    secondsToLive: numberProp(props, "secondsToLive"),
    key: String(props["key"] ?? ""),
    keyId,
    expiration: t.expiration,
    backing: "serviceAccount" as const,
    serviceAccountId,
  });
}

// ---------------------------------------------------------------------------------------------

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
  idOutputs: { keyId: { part: 1, as: "number" } },
  // A 404 at the stack URL may mean the stack does not serve this API: not a reason to drop the key.
  notFoundMeansGone: false,

  async create(inputs, { client }) {
    const { stackSlug, name, role, secondsToLive } = inputs;
    const where = `creating API key "${name}" on stack "${stackSlug}"`;
    // One probe per stack and provider process: a Grafana does not get its API keys back.
    if (!knownWithoutApiKeys(client, stackSlug)) {
      const created = await createApiKey(client, inputs, where);
      if (created !== NO_API_KEYS) {
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
            backing: "apiKey" as const,
          }),
        };
      }
      markWithoutApiKeys(client, stackSlug);
    }
    const { sa, token, expiration } = await createBackedKey(client, inputs);
    return {
      id: `${stackSlug}/${token.id}`,
      outs: compact({
        stackSlug,
        name,
        role,
        secondsToLive,
        key: token.key,
        keyId: token.id,
        expiration,
        backing: "serviceAccount" as const,
        serviceAccountId: sa.id,
      }),
    };
  },

  async read(id, props, { client }) {
    const { stackSlug, keyId } = parseStackApiKeyId(id);
    if (props["backing"] === "serviceAccount") return readBackedKey(client, stackSlug, keyId, props);
    const keys = await listStackKeys(client, stackSlug);
    if (keys === STACK_GONE) return undefined;
    // The stack lost its API keys since the key was made: Grafana migrated it to a service account.
    if (keys === NO_API_KEYS) return readBackedKey(client, stackSlug, keyId, props);
    const k = keys.find((x) => x.id === keyId);
    // An expired or deleted key is gone: refresh drops it.
    if (!k || isExpired(k)) return undefined;
    return compact({
      stackSlug,
      name: k.name,
      role: k.role,
      secondsToLive: numberProp(props, "secondsToLive"),
      key: String(props["key"] ?? ""),
      keyId,
      expiration: k.expiration,
      backing: "apiKey" as const,
    });
  },

  async delete(id, props, { client }) {
    const { stackSlug, keyId } = parseStackApiKeyId(id);
    if (props["backing"] !== "serviceAccount") {
      const deleted = await deleteStackKey(client, stackSlug, keyId);
      if (deleted !== NO_API_KEYS) return;
    }
    // The account and its token go together. A migrated key's account is deleted only if it
    // holds the key's token: the name alone does not make it this key's.
    const serviceAccountId = await backingAccountId(client, stackSlug, props);
    if (serviceAccountId === undefined) return;
    if (props["backing"] !== "serviceAccount") {
      const tokens = await listServiceAccountTokens(client, stackSlug, serviceAccountId);
      if (!tokens.some((t) => t.id === keyId)) return;
    }
    await deleteServiceAccount(client, stackSlug, serviceAccountId);
  },
});
