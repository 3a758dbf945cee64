/** (d) `deno bench` entry: trace rendering (jsonl, md, png). See `suites/trace.ts`. */
import { registerBenches } from "./_harness.ts";
import { traceCases } from "./suites/trace.ts";

registerBenches(traceCases());
