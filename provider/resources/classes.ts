/**
 * The public resource classes. Each is built from its kind's class spec (classSpecs.ts, plain data)
 * and typed by the Args and outputs its resource module declares (imported as types only): so a
 * program that constructs resources loads neither the definitions nor their schema library, which
 * only the dynamic provider host runs.
 */
import type { StackArgs, StackOutputs } from "./stack";
import type { AccessPolicyArgs, AccessPolicyOutputs } from "./accessPolicy";
import type { TokenArgs, TokenOutputs } from "./token";
import type { PluginInstallationArgs, PluginInstallationOutputs } from "./pluginInstallation";
import type { StackApiKeyArgs, StackApiKeyOutputs } from "./stackApiKey";
import type { StackServiceAccountArgs, StackServiceAccountOutputs } from "./stackServiceAccount";
import type {
  StackServiceAccountTokenArgs,
  StackServiceAccountTokenOutputs,
} from "./stackServiceAccountToken";
import { CLASS_SPECS } from "./classSpecs";
import { resourceClass } from "./toolkit/resource";

/** A Grafana Cloud stack. */
export class Stack extends resourceClass<StackArgs, StackOutputs>(CLASS_SPECS.Stack) {}

/** A Grafana Cloud access policy. */
export class AccessPolicy extends resourceClass<AccessPolicyArgs, AccessPolicyOutputs>(
  CLASS_SPECS.AccessPolicy,
) {}

/** An access-policy token. Its `token` output is a secret. */
export class Token extends resourceClass<TokenArgs, TokenOutputs>(CLASS_SPECS.Token) {}

/** A plugin installed on a Grafana Cloud stack. */
export class PluginInstallation extends resourceClass<PluginInstallationArgs, PluginInstallationOutputs>(
  CLASS_SPECS.PluginInstallation,
) {}

/** An API key of a stack's hosted Grafana. Its `key` output is a secret. */
export class StackApiKey extends resourceClass<StackApiKeyArgs, StackApiKeyOutputs>(
  CLASS_SPECS.StackApiKey,
) {}

/** A service account of a Grafana Cloud stack. */
export class StackServiceAccount extends resourceClass<StackServiceAccountArgs, StackServiceAccountOutputs>(
  CLASS_SPECS.StackServiceAccount,
) {}

/** A token of a stack service account. Its `key` output is a secret. */
export class StackServiceAccountToken extends resourceClass<
  StackServiceAccountTokenArgs,
  StackServiceAccountTokenOutputs
>(CLASS_SPECS.StackServiceAccountToken) {}
