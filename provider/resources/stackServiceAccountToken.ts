/**
 * StackServiceAccountToken: a token of a stack service account, made through the Cloud API's
 * instance proxy. The API has no update route, so every change replaces the token. The secret
 * `key` is shown only by create and kept in state from then on. Token names are unique on the
 * whole stack (Grafana keeps them in the table that held API keys, unique per org and name), so a
 * replacement that keeps the name deletes the old token first, even when it moves to another
 * account.
 *
 * Grafana keeps expired tokens listed (`hasExpired`); for Pulumi an expired token is gone: refresh
 * drops it, and the next `up` makes it again, first deleting the expired one that holds its name.
 *
 * The resource id is `stackSlug/serviceAccountId/tokenId`: every token route addresses a token by
 * stack, account and token id.
 *
 * The token's name and lifetime come from `nameOf` and `lifetimeOf` alone, and read finds the
 * token by id, never by name: a later `rotation` input (a lifetime, and a name suffixed with the
 * expiry so that two generations can coexist) changes those two and adds its diff rule, without
 * reshaping the rest.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { deleteServiceAccountToken, listServiceAccountTokens } from "../api/serviceAccounts";
import { slugRule } from "./rules";
import { expirationAfterCreate, makeServiceAccountToken, tokenExpired } from "./serviceAccountSteps";
import { compact, defineResource, norms, resourceClass } from "./toolkit";

export interface StackServiceAccountTokenArgs {
  /** Slug of the stack. Changing it replaces the token. */
  stackSlug: pulumi.Input<string>;
  /** The account the token belongs to (`StackServiceAccount.serviceAccountId`). Changing it replaces the token. */
  serviceAccountId: pulumi.Input<number>;
  /** Unique on the stack, across its accounts. Changing it replaces the token. */
  name: pulumi.Input<string>;
  /**
   * Seconds until the token expires, at most 315360000 (10 years); 0 or absent: never. Changing
   * it replaces the token.
   */
  secondsToLive?: pulumi.Input<number>;
}

/** The longest lifetime taken: ten years. Longer is a typo more often than a wish. */
export const MAX_SECONDS_TO_LIVE = 10 * 365 * 86_400;

const NAME_RULE = "must be a non-empty string of at most 190 characters";
const ACCOUNT_RULE =
  "must be the numeric id of a service account of the stack (StackServiceAccount.serviceAccountId)";
const TTL_RULE = "must be a whole number of seconds";

export const stackServiceAccountTokenInputs = z.strictObject({
  stackSlug: slugRule,
  serviceAccountId: z.number({ error: ACCOUNT_RULE }).int(ACCOUNT_RULE).min(1, ACCOUNT_RULE),
  name: z.string({ error: NAME_RULE }).max(190, NAME_RULE).regex(/\S/, NAME_RULE),
  secondsToLive: z
    .number({ error: `${TTL_RULE} (0: no expiry)` })
    .int(TTL_RULE)
    .min(0, "must be 0 or more (0: no expiry)")
    .max(
      MAX_SECONDS_TO_LIVE,
      `must be at most ${MAX_SECONDS_TO_LIVE} (10 years); leave it out (or 0) for a token that never expires`,
    )
    .optional(),
  adoptExisting: z
    .literal(false, {
      error:
        "service account tokens cannot be adopted: the API shows a token's secret only when it is created, so " +
        "an adopted token would have no value. Remove adoptExisting, or delete the existing token and let " +
        "Pulumi create it",
    })
    .optional(),
});
export type StackServiceAccountTokenInputs = z.output<typeof stackServiceAccountTokenInputs>;

export const stackServiceAccountTokenOutputs = stackServiceAccountTokenInputs
  .omit({ adoptExisting: true })
  .extend({
    /** The secret value (`glsa_…`); shown by the API only at creation. */
    key: z.string(),
    tokenId: z.number(),
    /** RFC 3339; absent when the token never expires. */
    expiration: z.string().optional(),
    /** As the stack said when last read; an expired token is dropped by refresh, so this stays false in state. */
    hasExpired: z.boolean(),
  });
export type StackServiceAccountTokenOutputs = z.output<typeof stackServiceAccountTokenOutputs>;

/** `stackSlug/serviceAccountId/tokenId`, the resource id. */
export function parseStackServiceAccountTokenId(id: string): {
  stackSlug: string;
  serviceAccountId: number;
  tokenId: number;
} {
  const m = /^([^/]+)\/(\d+)\/(\d+)$/.exec(id);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) {
    throw new Error(`service account token id "${id}" is not of the form stackSlug/serviceAccountId/tokenId`);
  }
  return { stackSlug: m[1], serviceAccountId: Number(m[2]), tokenId: Number(m[3]) };
}

/** The name the token is made with. */
const nameOf = (inputs: StackServiceAccountTokenInputs): string => inputs.name;
/** Its lifetime in seconds; undefined: never expires. */
const lifetimeOf = (inputs: StackServiceAccountTokenInputs): number | undefined =>
  inputs.secondsToLive && inputs.secondsToLive > 0 ? inputs.secondsToLive : undefined;

export const stackServiceAccountToken = defineResource({
  kind: "StackServiceAccountToken",
  noun: "service account token",
  label: "name",
  inputs: stackServiceAccountTokenInputs,
  outputs: stackServiceAccountTokenOutputs,
  // No update route: every field replaces.
  rules: {
    stackSlug: { replace: true },
    serviceAccountId: { replace: true },
    name: { replace: true },
    // 0 and absent both mean "no expiry".
    secondsToLive: { replace: true, norm: norms.absentMeans(0) },
  },
  // Names are unique per stack.
  naturalKey: ["stackSlug", "name"],
  secrets: ["key"],
  idOutputs: { tokenId: (id) => parseStackServiceAccountTokenId(id).tokenId },

  async create(inputs, { client }) {
    const { stackSlug, serviceAccountId } = inputs;
    const name = nameOf(inputs);
    const secondsToLive = lifetimeOf(inputs);
    const created = await makeServiceAccountToken(
      client,
      stackSlug,
      serviceAccountId,
      compact({ name, secondsToLive }),
      {
        where: `creating token "${name}" of service account ${serviceAccountId} on stack "${stackSlug}"`,
        what: "service account token",
      },
    );
    const expiration = await expirationAfterCreate(
      client,
      stackSlug,
      serviceAccountId,
      created.id,
      secondsToLive,
    );
    return {
      id: `${stackSlug}/${serviceAccountId}/${created.id}`,
      outs: compact({
        stackSlug,
        serviceAccountId,
        name: inputs.name,
        secondsToLive: inputs.secondsToLive,
        key: created.key,
        tokenId: created.id,
        expiration,
        hasExpired: false,
      }),
    };
  },

  // The list never shows the secret: the one from create is kept. A 404 (the account or the stack
  // is gone, and the token with it) reads as gone; so does an expired token.
  async read(id, props, { client }) {
    const { stackSlug, serviceAccountId, tokenId } = parseStackServiceAccountTokenId(id);
    const t = (await listServiceAccountTokens(client, stackSlug, serviceAccountId)).find(
      (x) => x.id === tokenId,
    );
    if (!t || tokenExpired(t)) return undefined;
    return compact({
      stackSlug,
      serviceAccountId,
      name: typeof props["name"] === "string" ? props["name"] : t.name,
      secondsToLive: typeof props["secondsToLive"] === "number" ? props["secondsToLive"] : undefined,
      key: String(props["key"] ?? ""),
      tokenId,
      expiration: t.expiration,
      hasExpired: false,
    });
  },

  async delete(id, _props, { client }) {
    const { stackSlug, serviceAccountId, tokenId } = parseStackServiceAccountTokenId(id);
    await deleteServiceAccountToken(client, stackSlug, serviceAccountId, tokenId);
  },
});

/** A token of a stack service account. Its `key` output is a secret. */
export class StackServiceAccountToken extends resourceClass<
  StackServiceAccountTokenArgs,
  StackServiceAccountTokenOutputs
>(stackServiceAccountToken) {}
