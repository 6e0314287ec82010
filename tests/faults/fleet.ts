/**
 * The fleet the fault scenarios deploy: 5 stacks, 20 access policies (15 scoped to a stack, 5 to
 * the org), 20 tokens (one per policy), 10 plugin installations (two per stack), 5 stack API keys
 * (one per stack; on stacks without API keys, the emulator's default, each is a service account
 * holding one token), and 5 service accounts with a token each (one per stack), with dependencies through outputs as a user would write them. And what
 * must hold after it converged: the emulator has exactly these objects, state agrees, and neither
 * `refresh` nor `preview` finds anything to change.
 */
import {
  type CliProject,
  controlOf,
  declare,
  type Declared,
  declaredProgram,
  declaredResources,
  type DeclaredSet,
  type EmulatorControl,
  errorLines,
  expectedByNaturalKey,
  failureOf,
  idsInStateAndEmulator,
  isTemporaryKey,
  KEY_ACCOUNT_PREFIX,
  liveByNaturalKey,
  ref,
  type RequestLogEntry,
  setDeclared,
} from "./helpers";
import { apiCaller } from "../support/emulatorClient";

const PLUGINS = ["grafana-clock-panel", "grafana-piechart-panel"];
const ROLES = ["Viewer", "Editor", "Admin"] as const;

export const DECLARED: DeclaredSet = (() => {
  const stacks = [0, 1, 2, 3, 4].map((i) => `faultmix${i}`);
  const policies: DeclaredSet["policies"] = {};
  const tokens: DeclaredSet["tokens"] = {};
  for (let i = 0; i < 20; i++) {
    // Every fourth policy is org-wide; the others are scoped to one stack each, round robin.
    policies[`mix-policy-${i}`] = i % 4 === 3 ? "org" : i % 5;
    tokens[`mix-token-${i}`] = `mix-policy-${i}`;
  }
  return {
    stacks,
    policies,
    tokens,
    plugins: stacks.flatMap((slug) => PLUGINS.map((p) => `${slug}/${p}`)),
    stackApiKeys: stacks.map((slug, i) => `${slug}/mix-key-${i}`),
    serviceAccounts: stacks.map((slug, i) => `${slug}/mix-account-${i}`),
    serviceAccountTokens: stacks.map((slug, i) => `${slug}/mix-account-${i}/mix-account-token-${i}`),
  };
})();

/**
 * The program: 70 resources; dependencies flow through outputs (policy realm <- stack id, token <-
 * policy id, service-account token <- account id).
 */
export function fleet(): Declared[] {
  const resources: Declared[] = DECLARED.stacks.map((slug, i) =>
    declare("Stack", `stack-${i}`, {
      slug,
      description: `fault mix stack ${i}`,
      labels: { suite: "faults", index: String(i) },
      deleteProtection: false,
    }),
  );
  Object.entries(DECLARED.policies).forEach(([name, realm], i) => {
    resources.push(
      declare("AccessPolicy", `policy-${i}`, {
        region: "us",
        name,
        scopes: i % 2 === 0 ? ["metrics:read", "logs:read"] : ["metrics:write"],
        realms: [
          realm === "org"
            ? { type: "org", identifier: "1" }
            : { type: "stack", identifier: ref(`stack-${realm}`, "stackId", { string: true }) },
        ],
      }),
    );
  });
  Object.keys(DECLARED.tokens).forEach((name, i) => {
    resources.push(
      declare("Token", `token-${i}`, { region: "us", accessPolicyId: ref(`policy-${i}`, "policyId"), name }),
    );
  });
  DECLARED.stacks.forEach((_slug, i) => {
    PLUGINS.forEach((plugin, j) => {
      resources.push(
        declare("PluginInstallation", `plugin-${i}-${j}`, { stackSlug: ref(`stack-${i}`, "slug"), plugin }),
      );
    });
    resources.push(
      declare("StackApiKey", `key-${i}`, {
        stackSlug: ref(`stack-${i}`, "slug"),
        name: `mix-key-${i}`,
        role: ROLES[i % 3]!,
      }),
    );
    resources.push(
      declare("StackServiceAccount", `account-${i}`, {
        stackSlug: ref(`stack-${i}`, "slug"),
        name: `mix-account-${i}`,
        role: ROLES[(i + 1) % 3]!,
      }),
      declare("StackServiceAccountToken", `account-token-${i}`, {
        stackSlug: ref(`stack-${i}`, "slug"),
        serviceAccountId: ref(`account-${i}`, "serviceAccountId"),
        name: `mix-account-token-${i}`,
        secondsToLive: 86_400,
      }),
    );
  });
  return resources;
}

/** The fleet as a project's program. */
export const program = () => declaredProgram(fleet());

/**
 * A failed `up` must say what failed: each error names the operation and resource, and the API
 * call that failed with its outcome (status or lost connection), or the rate limit and its wait.
 */
export function expectClearFailure(output: string): void {
  const errors = errorLines(output).filter((l) => !/error: update failed$/.test(l));
  expect(errors.length).toBeGreaterThan(0);
  for (const line of errors) {
    expect(line).toMatch(
      /(creating|installing|reading|updating|deleting|making|looking up|taking over)\b.*(GET|POST|DELETE) \/\S+ failed: .+/,
    );
  }
}

/** A create an `up` reports failed: the resource's kind and logical name, and its error. */
export interface FailedCreate {
  kind: string;
  name: string;
  message: string;
}

/** The logical names of the resources an `up`'s errors name, whatever the operation. */
export function failedResources(output: string): string[] {
  const names = errorLines(output).map((l) => /grafana-cloud:\w+ (\S+) /.exec(l)?.[1]);
  return [...new Set(names.filter((n) => n !== undefined))].sort();
}

/** The failed creates of an `up`'s output, one entry per resource. */
export function failedCreates(output: string): FailedCreate[] {
  const byName = new Map<string, FailedCreate>();
  for (const line of errorLines(output)) {
    const m = /grafana-cloud:(\w+) (\S+) \*\*creating failed\*\* error: (.*)$/.exec(line);
    if (m?.[1] && m[2] && m[3]) byName.set(m[2], { kind: m[1], name: m[2], message: m[3] });
  }
  return [...byName.values()];
}

/**
 * The resources whose create an `up` could not settle: the request may have been applied and its
 * answer was lost, and the look-up that would have found the object failed too.
 */
export function unsettledCreates(output: string): string[] {
  return failedCreates(output)
    .filter((f) => /may exist on the server\. To clean up: /.test(f.message))
    .map((f) => f.name);
}

/** What the next run says of an object left by an interrupted run, for every kind. */
export const LEFT_BY_INTERRUPTED_RUN = /(perhaps (made )?by|left by) an interrupted run/;

const ADOPTABLE = new Set(["Stack", "AccessPolicy", "PluginInstallation", "StackServiceAccount"]);

/**
 * Does what the errors of an `up` that met objects left by an interrupted run say, as a user
 * would: `adoptExisting: true` on a stack, policy, plugin or service account; the leftover deleted
 * through the API for a token, stack API key or service account token (their secrets went with
 * the lost answers).
 */
export async function resolveAsTold(
  url: string,
  project: CliProject,
  conflicts: FailedCreate[],
  /** Those resolved before: adopted ones stay adopted, deleted ones are not looked for again. */
  earlier: FailedCreate[] = [],
): Promise<void> {
  const declared = fleet();
  const adopt = new Set([...earlier, ...conflicts].filter((c) => ADOPTABLE.has(c.kind)).map((c) => c.name));
  setDeclared(
    project,
    declared.map((d) => (adopt.has(d.name) ? { ...d, args: { ...d.args, adoptExisting: true } } : d)),
  );
  const api = apiCaller(url);
  const state = await controlOf(url).state();
  for (const c of conflicts.filter((x) => !ADOPTABLE.has(x.kind))) {
    const name = declared.find((d) => d.name === c.name)?.args["name"];
    let path: string | undefined;
    if (c.kind === "Token") {
      const t = state.tokens.find((x) => x.name === name);
      path = t && `/api/v1/tokens/${t.id}?region=us`;
    } else if (c.kind === "StackApiKey") {
      // On a stack without API keys the key is a service account holding one token.
      const a = state.serviceAccounts.find((x) => x.name === `${KEY_ACCOUNT_PREFIX}${String(name)}`);
      path = a && `/api/instances/${a.stackSlug}/api/serviceaccounts/${a.id}`;
    } else if (c.kind === "StackServiceAccountToken") {
      const t = state.serviceAccountTokens.find((x) => x.name === name);
      path = t && `/api/instances/${t.stackSlug}/api/serviceaccounts/${t.serviceAccountId}/tokens/${t.id}`;
    }
    if (path === undefined) throw new Error(`no leftover of ${c.kind} ${c.name} to delete: ${c.message}`);
    const res = await api("DELETE", path);
    expect(res.status).toBeLessThan(300);
  }
}

export interface UpAttempt {
  ok: boolean;
  errors: string[];
  seconds: number;
}

export async function upUntilConverged(project: CliProject, maxUps: number): Promise<UpAttempt[]> {
  const attempts: UpAttempt[] = [];
  for (let i = 0; i < maxUps; i++) {
    const started = Date.now();
    const failure = await failureOf(() => project.up({ parallel: 16 }));
    attempts.push({
      ok: failure === undefined,
      errors: failure ? errorLines(failure.output) : [],
      seconds: (Date.now() - started) / 1000,
    });
    if (!failure) return attempts;
    expectClearFailure(failure.output);
  }
  return attempts;
}

/** A one-line account of a run's faults, for the log: counts by kind, lost responses by path. */
export function faultSummary(log: RequestLogEntry[]): string {
  const count = (f: (r: RequestLogEntry) => boolean) => log.filter(f).length;
  const lost = log.filter((r) => r.fault === "lost-response").map((r) => `${r.method} ${r.path}`);
  return (
    `${log.length} API requests: ${count((r) => r.fault === "status" && r.status === 503)} x 503, ` +
    `${count((r) => r.fault === "status" && r.status === 429)} x 429, ` +
    `${count((r) => r.fault === "status" && r.status === 500)} x 500, ` +
    `${count((r) => r.fault === "reset")} resets, lost responses: ${JSON.stringify(lost)}`
  );
}

/**
 * Faults off, the emulator holds exactly the declared objects, state and emulator agree on every
 * id, and neither `refresh` nor `preview` finds anything to change.
 */
export async function expectExactlyDeclared(
  emulator: EmulatorControl,
  project: CliProject,
  declared: DeclaredSet = DECLARED,
): Promise<void> {
  await emulator.clearFaults();
  const state = await emulator.state();
  const { stackIdBySlug, ...actual } = liveByNaturalKey(state);
  // Sorted lists of natural keys: a duplicate shows up twice, an orphan as an extra entry.
  expect(actual).toEqual(expectedByNaturalKey(declared, stackIdBySlug));
  // Temporary Admin keys are the only others, and each dies within a minute of its creation.
  for (const k of state.stackApiKeys.filter(isTemporaryKey)) {
    expect(k.role).toBe("Admin");
    expect(Date.parse(k.expiration ?? "") - Date.parse(k.createdAt)).toBeLessThanOrEqual(60_000);
  }
  const count =
    declared.stacks.length +
    Object.keys(declared.policies).length +
    Object.keys(declared.tokens).length +
    declared.plugins.length +
    declared.stackApiKeys.length +
    declared.serviceAccounts.length +
    declared.serviceAccountTokens.length;
  const resources = declaredResources(await project.exportState());
  expect(resources).toHaveLength(count);
  const ids = idsInStateAndEmulator(resources, state);
  expect(ids.state).toEqual(ids.emulator);

  // The declared resources and the stack itself.
  const refresh = await project.refresh({ expectNoChanges: true });
  expect(refresh.changes).toEqual({ same: count + 1 });
  const preview = await project.preview({ expectNoChanges: true });
  expect(preview.changes).toEqual({ same: count + 1 });
}
