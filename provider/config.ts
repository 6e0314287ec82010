/**
 * Endpoint and credential resolution, at call time only:
 * Pulumi config `grafana-cloud:accessPolicyToken` / `grafana-cloud:url` (handed to the dynamic
 * provider's `configure`), else `GRAFANA_CLOUD_ACCESS_POLICY_TOKEN` / `GRAFANA_CLOUD_API_URL`.
 * Nothing here ends up in the provider module stored in state.
 */
import type { ApiClient } from "./client/http";

export const DEFAULT_API_URL = "https://grafana.com";
export const CONFIG_TOKEN_KEY = "grafana-cloud:accessPolicyToken";
export const CONFIG_URL_KEY = "grafana-cloud:url";
export const ENV_TOKEN = "GRAFANA_CLOUD_ACCESS_POLICY_TOKEN";
export const ENV_URL = "GRAFANA_CLOUD_API_URL";

export interface ResolvedConfig {
  url: string;
  token: string;
  /** Where the token came from: the Pulumi config (which wins) or the environment. */
  tokenFrom: "pulumi-config" | "environment";
}

/** Values handed over by the dynamic provider's `configure` (this process only). */
const fromPulumiConfig: { token?: string; url?: string } = {};

/** Called by the dynamic provider host's `configure` with the stack configuration. */
export function setPulumiConfig(get: (key: string) => string | undefined): void {
  const token = get(CONFIG_TOKEN_KEY);
  const url = get(CONFIG_URL_KEY);
  if (token) fromPulumiConfig.token = token;
  else delete fromPulumiConfig.token;
  if (url) fromPulumiConfig.url = url;
  else delete fromPulumiConfig.url;
}

export class MissingCredentialsError extends Error {
  override name = "MissingCredentialsError";
  constructor() {
    super(
      "No Grafana Cloud access policy token is configured. Set the Pulumi config secret " +
        `\`${CONFIG_TOKEN_KEY}\` (pulumi config set --secret ${CONFIG_TOKEN_KEY} <token>) ` +
        `or the environment variable ${ENV_TOKEN}.`,
    );
  }
}

export function resolveConfig(env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const token = fromPulumiConfig.token ?? env[ENV_TOKEN];
  if (!token) throw new MissingCredentialsError();
  const url = fromPulumiConfig.url ?? env[ENV_URL] ?? DEFAULT_API_URL;
  const tokenFrom = fromPulumiConfig.token ? "pulumi-config" : "environment";
  return { url: url.replace(/\/+$/, ""), token, tokenFrom };
}

let version = "0.0.0";
try {
  version = (require("../../package.json") as { version: string }).version;
} catch {
  // Running from sources (ts-jest): the path differs; the user agent then says 0.0.0.
}

/** Clients by configuration, so a provider process reuses one while its configuration holds. */
const clients = new Map<string, ApiClient>();

/** A client for the current configuration, reused while the configuration stays the same. */
export function getClient(): ApiClient {
  const cfg = resolveConfig();
  const tuning = retryTuningFromEnv();
  const key = `${cfg.url}\u0000${cfg.token}\u0000${JSON.stringify(tuning)}`;
  const known = clients.get(key);
  if (known) return known;
  // Required here, not at the top: a program loads this module with the package's root (the
  // lookups and resolveConfig are exported from it) but needs the HTTP client, axios and its
  // dependencies (about 70 modules) only when it calls a lookup; the resources make their calls in
  // the dynamic provider host.
  const { ApiClient: Client } = require("./client/http") as typeof import("./client/http");
  const client = new Client({
    baseUrl: cfg.url,
    token: cfg.token,
    userAgent: `pulumi-grafana-cloud/${version}`,
    ...tuning,
  });
  // A provider process sees one or two configurations; the bound only guards against churn.
  if (clients.size >= 16) clients.clear();
  clients.set(key, client);
  return client;
}

/**
 * Retry tuning for tests and impatient pipelines: GRAFANA_CLOUD_RETRY_BUDGET_SECONDS,
 * GRAFANA_CLOUD_RETRY_BASE_DELAY_MS, and GRAFANA_CLOUD_TIMEOUT_SECONDS (the wall-clock limit of one
 * attempt, body included; default 30).
 */
function retryTuningFromEnv(): { retryBudgetMs?: number; baseDelayMs?: number; timeoutMs?: number } {
  const out: { retryBudgetMs?: number; baseDelayMs?: number; timeoutMs?: number } = {};
  const budget = Number(process.env["GRAFANA_CLOUD_RETRY_BUDGET_SECONDS"]);
  if (Number.isFinite(budget) && budget > 0) out.retryBudgetMs = budget * 1000;
  const timeout = Number(process.env["GRAFANA_CLOUD_TIMEOUT_SECONDS"]);
  if (Number.isFinite(timeout) && timeout > 0) out.timeoutMs = timeout * 1000;
  const base = Number(process.env["GRAFANA_CLOUD_RETRY_BASE_DELAY_MS"]);
  if (Number.isFinite(base) && base > 0) out.baseDelayMs = base;
  return out;
}
