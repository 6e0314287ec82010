// Placeholder replaced by the client layer commit.
export interface ResolvedConfig {
  url: string;
}
export function resolveConfig(): ResolvedConfig {
  return { url: process.env["GRAFANA_CLOUD_API_URL"] ?? "https://grafana.com" };
}
