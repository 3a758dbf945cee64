/** (b) `deno bench` entry: in-process runs of the demo workflows. See `suites/run.ts`. */
import { registerBenches } from "./_harness.ts";
import { runCases } from "./suites/run.ts";

registerBenches(runCases());
