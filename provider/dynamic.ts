/**
 * What the provider modules in state (resources/stub.ts) load inside the dynamic provider host
 * (`require("pulumi-grafana-cloud/dynamic")`): the implementation of each resource kind, and the
 * `configure` hook that hands the stack configuration to config.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { setPulumiConfig } from "./config";
import { providerOf } from "./resources/registry";
import { withCredentialGate } from "./resources/toolkit/credentials";

export function implementation(kind: string) {
  const provider = providerOf(kind);
  if (!provider) {
    throw new Error(
      `pulumi-grafana-cloud: this version of the package has no implementation of ${kind}; ` +
        `check that the installed package matches the one the program was written for`,
    );
  }
  // A plan that writes is checked against the credential first, so `pulumi preview` fails where
  // `pulumi up` would (see credentials.ts).
  return { ...withCredentialGate(provider), configure };
}

export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  setPulumiConfig((key) => req.config.get(key));
}
