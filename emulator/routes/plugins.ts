import { FastifyInstance } from "fastify";
import { randomInt } from "node:crypto";
import { CatalogEntry, latestVersion } from "../catalog";
import { iso, isoOrNull } from "../clock";
import { Ctx } from "../context";
import { conflict, legacyInvalid, notFound, OPERATION_IN_PROGRESS } from "../errors";
import { requireLiveStack, stackUrl } from "../stackModel";
import { PluginRecord, StackRecord } from "../store";
import { isObject } from "../validation";

/** Plugins: grafana-cloud-api.md "Grafana plugins"; real-api-behaviour.md "Plugins". */

function catalogEntry(ctx: Ctx, plugin: string): CatalogEntry {
  const entry = ctx.state.catalog[plugin];
  if (entry === undefined) throw notFound(`Plugin ${plugin} not found`);
  return entry;
}

/** `latest` (or no version) means the catalog's newest version at the time of the call. */
function resolveVersion(entry: CatalogEntry, plugin: string, version: unknown): string {
  if (version === undefined || version === null || version === "" || version === "latest") {
    return latestVersion(entry);
  }
  if (typeof version !== "string") throw legacyInvalid("Invalid version: must be a string");
  if (!entry.versions.includes(version)) throw notFound(`Version ${version} of plugin ${plugin} not found`);
  return version;
}

function pluginView(ctx: Ctx, stack: StackRecord, p: PluginRecord): Record<string, unknown> {
  const entry = ctx.state.catalog[p.plugin];
  return {
    id: p.id,
    instanceId: stack.id,
    instanceUrl: stackUrl(ctx, stack),
    instanceSlug: stack.slug,
    pluginId: entry?.id ?? 0,
    pluginSlug: p.plugin,
    pluginName: entry?.name ?? p.plugin,
    version: p.version,
    latestVersion: entry === undefined ? p.version : latestVersion(entry),
    createdAt: iso(p.createdAt),
    updatedAt: isoOrNull(p.updatedAt),
    links: [
      { rel: "self", href: `/instances/${stack.slug}/plugins/${p.plugin}` },
      { rel: "instance", href: `/instances/${stack.slug}` },
    ],
  };
}

export function registerPlugins(app: FastifyInstance, ctx: Ctx): void {
  const read = { config: { scope: "stack-plugins:read" } };
  const write = { config: { scope: "stack-plugins:write" } };
  const del = { config: { scope: "stack-plugins:delete" } };

  /**
   * After each plugin change the stack's Grafana is busy for a while; every plugin call on it
   * then answers 409 "operation in progress" (real-api-behaviour.md, "Plugins").
   */
  const liveNotBusy = (idOrSlug: string): StackRecord => {
    const stack = requireLiveStack(ctx, idOrSlug);
    if ((ctx.pluginBusyUntil.get(stack.id) ?? 0) > ctx.now()) throw conflict(OPERATION_IN_PROGRESS);
    return stack;
  };
  const changed = (stack: StackRecord): void => {
    if (ctx.opts.pluginBusyMs > 0) ctx.pluginBusyUntil.set(stack.id, ctx.now() + ctx.opts.pluginBusyMs);
    ctx.save();
  };
  const installed = (stack: StackRecord, plugin: string): PluginRecord => {
    const p = ctx.state.plugins.find((x) => x.stackId === stack.id && x.plugin === plugin);
    if (p === undefined) throw notFound(`Plugin ${plugin} is not installed on stack ${stack.slug}`);
    return p;
  };

  app.get<{ Params: { stack: string } }>("/api/instances/:stack/plugins", read, async (req) => {
    const stack = liveNotBusy(req.params.stack);
    const items = ctx.state.plugins
      .filter((p) => p.stackId === stack.id)
      .map((p) => pluginView(ctx, stack, p))
      .sort((a, b) => String(a.pluginName).localeCompare(String(b.pluginName)));
    return {
      items,
      orderBy: "pluginName",
      direction: "asc",
      links: [{ rel: "self", href: `/instances/${stack.slug}/plugins` }],
    };
  });

  app.post<{ Params: { stack: string } }>("/api/instances/:stack/plugins", write, async (req) => {
    const stack = liveNotBusy(req.params.stack);
    const body = req.body;
    if (!isObject(body)) throw legacyInvalid("Invalid request body: must be a JSON object");
    if (typeof body.plugin !== "string" || body.plugin === "")
      throw legacyInvalid("Field is required: plugin");
    const plugin = body.plugin;
    const version = resolveVersion(catalogEntry(ctx, plugin), plugin, body.version);
    if (ctx.state.plugins.some((p) => p.stackId === stack.id && p.plugin === plugin)) {
      throw conflict(`Plugin ${plugin} is already installed on stack ${stack.slug}`);
    }
    const record: PluginRecord = {
      id: randomInt(100_000, 2 ** 24),
      stackId: stack.id,
      plugin,
      version,
      createdAt: ctx.now(),
      updatedAt: null,
    };
    ctx.state.plugins.push(record);
    changed(stack);
    return pluginView(ctx, stack, record);
  });

  app.get<{ Params: { stack: string; plugin: string } }>(
    "/api/instances/:stack/plugins/:plugin",
    read,
    async (req) => {
      const stack = liveNotBusy(req.params.stack);
      return pluginView(ctx, stack, installed(stack, req.params.plugin));
    },
  );

  app.post<{ Params: { stack: string; plugin: string } }>(
    "/api/instances/:stack/plugins/:plugin",
    write,
    async (req) => {
      const stack = liveNotBusy(req.params.stack);
      const record = installed(stack, req.params.plugin);
      const body = req.body;
      if (!isObject(body)) throw legacyInvalid("Invalid request body: must be a JSON object");
      if (body.version === undefined || body.version === null || body.version === "") {
        throw legacyInvalid("Field is required: version");
      }
      record.version = resolveVersion(catalogEntry(ctx, record.plugin), record.plugin, body.version);
      record.updatedAt = ctx.now();
      changed(stack);
      return pluginView(ctx, stack, record);
    },
  );

  app.delete<{ Params: { stack: string; plugin: string } }>(
    "/api/instances/:stack/plugins/:plugin",
    del,
    async (req) => {
      const stack = liveNotBusy(req.params.stack);
      const record = installed(stack, req.params.plugin);
      ctx.state.plugins = ctx.state.plugins.filter((p) => p !== record);
      record.updatedAt = ctx.now();
      changed(stack);
      return pluginView(ctx, stack, record);
    },
  );
}
