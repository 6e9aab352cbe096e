import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

export interface OfficeNote {
  id: number;
  officeId: string;
  at: string;
  actor: string;
  text: string;
}

/** Coordinators' notes on an office, oldest first. */
export function createNoteStore(db: Db) {
  const insert = db.prepare<[string, string, string, string]>('INSERT INTO office_notes (office_id, at, actor, text) VALUES (?, ?, ?, ?)');
  const byOffice = db.prepare<[string], OfficeNote>(
    'SELECT id, office_id AS officeId, at, actor, text FROM office_notes WHERE office_id = ? ORDER BY at, id',
  );
  return unitOfWorkOf(db).wrap({
    add(officeId: string, text: string, actor: string, at: string): OfficeNote {
      const id = Number(insert.run(officeId, at, actor, text).lastInsertRowid);
      return { id, officeId, at, actor, text };
    },
    ofOffice: (officeId: string) => byOffice.all(officeId),
  });
}

export type NoteStore = ReturnType<typeof createNoteStore>;

const stores = new WeakMap<Db, NoteStore>();
/** One note store per database connection (its statements prepared once). */
export function noteStoreOf(db: Db): NoteStore {
  let store = stores.get(db);
  if (!store) stores.set(db, (store = createNoteStore(db)));
  return store;
}
