// The "postgres" jest project: the servers its suites start run on a fresh PostgreSQL database each
// (tests/helpers/server.ts), at TEST_DATABASE_URL's server.
process.env.TEST_BACKEND = 'postgres';
