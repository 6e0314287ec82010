/**
 * PluginInstallation: a plugin installed on a stack (grafana-cloud-api.md "Grafana plugins").
 * `stackSlug` and `plugin` replace; `version` is updated in place with
 * `POST /api/instances/{stack}/plugins/{plugin}` (the Terraform provider replaces the plugin).
 *
 * `latest` means "whatever is newest when installed": a newer catalog release is not drift (the
 * Terraform provider reinstalls on every release, real-api-behaviour.md last section); the outputs
 * `installedVersion` and `latestVersion` show the gap. A pinned version that differs from the
 * installed one is drift, corrected in place by the next `up`.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  getPluginInstallation,
  installPlugin,
  isOperationInProgress,
  uninstallPlugin,
  updatePluginVersion,
  type PluginInstallationResponse,
} from "../api/plugins";
import { getStack, isGoneStatus } from "../api/stacks";
import { isConflictError, isNotFoundError, isOutcomeUnknown } from "../client/errors";
import type { ApiClient } from "../client/http";
import { getClient } from "../config";
import {
  checkResult,
  diffFields,
  diffResult,
  isUnknown,
  validate,
  withContext,
  withOutputs,
  type FieldRule,
  parseInputs,
  madeSince,
} from "./framework";
import { slugRule } from "./rules";
import { providerStub } from "./stub";

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
const VERSION_RULE = 'must be "latest" or a version such as 1.2.3';

export const pluginInstallationInputs = z.strictObject({
  stackSlug: slugRule,
  plugin: z.string({ error: PLUGIN_RULE }).regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,189}$/, PLUGIN_RULE),
  version: z
    .string({ error: VERSION_RULE })
    .regex(/^(latest|\d+(\.\d+){0,3}([-+][0-9A-Za-z.+-]+)?)$/, VERSION_RULE)
    .default(LATEST),
  adoptExisting: z.boolean({ error: "must be a boolean" }).default(false),
});
export type PluginInstallationInputs = z.output<typeof pluginInstallationInputs>;

export interface PluginInstallationOutputs extends PluginInstallationInputs {
  /** The concrete installed version. */
  installedVersion: string;
  /** The catalog's newest version when last read. */
  latestVersion: string;
  pluginName: string;
  installationId: number;
}

const OUTPUT_NAMES = [
  "version",
  "adoptExisting",
  "installedVersion",
  "latestVersion",
  "pluginName",
  "installationId",
];

/** `version` is compared by `versionChanged`, not by a plain rule. */
export const pluginInstallationRules: Record<string, FieldRule> = {
  stackSlug: { replace: true },
  plugin: { replace: true },
};

/**
 * `latest` stays `latest` whatever the catalog publishes; a switch between `latest` and a pinned
 * version is a change; a pinned version is a change when it differs from the stored one or from
 * the installed one (drift that a refresh recorded).
 */
export function versionChanged(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  const n = news["version"] ?? LATEST;
  if (isUnknown(n)) return true;
  const o = olds["version"] ?? LATEST;
  if (n === LATEST) return o !== LATEST;
  return n !== o || n !== olds["installedVersion"];
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
    stackSlug: inputs.stackSlug,
    plugin: inputs.plugin,
    version: inputs.version,
    adoptExisting: inputs.adoptExisting,
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
async function converge(
  client: ApiClient,
  p: PluginInstallationResponse,
  inputs: PluginInstallationInputs,
): Promise<PluginInstallationResponse> {
  if (!needsVersionChange(p, inputs.version)) return p;
  return updatePluginVersion(client, inputs.stackSlug, inputs.plugin, inputs.version);
}

async function findInstallation(
  client: ApiClient,
  stackSlug: string,
  plugin: string,
): Promise<PluginInstallationResponse | undefined> {
  try {
    return await getPluginInstallation(client, stackSlug, plugin);
  } catch (e) {
    if (isNotFoundError(e)) return undefined;
    throw e;
  }
}

function busyHint(e: unknown, where: string): unknown {
  if (isConflictError(e) && isOperationInProgress(409, e.apiMessage)) {
    return withContext(
      e,
      `${where}: another operation was still in progress on the stack when the retry budget ran out; ` +
        `run \`pulumi up\` again later`,
    );
  }
  return withContext(e, where);
}

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

export const pluginInstallationProvider = {
  async check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.CheckResult> {
    return checkResult(
      validate(pluginInstallationInputs, news, (raw) => ({ version: LATEST, adoptExisting: false, ...raw })),
    );
  },

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    const d = diffFields(pluginInstallationRules, olds, news);
    if (versionChanged(olds, news)) d.changes.push("version");
    return diffResult(d);
  },

  async create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const inputs = parseInputs(pluginInstallationInputs, raw);
    const client = getClient();
    const id = `${inputs.stackSlug}/${inputs.plugin}`;
    const where = `installing plugin "${inputs.plugin}" (version ${inputs.version}) on stack "${inputs.stackSlug}"`;
    const startedAt = Date.now();
    let lostResponse = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const p = await installPlugin(client, inputs.stackSlug, {
          plugin: inputs.plugin,
          version: inputs.version,
        });
        return { id, outs: toOutputs(p, inputs) };
      } catch (e) {
        if (isNotFoundError(e)) throw await notFoundHint(client, e, inputs, where);
        if (isConflictError(e) && e.code !== "InvalidArgument" && !isOperationInProgress(409, e.apiMessage)) {
          // Installing an installed plugin: 409 (real-api-behaviour.md "Plugins").
          const existing = await findInstallation(client, inputs.stackSlug, inputs.plugin);
          const ours = existing !== undefined && lostResponse && madeSince(existing.createdAt, startedAt);
          if (existing && (ours || inputs.adoptExisting)) {
            try {
              return { id, outs: toOutputs(await converge(client, existing, inputs), inputs) };
            } catch (err) {
              throw busyHint(err, `${where}: taking over the installed plugin`);
            }
          }
          throw withContext(
            e,
            `${where}: the plugin is already installed on this stack (perhaps by an interrupted run). Set ` +
              `adoptExisting: true to take it over ` +
              `(its version is then set to the declared one), or uninstall it first`,
          );
        }
        if (!isOutcomeUnknown(e) || attempt >= 3) {
          throw busyHint(
            e,
            lostResponse
              ? `${where}: the response to an earlier attempt was lost, so the plugin may be installed; if the ` +
                  `next run reports it installed, set adoptExisting: true`
              : where,
          );
        }
        // The response was lost: the plugin may be installed. Trying again either installs it or
        // meets the 409 "already installed", resolved above.
        lostResponse = true;
      }
    }
  },

  async read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const { stackSlug, plugin } = parsePluginInstallationId(id);
    try {
      // 404 when the plugin was uninstalled or the stack no longer exists: either way it is gone.
      const p = await findInstallation(getClient(), stackSlug, plugin);
      if (!p) return {};
      // `latest` is kept as declared; a pinned version takes the installed one, so that refresh
      // shows a change made behind Pulumi's back and the next `up` puts the pinned one back.
      const declared = typeof props["version"] === "string" ? props["version"] : LATEST;
      const inputs: PluginInstallationInputs = {
        stackSlug,
        plugin,
        version: declared === LATEST ? LATEST : p.version,
        adoptExisting: props["adoptExisting"] === true,
      };
      return { id, props: toOutputs(p, inputs), inputs };
    } catch (e) {
      throw withContext(e, `reading plugin installation ${id}`);
    }
  },

  async update(
    id: string,
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const inputs = parseInputs(pluginInstallationInputs, news);
    const client = getClient();
    const where = `updating plugin "${inputs.plugin}" on stack "${inputs.stackSlug}" to version ${inputs.version}`;
    let current: PluginInstallationResponse | undefined;
    try {
      // Read first: every plugin operation keeps the stack busy for a while, so none is made
      // when the installed version already is the declared one.
      current = await findInstallation(client, inputs.stackSlug, inputs.plugin);
    } catch (e) {
      throw busyHint(e, where);
    }
    if (!current) {
      throw new Error(
        `${where} (${id}): the plugin is no longer installed (removed outside Pulumi, or the stack is gone). ` +
          `Run \`pulumi refresh\`, then \`pulumi up\` to install it again`,
      );
    }
    try {
      return { outs: toOutputs(await converge(client, current, inputs), inputs) };
    } catch (e) {
      if (isNotFoundError(e)) throw await notFoundHint(client, e, inputs, where);
      throw busyHint(e, where);
    }
  },

  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    const { stackSlug, plugin } = parsePluginInstallationId(id);
    try {
      await uninstallPlugin(getClient(), stackSlug, plugin);
    } catch (e) {
      // Already uninstalled, or the stack is gone with it.
      if (isNotFoundError(e)) return;
      throw busyHint(
        e,
        `uninstalling plugin "${String(props["plugin"] ?? plugin)}" from stack "${stackSlug}"`,
      );
    }
  },
};

/** A plugin installed on a Grafana Cloud stack. */
export class PluginInstallation extends pulumi.dynamic.Resource {
  declare readonly stackSlug: pulumi.Output<string>;
  declare readonly plugin: pulumi.Output<string>;
  /** As declared: `latest` or a pinned version. */
  declare readonly version: pulumi.Output<string>;
  declare readonly adoptExisting: pulumi.Output<boolean>;
  /** The concrete installed version. */
  declare readonly installedVersion: pulumi.Output<string>;
  /** The catalog's newest version when last read. */
  declare readonly latestVersion: pulumi.Output<string>;
  declare readonly pluginName: pulumi.Output<string>;
  declare readonly installationId: pulumi.Output<number>;

  constructor(name: string, args: PluginInstallationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerStub("PluginInstallation"),
      name,
      withOutputs(args, OUTPUT_NAMES),
      opts,
      "grafana-cloud",
      "PluginInstallation",
    );
  }
}
