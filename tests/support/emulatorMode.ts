/**
 * Which answers the test emulators give: as the service was observed (the default), or exactly as
 * Grafana's official OpenAPI contract says with `GRAFANA_CLOUD_EMULATOR_STRICT=1`. Every fixture
 * that starts an emulator honours it, so a whole suite runs against the strict emulator unchanged;
 * a test that needs one mode says so in its own options, which win.
 */
export const STRICT_ENV = "GRAFANA_CLOUD_EMULATOR_STRICT";

/** Whether the suites run against the contract-exact emulator. */
export function strictFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env[STRICT_ENV] ?? "").trim().toLowerCase();
  return v === "1" || v === "true" || v === "yes";
}

/** Emulator options for the mode the environment asks for. */
export function modeOptions(env: NodeJS.ProcessEnv = process.env): { strictContract?: true } {
  return strictFromEnv(env) ? { strictContract: true } : {};
}

/** The same for an emulator started as a command: `--strict-contract` or nothing. */
export function modeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return strictFromEnv(env) ? ["--strict-contract"] : [];
}
