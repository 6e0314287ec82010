/**
 * What the unit tables of `check` share: the providers by kind, valid base inputs of each kind,
 * and the rules as the failure reasons must name them.
 */
import type * as pulumi from "@pulumi/pulumi";
import { accessPolicy } from "../../provider/resources/accessPolicy";
import { pluginInstallation } from "../../provider/resources/pluginInstallation";
import { stack as stackResource } from "../../provider/resources/stack";
import { stackApiKey } from "../../provider/resources/stackApiKey";
import { token as tokenResource } from "../../provider/resources/token";

export { UNKNOWN } from "../../provider/resources/toolkit";

export type Props = Record<string, unknown>;
export type Check = (olds: Props, news: Props) => Promise<pulumi.dynamic.CheckResult>;

export const stackProvider = stackResource.provider;
export const accessPolicyProvider = accessPolicy.provider;
export const tokenProvider = tokenResource.provider;

export const providers: Record<
  "Stack" | "AccessPolicy" | "Token" | "PluginInstallation" | "StackApiKey",
  Check
> = {
  Stack: (o, n) => stackProvider.check(o, n),
  AccessPolicy: (o, n) => accessPolicyProvider.check(o, n),
  Token: (o, n) => tokenProvider.check(o, n),
  PluginInstallation: (o, n) => pluginInstallation.provider.check(o, n),
  StackApiKey: (o, n) => stackApiKey.provider.check(o, n),
};
export type Kind = keyof typeof providers;

// The rules, as the reasons must name them.
export const SLUG = /must be 1-29 lowercase letters and digits, starting with a letter/;
export const REGION = /must be a region slug/;
export const LABEL = /keys and values must be 1-255 letters, digits, '\/', '-', '\.' or '_'/;
export const PROTO_KEY = /must not be "__proto__": JavaScript .* drops it/;
export const NAME = /must be 1-255 characters of lowercase letters, digits, '-' and '_'/;
export const DISPLAY_NAME = /must be 1-255 characters long/;
export const SCOPE = /must have the form service:permission/;
export const REALM_ID = /must be the numeric id of the org or stack/;
export const SAFE_INTEGER = /a number must be a whole number from 0 to 9007199254740991/;
export const POLICY_ID = /must be the id of an access policy \(AccessPolicy\.policyId\): 1-255 letters/;
export const PLUGIN_VERSION = /must be "latest" or a version such as 1\.2\.3, of at most 64 characters/;
export const SECONDS_TO_LIVE = /must be at most 3153600000 seconds \(100 years/;
export const CIDR = /must be an IPv4 or IPv6 CIDR/;
export const RFC3339 = /must be an RFC 3339 date-time with a time zone/;

export const stack: Props = { slug: "mystack" };
export const policy: Props = {
  region: "us",
  name: "metrics-reader",
  scopes: ["metrics:read", "logs:read"],
  realms: [{ type: "stack", identifier: "123456" }],
};
export const A_POLICY_ID = "5f3c2a1e-8b7d-4c6e-9a0f-1b2c3d4e5f60";
export const token: Props = { region: "us", accessPolicyId: A_POLICY_ID, name: "ci-token" };
export const plugin: Props = { stackSlug: "mystack", plugin: "grafana-clock-panel" };
export const key: Props = { stackSlug: "mystack", name: "ci", role: "Editor" };
export const bases: Record<Kind, Props> = {
  Stack: stack,
  AccessPolicy: policy,
  Token: token,
  PluginInstallation: plugin,
  StackApiKey: key,
};

/** The base policy with one realm, changed by `r`. */
export const realm = (r: Props): Props => ({
  ...policy,
  realms: [{ type: "stack", identifier: "123456", ...r }],
});
/** `n` valid labels. */
export const labels = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, `value${i}`]));
export const without = (o: Props, key: string): Props =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));
