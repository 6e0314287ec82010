import type { FastifyInstance } from "fastify";
import type { OperationId } from "../contract";
import type { Ctx } from "../context";
import { invalid } from "../errors";
import { catalogPluginView, requireCatalogPlugin } from "../model/catalog";
import {
  installPlugin,
  listPlugins,
  parseInstall,
  parseVersionUpdate,
  pluginView,
  requireInstalled,
  requirePluginStack,
  uninstallPlugin,
  updatePluginVersion,
} from "../model/plugin";
import { compareValues, parseDirection } from "../model/region";
import { queryValue } from "../validation";

type ByStack = { Params: { stack: string } };
type ByPlugin = { Params: { stack: string; plugin: string } };

const PLUGIN_ORDER = ["instanceId", "pluginId", "pluginSlug", "pluginName"] as const;

/** `/instances/{stack}/plugins[/{plugin}]` and the catalog's `/plugins/{slugOrId}`. */
export function registerPlugins(app: FastifyInstance, ctx: Ctx): void {
  const route = (op: OperationId, scope?: string) => ({
    config: scope === undefined ? { op } : { op, scope },
  });

  // One page holds every installation; the contract's list envelope has page fields all the same.
  app.get<ByStack>(
    "/api/instances/:stack/plugins",
    route("getInstancePlugins", "stack-plugins:read"),
    async (req) => {
      const orderBy = queryValue(req.query, "orderBy") ?? "pluginName";
      if (!(PLUGIN_ORDER as readonly string[]).includes(orderBy)) {
        throw invalid(`orderBy: must be one of ${PLUGIN_ORDER.join(", ")}`);
      }
      const direction = parseDirection(queryValue(req.query, "direction"));
      const stack = requirePluginStack(ctx, req.params.stack);
      const items = listPlugins(ctx, stack)
        .map((p) => pluginView(ctx, stack, p))
        .sort((a, b) => compareValues(a[orderBy], b[orderBy]) || compareValues(a.id, b.id));
      if (direction === "desc") items.reverse();
      return {
        items,
        orderBy,
        direction,
        total: items.length,
        pages: 1,
        pageSize: 1000000,
        page: 1,
        links: [{ rel: "self", href: `/instances/${stack.slug}/plugins` }],
      };
    },
  );

  app.post<ByStack>(
    "/api/instances/:stack/plugins",
    route("postInstancePlugins", "stack-plugins:write"),
    async (req) => {
      const stack = requirePluginStack(ctx, req.params.stack);
      return pluginView(ctx, stack, installPlugin(ctx, stack, parseInstall(ctx, req.body)));
    },
  );

  app.get<ByPlugin>(
    "/api/instances/:stack/plugins/:plugin",
    route("getInstancePlugin", "stack-plugins:read"),
    async (req) => {
      const stack = requirePluginStack(ctx, req.params.stack);
      return pluginView(ctx, stack, requireInstalled(ctx, stack, req.params.plugin));
    },
  );

  app.post<ByPlugin>(
    "/api/instances/:stack/plugins/:plugin",
    route("postInstancePlugin", "stack-plugins:write"),
    async (req) => {
      const stack = requirePluginStack(ctx, req.params.stack);
      const plugin = requireInstalled(ctx, stack, req.params.plugin);
      const version = parseVersionUpdate(ctx, req.body, plugin);
      return pluginView(ctx, stack, updatePluginVersion(ctx, stack, plugin, version));
    },
  );

  // Answers the removed installation.
  app.delete<ByPlugin>(
    "/api/instances/:stack/plugins/:plugin",
    route("deleteInstancePlugin", "stack-plugins:delete"),
    async (req) => {
      const stack = requirePluginStack(ctx, req.params.stack);
      const plugin = requireInstalled(ctx, stack, req.params.plugin);
      return pluginView(ctx, stack, uninstallPlugin(ctx, stack, plugin));
    },
  );

  // The catalog needs no scope: it is public.
  app.get<{ Params: { slugOrId: string } }>("/api/plugins/:slugOrId", route("getPlugin"), async (req) => {
    const { slug, entry } = requireCatalogPlugin(ctx, req.params.slugOrId);
    const version = queryValue(req.query, "version");
    return catalogPluginView(slug, entry, version === "" ? undefined : version);
  });
}
