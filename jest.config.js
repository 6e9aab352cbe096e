/**
 * `npm test`: every suite on SQLite; with TEST_DATABASE_URL set, the suites listed in POSTGRES_SUITES
 * run a second time with their servers on PostgreSQL (project "postgres").
 */
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // d3-geo and its dependencies ship only as ES modules: swc turns them into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(@statelyai/inspect|d3-geo|d3-array|internmap)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  setupFiles: ['<rootDir>/tests/setup/admin-client.ts'],
  testTimeout: 60000,
};

/** Suites whose servers (tests/helpers/server.ts startServer) touch every repository through the API and the pages. */
const POSTGRES_SUITES = [
  'api',
  'analytics',
  'auth-matrix',
  'bad-input',
  'coordinator-pages',
  'forecast-api',
  'links',
  'live',
  'openapi-responses',
  'webhooks',
  'workshop-invitations',
  'journeys/coordinator',
  'journeys/ipo',
  'journeys/manager',
  'journeys/webhooks',
  'journeys/analytics',
  'journeys/mailbox',
  'accounts',
  'broadcast-progress',
  'export-snapshot',
  'fuzz',
  'hook-failure',
  'mailbox',
  'model-based',
  'openapi',
  'outbox-in-doubt',
  'mail-lease',
  'reminders',
  'reminders-server',
  'report-pdf',
  'auth',
  'figures',
  'metrics',
  'browser/dashboard',
  'browser/signin',
  'date-bounds',
  'export',
  'import',
  'untested-paths',
  // The CLI's child processes, given the database as DATABASE_URL (runCliOn, freshCliDatabase).
  'cli',
  'cli-commands',
  'cli-forecast',
];

/** @type {import('jest').Config} */
module.exports = {
  // Also a project option, but read from here for every project.
  testTimeout: 60000,
  // Each test file loads the whole server afresh, and some of every file's modules stay reachable after
  // it (native handles, process listeners). Run in band, one process held them all and ran out of heap
  // after ~200 files on a two-core machine; with a limit jest uses a worker and replaces it once the
  // worker holds more than this after a file.
  workerIdleMemoryLimit: '1536MB',
  projects: [
    { ...base, displayName: 'sqlite' },
    ...(process.env.TEST_DATABASE_URL
      ? [
          {
            ...base,
            displayName: 'postgres',
            testMatch: POSTGRES_SUITES.map((s) => `<rootDir>/tests/${s}.test.ts`),
            setupFiles: [...base.setupFiles, '<rootDir>/tests/setup/postgres-backend.ts'],
          },
        ]
      : []),
  ],
};
