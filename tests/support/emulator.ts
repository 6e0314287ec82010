/**
 * The one emulator fixture of the engine and fault suites: an in-process emulator on 127.0.0.1,
 * port 0, reached only over HTTP (its control endpoints and its API), fast where the suites would
 * otherwise wait (stack readiness, plugin installs, a deleted stack's slug).
 */
import { DEFAULT_TOKEN, startEmulator, type EmulatorOptions } from "../../emulator";
import { apiCaller, controlOf, isLiveStack, TEMP_KEY_PREFIX, type EmulatorControl } from "./emulatorClient";
import { modeOptions } from "./emulatorMode";

export interface LiveObjects {
  stacks: any[];
  accessPolicies: any[];
  tokens: any[];
  plugins: any[];
  stackApiKeys: any[];
  /** Service accounts of the stacks' Grafana (StackServiceAccount, and StackApiKey on stacks without API keys). */
  serviceAccounts: any[];
  serviceAccountTokens: any[];
}

export interface TestEmulator extends EmulatorControl {
  /** The token the emulator accepts. */
  token: string;
  /** Calls the Cloud API with the emulator's token, behind Pulumi's back; throws on >= 300. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /**
   * The objects that exist: stacks not deleted or deleting, and everything else, except the
   * provider's own short-lived Admin keys, which expire by themselves and go with their stack.
   */
  live(): Promise<LiveObjects>;
  close(): Promise<void>;
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const token = options.token ?? DEFAULT_TOKEN;
  const em = await startEmulator({
    ...modeOptions(),
    host: "127.0.0.1",
    port: 0,
    readinessDelayMs: 100,
    pluginBusyMs: 0,
    // Replacements that keep a slug, and recreations after drift, reuse it at once.
    slugReuseWindowMs: 0,
    ...options,
  });
  const call = apiCaller(em.url, token);
  const control = controlOf(em.url);
  return {
    ...control,
    token,
    api: async (method, path, body) => {
      const res = await call(method, path, body);
      if (res.status >= 300) {
        throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      }
      return res;
    },
    live: async () => {
      const s = (await control.state()) as any;
      return {
        stacks: s.stacks.filter(isLiveStack),
        accessPolicies: s.accessPolicies,
        tokens: s.tokens,
        plugins: s.plugins,
        stackApiKeys: s.stackApiKeys.filter((k: any) => !String(k.name).startsWith(TEMP_KEY_PREFIX)),
        serviceAccounts: s.serviceAccounts,
        serviceAccountTokens: s.serviceAccountTokens,
      };
    },
    close: () => em.close(),
  };
}
