/**
 * Lookup functions: plain async functions for Pulumi programs (or any script) that read Grafana
 * Cloud objects without managing them. They resolve credentials like the resources do
 * (config.ts: Pulumi config, then environment) and throw the same typed errors, with a message
 * that names the lookup.
 */
import type { AccessPolicyResponse } from "./api/accessPolicies";
import type { PluginInstallationResponse } from "./api/plugins";
import type { ServiceAccountItem } from "./api/serviceAccounts";
import type { Region, StackResponse } from "./api/stacks";
import { getClient } from "./config";
import { withContext } from "./client/context";
import { isInvalidArgumentError, isNotFoundError } from "./client/errors";

// The API modules (and their response schemas) load at a lookup's first call, not with the
// package: a program that makes no lookup loads no schema library. (`require`, not `import()`,
// which would load them as ES modules, which Jest cannot.)
const api = {
  stacks: () => require("./api/stacks") as typeof import("./api/stacks"),
  accessPolicies: () => require("./api/accessPolicies") as typeof import("./api/accessPolicies"),
  plugins: () => require("./api/plugins") as typeof import("./api/plugins"),
  serviceAccounts: () => require("./api/serviceAccounts") as typeof import("./api/serviceAccounts"),
};

export type StackInfo = StackResponse;
export type StackRegion = Region;
export type AccessPolicyInfo = AccessPolicyResponse;
export type PluginInstallationInfo = PluginInstallationResponse;
/**
 * A service account as the search answers it: `id` and `name` always; `login`, `orgId`, `role`,
 * `isDisabled` and `tokens` when the service answers them (Grafana does; the contract promises
 * only `id` and `name`).
 */
export type StackServiceAccountInfo = ServiceAccountItem;

/**
 * The stack with this slug (or numeric id), as `GET /api/instances/{slug}` answers it. A deleted
 * stack is still returned for a while, with `status: "deleted"`; an unknown one throws
 * `NotFoundError`.
 */
export async function getStack(args: { slug: string }): Promise<StackInfo> {
  try {
    return await api.stacks().getStack(getClient(), args.slug);
  } catch (e) {
    throw withContext(e, `getStack("${args.slug}")`);
  }
}

/** The regions a stack can be created in (`GET /api/stack-regions`). */
export async function getStackRegions(): Promise<StackRegion[]> {
  try {
    return await api.stacks().listRegions(getClient());
  } catch (e) {
    throw withContext(e, "getStackRegions()");
  }
}

const SEE_REGIONS = "getStackRegions() lists the regions";

/**
 * An unknown region in a v1 (access policy, token) call: the service answers 404 "stack region not
 * found"; the contract, which documents no 404 for lists, a 409 that reads as a bad argument.
 */
function unknownRegion(e: unknown): boolean {
  const message = e instanceof Error ? String((e as { apiMessage?: unknown }).apiMessage ?? "") : "";
  return isNotFoundError(e) || (isInvalidArgumentError(e) && /region/i.test(message));
}

/**
 * The access policies of the org in one region, every page followed; with `name`, only the policy
 * of that exact name (names are unique per org and region, so at most one).
 */
export async function getAccessPolicies(args: {
  region: string;
  name?: string;
}): Promise<AccessPolicyInfo[]> {
  const what =
    args.name === undefined
      ? `getAccessPolicies({ region: "${args.region}" })`
      : `getAccessPolicies({ region: "${args.region}", name: "${args.name}" })`;
  try {
    const found = await api
      .accessPolicies()
      .listAccessPolicies(getClient(), args.region, args.name === undefined ? {} : { name: args.name });
    // The API filters by exact name; filtering again keeps that promise even against a service
    // that ignored the filter.
    return args.name === undefined ? found : found.filter((p) => p.name === args.name);
  } catch (e) {
    throw withContext(
      e,
      unknownRegion(e) ? `${what}: the API does not know region "${args.region}"; ${SEE_REGIONS}` : what,
    );
  }
}

/** The plugins installed on a stack (`GET /api/instances/{stack}/plugins`), with installed and latest versions. */
export async function getPluginInstallations(args: { stackSlug: string }): Promise<PluginInstallationInfo[]> {
  try {
    return await api.plugins().listPluginInstallations(getClient(), args.stackSlug);
  } catch (e) {
    throw withContext(e, `getPluginInstallations({ stackSlug: "${args.stackSlug}" })`);
  }
}

/**
 * The service accounts of a stack (`GET /api/instances/{stack}/api/serviceaccounts/search`), every
 * page followed; with `name`, only the account of that exact name (names are unique per stack, so
 * at most one). Needs the access policy scope `stack-service-accounts:write`, as every
 * service-account call does.
 */
export async function getStackServiceAccounts(args: {
  stackSlug: string;
  name?: string;
}): Promise<StackServiceAccountInfo[]> {
  const what =
    args.name === undefined
      ? `getStackServiceAccounts({ stackSlug: "${args.stackSlug}" })`
      : `getStackServiceAccounts({ stackSlug: "${args.stackSlug}", name: "${args.name}" })`;
  try {
    const found = await api
      .serviceAccounts()
      .searchServiceAccounts(
        getClient(),
        args.stackSlug,
        args.name === undefined ? {} : { query: args.name },
      );
    // The search matches parts of names and logins: only the exact name is asked for.
    return args.name === undefined ? found : found.filter((a) => a.name === args.name);
  } catch (e) {
    throw withContext(e, what);
  }
}
