/**
 * `npm run bench:report [-- DIR]`: renders bench/results.md and bench/scale.svg from the
 * bench/results.json that `npm run bench` wrote (scripts/lib/bench/report.ts), without measuring.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findRepoRoot } from "../harness/repo";
import { markdown, renderSvg, scaleChartSpec, targetsOf } from "./lib/bench/report";
import type { BenchResults } from "./lib/bench/results";
import { formatMarkdown } from "./lib/bench/tools";

export async function writeReport(dir: string): Promise<void> {
  const results = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as BenchResults;
  const targets = targetsOf(results);
  const mdPath = path.join(dir, "results.md");
  const md = await formatMarkdown(markdown(results, targets), mdPath);
  fs.writeFileSync(mdPath, md);
  const spec = scaleChartSpec(results);
  if (spec) fs.writeFileSync(path.join(dir, "scale.svg"), `${await renderSvg(spec)}\n`);
  console.log(`\n${md}`);
  console.log(`Wrote ${mdPath}${spec ? ` and ${path.join(dir, "scale.svg")}` : ""}`);
}

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? path.join(findRepoRoot(), "bench"));
  writeReport(dir).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
