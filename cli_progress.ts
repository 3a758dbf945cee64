/**
 * The batch progress line on stderr. It is the only CLI code that reads the clock: rates
 * and ETAs are for the operator's eyes and never reach a trace or the state.
 * @module
 */
import type { CliIo } from "./cli_io.ts";

/**
 * The batch progress line: count, rate and ETA, redrawn at least every 100 ms while runs
 * go (on a terminal in place; with --progress elsewhere, one line per update), then the
 * pictures' own line.
 */
export class Progress {
  #io: CliIo;
  #tty: boolean;
  #t0 = performance.now();
  #state = { phase: "runs", done: 0, total: 0 };
  #timer: ReturnType<typeof setInterval> | undefined;
  #last = "";

  private constructor(io: CliIo, tty: boolean) {
    this.#io = io;
    this.#tty = tty;
    this.#timer = setInterval(() => this.#draw(), 100);
  }

  /**
   * A progress reporter, or one that prints nothing. On a terminal it redraws one line in
   * place; elsewhere (a log) each change is a line through `io.err`.
   */
  static open(
    io: CliIo,
    on: boolean,
    tty: boolean = Deno.stderr.isTerminal(),
  ): { runs(d: number, t: number): void; pictures(d: number, t: number): void; close(): void } {
    if (!on) return { runs() {}, pictures() {}, close() {} };
    return new Progress(io, tty);
  }

  runs(done: number, total: number): void {
    this.#state = { phase: "runs", done, total };
    this.#draw();
  }

  pictures(done: number, total: number): void {
    if (this.#state.phase !== "pictures") {
      this.#finishLine();
      this.#t0 = performance.now();
    }
    this.#state = { phase: "pictures", done, total };
    this.#draw();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#draw();
    this.#finishLine();
  }

  #finishLine(): void {
    if (this.#tty && this.#last) this.#io.err("");
    this.#last = "";
  }

  #draw(): void {
    const { phase, done, total } = this.#state;
    if (total === 0) return;
    const s = (performance.now() - this.#t0) / 1000;
    const rate = done / Math.max(s, 1e-3);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const width = 24;
    const filled = Math.round((done / total) * width);
    const line = `${phase === "runs" ? "runs    " : "pictures"} [${"#".repeat(filled)}${
      ".".repeat(width - filled)
    }] ${done}/${total}  ${rate.toFixed(0)}/s  ETA ${eta.toFixed(0)} s`;
    if (line === this.#last) return;
    this.#last = line;
    if (this.#tty) Deno.stderr.writeSync(new TextEncoder().encode(`\r${line}`));
    else this.#io.err(line);
  }
}
