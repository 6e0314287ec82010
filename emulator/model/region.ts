import { invalid, notFound } from "../errors";
import { REGION_RE, REGION_RULE, queryList, queryValue } from "../validation";

/**
 * The stack regions: built-in reference data, the ones the public region list shows plus AWS
 * Ireland. Regions are looked up by slug; an unknown one answers 404 "stack region not found".
 * Everything a region names (clusters, service hosts, private-link services) is data for clients
 * to record; the emulator never contacts any of it.
 */

export type CloudProvider = "gcp" | "azure" | "aws";

export interface Region {
  id: number;
  slug: string;
  name: string;
  description: string;
  provider: CloudProvider;
  /** The cloud provider's own name for the region, e.g. `us-central1`. */
  providerRegion: string;
  countryCode: string;
  sortOrder: number;
  createdAt: string;
  updatedAt: string;
  /** The cluster new stacks in this region land on; the service hosts are named after it. */
  clusterId: number;
  clusterSlug: string;
  /** Short id used in the Loki/Tempo host names (e.g. `logs-prod-017`). */
  logsHost: string;
  tracesHost: string;
}

export const REGIONS: readonly Region[] = [
  {
    id: 1,
    slug: "us",
    name: "GCP US Central",
    description: "United States",
    provider: "gcp",
    providerRegion: "us-central1",
    countryCode: "US",
    sortOrder: 1,
    createdAt: "2021-08-20T20:00:27.000Z",
    updatedAt: "2022-12-12T12:29:37.000Z",
    clusterId: 69,
    clusterSlug: "prod-us-central-0",
    logsHost: "logs-prod-017",
    tracesHost: "tempo-prod-04-prod-us-central-0",
  },
  {
    id: 2,
    slug: "us-azure",
    name: "Azure US Central",
    description: "United States (Azure)",
    provider: "azure",
    providerRegion: "centralus",
    countryCode: "US",
    sortOrder: 2,
    createdAt: "2021-08-20T20:08:03.000Z",
    updatedAt: "2022-11-29T12:04:00.000Z",
    clusterId: 111,
    clusterSlug: "prod-us-central-3",
    logsHost: "logs-prod-022",
    tracesHost: "tempo-prod-12-prod-us-central-3",
  },
  {
    id: 3,
    slug: "eu",
    name: "GCP Belgium",
    description: "Europe",
    provider: "gcp",
    providerRegion: "europe-west1",
    countryCode: "BE",
    sortOrder: 3,
    createdAt: "2021-08-20T20:28:52.000Z",
    updatedAt: "2022-12-05T18:05:33.000Z",
    clusterId: 56,
    clusterSlug: "prod-eu-west-0",
    logsHost: "logs-prod-eu-west-0",
    tracesHost: "tempo-eu-west-0",
  },
  {
    id: 4,
    slug: "au",
    name: "GCP Australia",
    description: "Australia",
    provider: "gcp",
    providerRegion: "australia-southeast1",
    countryCode: "AU",
    sortOrder: 4,
    createdAt: "2021-11-16T22:03:18.000Z",
    updatedAt: "2022-09-22T09:27:47.000Z",
    clusterId: 78,
    clusterSlug: "prod-au-southeast-0",
    logsHost: "logs-prod-004",
    tracesHost: "tempo-prod-03-prod-au-southeast-0",
  },
  {
    id: 5,
    slug: "prod-eu-west-3",
    name: "AWS Ireland",
    description: "Europe (AWS)",
    provider: "aws",
    providerRegion: "eu-west-1",
    countryCode: "IE",
    sortOrder: 5,
    createdAt: "2022-06-14T10:11:02.000Z",
    updatedAt: "2022-12-01T09:41:19.000Z",
    clusterId: 131,
    clusterSlug: "prod-eu-west-3",
    logsHost: "logs-prod-025",
    tracesHost: "tempo-prod-10-prod-eu-west-3",
  },
];

export function findRegion(slug: string): Region | undefined {
  return REGIONS.find((r) => r.slug === slug);
}

/**
 * `region` is required on every access-policy and token call; a malformed one is an invalid
 * argument, an unknown one answers 404 "stack region not found".
 */
export function requireRegionParam(query: unknown): Region {
  const region = queryValue(query, "region");
  if (region === undefined || region === "") throw invalid("region: query parameter is required");
  if (!REGION_RE.test(region)) throw invalid(`region: ${REGION_RULE}`);
  return requireRegion(region);
}

export function requireRegion(slug: string): Region {
  const region = findRegion(slug);
  if (region === undefined) throw notFound("stack region not found");
  return region;
}

/** A cluster serving one product in a region. */
export interface Cluster {
  id: number;
  slug: string;
  name: string;
  url: string;
}

/** The clusters of a region, per product: hosted Grafana, metrics, Graphite, logs, alerts, traces, profiles, fleet management. */
export interface RegionClusters {
  hg: Cluster;
  hmProm: Cluster;
  hmGraphite: Cluster;
  hl: Cluster;
  am: Cluster;
  ht: Cluster;
  hp: Cluster;
  agm: Cluster;
  assertsGraph: Cluster;
}

export function regionClusters(r: Region): RegionClusters {
  const c = r.clusterSlug;
  const cluster = (n: number, slug: string, url: string): Cluster => ({
    id: r.clusterId * 100 + n,
    slug,
    name: slug,
    url,
  });
  return {
    hg: { id: r.clusterId, slug: c, name: c, url: `https://${c}.grafana.net` },
    hmProm: cluster(1, `prometheus-${c}`, `https://prometheus-${c}.grafana.net`),
    hmGraphite: cluster(2, `graphite-${c}`, `https://graphite-${c}.grafana.net`),
    hl: cluster(3, r.logsHost, `https://${r.logsHost}.grafana.net`),
    am: cluster(4, `alertmanager-${c}`, `https://alertmanager-${c}.grafana.net`),
    ht: cluster(5, r.tracesHost, `https://${r.tracesHost}.grafana.net`),
    hp: cluster(6, `profiles-${c}`, `https://profiles-${c}.grafana.net`),
    agm: cluster(7, `fleet-management-${c}`, `https://fleet-management-${c}.grafana.net`),
    assertsGraph: cluster(8, `asserts-${c}`, `https://asserts-${c}.grafana.net`),
  };
}

/** The region-wide service endpoints, named after the region's cluster. */
export function regionServiceUrls(r: Region) {
  const c = r.clusterSlug;
  return {
    stackStateServiceUrl: `https://stack-state-service-${c}.grafana.net`,
    syntheticMonitoringApiUrl: `https://synthetic-monitoring-api-${c}.grafana.net`,
    insightsApiUrl: `https://insights-api-${c}.grafana.net`,
    integrationsApiUrl: `https://integrations-api-${c}.grafana.net`,
    hostedExportersApiUrl: `https://hosted-exporters-api-${c}.grafana.net`,
    machineLearningApiUrl: `https://machine-learning-${c}.grafana.net/machine-learning`,
    llmGatewayUrl: `https://llm-gateway-${c}.grafana.net`,
    assistantUrl: `https://assistant-${c}.grafana.net`,
    sigilUrl: `https://sigil-${c}.grafana.net`,
    agentO11YUrl: `https://agent-o11y-${c}.grafana.net`,
    workflowEngineUrl: `https://workflow-engine-${c}.grafana.net`,
    mobileGatewayUrl: `https://mobile-gateway-${c}.grafana.net`,
    incidentApiUrl: `https://incident-api-${c}.grafana.net`,
    oncallApiUrl: `https://oncall-${c}.grafana.net/oncall`,
    faroEndpointUrl: `https://faro-collector-${c}.grafana.net/collect`,
    authApiUrl: `https://auth-api-${c}.grafana.net`,
    otlpHttpUrl: `https://otlp-gateway-${c}.grafana.net/otlp`,
    influxUrl: `https://influx-${c}.grafana.net`,
    appPlatformUrl: `https://app-platform-apiserver-${c}.grafana.net`,
  };
}

/**
 * A private-link endpoint for a service in this region, in the shape its cloud uses: an AWS or
 * Azure endpoint service (`serviceName` + `privateDNS`), or a GCP service attachment.
 */
export function privateLink(r: Region, service: string): Record<string, unknown> {
  switch (r.provider) {
    case "aws":
      return {
        serviceName: `com.amazonaws.vpce.${r.providerRegion}.vpce-svc-${service}-${r.clusterSlug}`,
        privateDNS: `${service}.${r.providerRegion}.vpce.grafana.net`,
        regions: [r.providerRegion],
      };
    case "azure":
      return {
        serviceName: `${service}-${r.clusterSlug}.privatelink.${r.providerRegion}.azure.privatelinkservice`,
        privateDNS: `${service}.${r.providerRegion}.privatelink.grafana.net`,
      };
    case "gcp":
      return {
        serviceAttachment: `projects/grafanalabs-${r.clusterSlug}/regions/${r.providerRegion}/serviceAttachments/${service}`,
        domainNames: [`${service}.${r.providerRegion}.psc.grafana.net`],
        endpointName: `${service}-${r.clusterSlug}`,
      };
  }
}

/** `GET /stack-regions` items: the contract's full form of `FormattedApiStackRegion`. */
export function regionView(r: Region): Record<string, unknown> {
  const clusters = regionClusters(r);
  const clusterFields: Record<string, unknown> = {};
  for (const [prefix, cl] of Object.entries(clusters)) {
    clusterFields[`${prefix}ClusterId`] = cl.id;
    clusterFields[`${prefix}ClusterSlug`] = cl.slug;
    clusterFields[`${prefix}ClusterName`] = cl.name;
    if (prefix !== "assertsGraph") clusterFields[`${prefix}ClusterUrl`] = cl.url;
  }
  const { influxUrl: _influx, appPlatformUrl: _appPlatform, ...urls } = regionServiceUrls(r);
  return {
    id: r.id,
    status: "active",
    slug: r.slug,
    name: r.name,
    publicName: r.name,
    description: r.description,
    provider: r.provider,
    providerRegion: r.providerRegion,
    visibility: "public",
    sortOrder: r.sortOrder,
    countryCode: r.countryCode,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    ...clusterFields,
    assertsGraphClusterApiUrl: null,
    ...urls,
    pdcClusterSlug: `private-datasource-connect-${r.clusterSlug}`,
    pdcHostname: `private-datasource-connect-${r.clusterSlug}.grafana.net`,
    pdcPrivateConnectivityInfo: { api: privateLink(r, "pdc-api"), gateway: privateLink(r, "pdc-gateway") },
    otlpPrivateConnectivityInfo: privateLink(r, "otlp-gateway"),
    authApiTokenSet: true,
    isStub: false,
    complete: true,
    readyForStacks: true,
  };
}

const REGION_ORDER = ["id", "createdAt", "updatedAt", "sortOrder"] as const;

/**
 * `GET /stack-regions` filters (`id`, `idIn`, `slug`, `slugIn`, `provider`, `providerRegion`,
 * `countryCode`) and order (`orderBy` id, createdAt, updatedAt or sortOrder; `direction`).
 * `labels` and `orgId` are accepted and change nothing: the emulator's regions have no labels and
 * are open to every org.
 */
export function listRegions(query: unknown): { items: Region[]; orderBy: string; direction: "asc" | "desc" } {
  const q = (k: string) => queryValue(query, k);
  const orderBy = q("orderBy") ?? "id";
  if (!(REGION_ORDER as readonly string[]).includes(orderBy)) {
    throw invalid(`orderBy: must be one of ${REGION_ORDER.join(", ")}`);
  }
  const direction = parseDirection(q("direction"));
  const provider = q("provider");
  if (provider !== undefined && !["aws", "gcp", "azure", "fedramp-palantir"].includes(provider)) {
    throw invalid("provider: must be one of aws, gcp, azure, fedramp-palantir");
  }
  const id = q("id");
  const idIn = queryList(query, "idIn");
  const slug = q("slug");
  const slugIn = queryList(query, "slugIn");
  const providerRegion = q("providerRegion");
  const countryCode = q("countryCode");
  const items = REGIONS.filter(
    (r) =>
      (id === undefined || String(r.id) === id) &&
      (idIn === undefined || idIn.includes(String(r.id))) &&
      (slug === undefined || r.slug === slug) &&
      (slugIn === undefined || slugIn.includes(r.slug)) &&
      (provider === undefined || r.provider === provider) &&
      (providerRegion === undefined || r.providerRegion === providerRegion) &&
      (countryCode === undefined || r.countryCode === countryCode),
  );
  const key = orderBy as (typeof REGION_ORDER)[number];
  const sorted = [...items].sort((a, b) => compareValues(a[key], b[key]) || a.id - b.id);
  return { items: direction === "desc" ? sorted.reverse() : sorted, orderBy, direction };
}

export function parseDirection(v: string | undefined): "asc" | "desc" {
  if (v === undefined || v === "asc" || v === "desc") return v ?? "asc";
  throw invalid(`direction: must be asc or desc`);
}

export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a ?? "").localeCompare(String(b ?? ""));
}
