import type { FastifyInstance } from "fastify";
import type { Ctx } from "../context";
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

type ByStack = { Params: { stack: string } };
type ByPlugin = { Params: { stack: string; plugin: string } };

/** `/instances/{stack}/plugins[/{plugin}]`. */
export function registerPlugins(app: FastifyInstance, ctx: Ctx): void {
  const read = { config: { scope: "stack-plugins:read" } };
  const write = { config: { scope: "stack-plugins:write" } };
  const del = { config: { scope: "stack-plugins:delete" } };

  app.get<ByStack>("/api/instances/:stack/plugins", read, async (req) => {
    const stack = requirePluginStack(ctx, req.params.stack);
    const items = listPlugins(ctx, stack)
      .map((p) => pluginView(ctx, stack, p))
      .sort((a, b) => String(a.pluginName).localeCompare(String(b.pluginName)));
    return {
      items,
      orderBy: "pluginName",
      direction: "asc",
      links: [{ rel: "self", href: `/instances/${stack.slug}/plugins` }],
    };
  });

  app.post<ByStack>("/api/instances/:stack/plugins", write, async (req) => {
    const stack = requirePluginStack(ctx, req.params.stack);
    return pluginView(ctx, stack, installPlugin(ctx, stack, parseInstall(ctx, req.body)));
  });

  app.get<ByPlugin>("/api/instances/:stack/plugins/:plugin", read, async (req) => {
    const stack = requirePluginStack(ctx, req.params.stack);
    return pluginView(ctx, stack, requireInstalled(ctx, stack, req.params.plugin));
  });

  app.post<ByPlugin>("/api/instances/:stack/plugins/:plugin", write, async (req) => {
    const stack = requirePluginStack(ctx, req.params.stack);
    const plugin = requireInstalled(ctx, stack, req.params.plugin);
    return pluginView(
      ctx,
      stack,
      updatePluginVersion(ctx, stack, plugin, parseVersionUpdate(ctx, req.body, plugin)),
    );
  });

  app.delete<ByPlugin>("/api/instances/:stack/plugins/:plugin", del, async (req) => {
    const stack = requirePluginStack(ctx, req.params.stack);
    return pluginView(
      ctx,
      stack,
      uninstallPlugin(ctx, stack, requireInstalled(ctx, stack, req.params.plugin)),
    );
  });
}
