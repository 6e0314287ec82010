#!/usr/bin/env node
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN, EmulatorOptions, startEmulator } from "./index";

const USAGE = `Usage: grafana-cloud-emulator [options]

Runs the local Grafana Cloud API emulator.

  --port N                   port to listen on (default 0: a free port)
  --host H                   address to listen on (default 127.0.0.1)
  --token T                  accepted bearer token (default ${DEFAULT_TOKEN})
  --state FILE               load state from FILE and write every change to it
  --latency-ms N             added to every API response (default 0)
  --readiness-delay-ms N     time a new stack takes to become active (default 2000)
  --delete-delay-ms N        time a deleted stack stays "deleting" (default 0)
  --slug-reuse-window-ms N   time a deleted stack's slug stays reserved (default 30000)
  --plugin-busy-ms N         "operation in progress" window after a plugin change (default 0)
  --rate-limit-per-hour N    access-policy requests per token per hour (default 600, 0 = off)
  --max-stacks N             stack quota (default 100)
  --stack-api-keys MODE      removed (default): the stacks run Grafana 12.1 or later, which
                             removed API keys (their routes answer 404, keys no longer
                             authenticate); legacy: the stacks still have API keys
  --strict-contract          answer exactly as the official OpenAPI contract says where it and
                             the observed service disagree (default: as observed)
  -h, --help                 show this help
`;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    process.stderr.write(`grafana-cloud-emulator: --${name} must be a non-negative integer, got ${value}\n`);
    process.exit(2);
  }
  return Number(value);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        token: { type: "string" },
        state: { type: "string" },
        "latency-ms": { type: "string" },
        "readiness-delay-ms": { type: "string" },
        "delete-delay-ms": { type: "string" },
        "slug-reuse-window-ms": { type: "string" },
        "plugin-busy-ms": { type: "string" },
        "rate-limit-per-hour": { type: "string" },
        "max-stacks": { type: "string" },
        "strict-contract": { type: "boolean" },
        "stack-api-keys": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`grafana-cloud-emulator: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const options: EmulatorOptions = {};
  const set = <K extends keyof EmulatorOptions>(key: K, value: EmulatorOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set("port", number("port", values.port));
  set("host", values.host);
  set("token", values.token);
  set("stateFile", values.state);
  set("latencyMs", number("latency-ms", values["latency-ms"]));
  set("readinessDelayMs", number("readiness-delay-ms", values["readiness-delay-ms"]));
  set("deleteDelayMs", number("delete-delay-ms", values["delete-delay-ms"]));
  set("slugReuseWindowMs", number("slug-reuse-window-ms", values["slug-reuse-window-ms"]));
  set("pluginBusyMs", number("plugin-busy-ms", values["plugin-busy-ms"]));
  set("rateLimitPerHour", number("rate-limit-per-hour", values["rate-limit-per-hour"]));
  set("maxStacks", number("max-stacks", values["max-stacks"]));
  if (values["strict-contract"] === true) options.strictContract = true;
  const keys = values["stack-api-keys"];
  if (keys !== undefined) {
    if (keys !== "legacy" && keys !== "removed") {
      process.stderr.write(
        `grafana-cloud-emulator: --stack-api-keys must be legacy or removed, got ${keys}\n`,
      );
      process.exit(2);
    }
    options.stackApiKeys = keys;
  }

  const emulator = await startEmulator(options);
  process.stdout.write(`listening on ${emulator.url}\n`);

  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`grafana-cloud-emulator: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`grafana-cloud-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
