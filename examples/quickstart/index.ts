// The program `pulumi preview` and `pulumi up` run in this directory (package.json `main`), and
// from the repository root, whose Pulumi.yaml points here. Stack outputs are this module's exports.
import * as pulumi from "@pulumi/pulumi";
import { quickstart } from "./program";

const config = new pulumi.Config();
const slug = config.get("slug");
const deleteProtection = config.getBoolean("deleteProtection");

export = quickstart({
  ...(slug === undefined ? {} : { slug }),
  ...(deleteProtection === undefined ? {} : { deleteProtection }),
});
