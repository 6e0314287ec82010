/**
 * What the fault-injection scenarios share: an emulator (in this process, or the CLI in a child
 * process for the restart scenario) reached only through its HTTP endpoints, a throwaway engine
 * project pointed at it through Pulumi config only (the caller's GRAFANA_CLOUD_* are overridden),
 * and the comparison of the emulator's objects with a declared set.
 */
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { DEFAULT_TOKEN, startEmulator, type EmulatorOptions } from "../../emulator";
import { modeOptions } from "../support/emulatorMode";
import {
  controlOf,
  TEMP_KEY_PREFIX,
  type EmulatorControl,
  type EmulatorState,
} from "../support/emulatorClient";
import {
  createEngineProject,
  declaredResources,
  EngineCommandError,
  type EngineProject,
  type StateResource,
} from "../../scripts/lib/engine";

export interface TestEmulator extends EmulatorControl {
  close(): Promise<void>;
}

/** An in-process emulator with fast stacks and plugins and no slug hold after deletion. */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const em = await startEmulator({
    ...modeOptions(),
    readinessDelayMs: 100,
    pluginBusyMs: 0,
    slugReuseWindowMs: 0,
    ...options,
  });
  return { ...controlOf(em.url), close: () => em.close() };
}

/**
 * A project whose credentials come from stack config only; GRAFANA_CLOUD_* from the caller's shell
 * are overridden, and the client's retry timing is set by `env`.
 */
export function createProject(options: {
  projectName: string;
  url: string;
  program: PulumiFn;
  env?: Record<string, string>;
}): Promise<EngineProject> {
  return createEngineProject({
    projectName: options.projectName,
    program: options.program,
    config: { "grafana-cloud:url": options.url },
    secretsConfig: { "grafana-cloud:accessPolicyToken": DEFAULT_TOKEN },
    env: {
      GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: "",
      GRAFANA_CLOUD_API_URL: "",
      GRAFANA_CLOUD_RETRY_BASE_DELAY_MS: "50",
      GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "30",
      ...options.env,
    },
  });
}

/** Runs `fn`; returns the EngineCommandError it threw, or undefined when it succeeded. */
export async function failureOf(fn: () => Promise<unknown>): Promise<EngineCommandError | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    if (err instanceof EngineCommandError) return err;
    throw err;
  }
}

/** The lines of the engine's output that carry an error. */
export function errorLines(output: string): string[] {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /error:/i.test(l));
}

/** `pulumi-nodejs:dynamic/grafana-cloud:Token` -> `Token`. */
export function typeOf(r: StateResource): string {
  return r.type.slice(r.type.lastIndexOf(":") + 1);
}

// -------------------------------------------------------------------------------------------------
// The declared set, and what the emulator must hold for it.

export interface DeclaredSet {
  stacks: string[];
  /** Policy name -> the index (in `stacks`) of the stack its realm names, or "org". */
  policies: Record<string, number | "org">;
  /** Token name -> policy name. */
  tokens: Record<string, string>;
  /** `stackSlug/plugin`. */
  plugins: string[];
  /** `stackSlug/name`. */
  stackApiKeys: string[];
}

/** Keys a temporary Admin session made (stackAdmin.ts): they live 60 s and are no one's orphans. */
export function isTemporaryKey(k: { name: string }): boolean {
  return k.name.startsWith(TEMP_KEY_PREFIX);
}

const sorted = (xs: string[]) => [...xs].sort();

/**
 * The emulator's live objects by natural key, as sorted lists in which a duplicate shows up twice,
 * plus the checks that need ids: token -> policy, policy realm -> stack.
 */
export function liveByNaturalKey(s: EmulatorState) {
  const stacks = s.stacks.filter((x) => x.status !== "deleted" && x.status !== "deleting");
  const stackIdBySlug = new Map(stacks.map((x) => [x.slug, x.id]));
  const policyNameById = new Map(s.accessPolicies.map((p) => [p.id, p.name]));
  return {
    stacks: sorted(stacks.map((x) => x.slug)),
    policies: sorted(s.accessPolicies.map((p) => p.name)),
    tokens: sorted(s.tokens.map((t) => t.name)),
    plugins: sorted(s.plugins.map((p) => `${p.stackSlug}/${p.plugin}`)),
    stackApiKeys: sorted(
      s.stackApiKeys.filter((k) => !isTemporaryKey(k)).map((k) => `${k.stackSlug}/${k.name}`),
    ),
    tokenPolicies: Object.fromEntries(
      s.tokens.map((t) => [t.name, policyNameById.get(t.accessPolicyId) ?? `missing ${t.accessPolicyId}`]),
    ),
    policyRealms: Object.fromEntries(
      s.accessPolicies.map((p) => [p.name, p.realms.map((r) => `${r.type}:${r.identifier}`).sort()]),
    ),
    stackIdBySlug,
  };
}

/** What `liveByNaturalKey` must equal for the declared set. */
export function expectedByNaturalKey(d: DeclaredSet, stackIdBySlug: Map<string, number>) {
  return {
    stacks: sorted(d.stacks),
    policies: sorted(Object.keys(d.policies)),
    tokens: sorted(Object.keys(d.tokens)),
    plugins: sorted(d.plugins),
    stackApiKeys: sorted(d.stackApiKeys),
    tokenPolicies: d.tokens,
    policyRealms: Object.fromEntries(
      Object.entries(d.policies).map(([name, realm]) => [
        name,
        [realm === "org" ? "org:1" : `stack:${stackIdBySlug.get(d.stacks[realm] ?? "") ?? "missing"}`],
      ]),
    ),
  };
}

/**
 * The ids Pulumi recorded, by type, next to the ids the emulator holds for the same objects: they
 * must be the same sets (state and emulator agree, nothing in state points at a missing object).
 */
export function idsInStateAndEmulator(resources: StateResource[], s: EmulatorState) {
  const ids = (type: string) => sorted(resources.filter((r) => typeOf(r) === type).map((r) => String(r.id)));
  const liveStacks = s.stacks.filter((x) => x.status !== "deleted" && x.status !== "deleting");
  return {
    state: {
      Stack: ids("Stack"),
      AccessPolicy: ids("AccessPolicy"),
      Token: ids("Token"),
      PluginInstallation: ids("PluginInstallation"),
      StackApiKey: ids("StackApiKey"),
    },
    emulator: {
      Stack: sorted(liveStacks.map((x) => String(x.id))),
      AccessPolicy: sorted(s.accessPolicies.map((p) => p.id)),
      Token: sorted(s.tokens.map((t) => t.id)),
      PluginInstallation: sorted(s.plugins.map((p) => `${p.stackSlug}/${p.plugin}`)),
      StackApiKey: sorted(
        s.stackApiKeys.filter((k) => !isTemporaryKey(k)).map((k) => `${k.stackSlug}/${k.id}`),
      ),
    },
  };
}

export { declaredResources };
export {
  controlOf,
  writesIn,
  type EmulatorControl,
  type EmulatorState,
  type RequestLogEntry,
} from "../support/emulatorClient";
