/** `deno bench` entry: the parts of a run (hashing, XState, KV). See `suites/parts.ts`. */
import { registerBenches } from "./_harness.ts";
import { partCases } from "./suites/parts.ts";

registerBenches(partCases());
