import { eventPayloads, isOfficeEventType } from '../../machines/events';
import type { Contact } from '../types';

/**
 * jsonb keeps an object's keys sorted (by length, then bytes), not as written; SQLite hands back the
 * text the engine wrote, and an export prints the keys in that order. The engine writes what the
 * event schemas parsed (machines/events.ts), whose output follows each schema's shape: ordering the
 * keys by that shape gives back SQLite's text for every event that came through them (the API, the
 * links, an import). Keys no schema names follow, in jsonb's order.
 */
function byKeys(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const key of keys) if (Object.prototype.hasOwnProperty.call(value, key)) ordered[key] = value[key];
  for (const [key, v] of Object.entries(value)) if (!(key in ordered)) ordered[key] = v;
  return ordered;
}

const CONTACT_KEYS: readonly (keyof Contact)[] = ['name', 'email', 'role'];

/** Contacts with their keys as contactSchema writes them: name, email, role. */
export function contactsInOrder(contacts: unknown): unknown {
  if (!Array.isArray(contacts)) return contacts;
  return contacts.map((c: unknown) => (typeof c === 'object' && c !== null && !Array.isArray(c) ? byKeys(c as Record<string, unknown>, CONTACT_KEYS) : c));
}

/** A history payload with its keys in its event schema's order. */
export function payloadInOrder(type: string, payload: Record<string, unknown>): Record<string, unknown> {
  if (!isOfficeEventType(type)) return payload;
  const ordered = byKeys(payload, Object.keys(eventPayloads[type].shape));
  if ('contacts' in ordered) ordered.contacts = contactsInOrder(ordered.contacts);
  return ordered;
}
