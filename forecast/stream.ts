/**
 * The demo generator's seeded sequence (demo/generate.ts `random`, the same numbers for the same
 * seed) as an object. The simulation draws millions of numbers per forecast from hundreds of
 * streams: one class gives every call site one shape to inline, and its state is kept in a typed
 * array, where a closure's variable or an object's field above 2^31 is a new heap number at every
 * draw (hundreds of megabytes per forecast for the collector).
 */
export class Stream {
  private readonly state = new Int32Array(1);

  constructor(seed: number) {
    this.state[0] = seed | 0;
  }

  next(): number {
    // The same bits as the generator's unsigned arithmetic: every operation below works on 32 bits.
    const a = (this.state[0]! + 0x6d2b79f5) | 0;
    this.state[0] = a;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
