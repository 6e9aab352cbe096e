import { z } from 'zod';
import { EngineError } from '../engine/errors';
import { countryCode, officeIdSchema } from '../engine/office-input';
import { allowedEvents, fromStored } from '../engine/snapshot';
import { allStates } from '../machines/describe';
import type { OfficeRecord } from '../storage/types';
import { createBroadcast, runBroadcast, type BroadcastView, type RunOptions } from './broadcast';
import type { ActorOptions, ProgrammeContext } from './context';
import { countriesOf, REGIONS } from './regions';

const stateNames = allStates().map((s) => s.path) as [string, ...string[]];

/** "FR, DE" or ["FR","DE"]; blank means no filter. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => {
    if (typeof value === 'string') value = value.split(/[\s,;]+/);
    if (Array.isArray(value)) {
      const items = value.map((v) => (typeof v === 'string' ? v.trim() : v)).filter((v) => v !== '');
      return items.length > 0 ? items : undefined;
    }
    return value;
  }, z.array(item).max(10_000).optional());

const blankIsAbsent = (v: unknown) => (v === '' ? undefined : v);

/** Which offices a bulk action is for; every filter given must hold. */
export const selectionSchema = z.object({
  state: z.preprocess(blankIsAbsent, z.enum(stateNames).optional()),
  country: list(countryCode),
  region: z.preprocess(blankIsAbsent, z.enum(REGIONS as [string, ...string[]]).optional()),
  track: z.preprocess(blankIsAbsent, z.enum(['kit', 'internet']).optional()),
  ids: list(officeIdSchema),
});
export type Selection = z.infer<typeof selectionSchema>;

export interface SelectedOffice {
  id: string;
  name: string;
  country: string;
  states: string[];
}

export interface LettersPreview {
  selection: Selection;
  /** Offices that will receive the letter. */
  count: number;
  offices: SelectedOffice[];
  /** Offices the selection matched that cannot take SEND_CIRCULAR now (already invited, …). */
  notEligible: (SelectedOffice & { reason: string })[];
  /** Ids asked for explicitly that do not exist. */
  unknownIds: string[];
}

async function selectOffices(ctx: ProgrammeContext, selection: Selection): Promise<OfficeRecord[]> {
  const countryLists: string[][] = [];
  if (selection.country) countryLists.push(selection.country);
  if (selection.region) countryLists.push(countriesOf(selection.region as (typeof REGIONS)[number]));
  const ids = await ctx.programme.selectOfficeIds({
    ...(selection.state ? { state: selection.state } : {}),
    countryLists,
    ...(selection.track ? { track: selection.track } : {}),
    ...(selection.ids ? { ids: selection.ids } : {}),
  });
  const offices: OfficeRecord[] = [];
  for (const id of ids) offices.push((await ctx.store.getOffice(id))!);
  return offices;
}

const summary = (o: OfficeRecord): SelectedOffice => ({ id: o.id, name: o.name, country: o.country, states: o.states });

/** What `sendLetters` would do with this selection; changes nothing. */
export async function previewLetters(ctx: ProgrammeContext, selection: Selection): Promise<LettersPreview> {
  const matched = await selectOffices(ctx, selection);
  const offices: SelectedOffice[] = [];
  const notEligible: LettersPreview['notEligible'] = [];
  for (const office of matched) {
    if (allowedEvents(fromStored(office.snapshot)).includes('SEND_CIRCULAR')) offices.push(summary(office));
    else notEligible.push({ ...summary(office), reason: `in ${office.states.join(' + ')}` });
  }
  const found = new Set(matched.map((o) => o.id));
  const unknownIds: string[] = [];
  for (const id of selection.ids ?? []) if (!found.has(id) && !(await ctx.store.getOffice(id))) unknownIds.push(id);
  return { selection, count: offices.length, offices, notEligible, unknownIds };
}

/** The letter as one office of the selection would read it: one per language and track of the selection. */
export interface LetterSample {
  language: string;
  officeId: string;
  officeName: string;
  track: OfficeRecord['track'];
  recipients: string[];
  subject: string;
  text: string;
}

export type ComposeLetter = (office: OfficeRecord, letterRef: string | undefined) => Promise<Omit<LetterSample, 'officeId' | 'officeName' | 'track'>>;

/**
 * The exact text of the letter for the first office of each language among those the preview will
 * reach (and of each track), rendered by `compose` (the notifications feature's, the one that writes the real letters).
 */
export async function sampleLetters(ctx: ProgrammeContext, preview: LettersPreview, letterRef: string | undefined, compose: ComposeLetter): Promise<LetterSample[]> {
  const samples = new Map<string, LetterSample>();
  const seen = new Set<string>();
  for (const summary of preview.offices) {
    const office = await ctx.store.getOffice(summary.id);
    if (!office || seen.has(`${office.language}|${office.track}`)) continue;
    seen.add(`${office.language}|${office.track}`);
    const letter = await compose(office, letterRef);
    // The kit and the Internet tracks are asked different things: a sample of each.
    const key = `${letter.language}|${office.track}`;
    if (!samples.has(key)) samples.set(key, { officeId: office.id, officeName: office.name, track: office.track, ...letter });
  }
  return [...samples.values()];
}

/** The notifications feature's letter, as `sampleLetters` needs it. */
export function composeLetter(runtime: { reminders: { letters: { preview(office: OfficeRecord, letterRef?: string): ReturnType<ComposeLetter> } } }): ComposeLetter {
  return async (office, letterRef) => {
    const { recipients, subject, text, language } = await runtime.reminders.letters.preview(office, letterRef);
    return { recipients, subject, text, language };
  };
}

export const sendLettersSchema = z.object({
  selection: selectionSchema,
  letterRef: z.preprocess(blankIsAbsent, z.string().trim().max(200).optional()),
  /** The count the preview showed; when given and the selection now yields another, nothing is sent. */
  expectedCount: z.coerce.number().int().min(0).optional(),
});

/**
 * Sends SEND_CIRCULAR to every eligible office of the selection, as a broadcast: one transaction
 * per office, a result per office, resumable if interrupted.
 */
export async function sendLetters(
  ctx: ProgrammeContext,
  input: z.infer<typeof sendLettersSchema>,
  options: ActorOptions & RunOptions,
): Promise<BroadcastView> {
  const preview = await previewLetters(ctx, input.selection);
  if (input.expectedCount !== undefined && input.expectedCount !== preview.count) {
    throw new EngineError(
      'conflict',
      `The selection now matches ${preview.count} office(s), not the ${input.expectedCount} previewed: preview again.`,
      { expectedCount: input.expectedCount, count: preview.count },
    );
  }
  if (preview.count === 0) throw new EngineError('invalid_input', 'No office in the selection can be sent a circular letter.');
  const broadcast = await createBroadcast(
    ctx,
    {
      kind: 'letters',
      event: { type: 'SEND_CIRCULAR', ...(input.letterRef ? { letterRef: input.letterRef } : {}) },
      description: `Circular letter${input.letterRef ? ` ${input.letterRef}` : ''} to ${preview.count} office(s)`,
      officeIds: preview.offices.map((o) => o.id),
    },
    options,
  );
  return await runBroadcast(ctx, broadcast.id, options);
}
