/**
 * The quickstart: one Grafana Cloud stack and what a team usually hangs off it. `index.ts` runs it
 * with the stack's config; `npm run demo` and the engine tests run this project with the real CLI
 * against the local emulator.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  AccessPolicy,
  PluginInstallation,
  Stack,
  StackServiceAccount,
  StackServiceAccountToken,
  Token,
} from "pulumi-grafana-cloud";

export interface QuickstartOptions {
  /** Stack slug: 1-29 lowercase letters and digits. */
  slug?: string;
  region?: string;
  /** Kept false here so that `pulumi destroy` (and the demo) can remove the stack. */
  deleteProtection?: boolean;
}

export function quickstart(options: QuickstartOptions = {}) {
  const slug = options.slug ?? "pulumiquickstart";
  const region = options.region ?? "us";

  // The stack itself. Create waits until the stack answers (waitForReadiness defaults to true).
  // deleteProtection defaults to true in this package; a production stack should keep it.
  const stack = new Stack("main", {
    slug,
    region,
    description: "Created by the pulumi-grafana-cloud quickstart",
    labels: { team: "platform", managedBy: "pulumi" },
    deleteProtection: options.deleteProtection ?? false,
  });

  // An access policy that may read metrics and logs of this stack only, and, through the label
  // policy, only series whose env label is not "dev". Scopes and realms compare as sets: reordering
  // them in the program is not a change.
  const readers = new AccessPolicy("readers", {
    region,
    name: `${slug}-readers`,
    displayName: "Quickstart readers",
    scopes: ["metrics:read", "logs:read"],
    realms: [
      {
        type: "stack",
        identifier: stack.stackId.apply(String),
        labelPolicies: [{ selector: '{env!="dev"}' }],
      },
    ],
  });

  // A token for that policy. Its value is a secret, shown by the API only once, at creation;
  // Pulumi keeps it encrypted in state. Changing displayName or expiresAt updates it in place.
  const readersToken = new Token("readers-token", {
    region,
    accessPolicyId: readers.policyId,
    name: `${slug}-readers-token`,
  });

  // A plugin on the stack. version "latest" means "newest when installed": a newer release in the
  // catalog later is not drift (compare installedVersion with latestVersion to see the gap).
  const clock = new PluginInstallation("clock-panel", {
    stackSlug: stack.slug,
    plugin: "grafana-clock-panel",
    version: "latest",
  });

  // A service account of the stack's own Grafana for a CI job (e.g. a dashboard pipeline), and a
  // token for it, good for 30 days. Grafana removed API keys in 12.1; service accounts replace
  // them. The API cannot change an account or a token: every change replaces it (the plan says so).
  const ci = new StackServiceAccount("ci", {
    stackSlug: stack.slug,
    name: "ci",
    role: "Editor",
  });
  const ciToken = new StackServiceAccountToken("ci-token", {
    stackSlug: stack.slug,
    serviceAccountId: ci.serviceAccountId,
    name: "ci-token",
    secondsToLive: 30 * 86_400,
  });

  return {
    stackUrl: stack.url,
    stackId: stack.stackId,
    policyId: readers.policyId,
    tokenId: readersToken.tokenId,
    token: pulumi.secret(readersToken.token),
    pluginVersion: clock.installedVersion,
    serviceAccountId: ci.serviceAccountId,
    ciTokenExpiration: ciToken.expiration,
    // The service account token's value (glsa_...): a secret too.
    ciToken: pulumi.secret(ciToken.key),
  };
}
