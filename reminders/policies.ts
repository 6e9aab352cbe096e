import fs from 'node:fs';
import { Duration } from 'luxon';
import { z } from 'zod';
import { allStates, type StateDescription } from '../machines/describe';
import type { ReminderPolicy } from '../machines/meta';
import type { PolicySet } from '../engine/reminder-policies';
import { templateKinds } from '../notifications/templates';

export { durationMs, type PolicySet } from '../engine/reminder-policies';

/**
 * Effective reminder policies: the defaults in the machine's state meta, merged with operator
 * overrides from `config/policies.json` (validated at start; a bad file stops the start-up).
 *
 * File format: `{ "states": { "<state path>": { ...fields of ReminderPolicy } | null } }`;
 * `null` turns reminders off for that state, a partial object overrides only the fields given.
 */
/**
 * At most ten years: deadlines and reminder times are stored as ISO strings compared in SQL, which
 * holds only while they stay inside the accepted date range (engine/dates.ts).
 */
const MAX_DURATION_MS = 10 * 365 * 86_400_000;

const isoDuration = z
  .string()
  .refine((d) => {
    const parsed = Duration.fromISO(d);
    return parsed.isValid && parsed.as('milliseconds') > 0 && parsed.as('milliseconds') <= MAX_DURATION_MS;
  }, 'not a positive ISO-8601 duration of at most ten years (e.g. P30D, P2W, PT12H)');

const policyFields = z
  .object({
    sla: isoDuration,
    until: z.enum(['workshopEnd']).optional(),
    every: isoDuration,
    reminders: z.number().int().min(0).max(20),
    recipient: z.enum(['office', 'coordinator']),
    template: z.string().regex(/^[a-z][a-z0-9-]*$/),
  })
  .strict();

const overridesSchema = z
  .object({
    $comment: z.string().optional(),
    states: z.record(z.string(), policyFields.partial().nullable()).default({}),
  })
  .strict();

export type PolicyOverrides = z.infer<typeof overridesSchema>;

function leafStates(): StateDescription[] {
  return allStates().filter((s) => s.states.length === 0);
}

/** Reads and validates the overrides file; a missing file means no overrides. */
export function readPolicyOverrides(file: string | undefined): PolicyOverrides {
  if (!file || !fs.existsSync(file)) return { states: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Invalid reminder policies in ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = overridesSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid reminder policies in ${file}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Defaults from the machine merged with overrides; every result is checked again as a whole. */
export function effectivePolicies(overrides: PolicyOverrides = { states: {} }, source = 'config/policies.json'): PolicySet {
  const leaves = new Map(leafStates().map((s) => [s.path, s]));
  const problems: string[] = [];
  for (const path of Object.keys(overrides.states)) {
    if (!leaves.has(path)) problems.push(`"${path}" is not a leaf state of the office machine (known: ${[...leaves.keys()].join(', ')})`);
  }
  const result = new Map<string, ReminderPolicy>();
  const kinds = templateKinds();
  for (const [path, state] of leaves) {
    const override = overrides.states[path];
    if (override === null) continue;
    const base = state.meta.reminders;
    if (!base && !override) continue;
    const merged = policyFields.safeParse({ ...base, ...override });
    if (!merged.success) {
      problems.push(`"${path}": ${merged.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      continue;
    }
    if (!kinds.includes(merged.data.template)) {
      problems.push(`"${path}": no template "${merged.data.template}" (known: ${kinds.join(', ')})`);
      continue;
    }
    result.set(path, merged.data);
  }
  if (problems.length > 0) throw new Error(`Invalid reminder policies in ${source}:\n  - ${problems.join('\n  - ')}`);
  return result;
}

export function loadPolicies(file: string | undefined): PolicySet {
  return effectivePolicies(readPolicyOverrides(file), file);
}
