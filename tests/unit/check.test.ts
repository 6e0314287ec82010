/**
 * `check` of Stack, AccessPolicy and Token: every field rule with the property it names and the
 * rule in its reason, defaults in the returned inputs, and preview's unknown values (which reach
 * `check` as a sentinel string and are validated once known). No network: `check` never calls the API.
 */
import {
  accessPolicyProvider,
  bases,
  CIDR,
  DISPLAY_NAME,
  key,
  LABEL,
  labels,
  NAME,
  plugin,
  PLUGIN_VERSION,
  POLICY_ID,
  policy,
  PROTO_KEY,
  providers,
  realm,
  REALM_ID,
  REGION,
  RFC3339,
  SAFE_INTEGER,
  SCOPE,
  SECONDS_TO_LIVE,
  SLUG,
  stack,
  stackProvider,
  token,
  UNKNOWN,
  without,
  type Kind,
  type Props,
} from "./fixtures";

async function failuresOf(kind: Kind, news: Props, olds: Props = {}) {
  return (await providers[kind](olds, news)).failures ?? [];
}

describe("valid inputs pass", () => {
  test.each<[string, Kind, Props]>([
    ["stack: slug only", "Stack", stack],
    ["stack: 29-character slug", "Stack", { slug: "a" + "b1".repeat(14) }],
    [
      "stack: every field",
      "Stack",
      {
        slug: "mystack",
        name: "My stack",
        region: "prod-eu-west-3",
        description: "",
        url: "https://grafana.example.com",
        labels: { ...labels(9), "team/owner": "sre-core_1.0" },
        deleteProtection: false,
        waitForReadiness: false,
        readinessTimeoutSeconds: 7200,
        adoptExisting: true,
      },
    ],
    ["stack: readinessTimeoutSeconds 1", "Stack", { ...stack, readinessTimeoutSeconds: 1 }],
    ["stack: 10 labels", "Stack", { ...stack, labels: labels(10) }],
    ["stack: __provider is not an input", "Stack", { ...stack, __provider: "exports.handler = ..." }],
    ["access policy: minimal", "AccessPolicy", policy],
    ["access policy: 255-character name", "AccessPolicy", { ...policy, name: "a".repeat(255) }],
    ["access policy: name of digits, '-' and '_'", "AccessPolicy", { ...policy, name: "0_ci-token-9" }],
    [
      "access policy: scopes with hyphenated services",
      "AccessPolicy",
      { ...policy, scopes: ["stack-plugins:write", "accesspolicies:delete", "datadog:validate"] },
    ],
    [
      "access policy: org realm",
      "AccessPolicy",
      { ...policy, realms: [{ type: "org", identifier: "7890" }] },
    ],
    [
      "access policy: label policies",
      "AccessPolicy",
      realm({ labelPolicies: [{ selector: '{env!="dev"}' }, { selector: '{team="sre"}' }] }),
    ],
    [
      "access policy: IPv4 and IPv6 subnets",
      "AccessPolicy",
      { ...policy, conditions: { allowedSubnets: ["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32"] } },
    ],
    ["access policy: no subnets", "AccessPolicy", { ...policy, conditions: { allowedSubnets: [] } }],
    ["access policy: inactive", "AccessPolicy", { ...policy, status: "inactive" }],
    ["token: minimal", "Token", token],
    ["token: future expiry", "Token", { ...token, displayName: "CI", expiresAt: "2999-12-31T23:59:59Z" }],
    [
      "token: future expiry with an offset",
      "Token",
      { ...token, expiresAt: "2999-12-31T23:59:59.123+02:00" },
    ],
    ["token: adoptExisting false", "Token", { ...token, adoptExisting: false }],
    // Length caps: the longest value each allows.
    ["stack: 255-character name", "Stack", { ...stack, name: "N".repeat(255) }],
    ["stack: 4096-character description", "Stack", { ...stack, description: "d".repeat(4096) }],
    [
      "stack: 255-character label key and value",
      "Stack",
      { ...stack, labels: { ["k".repeat(255)]: "v".repeat(255) } },
    ],
    ["access policy: 19-digit realm identifier", "AccessPolicy", realm({ identifier: "9".repeat(19) })],
    [
      "access policy: the largest safe integer as identifier",
      "AccessPolicy",
      realm({ identifier: 2 ** 53 - 1 }),
    ],
    ["token: 255-character accessPolicyId", "Token", { ...token, accessPolicyId: "p".repeat(255) }],
    ["plugin: 64-character version", "PluginInstallation", { ...plugin, version: "1.0.0-" + "b".repeat(58) }],
    ["key: 100 years to live", "StackApiKey", { ...key, secondsToLive: 3_153_600_000 }],
  ])("%s", async (_title, kind, news) => {
    const r = await providers[kind]({}, news);
    expect(r.failures ?? []).toEqual([]);
  });
});

describe("each rule fails with its property and a reason naming the rule", () => {
  test.each<[string, Kind, Props, string, RegExp]>([
    // Stack: slug (the API accepts ^[a-z][a-z0-9]{0,28}$)
    ["stack slug with a hyphen", "Stack", { slug: "my-stack" }, "slug", SLUG],
    ["stack slug with uppercase", "Stack", { slug: "MyStack" }, "slug", SLUG],
    ["stack slug with a leading digit", "Stack", { slug: "1stack" }, "slug", SLUG],
    ["stack slug of 30 characters", "Stack", { slug: "a".repeat(30) }, "slug", SLUG],
    ["stack slug empty", "Stack", { slug: "" }, "slug", SLUG],
    ["stack slug missing", "Stack", { name: "My stack" }, "slug", /is required|must be 1-29/],
    ["stack slug not a string", "Stack", { slug: 42 }, "slug", SLUG],
    ["stack region with a space", "Stack", { ...stack, region: "us east" }, "region", REGION],
    ["stack region uppercase", "Stack", { ...stack, region: "US" }, "region", REGION],
    ["stack region empty", "Stack", { ...stack, region: "" }, "region", REGION],
    ["stack with 11 labels", "Stack", { ...stack, labels: labels(11) }, "labels", /at most 10 labels/],
    ["stack label value with a space", "Stack", { ...stack, labels: { env: "pro d" } }, "labels.env", LABEL],
    ["stack label value empty", "Stack", { ...stack, labels: { env: "" } }, "labels.env", LABEL],
    [
      "stack label value not a string",
      "Stack",
      { ...stack, labels: { replicas: 3 } },
      "labels.replicas",
      /string/,
    ],
    ["stack labels not a map", "Stack", { ...stack, labels: ["env"] }, "labels", /map of strings/],
    [
      "stack url not a URL",
      "Stack",
      { ...stack, url: "not a url" },
      "url",
      /must be an absolute http\(s\) URL/,
    ],
    ["stack url not http(s)", "Stack", { ...stack, url: "ftp://x.example.com" }, "url", /http\(s\) URL/],
    ["stack name empty", "Stack", { ...stack, name: "" }, "name", /must be a string of 1-255 characters/],
    [
      "stack name of 256 characters",
      "Stack",
      { ...stack, name: "N".repeat(256) },
      "name",
      /must be a string of 1-255 characters/,
    ],
    ["stack description not a string", "Stack", { ...stack, description: 5 }, "description", /string/],
    [
      "stack description of 4097 characters",
      "Stack",
      { ...stack, description: "d".repeat(4097) },
      "description",
      /at most 4096 characters/,
    ],
    [
      "stack label key of 256 characters",
      "Stack",
      { ...stack, labels: { ["k".repeat(256)]: "v" } },
      `labels.${"k".repeat(256)}`,
      LABEL,
    ],
    [
      "stack label value of 256 characters",
      "Stack",
      { ...stack, labels: { env: "v".repeat(256) } },
      "labels.env",
      LABEL,
    ],
    [
      "stack label key __proto__ (an own key, as JSON.parse makes it)",
      "Stack",
      { ...stack, labels: JSON.parse('{"env": "prod", "__proto__": "x"}') as Props },
      "labels.__proto__",
      PROTO_KEY,
    ],
    [
      "stack deleteProtection not boolean",
      "Stack",
      { ...stack, deleteProtection: "no" },
      "deleteProtection",
      /boolean/,
    ],
    [
      "stack waitForReadiness not boolean",
      "Stack",
      { ...stack, waitForReadiness: 1 },
      "waitForReadiness",
      /boolean/,
    ],
    [
      "stack adoptExisting not boolean",
      "Stack",
      { ...stack, adoptExisting: "yes" },
      "adoptExisting",
      /boolean/,
    ],
    [
      "stack readinessTimeoutSeconds 0",
      "Stack",
      { ...stack, readinessTimeoutSeconds: 0 },
      "readinessTimeoutSeconds",
      /between 1 and 7200 seconds/,
    ],
    [
      "stack readinessTimeoutSeconds fractional",
      "Stack",
      { ...stack, readinessTimeoutSeconds: 1.5 },
      "readinessTimeoutSeconds",
      /whole number of seconds/,
    ],
    [
      "stack readinessTimeoutSeconds over 7200",
      "Stack",
      { ...stack, readinessTimeoutSeconds: 7201 },
      "readinessTimeoutSeconds",
      /between 1 and 7200 seconds/,
    ],
    [
      "stack readinessTimeoutSeconds a string",
      "Stack",
      { ...stack, readinessTimeoutSeconds: "600" },
      "readinessTimeoutSeconds",
      /number of seconds/,
    ],
    [
      "stack property with a typo",
      "Stack",
      { ...stack, deletionProtection: false },
      "deletionProtection",
      /is not a known property/,
    ],
    // AccessPolicy
    ["policy region missing", "AccessPolicy", without(policy, "region"), "region", /is required|region slug/],
    ["policy name uppercase", "AccessPolicy", { ...policy, name: "Metrics-reader" }, "name", NAME],
    ["policy name with a space", "AccessPolicy", { ...policy, name: "metrics reader" }, "name", NAME],
    ["policy name of 256 characters", "AccessPolicy", { ...policy, name: "a".repeat(256) }, "name", NAME],
    ["policy name empty", "AccessPolicy", { ...policy, name: "" }, "name", NAME],
    ["policy name missing", "AccessPolicy", without(policy, "name"), "name", /is required|1-255 characters/],
    ["policy displayName empty", "AccessPolicy", { ...policy, displayName: "" }, "displayName", DISPLAY_NAME],
    [
      "policy displayName of 256 characters",
      "AccessPolicy",
      { ...policy, displayName: "D".repeat(256) },
      "displayName",
      DISPLAY_NAME,
    ],
    ["policy scopes empty", "AccessPolicy", { ...policy, scopes: [] }, "scopes", /at least one scope/],
    [
      "policy scopes missing",
      "AccessPolicy",
      without(policy, "scopes"),
      "scopes",
      /is required|list of scopes/,
    ],
    [
      "policy scope without permission",
      "AccessPolicy",
      { ...policy, scopes: ["metrics"] },
      "scopes[0]",
      SCOPE,
    ],
    [
      "policy scope with empty permission",
      "AccessPolicy",
      { ...policy, scopes: ["metrics:"] },
      "scopes[0]",
      SCOPE,
    ],
    ["policy scope with empty service", "AccessPolicy", { ...policy, scopes: [":read"] }, "scopes[0]", SCOPE],
    [
      "policy scope with uppercase",
      "AccessPolicy",
      { ...policy, scopes: ["metrics:read", "Metrics:Read"] },
      "scopes[1]",
      SCOPE,
    ],
    ["policy realms empty", "AccessPolicy", { ...policy, realms: [] }, "realms", /at least one realm/],
    [
      "policy realms missing",
      "AccessPolicy",
      without(policy, "realms"),
      "realms",
      /is required|list of realms/,
    ],
    [
      "policy realm of a bad type",
      "AccessPolicy",
      realm({ type: "team" }),
      "realms[0].type",
      /"org" or "stack"/,
    ],
    [
      "policy realm with an empty identifier",
      "AccessPolicy",
      realm({ identifier: "" }),
      "realms[0].identifier",
      REALM_ID,
    ],
    [
      "policy realm with a non-numeric identifier",
      "AccessPolicy",
      realm({ identifier: "mystack" }),
      "realms[0].identifier",
      REALM_ID,
    ],
    [
      "policy realm identifier of 20 digits",
      "AccessPolicy",
      realm({ identifier: "1".repeat(20) }),
      "realms[0].identifier",
      REALM_ID,
    ],
    [
      "policy realm identifier an unsafe integer (2**53 + 1, already rounded by JavaScript)",
      "AccessPolicy",
      realm({ identifier: 2 ** 53 + 1 }),
      "realms[0].identifier",
      SAFE_INTEGER,
    ],
    [
      "policy realm identifier a fraction",
      "AccessPolicy",
      realm({ identifier: 1.5 }),
      "realms[0].identifier",
      SAFE_INTEGER,
    ],
    [
      "policy realm identifier a negative number",
      "AccessPolicy",
      realm({ identifier: -7 }),
      "realms[0].identifier",
      SAFE_INTEGER,
    ],
    [
      "policy label selector empty",
      "AccessPolicy",
      realm({ labelPolicies: [{ selector: '{env="prod"}' }, { selector: "" }] }),
      "realms[0].labelPolicies[1].selector",
      /must not be empty/,
    ],
    [
      "policy label selector of whitespace",
      "AccessPolicy",
      realm({ labelPolicies: [{ selector: "   " }] }),
      "realms[0].labelPolicies[0].selector",
      /must not be empty/,
    ],
    [
      "policy subnet that is a bare IP",
      "AccessPolicy",
      { ...policy, conditions: { allowedSubnets: ["10.0.0.1"] } },
      "conditions.allowedSubnets[0]",
      CIDR,
    ],
    [
      "policy subnet with prefix /33",
      "AccessPolicy",
      { ...policy, conditions: { allowedSubnets: ["10.0.0.0/8", "10.0.0.0/33"] } },
      "conditions.allowedSubnets[1]",
      CIDR,
    ],
    [
      "policy subnet that is not a CIDR",
      "AccessPolicy",
      { ...policy, conditions: { allowedSubnets: ["not-a-cidr"] } },
      "conditions.allowedSubnets[0]",
      CIDR,
    ],
    [
      "policy status of a bad value",
      "AccessPolicy",
      { ...policy, status: "enabled" },
      "status",
      /"active" or "inactive"/,
    ],
    [
      "policy property with a typo",
      "AccessPolicy",
      { ...policy, displayname: "x" },
      "displayname",
      /not a known property/,
    ],
    // Token
    ["token region missing", "Token", without(token, "region"), "region", /is required|region slug/],
    ["token name uppercase", "Token", { ...token, name: "CI-token" }, "name", NAME],
    ["token name with a space", "Token", { ...token, name: "ci token" }, "name", NAME],
    ["token name missing", "Token", without(token, "name"), "name", /is required|1-255 characters/],
    ["token accessPolicyId empty", "Token", { ...token, accessPolicyId: "" }, "accessPolicyId", POLICY_ID],
    [
      "token accessPolicyId of 256 characters",
      "Token",
      { ...token, accessPolicyId: "p".repeat(256) },
      "accessPolicyId",
      POLICY_ID,
    ],
    [
      "token accessPolicyId with a slash",
      "Token",
      { ...token, accessPolicyId: "a/b" },
      "accessPolicyId",
      POLICY_ID,
    ],
    [
      "token accessPolicyId a dot segment",
      "Token",
      { ...token, accessPolicyId: ".." },
      "accessPolicyId",
      POLICY_ID,
    ],
    // PluginInstallation
    [
      "plugin version of 65 characters",
      "PluginInstallation",
      { ...plugin, version: "1.0.0-" + "b".repeat(59) },
      "version",
      PLUGIN_VERSION,
    ],
    [
      "plugin version not a version",
      "PluginInstallation",
      { ...plugin, version: "v1" },
      "version",
      PLUGIN_VERSION,
    ],
    // StackApiKey
    [
      "key secondsToLive 9e12 (past the last JavaScript date)",
      "StackApiKey",
      { ...key, secondsToLive: 9e12 },
      "secondsToLive",
      SECONDS_TO_LIVE,
    ],
    [
      "key secondsToLive one second over 100 years",
      "StackApiKey",
      { ...key, secondsToLive: 3_153_600_001 },
      "secondsToLive",
      SECONDS_TO_LIVE,
    ],
    [
      "key secondsToLive negative",
      "StackApiKey",
      { ...key, secondsToLive: -1 },
      "secondsToLive",
      /0 or more/,
    ],
    ["token displayName empty", "Token", { ...token, displayName: "" }, "displayName", DISPLAY_NAME],
    ["token expiresAt a date only", "Token", { ...token, expiresAt: "2030-01-01" }, "expiresAt", RFC3339],
    ["token expiresAt a word", "Token", { ...token, expiresAt: "tomorrow" }, "expiresAt", RFC3339],
    [
      "token expiresAt without a zone",
      "Token",
      { ...token, expiresAt: "2030-01-01T00:00:00" },
      "expiresAt",
      RFC3339,
    ],
    [
      "token expiresAt in the past on a new token",
      "Token",
      { ...token, expiresAt: "2020-01-01T00:00:00Z" },
      "expiresAt",
      /must be in the future/,
    ],
    [
      "token adoptExisting: true",
      "Token",
      { ...token, adoptExisting: true },
      "adoptExisting",
      /secret.*only when it is created/,
    ],
  ])("%s", async (_title, kind, news, property, rule) => {
    const failures = await failuresOf(kind, news);
    expect(failures.map((f) => f.property)).toEqual([property]);
    const reason = failures[0]?.reason ?? "";
    expect(reason.startsWith(`${property}: `)).toBe(true);
    expect(reason).toMatch(rule);
  });

  test("every bad field of one resource is reported, not only the first", async () => {
    const failures = await failuresOf("Stack", {
      slug: "My-Stack",
      region: "US",
      readinessTimeoutSeconds: 0,
      deleteProtection: "no",
    });
    expect(failures.map((f) => f.property).sort()).toEqual(
      ["deleteProtection", "readinessTimeoutSeconds", "region", "slug"].sort(),
    );
  });

  test("failed inputs are handed back unchanged", async () => {
    const news = { slug: "my-stack", labels: { env: "prod" } };
    const r = await stackProvider.check({}, news);
    expect(r.failures).toHaveLength(1);
    expect(r.inputs).toEqual(news);
  });
});

describe("token expiresAt in the past", () => {
  const olds = { ...token, displayName: "ci-token", expiresAt: "2020-01-01T00:00:00Z" };
  test.each<[string, Props, Props, string[]]>([
    ["new token: failure", {}, { ...token, expiresAt: "2020-01-01T00:00:00Z" }, ["expiresAt"]],
    ["unchanged past expiry: no failure", olds, { ...token, expiresAt: "2020-01-01T00:00:00Z" }, []],
    [
      "same past instant in another form: no failure",
      olds,
      { ...token, expiresAt: "2020-01-01T01:00:00+01:00" },
      [],
    ],
    ["another past instant: failure", olds, { ...token, expiresAt: "2021-06-01T00:00:00Z" }, ["expiresAt"]],
    [
      "past expiry added to an existing token: failure",
      token,
      { ...token, expiresAt: "2020-01-01T00:00:00Z" },
      ["expiresAt"],
    ],
    ["expiry moved into the future: no failure", olds, { ...token, expiresAt: "2999-01-01T00:00:00Z" }, []],
  ])("%s", async (_title, oldInputs, news, properties) => {
    const failures = await failuresOf("Token", news, oldInputs);
    expect(failures.map((f) => f.property)).toEqual(properties);
    for (const f of failures) expect(f.reason).toMatch(/^expiresAt: must be in the future/);
  });
});

describe("defaults and normalization in the returned inputs", () => {
  test.each<[string, Kind, Props, Props]>([
    [
      "stack: every default",
      "Stack",
      { slug: "mystack" },
      {
        slug: "mystack",
        name: "mystack",
        region: "us",
        deleteProtection: true,
        waitForReadiness: true,
        readinessTimeoutSeconds: 600,
        adoptExisting: false,
      },
    ],
    [
      "stack: declared values win over defaults",
      "Stack",
      {
        slug: "mystack",
        name: "My stack",
        region: "eu",
        deleteProtection: false,
        waitForReadiness: false,
        readinessTimeoutSeconds: 60,
        adoptExisting: true,
      },
      {
        slug: "mystack",
        name: "My stack",
        region: "eu",
        deleteProtection: false,
        waitForReadiness: false,
        readinessTimeoutSeconds: 60,
        adoptExisting: true,
      },
    ],
    [
      "access policy: displayName = name, status = active",
      "AccessPolicy",
      policy,
      { ...policy, displayName: "metrics-reader", status: "active", adoptExisting: false },
    ],
    [
      "access policy: declared displayName and status kept",
      "AccessPolicy",
      { ...policy, displayName: "Metrics reader", status: "inactive" },
      { ...policy, displayName: "Metrics reader", status: "inactive", adoptExisting: false },
    ],
    ["token: displayName = name", "Token", token, { ...token, displayName: "ci-token" }],
    [
      "token: declared displayName kept",
      "Token",
      { ...token, displayName: "CI token" },
      { ...token, displayName: "CI token" },
    ],
  ])("%s", async (_title, kind, news, expected) => {
    const r = await providers[kind]({}, news);
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs).toEqual(expected);
  });
});

describe("normalized values in the returned inputs", () => {
  test("access policy: numeric realm identifier coerced to a string", async () => {
    const r = await accessPolicyProvider.check(
      {},
      { ...policy, realms: [{ type: "stack", identifier: 123456 }] },
    );
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs["realms"]).toEqual([{ type: "stack", identifier: "123456" }]);
  });

  test("access policy: a label selector is trimmed", async () => {
    const r = await accessPolicyProvider.check(
      {},
      realm({ labelPolicies: [{ selector: ' {env="prod"} ' }] }),
    );
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs["realms"]).toEqual([
      { type: "stack", identifier: "123456", labelPolicies: [{ selector: '{env="prod"}' }] },
    ]);
  });
});

describe("defaults while a value is unknown", () => {
  test.each<[string, Kind, Props, Props]>([
    [
      "stack: slug unknown, name follows it",
      "Stack",
      { slug: UNKNOWN },
      {
        slug: UNKNOWN,
        name: UNKNOWN,
        region: "us",
        deleteProtection: true,
        waitForReadiness: true,
        readinessTimeoutSeconds: 600,
        adoptExisting: false,
      },
    ],
    [
      "access policy: realms unknown",
      "AccessPolicy",
      { ...policy, realms: UNKNOWN },
      { ...policy, realms: UNKNOWN, displayName: "metrics-reader", status: "active", adoptExisting: false },
    ],
    [
      "token: accessPolicyId unknown",
      "Token",
      { ...token, accessPolicyId: UNKNOWN, expiresAt: UNKNOWN },
      { ...token, accessPolicyId: UNKNOWN, expiresAt: UNKNOWN, displayName: "ci-token" },
    ],
  ])("%s", async (_title, kind, news, expected) => {
    const r = await providers[kind]({}, news);
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs).toEqual(expected);
  });
});

describe("unknown values during preview", () => {
  test.each<[string, Kind, Props, string[]]>([
    ["stack slug unknown", "Stack", { slug: UNKNOWN }, []],
    ["stack slug unknown, region bad", "Stack", { slug: UNKNOWN, region: "US East" }, ["region"]],
    ["stack name and url unknown", "Stack", { ...stack, name: UNKNOWN, url: UNKNOWN }, []],
    ["stack labels unknown", "Stack", { ...stack, labels: UNKNOWN }, []],
    [
      "stack one label value unknown, another bad",
      "Stack",
      { ...stack, labels: { env: UNKNOWN, team: "s r e" } },
      ["labels.team"],
    ],
    ["stack readinessTimeoutSeconds unknown", "Stack", { ...stack, readinessTimeoutSeconds: UNKNOWN }, []],
    ["stack deleteProtection unknown", "Stack", { ...stack, deleteProtection: UNKNOWN }, []],
    ["policy region unknown", "AccessPolicy", { ...policy, region: UNKNOWN }, []],
    ["policy realm identifier unknown", "AccessPolicy", realm({ identifier: UNKNOWN }), []],
    [
      "policy realm identifier unknown, scope bad",
      "AccessPolicy",
      { ...realm({ identifier: UNKNOWN }), scopes: ["metrics"] },
      ["scopes[0]"],
    ],
    [
      "policy one realm unknown, another realm bad",
      "AccessPolicy",
      {
        ...policy,
        realms: [
          { type: "stack", identifier: UNKNOWN },
          { type: "team", identifier: "1" },
        ],
      },
      ["realms[1].type"],
    ],
    ["policy scopes unknown", "AccessPolicy", { ...policy, scopes: UNKNOWN }, []],
    ["policy realms unknown", "AccessPolicy", { ...policy, realms: UNKNOWN }, []],
    ["policy subnets unknown", "AccessPolicy", { ...policy, conditions: { allowedSubnets: UNKNOWN } }, []],
    [
      "policy one subnet unknown",
      "AccessPolicy",
      { ...policy, conditions: { allowedSubnets: [UNKNOWN, "10.0.0.0/8"] } },
      [],
    ],
    ["token accessPolicyId unknown", "Token", { ...token, accessPolicyId: UNKNOWN }, []],
    [
      "token accessPolicyId unknown, expiresAt bad",
      "Token",
      { ...token, accessPolicyId: UNKNOWN, expiresAt: "tomorrow" },
      ["expiresAt"],
    ],
    ["token expiresAt unknown", "Token", { ...token, expiresAt: UNKNOWN }, []],
    ["token region unknown, name bad", "Token", { ...token, region: UNKNOWN, name: "CI Token" }, ["name"]],
    [
      "token adoptExisting: true, accessPolicyId unknown",
      "Token",
      { ...token, accessPolicyId: UNKNOWN, adoptExisting: true },
      ["adoptExisting"],
    ],
  ])("%s", async (_title, kind, news, properties) => {
    const r = await providers[kind]({}, news);
    expect((r.failures ?? []).map((f) => f.property)).toEqual(properties);
    // The unknown values are handed back as they came, for the engine to resolve.
    expect(JSON.stringify(r.inputs)).toContain(UNKNOWN);
  });

  test("the base inputs of each table are valid on their own", async () => {
    for (const kind of Object.keys(bases) as Kind[]) {
      expect(await failuresOf(kind, bases[kind]!)).toEqual([]);
    }
  });
});
