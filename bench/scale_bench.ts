/** (e) `deno bench` entry: runs at 100 / 10,000 / 100,000 registry entries. See `suites/scale.ts`. */
import { registerBenches } from "./_harness.ts";
import { scaleCases } from "./suites/scale.ts";

registerBenches(scaleCases());
