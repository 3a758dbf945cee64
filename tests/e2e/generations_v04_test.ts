/** The generation scenario (_generations.ts) on snapshot generation v0.4.0. */
import { generationTests } from "./_generations.ts";

generationTests("v0.4.0");
