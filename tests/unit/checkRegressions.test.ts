/** Regressions: each case (A-D) failed against an earlier version of `check`. */
import {
  accessPolicyProvider,
  LABEL,
  labels,
  policy,
  providers,
  realm,
  stack,
  stackProvider,
  UNKNOWN,
  type Kind,
  type Props,
} from "./fixtures";

// Bug A: a bad label key must be reported with the label rule, not "must be a map of strings".
test.each<[string, Record<string, unknown>]>([
  ["with a space", { "bad key": "v" }],
  ["with a colon", { "team:owner": "sre" }],
])("stack label key %s", async (_title, bad) => {
  const failures = (await stackProvider.check({}, { ...stack, labels: bad })).failures ?? [];
  expect(failures).toHaveLength(1);
  const f = failures[0]!;
  expect(f.property).toMatch(/^labels(\.|$)/);
  expect(f.reason.startsWith(`${f.property}: `)).toBe(true);
  expect(f.reason).toMatch(LABEL);
});

// Bug B: a failure on an object or map must not be dropped because a value inside it is unknown.
test.each<[string, Kind, Props, string[]]>([
  ["stack typo, slug unknown", "Stack", { slug: UNKNOWN, deletionProtection: false }, ["deletionProtection"]],
  [
    "stack 11 labels, one value unknown",
    "Stack",
    { ...stack, labels: { ...labels(10), extra: UNKNOWN } },
    ["labels"],
  ],
  ["policy typo, realms unknown", "AccessPolicy", { ...policy, realms: UNKNOWN, scope: ["x:y"] }, ["scope"]],
  [
    "policy realm typo, its identifier unknown",
    "AccessPolicy",
    realm({ identifier: UNKNOWN, labelPolicy: [] }),
    ["realms[0].labelPolicy"],
  ],
])("unknown values: %s", async (_title, kind, news, properties) => {
  const r = await providers[kind]({}, news);
  expect((r.failures ?? []).map((f) => f.property)).toEqual(properties);
});

// Bug C: while another value is unknown, known inputs are still normalized.
test("access policy: numeric realm identifier coerced while another value is unknown", async () => {
  const r = await accessPolicyProvider.check(
    {},
    { ...policy, scopes: UNKNOWN, realms: [{ type: "stack", identifier: 123456 }] },
  );
  expect(r.failures ?? []).toEqual([]);
  expect(r.inputs["realms"]).toEqual([{ type: "stack", identifier: "123456" }]);
});

// Bug D: `conditions: {}` clears subnets in the API, so check accepts it.
test("access policy: conditions {} is accepted (clears subnets)", async () => {
  const r = await accessPolicyProvider.check({}, { ...policy, conditions: {} });
  expect(r.failures ?? []).toEqual([]);
});
