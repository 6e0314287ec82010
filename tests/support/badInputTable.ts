/**
 * The bad-input table: bad values for each input of the seven resources, each with the property the
 * check must name and the rule its reason must state. The unit table (tests/unit) checks every case
 * against each resource's `check`; the fault suite runs one batch of each kind through the real
 * CLI's `pulumi preview`.
 */
export type Kind =
  | "Stack"
  | "AccessPolicy"
  | "Token"
  | "PluginInstallation"
  | "StackApiKey"
  | "StackServiceAccount"
  | "StackServiceAccountToken";

/** Remove the input altogether. */
export const MISSING = Symbol("missing");

export interface BadCase {
  kind: Kind;
  /** The input set (or removed, with MISSING). */
  input: string;
  value: unknown;
  /** The property the engine must name (a path, e.g. `scopes[0]`). */
  property: string;
  /** The rule the message must state. */
  rule: string;
  /** Needs every other input valid (a rule checked only once the schema passes). */
  alone?: boolean;
  /** Other inputs the case needs beside its own (e.g. two inputs that cannot be combined); implies alone. */
  also?: Record<string, unknown>;
}

const SLUG_RULE = "must be 1-29 lowercase letters and digits, starting with a letter";
const REGION_RULE = "must be a region slug such as us, eu or prod-eu-west-3 (see getStackRegions())";
const LABEL_RULE = "keys and values must be 1-255 letters, digits, '/', '-', '.' or '_'";
const BOOLEAN_RULE = "must be a boolean";
const UNKNOWN_RULE = "is not a known property of this resource";
export const POLICY_NAME_RULE = "must be 1-255 characters of lowercase letters, digits, '-' and '_'";
const DISPLAY_NAME_RULE = "must be 1-255 characters long";
export const SCOPE_RULE = "must have the form service:permission, e.g. metrics:read";
const CIDR_RULE = "must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or 2001:db8::/32";
const RFC3339_RULE = "must be an RFC 3339 date-time with a time zone, e.g. 2030-01-01T00:00:00Z";
const PLUGIN_RULE = "must be a plugin id from the Grafana catalog, e.g. grafana-clock-panel";
export const VERSION_RULE = 'must be "latest" or a version such as 1.2.3';
const KEY_NAME_RULE = "must be a non-empty string of at most 190 characters";
const ROLE_RULE = 'must be "Viewer", "Editor" or "Admin"';
const ACCOUNT_NAME_RULE = "must be a non-empty string of at most 255 characters";
const ACCOUNT_ROLE_RULE = 'must be "Viewer", "Editor", "Admin" or "None"';
const ACCOUNT_ID_RULE =
  "must be the numeric id of a service account of the stack (StackServiceAccount.serviceAccountId)";
const ROTATION_SECONDS_RULE = "must be a positive whole number of seconds";
const EARLY_RULE = "must be less than rotation.expireAfterSeconds";
const ROTATION_SHAPE_RULE = "must be an object { expireAfterSeconds, earlyRotationSeconds } (whole seconds)";
const ROTATION = { expireAfterSeconds: 3600, earlyRotationSeconds: 600 };
const TTL_MAX_RULE =
  "must be at most 315360000 (10 years); leave it out (or 0) for a token that never expires";

const elevenLabels = Object.fromEntries([...Array(11).keys()].map((i) => [`k${i}`, "v"]));

export const CASES: BadCase[] = [
  // Stack
  { kind: "Stack", input: "slug", value: "Bad-Slug", property: "slug", rule: SLUG_RULE },
  { kind: "Stack", input: "slug", value: "1stack", property: "slug", rule: SLUG_RULE },
  { kind: "Stack", input: "slug", value: "a".repeat(30), property: "slug", rule: SLUG_RULE },
  { kind: "Stack", input: "slug", value: "my-stack", property: "slug", rule: SLUG_RULE },
  { kind: "Stack", input: "slug", value: MISSING, property: "slug", rule: SLUG_RULE },
  { kind: "Stack", input: "name", value: "", property: "name", rule: "must be a string of 1-255 characters" },
  { kind: "Stack", input: "region", value: "EU West", property: "region", rule: REGION_RULE },
  { kind: "Stack", input: "region", value: "", property: "region", rule: REGION_RULE },
  { kind: "Stack", input: "description", value: 42, property: "description", rule: "must be a string" },
  {
    kind: "Stack",
    input: "url",
    value: "ftp://example.com",
    property: "url",
    rule: "must be an absolute http(s) URL",
  },
  {
    kind: "Stack",
    input: "url",
    value: "not a url",
    property: "url",
    rule: "must be an absolute http(s) URL",
  },
  { kind: "Stack", input: "labels", value: { "bad key": "x" }, property: "labels.bad key", rule: LABEL_RULE },
  { kind: "Stack", input: "labels", value: { team: "a b" }, property: "labels.team", rule: LABEL_RULE },
  {
    kind: "Stack",
    input: "labels",
    value: elevenLabels,
    property: "labels",
    rule: "must have at most 10 labels",
  },
  {
    kind: "Stack",
    input: "deleteProtection",
    value: "yes",
    property: "deleteProtection",
    rule: BOOLEAN_RULE,
  },
  { kind: "Stack", input: "waitForReadiness", value: 1, property: "waitForReadiness", rule: BOOLEAN_RULE },
  {
    kind: "Stack",
    input: "readinessTimeoutSeconds",
    value: 0,
    property: "readinessTimeoutSeconds",
    rule: "must be between 1 and 7200 seconds",
  },
  {
    kind: "Stack",
    input: "readinessTimeoutSeconds",
    value: 7201,
    property: "readinessTimeoutSeconds",
    rule: "must be between 1 and 7200 seconds",
  },
  {
    kind: "Stack",
    input: "readinessTimeoutSeconds",
    value: 1.5,
    property: "readinessTimeoutSeconds",
    rule: "must be a whole number of seconds",
  },
  { kind: "Stack", input: "adoptExisting", value: "true", property: "adoptExisting", rule: BOOLEAN_RULE },
  { kind: "Stack", input: "slugg", value: "typo", property: "slugg", rule: UNKNOWN_RULE },

  // AccessPolicy
  { kind: "AccessPolicy", input: "region", value: MISSING, property: "region", rule: REGION_RULE },
  { kind: "AccessPolicy", input: "region", value: "Europe", property: "region", rule: REGION_RULE },
  { kind: "AccessPolicy", input: "name", value: "Readers", property: "name", rule: POLICY_NAME_RULE },
  { kind: "AccessPolicy", input: "name", value: "a".repeat(256), property: "name", rule: POLICY_NAME_RULE },
  { kind: "AccessPolicy", input: "name", value: "my readers", property: "name", rule: POLICY_NAME_RULE },
  { kind: "AccessPolicy", input: "displayName", value: "", property: "displayName", rule: DISPLAY_NAME_RULE },
  {
    kind: "AccessPolicy",
    input: "displayName",
    value: "d".repeat(256),
    property: "displayName",
    rule: DISPLAY_NAME_RULE,
  },
  {
    kind: "AccessPolicy",
    input: "scopes",
    value: [],
    property: "scopes",
    rule: "must list at least one scope",
  },
  { kind: "AccessPolicy", input: "scopes", value: ["metrics"], property: "scopes[0]", rule: SCOPE_RULE },
  {
    kind: "AccessPolicy",
    input: "scopes",
    value: "metrics:read",
    property: "scopes",
    rule: "must be a list of scopes",
  },
  {
    kind: "AccessPolicy",
    input: "realms",
    value: [],
    property: "realms",
    rule: "must list at least one realm",
  },
  {
    kind: "AccessPolicy",
    input: "realms",
    value: [{ type: "team", identifier: "1" }],
    property: "realms[0].type",
    rule: 'must be "org" or "stack"',
  },
  {
    kind: "AccessPolicy",
    input: "realms",
    value: [{ type: "stack", identifier: "abc" }],
    property: "realms[0].identifier",
    rule: "must be the numeric id of the org or stack (1-19 digits), as a string",
  },
  {
    kind: "AccessPolicy",
    input: "realms",
    value: [{ type: "org", identifier: "1", labelPolicies: [{ selector: "  " }] }],
    property: "realms[0].labelPolicies[0].selector",
    rule: "must not be empty",
  },
  {
    kind: "AccessPolicy",
    input: "conditions",
    value: { allowedSubnets: ["10.0.0.1"] },
    property: "conditions.allowedSubnets[0]",
    rule: CIDR_RULE,
  },
  {
    kind: "AccessPolicy",
    input: "conditions",
    value: { allowedSubnets: ["10.0.0.0/8", "10.0.0.0/33"] },
    property: "conditions.allowedSubnets[1]",
    rule: CIDR_RULE,
  },
  {
    kind: "AccessPolicy",
    input: "conditions",
    value: { subnets: ["10.0.0.0/8"] },
    property: "conditions.subnets",
    rule: UNKNOWN_RULE,
  },
  {
    kind: "AccessPolicy",
    input: "status",
    value: "enabled",
    property: "status",
    rule: 'must be "active" or "inactive"',
  },
  {
    kind: "AccessPolicy",
    input: "adoptExisting",
    value: "no",
    property: "adoptExisting",
    rule: BOOLEAN_RULE,
  },

  // Token
  { kind: "Token", input: "region", value: "US", property: "region", rule: REGION_RULE },
  {
    kind: "Token",
    input: "accessPolicyId",
    value: "",
    property: "accessPolicyId",
    rule: "must be the id of an access policy",
  },
  {
    kind: "Token",
    input: "accessPolicyId",
    value: MISSING,
    property: "accessPolicyId",
    rule: "must be the id of an access policy",
  },
  { kind: "Token", input: "name", value: "My Token", property: "name", rule: POLICY_NAME_RULE },
  { kind: "Token", input: "name", value: "", property: "name", rule: POLICY_NAME_RULE },
  { kind: "Token", input: "displayName", value: "", property: "displayName", rule: DISPLAY_NAME_RULE },
  { kind: "Token", input: "expiresAt", value: "tomorrow", property: "expiresAt", rule: RFC3339_RULE },
  {
    kind: "Token",
    input: "expiresAt",
    value: "2030-01-01T00:00:00",
    property: "expiresAt",
    rule: RFC3339_RULE,
  },
  {
    kind: "Token",
    input: "expiresAt",
    value: "2001-01-01T00:00:00Z",
    property: "expiresAt",
    rule: "must be in the future",
    alone: true,
  },
  {
    kind: "Token",
    input: "adoptExisting",
    value: true,
    property: "adoptExisting",
    rule: "tokens cannot be adopted",
  },
  { kind: "Token", input: "scopes", value: ["metrics:read"], property: "scopes", rule: UNKNOWN_RULE },
  {
    kind: "Token",
    input: "rotation",
    value: { expireAfterSeconds: 3600, earlyRotationSeconds: 3600 },
    property: "rotation.earlyRotationSeconds",
    rule: EARLY_RULE,
  },
  {
    kind: "Token",
    input: "rotation",
    value: { expireAfterSeconds: 0, earlyRotationSeconds: 60 },
    property: "rotation.expireAfterSeconds",
    rule: ROTATION_SECONDS_RULE,
  },
  { kind: "Token", input: "rotation", value: "1h", property: "rotation", rule: ROTATION_SHAPE_RULE },
  {
    kind: "Token",
    input: "rotation",
    value: ROTATION,
    also: { expiresAt: "2099-01-01T00:00:00Z" },
    property: "expiresAt",
    rule: "cannot be combined with rotation",
  },
  {
    kind: "Token",
    input: "name",
    value: "n".repeat(239),
    also: { rotation: ROTATION },
    property: "name",
    rule: "must be at most 238 characters with rotation",
  },

  // PluginInstallation
  {
    kind: "PluginInstallation",
    input: "stackSlug",
    value: "My-Stack",
    property: "stackSlug",
    rule: SLUG_RULE,
  },
  { kind: "PluginInstallation", input: "stackSlug", value: MISSING, property: "stackSlug", rule: SLUG_RULE },
  { kind: "PluginInstallation", input: "plugin", value: "-clock", property: "plugin", rule: PLUGIN_RULE },
  {
    kind: "PluginInstallation",
    input: "plugin",
    value: "clock panel",
    property: "plugin",
    rule: PLUGIN_RULE,
  },
  { kind: "PluginInstallation", input: "version", value: "v1.2.3", property: "version", rule: VERSION_RULE },
  { kind: "PluginInstallation", input: "version", value: "newest", property: "version", rule: VERSION_RULE },
  {
    kind: "PluginInstallation",
    input: "adoptExisting",
    value: "yes",
    property: "adoptExisting",
    rule: BOOLEAN_RULE,
  },

  // StackApiKey
  { kind: "StackApiKey", input: "stackSlug", value: "stack_1", property: "stackSlug", rule: SLUG_RULE },
  { kind: "StackApiKey", input: "name", value: "   ", property: "name", rule: KEY_NAME_RULE },
  { kind: "StackApiKey", input: "name", value: "k".repeat(191), property: "name", rule: KEY_NAME_RULE },
  { kind: "StackApiKey", input: "role", value: "Owner", property: "role", rule: ROLE_RULE },
  { kind: "StackApiKey", input: "role", value: "admin", property: "role", rule: ROLE_RULE },
  {
    kind: "StackApiKey",
    input: "secondsToLive",
    value: -1,
    property: "secondsToLive",
    rule: "must be 0 or more (0: no expiry)",
  },
  {
    kind: "StackApiKey",
    input: "secondsToLive",
    value: 1.5,
    property: "secondsToLive",
    rule: "must be a whole number of seconds",
  },
  {
    kind: "StackApiKey",
    input: "secondsToLive",
    value: "60",
    property: "secondsToLive",
    rule: "must be a number of seconds (0: no expiry)",
  },
  {
    kind: "StackApiKey",
    input: "adoptExisting",
    value: true,
    property: "adoptExisting",
    rule: "stack API keys cannot be adopted",
  },

  // StackServiceAccount
  {
    kind: "StackServiceAccount",
    input: "stackSlug",
    value: "My-Stack",
    property: "stackSlug",
    rule: SLUG_RULE,
  },
  { kind: "StackServiceAccount", input: "stackSlug", value: MISSING, property: "stackSlug", rule: SLUG_RULE },
  { kind: "StackServiceAccount", input: "name", value: "", property: "name", rule: ACCOUNT_NAME_RULE },
  { kind: "StackServiceAccount", input: "name", value: "   ", property: "name", rule: ACCOUNT_NAME_RULE },
  {
    kind: "StackServiceAccount",
    input: "name",
    value: "n".repeat(256),
    property: "name",
    rule: ACCOUNT_NAME_RULE,
  },
  { kind: "StackServiceAccount", input: "name", value: MISSING, property: "name", rule: ACCOUNT_NAME_RULE },
  { kind: "StackServiceAccount", input: "role", value: "Owner", property: "role", rule: ACCOUNT_ROLE_RULE },
  { kind: "StackServiceAccount", input: "role", value: "viewer", property: "role", rule: ACCOUNT_ROLE_RULE },
  { kind: "StackServiceAccount", input: "role", value: MISSING, property: "role", rule: ACCOUNT_ROLE_RULE },
  {
    kind: "StackServiceAccount",
    input: "isDisabled",
    value: "false",
    property: "isDisabled",
    rule: BOOLEAN_RULE,
  },
  {
    kind: "StackServiceAccount",
    input: "adoptExisting",
    value: "yes",
    property: "adoptExisting",
    rule: BOOLEAN_RULE,
  },
  { kind: "StackServiceAccount", input: "roles", value: ["Viewer"], property: "roles", rule: UNKNOWN_RULE },

  // StackServiceAccountToken
  {
    kind: "StackServiceAccountToken",
    input: "stackSlug",
    value: "stack_1",
    property: "stackSlug",
    rule: SLUG_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "serviceAccountId",
    value: "12",
    property: "serviceAccountId",
    rule: ACCOUNT_ID_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "serviceAccountId",
    value: 0,
    property: "serviceAccountId",
    rule: ACCOUNT_ID_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "serviceAccountId",
    value: 2.5,
    property: "serviceAccountId",
    rule: ACCOUNT_ID_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "serviceAccountId",
    value: MISSING,
    property: "serviceAccountId",
    rule: ACCOUNT_ID_RULE,
  },
  { kind: "StackServiceAccountToken", input: "name", value: "", property: "name", rule: KEY_NAME_RULE },
  {
    kind: "StackServiceAccountToken",
    input: "name",
    value: "n".repeat(191),
    property: "name",
    rule: KEY_NAME_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "secondsToLive",
    value: -1,
    property: "secondsToLive",
    rule: "must be 0 or more (0: no expiry)",
  },
  {
    kind: "StackServiceAccountToken",
    input: "secondsToLive",
    value: 315360001,
    property: "secondsToLive",
    rule: TTL_MAX_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "secondsToLive",
    value: 0.5,
    property: "secondsToLive",
    rule: "must be a whole number of seconds",
  },
  {
    kind: "StackServiceAccountToken",
    input: "secondsToLive",
    value: "3600",
    property: "secondsToLive",
    rule: "must be a whole number of seconds (0: no expiry)",
  },
  {
    kind: "StackServiceAccountToken",
    input: "adoptExisting",
    value: true,
    property: "adoptExisting",
    rule: "service account tokens cannot be adopted",
  },
  { kind: "StackServiceAccountToken", input: "ttl", value: 60, property: "ttl", rule: UNKNOWN_RULE },
  {
    kind: "StackServiceAccountToken",
    input: "rotation",
    value: { expireAfterSeconds: 3600.5, earlyRotationSeconds: 60 },
    property: "rotation.expireAfterSeconds",
    rule: ROTATION_SECONDS_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "rotation",
    value: { expireAfterSeconds: 3600 },
    property: "rotation.earlyRotationSeconds",
    rule: ROTATION_SECONDS_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "rotation",
    value: { expireAfterSeconds: 600, earlyRotationSeconds: 3600 },
    property: "rotation.earlyRotationSeconds",
    rule: EARLY_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "rotation",
    value: { ...ROTATION, every: 60 },
    property: "rotation.every",
    rule: UNKNOWN_RULE,
  },
  {
    kind: "StackServiceAccountToken",
    input: "rotation",
    value: ROTATION,
    also: { secondsToLive: 60 },
    property: "secondsToLive",
    rule: "cannot be combined with rotation",
  },
  {
    kind: "StackServiceAccountToken",
    input: "name",
    value: "n".repeat(174),
    also: { rotation: ROTATION },
    property: "name",
    rule: "must be at most 173 characters with rotation",
  },
];

/** Valid inputs of each kind; every case changes one input of these. */
export const VALID: Record<Kind, Record<string, unknown>> = {
  Stack: { slug: "goodslug" },
  AccessPolicy: {
    region: "us",
    name: "good",
    scopes: ["metrics:read"],
    realms: [{ type: "org", identifier: "1" }],
  },
  Token: { region: "us", accessPolicyId: "abc123", name: "good" },
  PluginInstallation: { stackSlug: "goodslug", plugin: "grafana-clock-panel" },
  StackApiKey: { stackSlug: "goodslug", name: "good", role: "Viewer" },
  StackServiceAccount: { stackSlug: "goodslug", name: "CI bot", role: "Editor" },
  StackServiceAccountToken: { stackSlug: "goodslug", serviceAccountId: 2, name: "good" },
};

/** Several cases on one resource: the inputs `cases` set (or remove) on top of the valid ones. */
export interface Batch {
  title: string;
  /** The logical name of the bad resource. */
  resource: string;
  kind: Kind;
  args: Record<string, unknown>;
  cases: BadCase[];
}

/**
 * Packs the cases of each kind into as few resources as their inputs allow (one case per input):
 * check reports every failing property of a resource, so one resource carries several cases.
 */
export function batches(): Batch[] {
  const out: Batch[] = [];
  const open: Partial<Record<Kind, BadCase[][]>> = {};
  for (const c of CASES) {
    const groups = (open[c.kind] ??= []);
    let group =
      c.alone || c.also ? undefined : groups.find((g) => !g[0]?.alone && g.every((o) => o.input !== c.input));
    if (!group) groups.push((group = []));
    group.push(c);
  }
  for (const [kind, groups] of Object.entries(open) as [Kind, BadCase[][]][]) {
    groups.forEach((cases, i) => {
      const resource = `bad-${kind.toLowerCase()}-${i}`;
      const args: Record<string, unknown> = { ...VALID[kind] };
      for (const c of cases) {
        Object.assign(args, c.also);
        if (c.value === MISSING) delete args[c.input];
        else args[c.input] = c.value;
      }
      out.push({
        title: `${resource}: ${cases.map((c) => c.input).join(", ")}`,
        resource,
        kind,
        args,
        cases,
      });
    });
  }
  return out;
}
