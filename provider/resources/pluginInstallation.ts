/**
 * PluginInstallation: a plugin installed on a stack. `stackSlug` and `plugin` replace; `version`
 * is updated in place with `POST /api/instances/{stack}/plugins/{plugin}` (the Terraform provider
 * replaces the plugin).
 *
 * `latest` means "whatever is newest when installed": a newer catalog release is not drift (the
 * Terraform provider reinstalls on every release); the outputs `installedVersion` and
 * `latestVersion` show the gap. A pinned version that differs from the installed one is drift,
 * corrected in place by the next `up`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  getPluginInstallation,
  installPlugin,
  isOperationInProgress,
  readPluginInstallation,
  uninstallPlugin,
  updatePluginVersion,
  type PluginInstallationResponse,
} from "../api/plugins";
import { getStack, isGoneStatus } from "../api/stacks";
import { withContext } from "../client/context";
import {
  isAlreadyExistsError,
  isConflictError,
  isInvalidArgumentError,
  isNotFoundError,
  isOperationInProgressError,
} from "../client/errors";
import type { ApiClient } from "../client/http";
import { slugRule } from "./rules";
import {
  adoptWhatThisAttemptMade,
  createWithRecovery,
  defineResource,
  PartialFailureError,
  refusedRequest,
  type Props,
} from "./toolkit";

export interface PluginInstallationArgs {
  /** Slug of the stack to install on. Changing it replaces the installation. */
  stackSlug: pulumi.Input<string>;
  /** Plugin id in the Grafana catalog, e.g. `grafana-clock-panel`. Changing it replaces the installation. */
  plugin: pulumi.Input<string>;
  /**
   * A catalog version such as `2.1.5`, or `latest` (the default): the newest version at install
   * time, not followed afterwards. Updated in place.
   */
  version?: pulumi.Input<string>;
  /** Take over the plugin if it is already installed on the stack, instead of failing. */
  adoptExisting?: pulumi.Input<boolean>;
}

export const LATEST = "latest";
const PLUGIN_RULE = "must be a plugin id from the Grafana catalog, e.g. grafana-clock-panel";
const VERSION_RULE = 'must be "latest" or a version such as 1.2.3, of at most 64 characters';

export const pluginInstallationInputs = z.strictObject({
  stackSlug: slugRule,
  plugin: z.string({ error: PLUGIN_RULE }).regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,189}$/, PLUGIN_RULE),
  version: z
    .string({ error: VERSION_RULE })
    .max(64, VERSION_RULE)
    .regex(/^(latest|\d+(\.\d+){0,3}([-+][0-9A-Za-z.+-]+)?)$/, VERSION_RULE)
    .default(LATEST),
  adoptExisting: z.boolean({ error: "must be a boolean" }).default(false),
});
export type PluginInstallationInputs = z.output<typeof pluginInstallationInputs>;

export const pluginInstallationOutputs = pluginInstallationInputs.extend({
  /** The concrete installed version. */
  installedVersion: z.string(),
  /** The catalog's newest version when last read. */
  latestVersion: z.string(),
  pluginName: z.string(),
  installationId: z.number(),
});
export type PluginInstallationOutputs = z.output<typeof pluginInstallationOutputs>;

/**
 * `latest` stays `latest` whatever the catalog publishes; a switch between `latest` and a pinned
 * version is a change; a pinned version is a change when it differs from the stored one or from
 * the installed one (drift that a refresh recorded).
 */
export function versionChanged(old: unknown, next: unknown, olds: Props): boolean {
  if (next === LATEST) return old !== LATEST;
  return next !== old || next !== olds["installedVersion"];
}

/** `stackSlug/plugin`, the resource id. */
export function parsePluginInstallationId(id: string): { stackSlug: string; plugin: string } {
  const i = id.indexOf("/");
  if (i <= 0 || i === id.length - 1)
    throw new Error(`plugin installation id "${id}" is not of the form stackSlug/plugin`);
  return { stackSlug: id.slice(0, i), plugin: id.slice(i + 1) };
}

function toOutputs(
  p: PluginInstallationResponse,
  inputs: PluginInstallationInputs,
): PluginInstallationOutputs {
  return {
    ...inputs,
    installedVersion: p.version,
    latestVersion: p.latestVersion ?? p.version,
    pluginName: p.pluginName ?? p.pluginSlug,
    installationId: p.id,
  };
}

function needsVersionChange(p: PluginInstallationResponse, version: string): boolean {
  return version === LATEST
    ? p.latestVersion != null && p.version !== p.latestVersion
    : p.version !== version;
}

/** Brings an existing installation to the declared version. */
async function converge(client: ApiClient, p: PluginInstallationResponse, inputs: PluginInstallationInputs) {
  if (!needsVersionChange(p, inputs.version)) return p;
  return updatePluginVersion(client, inputs.stackSlug, inputs.plugin, inputs.version);
}

/**
 * The installation, or undefined when the plugin (or the stack) is not there. `shared`: for
 * refresh, where the reads of one stack's plugins share its plugin list.
 */
async function findInstallation(client: ApiClient, stackSlug: string, plugin: string, shared = false) {
  try {
    return await (shared ? readPluginInstallation : getPluginInstallation)(client, stackSlug, plugin);
  } catch (e) {
    if (isNotFoundError(e)) return undefined;
    throw e;
  }
}

/** Every plugin call may meet the stack busy; the client retried it until its budget ran out. */
const explainBusy = (e: unknown) =>
  isConflictError(e) && isOperationInProgress(409, e.apiMessage)
    ? "another operation was still in progress on the stack when the retry budget ran out; run `pulumi up` again later"
    : undefined;

/** A 404 on install: say whether the stack or the plugin (or its version) is unknown. */
async function notFoundHint(client: ApiClient, e: unknown, inputs: PluginInstallationInputs, where: string) {
  let stackExists = true;
  try {
    const s = await getStack(client, inputs.stackSlug);
    stackExists = !isGoneStatus(s.status);
  } catch (lookup) {
    if (isNotFoundError(lookup)) stackExists = false;
  }
  if (!stackExists) return withContext(e, `${where}: stack "${inputs.stackSlug}" does not exist`);
  const what =
    inputs.version === LATEST
      ? `plugin "${inputs.plugin}" is not in the Grafana plugin catalog`
      : `plugin "${inputs.plugin}" is not in the Grafana plugin catalog, or has no version ${inputs.version}`;
  return withContext(e, `${where}: ${what}; check the plugin id at https://grafana.com/grafana/plugins`);
}

/**
 * Installing an installed plugin: 409, but not the 409 of a busy stack or of a bad argument. The
 * wording is not relied on: create looks the installation up before saying it exists.
 */
const alreadyInstalled = (e: unknown) =>
  isConflictError(e) && !isInvalidArgumentError(e) && !isOperationInProgressError(e);

const LOOKUP_FAILED = Symbol("lookup failed");

export const pluginInstallation = defineResource({
  kind: "PluginInstallation",
  noun: "plugin installation",
  label: "plugin",
  inputs: pluginInstallationInputs,
  outputs: pluginInstallationOutputs,
  rules: {
    stackSlug: { replace: true },
    plugin: { replace: true },
    version: { changed: versionChanged },
  },
  naturalKey: ["stackSlug", "plugin"],
  hooks: {
    explain: explainBusy,
    updating: (_id, i) => `updating plugin "${i.plugin}" on stack "${i.stackSlug}" to version ${i.version}`,
    deleting: (id, props) => {
      const { stackSlug, plugin } = parsePluginInstallationId(id);
      return `uninstalling plugin "${String(props["plugin"] ?? plugin)}" from stack "${stackSlug}"`;
    },
  },

  async create(inputs, { client }) {
    const { stackSlug, plugin, version } = inputs;
    const where = `installing plugin "${plugin}" (version ${version}) on stack "${stackSlug}"`;
    const installed = await createWithRecovery({
      where,
      budgetMs: client.retryBudgetMs,
      make: () => installPlugin(client, stackSlug, { plugin, version }),
      // Repeating the install either installs the plugin or meets "already installed".
      recovery: adoptWhatThisAttemptMade({
        look: "on conflict",
        what: "plugin installation",
        sameKey: "of this plugin",
        fix: "set adoptExisting: true",
        taken: alreadyInstalled,
        identity: `plugin "${plugin}" installed on stack "${stackSlug}"`,
        cleanup:
          `set adoptExisting: true and run \`pulumi up\` again to take it over, or uninstall it (in the stack's ` +
          `Grafana under Administration, Plugins, or with DELETE /api/instances/${stackSlug}/plugins/${plugin})`,
        find: () => findInstallation(client, stackSlug, plugin),
        createdAt: (found) => found.createdAt,
        take: async (found) => found,
      }),
      // Bad arguments never reach this: createWithRecovery reports them as such.
      async onFailure(e) {
        if (isNotFoundError(e)) throw await notFoundHint(client, e, inputs, where);
        if (!alreadyInstalled(e)) return undefined;
        const existing = await findInstallation(client, stackSlug, plugin).catch(
          (): typeof LOOKUP_FAILED => LOOKUP_FAILED,
        );
        if (existing === undefined && !isAlreadyExistsError(e)) {
          throw withContext(e, `${where}: ${refusedRequest(e)}`);
        }
        if (existing !== undefined && existing !== LOOKUP_FAILED && inputs.adoptExisting) {
          return { done: existing };
        }
        throw withContext(
          e,
          `${where}: the plugin is already installed on this stack (perhaps by an interrupted run). Set ` +
            `adoptExisting: true to take it over (its version is then set to the declared one), or uninstall it first`,
        );
      },
      explain: explainBusy,
    });
    const id = `${stackSlug}/${plugin}`;
    // The plugin is installed from here on: failing to bring it to the declared version must not
    // orphan it. Recorded with the version it has, the next `up` sets the declared one.
    try {
      return { id, outs: toOutputs(await converge(client, installed, inputs), inputs) };
    } catch (e) {
      const hint = explainBusy(e);
      throw new PartialFailureError(
        `${where}: the plugin is installed (version ${installed.version}) but setting version ${version} failed` +
          `${hint ? ` (${hint})` : ""}; it is recorded in state, and the next \`pulumi up\` sets the version: ` +
          (e instanceof Error ? e.message : String(e)),
        id,
        toOutputs(installed, inputs),
      );
    }
  },

  async read(id, props, { client }) {
    const { stackSlug, plugin } = parsePluginInstallationId(id);
    // Not found when the plugin was uninstalled or the stack no longer exists: either way it is gone.
    const p = await findInstallation(client, stackSlug, plugin, true);
    if (!p) return undefined;
    // `latest` is kept as declared; a pinned version takes the installed one, so that refresh
    // shows a change made behind Pulumi's back and the next `up` puts the pinned one back.
    const declared = typeof props["version"] === "string" ? props["version"] : LATEST;
    return toOutputs(p, {
      stackSlug,
      plugin,
      version: declared === LATEST ? LATEST : p.version,
      adoptExisting: props["adoptExisting"] === true,
    });
  },

  async update(id, _olds, inputs, { client, where }) {
    // Read first: every plugin operation keeps the stack busy for a while, so none is made when
    // the installed version already is the declared one.
    const current = await findInstallation(client, inputs.stackSlug, inputs.plugin);
    if (!current) {
      throw new Error(
        `${where} (${id}): the plugin is no longer installed (removed outside Pulumi, or the stack is gone). ` +
          `Run \`pulumi refresh\`, then \`pulumi up\` to install it again`,
      );
    }
    try {
      return toOutputs(await converge(client, current, inputs), inputs);
    } catch (e) {
      if (isNotFoundError(e)) throw await notFoundHint(client, e, inputs, where);
      throw e;
    }
  },

  async delete(id, _props, { client }) {
    const { stackSlug, plugin } = parsePluginInstallationId(id);
    // A 404 (already uninstalled, or the stack is gone with it) is what delete wanted.
    await uninstallPlugin(client, stackSlug, plugin);
  },
});
