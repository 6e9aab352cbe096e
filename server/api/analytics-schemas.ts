/**
 * The analytics and forecast answers as JSON; `route()` checks each handler against its schema at
 * compile time and the `Same` lines tie the computed types to them the other way.
 */
import { z } from 'zod';
import type { DurationsResult } from '../../analytics/durations';
import type { FlowResult } from '../../analytics/flow';
import type { FunnelResult } from '../../analytics/funnel';
import type { SlaResult } from '../../analytics/sla';
import type { SlowestResult } from '../../analytics/slowest';
import type { ForecastView } from '../../forecast/service';
import { openApiComponents } from '../openapi';
import { counts, timestamp, type Same } from './schemas';

const count = z.number().int().min(0);
const day = z.iso.date();
const owner = z.enum(['office', 'wipo']);
const share = z.number().min(0).max(1);
const period = { from: day, to: day };

const spreadSchema = z.strictObject({ median: z.number(), p75: z.number(), p90: z.number(), max: z.number() });

export const durationsSchema = z
  .strictObject({
    ...period,
    asOf: timestamp,
    states: z.array(
      z.strictObject({
        state: z.string(),
        label: z.string(),
        kind: z.enum(['stage', 'leaf']),
        owner,
        entered: count,
        left: count,
        stillInside: count,
        sample: count,
        calendarDays: spreadSchema.nullable().describe('Days in the state; null when no stay counts'),
        businessDays: spreadSchema.nullable(),
      }),
    ),
  })
  .register(openApiComponents, { id: 'AnalyticsDurations' });

export const funnelSchema = z
  .strictObject({
    ...period,
    asOf: timestamp,
    steps: z.array(
      z.strictObject({
        step: z.string(),
        label: z.string(),
        offices: count,
        conversion: share.nullable().describe('Of the step before; null when it had no office'),
        ofInvited: share.nullable(),
        medianDaysFromPrevious: z.number().nullable(),
      }),
    ),
  })
  .register(openApiComponents, { id: 'AnalyticsFunnel' });

export const flowSchema = z
  .strictObject({
    ...period,
    interval: z.enum(['week', 'month']),
    stages: z.array(z.strictObject({ stage: z.string(), label: z.string() })),
    points: z.array(z.strictObject({ at: timestamp, stages: counts.describe('Offices in each stage at the end of the interval') })),
  })
  .register(openApiComponents, { id: 'AnalyticsFlow' });

export const slaSchema = z
  .strictObject({
    ...period,
    asOf: timestamp,
    policies: z.array(z.strictObject({ state: z.string(), sla: z.string().describe('ISO 8601 duration'), overridden: z.boolean() })),
    rows: z.array(
      z.strictObject({
        quarter: z.string().describe('e.g. 2026-Q1'),
        state: z.string(),
        label: z.string(),
        sla: z.string(),
        entries: count,
        withinSla: count,
        stalled: count,
        escalated: count,
        open: count,
        shareWithinSla: share.nullable(),
        shareStalled: share.nullable(),
      }),
    ),
  })
  .register(openApiComponents, { id: 'AnalyticsSla' });

export const slowestSchema = z
  .strictObject({
    asOf: timestamp,
    states: z.array(
      z.strictObject({
        state: z.string(),
        label: z.string(),
        inside: count,
        offices: z.array(
          z.strictObject({
            officeId: z.string(),
            name: z.string(),
            country: z.string(),
            state: z.string(),
            label: z.string(),
            enteredAt: timestamp,
            days: z.number().min(0),
            businessDays: z.number().min(0),
            overdue: z.boolean(),
            waitingOn: owner,
            nextSteps: z.array(z.string()),
            reason: z.string().nullable(),
          }),
        ),
      }),
    ),
  })
  .register(openApiComponents, { id: 'AnalyticsSlowest' });

const interval = z.strictObject({ expected: z.number(), low: z.number(), high: z.number() });

const programmeForecastSchema = z.strictObject({
  offices: count,
  engaged: count,
  installedOrConnectedBefore: count,
  handedOverBefore: count,
  installedOrConnected: interval.describe('By the deadline: the mean and the 80% interval'),
  handedOver: interval,
  engaged90: z
    .strictObject({ median: timestamp.nullable(), low: timestamp.nullable(), high: timestamp.nullable() })
    .describe('When 90% of the engaged offices are installed or connected; null: after the horizon'),
  curve: z.array(z.strictObject({ at: timestamp, low: z.number(), median: z.number(), high: z.number() })),
});

export const forecastSchema = z
  .strictObject({
    asOf: timestamp,
    deadline: timestamp,
    runs: z.number().int().min(1),
    seed: z.number().int().min(0),
    scenario: z.strictObject({ goldDisk: timestamp.nullable(), speedup: z.record(z.string(), z.number()) }).nullable(),
    baseline: programmeForecastSchema,
    withScenario: programmeForecastSchema.nullable().describe('Present when a scenario was given'),
    history: z.array(z.strictObject({ at: timestamp, installedOrConnected: count })),
    totalOffices: count.describe('Open offices forecast; `offices` is one page of them (limit, offset)'),
    offices: z.array(
      z.strictObject({
        officeId: z.string(),
        name: z.string(),
        country: z.string(),
        track: z.string(),
        states: z.array(z.string()),
        contact: z.strictObject({ name: z.string(), email: z.string() }).nullable(),
        probability: share.describe('Of being done by the deadline'),
        expected: timestamp.nullable(),
        low: timestamp.nullable(),
        high: timestamp.nullable(),
        longestState: z.string().nullable(),
        longestLabel: z.string().nullable(),
        push: z.number().nullable().describe('How much pushing this office (every remaining stay half as long) raises its probability'),
      }),
    ),
  })
  .register(openApiComponents, { id: 'Forecast' });

type ForecastAnswer = { [K in keyof ForecastView | 'totalOffices']: K extends keyof ForecastView ? ForecastView[K] : number };

const _durationsAgrees: Same<z.output<typeof durationsSchema>, DurationsResult> = true;
const _funnelAgrees: Same<z.output<typeof funnelSchema>, FunnelResult> = true;
const _flowAgrees: Same<z.output<typeof flowSchema>, FlowResult> = true;
const _slaAgrees: Same<z.output<typeof slaSchema>, SlaResult> = true;
const _slowestAgrees: Same<z.output<typeof slowestSchema>, SlowestResult> = true;
const _forecastAgrees: Same<z.output<typeof forecastSchema>, ForecastAnswer> = true;
