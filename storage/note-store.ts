import { unitOfWorkOf } from './unit-of-work';
import type { Db } from './db';

export interface OfficeNote {
  id: number;
  officeId: string;
  at: string;
  actor: string;
  text: string;
}

/** Coordinators' notes on an office. */
export interface NoteStore {
  add(officeId: string, text: string, actor: string, at: string): Promise<OfficeNote>;
  /** The office's notes, oldest first. */
  ofOffice(officeId: string): Promise<OfficeNote[]>;
}

export function createNoteStore(db: Db): NoteStore {
  const insert = db.prepare<[string, string, string, string]>('INSERT INTO office_notes (office_id, at, actor, text) VALUES (?, ?, ?, ?)');
  const byOffice = db.prepare<[string], OfficeNote>(
    'SELECT id, office_id AS officeId, at, actor, text FROM office_notes WHERE office_id = ? ORDER BY at, id',
  );
  return unitOfWorkOf(db).repository<NoteStore>({
    add(officeId, text, actor, at) {
      const id = Number(insert.run(officeId, at, actor, text).lastInsertRowid);
      return { id, officeId, at, actor, text };
    },
    ofOffice: (officeId) => byOffice.all(officeId),
  });
}

