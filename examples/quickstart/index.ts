// Entry point of the root Pulumi.yaml (`main: examples/quickstart/`): `pulumi preview` and
// `pulumi up` from the repository root run this. Stack outputs are this module's exports.
import { quickstart } from "./program";

export = quickstart();
