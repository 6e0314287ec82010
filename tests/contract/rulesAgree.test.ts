/**
 * The provider checks its inputs before it calls the API, and the emulator checks the requests it
 * gets; the two rule sets are written separately on purpose (the emulator imports nothing from the
 * provider). This table feeds the same values to both and requires the same verdict, so that a
 * rule changed on one side only fails here instead of hiding behind the other.
 *
 * The emulator "rejects" a value when its validation answers an invalid argument; a lookup that
 * fails later (an unknown region, plugin or plugin version) means the value passed the rules,
 * which is all the provider can check without calling the API.
 */
import { ApiError } from "../../emulator/errors";
import { Ctx } from "../../emulator/context";
import { resolveOptions } from "../../emulator";
import { parsePolicyCreate } from "../../emulator/model/accessPolicy";
import { parseInstall } from "../../emulator/model/plugin";
import { requireRegionParam } from "../../emulator/model/region";
import { parseStackCreate } from "../../emulator/model/stack";
import {
  parseServiceAccountCreate,
  parseServiceAccountTokenCreate,
} from "../../emulator/model/serviceAccount";
import { parseKeyCreate } from "../../emulator/model/stackKey";
import { parseTokenCreate } from "../../emulator/model/token";
import { accessPolicyInputs } from "../../provider/resources/accessPolicy";
import { pluginInstallationInputs } from "../../provider/resources/pluginInstallation";
import { stackInputs } from "../../provider/resources/stack";
import { stackApiKeyInputs } from "../../provider/resources/stackApiKey";
import { stackServiceAccountInputs } from "../../provider/resources/stackServiceAccount";
import { stackServiceAccountTokenInputs } from "../../provider/resources/stackServiceAccountToken";
import { tokenInputs } from "../../provider/resources/token";

/** Whether the emulator's validation lets the value through. */
function emulatorAccepts(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.kind === "invalid") return false;
    if (err instanceof ApiError) return true;
    throw err;
  }
}

const ctx = new Ctx(resolveOptions({}));
const POLICY = {
  name: "readers",
  scopes: ["metrics:read"],
  realms: [{ type: "stack", identifier: "123" }],
};

interface Field {
  provider(value: unknown): boolean;
  emulator(value: unknown): boolean;
  /** [value, accepted by the rule] */
  values: Array<[unknown, boolean]>;
}

const policyWith = (patch: Record<string, unknown>) => ({
  provider: accessPolicyInputs.safeParse({ region: "us", ...POLICY, ...patch }).success,
  emulator: emulatorAccepts(() => parsePolicyCreate({ ...POLICY, ...patch })),
});
const realmWith = (patch: Record<string, unknown>) =>
  policyWith({ realms: [{ ...POLICY.realms[0], ...patch }] });
const stackWith = (patch: Record<string, unknown>) => ({
  provider: stackInputs.safeParse({ slug: "mystack", ...patch }).success,
  emulator: emulatorAccepts(() => parseStackCreate({ name: "mystack", slug: "mystack", ...patch })),
});
const keyWith = (patch: Record<string, unknown>) => ({
  provider: stackApiKeyInputs.safeParse({ stackSlug: "mystack", name: "ci", role: "Admin", ...patch })
    .success,
  emulator: emulatorAccepts(() => parseKeyCreate({ name: "ci", role: "Admin", ...patch })),
});
const accountWith = (patch: Record<string, unknown>) => ({
  provider: stackServiceAccountInputs.safeParse({
    stackSlug: "mystack",
    name: "bot",
    role: "Viewer",
    ...patch,
  }).success,
  emulator: emulatorAccepts(() => parseServiceAccountCreate({ name: "bot", role: "Viewer", ...patch })),
});
const accountTokenWith = (patch: Record<string, unknown>) => ({
  provider: stackServiceAccountTokenInputs.safeParse({
    stackSlug: "mystack",
    serviceAccountId: 2,
    name: "t",
    ...patch,
  }).success,
  emulator: emulatorAccepts(() => parseServiceAccountTokenCreate({ name: "t", ...patch }, Date.now())),
});
const tokenWith = (patch: Record<string, unknown>) => ({
  provider: tokenInputs.safeParse({ region: "us", accessPolicyId: "p", name: "ci", ...patch }).success,
  emulator: emulatorAccepts(() =>
    parseTokenCreate({ accessPolicyId: "p", name: "ci", ...patch }, Date.now()),
  ),
});
const pluginWith = (patch: Record<string, unknown>) => ({
  provider: pluginInstallationInputs.safeParse({
    stackSlug: "mystack",
    plugin: "grafana-clock-panel",
    ...patch,
  }).success,
  emulator: emulatorAccepts(() => parseInstall(ctx, { plugin: "grafana-clock-panel", ...patch })),
});

const field = (check: (v: unknown) => { provider: boolean; emulator: boolean }, values: Field["values"]) => ({
  provider: (v: unknown) => check(v).provider,
  emulator: (v: unknown) => check(v).emulator,
  values,
});

const FIELDS: Record<string, Field> = {
  scope: field(
    (v) => policyWith({ scopes: [v] }),
    [
      ["metrics:read", true],
      ["stack-plugins:write", true],
      ["datadog:validate", true],
      ["0day:read", true],
      ["a:b", true],
      ["metrics.v2:read", false],
      ["metrics:read_all", false],
      ["metrics", false],
      ["Metrics:read", false],
      ["metrics:", false],
      [":read", false],
      ["-metrics:read", false],
      ["metrics:-read", false],
      ["metrics:read:extra", false],
      ["logs: write", false],
      ["", false],
    ],
  ),
  "policy name": field(
    (v) => policyWith({ name: v }),
    [
      ["stack-readers", true],
      ["a", true],
      ["under_score", true],
      ["-leading", true],
      ["a".repeat(255), true],
      ["a".repeat(256), false],
      ["", false],
      ["Stack", false],
      ["a.b", false],
      ["a b", false],
      ["é", false],
      [5, false],
    ],
  ),
  "policy displayName": field(
    (v) => policyWith({ displayName: v }),
    [
      ["Stack Readers", true],
      [" ", true],
      ["émoji 🚀", true],
      ["x".repeat(255), true],
      ["x".repeat(256), false],
      ["", false],
      [5, false],
    ],
  ),
  "policy status": field(
    (v) => policyWith({ status: v }),
    [
      ["active", true],
      ["inactive", true],
      ["paused", false],
      ["Active", false],
      ["", false],
    ],
  ),
  "realm type": field(
    (v) => realmWith({ type: v }),
    [
      ["org", true],
      ["stack", true],
      ["system", false],
      ["Org", false],
      ["", false],
    ],
  ),
  "realm identifier": field(
    (v) => realmWith({ identifier: v }),
    [
      ["123", true],
      ["0", true],
      ["007", true],
      ["", false],
      ["abc", false],
      ["12a", false],
      ["-1", false],
      [" 1", false],
      ["1.5", false],
      ["1".repeat(19), true],
      ["1".repeat(20), false],
    ],
  ),
  "label policy selector": field(
    (v) => realmWith({ labelPolicies: [{ selector: v }] }),
    [
      ['{env!="dev"}', true],
      ["x", true],
      ["", false],
      ["   ", false],
    ],
  ),
  "subnet CIDR": field(
    (v) => policyWith({ conditions: { allowedSubnets: [v] } }),
    [
      ["10.0.0.0/8", true],
      ["192.168.0.0/24", true],
      ["10.1.2.99/32", true],
      ["0.0.0.0/0", true],
      ["2001:db8::/32", true],
      ["::/0", true],
      ["::1/128", true],
      ["1:2:3:4:5:6:7:8/64", true],
      ["::ffff:10.0.0.1/128", true],
      ["10.1.2.99", false],
      ["10.0.0.0/33", false],
      ["2001:db8::/129", false],
      ["example.com/24", false],
      ["10.0.0.0/08", false],
      ["2001:db8::/032", false],
      ["010.0.0.0/8", false],
      ["256.0.0.0/8", false],
      ["10.0.0/8", false],
      ["10.0.0.0/8/8", false],
      ["10.0.0.0/-1", false],
      [" 10.0.0.0/8", false],
      ["fe80::1%eth0/64", false],
      ["1::2::3/64", false],
      ["", false],
    ],
  ),
  "region (access policy)": field(
    (v) => ({
      provider: accessPolicyInputs.safeParse({ region: v, ...POLICY }).success,
      emulator: emulatorAccepts(() => requireRegionParam({ region: v })),
    }),
    [
      ["us", true],
      ["eu", true],
      ["prod-eu-west-3", true],
      ["mars", true],
      ["us-", true],
      ["", false],
      ["US", false],
      ["us_east", false],
      ["1us", false],
      ["a" + "b".repeat(64), false],
    ],
  ),
  "region (stack)": field(
    (v) => stackWith({ region: v }),
    [
      ["us", true],
      ["prod-eu-west-3", true],
      ["mars", true],
      ["", false],
      ["US", false],
      ["us_east", false],
      [5, false],
    ],
  ),
  "stack slug": field(
    (v) => stackWith({ slug: v }),
    [
      ["mystack", true],
      ["a", true],
      ["stack1", true],
      ["a" + "b".repeat(28), true],
      ["a" + "b".repeat(29), false],
      ["my-stack", false],
      ["my_stack", false],
      ["MyStack", false],
      ["1stack", false],
      ["", false],
    ],
  ),
  "stack name": field(
    (v) => stackWith({ name: v }),
    [
      ["My Stack", true],
      [" ", true],
      ["n".repeat(255), true],
      ["n".repeat(256), false],
      ["", false],
      [5, false],
    ],
  ),
  "stack description": field(
    (v) => stackWith({ description: v }),
    [
      ["", true],
      ["a stack", true],
      ["d".repeat(4096), true],
      ["d".repeat(4097), false],
      [5, false],
    ],
  ),
  "stack url": field(
    (v) => stackWith({ url: v }),
    [
      ["https://grafana.example.com", true],
      ["http://localhost:3000", true],
      ["https://x.example.com/", true],
      [" https://x.example.com ", true],
      ["HTTPS://X.EXAMPLE.COM", true],
      ["ftp://x.example.com", false],
      ["not a url", false],
      ["http:example.com", false],
      ["https://", false],
      ["", false],
    ],
  ),
  "label key": field(
    (v) => stackWith({ labels: { [String(v)]: "v" } }),
    [
      ["team", true],
      ["env/x", true],
      ["a.b-c_d", true],
      ["k".repeat(255), true],
      ["k".repeat(256), false],
      ["my key", false],
      ["k:v", false],
      ["", false],
      ["é", false],
    ],
  ),
  "label value": field(
    (v) => stackWith({ labels: { k: v } }),
    [
      ["dev.1", true],
      ["v-1", true],
      ["A/B", true],
      ["v".repeat(255), true],
      ["v".repeat(256), false],
      ["a:b", false],
      ["with space", false],
      ["", false],
      [1, false],
    ],
  ),
  "label count": field(
    (v) =>
      stackWith({ labels: Object.fromEntries(Array.from({ length: Number(v) }, (_, i) => [`k${i}`, "v"])) }),
    [
      [0, true],
      [10, true],
      [11, false],
    ],
  ),
  deleteProtection: field(
    (v) => stackWith({ deleteProtection: v }),
    [
      [true, true],
      [false, true],
      ["yes", false],
    ],
  ),
  "token name": field(
    (v) => tokenWith({ name: v }),
    [
      ["ci", true],
      ["under_score-1", true],
      ["a".repeat(255), true],
      ["a".repeat(256), false],
      ["", false],
      ["CI", false],
      ["c.i", false],
    ],
  ),
  "token accessPolicyId": field(
    (v) => tokenWith({ accessPolicyId: v }),
    [
      ["p", true],
      ["0f8c2e8a-5d6b-4c1e-9a7f-3b2d1e0c9a8b", true],
      ["under_score-1", true],
      ["x".repeat(255), true],
      ["x".repeat(256), false],
      ["", false],
      ["a b", false],
      ["a/b", false],
      ["..", false],
      [5, false],
    ],
  ),
  "token displayName": field(
    (v) => tokenWith({ displayName: v }),
    [
      ["CI token", true],
      ["x".repeat(255), true],
      ["x".repeat(256), false],
      ["", false],
    ],
  ),
  // Only times in the future: the emulator also refuses past ones, which the provider leaves to the API.
  "token expiresAt": field(
    (v) => tokenWith({ expiresAt: v }),
    [
      ["2099-01-01T00:00:00Z", true],
      ["2099-01-01T00:00:00.123Z", true],
      ["2099-01-01T02:00:00+02:00", true],
      ["2096-02-29T00:00:00Z", true],
      ["2099-02-29T00:00:00Z", false],
      ["2099-02-30T00:00:00Z", false],
      ["2099-01-01T00:00:00", false],
      ["2099-01-01", false],
      ["2099-01-01T00:00Z", false],
      ["2099-01-01t00:00:00z", false],
      ["2099-01-01 00:00:00Z", false],
      ["2099-01-01T24:00:00Z", false],
      ["2099-01-01T00:00:00+0200", false],
      ["tomorrow", false],
    ],
  ),
  "plugin id": field(
    (v) => pluginWith({ plugin: v }),
    [
      ["grafana-clock-panel", true],
      ["no-such-panel", true],
      ["A.b_c-d", true],
      ["x".repeat(190), true],
      ["x".repeat(191), false],
      ["-x", false],
      ["has space", false],
      ["é", false],
      ["", false],
    ],
  ),
  "plugin version": field(
    (v) => pluginWith({ version: v }),
    [
      ["latest", true],
      ["2.1.8", true],
      ["1", true],
      ["1.2.3.4", true],
      ["2.0.0-beta.1", true],
      ["1.0.0+build.5", true],
      ["1.0.0-" + "b".repeat(58), true],
      ["1.0.0-" + "b".repeat(59), false],
      ["1.2.3.4.5", false],
      ["v1.2.3", false],
      ["abc", false],
      ["1..2", false],
      ["", false],
    ],
  ),
  "stack API key name": field(
    (v) => keyWith({ name: v }),
    [
      ["ci", true],
      ["with space", true],
      ["x".repeat(190), true],
      ["x".repeat(191), false],
      ["", false],
      ["  ", false],
    ],
  ),
  "stack API key role": field(
    (v) => keyWith({ role: v }),
    [
      ["Viewer", true],
      ["Editor", true],
      ["Admin", true],
      ["None", false],
      ["admin", false],
    ],
  ),
  secondsToLive: field(
    (v) => keyWith({ secondsToLive: v }),
    [
      [0, true],
      [60, true],
      [3_153_600_000, true],
      [3_153_600_001, false],
      [9e12, false],
      [-1, false],
      [1.5, false],
      ["60", false],
    ],
  ),
  "service account name": field(
    (v) => accountWith({ name: v }),
    [
      ["CI bot", true],
      ["sa-autogen-ci", true],
      ["x".repeat(255), true],
      ["x".repeat(256), false],
      ["", false],
      ["   ", false],
      [7, false],
    ],
  ),
  "service account role": field(
    (v) => accountWith({ role: v }),
    [
      ["Viewer", true],
      ["Editor", true],
      ["Admin", true],
      ["None", true],
      ["viewer", false],
      ["Owner", false],
      [undefined, false],
    ],
  ),
  "service account isDisabled": field(
    (v) => accountWith({ isDisabled: v }),
    [
      [true, true],
      [false, true],
      ["true", false],
      [1, false],
    ],
  ),
  "service account token name": field(
    (v) => accountTokenWith({ name: v }),
    [
      ["ci", true],
      ["with space", true],
      ["x".repeat(190), true],
      ["x".repeat(191), false],
      ["", false],
      [" ", false],
    ],
  ),
  // The provider takes at most ten years (a policy of its own: longer is more often a typo); the
  // emulator, like Grafana, anything that ends before the year 9999. Values both judge alike:
  "service account token secondsToLive": field(
    (v) => accountTokenWith({ secondsToLive: v }),
    [
      [0, true],
      [1, true],
      [315360000, true],
      [-1, false],
      [2.5, false],
      ["60", false],
      [1e12, false],
    ],
  ),
};

/**
 * Rules the provider has for reasons of its own, not the service's: the emulator, a model of the
 * service, accepts these values, and the provider refuses them at check.
 */
const PROVIDER_ONLY: Array<[string, { provider: boolean; emulator: boolean }, string]> = [
  [
    "label key __proto__ (JavaScript and the Pulumi SDK drop it as an object's prototype)",
    stackWith({ labels: JSON.parse('{"__proto__": "v"}') as Record<string, unknown> }),
    "labels",
  ],
];

describe("rules only the provider has", () => {
  it.each(PROVIDER_ONLY)("%s: refused by the provider, accepted by the emulator", (_name, verdict) => {
    expect(verdict).toEqual({ provider: false, emulator: true });
  });
});

const ROWS = Object.entries(FIELDS).flatMap(([name, f]) =>
  f.values.map(([value, accepted]) => [name, value, accepted, f] as const),
);

describe("the provider's input rules and the emulator's validation agree", () => {
  it.each(ROWS)("%s %j: accepted %s", (_name, value, accepted, f) => {
    expect({ provider: f.provider(value), emulator: f.emulator(value) }).toEqual({
      provider: accepted,
      emulator: accepted,
    });
  });
});
