/** @type {import('jest').Config} */
module.exports = {
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
