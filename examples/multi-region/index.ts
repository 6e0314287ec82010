// Run with a Pulumi.yaml whose `main:` points here (see README, "Examples").
import { multiRegion } from "./program";

export = multiRegion();
