/** NoteStore: the same answers from storage/note-store.ts and storage/postgres/note-store.ts. */
import { forEachBackend, officeRecord } from './backends';

const T = (minute: number) => new Date(Date.UTC(2026, 2, 2, 9, minute)).toISOString();

forEachBackend('NoteStore', (backend) => {
  beforeEach(async () => {
    for (const id of ['FR-1', 'DE-1']) await backend().offices.insertOffice(officeRecord(id, T(0)), []);
  });

  test('add answers the note with its id; ofOffice lists an office\'s notes oldest first', async () => {
    const { notes } = backend();
    const later = await notes.add('FR-1', 'survey next week', 'alice', T(10));
    expect(later).toEqual({ id: 1, officeId: 'FR-1', at: T(10), actor: 'alice', text: 'survey next week' });
    await notes.add('DE-1', 'other office', 'bob', T(1));
    const earlier = await notes.add('FR-1', 'called the director', 'bob', T(5));
    const sameTime = await notes.add('FR-1', 'écrit à 10 h, aussi', 'carol', T(10));
    expect(await notes.ofOffice('FR-1')).toEqual([earlier, later, sameTime]);
    expect(await notes.ofOffice('DE-1')).toEqual([{ id: 2, officeId: 'DE-1', at: T(1), actor: 'bob', text: 'other office' }]);
    expect(await notes.ofOffice('XX-0')).toEqual([]);
  });

  test('a note on an office that does not exist is refused', async () => {
    await expect(backend().notes.add('XX-0', 'nobody', 'alice', T(1))).rejects.toMatchObject({ message: expect.stringMatching(/foreign key/i) });
    expect(await backend().notes.ofOffice('XX-0')).toEqual([]);
  });

  test('notes roll back with the transaction they were written in', async () => {
    const { notes, offices } = backend();
    await expect(
      offices.transaction(async () => {
        await notes.add('FR-1', 'rolled back', 'alice', T(1));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await notes.ofOffice('FR-1')).toEqual([]);
  });
});
