// The program `pulumi preview` and `pulumi up` run in this directory (package.json `main`).
// The teams are data in program.ts; the stack outputs are one secret token per team and environment.
import { multiRegion } from "./program";

export = multiRegion();
