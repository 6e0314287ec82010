/**
 * Minimal answers the official contract allows: only the fields it marks required, with the types
 * it gives them (and null where it allows null). Written from the contract digest, field by field,
 * so that a schema of ours that asks for more fails here.
 */

/** The stack object's 118 required fields, grouped as the contract groups them. */
export const STACK_REQUIRED = {
  identity: [
    "id",
    "slug",
    "name",
    "url",
    "description",
    "type",
    "status",
    "plan",
    "planName",
    "version",
    "runningVersion",
    "deleteProtection",
    "links",
  ],
  org: ["orgId", "orgSlug", "orgName", "orgCreatedAt"],
  audit: ["createdAt", "createdBy", "updatedAt", "updatedBy"],
  flags: [
    "trial",
    "trialExpiresAt",
    "ssl",
    "customAuth",
    "customDomain",
    "support",
    "incident",
    "machineLearning",
    "gateway",
  ],
  miscIds: ["k6OrgId", "usageStatsId", "machineLearningLogsToken"],
  placement: [
    "clusterId",
    "clusterSlug",
    "clusterName",
    "regionId",
    "regionSlug",
    "regionPublicName",
    "provider",
    "providerRegion",
  ],
  regionUrls: [
    "regionStackStateServiceUrl",
    "regionSyntheticMonitoringApiUrl",
    "regionInsightsApiUrl",
    "regionIntegrationsApiUrl",
    "regionHostedExportersApiUrl",
    "regionMachineLearningApiUrl",
    "regionLLMGatewayUrl",
    "regionAssistantUrl",
    "regionSigilUrl",
  ],
  prometheus: [
    "Id",
    "Name",
    "Url",
    "Status",
    "ClusterId",
    "CurrentUsage",
    "BillingUsage",
    "CurrentActiveSeries",
  ].map((f) => `hmInstanceProm${f}`),
  graphite: ["Id", "Name", "Url", "Status", "Type", "ClusterId", "CurrentUsage", "BillingUsage"].map(
    (f) => `hmInstanceGraphite${f}`,
  ),
  logsTracesProfiles: ["hl", "ht", "hp"].flatMap((p) =>
    ["Id", "Name", "Url", "Status", "ClusterId", "CurrentUsage", "BillingUsage"].map(
      (f) => `${p}Instance${f}`,
    ),
  ),
  alertmanager: ["Id", "Name", "Url", "Status", "ClusterId", "GeneratorUrl", "GeneratorUrlDatasource"].map(
    (f) => `amInstance${f}`,
  ),
  fleet: ["Id", "Name", "Url", "Status", "ClusterId"].map((f) => `agentManagementInstance${f}`),
  usage: [
    "alertCnt",
    "alertQuota",
    "dashboardCnt",
    "dashboardQuota",
    "userQuota",
    "datasourceCnts",
    "dailyUserCnt",
    "dailyAdminCnt",
    "dailyEditorCnt",
    "dailyViewerCnt",
    "currentActiveUsers",
    "currentActiveAdminUsers",
    "currentActiveEditorUsers",
    "currentActiveViewerUsers",
  ],
  billing: [
    "billingActiveUsers",
    "billingGrafanaActiveUsers",
    "billingOnCallActiveUsers",
    "billingStartDate",
    "billingEndDate",
  ],
};

/** Required fields the contract lets be null. */
const NULLABLE = new Set([
  "updatedAt",
  "updatedBy",
  "trialExpiresAt",
  "billingEndDate",
  "k6OrgId",
  "hmInstancePromCurrentActiveSeries",
]);
const BOOLEAN = new Set(["deleteProtection", "ssl", "customAuth", "customDomain", "support"]);
const STRING_NAMED = /(Url|Slug|Name|Status|Type|Token|Datasource|Region|At|By|Date)$/;
const STRINGS = new Set([
  "slug",
  "name",
  "url",
  "description",
  "type",
  "status",
  "plan",
  "version",
  "runningVersion",
  "gateway",
  "usageStatsId",
  "provider",
  "orgSlug",
]);

function valueFor(field: string): unknown {
  if (NULLABLE.has(field)) return null;
  if (BOOLEAN.has(field)) return false;
  if (field === "links") return [{ rel: "self", href: "/instances/4321" }];
  if (field === "datasourceCnts") return {};
  if (field === "id") return 4321;
  if (field === "orgId") return 77;
  if (field === "status" || field.endsWith("Status")) return "active";
  if (field === "type") return "grafana";
  if (field === "plan") return "gcloud";
  if (field === "slug") return "minimal";
  if (field === "url") return "https://minimal.grafana.net";
  if (STRINGS.has(field) || STRING_NAMED.test(field)) return `${field}-value`;
  // Ids, counters and usages are JSON numbers.
  return 1;
}

export const STACK_REQUIRED_FIELDS: string[] = Object.values(STACK_REQUIRED).flat();

/** A stack with exactly the contract's required fields: none of `labels`, `config`, `statusUpdatedAt`, `versionIssueLink`. */
export function minimalStack(): Record<string, unknown> {
  return Object.fromEntries(STACK_REQUIRED_FIELDS.map((f) => [f, valueFor(f)]));
}

/** `FormattedApiInstancePlugin` without its one optional field (`updatedAt`). */
export const minimalPlugin = {
  id: 11,
  instanceId: 4321,
  instanceUrl: "https://minimal.grafana.net",
  instanceSlug: "minimal",
  pluginId: 99,
  pluginSlug: "grafana-clock-panel",
  pluginName: "Clock",
  version: "2.1.8",
  latestVersion: "2.1.8",
  createdAt: "2026-01-01T00:00:00.000Z",
  links: [{ rel: "self", href: "/instances/minimal/plugins/grafana-clock-panel" }],
};

/** The contract's list envelope (plugins, stack regions): every field required. */
export const envelope = (items: unknown[]) => ({
  items,
  orderBy: "id",
  direction: "asc",
  total: items.length,
  pages: 1,
  pageSize: 100,
  page: 1,
});

/** `AuthAccessPolicy` with only `name`, `realms` and `scopes`; realm items with none of their (optional) fields. */
export const minimalPolicy = { name: "minimal", realms: [{}], scopes: ["metrics:read"] };

/** `AuthToken` with only `accessPolicyId` and `name`. */
export const minimalToken = { accessPolicyId: "policy-1", name: "minimal" };

/** The short form of `FormattedApiStackRegion`: every field required. */
export const minimalRegion = {
  id: 1,
  slug: "us",
  name: "United States",
  publicName: "US",
  description: "",
  provider: "gcp",
  status: "active",
  visibility: "public",
  sortOrder: 1,
  createdAt: "2020-01-01T00:00:00.000Z",
  updatedAt: null,
};

/** `FormattedApiInstanceConnections` with only its required fields. */
export const minimalConnections = {
  otlpHttpUrl: null,
  otlpMultiAZ: false,
  privateConnectivityInfo: { tenants: null },
};

/** `StackConnectionsV1` with only its required field. */
export const minimalConnectionsV1 = { tenants: null };
