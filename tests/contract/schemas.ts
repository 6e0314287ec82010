/**
 * Strict schemas of Grafana's official OpenAPI contract for grafana.com (the GCOM API, version
 * "public"), written from the contract itself, independently of both the emulator and the
 * client: every field the contract marks required is required here with the contract's type,
 * enums are closed, and null is allowed only where the contract allows it. Objects the contract
 * leaves open accept extra properties; the few it closes (`additionalProperties: false`) do not.
 *
 * `observed` holds the same schemas with exactly the differences the observed service shows (and
 * the emulator reproduces by default); each one is listed in emulator/README.md. The emulator's
 * answers must match `contract` under `strictContract` and `observed` otherwise.
 */
import { z } from "zod";

const num = z.number();
const int = z.number().int();
const str = z.string();
const bool = z.boolean();
const nullableStr = z.string().nullable();
/** `format: date-time`. */
const dt = z.iso.datetime({ offset: true });
const link = z.looseObject({ rel: str, href: str });
const links = z.array(link);

// ---------------------------------------------------------------------------------------------
// Stacks

export const STACK_STATUSES = [
  "active",
  "archived",
  "archiving",
  "deleted",
  "deleting",
  "migrated",
  "migrating",
  "paused",
  "pending",
  "restoring",
  "starting",
  "suspended",
  "suspending",
  "unknown",
] as const;
const stackStatus = z.enum(STACK_STATUSES);
const serviceStatus = z.enum(["active", "deleted", "suspended", "unknown"]);
const plan = z.enum([
  "free",
  "free-trial",
  "gcloud",
  "enterprise",
  "advanced",
  "payg",
  "fedramp",
  "trial",
  "logsdemo",
  "starter",
  "starter-prom",
  "basic",
  "basic-prom",
  "bundled",
  "fog",
]);

/** Fields named `<prefix><suffix>`, each with its schema. */
function prefixed<P extends string, S extends string>(prefix: P, fields: Record<S, z.ZodType>) {
  const out: Record<string, z.ZodType> = {};
  for (const [suffix, schema] of Object.entries<z.ZodType>(fields)) out[`${prefix}${suffix}`] = schema;
  return out as Record<`${P}${S}`, z.ZodType>;
}

/** A hosted service's block on the stack: `<prefix>Id`, `Name`, `Url`, `Status`, `ClusterId`. */
const serviceBlock = <P extends string>(prefix: P) =>
  prefixed(prefix, { Id: num, Name: str, Url: str, Status: serviceStatus, ClusterId: num });
const usageBlock = <P extends string>(prefix: P) =>
  prefixed(prefix, { CurrentUsage: num, BillingUsage: num });

/** `FormattedApiInstance`: 118 required fields; ids, counters and usages are numbers. */
export const formattedApiInstance = z.looseObject({
  // Identity
  id: num,
  slug: str,
  name: str,
  url: str,
  description: str,
  type: z.literal("grafana"),
  status: stackStatus,
  plan,
  planName: str,
  version: str,
  runningVersion: str,
  deleteProtection: bool,
  links,
  // Org
  orgId: num,
  orgSlug: str,
  orgName: str,
  orgCreatedAt: str,
  // Audit
  createdAt: str,
  createdBy: str,
  updatedAt: nullableStr,
  updatedBy: nullableStr,
  // Trial and flags
  trial: num,
  trialExpiresAt: nullableStr,
  ssl: bool,
  customAuth: bool,
  customDomain: bool,
  support: bool,
  incident: num,
  machineLearning: num,
  gateway: str,
  // Miscellaneous ids
  k6OrgId: num.nullable(),
  usageStatsId: num,
  machineLearningLogsToken: str,
  // Cluster and cloud provider
  clusterId: num,
  clusterSlug: str,
  clusterName: str,
  regionId: num,
  regionSlug: str,
  regionPublicName: str,
  provider: str,
  providerRegion: str,
  // Region service URLs
  regionStackStateServiceUrl: str,
  regionSyntheticMonitoringApiUrl: str,
  regionInsightsApiUrl: str,
  regionIntegrationsApiUrl: str,
  regionHostedExportersApiUrl: str,
  regionMachineLearningApiUrl: str,
  regionLLMGatewayUrl: str,
  regionAssistantUrl: str,
  regionSigilUrl: str,
  // Per-service blocks
  ...serviceBlock("hmInstanceProm"),
  ...usageBlock("hmInstanceProm"),
  hmInstancePromCurrentActiveSeries: num.nullable(),
  ...serviceBlock("hmInstanceGraphite"),
  ...usageBlock("hmInstanceGraphite"),
  hmInstanceGraphiteType: str,
  ...serviceBlock("hlInstance"),
  ...usageBlock("hlInstance"),
  ...serviceBlock("htInstance"),
  ...usageBlock("htInstance"),
  ...serviceBlock("hpInstance"),
  ...usageBlock("hpInstance"),
  ...serviceBlock("amInstance"),
  amInstanceGeneratorUrl: str,
  amInstanceGeneratorUrlDatasource: str,
  ...serviceBlock("agentManagementInstance"),
  // Usage and quotas
  alertCnt: num,
  alertQuota: num,
  dashboardCnt: num,
  dashboardQuota: num,
  userQuota: num,
  datasourceCnts: z.looseObject({}),
  dailyUserCnt: num,
  dailyAdminCnt: num,
  dailyEditorCnt: num,
  dailyViewerCnt: num,
  currentActiveUsers: num,
  currentActiveAdminUsers: num,
  currentActiveEditorUsers: num,
  currentActiveViewerUsers: num,
  // Billing
  billingActiveUsers: num,
  billingGrafanaActiveUsers: num,
  billingOnCallActiveUsers: num,
  billingStartDate: str,
  billingEndDate: nullableStr,
  // Optional
  labels: z.record(z.string(), z.unknown()).optional(),
  config: z.looseObject({}).optional(),
  statusUpdatedAt: nullableStr.optional(),
  versionIssueLink: str.optional(),
});

/** The paged list envelope of `/instances`, `/orgs/{org}/instances`, `/stack-regions` and plugin lists. */
export function listEnvelope<T extends z.ZodType>(item: T) {
  return z.looseObject({
    items: z.array(item),
    orderBy: str,
    direction: z.enum(["asc", "desc"]),
    total: num,
    pages: num,
    pageSize: num,
    page: num,
  });
}

/** `{ready}`: open on the legacy route, closed on the v1 route. */
export const readiness = z.looseObject({ ready: bool });
export const readinessV1 = z.strictObject({ ready: bool });

/** A private-link block (`BasicPrivateConnectivityInfo`): every field optional, nothing else. */
const basicPrivateConnectivityInfo = z.strictObject({
  serviceName: str.optional(),
  privateDNS: str.optional(),
  endpointName: str.optional(),
  serviceAttachment: str.optional(),
  regions: z.array(str).nullable().optional(),
  availabilityZones: z.array(str).nullable().optional(),
  availabilityZoneIds: z.array(str).nullable().optional(),
  domainNames: z.array(str).nullable().optional(),
});
const pdc = z.strictObject({ api: basicPrivateConnectivityInfo, gateway: basicPrivateConnectivityInfo });
const appPlatform = z.strictObject({ url: str, caData: str.optional() });

/** `FormattedApiInstanceConnections` (the deprecated `/instances/{id}/connections`): closed. */
export const formattedApiInstanceConnections = z.strictObject({
  otlpHttpUrl: nullableStr,
  otlpMultiAZ: bool,
  privateConnectivityInfo: z.strictObject({
    tenants: z
      .array(
        z.strictObject({
          id: int,
          type: str,
          ipAllowListCNAME: nullableStr,
          allowlistUrl: str.optional(),
          info: basicPrivateConnectivityInfo.optional(),
        }),
      )
      .nullable(),
    otlp: basicPrivateConnectivityInfo.optional(),
    pdc: pdc.optional(),
  }),
  influxUrl: str.optional(),
  oncallApiUrl: str.optional(),
  syntheticMonitoringApiUrl: str.optional(),
  appPlatform: appPlatform.optional(),
});

/** `StackConnectionsV1` (`/v1/stacks/{idOrSlug}/connections`): closed. */
export const stackConnectionsV1 = z.strictObject({
  tenants: z
    .array(
      z.strictObject({
        id: int,
        type: str,
        url: str.optional(),
        allowlistUrl: str.optional(),
        privateConnectivityInfo: basicPrivateConnectivityInfo.optional(),
      }),
    )
    .nullable(),
  otlp: z
    .strictObject({
      multiAZ: bool,
      url: str.optional(),
      privateConnectivityInfo: basicPrivateConnectivityInfo.optional(),
    })
    .optional(),
  pdc: pdc.optional(),
  appPlatform: appPlatform.optional(),
  services: z
    .strictObject({
      influxUrl: str.optional(),
      oncallApiUrl: str.optional(),
      syntheticMonitoringApiUrl: str.optional(),
    })
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// Stack regions

const regionShortShape = {
  id: num,
  slug: str,
  name: str,
  publicName: str,
  description: str,
  provider: z.enum(["aws", "azure", "fedramp-palantir", "gcp"]),
  status: str,
  visibility: str,
  sortOrder: num,
  createdAt: str,
  updatedAt: nullableStr,
};

/** The four shapes a region's PDC or OTLP private connectivity may take. */
const regionPrivateConnectivity = z.union([
  z.looseObject({
    privateDNS: str,
    serviceName: str,
    regions: z.array(str).optional(),
    endpointName: str.optional(),
    serviceId: str.optional(),
    availabilityZones: z.array(str).optional(),
    availabilityZoneIds: z.array(str).optional(),
  }),
  z.looseObject({ serviceAttachment: str, domainNames: z.array(str), endpointName: str }),
  z.looseObject({ api: z.unknown(), gateway: z.unknown() }).refine((v) => "api" in v && "gateway" in v),
  z
    .looseObject({ mimir: z.unknown(), graphite: z.unknown().optional(), otlp: z.unknown().optional() })
    .refine((v) => "mimir" in v),
]);

const clusterFields = <P extends string>(prefix: P) =>
  prefixed(prefix, { ClusterId: num, ClusterSlug: str, ClusterName: str, ClusterUrl: str });

export const stackRegionShort = z.looseObject(regionShortShape);

/** The full form of `FormattedApiStackRegion`. */
export const stackRegionFull = z.looseObject({
  ...regionShortShape,
  ...clusterFields("hg"),
  ...clusterFields("hmProm"),
  ...clusterFields("hmGraphite"),
  ...clusterFields("hl"),
  ...clusterFields("am"),
  ...clusterFields("ht"),
  ...clusterFields("hp"),
  ...clusterFields("agm"),
  assertsGraphClusterId: num,
  assertsGraphClusterSlug: str,
  assertsGraphClusterName: str,
  stackStateServiceUrl: str,
  syntheticMonitoringApiUrl: str,
  insightsApiUrl: str,
  integrationsApiUrl: str,
  hostedExportersApiUrl: str,
  machineLearningApiUrl: str,
  llmGatewayUrl: str,
  assistantUrl: str,
  sigilUrl: str,
  agentO11YUrl: str,
  workflowEngineUrl: str,
  mobileGatewayUrl: str,
  incidentApiUrl: str,
  oncallApiUrl: str,
  faroEndpointUrl: str,
  authApiUrl: str,
  otlpHttpUrl: nullableStr,
  pdcClusterSlug: str,
  pdcHostname: str,
  pdcPrivateConnectivityInfo: regionPrivateConnectivity,
  otlpPrivateConnectivityInfo: regionPrivateConnectivity,
  authApiTokenSet: bool,
  isStub: bool,
  complete: bool,
  readyForStacks: bool,
  providerRegion: str,
  assertsGraphClusterApiUrl: nullableStr.optional(),
  geoLocation: z.array(num).optional(),
  countryCode: str.optional(),
  labels: z.unknown().optional(),
});

/** `FormattedApiStackRegion`: the short form or the full form. */
export const formattedApiStackRegion = z.union([stackRegionFull, stackRegionShort]);

// ---------------------------------------------------------------------------------------------
// Access policies

/** The 18 scopes the contract's response enum lists (requests take any string). */
export const RESPONSE_SCOPES = [
  "accesspolicies:read",
  "accesspolicies:write",
  "accesspolicies:delete",
  "billing-metrics:read",
  "metrics:read",
  "metrics:write",
  "metrics:delete",
  "metrics:import",
  "logs:read",
  "logs:write",
  "logs:delete",
  "traces:read",
  "traces:write",
  "traces:delete",
  "alerts:read",
  "alerts:write",
  "rules:read",
  "rules:write",
] as const;

const conditions = z.looseObject({ allowedSubnets: z.array(str).optional() });

/** `AuthAccessPolicy`: only `name`, `realms` and `scopes` are required; nothing is nullable. */
export const authAccessPolicy = z.looseObject({
  id: z.uuid().optional(),
  orgId: str.optional(),
  name: str,
  displayName: str.optional(),
  source: z.enum(["user", "cloud"]).optional(),
  scopes: z.array(z.enum(RESPONSE_SCOPES)),
  realms: z.array(
    z.looseObject({
      type: z.enum(["org", "stack", "system"]).optional(),
      identifier: str.optional(),
      labelPolicies: z.array(z.looseObject({ selector: str.optional() })).optional(),
    }),
  ),
  conditions: conditions.optional(),
  attributes: z.looseObject({}).optional(),
  status: z.enum(["active", "inactive"]).optional(),
  createdAt: dt.optional(),
  updatedAt: dt.optional(),
});

/** The v1 list answer (`AccessPolicyListResponse`): items and cursor paging metadata. */
export function v1List<T extends z.ZodType>(item: T) {
  return z.looseObject({
    items: z.array(item),
    metadata: z.looseObject({
      pagination: z.looseObject({
        pageSize: num,
        pageCursor: nullableStr.optional(),
        nextPage: nullableStr.optional(),
      }),
    }),
  });
}

// ---------------------------------------------------------------------------------------------
// Tokens

/** `AuthToken`: only `accessPolicyId` and `name` are required; nothing is nullable. */
export const authToken = z.looseObject({
  id: str.optional(),
  accessPolicyId: str,
  name: str,
  displayName: str.optional(),
  expiresAt: dt.optional(),
  firstUsedAt: dt.optional(),
  lastUsedAt: dt.optional(),
  createdAt: dt.optional(),
  updatedAt: dt.optional(),
  orgId: str.optional(),
});
/** `AuthTokenWithSecret`: the token with its secret, answered by create only. */
export const authTokenWithSecret = authToken.extend({ token: str.optional() });

/** The list items of `GET /v1/tokens` are plain objects in the contract. */
export const plainObject = z.looseObject({});

// ---------------------------------------------------------------------------------------------
// Plugins

/** `FormattedApiInstancePlugin`: `updatedAt` is optional and not nullable. */
export const formattedApiInstancePlugin = z.looseObject({
  id: num,
  instanceId: num,
  instanceUrl: str,
  instanceSlug: str,
  pluginId: num,
  pluginSlug: str,
  pluginName: str,
  version: str,
  latestVersion: str,
  createdAt: str,
  updatedAt: dt.optional(),
  links,
});

/** `FormattedApiPlugin` (the catalog). */
export const formattedApiPlugin = z.looseObject({
  version: str,
  versionStatus: str,
  versionSignatureType: str,
  versionSignedByOrg: str,
  versionSignedByOrgName: str,
  id: num,
  slug: str,
  name: str,
  description: str,
  status: str,
  typeId: num,
  typeName: str,
  typeCode: str,
  url: str,
  createdAt: str,
  updatedAt: str,
  orgId: num,
  orgName: str,
  orgSlug: str,
  orgUrl: str,
  userId: num,
  downloads: num,
  popularity: num,
  featured: num,
  verified: bool,
  internal: bool,
  angularDetected: bool,
  downloadSlug: str,
  signatureType: str,
  packages: z.looseObject({}),
  links,
  json: z
    .looseObject({
      type: z.enum(["app", "datasource", "panel", "renderer"]).optional(),
      state: z.enum(["alpha", "beta", "deprecated", "stable"]).optional(),
      info: z.looseObject({ version: str, updated: str }).optional(),
      dependencies: z.looseObject({ grafanaDependency: str, grafanaVersion: str.optional() }).optional(),
    })
    .optional(),
  managed: z.looseObject({ enabled: bool, strategy: str.optional() }).optional(),
  category: str.optional(),
  licenseUrl: str.optional(),
  documentationUrl: str.optional(),
  hasDocumentation: bool.optional(),
});

// ---------------------------------------------------------------------------------------------
// Hosted Grafana API keys

/**
 * `POST /instances/{id}/api/auth/keys` is not in the contract; this is the observed answer,
 * `{id, name, key}`, the only place the key's secret is shown.
 */
export const createdStackApiKey = z.looseObject({ id: int, name: str, key: str });

// ---------------------------------------------------------------------------------------------
// Stack service accounts (instance proxy)

/** `GrafanaServiceAccountDTO`: every field optional, none nullable. */
export const grafanaServiceAccountDTO = z.looseObject({
  id: int.optional(),
  name: str.optional(),
  login: str.optional(),
  orgId: int.optional(),
  role: str.optional(),
  isDisabled: bool.optional(),
  isExternal: bool.optional(),
  avatarUrl: str.optional(),
  tokens: int.optional(),
  accessControl: z.record(str, bool).optional(),
});

/** The search answer: every field required; items carry `id` and `name` (required) only. */
export const serviceAccountSearch = z.looseObject({
  totalCount: num,
  page: num,
  perPage: num,
  serviceAccounts: z.array(z.looseObject({ id: num, name: str })),
});

/** `GrafanaTokenDTO`: every field optional, none nullable. */
export const grafanaTokenDTO = z.looseObject({
  id: int.optional(),
  name: str.optional(),
  created: dt.optional(),
  expiration: dt.optional(),
  lastUsedAt: dt.optional(),
  hasExpired: bool.optional(),
  isRevoked: bool.optional(),
  secondsUntilExpiration: num.optional(),
});

/** `GrafanaNewApiKeyResult`, the new token: every field optional. */
export const grafanaNewApiKeyResult = z.looseObject({
  id: int.optional(),
  name: str.optional(),
  key: str.optional(),
});

// ---------------------------------------------------------------------------------------------
// Errors

/** Per status, the single `code` the contract's error schema allows. */
export const CONTRACT_ERROR_CODES: Readonly<Record<number, string>> = {
  401: "InvalidCredentials",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  503: "ServiceUnavailable",
};

/** The contract's error body for a status: `{code?, message?}` with the status's code, open. */
export function contractError(status: number) {
  const code = CONTRACT_ERROR_CODES[status];
  return z.looseObject({
    code: code === undefined ? z.never() : z.literal(code).optional(),
    message: str.optional(),
  });
}

/** `ErrorPayload`, the default error of the v1 stack routes and the deprecated connections route: closed. */
export const errorPayload = z.strictObject({ code: str, message: str, requestId: str, statusCode: int });

/**
 * The error statuses the contract documents per operation (besides 200). `null`: the operation
 * has a default error schema, so any status goes.
 */
export const ERROR_MATRIX = {
  getInstances: [401, 403, 409],
  getOrgInstances: [401, 403, 404, 409],
  postInstances: [401, 403, 409, 503],
  getInstance: [401, 403, 404, 409],
  postInstance: [401, 403, 404, 409, 503],
  deleteInstance: [401, 403, 404, 409, 503],
  getInstanceReadiness: [401, 403, 404, 409],
  getConnections: null,
  checkStackReadinessV1: null,
  getStackConnectionsV1: null,
  getStackRegions: [401, 403, 409],
  postAccessPolicies: [401, 403, 409, 503],
  getAccessPolicies: [401, 403, 409],
  getAccessPolicy: [401, 403, 404, 409],
  postAccessPolicy: [401, 403, 404, 409, 503],
  deleteAccessPolicy: [401, 403, 404, 409, 503],
  postTokens: [401, 403, 409, 503],
  getTokens: [401, 403, 409],
  getToken: [401, 403, 404, 409],
  postToken: [401, 403, 404, 409, 503],
  deleteToken: [401, 403, 404, 409, 503],
  getInstancePlugins: [401, 403, 404, 409],
  postInstancePlugins: [401, 403, 404, 409, 503],
  getInstancePlugin: [401, 403, 404, 409],
  postInstancePlugin: [401, 403, 404, 409, 503],
  deleteInstancePlugin: [401, 403, 404, 409, 503],
  getPlugin: [404, 409],
  postInstanceServiceAccounts: [401, 403, 404, 409, 503],
  getInstanceServiceAccountsSearch: [401, 403, 404, 409],
  getInstanceServiceAccount: [401, 403, 404, 409],
  deleteInstanceServiceAccount: [401, 403, 404, 409, 503],
  getInstanceServiceAccountTokens: [401, 403, 404, 409],
  postInstanceServiceAccountTokens: [401, 403, 404, 409, 503],
  deleteInstanceServiceAccountToken: [401, 403, 404, 409, 503],
} as const satisfies Record<string, readonly number[] | null>;
export type Operation = keyof typeof ERROR_MATRIX;

// ---------------------------------------------------------------------------------------------
// The observed service, where it differs from the contract

const nullableDt = dt.nullable().optional();

/**
 * The contract's schemas with the observed service's differences: optional fields answered as
 * null instead of left out (token times, policy conditions, an installation never updated).
 */
export const observed = {
  authAccessPolicy: authAccessPolicy.extend({ conditions: conditions.nullable().optional() }),
  authToken: authToken.extend({ expiresAt: nullableDt, firstUsedAt: nullableDt, lastUsedAt: nullableDt }),
  authTokenWithSecret: authTokenWithSecret.extend({
    expiresAt: nullableDt,
    firstUsedAt: nullableDt,
    lastUsedAt: nullableDt,
  }),
  formattedApiInstancePlugin: formattedApiInstancePlugin.extend({ updatedAt: nullableDt }),
  /** Grafana answers null for a token that never expires or was never used. */
  grafanaTokenDTO: grafanaTokenDTO.extend({
    expiration: nullableDt,
    lastUsedAt: nullableDt,
    secondsUntilExpiration: num.nullable().optional(),
  }),
};

/** The schemas one mode of the emulator must satisfy. */
export function schemasFor(strict: boolean) {
  return {
    authAccessPolicy: strict ? authAccessPolicy : observed.authAccessPolicy,
    authToken: strict ? authToken : observed.authToken,
    authTokenWithSecret: strict ? authTokenWithSecret : observed.authTokenWithSecret,
    formattedApiInstancePlugin: strict ? formattedApiInstancePlugin : observed.formattedApiInstancePlugin,
    grafanaTokenDTO: strict ? grafanaTokenDTO : observed.grafanaTokenDTO,
  };
}
