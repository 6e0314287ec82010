/**
 * What the engine scenarios share: an emulator of their own, a throwaway project whose provider
 * host is pointed at it through Pulumi config only (the environment's GRAFANA_CLOUD_* are blanked
 * so nothing leaks in from the caller's shell), calls behind Pulumi's back, and readers for the
 * engine's step events and the emulator's state.
 */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { DEFAULT_TOKEN, startEmulator, type EmulatorOptions } from "../../emulator";
import { modeOptions } from "../support/emulatorMode";
import {
  apiCaller,
  controlOf,
  isLiveStack,
  nameOf,
  TEMP_KEY_PREFIX,
  type RequestLogEntry,
} from "../support/emulatorClient";
import {
  createEngineProject,
  declaredResources,
  type EngineProject,
  type EngineProjectOptions,
  type StateResource,
} from "../../scripts/lib/engine";

/** An emulator plus calls to its API and control endpoints, from the test process. */
export interface TestEmulator {
  url: string;
  token: string;
  /** Calls the Cloud API with the emulator's token, behind Pulumi's back. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  requests(): Promise<RequestLogEntry[]>;
  clearRequests(): Promise<void>;
  /** `GET /_emulator/state`: every object, deleted stacks included. */
  state(): Promise<any>;
  /**
   * The objects that exist: stacks not deleted or deleting, and everything else, except the
   * provider's own short-lived Admin keys (stackAdmin.ts), which expire by themselves and go with
   * their stack.
   */
  live(): Promise<LiveObjects>;
  close(): Promise<void>;
}

export interface LiveObjects {
  stacks: any[];
  accessPolicies: any[];
  tokens: any[];
  plugins: any[];
  stackApiKeys: any[];
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const token = options.token ?? DEFAULT_TOKEN;
  const em = await startEmulator({
    ...modeOptions(),
    readinessDelayMs: 200,
    // Replacements that keep a slug, and recreations after drift, reuse it at once.
    slugReuseWindowMs: 0,
    ...options,
  });
  const call = apiCaller(em.url, token);
  const control = controlOf(em.url);
  const state = () => control.state() as Promise<any>;
  return {
    url: em.url,
    token,
    api: async (method, path, body) => {
      const res = await call(method, path, body);
      if (res.status >= 300) {
        throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      }
      return res;
    },
    requests: control.requests,
    clearRequests: control.clearRequests,
    state,
    live: async () => {
      const s = await state();
      return {
        stacks: s.stacks.filter(isLiveStack),
        accessPolicies: s.accessPolicies,
        tokens: s.tokens,
        plugins: s.plugins,
        stackApiKeys: s.stackApiKeys.filter((k: any) => !String(k.name).startsWith(TEMP_KEY_PREFIX)),
      };
    },
    close: () => em.close(),
  };
}

export interface Scenario {
  emulator: TestEmulator;
  project: EngineProject;
  dispose(): Promise<void>;
}

/** The environment variables the package would fall back to; blanked for every engine run. */
const BLANKED_ENV = {
  GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: "",
  GRAFANA_CLOUD_API_URL: "",
};

/**
 * An emulator and a project whose credentials come from stack config: `grafana-cloud:url` plain,
 * `grafana-cloud:accessPolicyToken` secret.
 */
export async function startScenario(options: {
  projectName: string;
  program: PulumiFn;
  emulator?: EmulatorOptions;
  env?: Record<string, string>;
  links?: EngineProjectOptions["links"];
}): Promise<Scenario> {
  const emulator = await startTestEmulator(options.emulator);
  let project: EngineProject;
  try {
    project = await createEngineProject({
      projectName: options.projectName,
      program: options.program,
      config: { "grafana-cloud:url": emulator.url },
      secretsConfig: { "grafana-cloud:accessPolicyToken": emulator.token },
      env: {
        ...BLANKED_ENV,
        // Keep the client's retries short: the emulator answers at once.
        GRAFANA_CLOUD_RETRY_BASE_DELAY_MS: "20",
        GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "10",
        ...options.env,
      },
      ...(options.links ? { links: options.links } : {}),
    });
  } catch (err) {
    await emulator.close();
    throw err;
  }
  return {
    emulator,
    project,
    async dispose() {
      try {
        await project.dispose();
      } finally {
        await emulator.close();
      }
    },
  };
}

/** The steps the engine announced (resource pre-events), per logical resource name, in order. */
export function stepsByName(events: EngineEvent[]): Record<string, OpType[]> {
  const steps: Record<string, OpType[]> = {};
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) continue;
    (steps[nameOf(m.urn)] ??= []).push(m.op);
  }
  return steps;
}

/** Logical names of the resources whose steps include `op`. */
export function namesWithOp(events: EngineEvent[], op: OpType): string[] {
  return Object.entries(stepsByName(events))
    .filter(([, ops]) => ops.includes(op))
    .map(([name]) => name)
    .sort();
}

/** Keys that forced replacement of `name`, as the engine reported them. */
export function replaceKeys(events: EngineEvent[], name: string): string[] {
  const keys = new Set<string>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m && nameOf(m.urn) === name) for (const k of m.keys ?? []) keys.add(k);
  }
  return [...keys].sort();
}

/** The declared resource of that logical name in exported state. */
export function resourceNamed(resources: StateResource[], name: string): StateResource {
  const found = resources.find((r) => nameOf(r.urn) === name);
  if (!found)
    throw new Error(`no resource named ${name} in state: ${resources.map((r) => r.urn).join(", ")}`);
  return found;
}

export { declaredResources };

export { nameOf, TEMP_KEY_PREFIX, writesIn, type RequestLogEntry } from "../support/emulatorClient";
