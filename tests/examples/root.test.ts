/**
 * `pulumi preview` in the repository root, as the README says: the root Pulumi.yaml points at
 * examples/quickstart, so the plan is the quickstart's six resources (and not the package's own
 * entry point). The credentials come from the environment, as a user without stack config sets
 * them; a preview of creates calls nothing on the API.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createCliProject, type CliProject } from "../../harness/cli";
import { namesWithOp, repoRoot, writesIn } from "../support/engine";
import { startTestEmulator, type TestEmulator } from "../support/emulator";

describe("pulumi preview in the repository root", () => {
  let emulator: TestEmulator | undefined;
  let project: CliProject | undefined;
  afterAll(async () => {
    await project?.dispose();
    await emulator?.close();
  });

  test("plans the quickstart's resources and writes nothing", async () => {
    emulator = await startTestEmulator();
    const stackName = `rootpreview${process.pid}`;
    project = await createCliProject({
      projectName: "grafana-cloud-quickstart",
      source: { existing: repoRoot },
      stackName,
      env: { GRAFANA_CLOUD_API_URL: emulator.url, GRAFANA_CLOUD_ACCESS_POLICY_TOKEN: emulator.token },
    });
    expect(project.projectName).toBe("grafana-cloud-quickstart");

    const preview = await project.preview();
    expect(namesWithOp(preview.events, "create")).toEqual([
      "ci",
      "ci-token",
      "clock-panel",
      "main",
      "readers",
      "readers-token",
    ]);
    expect(preview.changes).toEqual({ create: 7 });
    for (const kind of [
      "Stack",
      "AccessPolicy",
      "Token",
      "PluginInstallation",
      "StackServiceAccount",
      "StackServiceAccountToken",
    ]) {
      expect(preview.output).toContain(`+  pulumi-nodejs:dynamic/grafana-cloud:${kind} `);
    }
    expect(preview.output).toMatch(/\+ 7 to create/);
    // Not the package's own entry point, whose exports are its constants.
    expect(preview.output).not.toMatch(/CONFIG_TOKEN_KEY|DEFAULT_API_URL/);
    expect(writesIn(await emulator.requests())).toEqual([]);

    await project.dispose();
    // The stack's settings file, the one thing the CLI wrote in the repository, is gone again.
    expect(fs.existsSync(path.join(repoRoot, `Pulumi.${stackName}.yaml`))).toBe(false);
    project = undefined;
  });
});
