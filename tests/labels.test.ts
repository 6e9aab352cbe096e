import { allStates } from '../machines/describe';
import { officeEventTypes } from '../machines/events';
import { EVENT_WORDING, LANGUAGES, STATE_LABELS, eventAction, languageOf, stateLabel } from '../machines/labels';

test('every state of the chart has a label in every language, and no label is left over', () => {
  const paths = allStates().map((s) => s.path).sort();
  expect(Object.keys(STATE_LABELS).sort()).toEqual(paths);
  for (const path of paths) {
    for (const language of LANGUAGES) expect(stateLabel(path, language)).not.toMatch(/^$|\./);
  }
});

test('English labels are the machine meta; other languages are translated', () => {
  const blocked = allStates().find((s) => s.path === 'preparing.site.blocked')!;
  expect(stateLabel('preparing.site.blocked')).toBe(blocked.meta.label);
  expect(stateLabel('preparing.site.blocked', 'fr')).toBe('Difficulté sur le site');
  expect(stateLabel('preparing.site.blocked', 'es')).toBe('Dificultad en el sitio');
});

test('every event has a button and a done message in every language, never its type name', () => {
  expect(Object.keys(EVENT_WORDING).sort()).toEqual([...officeEventTypes].sort());
  for (const type of officeEventTypes) {
    for (const language of LANGUAGES) {
      const { action, done } = EVENT_WORDING[type][language];
      expect(action).not.toContain('_');
      expect(done.length).toBeGreaterThan(3);
    }
  }
  expect(eventAction('DIFFICULTY_RESOLVED')).toBe('Resolve the difficulty');
  expect(eventAction('HANDED_OVER')).toBe('Mark as handed over');
});

test('unknown languages read English', () => {
  expect(languageOf('fr')).toBe('fr');
  expect(languageOf('de')).toBe('en');
  expect(languageOf(null)).toBe('en');
});
