/**
 * Store formats across a whole snapshot (what `check` runs over every workflow): each
 * compile checks the stores of its own closure; a store used in two formats by two
 * workflows is only seen when they are compiled together.
 *
 * @module
 */
import type { CompileProblem } from "../errors.ts";
import type { CompiledWorkflow } from "./graph.ts";

/**
 * One store file has one format in the whole snapshot: a store written as a key map by one
 * workflow and as a log by another would fail whichever runs second on a data root. Each
 * compile checks its own closure; this checks across the workflows `check` compiles.
 */
export class StoreFormats {
  readonly #first = new Map<string, { format: string; file: string; step: string }>();

  /** Problems of `compiled` with the stores seen so far (each conflict reported once). */
  add(compiled: CompiledWorkflow): CompileProblem[] {
    const problems: CompileProblem[] = [];
    for (const graph of compiled.graphs.values()) {
      for (const node of Object.values(graph.nodes)) {
        if (node.type !== "CC") continue;
        node.cc.steps.forEach((step, i) => {
          if (step.kind !== "CS" || step.store === null) return;
          const { path, format } = step.store;
          const first = this.#first.get(path);
          if (!first) {
            this.#first.set(path, { format, file: node.cc.file, step: step.name });
          } else if (first.format !== format) {
            problems.push({
              file: node.cc.file,
              jsonPath: `$.frontmatter.core.pipeline[${i}]`,
              message: `store "${path}" is used as "${format}" by step ${step.name} (` +
                `${step.capability}) but as "${first.format}" by step ${first.step} of ` +
                `${first.file}: one store file has one format`,
            });
            // Report the pair once.
            this.#first.set(path, { ...first, format });
          }
        });
      }
    }
    return problems;
  }
}
