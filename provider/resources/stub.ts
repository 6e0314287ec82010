/**
 * The provider module each resource sends to the dynamic provider host as its `__provider`
 * property, and so what state keeps (twice per resource: with the inputs and the outputs). The
 * host evaluates that text as a CommonJS module, resolving `require` from its working directory,
 * the program's, and calls its `handler()` once per distinct text and process to get the provider.
 *
 * The module is written by hand rather than serialized from a closure by Pulumi: it is one line
 * that requires the installed package's implementation of the kind. So the state stays small,
 * holds no credential (the text names only the kind), and resources created by an older version
 * of the package run the newer implementation after an upgrade. State written by 0.1.0, whose
 * `__provider` is a closure Pulumi serialized (about 2.2 KB), runs the same way: that closure, too,
 * only requires `pulumi-grafana-cloud/dynamic` and calls `implementation(kind)`. The kinds are
 * those of registry.ts; `implementation(kind)` in dynamic.ts refuses one it does not know.
 */

/** The entry point the provider module requires; package.json `exports` maps it. */
export const DYNAMIC_ENTRY = "pulumi-grafana-cloud/dynamic";

/** The text of the provider module of `kind`. */
export function providerModule(kind: string): string {
  return `exports.handler = () => require(${JSON.stringify(DYNAMIC_ENTRY)}).implementation(${JSON.stringify(kind)});\n`;
}
