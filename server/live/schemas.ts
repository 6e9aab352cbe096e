/**
 * The JSON data of each `transition` event of `GET /api/events/stream`. Not a component: it is
 * referenced from an extension only, which lint tools do not follow, so the document inlines it.
 */
import { z } from 'zod';
import { timestamp, type Same } from '../api/schemas';
import type { LiveMessage } from './broadcaster';

export const liveMessageSchema = z.strictObject({
  office: z.string().describe('The office id'),
  type: z.string().describe('The event type'),
  from: z.array(z.string()).describe('Active leaf states before the transition'),
  to: z.array(z.string()).describe('Active leaf states after it'),
  at: timestamp,
  version: z.number().int().min(0).describe("The office's version after the transition"),
  actor: z.string(),
});

const _liveMessageAgrees: Same<z.output<typeof liveMessageSchema>, LiveMessage> = true;
