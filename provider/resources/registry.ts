/**
 * Every resource kind of the package, in one list: the kinds the dynamic provider host serves
 * (dynamic.ts), the `ResourceKind` type, and the kinds the tests check (serialization, exports)
 * all come from here.
 *
 * Adding a resource touches:
 * - provider/api/<area>.ts: the API calls and their response schemas;
 * - provider/resources/<kind>.ts: Args, input and outputs schemas, field rules, natural key,
 *   hooks, the create/read/update/delete calls (`defineResource`);
 * - this file: one entry below; then `npm run gen:class-specs` (classSpecs.ts);
 * - provider/resources/classes.ts: the class, from its class spec;
 * - provider/index.ts: the class and its Args, re-exported by name (a unit test checks that every
 *   kind listed here is exported);
 * - beside the code: the emulator's model and routes for the new objects, tests, and the README's
 *   resource table.
 */
import { accessPolicy } from "./accessPolicy";
import { pluginInstallation } from "./pluginInstallation";
import { stack } from "./stack";
import { stackApiKey } from "./stackApiKey";
import { stackServiceAccount } from "./stackServiceAccount";
import { stackServiceAccountToken } from "./stackServiceAccountToken";
import { token } from "./token";

export const definitions = [
  stack,
  accessPolicy,
  token,
  pluginInstallation,
  stackApiKey,
  stackServiceAccount,
  stackServiceAccountToken,
] as const;

export type ResourceKind = (typeof definitions)[number]["kind"];

export const KINDS: readonly ResourceKind[] = definitions.map((d) => d.kind);

/** The provider of `kind`, or undefined for a kind this version of the package does not know. */
export function providerOf(kind: string) {
  return definitions.find((d) => d.kind === kind)?.provider;
}
