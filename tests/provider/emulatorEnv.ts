/**
 * Starts the emulator for provider tests and points the providers at it through the same
 * environment variables a user would set. Control endpoints give the request log, faults and a
 * state dump, so tests can count calls and check for duplicates and orphans.
 */
import { DEFAULT_TOKEN, startEmulator, type EmulatorOptions, type FaultSpec } from "../../emulator";
import { setClock, systemClock } from "../../provider/clock";
import { apiCaller, controlOf, type EmulatorControl } from "../support/emulatorClient";
import { modeOptions } from "../support/emulatorMode";

export { rejection } from "../support/emulatorClient";

export interface TestEmulator extends EmulatorControl {
  /** Calls the API (with the emulator token) behind the providers' back. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** The state dump, loosely typed: provider tests read many shapes of it. */
  state(): Promise<any>;
  fault(spec: FaultSpec): Promise<void>;
  /** How many requests a fault of this kind decided, from the request log. */
  faulted(kind: string): Promise<number>;
  /** Moves the emulator's clock and the provider's clock forward together. */
  advanceClocks(seconds: number): Promise<void>;
  /** From now until `reset`, the provider's waits move both clocks instead of taking real time. */
  skipWaits(): void;
  /** Also puts the provider's clock back to real time. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** An emulator in the mode GRAFANA_CLOUD_EMULATOR_STRICT asks for, unless `options` say. */
export async function useEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const em = await startEmulator({
    readinessDelayMs: 200,
    slugReuseWindowMs: 1500,
    ...modeOptions(),
    ...options,
  });
  process.env["GRAFANA_CLOUD_API_URL"] = em.url;
  process.env["GRAFANA_CLOUD_ACCESS_POLICY_TOKEN"] = options.token ?? DEFAULT_TOKEN;
  process.env["GRAFANA_CLOUD_RETRY_BASE_DELAY_MS"] = "20";
  process.env["GRAFANA_CLOUD_RETRY_BUDGET_SECONDS"] = "10";
  const control = controlOf(em.url);
  let offsetMs = 0;
  let skipping = false;
  const advanceClocks = async (seconds: number) => {
    offsetMs += seconds * 1000;
    await control.advanceClock(seconds);
  };
  const install = () =>
    setClock({
      now: () => systemClock.now() + offsetMs,
      sleep: (ms) => (skipping ? advanceClocks(ms / 1000) : systemClock.sleep(ms)),
    });
  return {
    ...control,
    api: apiCaller(em.url, options.token ?? DEFAULT_TOKEN),
    fault: (spec) => control.addFaults([spec]),
    faulted: async (kind) => (await control.requests()).filter((r) => r.fault === kind).length,
    advanceClocks: async (seconds) => {
      install();
      await advanceClocks(seconds);
    },
    skipWaits: () => {
      skipping = true;
      install();
    },
    reset: async () => {
      offsetMs = 0;
      skipping = false;
      setClock(undefined);
      await control.reset();
    },
    close: () => em.close(),
  };
}
