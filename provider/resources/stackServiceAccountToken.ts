/**
 * StackServiceAccountToken: a token of a stack service account, made through the Cloud API's
 * instance proxy. The API has no update route, so every change replaces the token (but for a new
 * `rotation.earlyRotationSeconds`, which concerns only Pulumi and is recorded in place). The secret
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
 * With `rotation` (rotation.ts) the token is made with the lifetime `rotation.expireAfterSeconds`
 * and a real name (output `tokenName`) that is `name` suffixed with its expiry, and it is replaced,
 * new before old, once the clock is inside the early-rotation window. Read finds a token by id,
 * never by name, so the suffix changes nothing there.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { deleteServiceAccountToken, listServiceAccountTokens } from "../api/serviceAccounts";
import {
  newGeneration,
  readyForRotation,
  rotatesEitherSide,
  rotationDiff,
  rotationField,
  rotationOf,
  rotationRule,
  suffixedNameFailure,
  type Rotation,
  type RotationArgs,
} from "./rotation";
import { MAX_TOKEN_LIFETIME_SECONDS, slugRule } from "./rules";
import { expirationAfterCreate, makeServiceAccountToken, tokenExpired } from "./serviceAccountSteps";
import { compact, defineResource, norms } from "./toolkit";

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
  /**
   * Renew the token before it expires: it lives `expireAfterSeconds`, under the name
   * `<name>-<expiry>` (e.g. `deploy-20261202t153000z`, output `tokenName`), and once fewer than
   * `earlyRotationSeconds` remain, the next `pulumi up` makes a new token and then deletes the old
   * one. Not with `secondsToLive`. Changing `expireAfterSeconds`, or adding or removing `rotation`,
   * replaces the token; `earlyRotationSeconds` alone is updated in place.
   */
  rotation?: pulumi.Input<RotationArgs>;
}

/** The longest lifetime taken: ten years (rules.ts). Longer is a typo more often than a wish. */
export const MAX_SECONDS_TO_LIVE = MAX_TOKEN_LIFETIME_SECONDS;

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
  rotation: rotationRule.optional(),
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
    /** The name the token has on the stack: `name`, suffixed with the expiry when rotating. */
    tokenName: z.string(),
    /** Whether the clock was inside the early-rotation window when last read; false without rotation. */
    readyForRotation: z.boolean(),
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

/** The name a new token is made with, and its lifetime in seconds (undefined: never expires). */
function makingOf(inputs: StackServiceAccountTokenInputs): { name: string; secondsToLive?: number } {
  if (inputs.rotation) {
    return {
      name: newGeneration(inputs.name, inputs.rotation).name,
      secondsToLive: inputs.rotation.expireAfterSeconds,
    };
  }
  return compact({
    name: inputs.name,
    secondsToLive: inputs.secondsToLive && inputs.secondsToLive > 0 ? inputs.secondsToLive : undefined,
  });
}

/** The outputs beside what the stack says of the token: the declared inputs, the secret, the rotation state. */
function outputsOf(
  declared: { stackSlug: string; serviceAccountId: number; name: string; secondsToLive?: number | undefined },
  rotation: Rotation | undefined,
  token: { key: string; tokenId: number; tokenName: string; expiration?: string | undefined },
): StackServiceAccountTokenOutputs {
  return compact({
    ...declared,
    rotation,
    ...token,
    hasExpired: false,
    readyForRotation: readyForRotation(rotation, token.expiration),
  });
}

export const stackServiceAccountToken = defineResource({
  kind: "StackServiceAccountToken",
  noun: "service account token",
  label: "name",
  inputs: stackServiceAccountTokenInputs,
  outputs: stackServiceAccountTokenOutputs,
  // No update route: every field replaces, but for the rotation window (rotationDiff), which is
  // Pulumi's alone.
  rules: {
    stackSlug: { replace: true },
    serviceAccountId: { replace: true },
    name: { replace: true },
    // 0 and absent both mean "no expiry".
    secondsToLive: { replace: true, norm: norms.absentMeans(0) },
    rotation: rotationField,
  },
  // Names are unique per stack; a rotating token's name carries its expiry, so each generation's
  // name is its own and the new one is made first.
  naturalKey: ["stackSlug", "name"],
  freshKey: rotatesEitherSide,
  secrets: ["key"],
  idOutputs: { tokenId: { part: 2, as: "number" } },
  hooks: {
    check: ({ rotation, secondsToLive, name }) =>
      rotation
        ? [
            ...(secondsToLive !== undefined
              ? [
                  {
                    property: "secondsToLive",
                    reason:
                      "secondsToLive: cannot be combined with rotation, whose expireAfterSeconds is each " +
                      "token's lifetime: remove one of them",
                  },
                ]
              : []),
            ...suffixedNameFailure(name, 190),
          ]
        : [],
    diff: rotationDiff("expiration"),
  },

  async create(inputs, { client }) {
    const { stackSlug, serviceAccountId } = inputs;
    const { name, secondsToLive } = makingOf(inputs);
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
      outs: outputsOf(
        { stackSlug, serviceAccountId, name: inputs.name, secondsToLive: inputs.secondsToLive },
        inputs.rotation,
        { key: created.key, tokenId: created.id, tokenName: name, expiration },
      ),
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
    return outputsOf(
      {
        stackSlug,
        serviceAccountId,
        name: typeof props["name"] === "string" ? props["name"] : t.name,
        secondsToLive: typeof props["secondsToLive"] === "number" ? props["secondsToLive"] : undefined,
      },
      rotationOf(props["rotation"]),
      { key: String(props["key"] ?? ""), tokenId, tokenName: t.name, expiration: t.expiration ?? undefined },
    );
  },

  // Reached only for a new rotation.earlyRotationSeconds (every other change replaces): nothing to
  // tell the stack, the new window is recorded and readyForRotation follows it.
  async update(id, olds, inputs) {
    const { tokenId } = parseStackServiceAccountTokenId(id);
    const str = (k: string) => (typeof olds[k] === "string" ? olds[k] : undefined);
    return outputsOf(
      {
        stackSlug: inputs.stackSlug,
        serviceAccountId: inputs.serviceAccountId,
        name: inputs.name,
        secondsToLive: inputs.secondsToLive,
      },
      inputs.rotation,
      {
        key: str("key") ?? "",
        tokenId,
        tokenName: str("tokenName") ?? inputs.name,
        expiration: str("expiration"),
      },
    );
  },

  async delete(id, _props, { client }) {
    const { stackSlug, serviceAccountId, tokenId } = parseStackServiceAccountTokenId(id);
    await deleteServiceAccountToken(client, stackSlug, serviceAccountId, tokenId);
  },
});
