/**
 * The stays as columns of numbers, row i being the i-th episode of its list (`History.leaves` or
 * `History.stages`). The figures pass over two million stays per answer: a loop over typed arrays
 * reads a few bytes per stay where one over the episode objects follows a pointer to each, and the
 * collector has no objects to trace. The episodes stay the record; the columns repeat the fields
 * the passes read and are written by the same code that writes the episodes.
 */
const names: string[] = [];
const ids = new Map<string, number>();

/** A small number per state name, the same for every history in the process. */
export function stateId(name: string): number {
  let id = ids.get(name);
  if (id === undefined) {
    id = names.length;
    if (id > 0xffff) throw new Error('more state names than a stay column holds');
    ids.set(name, id);
    names.push(name);
  }
  return id;
}

export const stateName = (id: number): string => names[id]!;

/** States named so far: every id is below it. */
export const stateCount = () => names.length;

/**
 * A table over state ids, `value(name)` for every state named so far and `fallback` for any named
 * later (which no stay read before the table was made can have).
 */
export function byStateId(value: (name: string) => number, fallback: number): { at(id: number): number } {
  const table = Int32Array.from(names, value);
  return { at: (id) => (id < table.length ? table[id]! : fallback) };
}

export class StayColumns {
  length = 0;
  entered = new Float64Array(1024);
  /** Infinity while the stay is open. */
  left = new Float64Array(1024);
  /** Monday-to-Friday time of the stay once it has ended, NaN before. */
  businessMs = new Float64Array(1024);
  state = new Uint16Array(1024);
  office = new Int32Array(1024);

  push(office: number, state: string, entered: number): void {
    if (this.length === this.entered.length) this.grow();
    const i = this.length++;
    this.office[i] = office;
    this.state[i] = stateId(state);
    this.entered[i] = entered;
    this.left[i] = Infinity;
    this.businessMs[i] = Number.NaN;
  }

  close(i: number, left: number, businessMs: number): void {
    this.left[i] = left;
    this.businessMs[i] = businessMs;
  }

  private grow(): void {
    // Half as much again: at two million stays, doubling would hold tens of megabytes never used.
    const size = Math.ceil(this.entered.length * 1.5);
    const to = <T extends Float64Array | Uint16Array | Int32Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.entered = to(this.entered, new Float64Array(size));
    this.left = to(this.left, new Float64Array(size));
    this.businessMs = to(this.businessMs, new Float64Array(size));
    this.state = to(this.state, new Uint16Array(size));
    this.office = to(this.office, new Int32Array(size));
  }
}
