import { eventDone, stateLabel as machineStateLabel } from '../../machines/labels';
import { isOfficeEventType } from '../../machines/events';
import { REGISTERED } from '../../engine/engine';

/**
 * How the dashboard says things in sentences: who did it, what it did, on which day. The words of
 * the events come from `machines/labels.ts`; this file only puts them together.
 */

/** "Site difficulty resolved" → "site difficulty resolved"; names that stay capitalised stay so. */
export function lowerFirst(text: string): string {
  return /^(Gold Disk|IT\b|WIPO)/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

/** What an event did, as the dashboard says it ("Site difficulty resolved"); "Registered" for the first entry. */
export function doneText(type: string): string {
  if (type === REGISTERED) return 'Registered';
  return isOfficeEventType(type) ? eventDone(type) : type;
}

/** "Saved: site difficulty resolved": the message after a coordinator sends an event. */
export function savedMessage(type: string): string {
  return `Saved: ${lowerFirst(doneText(type))}`;
}

/** Who an actor string names, for people: a user's full name, the office through its link, the scheduler. */
/** The usernames an actor string names (a user, or a token's owner). */
function usernameOf(actor: string): string | undefined {
  return /^user:(.+)$/.exec(actor)?.[1] ?? /^token:(.+) \((.+)\)$/.exec(actor)?.[2];
}

/** Looks up, once each, the display names of these actors' users, for `actorName`. */
export async function displayNamesOf(
  actors: Iterable<string>,
  lookup: (username: string) => Promise<string | undefined>,
): Promise<(username: string) => string | undefined> {
  const names = new Map<string, string | undefined>();
  for (const actor of actors) {
    const username = usernameOf(actor);
    if (username !== undefined && !names.has(username)) names.set(username, await lookup(username));
  }
  return (username) => names.get(username);
}

export function actorName(actor: string, displayName: (username: string) => string | undefined = () => undefined): string {
  const user = /^user:(.+)$/.exec(actor);
  if (user) return displayName(user[1]!) ?? user[1]!;
  const token = /^token:(.+) \((.+)\)$/.exec(actor);
  if (token) return `${displayName(token[2]!) ?? token[2]!} (token ${token[1]!})`;
  if (/^office:.+ \(link\)$/.test(actor)) return 'The office, through its email link';
  if (actor === 'scheduler') return 'The reminder scheduler';
  if (actor === 'admin-token') return 'The admin token';
  return actor;
}

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** "3 March 2026". */
export function dayText(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : DAY.format(date);
}

/**
 * A state path as people read it: the leaf's label, its parallel region's name dropped
 * ("preparing.site.blocked" → "Site difficulty").
 */
export function stateWords(path: string): string {
  return machineStateLabel(path);
}

/** "Site difficulty → Site work": the states an entry left and entered (only those that changed). */
export function movesText(from: string[], to: string[]): string {
  const left = from.filter((s) => !to.includes(s));
  const entered = to.filter((s) => !from.includes(s));
  if (!entered.length) return '';
  return `${left.length ? `${left.map(stateWords).join(' + ')} → ` : ''}${entered.map(stateWords).join(' + ')}`;
}

/** "Ana Ruiz: site difficulty resolved for Office X on 3 March 2026 — Site difficulty → Site work". */
export function historySentence(entry: { type: string; actor: string; at: string; from: string[]; to: string[] }, officeName: string, who: string): string {
  const moves = movesText(entry.from, entry.to);
  return `${who}: ${lowerFirst(doneText(entry.type))} for ${officeName} on ${dayText(entry.at)}${moves ? ` — ${moves}` : ''}`;
}
