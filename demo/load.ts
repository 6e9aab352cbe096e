import type { Runtime } from '../app/runtime';
import { generateDemoData } from './generate';

/** Loads the demo programme into an empty database; returns null and changes nothing otherwise. */
export function loadDemoData(runtime: Runtime): { offices: number; events: number } | null {
  const { engine, store } = runtime;
  if (store.listOffices({ limit: 1 }).total > 0) return null;
  const data = generateDemoData(engine.clock.now());
  engine.unitOfWork(() => {
    for (const { registeredAt, ...office } of data.offices) engine.register(office, { actor: 'demo', at: registeredAt });
    for (const { officeId, event, at } of data.events) engine.apply(officeId, event, { actor: 'demo', at });
  });
  return { offices: data.offices.length, events: data.events.length };
}
