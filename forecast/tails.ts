/**
 * The simulated futures from one whole-office entry, or of one region from one of its leaves
 * (forecast/simulate.ts), in time relative to the entry, stored flat: tail `j` is installed or
 * connected (for a region: ends) at `done[j]`, handed over at `handedOver[j]` (Infinity: not within
 * the horizon), and charged its states' time before done as segments `first[j]` to
 * `first[j + 1] - 1` of `state`, `from`, `to`.
 */
export class TailPool {
  readonly done: Float64Array;
  readonly handedOver: Float64Array;
  readonly first: Int32Array;
  /** For the futures of one region: how each ended (an outcome index, -1: not within the horizon). */
  readonly outcome: Int32Array;
  state: Int32Array = new Int32Array(0);
  from: Float64Array = new Float64Array(0);
  to: Float64Array = new Float64Array(0);
  private count = 0;
  private segments = 0;
  private readonly pending: number[] = [];

  constructor(readonly size: number) {
    this.done = new Float64Array(size);
    this.handedOver = new Float64Array(size);
    this.first = new Int32Array(size + 1);
    this.outcome = new Int32Array(size);
  }

  begin(): void {
    this.first[this.count] = this.segments;
  }

  segment(state: number, from: number, to: number): void {
    this.pending.push(state, from, to);
    this.segments++;
  }

  end(done: number, handedOver: number, outcome = -1): void {
    this.done[this.count] = done;
    this.handedOver[this.count] = handedOver;
    this.outcome[this.count] = outcome;
    this.count++;
    this.first[this.count] = this.segments;
    if (this.count === this.size) this.seal();
  }

  private seal(): void {
    const n = this.segments;
    this.state = new Int32Array(n);
    this.from = new Float64Array(n);
    this.to = new Float64Array(n);
    for (let g = 0; g < n; g++) {
      this.state[g] = this.pending[3 * g]!;
      this.from[g] = this.pending[3 * g + 1]!;
      this.to[g] = this.pending[3 * g + 2]!;
    }
    this.pending.length = 0;
  }
}
