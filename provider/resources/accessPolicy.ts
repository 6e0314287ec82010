/**
 * AccessPolicy: a Grafana Cloud access policy. Replaced when `region` or `name` changes; everything
 * else is updated in place.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  createAccessPolicy,
  deleteAccessPolicy,
  listAccessPolicies,
  readAccessPolicy,
  updateAccessPolicy,
  type AccessPolicyResponse,
} from "../api/accessPolicies";
import { withContext } from "../client/context";
import { isAlreadyExistsError, isConflictError, isNotFoundError } from "../client/errors";
import type { ApiClient } from "../client/http";
import { regionRule } from "./rules";
import {
  adoptWhatThisAttemptMade,
  compact,
  createWithRecovery,
  defineResource,
  listOf,
  norms,
  PartialFailureError,
  propOf,
  refusedArgumentSentence,
  refusedRequest,
  type Resolved,
} from "./toolkit";

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
const REALM_ID_RULE = "must be the numeric id of the org or stack (1-19 digits), as a string";

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
          // A number past 2^53 has already lost digits (2**53 + 1 reads as 2**53): refused, not rounded.
          .refine((v) => typeof v === "string" || (Number.isSafeInteger(v) && v >= 0), {
            error:
              `a number must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, where JavaScript holds ` +
              "every digit; give larger ids as strings",
            abort: true,
          })
          .transform(String)
          .pipe(z.string().regex(/^\d{1,19}$/, REALM_ID_RULE)),
        labelPolicies: z
          .array(z.strictObject({ selector: z.string().trim().min(1, "must not be empty") }))
          .optional(),
      }),
      { error: "must be a list of realms" },
    )
    .min(1, "must list at least one realm"),
  conditions: z
    .strictObject({
      // `{}` and `[]` both clear the subnets in an update.
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

export const accessPolicyOutputs = accessPolicyInputs.extend({
  displayName: z.string(),
  /** As the API holds them: its realm types and status are not narrowed to the ones we send. */
  realms: z.array(
    z.object({
      type: z.string(),
      identifier: z.string(),
      labelPolicies: z.array(z.object({ selector: z.string() })).optional(),
    }),
  ),
  status: z.string(),
  /** The policy id (a UUID), also the resource id. */
  policyId: z.string(),
  /** Optional in the contract's answers. */
  orgId: z.string().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type AccessPolicyOutputs = z.output<typeof accessPolicyOutputs>;

type Inputs = Resolved<AccessPolicyInputs, "displayName">;

/** A realm compared as its type, identifier and set of selectors. */
const normRealm = (r: unknown) => ({
  type: propOf(r, "type"),
  identifier: String(propOf(r, "identifier")),
  labelPolicies: [...new Set(listOf(propOf(r, "labelPolicies")).map((l) => propOf(l, "selector")))].sort(),
});

function realmsBody(realms: AccessPolicyInputs["realms"]) {
  return realms.map((r) =>
    compact({
      type: r.type,
      identifier: r.identifier,
      labelPolicies: r.labelPolicies?.map((l) => ({ ...l })),
    }),
  );
}

type Realms = AccessPolicyOutputs["realms"];
const realmsOutput = accessPolicyOutputs.shape.realms;

/**
 * The realms as the API holds them. The contract makes a realm's `type` and `identifier` optional
 * in answers; where the answer leaves either out, the realms we sent (or last recorded) stand in,
 * since the API accepted them as they are, so a thin answer does not show as drift.
 */
function realmsOf(p: AccessPolicyResponse, known: Realms): Realms {
  const answered: Realms = [];
  for (const r of p.realms) {
    if (r.type === undefined || r.identifier === undefined) return known;
    const selectors = (r.labelPolicies ?? []).flatMap((l) => (l.selector === undefined ? [] : [l.selector]));
    answered.push(
      compact({
        type: r.type,
        identifier: r.identifier,
        labelPolicies: selectors.length > 0 ? selectors.map((selector) => ({ selector })) : undefined,
      }),
    );
  }
  return answered;
}

/** What an earlier step recorded, for the fields a thin answer may lack. */
interface Known {
  realms: Realms;
  orgId?: string | undefined;
}

function knownFrom(props: Record<string, unknown>): Known {
  const realms = realmsOutput.safeParse(props["realms"]);
  const orgId = props["orgId"];
  return { realms: realms.success ? realms.data : [], orgId: typeof orgId === "string" ? orgId : undefined };
}

function toOutputs(
  p: AccessPolicyResponse,
  region: string,
  adoptExisting: boolean,
  known: Known,
): AccessPolicyOutputs {
  const subnets = p.conditions?.allowedSubnets ?? [];
  return compact({
    region,
    name: p.name,
    displayName: p.displayName ?? p.name,
    scopes: p.scopes,
    realms: realmsOf(p, known.realms),
    conditions: subnets.length > 0 ? { allowedSubnets: subnets } : undefined,
    status: p.status ?? "active",
    adoptExisting,
    policyId: p.id,
    orgId: p.orgId ?? known.orgId,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  });
}

function updateBody(i: Inputs) {
  return compact({
    displayName: i.displayName,
    scopes: i.scopes,
    realms: realmsBody(i.realms),
    conditions:
      i.conditions && i.conditions.allowedSubnets.length > 0
        ? { allowedSubnets: i.conditions.allowedSubnets }
        : {},
    status: i.status,
  });
}

/** A new policy is active; any other status is set by an update right after. */
async function withStatus(client: ApiClient, p: AccessPolicyResponse, inputs: Inputs) {
  return (p.status ?? "active") === inputs.status
    ? p
    : updateAccessPolicy(client, inputs.region, p.id, updateBody(inputs));
}

const LOOKUP_FAILED = Symbol("lookup failed");

async function findByName(client: ApiClient, region: string, name: string) {
  const found = await listAccessPolicies(client, region, { name });
  return found.find((p) => p.name === name);
}

export const accessPolicy = defineResource({
  kind: "AccessPolicy",
  noun: "access policy",
  label: "name",
  inputs: accessPolicyInputs,
  outputs: accessPolicyOutputs,
  derived: { displayName: "name" },
  rules: {
    region: { replace: true },
    name: { replace: true },
    displayName: {},
    scopes: { norm: norms.set() },
    realms: { norm: norms.set(normRealm) },
    conditions: { norm: (c) => norms.set()(propOf(c, "allowedSubnets")) },
    status: {},
  },
  // Names are unique per org and region.
  naturalKey: ["region", "name"],
  idOutputs: { policyId: { as: "string" } },

  async create(inputs, { client }) {
    const { region, name } = inputs;
    const where = `creating access policy "${name}" in region ${region}`;
    const made = await createWithRecovery({
      where,
      budgetMs: client.retryBudgetMs,
      make: () =>
        createAccessPolicy(
          client,
          region,
          compact({
            name,
            displayName: inputs.displayName,
            scopes: inputs.scopes,
            realms: realmsBody(inputs.realms),
            conditions:
              inputs.conditions && inputs.conditions.allowedSubnets.length > 0
                ? inputs.conditions
                : undefined,
          }),
        ),
      recovery: adoptWhatThisAttemptMade({
        look: "at once",
        what: "access policy",
        sameKey: "of this name",
        fix: "set adoptExisting: true",
        identity: `an access policy named "${name}" in region ${region}`,
        cleanup:
          `set adoptExisting: true and run \`pulumi up\` again to take it over, or delete it (in the Grafana Cloud ` +
          `portal under Administration, Access policies, or with DELETE /api/v1/accesspolicies/{id}?region=${region})`,
        find: () => findByName(client, region, name),
        createdAt: (found) => found.createdAt,
        take: async (found) => found,
      }),
      // Bad arguments never reach this: createWithRecovery reports them as such.
      async onFailure(e) {
        // The service answers an unknown region with 404 (the contract, with a 409 that reads as a
        // bad argument).
        if (isNotFoundError(e)) throw withContext(e, `${where}: ${refusedArgumentSentence(e)}`);
        if (!isConflictError(e)) return undefined;
        // Whether the name is taken is looked up, not read from the wording of the 409.
        const existing = await findByName(client, region, name).catch(
          (): typeof LOOKUP_FAILED => LOOKUP_FAILED,
        );
        if (existing === undefined && !isAlreadyExistsError(e)) {
          throw withContext(e, `${where}: ${refusedRequest(e)}`);
        }
        if (existing !== undefined && existing !== LOOKUP_FAILED && inputs.adoptExisting) {
          return { done: await updateAccessPolicy(client, region, existing.id, updateBody(inputs)) };
        }
        throw withContext(
          e,
          `${where}: an access policy with this name already exists in this org and region (perhaps made by ` +
            `an interrupted run). Set adoptExisting: true to take it over, or choose another name`,
        );
      },
    });
    const known = { realms: inputs.realms };
    // The policy exists from here on: a failure to set its status must not orphan it.
    let p: AccessPolicyResponse;
    try {
      p = await withStatus(client, made, inputs);
    } catch (e) {
      throw new PartialFailureError(
        `${where}: the policy was created (id ${made.id}) but setting its status to ${inputs.status} failed; it ` +
          `is recorded in state, and the next \`pulumi up\` sets the status: ${e instanceof Error ? e.message : String(e)}`,
        made.id,
        toOutputs(made, region, inputs.adoptExisting, known),
      );
    }
    return { id: p.id, outs: toOutputs(p, region, inputs.adoptExisting, known) };
  },

  async read(id, props, { client }) {
    const region = String(props["region"]);
    const p = await readAccessPolicy(client, region, id);
    return toOutputs(p, region, Boolean(props["adoptExisting"]), knownFrom(props));
  },

  async update(id, olds, inputs, { client }) {
    return toOutputs(
      await updateAccessPolicy(client, inputs.region, id, updateBody(inputs)),
      inputs.region,
      inputs.adoptExisting,
      {
        ...knownFrom(olds),
        realms: inputs.realms,
      },
    );
  },

  async delete(id, props, { client }) {
    await deleteAccessPolicy(client, String(props["region"]), id);
  },
});
