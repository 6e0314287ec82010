// Public entry point of pulumi-grafana-cloud: explicit named re-exports only.
export { resolveConfig, type ResolvedConfig } from "./config";
