/** (f) `deno bench` entry: generated 1,000- and 10,000-node workflows. See `suites/generated.ts`. */
import { registerBenches } from "./_harness.ts";
import { generatedCases } from "./suites/generated.ts";

registerBenches(generatedCases());
