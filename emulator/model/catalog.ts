import { Ctx } from "../context";
import { invalid, notFound } from "../errors";
import type { Frozen } from "../store";
import { PLUGIN_VERSION_RE } from "../validation";

/**
 * The plugin catalog: a few real plugin ids with their published versions. Tests publish newer
 * versions through the control API, so the catalog is part of the persisted state.
 */

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

export function latestVersion(entry: Frozen<CatalogEntry>): string {
  return [...entry.versions].sort(compareVersions).at(-1) ?? "";
}

export function requireCatalogEntry(ctx: Ctx, plugin: string): Frozen<CatalogEntry> {
  const entry = ctx.state.catalog[plugin];
  if (entry === undefined) throw notFound(`Plugin ${plugin} not found`);
  return entry;
}

/**
 * The concrete version a request asks for: `latest` (or none) means the catalog's newest
 * version at the time of the call; a version the catalog does not have answers 404.
 */
export function resolveVersion(entry: Frozen<CatalogEntry>, plugin: string, version: unknown): string {
  if (version === undefined || version === null || version === "latest") {
    return latestVersion(entry);
  }
  if (typeof version !== "string" || !PLUGIN_VERSION_RE.test(version)) {
    throw invalid(
      `Invalid version ${String(version)} specified: must be "latest" or a version such as 1.2.3`,
    );
  }
  if (!entry.versions.includes(version)) throw notFound(`Version ${version} of plugin ${plugin} not found`);
  return version;
}

/** Publishes a version (and the plugin, if new), so tests can show that `latest` is not drift. */
export function releaseVersion(
  ctx: Ctx,
  plugin: string,
  version: string,
  name: string | undefined,
): CatalogEntry {
  return ctx.mutate((state) => {
    const entry = state.catalog[plugin] ?? {
      id: 10_000 + Object.keys(state.catalog).length,
      name: name ?? plugin,
      versions: [],
    };
    if (!entry.versions.includes(version)) entry.versions.push(version);
    entry.versions.sort(compareVersions);
    state.catalog[plugin] = entry;
    return entry;
  });
}

/** The catalog entry for a plugin id (`grafana-clock-panel`) or its numeric catalog id. */
export function requireCatalogPlugin(
  ctx: Ctx,
  slugOrId: string,
): { slug: string; entry: Frozen<CatalogEntry> } {
  const bySlug = ctx.state.catalog[slugOrId];
  if (bySlug !== undefined) return { slug: slugOrId, entry: bySlug };
  if (/^\d+$/.test(slugOrId)) {
    const found = Object.entries(ctx.state.catalog).find(([, e]) => e.id === Number(slugOrId));
    if (found !== undefined) return { slug: found[0], entry: found[1] };
  }
  throw notFound(`Plugin ${slugOrId} not found`);
}

/** The plugin's kind, from the catalog's naming convention (`-panel`, `-datasource`, `-app`). */
function pluginType(slug: string): { typeId: number; typeName: string; typeCode: string } {
  if (slug.endsWith("-datasource")) return { typeId: 2, typeName: "Data Source", typeCode: "datasource" };
  if (slug.endsWith("-app")) return { typeId: 3, typeName: "Application", typeCode: "app" };
  return { typeId: 1, typeName: "Panel", typeCode: "panel" };
}

/** The publisher, from the plugin id's first part (`grafana-...` is Grafana Labs). */
function publisher(slug: string): { orgId: number; orgSlug: string; orgName: string; signature: string } {
  const owner = slug.split("-")[0] ?? slug;
  if (owner === "grafana")
    return { orgId: 5000, orgSlug: "grafana", orgName: "Grafana Labs", signature: "grafana" };
  let hash = 0;
  for (const ch of owner) hash = (hash * 31 + ch.charCodeAt(0)) % 100_000;
  return { orgId: 10_000 + hash, orgSlug: owner, orgName: owner, signature: "community" };
}

/** Fixed publication times of the built-in catalog. */
const CATALOG_CREATED_AT = "2019-01-15T10:00:00.000Z";
const CATALOG_UPDATED_AT = "2024-11-20T12:00:00.000Z";

/**
 * `GET /plugins/{slugOrId}` (the catalog's `FormattedApiPlugin`): the plugin with the version
 * asked for (`?version=`), else its newest; a version the catalog lacks answers 404.
 */
export function catalogPluginView(
  slug: string,
  entry: Frozen<CatalogEntry>,
  version: string | undefined,
): Record<string, unknown> {
  const shown = version ?? latestVersion(entry);
  if (!entry.versions.includes(shown)) throw notFound(`Version ${shown} of plugin ${slug} not found`);
  const type = pluginType(slug);
  const owner = publisher(slug);
  return {
    id: entry.id,
    slug,
    name: entry.name,
    description: `${entry.name} for Grafana`,
    status: "active",
    ...type,
    url: `https://grafana.com/grafana/plugins/${slug}`,
    createdAt: CATALOG_CREATED_AT,
    updatedAt: CATALOG_UPDATED_AT,
    orgId: owner.orgId,
    orgName: owner.orgName,
    orgSlug: owner.orgSlug,
    orgUrl: `https://grafana.com/orgs/${owner.orgSlug}`,
    userId: 0,
    downloads: 0,
    popularity: 0,
    featured: 0,
    verified: owner.signature === "grafana",
    internal: false,
    angularDetected: false,
    downloadSlug: slug,
    signatureType: owner.signature,
    packages: {},
    version: shown,
    versionStatus: "active",
    versionSignatureType: owner.signature,
    versionSignedByOrg: owner.orgSlug,
    versionSignedByOrgName: owner.orgName,
    json: {
      id: slug,
      type: type.typeCode,
      name: entry.name,
      state: "stable",
      info: { version: shown, updated: CATALOG_UPDATED_AT.slice(0, 10) },
      dependencies: { grafanaDependency: ">=10.0.0" },
    },
    links: [
      { rel: "self", href: `/plugins/${slug}` },
      { rel: "versions", href: `/plugins/${slug}/versions` },
    ],
  };
}
