// After a create whose response is lost, the provider finds the object it made (by its natural key,
// made since the attempt began) and takes it, or, for a token or stack API key whose secret went
// with the response, deletes it and makes it again: `up` converges on the same run or the next.
//
// When the look-up that follows the lost response fails too, for as long as the retry budget lasts
// (a permanent fault here), the object may exist outside state.
// The provider does not then take over an object it cannot prove is its own (another program may
// have made it): the failing run says the object may exist and what to do, and the next run's
// conflict says how (adoptExisting: true for stacks, policies and plugins; delete a token or key).
import { randomUUID } from "node:crypto";
import { DEFAULT_TOKEN, type FaultSpec } from "../../emulator";
import {
  type CliProject,
  createProject,
  declare,
  type Declared,
  declaredProgram,
  declaredResources,
  errorLines,
  failureOf,
  isTemporaryKey,
  ref,
  setDeclared,
  startTestEmulator,
  type TestEmulator,
  typeOf,
} from "./helpers";

const SLUG = "lostcreate";

type Adoptable = "Stack" | "AccessPolicy" | "PluginInstallation";

function declarations(adopt?: Adoptable): Declared[] {
  return [
    declare("Stack", "stack", { slug: SLUG, deleteProtection: false, adoptExisting: adopt === "Stack" }),
    declare("AccessPolicy", "policy", {
      region: "us",
      name: "p1",
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1" }],
      adoptExisting: adopt === "AccessPolicy",
    }),
    declare("Token", "token", { region: "us", accessPolicyId: ref("policy", "policyId"), name: "t1" }),
    declare("PluginInstallation", "plugin", {
      stackSlug: ref("stack", "slug"),
      plugin: "grafana-clock-panel",
      adoptExisting: adopt === "PluginInstallation",
    }),
    declare("StackApiKey", "key", { stackSlug: ref("stack", "slug"), name: "k1", role: "Admin" }),
  ];
}

const program = () => declaredProgram(declarations());

/** Exactly one object of each kind, the one in state; the key's secret in state is the live one. */
async function expectOneOfEachInState(emulator: TestEmulator, project: CliProject): Promise<void> {
  const s = await emulator.state();
  const stacks = s.stacks.filter((x) => x.status !== "deleted" && x.status !== "deleting");
  const keys = s.stackApiKeys.filter((k) => !isTemporaryKey(k));
  expect({
    stacks: stacks.map((x) => x.slug),
    policies: s.accessPolicies.map((p) => p.name),
    tokens: s.tokens.map((t) => t.name),
    plugins: s.plugins.map((p) => p.plugin),
    keys: keys.map((k) => k.name),
  }).toEqual({
    stacks: [SLUG],
    policies: ["p1"],
    tokens: ["t1"],
    plugins: ["grafana-clock-panel"],
    keys: ["k1"],
  });
  const resources = declaredResources(await project.exportState({ showSecrets: true }));
  const byType = (t: string) => resources.find((r) => typeOf(r) === t);
  expect(byType("Stack")?.id).toBe(String(stacks[0]?.id));
  expect(byType("AccessPolicy")?.id).toBe(s.accessPolicies[0]?.id);
  expect(byType("Token")?.id).toBe(s.tokens[0]?.id);
  expect(byType("StackApiKey")?.id).toBe(`${SLUG}/${keys[0]?.id}`);
  // The Admin key's secret kept in state opens the stack's own key API.
  // With --show-secrets a secret is exported as `{ <signature>, plaintext: "<json>" }`.
  const stored = byType("StackApiKey")?.outputs?.["key"] as { plaintext?: string } | undefined;
  expect(typeof stored?.plaintext).toBe("string");
  const secret = JSON.parse(stored!.plaintext!) as string;
  const res = await fetch(`${emulator.url}/grafana/${SLUG}/api/auth/keys`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  expect(res.status).toBe(200);
  await project.refresh({ expectNoChanges: true });
}

describe("after a lost create response", () => {
  let emulator: TestEmulator | undefined;
  let project: CliProject | undefined;
  afterEach(async () => {
    try {
      await project?.dispose();
    } finally {
      await emulator?.close();
      project = undefined;
      emulator = undefined;
    }
  });

  test("of a stack API key, the same up converges to one key, in state", async () => {
    emulator = await startTestEmulator({ rateLimitPerHour: 0, stackApiKeys: "legacy" });
    project = await createProject({ projectName: "faults-lost-key", url: emulator.url, source: program() });
    await emulator.addFaults([
      { method: "POST", path: `^/api/instances/${SLUG}/api/auth/keys$`, kind: "lost-response", count: 1 },
    ]);
    // The key the lost request made is deleted and made again within the same run.
    const first = await failureOf(() => project!.up());
    expect(first ? errorLines(first.output) : []).toEqual([]);
    expect((await emulator.requests()).filter((r) => r.fault === "lost-response")).toHaveLength(1);
    await emulator.clearFaults();
    await expectOneOfEachInState(emulator, project);
  });

  /** Deletes a leftover as a user would: the token through the Cloud API, the key on the stack. */
  async function deleteLeftover(emulator: TestEmulator, kind: "token" | "key"): Promise<void> {
    // Writes to the Cloud API carry an X-Request-Id, as the contract requires.
    const auth = { authorization: `Bearer ${DEFAULT_TOKEN}`, "x-request-id": randomUUID() };
    const s = await emulator.state();
    if (kind === "token") {
      const t = s.tokens.find((x) => x.name === "t1");
      const res = await fetch(`${emulator.url}/api/v1/tokens/${t?.id}?region=us`, {
        method: "DELETE",
        headers: auth,
      });
      expect(res.status).toBeLessThan(300);
      return;
    }
    const k = s.stackApiKeys.find((x) => x.name === "k1");
    const admin = await fetch(`${emulator.url}/api/instances/${SLUG}/api/auth/keys`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "cleanup-by-hand", role: "Admin", secondsToLive: 60 }),
    });
    const { id, key } = (await admin.json()) as { id: number; key: string };
    // Delete the leftover, then the hand-made Admin key itself.
    for (const target of [k?.id, id]) {
      const res = await fetch(`${emulator.url}/grafana/${SLUG}/api/auth/keys/${target}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBeLessThan(300);
    }
  }

  /** How the user resolves the conflict the next run reports: adopt, or delete the leftover. */
  type Resolution = { adopt: Adoptable } | { deleteLeftover: "token" | "key" };

  const followUpsFail: [string, RegExp, FaultSpec[], RegExp, Resolution][] = [
    [
      "stack, and its lookup fails",
      /creating stack "lostcreate"/,
      [
        { method: "POST", path: "^/api/instances$", kind: "lost-response", count: 1 },
        { method: "GET", path: `^/api/instances/${SLUG}$`, kind: "reset" },
      ],
      /slug is taken\. If the stack is yours \(perhaps made by an interrupted run\), set adoptExisting: true/,
      { adopt: "Stack" },
    ],
    [
      "access policy, and its lookup fails",
      /creating access policy "p1"/,
      [
        { method: "POST", path: "^/api/v1/accesspolicies$", kind: "lost-response", count: 1 },
        { method: "GET", path: "^/api/v1/accesspolicies$", kind: "reset" },
      ],
      /already exists in this org and region \(perhaps made by an interrupted run\)\. Set adoptExisting: true/,
      { adopt: "AccessPolicy" },
    ],
    [
      "token, and its lookup fails",
      /creating token "t1"/,
      [
        { method: "POST", path: "^/api/v1/tokens$", kind: "lost-response", count: 1 },
        { method: "GET", path: "^/api/v1/tokens$", kind: "reset" },
      ],
      /a token with this name already exists \(perhaps left by an interrupted run\)/,
      { deleteLeftover: "token" },
    ],
    [
      "plugin installation, and the repeated installs and its lookup fail",
      /installing plugin "grafana-clock-panel"/,
      [
        { method: "POST", path: `^/api/instances/${SLUG}/plugins$`, kind: "lost-response", count: 1 },
        { method: "POST", path: `^/api/instances/${SLUG}/plugins$`, kind: "reset" },
        { method: "GET", path: `^/api/instances/${SLUG}/plugins/grafana-clock-panel$`, kind: "reset" },
      ],
      /already installed on this stack \(perhaps by an interrupted run\)\. Set adoptExisting: true/,
      { adopt: "PluginInstallation" },
    ],
    [
      "stack API key, and the repeated creates and its lookup fail",
      /creating API key "k1"/,
      [
        { method: "POST", path: `^/api/instances/${SLUG}/api/auth/keys$`, kind: "lost-response", count: 1 },
        // The lookup needs a temporary key from the same route: it fails too.
        { method: "POST", path: `^/api/instances/${SLUG}/api/auth/keys$`, kind: "reset" },
      ],
      /an API key with this name already exists on the stack \(perhaps left by an interrupted run\)/,
      { deleteLeftover: "key" },
    ],
  ];

  test.each(followUpsFail)(
    "of a %s: the up names the operation, the next says how to resolve it, and then it converges",
    async (_what, operation, faults, conflict, resolution) => {
      emulator = await startTestEmulator({ rateLimitPerHour: 0, stackApiKeys: "legacy" });
      project = await createProject({
        projectName: "faults-lost-unresolved",
        url: emulator.url,
        source: program(),
        // The faults are permanent: the provider tries until its budget ends, kept short here.
        env: { GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "5" },
      });
      await emulator.addFaults(faults);
      const first = await failureOf(() => project!.up());
      await emulator.clearFaults();
      expect(first).toBeDefined();
      const errors = errorLines(first?.output ?? "").filter((l) => !/error: update failed$/.test(l));
      expect(errors.length).toBeGreaterThan(0);
      for (const line of errors) expect(line).toMatch(operation);
      // The error says what happened, exactly what may exist and how to clean it up.
      expect(errors.join("\n")).toMatch(/lost .*may exist on the server\. To clean up: /);

      // The object made by the lost request is outside state: the next run meets it and says how.
      const second = await failureOf(() => project!.up());
      expect(second).toBeDefined();
      expect(errorLines(second?.output ?? "").join("\n")).toMatch(conflict);

      if ("adopt" in resolution) {
        setDeclared(project, declarations(resolution.adopt));
      } else {
        await deleteLeftover(emulator, resolution.deleteLeftover);
      }
      await project.up();
      await expectOneOfEachInState(emulator, project);
    },
  );
});

// -------------------------------------------------------------------------------------------------
// Service accounts, their tokens, and stack API keys on a stack without API keys

const SA_PATH = `^/api/instances/${SLUG}/api/serviceaccounts$`;
const SA_TOKENS_PATH = `^/api/instances/${SLUG}/api/serviceaccounts/\\d+/tokens$`;

/** An account with a token, and (`withKey`) a stack API key, which is an account with a token too. */
function accountDeclarations(o: { adoptAccount?: boolean; withKey: boolean }): Declared[] {
  const declared = [
    declare("Stack", "stack", { slug: SLUG, deleteProtection: false }),
    declare("StackServiceAccount", "account", {
      stackSlug: ref("stack", "slug"),
      name: "deployer",
      role: "Editor",
      adoptExisting: o.adoptAccount ?? false,
    }),
    declare("StackServiceAccountToken", "account-token", {
      stackSlug: ref("stack", "slug"),
      serviceAccountId: ref("account", "serviceAccountId"),
      name: "deployer-token",
    }),
  ];
  if (o.withKey) {
    declared.push(
      declare("StackApiKey", "key", { stackSlug: ref("stack", "slug"), name: "k1", role: "Admin" }),
    );
  }
  return declared;
}

/**
 * Exactly the declared accounts and tokens, those in state, and the secrets in state are the live
 * ones: each opens the stack's own API with its account's role.
 */
async function expectAccountsInState(
  emulator: TestEmulator,
  project: CliProject,
  withKey: boolean,
): Promise<void> {
  const s = await emulator.state();
  const accountName = (id: number) => s.serviceAccounts.find((a) => a.id === id)?.name;
  expect({
    accounts: s.serviceAccounts.map((a) => [a.name, a.role]).sort(),
    tokens: s.serviceAccountTokens.map((t) => [accountName(t.serviceAccountId), t.name]).sort(),
  }).toEqual({
    accounts: [["deployer", "Editor"], ...(withKey ? [["sa-autogen-k1", "Admin"]] : [])],
    tokens: [["deployer", "deployer-token"], ...(withKey ? [["sa-autogen-k1", "k1"]] : [])],
  });
  const resources = declaredResources(await project.exportState({ showSecrets: true }));
  const byType = (t: string) => resources.find((r) => typeOf(r) === t);
  const account = s.serviceAccounts.find((a) => a.name === "deployer");
  const token = s.serviceAccountTokens.find((t) => t.name === "deployer-token");
  const keyToken = s.serviceAccountTokens.find((t) => t.name === "k1");
  expect(byType("StackServiceAccount")?.id).toBe(`${SLUG}/${account?.id}`);
  expect(byType("StackServiceAccountToken")?.id).toBe(`${SLUG}/${account?.id}/${token?.id}`);
  if (withKey) expect(byType("StackApiKey")?.id).toBe(`${SLUG}/${keyToken?.id}`);
  const secretOf = (type: string, output: string) => {
    const stored = byType(type)?.outputs?.[output] as { plaintext?: string } | undefined;
    return JSON.parse(stored?.plaintext ?? "null") as string;
  };
  const onStack = async (path: string, secret: string) =>
    (
      await fetch(`${emulator.url}/grafana/${SLUG}${path}`, {
        headers: { authorization: `Bearer ${secret}` },
      })
    ).status;
  // An Editor reads the org; the Admin key also lists the accounts.
  expect(await onStack("/api/org", secretOf("StackServiceAccountToken", "key"))).toBe(200);
  if (withKey) expect(await onStack("/api/serviceaccounts/search", secretOf("StackApiKey", "key"))).toBe(200);
  await project.refresh({ expectNoChanges: true });
}

describe("after a lost create response, on a stack without API keys", () => {
  let emulator: TestEmulator | undefined;
  let project: CliProject | undefined;
  afterEach(async () => {
    try {
      await project?.dispose();
    } finally {
      await emulator?.close();
      project = undefined;
      emulator = undefined;
    }
  });

  test("of each service account and each token (the key's too), the same up converges, nothing left over", async () => {
    emulator = await startTestEmulator({ rateLimitPerHour: 0 });
    project = await createProject({
      projectName: "faults-lost-accounts",
      url: emulator.url,
      source: declaredProgram(accountDeclarations({ withKey: true })),
    });
    // Both accounts' creates and both tokens' creates lose their answers once.
    await emulator.addFaults([
      { method: "POST", path: SA_PATH, kind: "lost-response", count: 2 },
      { method: "POST", path: SA_TOKENS_PATH, kind: "lost-response", count: 2 },
    ]);
    const first = await failureOf(() => project!.up());
    expect(first ? errorLines(first.output) : []).toEqual([]);
    expect((await emulator.requests()).filter((r) => r.fault === "lost-response")).toHaveLength(4);
    await emulator.clearFaults();
    await expectAccountsInState(emulator, project, true);
  });

  /** Deletes the leftover token through the instance proxy, as a user would. */
  async function deleteLeftoverToken(emulator: TestEmulator): Promise<void> {
    const s = await emulator.state();
    const t = s.serviceAccountTokens.find((x) => x.name === "deployer-token");
    const res = await fetch(
      `${emulator.url}/api/instances/${SLUG}/api/serviceaccounts/${t?.serviceAccountId}/tokens/${t?.id}`,
      {
        method: "DELETE",
        headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, "x-request-id": randomUUID() },
      },
    );
    expect(res.status).toBe(200);
  }

  test.each<[string, RegExp, FaultSpec[], RegExp, "adopt" | "delete token"]>([
    [
      "service account, and the look-ups after it fail",
      /creating service account "deployer"/,
      [
        { method: "POST", path: SA_PATH, kind: "lost-response", count: 1 },
        {
          method: "GET",
          path: `^/api/instances/${SLUG}/api/serviceaccounts/search$`,
          kind: "reset",
        },
      ],
      /a service account with this name already exists on the stack \(perhaps made by an interrupted run\)\. Set adoptExisting: true/,
      "adopt",
    ],
    [
      "service-account token, and the look-ups after it fail",
      /creating token "deployer-token" of service account \d+/,
      [
        { method: "POST", path: SA_TOKENS_PATH, kind: "lost-response", count: 1 },
        { method: "GET", path: SA_TOKENS_PATH, kind: "reset" },
      ],
      /a service account token with this name already exists on the stack \(perhaps left by an interrupted run/,
      "delete token",
    ],
  ])(
    "of a %s: the up names the operation, the next says how to resolve it, and then it converges",
    async (_what, operation, faults, conflict, resolution) => {
      emulator = await startTestEmulator({ rateLimitPerHour: 0 });
      project = await createProject({
        projectName: "faults-lost-accounts-unresolved",
        url: emulator.url,
        // The look-ups fail for good (they are tried again for as long as the budget lasts, so a
        // fault that ends would be outlasted): the budget is kept short here.
        env: { GRAFANA_CLOUD_RETRY_BUDGET_SECONDS: "5" },
        // One account and one token, so that the faults meet theirs.
        source: declaredProgram(accountDeclarations({ withKey: false })),
      });
      await emulator.addFaults(faults);
      const first = await failureOf(() => project!.up());
      await emulator.clearFaults();
      expect(first).toBeDefined();
      const errors = errorLines(first?.output ?? "").filter((l) => !/error: update failed$/.test(l));
      expect(errors.filter((l) => operation.test(l)).join("\n")).toMatch(/lost/);

      const second = await failureOf(() => project!.up());
      expect(second).toBeDefined();
      expect(errorLines(second?.output ?? "").join("\n")).toMatch(conflict);

      if (resolution === "adopt")
        setDeclared(project, accountDeclarations({ adoptAccount: true, withKey: false }));
      else await deleteLeftoverToken(emulator);
      await project.up();
      await expectAccountsInState(emulator, project, false);
    },
  );
});
