/**
 * What the pipeline applies: a team's Grafana Cloud stack, an access policy that lets the team's
 * CI push metrics and logs to it, and a token for that policy. The credentials are not in the
 * program or in the repository: the pipeline hands GRAFANA_CLOUD_ACCESS_POLICY_TOKEN to Pulumi
 * from the CI system's secret store.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessPolicy, Stack, Token } from "pulumi-grafana-cloud";

const config = new pulumi.Config();
const slug = config.get("slug") ?? "pipelinedemo";
const region = config.get("region") ?? "us";

const stack = new Stack("stack", {
  slug,
  region,
  description: "Managed by the grafana-cloud-pipeline deployment pipeline",
  labels: { team: "platform", managedBy: "pulumi" },
  deleteProtection: config.getBoolean("deleteProtection") ?? true,
});

const writers = new AccessPolicy("ci-writers", {
  region,
  name: `${slug}-ci-writers`,
  displayName: "CI writers",
  scopes: ["metrics:write", "logs:write"],
  realms: [{ type: "stack", identifier: stack.stackId.apply(String) }],
});

const token = new Token("ci-token", {
  region,
  accessPolicyId: writers.policyId,
  name: `${slug}-ci-token`,
});

export const stackUrl = stack.url;
export const policyId = writers.policyId;
export const ciToken = pulumi.secret(token.token);
