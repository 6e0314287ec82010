import { invalid, notFound } from "../errors";
import { REGION_RE, REGION_RULE, queryValue } from "../validation";

/**
 * The stack regions: built-in reference data, the ones the public region list shows plus AWS
 * Ireland. Regions are looked up by slug; an unknown one answers 404 "stack region not found".
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
