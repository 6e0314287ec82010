// Public entry point of pulumi-grafana-cloud: explicit named re-exports only.
export {
  Stack,
  AccessPolicy,
  Token,
  PluginInstallation,
  StackApiKey,
  StackServiceAccount,
  StackServiceAccountToken,
} from "./resources/classes";
// Types only: the resource modules (and their schema library) are the provider host's.
export type { StackArgs } from "./resources/stack";
export type { AccessPolicyArgs, RealmArgs, LabelPolicyArgs } from "./resources/accessPolicy";
export type { TokenArgs } from "./resources/token";
export type { RotationArgs } from "./resources/rotation";
export type { PluginInstallationArgs } from "./resources/pluginInstallation";
export type { StackApiKeyArgs } from "./resources/stackApiKey";
export type { StackServiceAccountArgs } from "./resources/stackServiceAccount";
export type { StackServiceAccountTokenArgs } from "./resources/stackServiceAccountToken";
export {
  getStack,
  getStackRegions,
  getAccessPolicies,
  getPluginInstallations,
  getStackServiceAccounts,
  type StackInfo,
  type StackRegion,
  type AccessPolicyInfo,
  type PluginInstallationInfo,
  type StackServiceAccountInfo,
} from "./lookups";
export {
  resolveConfig,
  DEFAULT_API_URL,
  ENV_TOKEN,
  ENV_URL,
  CONFIG_TOKEN_KEY,
  CONFIG_URL_KEY,
  type ResolvedConfig,
} from "./config";
export {
  GrafanaCloudError,
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  ServerError,
  NetworkError,
  TimeoutError,
  ResponseValidationError,
} from "./client/errors";
