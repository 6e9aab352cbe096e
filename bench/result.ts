/**
 * The shape every `bench/*.bench.ts` module shares. `bench/main.ts` imports each module and calls
 * `run(args)`; the results are printed as one table and can be written as JSON.
 */

/** One measured figure. `unit` is free text: "events/s", "ms", "MB", "x" (a ratio)… */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export type Synchronous = 'FULL' | 'NORMAL';

export interface BenchArgs {
  /** Offices for the engine benchmark (default 10,000). */
  offices: number;
  /** synchronous settings to measure, in order; the shipped one (FULL) first by default. */
  sync: Synchronous[];
  /** Run the peer (bpmn-engine) comparison too. */
  peer: boolean;
  /** Offices for the peer benchmark (it is much slower; default 500). */
  peerOffices: number;
  /** Run the 100,000-office scale benchmark instead of its small default. */
  scale: boolean;
  /** Offices for the scale benchmark (default 10,000; 100,000 with --scale). */
  scaleOffices: number;
  /** Concurrent HTTP clients. */
  clients: number;
  /** Scratch folder for database files (removed afterwards unless --keep). */
  dir: string;
  keep: boolean;
  /** Module names given with --only (e.g. "engine", "peer"); empty means all. */
  only: string[];
  /** Print progress lines. */
  log(message: string): void;
  /** Everything after the flags main.ts knows, for modules with flags of their own. */
  rest: string[];
}
