/**
 * Token: an access-policy token (cloud-api.md "Create a token"). `displayName` and `expiresAt` are
 * updated in place (the API allows it; the Terraform provider replaces on `expires_at`); `region`,
 * `accessPolicyId` and `name` replace. The secret `token` is returned by create only and kept in
 * state from then on.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  createToken,
  deleteToken,
  getToken,
  listTokens,
  updateToken,
  type TokenResponse,
} from "../api/tokens";
import { isConflictError, isNotFoundError, isOutcomeUnknown } from "../client/errors";
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
  madeSince,
  afterLostResponse,
  idOutput,
} from "./framework";
import { regionRule, rfc3339Rule } from "./rules";
import { providerStub } from "./stub";

export interface TokenArgs {
  /** Region of the access policy. Changing it replaces the token. */
  region: pulumi.Input<string>;
  /** The policy the token belongs to (`AccessPolicy.policyId`). Changing it replaces the token. */
  accessPolicyId: pulumi.Input<string>;
  /** 1-255 of `a-z 0-9 - _`, unique per org and region. Changing it replaces the token. */
  name: pulumi.Input<string>;
  /** Shown in the UI; defaults to `name`. Updated in place. */
  displayName?: pulumi.Input<string>;
  /** RFC 3339 expiry, in the future when set; absent: never expires. Updated in place. */
  expiresAt?: pulumi.Input<string>;
}

const NAME_RULE = "must be 1-255 characters of lowercase letters, digits, '-' and '_'";

export const tokenInputs = z.strictObject({
  region: regionRule,
  accessPolicyId: z
    .string({ error: "must be the id of an access policy" })
    .min(1, "must be the id of an access policy"),
  name: z.string({ error: NAME_RULE }).regex(/^[a-z0-9_-]{1,255}$/, NAME_RULE),
  displayName: z
    .string()
    .min(1, "must be 1-255 characters long")
    .max(255, "must be 1-255 characters long")
    .optional(),
  expiresAt: rfc3339Rule.optional(),
  adoptExisting: z
    .literal(false, {
      error:
        "tokens cannot be adopted: the API shows a token's secret only when it is created, so an adopted " +
        "token would have no value. Remove adoptExisting, or delete the existing token and let Pulumi create it",
    })
    .optional(),
});
export type TokenInputs = z.output<typeof tokenInputs>;

export interface TokenOutputs extends TokenInputs {
  displayName: string;
  token: string;
  tokenId: string;
  createdAt?: string;
  updatedAt?: string;
}

export const tokenRules: Record<string, FieldRule> = {
  region: { replace: true },
  accessPolicyId: { replace: true },
  name: { replace: true },
  displayName: {},
  expiresAt: { norm: norms.instant },
};

function defaults(raw: Record<string, unknown>): Record<string, unknown> {
  return raw["displayName"] === undefined && raw["name"] !== undefined
    ? { ...raw, displayName: raw["name"] }
    : raw;
}

function toOutputs(t: TokenResponse, region: string, secret: string): TokenOutputs {
  return compact({
    region,
    accessPolicyId: t.accessPolicyId,
    name: t.name,
    displayName: t.displayName ?? t.name,
    expiresAt: t.expiresAt ?? undefined,
    token: secret,
    tokenId: t.id,
    createdAt: t.createdAt ?? undefined,
    updatedAt: t.updatedAt ?? undefined,
  }) as TokenOutputs;
}

export const tokenProvider = {
  async check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.CheckResult> {
    const checked = validate(tokenInputs, news, defaults);
    const expiresAt = checked.value?.expiresAt;
    // "In the future" is a rule for a new expiry; an unchanged one that has since passed is left
    // to refresh, which drops the expired token.
    if (
      expiresAt &&
      norms.instant(expiresAt) !== norms.instant(olds["expiresAt"]) &&
      Date.parse(expiresAt) <= Date.now()
    ) {
      checked.failures.push({
        property: "expiresAt",
        reason: `expiresAt: must be in the future (got ${expiresAt})`,
      });
    }
    return checkResult(checked);
  },

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    const d = diffFields(tokenRules, olds, news);
    // Names are unique per org and region: a replacement that keeps both (a new accessPolicyId)
    // must delete the old token first or the new one would clash.
    const keyKept = !d.replaces.includes("name") && !d.replaces.includes("region");
    return diffResult(d, keyKept);
  },

  async create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = parseInputs(tokenInputs, raw);
    const client = getClient();
    const where = `creating token "${inputs.name}" in region ${inputs.region}`;
    const body = compact({
      accessPolicyId: inputs.accessPolicyId,
      name: inputs.name,
      displayName: inputs.displayName ?? inputs.name,
      expiresAt: inputs.expiresAt,
    });
    for (let attempt = 1; ; attempt++) {
      const startedAt = Date.now();
      try {
        const t = await createToken(client, inputs.region, body);
        return { id: t.id, outs: toOutputs(t, inputs.region, t.token) };
      } catch (e) {
        if (isConflictError(e)) {
          throw withContext(
            e,
            `${where}: a token with this name already exists (perhaps left by an interrupted run). Tokens cannot ` +
              `be adopted (their secret is shown only at creation): delete the existing token or choose another name`,
          );
        }
        if (!isOutcomeUnknown(e) || attempt >= 3) throw withContext(e, where);
        // The response was lost, and with it the only copy of the secret. A token made by this
        // attempt is useless to us: delete it, then create again, so no orphan is left.
        const found = await afterLostResponse(where, "token", "delete it and run again", async () =>
          (
            await listTokens(client, inputs.region, {
              accessPolicyId: inputs.accessPolicyId,
              name: inputs.name,
            })
          ).filter((t) => t.name === inputs.name),
        );
        for (const t of found) {
          if (!madeSince(t.createdAt, startedAt)) {
            throw withContext(
              e,
              `${where}: the response was lost and a token of this name already existed before`,
            );
          }
          await deleteToken(client, inputs.region, t.id).catch((err: unknown) => {
            if (!isNotFoundError(err))
              throw withContext(err, `${where}: deleting the token the lost attempt made`);
          });
        }
      }
    }
  },

  async read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const region = String(props["region"]);
    try {
      const t = await getToken(getClient(), region, id);
      // GET never returns the secret: keep the one from create.
      const outs = toOutputs(t, region, String(props["token"] ?? ""));
      const { token: _t, tokenId: _i, createdAt: _c, updatedAt: _u, ...inputs } = outs;
      return { id, props: outs, inputs };
    } catch (e) {
      // Expired tokens are deleted by the service (real-api-behaviour.md "Tokens").
      if (isNotFoundError(e)) return {};
      throw withContext(e, `reading token ${id}`);
    }
  },

  async update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const inputs = parseInputs(tokenInputs, news);
    try {
      const t = await updateToken(getClient(), inputs.region, id, {
        displayName: inputs.displayName ?? inputs.name,
        expiresAt: inputs.expiresAt ?? null,
      });
      return { outs: toOutputs(t, inputs.region, String(olds["token"] ?? "")) };
    } catch (e) {
      throw withContext(e, `updating token "${inputs.name}" (${id})`);
    }
  },

  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    try {
      await deleteToken(getClient(), String(props["region"]), id);
    } catch (e) {
      if (isNotFoundError(e)) return;
      throw withContext(e, `deleting token "${String(props["name"])}" (${id})`);
    }
  },
};

/** An access-policy token. Its `token` output is a secret. */
export class Token extends pulumi.dynamic.Resource {
  declare readonly region: pulumi.Output<string>;
  declare readonly accessPolicyId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string | undefined>;
  /** The secret value; shown by the API only at creation. */
  declare readonly token: pulumi.Output<string>;
  declare readonly tokenId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: TokenArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerStub("Token"),
      name,
      withOutputs(args, ["displayName", "expiresAt", "token", "tokenId", "createdAt", "updatedAt"]),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }),
      "grafana-cloud",
      "Token",
    ); // See idOutput: keeps dependents known while an update is previewed.
    (this as { tokenId: pulumi.Output<string> }).tokenId = idOutput(this, (id) => id);
  }
}
