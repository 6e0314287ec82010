// How the CLI harness reports the two failures engine tests depend on: a CLI that is not there
// yet, and a pulumi command that fails (its output must reach the test).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  type CliProject,
  createCliProject,
  EngineCommandError,
  PulumiCliMissingError,
  pulumiBinary,
  stateResources,
} from "../../harness/cli";

const PROGRAM = fs.readFileSync(path.join(__dirname, "programs", "strict.ts"), "utf8");

describe("engine harness", () => {
  test("names the command that builds the CLI when .tools/bin/pulumi is missing", async () => {
    const emptyRepo = fs.mkdtempSync(path.join(os.tmpdir(), "engine-no-cli-"));
    try {
      expect(() => pulumiBinary(emptyRepo)).toThrow(PulumiCliMissingError);
      expect(() => pulumiBinary(emptyRepo)).toThrow(/bash scripts\/ensure-pulumi\.sh/);
      await expect(
        createCliProject({
          projectName: "no-cli",
          source: { files: { "index.ts": PROGRAM } },
          repoRoot: emptyRepo,
        }),
      ).rejects.toThrow(path.join(emptyRepo, ".tools", "bin", "pulumi"));
    } finally {
      fs.rmSync(emptyRepo, { recursive: true, force: true });
    }
  });

  describe("with a project", () => {
    let project: CliProject | undefined;
    afterEach(async () => {
      const tempDir = project?.tempDir;
      await project?.dispose();
      if (tempDir !== undefined) {
        expect(fs.existsSync(tempDir)).toBe(false);
      }
      project = undefined;
    });

    test("a failing preview throws an error carrying the CLI's output, and nothing is created", async () => {
      project = await createCliProject({
        projectName: "engine-harness",
        source: { files: { "index.ts": PROGRAM } },
        typeCheck: false,
      });

      const failure = await project.preview().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(EngineCommandError);
      const error = failure as EngineCommandError;
      expect(error.command).toBe("preview");
      expect(error.exitCode).not.toBe(0);
      expect(error.output).toMatch(/message/);
      expect(error.output).toMatch(/must not be empty/);
      expect(error.message).toMatch(/must not be empty/);
      expect(stateResources(await project.exportState())).toHaveLength(0);

      // The same project recovers once the program is fixed.
      await project.setConfig({ "engine-harness:message": "hello" });
      const up = await project.up();
      expect(up.changes).toEqual({ create: 2 });
    });
  });
});
