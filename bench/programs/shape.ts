/**
 * The shape both fleet programs declare, read from `bench.json` beside the program (the benchmark
 * writes it into each project): `policies` access policies in one region, and `tokens` tokens
 * spread over them round-robin, as in `pulumi-grafana-cloud`'s typical use (a few policies, many
 * tokens).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface FleetShape {
  /** Starts every object's name, so that two fleets can live side by side in one emulator. */
  prefix: string;
  policies: number;
  tokens: number;
  region: string;
  /** The realm of every policy: the org the emulator's token belongs to. */
  orgId: string;
}

export function readShape(dir: string): FleetShape {
  return JSON.parse(fs.readFileSync(path.join(dir, "bench.json"), "utf8")) as FleetShape;
}
