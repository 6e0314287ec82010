// The class specs a program loads (provider/resources/classSpecs.ts, generated) agree with the
// resource definitions the provider host runs, and loading the package in a program pulls in
// none of the host's libraries.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CLASS_SPECS } from "../../provider/resources/classSpecs";
import { definitions } from "../../provider/resources/registry";
import { parseStackApiKeyId } from "../../provider/resources/stackApiKey";
import { parseStackServiceAccountId } from "../../provider/resources/stackServiceAccount";
import { parseStackServiceAccountTokenId } from "../../provider/resources/stackServiceAccountToken";
import { idPart } from "../../provider/resources/toolkit";

const repoRoot = path.resolve(__dirname, "..", "..");

describe("class specs", () => {
  test("the generated file is what the definitions give (else: npm run gen:class-specs)", () => {
    for (const d of definitions) {
      expect({ kind: d.kind, spec: CLASS_SPECS[d.kind] }).toEqual({
        kind: d.kind,
        spec: { kind: d.kind, outputNames: d.outputNames, secrets: d.secrets, idOutputs: d.idOutputs },
      });
    }
    expect(Object.keys(CLASS_SPECS).sort()).toEqual(definitions.map((d) => d.kind).sort());
  });

  test.each([
    ["Stack", "stackId", "123", 123],
    ["AccessPolicy", "policyId", "5e1f-policy", "5e1f-policy"],
    ["Token", "tokenId", "9abc-token", "9abc-token"],
    ["StackApiKey", "keyId", "mystack/42", parseStackApiKeyId("mystack/42").keyId],
    [
      "StackServiceAccount",
      "serviceAccountId",
      "mystack/7",
      parseStackServiceAccountId("mystack/7").serviceAccountId,
    ],
    [
      "StackServiceAccountToken",
      "tokenId",
      "mystack/7/99",
      parseStackServiceAccountTokenId("mystack/7/99").tokenId,
    ],
  ] as const)("%s: %s read from the id %s is what the provider parses", (kind, output, id, expected) => {
    const entry = CLASS_SPECS[kind].idOutputs.find(([name]) => name === output);
    expect(entry).toBeDefined();
    expect(idPart(id, entry![1])).toBe(expected);
  });
});

test.each([
  ["stackId of a stack", { as: "number" }, "12ab"],
  ["keyId", { part: 1, as: "number" }, "mystack"],
  ["keyId", { part: 1, as: "number" }, "mystack/"],
  ["tokenId", { part: 2, as: "number" }, "mystack/7/x9"],
  ["policyId", { as: "string" }, ""],
] as const)("%s: a malformed id (%j, %s) is refused, not read as NaN or 0", (_what, part, id) => {
  expect(() => idPart(id, part)).toThrow(`resource id "${id}"`);
});

test("a whole id is taken whole, slashes and all", () => {
  expect(idPart("a/b", { as: "string" })).toBe("a/b");
});

describe("loading the package in a program", () => {
  test("loads none of the provider host's libraries (dist/, as a program loads it)", () => {
    const entry = path.join(repoRoot, "dist", "provider", "index.js");
    expect(fs.existsSync(entry)).toBe(true); // npm test builds first
    const script = `
      require("@pulumi/pulumi");
      const before = new Set(Object.keys(require.cache));
      const pkg = require(${JSON.stringify(entry)});
      const added = Object.keys(require.cache).filter((k) => !before.has(k));
      console.log(JSON.stringify({ added, classes: typeof pkg.Token + typeof pkg.getStack }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ["-e", script], { cwd: repoRoot, encoding: "utf8" }),
    ) as {
      added: string[];
      classes: string;
    };
    expect(out.classes).toBe("functionfunction");
    const packages = out.added.flatMap((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? []);
    expect(packages).toEqual([]);
    const own = out.added.map((f) => path.relative(path.join(repoRoot, "dist", "provider"), f));
    for (const hostOnly of ["api/", "client/http", "resources/token", "resources/registry", "dynamic"]) {
      expect(own.filter((f) => f.startsWith(hostOnly))).toEqual([]);
    }
  });
});
