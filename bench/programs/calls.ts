/**
 * The benchmark's per-operation program: at most one stack with a policy, a token, plugins and API
 * keys, as `calls.json` beside it says. The benchmark changes that file between runs (add a
 * resource, change an input, remove one) and counts the Cloud API calls of each step.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  AccessPolicy,
  PluginInstallation,
  Stack,
  StackApiKey,
  StackServiceAccount,
  StackServiceAccountToken,
  Token,
} from "pulumi-grafana-cloud";
import type { CallsSpec } from "./callsSpec";

const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "calls.json"), "utf8")) as CallsSpec;

if (spec.stack) {
  const stack = new Stack("stack", {
    slug: spec.slug,
    description: spec.stackDescription,
    deleteProtection: false,
    readinessTimeoutSeconds: 120,
  });
  if (spec.policy) {
    const policy = new AccessPolicy("policy", {
      region: "us",
      name: "bench-policy",
      displayName: spec.policyDisplayName,
      scopes: ["metrics:read", "logs:read"],
      realms: [{ type: "stack", identifier: stack.stackId.apply(String) }],
    });
    if (spec.token) {
      new Token("token", {
        region: "us",
        accessPolicyId: policy.policyId,
        name: "bench-token",
        displayName: spec.tokenDisplayName,
      });
    }
  }
  for (const p of spec.plugins) {
    new PluginInstallation(p.plugin, { stackSlug: stack.slug, plugin: p.plugin, version: p.version });
  }
  for (const k of spec.keys) {
    new StackApiKey(k.name, {
      stackSlug: stack.slug,
      name: k.name,
      role: k.role,
      ...(k.secondsToLive !== undefined ? { secondsToLive: k.secondsToLive } : {}),
    });
  }
  if (spec.serviceAccount) {
    const account = new StackServiceAccount("service-account", {
      stackSlug: stack.slug,
      name: "bench-sa",
      role: "Viewer",
    });
    if (spec.serviceAccountToken) {
      new StackServiceAccountToken("service-account-token", {
        stackSlug: stack.slug,
        serviceAccountId: account.serviceAccountId,
        name: "bench-sa-token",
      });
    }
  }
}
