/**
 * Response shapes of the reminder routes (server/api/reminders.ts): stuck offices, outbox, emails,
 * reminders and settings. `route()` checks each handler's return against its schema at compile time;
 * the `Same` lines tie the engine's types to them the other way too.
 */
import { z } from 'zod';
import type { ReminderTimerView } from '../../reminders/reminders';
import type { StuckRow } from '../../reminders/stalled';
import type { EmailView } from '../../notifications/outbox';
import { openApiComponents } from '../openapi';
import { reminderStatusSchema, timestamp, type Same } from './schemas';

const count = z.number().int().min(0);
const owner = z.enum(['office', 'wipo']);

const stuckRowSchema = z.strictObject({
  officeId: z.string(),
  name: z.string(),
  country: z.string(),
  state: z.string(),
  owner,
  enteredAt: timestamp,
  daysInState: z.number().int().min(0),
  daysOverdue: z.number().int().min(0),
  remindersSent: count,
  lastEmailAt: timestamp.nullable(),
  nextReminderAt: timestamp.nullable(),
  escalated: z.boolean().describe('Escalated to the coordinator: the office is stuck'),
  pausedUntil: timestamp.nullable(),
  pauseReason: z.string().nullable(),
  otherStates: z.array(z.string()).describe("The office's other stalled states (another region, say)"),
});

export const stuckListSchema = z
  .strictObject({ rows: z.array(stuckRowSchema), total: count.describe('Stalled offices matching the filter, each once') })
  .register(openApiComponents, { id: 'StuckList' });

export const stalledCountsSchema = z
  .record(z.string().describe('Leaf state path'), z.strictObject({ stalled: count, stuck: count }))
  .describe('Per leaf state with stalled offices; states with none are left out')
  .register(openApiComponents, { id: 'StalledCounts' });

export const emailSchema = z
  .strictObject({
    id: z.number().int().positive(),
    messageId: z.string(),
    officeId: z.string().nullable(),
    kind: z.string(),
    language: z.string(),
    recipients: z.array(z.string()),
    subject: z.string(),
    status: z.enum(['pending', 'sending', 'sent', 'failed']),
    attempts: count,
    lastError: z.string().nullable(),
    createdAt: timestamp,
    sendAfter: timestamp,
    sentAt: timestamp.nullable(),
    possiblySentTwice: z.boolean().describe('An attempt was in doubt after a crash and the message was sent again: the recipient may have it twice'),
  })
  .register(openApiComponents, { id: 'Email' });

export const outboxPageSchema = z
  .strictObject({ emails: z.array(emailSchema), total: count })
  .register(openApiComponents, { id: 'OutboxPage' });

export const officeEmailsSchema = z.strictObject({ emails: z.array(emailSchema) }).register(openApiComponents, { id: 'OfficeEmails' });

const timerSchema = z.strictObject({
  id: z.number().int().positive().nullable().describe('Null for a pending or paused level'),
  state: z.string(),
  level: z.number().int(),
  kind: z.enum(['reminder', 'escalation']),
  dueAt: timestamp,
  status: z.enum(['fired', 'pending', 'paused']),
  firedAt: timestamp.nullable(),
});

const reminderLogSchema = z.strictObject({
  at: timestamp,
  type: z.string(),
  state: z.string().nullable(),
  level: z.number().int().nullable(),
  detail: z.unknown(),
  actor: z.string(),
});

export const officeRemindersSchema = reminderStatusSchema
  .extend({
    officeId: z.string(),
    timers: z.array(timerSchema).describe('Fired timers, then the pending or paused level of each clock'),
    log: z.array(reminderLogSchema).describe('Reminders, escalations, pauses and resumes, oldest first'),
  })
  .register(openApiComponents, { id: 'OfficeReminders' });

export const reminderSettingsSchema = z
  .strictObject({
    officeId: z.string(),
    timeZone: z.string().describe('The effective IANA time zone'),
    coordinatorEmail: z.string().describe('The effective responsible coordinator'),
  })
  .register(openApiComponents, { id: 'ReminderSettings' });

// Compile-time only: each line fails to type-check when a schema and the type it documents part ways.
const _stuckRowAgrees: Same<z.output<typeof stuckRowSchema>, StuckRow> = true;
const _emailAgrees: Same<z.output<typeof emailSchema>, EmailView> = true;
const _timerAgrees: Same<z.output<typeof timerSchema>, ReminderTimerView> = true;
