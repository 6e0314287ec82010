/**
 * The benchmark's fleet on this package: `policies` AccessPolicy resources and `tokens` Token
 * resources (see shape.ts). The same shape as trivial.ts, with the same inputs.
 */
import { AccessPolicy, Token } from "pulumi-grafana-cloud";
import { readShape } from "./shape";

const shape = readShape(__dirname);
const policies: AccessPolicy[] = [];
for (let i = 0; i < shape.policies; i++) {
  policies.push(
    new AccessPolicy(`policy-${i}`, {
      region: shape.region,
      name: `${shape.prefix}-policy-${i}`,
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: shape.orgId }],
    }),
  );
}
for (let i = 0; i < shape.tokens; i++) {
  new Token(`token-${i}`, {
    region: shape.region,
    accessPolicyId: policies[i % policies.length]!.policyId,
    name: `${shape.prefix}-token-${i}`,
  });
}
