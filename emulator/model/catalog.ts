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
