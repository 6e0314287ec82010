/**
 * Built-in reference data: stack regions (grafana-cloud-api.md, "List regions") and a small
 * plugin catalog of real plugin slugs (grafana-cloud-api.md, "Grafana plugins").
 */

export interface Region {
  id: number;
  slug: string;
  name: string;
  description: string;
  provider: string;
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

/** The public shape of a region in `GET /api/stack-regions`. */
export function regionView(r: Region): Record<string, unknown> {
  return {
    id: r.id,
    status: "active",
    slug: r.slug,
    name: r.name,
    description: r.description,
    provider: r.provider,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export interface CatalogEntry {
  /** The catalog's numeric plugin id (`pluginId` in installation responses). */
  id: number;
  name: string;
  /** Published versions; the newest by semantic-version order is `latestVersion`. */
  versions: string[];
}

export function defaultCatalog(): Record<string, CatalogEntry> {
  return {
    "grafana-clock-panel": { id: 2, name: "Clock", versions: ["2.1.3", "2.1.5", "2.1.8"] },
    "grafana-github-datasource": { id: 663, name: "GitHub", versions: ["1.3.0", "1.3.1", "1.5.7"] },
    "grafana-piechart-panel": { id: 8, name: "Pie Chart (old)", versions: ["1.6.2", "1.6.4"] },
    "grafana-worldmap-panel": { id: 9, name: "Worldmap Panel", versions: ["0.3.3", "1.0.5", "1.0.6"] },
    "grafana-polystat-panel": { id: 112, name: "Polystat", versions: ["2.0.7", "2.1.4", "2.1.13"] },
    "yesoreyeram-infinity-datasource": {
      id: 575,
      name: "Infinity",
      versions: ["2.4.0", "2.9.1", "3.0.0"],
    },
    "marcusolsson-json-datasource": { id: 446, name: "JSON API", versions: ["1.3.10", "1.3.12"] },
  };
}

/** Compares dotted numeric versions (`1.10.0` > `1.9.3`); a pre-release suffix sorts first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): { nums: number[]; pre: string } => {
    const [core = "", pre = ""] = v.split("-", 2);
    return { nums: core.split(".").map((p) => Number.parseInt(p, 10) || 0), pre };
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.nums.length, pb.nums.length); i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === "") return 1;
  if (pb.pre === "") return -1;
  return pa.pre < pb.pre ? -1 : 1;
}

export function latestVersion(entry: CatalogEntry): string {
  return [...entry.versions].sort(compareVersions).at(-1) ?? "";
}
