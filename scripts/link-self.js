#!/usr/bin/env node
// npm `prepare` hook: links node_modules/pulumi-grafana-cloud to this checkout.
// The dynamic-provider host loads each resource's serialized provider with require-from-string,
// whose `require("pulumi-grafana-cloud/dynamic")` resolves from the program's directory through
// node_modules only (package self-reference does not apply there). A user's project has the
// package installed; this link gives the repository's own Pulumi.yaml (examples/quickstart) the same.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const modules = path.join(root, "node_modules");
const link = path.join(modules, "pulumi-grafana-cloud");
if (fs.existsSync(modules)) {
  try {
    const current = fs.readlinkSync(link);
    if (path.resolve(modules, current) === root) process.exit(0);
    fs.rmSync(link, { force: true, recursive: true });
  } catch {
    // Not a link (absent, or a real directory from an install of the published package).
    if (fs.existsSync(link)) process.exit(0);
  }
  fs.symlinkSync("..", link, "dir");
}
