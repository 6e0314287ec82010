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
import { listItem, sharedRead, type Collection } from "./sharedReads";

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

/**
 * Writes that change what a stack's plugin list shows: its plugins', and the stack's own (a
 * deleted stack takes its plugins along). Keys and service accounts under the stack do not.
 */
const changesPluginList = (p: string): boolean => /^\/api\/instances\/[^/]+(\/plugins(\/[^/]+)?)?$/.test(p);

/** What a list item must show to answer a read: `latestVersion` would otherwise pass for the installed one. */
const PLUGIN_LIST_KEYS = ["latestVersion"];

const pluginListSchema = z.looseObject({ items: z.array(z.unknown()).nullish() });

function pluginCollection(c: ApiClient, stack: string): Collection<PluginInstallationResponse> {
  return {
    key: `plugins ${stack}`,
    get: (plugin) => getPluginInstallation(c, stack, plugin),
    // The list answers every installation of the stack at once; it takes no paging parameters.
    async page() {
      const r = await c.request({
        method: "GET",
        path: base(stack),
        schema: pluginListSchema,
        retry: PLUGIN_RETRY,
      });
      return {
        items: (r.items ?? []).map((raw) =>
          listItem(raw, pluginInstallationSchema, PLUGIN_LIST_KEYS, (p) => p["pluginSlug"]),
        ),
        next: undefined,
      };
    },
    changedBy: changesPluginList,
    project: (p) => [p.id, p.pluginSlug, p.pluginName ?? null, p.version, p.latestVersion ?? null],
  };
}

/**
 * An installation as `getPluginInstallation` answers it, for `pulumi refresh`: the reads of one
 * stack's plugins in one process share the stack's plugin list (see sharedReads.ts).
 */
export function readPluginInstallation(
  c: ApiClient,
  stack: string,
  plugin: string,
): Promise<PluginInstallationResponse> {
  return sharedRead(c, pluginCollection(c, stack), plugin);
}
