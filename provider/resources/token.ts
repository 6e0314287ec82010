/**
 * Token: an access-policy token. `displayName` and `expiresAt` are updated in place (the API
 * allows it; the Terraform provider replaces on `expires_at`); `region`, `accessPolicyId` and
 * `name` replace. The secret `token` is returned by create only and kept in state from then on.
 *
 * With `rotation` (rotation.ts), the token's real name (output `tokenName`) is `name` suffixed
 * with its expiry, `expiresAt` is an output only, and the token is replaced, new before old, once
 * the clock is inside the early-rotation window.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  createToken,
  deleteToken,
  listTokens,
  readToken,
  updateToken,
  type TokenResponse,
} from "../api/tokens";
import { clock } from "../clock";
import { withContext } from "../client/context";
import { isAlreadyExistsError, isConflictError, isNotFoundError } from "../client/errors";
import {
  newGeneration,
  readyForRotation,
  rotatesEitherSide,
  rotationDiff,
  rotationField,
  rotationOf,
  rotationRule,
  sameInstant,
  suffixedNameFailure,
  type Rotation,
  type RotationArgs,
} from "./rotation";
import { regionRule, rfc3339Rule } from "./rules";
import {
  compact,
  createWithRecovery,
  defineResource,
  deleteAndMakeAgain,
  norms,
  refusedArgumentSentence,
  refusedRequest,
} from "./toolkit";

export interface TokenArgs {
  /** Region of the access policy. Changing it replaces the token. */
  region: pulumi.Input<string>;
  /** The policy the token belongs to (`AccessPolicy.policyId`). Changing it replaces the token. */
  accessPolicyId: pulumi.Input<string>;
  /** 1-255 of `a-z 0-9 - _`, unique per org and region. Changing it replaces the token. */
  name: pulumi.Input<string>;
  /** Shown in the UI; defaults to `name`. Updated in place. */
  displayName?: pulumi.Input<string>;
  /**
   * RFC 3339 expiry, in the future when set; absent: never expires. Updated in place. Not with
   * `rotation`, which sets the expiry itself.
   */
  expiresAt?: pulumi.Input<string>;
  /**
   * Renew the token before it expires: it is made to expire `expireAfterSeconds` after its
   * creation, under the name `<name>-<expiry>` (e.g. `ci-20261202t153000z`, output `tokenName`),
   * and once fewer than `earlyRotationSeconds` remain, the next `pulumi up` makes a new token and
   * then deletes the old one. Changing `expireAfterSeconds`, or adding or removing `rotation`,
   * replaces the token; `earlyRotationSeconds` alone is updated in place.
   */
  rotation?: pulumi.Input<RotationArgs>;
}

const NAME_RULE = "must be 1-255 characters of lowercase letters, digits, '-' and '_'";
/** The API's policy ids are UUIDs; the rule allows their alphabet, with a length cap. */
const POLICY_ID_RULE =
  "must be the id of an access policy (AccessPolicy.policyId): 1-255 letters, digits, '-' and '_'";

export const tokenInputs = z.strictObject({
  region: regionRule,
  accessPolicyId: z.string({ error: POLICY_ID_RULE }).regex(/^[A-Za-z0-9_-]{1,255}$/, POLICY_ID_RULE),
  name: z.string({ error: NAME_RULE }).regex(/^[a-z0-9_-]{1,255}$/, NAME_RULE),
  displayName: z
    .string()
    .min(1, "must be 1-255 characters long")
    .max(255, "must be 1-255 characters long")
    .optional(),
  expiresAt: rfc3339Rule.optional(),
  rotation: rotationRule.optional(),
  adoptExisting: z
    .literal(false, {
      error:
        "tokens cannot be adopted: the API shows a token's secret only when it is created, so an adopted " +
        "token would have no value. Remove adoptExisting, or delete the existing token and let Pulumi create it",
    })
    .optional(),
});
export type TokenInputs = z.output<typeof tokenInputs>;

export const tokenOutputs = tokenInputs.omit({ adoptExisting: true }).extend({
  displayName: z.string(),
  /** The secret value; shown by the API only at creation. */
  token: z.string(),
  tokenId: z.string(),
  /** The name the token has at the API: `name`, suffixed with the expiry when rotating. */
  tokenName: z.string(),
  /** Whether the clock was inside the early-rotation window when last read; false without rotation. */
  readyForRotation: z.boolean(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type TokenOutputs = z.output<typeof tokenOutputs>;

/**
 * The outputs of the token the API answered. `declared` is the name and rotation of the program
 * (a rotating token's API name is not its declared name).
 */
function toOutputs(
  t: TokenResponse,
  region: string,
  secret: string,
  declared: { name?: unknown; rotation?: Rotation | undefined },
): TokenOutputs {
  const { rotation } = declared;
  const name = rotation && typeof declared.name === "string" ? declared.name : t.name;
  return compact({
    region,
    accessPolicyId: t.accessPolicyId,
    name,
    displayName: t.displayName ?? name,
    expiresAt: t.expiresAt,
    rotation,
    token: secret,
    tokenId: t.id,
    tokenName: t.name,
    readyForRotation: readyForRotation(rotation, t.expiresAt),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  });
}

export const token = defineResource({
  kind: "Token",
  noun: "token",
  label: "name",
  inputs: tokenInputs,
  outputs: tokenOutputs,
  derived: { displayName: "name" },
  rules: {
    region: { replace: true },
    accessPolicyId: { replace: true },
    name: { replace: true },
    displayName: {},
    expiresAt: {
      // A rotating token's expiry is its rotation's, not declared: compared only when declared
      // (which check allows only without rotation, so rotation's own rule replaces then).
      changed: (o, n, olds) => (rotationOf(olds["rotation"]) && n == null ? false : !sameInstant(o, n)),
    },
    rotation: rotationField,
  },
  // Names are unique per org and region; a rotating token's name carries its expiry, so each
  // generation's name is its own and the new one is made first.
  naturalKey: ["region", "name"],
  freshKey: rotatesEitherSide,
  secrets: ["token"],
  idOutputs: { tokenId: { as: "string" } },
  hooks: {
    // "In the future" is a rule for a new expiry; an unchanged one that has since passed is left
    // to refresh, which drops the expired token.
    check: ({ expiresAt, rotation, name }, olds) => {
      if (rotation) {
        return [
          ...(expiresAt
            ? [
                {
                  property: "expiresAt",
                  reason:
                    "expiresAt: cannot be combined with rotation, which sets each token's expiry " +
                    "(rotation.expireAfterSeconds after it is made): remove one of them",
                },
              ]
            : []),
          ...suffixedNameFailure(name, 255),
        ];
      }
      return expiresAt &&
        norms.instant(expiresAt) !== norms.instant(olds["expiresAt"]) &&
        Date.parse(expiresAt) <= clock.now()
        ? [{ property: "expiresAt", reason: `expiresAt: must be in the future (got ${expiresAt})` }]
        : [];
    },
    diff: rotationDiff("expiresAt"),
  },

  async create(inputs, { client }) {
    const { region, accessPolicyId, rotation } = inputs;
    // A rotating token is made under its generation's name and expiry; recovery looks for that name.
    const generation = rotation ? newGeneration(inputs.name, rotation) : undefined;
    const name = generation?.name ?? inputs.name;
    const expiresAt = generation ? new Date(generation.expiresAtMs).toISOString() : inputs.expiresAt;
    const where = `creating token "${name}" in region ${region}`;
    const t = await createWithRecovery({
      where,
      budgetMs: client.retryBudgetMs,
      make: () =>
        createToken(
          client,
          region,
          compact({ accessPolicyId, name, displayName: inputs.displayName, expiresAt }),
        ),
      // A token whose answer was lost has a secret nobody can read: it is deleted and made again.
      recovery: deleteAndMakeAgain({
        look: "at once",
        what: "token",
        sameKey: "of this name",
        fix: "delete it and run again",
        identity: `a token named "${name}" of access policy ${accessPolicyId} in region ${region}`,
        cleanup:
          `delete that token (in the Grafana Cloud portal under Administration, Access policies, or with ` +
          `DELETE /api/v1/tokens/{id}?region=${region}), then run \`pulumi up\` again; its secret was never seen`,
        find: async () =>
          (await listTokens(client, region, { accessPolicyId, name })).filter((x) => x.name === name),
        createdAt: (found) => found.createdAt,
        remove: (found) =>
          deleteToken(client, region, found.id).catch((e: unknown) => {
            if (!isNotFoundError(e)) throw e;
          }),
        describe: (found) => `id ${found.id}`,
      }),
      // Bad arguments never reach this: createWithRecovery reports them as such.
      async onFailure(e) {
        // An unknown access policy (or region): the service answers 404, the contract a 409 that
        // reads as a bad argument.
        if (isNotFoundError(e)) throw withContext(e, `${where}: ${refusedArgumentSentence(e)}`);
        if (!isConflictError(e)) return undefined;
        // Whether the name is taken is looked up, not read from the wording of the 409.
        const held = await listTokens(client, region, { name }).then(
          (found) => found.some((x) => x.name === name),
          () => undefined,
        );
        if (held === false || (held === undefined && !isAlreadyExistsError(e))) {
          throw withContext(e, `${where}: ${refusedRequest(e)}`);
        }
        throw withContext(
          e,
          `${where}: a token with this name already exists (perhaps left by an interrupted run). Tokens cannot ` +
            `be adopted (their secret is shown only at creation): delete the existing token or choose another name`,
        );
      },
    });
    return { id: t.id, outs: toOutputs(t, region, t.token, inputs) };
  },

  // GET never returns the secret: the one from create is kept. Expired tokens are deleted by the
  // service, so they read as gone.
  async read(id, props, { client }) {
    const region = String(props["region"]);
    return toOutputs(await readToken(client, region, id), region, String(props["token"] ?? ""), {
      name: props["name"],
      rotation: rotationOf(props["rotation"]),
    });
  },

  async update(id, olds, inputs, { client }) {
    // A rotating token keeps the expiry it was made with (null would clear it).
    const kept = typeof olds["expiresAt"] === "string" ? olds["expiresAt"] : null;
    const t = await updateToken(client, inputs.region, id, {
      displayName: inputs.displayName,
      expiresAt: inputs.rotation ? kept : (inputs.expiresAt ?? null),
    });
    return toOutputs(t, inputs.region, String(olds["token"] ?? ""), inputs);
  },

  async delete(id, props, { client }) {
    await deleteToken(client, String(props["region"]), id);
  },
});
