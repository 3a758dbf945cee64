/** The generation scenario (_generations.ts) on snapshot generation v0.7.x. */
import { generationTests } from "./_generations.ts";

generationTests("v0.7.x");
