import type { NoteStore, OfficeNote } from '../note-store';
import type { PostgresUnitOfWork } from './unit-of-work';

/** The notes repository on PostgreSQL: the same interface and answers as the SQLite one. */
export function createPostgresNoteStore(unit: PostgresUnitOfWork): NoteStore {
  return {
    async add(officeId, text, actor, at) {
      const [row] = await unit.query<{ id: number }>(
        'INSERT INTO office_notes (office_id, at, actor, text) VALUES ($1, $2, $3, $4) RETURNING id',
        [officeId, at, actor, text],
      );
      // The note as given, as the SQLite repository answers it (not re-read from the row).
      return { id: row!.id, officeId, at, actor, text };
    },

    ofOffice: (officeId) =>
      unit.query<OfficeNote>(
        'SELECT id, office_id AS "officeId", at, actor, text FROM office_notes WHERE office_id = $1 ORDER BY at, id',
        [officeId],
      ),
  };
}
