/**
 * Deterministic interleaving of concurrent child runs. Children started by one CS step are
 * the members of a turn group; a member may run a state-touching step only on its turn, and
 * the turn passes round-robin after each such step (members join in call order, i.e.
 * declaration order). Nested groups arbitrate inside their parent's turn. One transaction
 * is shared, so this is what keeps effects, sequence numbers and traces identical from run
 * to run while the branches still progress side by side.
 *
 * @module
 */

/** Members of one concurrent call (or the lone child of a sequential one). */
export class TurnGroup {
  #members: string[] = [];
  #turn = 0;
  // Several runs of one member's subtree (a nested concurrent group) can wait at once.
  #waiters = new Map<string, Array<() => void>>();

  /** Adds a member at the end of the rotation. */
  join(member: string): void {
    this.#members.push(member);
  }

  /** Removes a finished member; its turn, if held, passes on. */
  leave(member: string): void {
    const i = this.#members.indexOf(member);
    if (i < 0) return;
    this.#members.splice(i, 1);
    if (i < this.#turn) this.#turn--;
    if (this.#turn >= this.#members.length) this.#turn = 0;
    this.#wake();
  }

  /** True when it is `member`'s turn (or the group is empty). */
  holds(member: string): boolean {
    return this.#members.length === 0 || this.#members[this.#turn] === member;
  }

  /** Resolves when it is `member`'s turn. */
  async acquire(member: string): Promise<void> {
    while (!this.holds(member)) {
      await new Promise<void>((resolve) => {
        const list = this.#waiters.get(member) ?? [];
        list.push(resolve);
        this.#waiters.set(member, list);
      });
    }
  }

  /** Ends `member`'s turn: the next member in the rotation may go. */
  pass(member: string): void {
    if (this.#members[this.#turn] !== member || this.#members.length === 0) return;
    this.#turn = (this.#turn + 1) % this.#members.length;
    this.#wake();
  }

  #wake(): void {
    const next = this.#members[this.#turn];
    const list = next === undefined ? undefined : this.#waiters.get(next);
    if (list) {
      this.#waiters.delete(next);
      for (const wake of list) wake();
    }
  }
}

/** A run's place in the nested groups, outermost first (empty for the root run). */
export type Branch = ReadonlyArray<{ readonly group: TurnGroup; readonly member: string }>;

/** True when `branch` holds the turn at every level (work may run now, synchronously). */
export function holdsAll(branch: Branch): boolean {
  for (const { group, member } of branch) if (!group.holds(member)) return false;
  return true;
}

/** Ends the turn at every level, innermost first. */
export function passAll(branch: Branch): void {
  for (let i = branch.length - 1; i >= 0; i--) branch[i].group.pass(branch[i].member);
}

/** Runs `work` once `branch` holds the turn at every level, then passes each turn on. */
export async function onTurn<T>(branch: Branch, work: () => Promise<T>): Promise<T> {
  if (branch.length === 0) return await work();
  // Every level must be held at the same moment: while waiting on an inner level an outer
  // turn may have passed on, so check all levels again after any wait.
  for (;;) {
    const waiting = branch.find(({ group, member }) => !group.holds(member));
    if (!waiting) break;
    await waiting.group.acquire(waiting.member);
  }
  try {
    return await work();
  } finally {
    passAll(branch);
  }
}
