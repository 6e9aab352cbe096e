import { z, type ZodType } from 'zod';
import type { Runtime } from '../../app/runtime';
import { computeDurations } from '../../analytics/durations';
import { loadHistory } from '../../analytics/episodes';
import { computeFlow } from '../../analytics/flow';
import { computeFunnel } from '../../analytics/funnel';
import { computeSla, withSlaOverrides } from '../../analytics/sla';
import { computeSlowest } from '../../analytics/slowest';
import { sendCsv, wantsCsv } from '../csv';
import { route, type AnyRoute } from '../route';
import { parsePolicyOverrides, policyParam, scopeOf, scopeQuery } from './analytics-query';
import { durationsSchema, flowSchema, funnelSchema, slaSchema, slowestSchema } from './analytics-schemas';

/** Where the time goes: durations, funnel, flow, SLA outcomes and the slowest offices, from history. */
export function analyticsRoutes(runtime: Runtime): AnyRoute[] {
  const { storage, engine } = runtime;
  const policies = runtime.reminders.policies;
  const now = () => engine.clock.now();
  const tag = 'analytics';
  // format=csv (or Accept: text/csv) answers the same figures as a CSV file.
  const answer = <R>(description: string, schema: ZodType<R>) => ({ 200: { description, schema, text: ['text/csv'] } });
  return [
    route({
      method: 'get',
      path: '/api/analytics/durations',
      summary: 'Per state: stays begun and ended in the period, and time in state (median, p75, p90, max; calendar and business days); offices still inside count their time so far',
      tag,
      access: 'viewer',
      query: scopeQuery,
      responses: answer('Time in each state over the period', durationsSchema),
      handler: async ({ query, req, res }) => {
        const result = computeDurations(await loadHistory(storage.history), scopeOf(query, now()));
        if (!wantsCsv(req, query.format)) return result;
        const cols = (s: (typeof result.states)[number], k: 'calendarDays' | 'businessDays') => [s[k]?.median, s[k]?.p75, s[k]?.p90, s[k]?.max];
        sendCsv(
          res,
          `durations-${result.from}-to-${result.to}`,
          ['state', 'label', 'kind', 'owner', 'entered', 'left', 'still_inside', 'sample', 'median_days', 'p75_days', 'p90_days', 'max_days', 'median_business_days', 'p75_business_days', 'p90_business_days', 'max_business_days'],
          result.states.map((s) => [s.state, s.label, s.kind, s.owner, s.entered, s.left, s.stillInside, s.sample, ...cols(s, 'calendarDays'), ...cols(s, 'businessDays')]),
        );
      },
    }),
    route({
      method: 'get',
      path: '/api/analytics/funnel',
      summary: 'Offices first invited in the period: how many reached each step (affirmative reply, trained, installed or connected, handed over), conversion and median days from the step before',
      tag,
      access: 'viewer',
      query: scopeQuery,
      responses: answer('The funnel steps of the offices first invited in the period', funnelSchema),
      handler: async ({ query, req, res }) => {
        const result = computeFunnel(await loadHistory(storage.history), scopeOf(query, now()));
        if (!wantsCsv(req, query.format)) return result;
        sendCsv(
          res,
          `funnel-${result.from}-to-${result.to}`,
          ['step', 'label', 'offices', 'conversion', 'of_invited', 'median_days_from_previous'],
          result.steps.map((s) => [s.step, s.label, s.offices, s.conversion, s.ofInvited, s.medianDaysFromPrevious]),
        );
      },
    }),
    route({
      method: 'get',
      path: '/api/analytics/flow',
      summary: 'Offices in each top-level stage at the end of every week or month of the period (a cumulative flow diagram)',
      tag,
      access: 'viewer',
      query: scopeQuery.extend({ interval: z.enum(['week', 'month']).default('month') }),
      responses: answer('Offices per stage at the end of each interval', flowSchema),
      handler: async ({ query, req, res }) => {
        const result = computeFlow(await loadHistory(storage.history), scopeOf(query, now()), query.interval);
        if (!wantsCsv(req, query.format)) return result;
        sendCsv(
          res,
          `flow-${result.interval}-${result.from}-to-${result.to}`,
          ['at', ...result.stages.map((s) => s.stage)],
          result.points.map((p) => [p.at, ...result.stages.map((s) => p.stages[s.stage] ?? 0)]),
        );
      },
    }),
    route({
      method: 'get',
      path: '/api/analytics/sla',
      summary: 'Per quarter and state: share of stays that left within their SLA, share stalled, escalations, recomputed from history; policy=state:P45D applies another SLA to the past',
      tag,
      access: 'viewer',
      query: scopeQuery.extend({ policy: policyParam }),
      responses: answer('SLA outcomes per quarter and state', slaSchema),
      handler: async ({ query, req, res }) => {
        const overrides = parsePolicyOverrides(query.policy, policies);
        const result = computeSla(await loadHistory(storage.history), scopeOf(query, now()), withSlaOverrides(policies, overrides), new Set(Object.keys(overrides)));
        if (!wantsCsv(req, query.format)) return result;
        sendCsv(
          res,
          `sla-${result.from}-to-${result.to}`,
          ['quarter', 'state', 'label', 'sla', 'entries', 'within_sla', 'stalled', 'escalated', 'open', 'share_within_sla', 'share_stalled'],
          result.rows.map((r) => [r.quarter, r.state, r.label, r.sla, r.entries, r.withinSla, r.stalled, r.escalated, r.open, r.shareWithinSla, r.shareStalled]),
        );
      },
    }),
    route({
      method: 'get',
      path: '/api/analytics/slowest',
      summary: 'The offices longest in each waiting state at the end of the period, with who and what they wait for',
      tag,
      access: 'viewer',
      query: scopeQuery.extend({ perState: z.coerce.number().int().min(1).max(100).default(5) }),
      responses: answer('The longest waiting offices of each state', slowestSchema),
      handler: async ({ query, req, res }) => {
        const result = computeSlowest(await loadHistory(storage.history), scopeOf(query, now()), policies, query.perState);
        if (!wantsCsv(req, query.format)) return result;
        sendCsv(
          res,
          `slowest-offices-${result.asOf.slice(0, 10)}`,
          ['office_id', 'name', 'country', 'state', 'label', 'entered_at', 'days', 'business_days', 'overdue', 'waiting_on', 'next_steps', 'reason'],
          result.states.flatMap((s) =>
            s.offices.map((o) => [o.officeId, o.name, o.country, o.state, o.label, o.enteredAt, o.days, o.businessDays, o.overdue ? 'yes' : 'no', o.waitingOn, o.nextSteps.join('; '), o.reason]),
          ),
        );
      },
    }),
  ];
}
