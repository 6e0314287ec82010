/**
 * `diff` of Stack, AccessPolicy and Token: for every field, update vs replace vs no change, set
 * order and duplicates, timestamp forms, and preview's unknown values; a second preview after `up`
 * must show no change. `olds` are shaped like what each module's `toOutputs` stores; `news` like
 * what `check` returns.
 */
import type * as pulumi from "@pulumi/pulumi";
import { setClock } from "../../provider/clock";
import { accessPolicyProvider, stackProvider, tokenProvider, UNKNOWN } from "./fixtures";

type Props = Record<string, unknown>;
type Diff = (id: string, olds: Props, news: Props) => Promise<pulumi.dynamic.DiffResult>;
type Check = (olds: Props, news: Props) => Promise<pulumi.dynamic.CheckResult>;

/** What the diff must say: nothing, an in-place update, or a replacement of these fields. */
type Expect = "none" | "update" | { replace: string[]; deleteBeforeReplace: boolean };

async function expectDiff(diff: Diff, id: string, olds: Props, news: Props, expected: Expect) {
  const r = await diff(id, olds, news);
  // `changes` must always be explicit: left undefined, the engine diffs every property itself.
  expect(typeof r.changes).toBe("boolean");
  const got = {
    changes: r.changes,
    replaces: [...(r.replaces ?? [])].sort(),
    deleteBeforeReplace: r.deleteBeforeReplace ?? false,
  };
  if (expected === "none") expect(got).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  else if (expected === "update")
    expect(got).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  else
    expect(got).toEqual({
      changes: true,
      replaces: [...expected.replace].sort(),
      deleteBeforeReplace: expected.deleteBeforeReplace,
    });
}

const replace = (...fields: string[]): Expect => ({ replace: fields, deleteBeforeReplace: false });
const replaceDeleteFirst = (...fields: string[]): Expect => ({ replace: fields, deleteBeforeReplace: true });

// ---------------------------------------------------------------------------------------------
// Stack

const STACK_ID = "812345";
/** Stack outputs as stack.ts `toOutputs` stores them after `pulumi up`. */
const stackOlds: Props = {
  slug: "mystack",
  name: "My stack",
  region: "us",
  description: "Production observability",
  url: "https://mystack.grafana.net",
  labels: { env: "prod", team: "sre" },
  deleteProtection: true,
  waitForReadiness: true,
  readinessTimeoutSeconds: 600,
  adoptExisting: false,
  stackId: 812345,
  status: "active",
  orgId: 7890,
  orgSlug: "myorg",
  regionSlug: "prod-us-central-0",
  clusterSlug: "prod-us-central-0",
  prometheusUrl: "https://prometheus-prod-10-prod-us-central-0.grafana.net",
  prometheusUserId: 1234567,
  graphiteUrl: "https://graphite-prod-10-prod-us-central-0.grafana.net",
  graphiteUserId: 1234568,
  logsUrl: "https://logs-prod-017.grafana.net",
  logsUserId: 765432,
  tracesUrl: "https://tempo-prod-04-prod-us-central-0.grafana.net",
  tracesUserId: 765433,
  alertmanagerUrl: "https://alertmanager-prod-us-central-0.grafana.net",
  alertmanagerUserId: 765434,
  otlpUrl: "https://otlp-gateway-prod-us-central-0.grafana.net/otlp",
};
/** The program's inputs for that stack, as `check` returns them. */
const stackNews: Props = {
  slug: "mystack",
  name: "My stack",
  region: "us",
  description: "Production observability",
  labels: { env: "prod", team: "sre" },
  deleteProtection: true,
  waitForReadiness: true,
  readinessTimeoutSeconds: 600,
  adoptExisting: false,
};
/** A stack declared with the slug only: no description, no labels (toOutputs leaves both out). */
const bareOlds: Props = Object.fromEntries(
  Object.entries({ ...stackOlds, name: "mystack" }).filter(([k]) => k !== "description" && k !== "labels"),
);
const bareNews: Props = Object.fromEntries(
  Object.entries({ ...stackNews, name: "mystack" }).filter(([k]) => k !== "description" && k !== "labels"),
);

/** Replacing a stack deletes the old one, so the replace cases start from an unprotected stack. */
const openOlds: Props = { ...stackOlds, deleteProtection: false };
const openNews: Props = { ...stackNews, deleteProtection: false };

describe("Stack diff", () => {
  test.each<[string, Props, Props, Expect]>([
    ["unchanged", stackOlds, stackNews, "none"],
    ["unchanged, slug only", bareOlds, bareNews, "none"],
    ["slug changed: replace", openOlds, { ...openNews, slug: "otherstack" }, replace("slug")],
    [
      "region changed: replace, deleting first since the slug stays",
      openOlds,
      { ...openNews, region: "eu" },
      replaceDeleteFirst("region"),
    ],
    [
      "slug and region changed: replace, new slug so no need to delete first",
      openOlds,
      { ...openNews, slug: "otherstack", region: "eu" },
      replace("slug", "region"),
    ],
    ["region absent vs us", stackOlds, { ...stackNews, region: undefined }, "none"],
    ["name changed: update", stackOlds, { ...stackNews, name: "Renamed" }, "update"],
    ["description changed: update", stackOlds, { ...stackNews, description: "Other" }, "update"],
    ["description removed: update", stackOlds, { ...stackNews, description: undefined }, "update"],
    ["description added: update", bareOlds, { ...bareNews, description: "New" }, "update"],
    ['description "" vs absent in olds', bareOlds, { ...bareNews, description: "" }, "none"],
    ['description absent vs "" in olds', { ...bareOlds, description: "" }, bareNews, "none"],
    ["labels reordered", stackOlds, { ...stackNews, labels: { team: "sre", env: "prod" } }, "none"],
    [
      "label value changed: update",
      stackOlds,
      { ...stackNews, labels: { env: "dev", team: "sre" } },
      "update",
    ],
    [
      "label added: update",
      stackOlds,
      { ...stackNews, labels: { env: "prod", team: "sre", tier: "1" } },
      "update",
    ],
    ["label removed: update", stackOlds, { ...stackNews, labels: { env: "prod" } }, "update"],
    [
      "an own __proto__ label added: update (not silently equal)",
      stackOlds,
      { ...stackNews, labels: JSON.parse('{"env": "prod", "team": "sre", "__proto__": "x"}') as Props },
      "update",
    ],
    ["all labels removed: update", stackOlds, { ...stackNews, labels: undefined }, "update"],
    ["labels {} vs absent in olds", bareOlds, { ...bareNews, labels: {} }, "none"],
    ["labels absent vs {} in olds", { ...bareOlds, labels: {} }, bareNews, "none"],
    ["deleteProtection false: update", stackOlds, { ...stackNews, deleteProtection: false }, "update"],
    ["deleteProtection true again: update", { ...stackOlds, deleteProtection: false }, stackNews, "update"],
    ["deleteProtection absent vs true", stackOlds, { ...stackNews, deleteProtection: undefined }, "none"],
    ["url not declared: the API's own url is not compared", stackOlds, stackNews, "none"],
    ["url declared and equal", stackOlds, { ...stackNews, url: "https://mystack.grafana.net" }, "none"],
    [
      "url declared and different: update",
      stackOlds,
      { ...stackNews, url: "https://grafana.example.com" },
      "update",
    ],
    [
      "outputs the API fills in are not compared",
      { ...stackOlds, status: "paused", orgSlug: "x" },
      stackNews,
      "none",
    ],
    // Unknown values during preview count as changes.
    ["slug unknown: replace", openOlds, { ...openNews, slug: UNKNOWN }, replace("slug")],
    [
      "region unknown: replace, deleting first",
      openOlds,
      { ...openNews, region: UNKNOWN },
      replaceDeleteFirst("region"),
    ],
    ["name unknown: update", stackOlds, { ...stackNews, name: UNKNOWN }, "update"],
    ["description unknown: update", stackOlds, { ...stackNews, description: UNKNOWN }, "update"],
    ["labels unknown: update", stackOlds, { ...stackNews, labels: UNKNOWN }, "update"],
    [
      "one label value unknown: update",
      stackOlds,
      { ...stackNews, labels: { env: UNKNOWN, team: "sre" } },
      "update",
    ],
    ["deleteProtection unknown: update", stackOlds, { ...stackNews, deleteProtection: UNKNOWN }, "update"],
    ["url unknown: update", stackOlds, { ...stackNews, url: UNKNOWN }, "update"],
  ])("%s", async (_title, olds, news, expected) => {
    await expectDiff((i, o, n) => stackProvider.diff(i, o, n), STACK_ID, olds, news, expected);
  });

  test.each<[string, Props]>([
    ["slug", { slug: "otherstack" }],
    ["region", { region: "eu" }],
    [
      "slug, with protection being turned off in the same change",
      { slug: "otherstack", deleteProtection: false },
    ],
  ])(
    "a protected stack refuses a replacing change of %s at preview, saying what to do",
    async (_t, change) => {
      await expect(stackProvider.diff(STACK_ID, stackOlds, { ...stackNews, ...change })).rejects.toThrow(
        /replaces the stack.*delete protection\. Set deleteProtection: false and run `pulumi up` first/,
      );
    },
  );

  test("a protected stack whose slug is unknown at preview plans a replace instead of failing", async () => {
    const r = await stackProvider.diff(STACK_ID, stackOlds, { ...stackNews, slug: UNKNOWN });
    expect(r.replaces).toEqual(["slug"]);
  });

  test.each<[string, Props]>([
    ["waitForReadiness", { waitForReadiness: false }],
    ["readinessTimeoutSeconds", { readinessTimeoutSeconds: 1800 }],
    ["adoptExisting", { adoptExisting: true }],
  ])("create-time setting %s never replaces the stack", async (_title, change) => {
    const r = await stackProvider.diff(STACK_ID, stackOlds, { ...stackNews, ...change });
    expect(r.replaces ?? []).toEqual([]);
    expect(r.deleteBeforeReplace ?? false).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// AccessPolicy

const POLICY_ID = "5f3c2a1e-8b7d-4c6e-9a0f-1b2c3d4e5f60";
/** Access-policy outputs as accessPolicy.ts `toOutputs` stores them. */
const policyOlds: Props = {
  region: "us",
  name: "metrics-reader",
  displayName: "Metrics reader",
  scopes: ["metrics:read", "logs:read"],
  realms: [
    {
      type: "stack",
      identifier: "812345",
      labelPolicies: [{ selector: '{env="prod"}' }, { selector: '{team!="dev"}' }],
    },
    { type: "org", identifier: "7890" },
  ],
  conditions: { allowedSubnets: ["10.0.0.0/8", "2001:db8::/32"] },
  status: "active",
  adoptExisting: false,
  policyId: POLICY_ID,
  orgId: "7890",
  createdAt: "2024-05-01T10:00:00Z",
  updatedAt: "2024-05-02T11:30:00Z",
};
const policyNews: Props = {
  region: "us",
  name: "metrics-reader",
  displayName: "Metrics reader",
  scopes: ["metrics:read", "logs:read"],
  realms: [
    {
      type: "stack",
      identifier: "812345",
      labelPolicies: [{ selector: '{env="prod"}' }, { selector: '{team!="dev"}' }],
    },
    { type: "org", identifier: "7890" },
  ],
  conditions: { allowedSubnets: ["10.0.0.0/8", "2001:db8::/32"] },
  status: "active",
  adoptExisting: false,
};
/** Without subnets: toOutputs leaves `conditions` out when the API has none. */
const noSubnetOlds: Props = Object.fromEntries(
  Object.entries(policyOlds).filter(([k]) => k !== "conditions"),
);
const noSubnetNews: Props = Object.fromEntries(
  Object.entries(policyNews).filter(([k]) => k !== "conditions"),
);

const stackRealm = (labelPolicies?: string[]): Props => ({
  type: "stack",
  identifier: "812345",
  ...(labelPolicies ? { labelPolicies: labelPolicies.map((selector) => ({ selector })) } : {}),
});
const orgRealm: Props = { type: "org", identifier: "7890" };

describe("AccessPolicy diff", () => {
  test.each<[string, Props, Props, Expect]>([
    ["unchanged", policyOlds, policyNews, "none"],
    ["region changed: replace", policyOlds, { ...policyNews, region: "eu" }, replace("region")],
    ["name changed: replace", policyOlds, { ...policyNews, name: "metrics-reader-2" }, replace("name")],
    ["displayName changed: update", policyOlds, { ...policyNews, displayName: "Readers" }, "update"],
    // scopes: a set
    ["scopes in another order", policyOlds, { ...policyNews, scopes: ["logs:read", "metrics:read"] }, "none"],
    [
      "a scope duplicated",
      policyOlds,
      { ...policyNews, scopes: ["metrics:read", "logs:read", "metrics:read"] },
      "none",
    ],
    [
      "a scope added: update",
      policyOlds,
      { ...policyNews, scopes: ["metrics:read", "logs:read", "traces:read"] },
      "update",
    ],
    ["a scope removed: update", policyOlds, { ...policyNews, scopes: ["metrics:read"] }, "update"],
    [
      "a scope replaced: update",
      policyOlds,
      { ...policyNews, scopes: ["metrics:write", "logs:read"] },
      "update",
    ],
    // realms: a set of realms, each with a set of label policies
    [
      "realms reordered",
      policyOlds,
      { ...policyNews, realms: [orgRealm, stackRealm(['{env="prod"}', '{team!="dev"}'])] },
      "none",
    ],
    [
      "label policies reordered",
      policyOlds,
      { ...policyNews, realms: [stackRealm(['{team!="dev"}', '{env="prod"}']), orgRealm] },
      "none",
    ],
    [
      "one selector edited: update, not replace",
      policyOlds,
      { ...policyNews, realms: [stackRealm(['{env="staging"}', '{team!="dev"}']), orgRealm] },
      "update",
    ],
    [
      "a label policy removed: update",
      policyOlds,
      { ...policyNews, realms: [stackRealm(['{env="prod"}']), orgRealm] },
      "update",
    ],
    ["a realm removed: update", policyOlds, { ...policyNews, realms: [orgRealm] }, "update"],
    [
      "realm identifier changed: update",
      policyOlds,
      {
        ...policyNews,
        realms: [{ ...stackRealm(['{env="prod"}', '{team!="dev"}']), identifier: "812346" }, orgRealm],
      },
      "update",
    ],
    [
      "realm type changed: update",
      { ...policyOlds, realms: [orgRealm] },
      { ...policyNews, realms: [{ type: "stack", identifier: "7890" }] },
      "update",
    ],
    [
      "label policies [] vs absent in olds",
      { ...policyOlds, realms: [orgRealm] },
      { ...policyNews, realms: [{ ...orgRealm, labelPolicies: [] }] },
      "none",
    ],
    // conditions: a set of subnets; empty equals absent
    [
      "subnets reordered",
      policyOlds,
      { ...policyNews, conditions: { allowedSubnets: ["2001:db8::/32", "10.0.0.0/8"] } },
      "none",
    ],
    [
      "a subnet added: update",
      policyOlds,
      { ...policyNews, conditions: { allowedSubnets: ["10.0.0.0/8", "2001:db8::/32", "192.168.0.0/16"] } },
      "update",
    ],
    [
      "a subnet removed: update",
      policyOlds,
      { ...policyNews, conditions: { allowedSubnets: ["10.0.0.0/8"] } },
      "update",
    ],
    [
      "subnets cleared with []: update",
      policyOlds,
      { ...policyNews, conditions: { allowedSubnets: [] } },
      "update",
    ],
    ["conditions removed: update", policyOlds, noSubnetNews, "update"],
    [
      "conditions absent in olds vs allowedSubnets []",
      noSubnetOlds,
      { ...noSubnetNews, conditions: { allowedSubnets: [] } },
      "none",
    ],
    ["conditions absent on both sides", noSubnetOlds, noSubnetNews, "none"],
    ["subnets added to a policy without: update", noSubnetOlds, policyNews, "update"],
    // status
    ["status inactive: update", policyOlds, { ...policyNews, status: "inactive" }, "update"],
    ["status active again: update", { ...policyOlds, status: "inactive" }, policyNews, "update"],
    ["status absent vs active", policyOlds, { ...policyNews, status: undefined }, "none"],
    [
      "server-side timestamps are not compared",
      { ...policyOlds, updatedAt: "2025-01-01T00:00:00Z" },
      policyNews,
      "none",
    ],
    // Unknown values during preview
    ["region unknown: replace", policyOlds, { ...policyNews, region: UNKNOWN }, replace("region")],
    ["name unknown: replace", policyOlds, { ...policyNews, name: UNKNOWN }, replace("name")],
    ["displayName unknown: update", policyOlds, { ...policyNews, displayName: UNKNOWN }, "update"],
    ["scopes unknown: update", policyOlds, { ...policyNews, scopes: UNKNOWN }, "update"],
    [
      "a realm identifier unknown: update",
      policyOlds,
      {
        ...policyNews,
        realms: [{ ...stackRealm(['{env="prod"}', '{team!="dev"}']), identifier: UNKNOWN }, orgRealm],
      },
      "update",
    ],
    [
      "subnets unknown: update",
      policyOlds,
      { ...policyNews, conditions: { allowedSubnets: UNKNOWN } },
      "update",
    ],
    ["status unknown: update", policyOlds, { ...policyNews, status: UNKNOWN }, "update"],
  ])("%s", async (_title, olds, news, expected) => {
    await expectDiff((i, o, n) => accessPolicyProvider.diff(i, o, n), POLICY_ID, olds, news, expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Token

const TOKEN_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/** Token outputs as token.ts `toOutputs` stores them. */
const tokenOlds: Props = {
  region: "us",
  accessPolicyId: POLICY_ID,
  name: "ci-token",
  displayName: "CI token",
  expiresAt: "2030-01-01T00:00:00Z",
  token: "glc_eyJvIjoiNzg5MCIsIm4iOiJjaS10b2tlbiIsImsiOiJzZWNyZXQifQ==",
  tokenId: TOKEN_ID,
  createdAt: "2024-05-01T10:00:00Z",
  updatedAt: "2024-05-01T10:00:00Z",
};
const tokenNews: Props = {
  region: "us",
  accessPolicyId: POLICY_ID,
  name: "ci-token",
  displayName: "CI token",
  expiresAt: "2030-01-01T00:00:00Z",
};
const noExpiryOlds: Props = Object.fromEntries(Object.entries(tokenOlds).filter(([k]) => k !== "expiresAt"));
const noExpiryNews: Props = Object.fromEntries(Object.entries(tokenNews).filter(([k]) => k !== "expiresAt"));

describe("Token diff", () => {
  test.each<[string, Props, Props, Expect]>([
    ["unchanged", tokenOlds, tokenNews, "none"],
    ["unchanged, no expiry", noExpiryOlds, noExpiryNews, "none"],
    ["region changed: replace", tokenOlds, { ...tokenNews, region: "eu" }, replace("region")],
    ["name changed: replace", tokenOlds, { ...tokenNews, name: "ci-token-2" }, replace("name")],
    [
      "accessPolicyId changed: replace, deleting first since the name stays",
      tokenOlds,
      { ...tokenNews, accessPolicyId: "0e1d2c3b-4a59-4687-b6a5-c4d3e2f1a0b9" },
      replaceDeleteFirst("accessPolicyId"),
    ],
    [
      "accessPolicyId and name changed: replace, new name so no need to delete first",
      tokenOlds,
      { ...tokenNews, accessPolicyId: "0e1d2c3b-4a59-4687-b6a5-c4d3e2f1a0b9", name: "ci-token-2" },
      replace("accessPolicyId", "name"),
    ],
    [
      "accessPolicyId and region changed: replace, new region so no need to delete first",
      tokenOlds,
      { ...tokenNews, accessPolicyId: "0e1d2c3b-4a59-4687-b6a5-c4d3e2f1a0b9", region: "eu" },
      replace("accessPolicyId", "region"),
    ],
    ["displayName changed: update", tokenOlds, { ...tokenNews, displayName: "CI" }, "update"],
    // expiresAt: an instant
    [
      "expiresAt with milliseconds",
      tokenOlds,
      { ...tokenNews, expiresAt: "2030-01-01T00:00:00.000Z" },
      "none",
    ],
    ["expiresAt with an offset", tokenOlds, { ...tokenNews, expiresAt: "2030-01-01T01:00:00+01:00" }, "none"],
    [
      "expiresAt stored with milliseconds, declared without",
      { ...tokenOlds, expiresAt: "2030-01-01T00:00:00.000Z" },
      tokenNews,
      "none",
    ],
    [
      "expiresAt a different instant: update",
      tokenOlds,
      { ...tokenNews, expiresAt: "2030-01-01T00:00:01Z" },
      "update",
    ],
    [
      "expiresAt same wall clock, another zone: update",
      tokenOlds,
      { ...tokenNews, expiresAt: "2030-01-01T00:00:00+01:00" },
      "update",
    ],
    ["expiresAt removed: update", tokenOlds, noExpiryNews, "update"],
    ["expiresAt added: update", noExpiryOlds, tokenNews, "update"],
    [
      "server-side timestamps are not compared",
      { ...tokenOlds, updatedAt: "2025-01-01T00:00:00Z" },
      tokenNews,
      "none",
    ],
    // Unknown values during preview
    ["region unknown: replace", tokenOlds, { ...tokenNews, region: UNKNOWN }, replace("region")],
    ["name unknown: replace", tokenOlds, { ...tokenNews, name: UNKNOWN }, replace("name")],
    [
      "accessPolicyId unknown: replace, deleting first",
      tokenOlds,
      { ...tokenNews, accessPolicyId: UNKNOWN },
      replaceDeleteFirst("accessPolicyId"),
    ],
    ["displayName unknown: update", tokenOlds, { ...tokenNews, displayName: UNKNOWN }, "update"],
    ["expiresAt unknown: update", tokenOlds, { ...tokenNews, expiresAt: UNKNOWN }, "update"],
  ])("%s", async (_title, olds, news, expected) => {
    await expectDiff((i, o, n) => tokenProvider.diff(i, o, n), TOKEN_ID, olds, news, expected);
  });
});

describe("Token diff with rotation (the clock fixed 20 minutes before the stored expiry)", () => {
  const EXPIRY = Date.parse("2030-01-01T00:00:00Z");
  const rotation = { expireAfterSeconds: 3600, earlyRotationSeconds: 600 };
  const olds: Props = {
    ...noExpiryOlds,
    expiresAt: "2030-01-01T00:00:00.000Z",
    rotation,
    tokenName: "ci-token-20300101t000000z",
    readyForRotation: false,
  };
  const news: Props = { ...noExpiryNews, rotation };
  beforeAll(() => setClock({ now: () => EXPIRY - 20 * 60_000, sleep: async () => undefined }));
  afterAll(() => setClock(undefined));
  const early = (s: number) => ({ rotation: { ...rotation, earlyRotationSeconds: s } });

  test.each<[string, Props, Props, Expect]>([
    ["outside the window: no change", olds, news, "none"],
    ["inside a wider window: replace, new first", olds, { ...news, ...early(1800) }, replace("rotation")],
    ["a narrower window: update", olds, { ...news, ...early(60) }, "update"],
    [
      "a new lifetime: replace, new first",
      olds,
      { ...news, rotation: { ...rotation, expireAfterSeconds: 7200 } },
      replace("rotation"),
    ],
    ["rotation removed: replace, new first", olds, noExpiryNews, replace("rotation")],
    ["rotation added: replace, new first", noExpiryOlds, news, replace("rotation")],
    ["rotation unknown: replace, new first", olds, { ...news, rotation: UNKNOWN }, replace("rotation")],
    [
      "accessPolicyId changed: replace, new first (the new generation has its own name)",
      olds,
      { ...news, accessPolicyId: "0e1d2c3b-4a59-4687-b6a5-c4d3e2f1a0b9" },
      replace("accessPolicyId"),
    ],
    ["displayName changed: update", olds, { ...news, displayName: "CI" }, "update"],
  ])("%s", async (_title, o, n, expected) => {
    await expectDiff((i, a, b) => tokenProvider.diff(i, a, b), TOKEN_ID, o, n, expected);
  });
});

// ---------------------------------------------------------------------------------------------
// A program checked again after `pulumi up` diffs as no change: `news` from `check`, not written
// by hand, so defaults the program leaves out are filled in the way the stored outputs have them.

describe("an unchanged program diffs as no change after check", () => {
  test.each<[string, Check, Diff, string, Props, Props]>([
    [
      "stack declared with its slug only",
      (o, n) => stackProvider.check(o, n),
      (i, o, n) => stackProvider.diff(i, o, n),
      STACK_ID,
      bareOlds,
      { slug: "mystack" },
    ],
    [
      "stack with every updatable field",
      (o, n) => stackProvider.check(o, n),
      (i, o, n) => stackProvider.diff(i, o, n),
      STACK_ID,
      stackOlds,
      {
        slug: "mystack",
        name: "My stack",
        description: "Production observability",
        labels: { team: "sre", env: "prod" },
      },
    ],
    [
      "access policy without displayName",
      (o, n) => accessPolicyProvider.check(o, n),
      (i, o, n) => accessPolicyProvider.diff(i, o, n),
      POLICY_ID,
      { ...noSubnetOlds, displayName: "metrics-reader" },
      {
        region: "us",
        name: "metrics-reader",
        scopes: ["logs:read", "metrics:read"],
        realms: [{ type: "org", identifier: 7890 }, stackRealm(['{team!="dev"}', '{env="prod"}'])],
      },
    ],
    [
      "access policy with every field",
      (o, n) => accessPolicyProvider.check(o, n),
      (i, o, n) => accessPolicyProvider.diff(i, o, n),
      POLICY_ID,
      policyOlds,
      {
        region: "us",
        name: "metrics-reader",
        displayName: "Metrics reader",
        scopes: ["logs:read", "metrics:read"],
        realms: [orgRealm, stackRealm(['{team!="dev"}', '{env="prod"}'])],
        conditions: { allowedSubnets: ["2001:db8::/32", "10.0.0.0/8"] },
        status: "active",
      },
    ],
    [
      "token without displayName",
      (o, n) => tokenProvider.check(o, n),
      (i, o, n) => tokenProvider.diff(i, o, n),
      TOKEN_ID,
      { ...noExpiryOlds, displayName: "ci-token" },
      { region: "us", accessPolicyId: POLICY_ID, name: "ci-token" },
    ],
    [
      "token with every field",
      (o, n) => tokenProvider.check(o, n),
      (i, o, n) => tokenProvider.diff(i, o, n),
      TOKEN_ID,
      { ...tokenOlds, expiresAt: "2030-01-01T00:00:00.000Z" },
      { ...tokenNews, expiresAt: "2030-01-01T01:00:00+01:00" },
    ],
  ])("%s", async (_title, check, diff, id, olds, program) => {
    const checked = await check({}, program);
    expect(checked.failures ?? []).toEqual([]);
    await expectDiff(diff, id, olds, checked.inputs, "none");
  });
});
