/** `deno bench` entry: prototypes of proposed engine changes. See `suites/proposals.ts`. */
import { registerBenches } from "./_harness.ts";
import { proposalCases } from "./suites/proposals.ts";

registerBenches(proposalCases());
