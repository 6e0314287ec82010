// Harsh seeds, through the real CLI: 40 % of the creates of every kind lose their response after
// the server applied them, 10 % of all requests (Cloud API and the stacks' own URLs) have their
// connection reset, while `pulumi up --parallel 50` creates 50 objects of each kind at once
// (50 stacks, 50 access policies, 50 tokens, 50 plugin installations, 50 stack API keys). After
// every `up`, whether it completed or not, the emulator holds no duplicate (no natural key twice)
// and no orphan (every object it holds is in state); a failed `up` names what failed; the next
// `up` goes on. Faults off, the emulator holds exactly the declared objects, with the ids in
// state, and `refresh` and `preview` find nothing to change.
//
// HARSH_SEEDS=3,4 runs other seeds; the committed default is one (each takes minutes).
import type { FaultSpec } from "../../emulator";
import { expectClearFailure, expectExactlyDeclared } from "./fleet";
import {
  type CliProject,
  createProject,
  declare,
  type Declared,
  declaredProgram,
  declaredResources,
  type DeclaredSet,
  errorLines,
  failureOf,
  idsInStateAndEmulator,
  liveByNaturalKey,
  ref,
  startTestEmulator,
  type TestEmulator,
} from "./helpers";

const SEEDS = (process.env["HARSH_SEEDS"] ?? "1").split(",").map(Number);
const N = 50;
const CATALOG = [
  "grafana-clock-panel",
  "grafana-github-datasource",
  "grafana-piechart-panel",
  "grafana-worldmap-panel",
  "grafana-polystat-panel",
  "yesoreyeram-infinity-datasource",
  "marcusolsson-json-datasource",
];
const ROLES = ["Viewer", "Editor", "Admin"] as const;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const DECLARED: DeclaredSet = {
  stacks: range(N).map((i) => `harsh${i}`),
  policies: Object.fromEntries(range(N).map((i) => [`harsh-policy-${i}`, "org" as const])),
  tokens: Object.fromEntries(range(N).map((i) => [`harsh-token-${i}`, `harsh-policy-${i}`])),
  plugins: range(N).map((i) => `harsh${i}/${CATALOG[i % CATALOG.length]}`),
  stackApiKeys: range(N).map((i) => `harsh${i}/harsh-key-${i}`),
  serviceAccounts: [],
  serviceAccountTokens: [],
};

/** 250 resources; the policies need no stack, so stacks and policies are all created at once. */
function fleet(): Declared[] {
  return range(N).flatMap((i) => [
    declare("Stack", `stack-${i}`, { slug: `harsh${i}`, deleteProtection: false }),
    declare("AccessPolicy", `policy-${i}`, {
      region: "us",
      name: `harsh-policy-${i}`,
      scopes: ["metrics:read"],
      realms: [{ type: "org", identifier: "1" }],
    }),
    declare("Token", `token-${i}`, {
      region: "us",
      accessPolicyId: ref(`policy-${i}`, "policyId"),
      name: `harsh-token-${i}`,
    }),
    declare("PluginInstallation", `plugin-${i}`, {
      stackSlug: ref(`stack-${i}`, "slug"),
      plugin: CATALOG[i % CATALOG.length],
    }),
    declare("StackApiKey", `key-${i}`, {
      stackSlug: ref(`stack-${i}`, "slug"),
      name: `harsh-key-${i}`,
      role: ROLES[i % ROLES.length],
    }),
  ]);
}

/** The creates of every kind (and the temporary Admin keys, made on the API keys' route). */
const CREATES =
  "^/api/(instances|v1/accesspolicies|v1/tokens|instances/[^/]+/plugins|instances/[^/]+/api/auth/keys)$";

/**
 * The faults: the first that fires decides, each with its own seeded coin, so the lost-response
 * probability is divided by the chance that the reset did not fire: 10 % of all requests are
 * reset, 40 % of all creates lose their response.
 */
function harsh(seed: number): FaultSpec[] {
  const pReset = 0.1;
  const pLost = 0.4 / (1 - pReset);
  return [
    { path: "^/", kind: "reset", probability: pReset, seed: seed * 100 + 1 },
    { method: "POST", path: CREATES, kind: "lost-response", probability: pLost, seed: seed * 100 + 2 },
  ];
}

/** No natural key held twice, and every object the emulator holds is in state. */
async function expectNoDuplicateNoOrphan(emulator: TestEmulator, project: CliProject): Promise<void> {
  const state = await emulator.state();
  const { stackIdBySlug: _ids, tokenPolicies: _t, policyRealms: _r, ...byKey } = liveByNaturalKey(state);
  for (const [kind, keys] of Object.entries(byKey)) {
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect({ kind, duplicates: twice }).toEqual({ kind, duplicates: [] });
  }
  const ids = idsInStateAndEmulator(declaredResources(await project.exportState()), state);
  for (const [kind, held] of Object.entries(ids.emulator)) {
    const inState = new Set(ids.state[kind as keyof typeof ids.state]);
    expect({ kind, orphans: held.filter((id) => !inState.has(id)) }).toEqual({ kind, orphans: [] });
  }
}

describe("harsh faults: 40 % lost create responses, 10 % resets, 50 creates of each kind at once", () => {
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

  test.each(SEEDS)(
    "seed %i: no duplicate and no orphan after any up; the ups converge on exactly the declared objects",
    async (seed) => {
      emulator = await startTestEmulator({ rateLimitPerHour: 0 });
      project = await createProject({
        projectName: `faults-harsh-${seed}`,
        url: emulator.url,
        source: declaredProgram(fleet()),
      });
      await emulator.addFaults(harsh(seed));

      const ups: { ok: boolean; errors: number; seconds: number }[] = [];
      for (let i = 0; i < 3 && !ups.at(-1)?.ok; i++) {
        const started = Date.now();
        const failure = await failureOf(() => project!.up({ parallel: 50 }));
        ups.push({
          ok: failure === undefined,
          errors: failure ? errorLines(failure.output).length : 0,
          seconds: (Date.now() - started) / 1000,
        });
        if (failure) expectClearFailure(failure.output);
        await expectNoDuplicateNoOrphan(emulator, project);
      }
      const log = await emulator.requests();
      const creates = log.filter((r) => r.method === "POST" && new RegExp(CREATES).test(r.path));
      const lost = creates.filter((r) => r.fault === "lost-response").length;
      const resets = log.filter((r) => r.fault === "reset").length;
      console.log(
        `harsh seed ${seed}: ups ${JSON.stringify(ups)}; ${log.length} requests, ${resets} reset ` +
          `(${((100 * resets) / log.length).toFixed(1)} %); ${creates.length} creates, ${lost} lost ` +
          `(${((100 * lost) / creates.length).toFixed(1)} %)`,
      );
      // The faults were as harsh as promised.
      expect(lost / creates.length).toBeGreaterThanOrEqual(0.35);
      expect(resets / log.length).toBeGreaterThanOrEqual(0.08);
      expect(ups.at(-1)?.ok).toBe(true);

      await expectExactlyDeclared(emulator, project, DECLARED);
    },
  );
});
