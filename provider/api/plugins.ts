/**
 * Plugins installed on a stack: grafana-cloud-api.md "Grafana plugins"; behaviour per
 * real-api-behaviour.md "Plugins" (`latest` resolves to a concrete version, 409 "operation in
 * progress" while the stack's Grafana is busy, 404 for an unknown plugin).
 */
import { z } from "zod";
import type { ApiClient } from "../client/http";

/** An installation as GET/POST/DELETE /api/instances/{stack}/plugins[/{plugin}] answer; unknown fields pass through. */
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
export type PluginInstallationResponse = z.infer<typeof pluginInstallationSchema>;

const listSchema = z.looseObject({ items: z.array(pluginInstallationSchema) });

/** The message the API gives while another operation runs on the stack (real-api-behaviour.md "Plugins"). */
export function isOperationInProgress(status: number, message: string | undefined): boolean {
  return status === 409 && /operation in progress/i.test(message ?? "");
}

/**
 * Every plugin call may meet the stack busy with an earlier operation; repeating it later is what
 * the service asks for ("please try again later"), so the client retries that 409 (and only that
 * one) within its retry budget.
 */
const retryWhen = (status: number, _code: string | undefined, message: string | undefined) =>
  isOperationInProgress(status, message);

/**
 * The service asks to try a busy stack again after about 10 s, longer than the default retry
 * count covers; with this many, the time budget ends the retries.
 */
const maxRetries = 12;

const enc = encodeURIComponent;
const base = (stack: string) => `/api/instances/${enc(stack)}/plugins`;

export async function listPluginInstallations(
  c: ApiClient,
  stack: string,
): Promise<PluginInstallationResponse[]> {
  const r = await c.request({ method: "GET", path: base(stack), schema: listSchema, retryWhen, maxRetries });
  return r.items;
}

export function getPluginInstallation(
  c: ApiClient,
  stack: string,
  plugin: string,
): Promise<PluginInstallationResponse> {
  return c.request({
    method: "GET",
    path: `${base(stack)}/${enc(plugin)}`,
    schema: pluginInstallationSchema,
    retryWhen,
    maxRetries,
  });
}

export function installPlugin(
  c: ApiClient,
  stack: string,
  body: { plugin: string; version: string },
): Promise<PluginInstallationResponse> {
  // Not retrySafe: a repeat after a lost response answers 409 "already installed", which the
  // caller resolves by looking the installation up. A busy 409 means nothing was done: retried.
  return c.request({
    method: "POST",
    path: base(stack),
    body,
    schema: pluginInstallationSchema,
    retryWhen,
    maxRetries,
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
    path: `${base(stack)}/${enc(plugin)}`,
    body: { version },
    schema: pluginInstallationSchema,
    // Setting the same version twice is harmless.
    retrySafe: true,
    retryWhen,
    maxRetries,
  });
}

export async function uninstallPlugin(c: ApiClient, stack: string, plugin: string): Promise<void> {
  await c.request({
    method: "DELETE",
    path: `${base(stack)}/${enc(plugin)}`,
    schema: z.unknown(),
    retryWhen,
    maxRetries,
  });
}
