import type { OfficeRecord } from '../storage/types';
import type { ReminderStatus } from './reminder-status';
import { allowedEvents, fromStored, type OfficeSnapshot } from './snapshot';

/** The public shape of an office, as the API returns it. */
export interface OfficeView {
  id: string;
  name: string;
  country: string;
  city: string | null;
  language: string;
  track: OfficeRecord['track'];
  contacts: OfficeRecord['contacts'];
  stage: string;
  states: string[];
  version: number;
  enteredAt: Record<string, string>;
  allowedEvents: string[];
  context: OfficeRecord['snapshot']['context'];
  createdAt: string;
  updatedAt: string;
  /** Next reminder and time left, pause, stalled/stuck and SLA clocks (null where not asked for). */
  reminders: ReminderStatus | null;
}

/** `snapshot`: the office's resolved snapshot when the caller has it (a transition's `after`), else resolved from the record. */
export function toOfficeView(office: OfficeRecord, reminders: ReminderStatus | null = null, snapshot?: OfficeSnapshot): OfficeView {
  return {
    id: office.id,
    name: office.name,
    country: office.country,
    city: office.city,
    language: office.language,
    track: office.track,
    contacts: office.contacts,
    stage: office.stage,
    states: office.states,
    version: office.version,
    enteredAt: office.enteredAt,
    allowedEvents: allowedEvents(snapshot ?? fromStored(office.snapshot)),
    context: office.snapshot.context,
    createdAt: office.createdAt,
    updatedAt: office.updatedAt,
    reminders,
  };
}
