// Public entry point of pulumi-grafana-cloud: explicit named re-exports only.
export { Stack, type StackArgs } from "./resources/stack";
export {
  AccessPolicy,
  type AccessPolicyArgs,
  type RealmArgs,
  type LabelPolicyArgs,
} from "./resources/accessPolicy";
export { Token, type TokenArgs } from "./resources/token";
export { type RotationArgs } from "./resources/rotation";
export { PluginInstallation, type PluginInstallationArgs } from "./resources/pluginInstallation";
export { StackApiKey, type StackApiKeyArgs } from "./resources/stackApiKey";
export { StackServiceAccount, type StackServiceAccountArgs } from "./resources/stackServiceAccount";
export {
  StackServiceAccountToken,
  type StackServiceAccountTokenArgs,
} from "./resources/stackServiceAccountToken";
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
