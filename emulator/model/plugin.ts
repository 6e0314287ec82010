import { randomInt } from "node:crypto";
import { iso, isoOrNull } from "../clock";
import type { Ctx } from "../context";
import { OPERATION_IN_PROGRESS, conflict, invalid, notFound } from "../errors";
import type { Frozen } from "../store";
import { PLUGIN_RE, isObject } from "../validation";
import { latestVersion, requireCatalogEntry, resolveVersion } from "./catalog";
import { Stack, requireLiveStack, stackUrl } from "./stack";

/**
 * Plugins installed on a stack (`/instances/{stack}/plugins`). The stored version is always
 * concrete: `latest` resolves to the catalog's newest version when asked. After each change the
 * stack's Grafana is busy for `pluginBusyMs`, and every plugin call on that stack answers 409
 * "operation in progress" until then.
 */

export interface PluginRecord {
  id: number;
  stackId: number;
  plugin: string;
  version: string;
  createdAt: number;
  updatedAt: number | null;
}

export type Plugin = Frozen<PluginRecord>;

/**
 * What the API answers for an installation. One never updated answers `updatedAt: null` as
 * observed; under the contract, which allows no null there, the field is left out.
 */
export function pluginView(ctx: Ctx, stack: Stack, p: Plugin): Record<string, unknown> {
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
    ...(p.updatedAt === null && ctx.strict ? {} : { updatedAt: isoOrNull(p.updatedAt) }),
    links: [
      { rel: "self", href: `/instances/${stack.slug}/plugins/${p.plugin}` },
      { rel: "instance", href: `/instances/${stack.slug}` },
    ],
  };
}

/** A live stack that is not busy with an earlier plugin change. */
export function requirePluginStack(ctx: Ctx, idOrSlug: string): Stack {
  const stack = requireLiveStack(ctx, idOrSlug);
  if ((ctx.pluginBusyUntil.get(stack.id) ?? 0) > ctx.now()) throw conflict(OPERATION_IN_PROGRESS);
  return stack;
}

export function requireInstalled(ctx: Ctx, stack: Stack, plugin: string): Plugin {
  const p = ctx.state.plugins.find((x) => x.stackId === stack.id && x.plugin === plugin);
  if (p === undefined) throw notFound(`Plugin ${plugin} is not installed on stack ${stack.slug}`);
  return p;
}

export function listPlugins(ctx: Ctx, stack: Stack): Plugin[] {
  return ctx.state.plugins.filter((p) => p.stackId === stack.id);
}

export interface InstallInput {
  plugin: string;
  version: string;
}

export function parseInstall(ctx: Ctx, body: unknown): InstallInput {
  if (!isObject(body)) throw invalid("Invalid request body: must be a JSON object");
  if (typeof body.plugin !== "string" || body.plugin === "") throw invalid("Field is required: plugin");
  if (!PLUGIN_RE.test(body.plugin)) {
    throw invalid(`Invalid plugin ${body.plugin} specified: must be a plugin id such as grafana-clock-panel`);
  }
  const plugin = body.plugin;
  return { plugin, version: resolveVersion(requireCatalogEntry(ctx, plugin), plugin, body.version) };
}

/** The update body: a version (`latest` allowed), required. */
export function parseVersionUpdate(ctx: Ctx, body: unknown, current: Plugin): string {
  if (!isObject(body)) throw invalid("Invalid request body: must be a JSON object");
  if (body.version === undefined || body.version === null || body.version === "") {
    throw invalid("Field is required: version");
  }
  return resolveVersion(requireCatalogEntry(ctx, current.plugin), current.plugin, body.version);
}

function busyAfterChange(ctx: Ctx, stack: Stack): void {
  if (ctx.opts.pluginBusyMs > 0) ctx.pluginBusyUntil.set(stack.id, ctx.now() + ctx.opts.pluginBusyMs);
}

export function installPlugin(ctx: Ctx, stack: Stack, input: InstallInput): Plugin {
  if (ctx.state.plugins.some((p) => p.stackId === stack.id && p.plugin === input.plugin)) {
    throw conflict(`Plugin ${input.plugin} is already installed on stack ${stack.slug}`);
  }
  const record = ctx.mutate((state, now) => {
    const p: PluginRecord = {
      id: randomInt(100_000, 2 ** 24),
      stackId: stack.id,
      plugin: input.plugin,
      version: input.version,
      createdAt: now,
      updatedAt: null,
    };
    state.plugins.push(p);
    return p;
  });
  busyAfterChange(ctx, stack);
  return record;
}

export function updatePluginVersion(ctx: Ctx, stack: Stack, plugin: Plugin, version: string): Plugin {
  const record = ctx.mutate((state, now) => {
    const target = state.plugins.find((p) => p.id === plugin.id);
    if (target === undefined)
      throw notFound(`Plugin ${plugin.plugin} is not installed on stack ${stack.slug}`);
    target.version = version;
    target.updatedAt = now;
    return target;
  });
  busyAfterChange(ctx, stack);
  return record;
}

/** Removes the installation and answers it as it was, stamped with the removal time. */
export function uninstallPlugin(ctx: Ctx, stack: Stack, plugin: Plugin): Plugin {
  const removed = ctx.mutate((state, now) => {
    state.plugins = state.plugins.filter((p) => p.id !== plugin.id);
    return { ...plugin, updatedAt: now };
  });
  busyAfterChange(ctx, stack);
  return removed;
}
