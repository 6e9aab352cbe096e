/**
 * `npm run lint` checks the OpenAPI document with Redocly (redocly.yaml). The document is the one
 * `GET /api/openapi.json` serves, built from the route table of a runtime on an empty temporary
 * database: no server is started and nothing goes over the network.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRuntime } from '../app/runtime';
import { loadConfig } from '../config/env';
import { createApp } from './app';

const ROOT = path.resolve(__dirname, '..');

/** The served document, as `GET /api/openapi.json` answers it. */
export async function generatedDocument(dir: string): Promise<unknown> {
  const runtime = await openRuntime(loadConfig({}, { DATABASE_PATH: path.join(dir, 'openapi.db'), OUTBOX_DIR: path.join(dir, 'outbox'), DEMO_DATA: 'off', LOG_LEVEL: 'silent' }));
  try {
    const spec = createApp(runtime).routes.find((r) => r.method === 'get' && r.path === '/api/openapi.json');
    if (!spec) throw new Error('no GET /api/openapi.json in the route table');
    return spec.handler({ params: {}, query: {}, body: undefined, req: undefined as never, res: undefined as never, actor: 'lint' });
  } finally {
    runtime.close();
  }
}

async function main(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-lint-'));
  try {
    const file = path.join(dir, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(await generatedDocument(dir), null, 2));
    const redocly = path.join(ROOT, 'node_modules', '.bin', 'redocly');
    const result = spawnSync(redocly, ['lint', '--config', path.join(ROOT, 'redocly.yaml'), file], {
      stdio: 'inherit',
      // No telemetry and no look-up of newer versions: the lint runs offline.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
    });
    if (result.error) throw result.error;
    return result.status ?? 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void main().then((code) => (process.exitCode = code));
