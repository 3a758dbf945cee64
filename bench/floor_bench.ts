/** (c) `deno bench` entry: the direct-call floor of the demo workflows. See `suites/floor.ts`. */
import { registerBenches } from "./_harness.ts";
import { floorCases } from "./suites/floor.ts";

registerBenches(floorCases());
