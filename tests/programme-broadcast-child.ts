/**
 * Child process for the crash test: runs a broadcast on a database file and kills itself with
 * SIGKILL right after the Nth office has committed, as a power cut or `kill -9` would.
 * usage: node --import tsx tests/programme-broadcast-child.ts <db> <broadcastId> <n>
 */
import { openRuntime } from '../app/runtime';
import { loadConfig } from '../config/env';
import { runBroadcast } from '../programme/broadcast';

const [dbPath, broadcastId, n] = process.argv.slice(2) as [string, string, string];
void (async () => {
  const runtime = await openRuntime(loadConfig(process.env, { DATABASE_PATH: dbPath, DEMO_DATA: 'off', LOG_LEVEL: 'silent' }));
  let done = 0;
  await runBroadcast(runtime, broadcastId, {
    afterOffice: ({ officeId }) => {
      process.stdout.write(`${officeId}\n`);
      if (++done === Number(n)) process.kill(process.pid, 'SIGKILL');
    },
  });
})();
