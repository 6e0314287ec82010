/**
 * What the serialized provider stubs load inside the dynamic provider host
 * (`require("pulumi-grafana-cloud/dynamic")`): the implementation of each resource kind, and the
 * `configure` hook that hands the stack configuration to config.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { setPulumiConfig } from "./config";
import { accessPolicyProvider } from "./resources/accessPolicy";
import { pluginInstallationProvider } from "./resources/pluginInstallation";
import { stackProvider } from "./resources/stack";
import { stackApiKeyProvider } from "./resources/stackApiKey";
import type { ResourceKind } from "./resources/stub";
import { tokenProvider } from "./resources/token";

type Impl = Required<Omit<pulumi.dynamic.ResourceProvider, "configure">>;

const implementations: Partial<Record<ResourceKind, Impl>> = {
  Stack: stackProvider,
  AccessPolicy: accessPolicyProvider,
  Token: tokenProvider,
  PluginInstallation: pluginInstallationProvider,
  StackApiKey: stackApiKeyProvider,
};

export function implementation(
  kind: ResourceKind,
): Impl & { configure(req: pulumi.dynamic.ConfigureRequest): void } {
  const impl = implementations[kind];
  if (!impl) {
    throw new Error(
      `pulumi-grafana-cloud: this version of the package has no implementation of ${kind}; ` +
        `check that the installed package matches the one the program was written for`,
    );
  }
  return { ...impl, configure };
}

export function configure(req: pulumi.dynamic.ConfigureRequest): void {
  setPulumiConfig((key) => req.config.get(key));
}
