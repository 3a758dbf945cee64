/** (a) `deno bench` entry: compile of each real workflow. See `suites/compile.ts`. */
import { registerBenches } from "./_harness.ts";
import { compileCases } from "./suites/compile.ts";

registerBenches(await compileCases());
