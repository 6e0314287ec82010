/**
 * Several teams, several regions, one loop: each entry of `teams` becomes an access policy in its
 * region with one token per environment. Adding a team or an environment is a one-line change.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessPolicy, Token } from "pulumi-grafana-cloud";

export interface Team {
  name: string;
  region: string;
  /** The org or stack the team may read. */
  realm: { type: "org" | "stack"; identifier: string };
  scopes: string[];
  environments: string[];
  allowedSubnets?: string[];
}

export const defaultTeams: Team[] = [
  {
    name: "payments",
    region: "us",
    realm: { type: "org", identifier: "1" },
    scopes: ["metrics:read", "logs:read"],
    environments: ["staging", "production"],
  },
  {
    name: "search",
    region: "eu",
    realm: { type: "org", identifier: "1" },
    scopes: ["metrics:read", "metrics:write", "traces:write"],
    environments: ["production"],
    allowedSubnets: ["10.20.0.0/16"],
  },
  {
    name: "mobile",
    region: "au",
    realm: { type: "org", identifier: "1" },
    scopes: ["logs:write"],
    environments: ["dev", "production"],
  },
];

export function multiRegion(teams: Team[] = defaultTeams) {
  const tokens: Record<string, pulumi.Output<string>> = {};
  for (const team of teams) {
    const policy = new AccessPolicy(`${team.name}-${team.region}`, {
      region: team.region,
      name: `${team.name}-${team.region}`,
      scopes: team.scopes,
      realms: [team.realm],
      ...(team.allowedSubnets ? { conditions: { allowedSubnets: team.allowedSubnets } } : {}),
    });
    for (const env of team.environments) {
      const token = new Token(`${team.name}-${team.region}-${env}`, {
        region: team.region,
        accessPolicyId: policy.policyId,
        name: `${team.name}-${env}`,
      });
      tokens[`${team.name}-${env}`] = pulumi.secret(token.token);
    }
  }
  return { tokens };
}
