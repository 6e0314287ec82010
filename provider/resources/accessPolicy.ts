/**
 * AccessPolicy: a Grafana Cloud access policy (cloud-api.md "Access policies and tokens").
 * Replaced when `region` or `name` changes; everything else is updated in place.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  createAccessPolicy,
  deleteAccessPolicy,
  getAccessPolicy,
  listAccessPolicies,
  updateAccessPolicy,
  type AccessPolicyResponse,
  type RealmBody,
} from "../api/accessPolicies";
import { getClient } from "../config";
import { isConflictError, isNotFoundError, isOutcomeUnknown } from "../client/errors";
import {
  checkResult,
  compact,
  diffFields,
  diffResult,
  norms,
  validate,
  withContext,
  type FieldRule,
  withOutputs,
  parseInputs,
  madeSince,
  afterLostResponse,
  idOutput,
} from "./framework";
import { regionRule } from "./rules";
import { providerStub } from "./stub";

export interface LabelPolicyArgs {
  /** Label selector, e.g. `{env!="dev"}`. */
  selector: pulumi.Input<string>;
}
export interface RealmArgs {
  /** `org` or `stack`. */
  type: pulumi.Input<"org" | "stack">;
  /** The numeric id of the org or stack, as a string. */
  identifier: pulumi.Input<string>;
  /** Only meaningful with read scopes for metrics and logs. */
  labelPolicies?: pulumi.Input<pulumi.Input<LabelPolicyArgs>[]>;
}
export interface AccessPolicyArgs {
  /** Region of the policy, e.g. `us`, `eu`, `prod-eu-west-3`. Changing it replaces the policy. */
  region: pulumi.Input<string>;
  /** 1-255 of `a-z 0-9 - _`, unique per org and region. Changing it replaces the policy. */
  name: pulumi.Input<string>;
  /** Shown in the UI; defaults to `name`. */
  displayName?: pulumi.Input<string>;
  /** At least one `service:permission`, e.g. `metrics:read`. Compared as a set. */
  scopes: pulumi.Input<pulumi.Input<string>[]>;
  /** At least one realm. Compared as a set. */
  realms: pulumi.Input<pulumi.Input<RealmArgs>[]>;
  /** IP ranges (CIDR) the policy's tokens may be used from; empty or absent: anywhere. */
  conditions?: pulumi.Input<{ allowedSubnets?: pulumi.Input<pulumi.Input<string>[]> }>;
  /** `active` (default) or `inactive`. */
  status?: pulumi.Input<"active" | "inactive">;
  /** Take over an existing policy of the same name in the region instead of failing. */
  adoptExisting?: pulumi.Input<boolean>;
}

const NAME_RULE = "must be 1-255 characters of lowercase letters, digits, '-' and '_'";
const SCOPE_RULE = "must have the form service:permission, e.g. metrics:read";

export const accessPolicyInputs = z.strictObject({
  region: regionRule,
  name: z.string({ error: NAME_RULE }).regex(/^[a-z0-9_-]{1,255}$/, NAME_RULE),
  displayName: z
    .string({ error: "must be a string of 1-255 characters" })
    .min(1, "must be 1-255 characters long")
    .max(255, "must be 1-255 characters long")
    .optional(),
  scopes: z
    .array(z.string({ error: SCOPE_RULE }).regex(/^[a-z0-9][a-z0-9-]*:[a-z0-9][a-z0-9-]*$/, SCOPE_RULE), {
      error: "must be a list of scopes",
    })
    .min(1, "must list at least one scope"),
  realms: z
    .array(
      z.strictObject({
        type: z.enum(["org", "stack"], { error: 'must be "org" or "stack"' }),
        identifier: z
          .union([z.string(), z.number()], { error: "must be the numeric id of the org or stack" })
          .transform(String)
          .pipe(z.string().regex(/^\d+$/, "must be the numeric id of the org or stack, as a string")),
        labelPolicies: z
          .array(z.strictObject({ selector: z.string().trim().min(1, "must not be empty") }))
          .optional(),
      }),
      { error: "must be a list of realms" },
    )
    .min(1, "must list at least one realm"),
  conditions: z
    .strictObject({
      // `{}` and `[]` both clear the subnets (cloud-api.md "Update an access policy").
      allowedSubnets: z
        .array(
          z.union([z.cidrv4(), z.cidrv6()], {
            error: "must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or 2001:db8::/32",
          }),
        )
        .default([]),
    })
    .optional(),
  status: z.enum(["active", "inactive"], { error: 'must be "active" or "inactive"' }).default("active"),
  adoptExisting: z.boolean({ error: "must be a boolean" }).default(false),
});
export type AccessPolicyInputs = z.output<typeof accessPolicyInputs>;

export interface AccessPolicyOutputs extends AccessPolicyInputs {
  displayName: string;
  policyId: string;
  orgId: string;
  createdAt?: string;
  updatedAt?: string;
}

const normRealm = (r: unknown) => {
  const realm = (r ?? {}) as {
    type?: string;
    identifier?: unknown;
    labelPolicies?: { selector?: string }[] | null;
  };
  return {
    type: realm.type,
    identifier: String(realm.identifier),
    labelPolicies: [...new Set((realm.labelPolicies ?? []).map((l) => l.selector))].sort(),
  };
};

export const accessPolicyRules: Record<string, FieldRule> = {
  region: { replace: true },
  name: { replace: true },
  displayName: {},
  scopes: { norm: norms.set() },
  realms: { norm: norms.set(normRealm) },
  conditions: { norm: (c) => norms.set()((c as { allowedSubnets?: string[] } | undefined)?.allowedSubnets) },
  status: { norm: norms.withDefault("active") },
};

function defaults(raw: Record<string, unknown>): Record<string, unknown> {
  return {
    status: "active",
    adoptExisting: false,
    ...raw,
    ...(raw["displayName"] === undefined && raw["name"] !== undefined ? { displayName: raw["name"] } : {}),
  };
}

function realmsBody(realms: AccessPolicyInputs["realms"]): RealmBody[] {
  return realms.map((r) =>
    compact({
      type: r.type,
      identifier: r.identifier,
      labelPolicies: r.labelPolicies?.map((l) => ({ ...l })),
    }),
  );
}

function toOutputs(p: AccessPolicyResponse, region: string, adoptExisting: boolean): AccessPolicyOutputs {
  const subnets = p.conditions?.allowedSubnets ?? [];
  return compact({
    region,
    name: p.name,
    displayName: p.displayName ?? p.name,
    scopes: p.scopes,
    realms: p.realms.map((r) =>
      compact({
        type: r.type as "org" | "stack",
        identifier: r.identifier,
        labelPolicies:
          r.labelPolicies && r.labelPolicies.length > 0
            ? r.labelPolicies.map((l) => ({ selector: l.selector }))
            : undefined,
      }),
    ),
    conditions: subnets.length > 0 ? { allowedSubnets: subnets } : undefined,
    status: (p.status ?? "active") as "active" | "inactive",
    adoptExisting,
    policyId: p.id,
    orgId: p.orgId,
    createdAt: p.createdAt ?? undefined,
    updatedAt: p.updatedAt ?? undefined,
  }) as AccessPolicyOutputs;
}

function updateBody(i: AccessPolicyInputs) {
  return compact({
    displayName: i.displayName ?? i.name,
    scopes: i.scopes,
    realms: realmsBody(i.realms),
    conditions:
      i.conditions && i.conditions.allowedSubnets.length > 0
        ? { allowedSubnets: i.conditions.allowedSubnets }
        : {},
    status: i.status,
  });
}

async function findByName(region: string, name: string): Promise<AccessPolicyResponse | undefined> {
  const found = await listAccessPolicies(getClient(), region, { name });
  return found.find((p) => p.name === name);
}

export const accessPolicyProvider = {
  async check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.CheckResult> {
    return checkResult(validate(accessPolicyInputs, news, defaults));
  },

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    return diffResult(diffFields(accessPolicyRules, olds, news));
  },

  async create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = parseInputs(accessPolicyInputs, raw);
    const client = getClient();
    const where = `creating access policy "${inputs.name}" in region ${inputs.region}`;
    const body = compact({
      name: inputs.name,
      displayName: inputs.displayName ?? inputs.name,
      scopes: inputs.scopes,
      realms: realmsBody(inputs.realms),
      conditions:
        inputs.conditions && inputs.conditions.allowedSubnets.length > 0 ? inputs.conditions : undefined,
    });
    for (let attempt = 1; ; attempt++) {
      const startedAt = Date.now();
      try {
        let p = await createAccessPolicy(client, inputs.region, body);
        if (inputs.status !== "active")
          p = await updateAccessPolicy(client, inputs.region, p.id, updateBody(inputs));
        return { id: p.id, outs: toOutputs(p, inputs.region, inputs.adoptExisting) };
      } catch (e) {
        if (isConflictError(e)) {
          const existing = inputs.adoptExisting ? await findByName(inputs.region, inputs.name) : undefined;
          if (existing) {
            const p = await updateAccessPolicy(client, inputs.region, existing.id, updateBody(inputs));
            return { id: p.id, outs: toOutputs(p, inputs.region, inputs.adoptExisting) };
          }
          throw withContext(
            e,
            `${where}: an access policy with this name already exists in this org and region (perhaps made by ` +
              `an interrupted run). Set adoptExisting: true to take it over, or choose another name`,
          );
        }
        if (!isOutcomeUnknown(e) || attempt >= 3) throw withContext(e, where);
        // The response was lost: the policy may exist. Names are unique per org and region, so
        // a policy of this name made since this attempt began is ours.
        const found = await afterLostResponse(where, "access policy", "set adoptExisting: true", () =>
          findByName(inputs.region, inputs.name),
        );
        if (found) {
          if (!madeSince(found.createdAt, startedAt)) {
            throw withContext(
              e,
              `${where}: the response was lost and a policy of this name already existed before`,
            );
          }
          let p = found;
          if (inputs.status !== "active")
            p = await updateAccessPolicy(client, inputs.region, p.id, updateBody(inputs));
          return { id: p.id, outs: toOutputs(p, inputs.region, inputs.adoptExisting) };
        }
      }
    }
  },

  async read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const region = String(props["region"]);
    try {
      const p = await getAccessPolicy(getClient(), region, id);
      const outs = toOutputs(p, region, Boolean(props["adoptExisting"]));
      const { policyId: _a, orgId: _b, createdAt: _c, updatedAt: _d, ...inputs } = outs;
      return { id, props: outs, inputs };
    } catch (e) {
      if (isNotFoundError(e)) return {};
      throw withContext(e, `reading access policy ${id}`);
    }
  },

  async update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const inputs = parseInputs(accessPolicyInputs, news);
    try {
      const p = await updateAccessPolicy(getClient(), inputs.region, id, updateBody(inputs));
      return { outs: toOutputs(p, inputs.region, inputs.adoptExisting) };
    } catch (e) {
      throw withContext(e, `updating access policy "${String(olds["name"])}" (${id})`);
    }
  },

  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    try {
      await deleteAccessPolicy(getClient(), String(props["region"]), id);
    } catch (e) {
      if (isNotFoundError(e)) return;
      throw withContext(e, `deleting access policy "${String(props["name"])}" (${id})`);
    }
  },
};

/** A Grafana Cloud access policy. */
export class AccessPolicy extends pulumi.dynamic.Resource {
  declare readonly region: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly scopes: pulumi.Output<string[]>;
  declare readonly realms: pulumi.Output<
    { type: string; identifier: string; labelPolicies?: { selector: string }[] }[]
  >;
  declare readonly conditions: pulumi.Output<{ allowedSubnets: string[] } | undefined>;
  declare readonly status: pulumi.Output<string>;
  declare readonly adoptExisting: pulumi.Output<boolean>;
  declare readonly policyId: pulumi.Output<string>;
  declare readonly orgId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: AccessPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerStub("AccessPolicy"),
      name,
      withOutputs(args, [
        "displayName",
        "status",
        "conditions",
        "adoptExisting",
        "policyId",
        "orgId",
        "createdAt",
        "updatedAt",
      ]),
      opts,
      "grafana-cloud",
      "AccessPolicy",
    ); // See idOutput: keeps dependents known while an update is previewed.
    (this as { policyId: pulumi.Output<string> }).policyId = idOutput(this, (id) => id);
  }
}
