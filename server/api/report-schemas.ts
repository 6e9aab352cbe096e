/**
 * The progress report as JSON (`computeProgressReport`); `route()` checks the handler against it at
 * compile time and the `Same` line ties `ProgressReport` to it the other way.
 */
import { z } from 'zod';
import type { ProgressReport } from '../../programme/report/progress';
import { openApiComponents } from '../openapi';
import { counts, figuresSchema, timestamp, type Same } from './schemas';

const count = z.number().int().min(0);
const day = z.iso.date();
const owner = z.enum(['office', 'wipo']);

const stalledOfficeSchema = z.strictObject({
  officeId: z.string(),
  name: z.string(),
  country: z.string(),
  state: z.string(),
  stateLabel: z.string(),
  stage: z.string(),
  owner,
  enteredAt: timestamp,
  daysInState: z.number().int().min(0),
  daysOverdue: z.number().int().min(0),
});

export const progressReportSchema = z
  .strictObject({
    period: z.strictObject({
      from: day,
      to: day,
      start: timestamp.describe('First instant of `from`'),
      end: timestamp.describe('First instant after `to`: the report is computed as of this instant'),
      label: z.string().describe('"Q1 2026" for a calendar quarter, otherwise the two dates'),
    }),
    figures: figuresSchema.describe('The headline figures as the overview showed them at the end of the period'),
    installedInPeriod: count,
    installedTotal: count.describe('Kits installed to date: kit-track offices installed, or handed over after installing'),
    connectedInPeriod: count,
    connectedTotal: count.describe('Internet-track offices connected, or handed over after connecting: they get no kit'),
    preparingForDeployment: count,
    circularLettersInPeriod: count,
    affirmativeRepliesInPeriod: count,
    declinedInPeriod: count,
    focalPointsTrained: count,
    officesTrained: count,
    countriesTrained: count,
    workshopsPlanned: count,
    awaitingGoldDisk: count,
    keyIssues: z.strictObject({
      stalledOffices: count,
      groups: z.array(z.strictObject({ stage: z.string(), stageLabel: z.string(), owner, offices: count, longest: stalledOfficeSchema })),
      longestStalled: stalledOfficeSchema.nullable(),
      siteDifficulties: count,
    }),
    officesByStage: counts,
    installationsByQuarter: z.array(z.strictObject({ quarter: z.string().describe('e.g. 2026-Q1'), installed: count })),
    plannedWorkshops: z.array(z.strictObject({ id: z.string(), title: z.string(), city: z.string(), country: z.string(), start: day, end: day })),
    goldDiskVersion: z.string().nullable(),
  })
  .register(openApiComponents, { id: 'ProgressReport' });

const _reportAgrees: Same<z.output<typeof progressReportSchema>, ProgressReport> = true;
