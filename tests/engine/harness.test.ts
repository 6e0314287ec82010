// How the engine harness reports the two failures engine tests depend on: a CLI that is not
// there yet, and a pulumi command that fails (its output must reach the test).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  createEngineProject,
  EngineCommandError,
  type EngineProject,
  getPulumiCommand,
  PulumiCliMissingError,
  stateResources,
} from "../../scripts/lib/engine";

// Jest ignores `testTimeout` inside a `projects` entry, so engine files set it themselves.

/** Rejects an empty `message` in check, as a resource's input validation does. */
const strictProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const failures = news["message"] === "" ? [{ property: "message", reason: "must not be empty" }] : [];
    return { inputs: news, failures };
  },
  async create(inputs) {
    return { id: String(inputs["message"]), outs: inputs };
  },
};

class Strict extends pulumi.dynamic.Resource {
  constructor(name: string, message: string) {
    super(strictProvider, name, { message }, {}, "engine-harness", "Strict");
  }
}

describe("engine harness", () => {
  test("names the command that builds the CLI when .tools/bin/pulumi is missing", async () => {
    const emptyRepo = fs.mkdtempSync(path.join(os.tmpdir(), "engine-no-cli-"));
    try {
      const attempt = getPulumiCommand(emptyRepo);
      await expect(attempt).rejects.toBeInstanceOf(PulumiCliMissingError);
      await expect(attempt).rejects.toThrow(/bash scripts\/ensure-pulumi\.sh/);
      await expect(
        createEngineProject({ projectName: "no-cli", program: async () => undefined, repoRoot: emptyRepo }),
      ).rejects.toThrow(path.join(emptyRepo, ".tools", "bin", "pulumi"));
    } finally {
      fs.rmSync(emptyRepo, { recursive: true, force: true });
    }
  });

  describe("with a project", () => {
    let project: EngineProject | undefined;
    afterEach(async () => {
      const tempDir = project?.tempDir;
      await project?.dispose();
      if (tempDir !== undefined) {
        expect(fs.existsSync(tempDir)).toBe(false);
      }
      project = undefined;
    });

    test("a failing preview throws an error carrying the CLI's output, and nothing is created", async () => {
      project = await createEngineProject({
        projectName: "engine-harness",
        program: async () => {
          new Strict("empty", "");
        },
      });

      const failure = await project.preview().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(EngineCommandError);
      const error = failure as EngineCommandError;
      expect(error.command).toBe("preview");
      expect(error.output).toMatch(/message/);
      expect(error.output).toMatch(/must not be empty/);
      expect(error.message).toMatch(/must not be empty/);
      expect(stateResources(await project.exportState())).toHaveLength(0);

      // The same project recovers once the program is fixed.
      project.setProgram(async () => {
        new Strict("fixed", "hello");
      });
      const up = await project.up();
      expect(up.result.summary.resourceChanges).toEqual({ create: 2 });
    });
  });
});
