/**
 * StackServiceAccount: a service account of a stack's Grafana, managed through the Cloud API's
 * instance proxy with the access-policy token. The API has no update route, so every change
 * replaces the account (and with it its tokens). Names are unique per stack: a replacement that
 * keeps the name deletes the old account first, one that changes it makes the new one first.
 *
 * The resource id is `stackSlug/serviceAccountId`: the numeric id is a user id of that stack's
 * Grafana, numbered per stack (the same number exists on every stack), and every route addresses
 * an account by stack and id, so the id alone would not find it again.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  deleteServiceAccount,
  getServiceAccount,
  SERVICE_ACCOUNT_ROLES,
  type ServiceAccountResponse,
  type ServiceAccountRole,
} from "../api/serviceAccounts";
import { withContext } from "../client/context";
import { slugRule } from "./rules";
import { accountMatches, findServiceAccount, makeServiceAccount } from "./serviceAccountSteps";
import { compact, defineResource, type Props } from "./toolkit";

export interface StackServiceAccountArgs {
  /** Slug of the stack whose Grafana holds the account. Changing it replaces the account. */
  stackSlug: pulumi.Input<string>;
  /** Unique per stack. Changing it replaces the account (the new one is made first). */
  name: pulumi.Input<string>;
  /** The account's org role: `Viewer`, `Editor`, `Admin` or `None`. Changing it replaces the account. */
  role: pulumi.Input<ServiceAccountRole>;
  /** A disabled account's tokens do not authenticate. Default false. Changing it replaces the account. */
  isDisabled?: pulumi.Input<boolean>;
  /**
   * Take over an account of this name that already exists on the stack, instead of failing. Its
   * role and disabled flag must be the declared ones (the API cannot change them).
   */
  adoptExisting?: pulumi.Input<boolean>;
}

export const SERVICE_ACCOUNT_ROLE_RULE = 'must be "Viewer", "Editor", "Admin" or "None"';
const NAME_RULE = "must be a non-empty string of at most 255 characters";

export const stackServiceAccountInputs = z.strictObject({
  stackSlug: slugRule,
  name: z.string({ error: NAME_RULE }).max(255, NAME_RULE).regex(/\S/, NAME_RULE),
  role: z.enum(SERVICE_ACCOUNT_ROLES, { error: SERVICE_ACCOUNT_ROLE_RULE }),
  isDisabled: z.boolean({ error: "must be a boolean" }).default(false),
  adoptExisting: z.boolean({ error: "must be a boolean" }).default(false),
});
export type StackServiceAccountInputs = z.output<typeof stackServiceAccountInputs>;

export const stackServiceAccountOutputs = stackServiceAccountInputs.extend({
  /** As the stack holds it, read back on refresh. */
  role: z.string(),
  /** The account's numeric id on its stack (a user id of the stack's Grafana). */
  serviceAccountId: z.number(),
  /** The login Grafana gave the account, e.g. `sa-1-ci-bot`. */
  login: z.string().optional(),
  /** The stack's Grafana org the account belongs to. */
  orgId: z.number().optional(),
});
export type StackServiceAccountOutputs = z.output<typeof stackServiceAccountOutputs>;

/** `stackSlug/serviceAccountId`, the resource id. */
export function parseStackServiceAccountId(id: string): { stackSlug: string; serviceAccountId: number } {
  const m = /^([^/]+)\/(\d+)$/.exec(id);
  if (!m || m[1] === undefined || m[2] === undefined) {
    throw new Error(`service account id "${id}" is not of the form stackSlug/serviceAccountId`);
  }
  return { stackSlug: m[1], serviceAccountId: Number(m[2]) };
}

/** The outputs: what the answer says, the declaration where the answer is silent. */
function toOutputs(
  sa: ServiceAccountResponse,
  inputs: StackServiceAccountInputs,
): StackServiceAccountOutputs {
  return compact({
    stackSlug: inputs.stackSlug,
    name: sa.name ?? inputs.name,
    role: sa.role ?? inputs.role,
    isDisabled: sa.isDisabled ?? inputs.isDisabled,
    adoptExisting: inputs.adoptExisting,
    serviceAccountId: sa.id,
    login: sa.login,
    orgId: sa.orgId,
  });
}

/** The declared inputs as far as stored outputs hold them (for read). */
function storedInputs(props: Props, stackSlug: string): StackServiceAccountInputs {
  const role = SERVICE_ACCOUNT_ROLES.find((r) => r === props["role"]) ?? "Viewer";
  return {
    stackSlug,
    name: typeof props["name"] === "string" ? props["name"] : "",
    role,
    isDisabled: props["isDisabled"] === true,
    adoptExisting: props["adoptExisting"] === true,
  };
}

export const stackServiceAccount = defineResource({
  kind: "StackServiceAccount",
  noun: "service account",
  label: "name",
  inputs: stackServiceAccountInputs,
  outputs: stackServiceAccountOutputs,
  // No update route: every field replaces.
  rules: {
    stackSlug: { replace: true },
    name: { replace: true },
    role: { replace: true },
    isDisabled: { replace: true },
  },
  // Names are unique per stack.
  naturalKey: ["stackSlug", "name"],
  idOutputs: { serviceAccountId: { part: 1, as: "number" } },

  async create(inputs, { client }) {
    const { stackSlug, name, role, isDisabled } = inputs;
    const body = { name, role, isDisabled };
    const where = `creating service account "${name}" on stack "${stackSlug}"`;
    const sa = await makeServiceAccount(client, stackSlug, body, {
      where,
      fix: "set adoptExisting: true",
      async onTaken(e) {
        const existing = inputs.adoptExisting ? await findServiceAccount(client, stackSlug, name) : undefined;
        if (existing && accountMatches(existing, body)) return { done: existing };
        if (existing) {
          throw withContext(
            e,
            `${where}: the existing account has role ${existing.role ?? "(unknown)"} and isDisabled ` +
              `${String(existing.isDisabled ?? "(unknown)")}, the declaration role ${role} and isDisabled ` +
              `${String(isDisabled)}; the API cannot change an account, so it cannot be adopted as declared. ` +
              `Declare it as it is to adopt it, or delete it and let Pulumi create it`,
          );
        }
        throw withContext(
          e,
          `${where}: a service account with this name already exists on the stack (perhaps made by an ` +
            `interrupted run). Set adoptExisting: true to take it over, or choose another name`,
        );
      },
    });
    return { id: `${stackSlug}/${sa.id}`, outs: toOutputs(sa, inputs) };
  },

  async read(id, props, { client }) {
    const { stackSlug, serviceAccountId } = parseStackServiceAccountId(id);
    // A 404 (the account or its stack is gone) reads as gone.
    return toOutputs(
      await getServiceAccount(client, stackSlug, serviceAccountId),
      storedInputs(props, stackSlug),
    );
  },

  async delete(id, _props, { client }) {
    const { stackSlug, serviceAccountId } = parseStackServiceAccountId(id);
    // Grafana deletes the account's tokens with it.
    await deleteServiceAccount(client, stackSlug, serviceAccountId);
  },
});
