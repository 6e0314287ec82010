/**
 * Plugins installed on a stack: `/api/instances/{stack}/plugins[/{plugin}]`. `latest` resolves to
 * a concrete version; while the stack's Grafana is busy with an earlier operation the API answers
 * 409 "operation in progress, please try again later"; an unknown plugin is a 404.
 */
import { z } from "zod";
import { isOperationInProgressAnswer } from "../client/errors";
import type { ApiClient } from "../client/http";
import { path } from "../client/path";
import { DEFAULT_RETRY, retryPolicy, WRITE_SAFE } from "../client/retry";

/** An installation as GET/POST/DELETE answer it; unknown fields pass through. */
export const pluginInstallationSchema = z.looseObject({
  /** Numeric id of the installation. */
  id: z.number(),
  /** Numeric id of the stack. */
  instanceId: z.number(),
  instanceUrl: z.string().nullish(),
  instanceSlug: z.string().nullish(),
  /** The catalog's numeric id of the plugin. */
  pluginId: z.number().nullish(),
  /** The plugin's id in the catalog, e.g. `grafana-github-datasource`. */
  pluginSlug: z.string(),
  /** Display name, e.g. `GitHub`. */
  pluginName: z.string().nullish(),
  /** The concrete installed version (never `latest`). */
  version: z.string(),
  /** The catalog's newest version. */
  latestVersion: z.string().nullish(),
  createdAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
});
export type PluginInstallationResponse = z.output<typeof pluginInstallationSchema>;

const listSchema = z.looseObject({ items: z.array(pluginInstallationSchema) });

/** The answer the API gives while another operation runs on the stack. */
export function isOperationInProgress(status: number, message: string | undefined): boolean {
  return isOperationInProgressAnswer(status, message);
}

/**
 * Every plugin call may meet the stack busy with an earlier operation; repeating it later is what
 * the service asks for, so that 409 (and only that one) is retried, for every method: nothing was
 * done. The service asks to try again after about 10 s, longer than the default retry count
 * covers; with this many attempts the client's time budget ends the retries.
 */
export const PLUGIN_RETRY = retryPolicy("PLUGIN_RETRY", DEFAULT_RETRY, {
  limit: 13,
  retryWhen: (a) => isOperationInProgressAnswer(a.status, a.message),
});
/** `PLUGIN_RETRY` for a POST that sets a version: setting the same version twice is harmless. */
export const PLUGIN_WRITE_SAFE = retryPolicy("PLUGIN_WRITE_SAFE", PLUGIN_RETRY, {
  methods: WRITE_SAFE.methods,
});

const base = (stack: string) => path`/api/instances/${stack}/plugins`;
const one = (stack: string, plugin: string) => path`/api/instances/${stack}/plugins/${plugin}`;

export async function listPluginInstallations(
  c: ApiClient,
  stack: string,
): Promise<PluginInstallationResponse[]> {
  const r = await c.request({ method: "GET", path: base(stack), schema: listSchema, retry: PLUGIN_RETRY });
  return r.items;
}

export function getPluginInstallation(
  c: ApiClient,
  stack: string,
  plugin: string,
): Promise<PluginInstallationResponse> {
  return c.request({
    method: "GET",
    path: one(stack, plugin),
    schema: pluginInstallationSchema,
    retry: PLUGIN_RETRY,
  });
}

export function installPlugin(
  c: ApiClient,
  stack: string,
  body: { plugin: string; version: string },
): Promise<PluginInstallationResponse> {
  // Not repeated after an unknown outcome: a repeat after a lost answer meets 409 "already
  // installed", which the caller resolves by looking the installation up.
  return c.request({
    method: "POST",
    path: base(stack),
    body,
    schema: pluginInstallationSchema,
    retry: PLUGIN_RETRY,
  });
}

export function updatePluginVersion(
  c: ApiClient,
  stack: string,
  plugin: string,
  version: string,
): Promise<PluginInstallationResponse> {
  return c.request({
    method: "POST",
    path: one(stack, plugin),
    body: { version },
    schema: pluginInstallationSchema,
    retry: PLUGIN_WRITE_SAFE,
  });
}

export async function uninstallPlugin(c: ApiClient, stack: string, plugin: string): Promise<void> {
  await c.request({ method: "DELETE", path: one(stack, plugin), schema: z.unknown(), retry: PLUGIN_RETRY });
}
