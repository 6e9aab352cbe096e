/**
 * The forecast's model is fitted on the history before the start of the as-of day and kept across
 * versions of the history while nothing dated before that cut arrives (forecast/service.ts
 * `modelFor`): a transition today reuses it, a row dated yesterday refits it, and the kept model is
 * always the one a fit from scratch would give.
 */
import { loadHistory } from '../analytics/episodes';
import { fixedClock } from '../engine/clock';
import { fitModel } from '../forecast/model';
import { modelFor } from '../forecast/service';
import { HAND_BUILT_NOW, loadHandBuilt } from './fixtures/analytics-history';
import { startServer, type TestServer } from './helpers/server';

const DAY = 86_400_000;
const NOW = Date.parse(HAND_BUILT_NOW);
const CUT = Math.floor(NOW / DAY) * DAY;
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ runtime: { clock: fixedClock(HAND_BUILT_NOW) } });
  await loadHandBuilt(server.runtime);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

test('a transition today keeps the model; a row dated before the cut refits it', async () => {
  const reader = server.runtime.storage.history;
  const first = await loadHistory(reader);
  const model = modelFor(first, NOW);
  expect(model.asOf).toBe(CUT);

  // Office B's site surveyed now: after the cut, so the model stands, and is what a refit gives.
  await server.runtime.engine.apply('B', { type: 'SITE_SURVEYED' }, { actor: 'test' });
  const second = await loadHistory(reader);
  expect(second).not.toBe(first);
  expect(modelFor(second, NOW + 3_600_000)).toBe(model);
  expect(model).toEqual(fitModel(second, CUT));

  // Office C's reply dated yesterday: it changes the stays before the cut.
  await server.runtime.engine.apply('C', { type: 'REPLY_AFFIRMATIVE' }, { actor: 'test', at: new Date(CUT - DAY) });
  const third = await loadHistory(reader);
  const refitted = modelFor(third, NOW);
  expect(refitted).not.toBe(model);
  expect(refitted).not.toEqual(model);
  expect(refitted).toEqual(fitModel(third, CUT));

  // Another day is another cut.
  const yesterday = modelFor(third, NOW - DAY);
  expect(yesterday.asOf).toBe(CUT - DAY);
  expect(modelFor(third, NOW)).toBe(refitted);
});
