/**
 * What bench/programs/calls.ts declares, as scripts/lib/bench/measure.ts writes it to calls.json
 * beside the program (the benchmark copies this file into the program's project too).
 */
export interface CallsSpec {
  slug: string;
  stack: boolean;
  stackDescription: string;
  policy: boolean;
  policyDisplayName: string;
  token: boolean;
  tokenDisplayName: string;
  plugins: { plugin: string; version: string }[];
  keys: { name: string; role: "Viewer" | "Editor" | "Admin"; secondsToLive?: number }[];
  serviceAccount: boolean;
  serviceAccountToken: boolean;
}
