import { describeIfPostgres } from '../helpers/postgres';

export type BackendKind = 'sqlite' | 'postgres';

/** A fresh SQLite file per test. */
export interface SqliteBackends<B> {
  open(): B;
  close(): void;
}

/** One PostgreSQL database per file, emptied for each test. */
export interface PostgresBackends<B> {
  start(): Promise<void>;
  open(): Promise<B>;
  /** Ends what a test opened beside the main backend, if anything. */
  endOthers?(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Defines the cases of `body` once per backend: `backend()` is the current test's empty backend,
 * `kind` lets a case that only one backend can show be defined for that backend alone. The
 * PostgreSQL cases run when TEST_DATABASE_URL is set.
 */
export function forEachBackendOf<B>(
  suite: string,
  backends: { sqlite: () => SqliteBackends<B>; postgres: () => PostgresBackends<B> },
  body: (backend: () => B, kind: BackendKind) => void,
): void {
  describe(`${suite} on SQLite`, () => {
    const sqlite = backends.sqlite();
    let current: B | undefined;
    beforeEach(() => void (current = sqlite.open()));
    afterEach(() => sqlite.close());
    body(() => current!, 'sqlite');
  });

  describeIfPostgres(`${suite} on PostgreSQL`, () => {
    const postgres = backends.postgres();
    let current: B | undefined;
    beforeAll(() => postgres.start());
    afterAll(() => postgres.stop());
    beforeEach(async () => void (current = await postgres.open()));
    afterEach(async () => await postgres.endOthers?.());
    body(() => current!, 'postgres');
  });
}
