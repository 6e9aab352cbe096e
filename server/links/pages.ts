import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'express';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { EngineError } from '../../engine/errors';
import { fromStored } from '../../engine/snapshot';
import { parseOfficeEvent, type OfficeEvent } from '../../machines/events';
import { eventDone, stateLabel } from '../../machines/labels';
import { LINK_ACTIONS, type LinkAction, type LinkClaims } from '../../notifications/links';
import { escapeHtml } from '../../notifications/templates';
import type { OfficeRecord } from '../../storage/types';
import { route, type AnyRoute } from '../route';
import { contextOf, LINK_CSS_PATH, p, problemPage, sendPage, type PageContext } from './render';
import { LINK_TEXT, NEXT_STEPS } from './text';

/**
 * Public pages behind the one-click reply links of the circular letter and the reminders. Opening a
 * link (GET) only shows what it will do: mail scanners that fetch links change nothing. Confirming
 * (POST) applies the event with actor `office:<id> (link)` and records the link as used, in one
 * transaction. A link answers the state entry it was sent for, once.
 */
const CSS = fs.readFileSync(path.join(__dirname, 'links.css'), 'utf8');

/** Why a genuine, unexpired link of a known office cannot act now. */
type Standing = 'ok' | 'used' | 'earlier' | 'notNow';

async function standingOf(runtime: Runtime, claims: LinkClaims, office: OfficeRecord): Promise<Standing> {
  if (await runtime.reminders.store.linkUse(claims.n)) return 'used';
  if (claims.s !== undefined) {
    const entered = office.enteredAt[claims.s];
    // Still in that state, entered again since: the link came with an earlier letter.
    if (entered !== undefined && Date.parse(entered) !== claims.e) return 'earlier';
    if (entered === undefined) return 'notNow';
  }
  const snapshot = fromStored(office.snapshot);
  return snapshot.can({ type: LINK_ACTIONS[claims.a].event } as Parameters<typeof snapshot.can>[0]) ? 'ok' : 'notNow';
}

class LinkRefused extends Error {
  constructor(readonly standing: Exclude<Standing, 'ok'>) {
    super(standing);
  }
}

function formatDay(iso: string, lang: string): string {
  return new Intl.DateTimeFormat([lang, 'en'], { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
}

async function refusal(runtime: Runtime, res: Response, ctx: PageContext, standing: Exclude<Standing, 'ok'>, claims: LinkClaims): Promise<void> {
  const t = LINK_TEXT[ctx.lang];
  if (standing === 'used') {
    const used = await runtime.reminders.store.linkUse(claims.n);
    const date = formatDay(used?.used_at ?? runtime.engine.clock.now().toISOString(), ctx.lang);
    sendPage(res, 410, ctx, t.used, p(t.usedText.replace('{date}', date)), 'problem');
  } else if (standing === 'earlier') problemPage(res, 410, ctx, 'earlier', 'earlierText');
  else problemPage(res, 409, ctx, 'notNow', 'notNowText');
}

function form(token: string, action: LinkAction, ctx: PageContext, values: Record<string, string> = {}, error?: string): string {
  const t = LINK_TEXT[ctx.lang];
  const input = LINK_ACTIONS[action].input;
  const field = (name: string, label: string, type: string, autocomplete: string) =>
    `<label for="${name}">${escapeHtml(label)}</label><input id="${name}" name="${name}" type="${type}" autocomplete="${autocomplete}" required maxlength="300" value="${escapeHtml(values[name] ?? '')}">`;
  // A no may come without a reason; a site difficulty needs its description.
  const reasonRequired = action !== 'decline';
  const fields =
    input === 'reason'
      ? `<label for="reason">${escapeHtml(reasonRequired ? t.reason : t.reasonOptional)}</label><textarea id="reason" name="reason" rows="4"${reasonRequired ? ' required' : ''} maxlength="2000">${escapeHtml(values.reason ?? '')}</textarea>`
      : input === 'focalPoint'
        ? field('name', t.name, 'text', 'name') + field('email', t.email, 'email', 'email')
        : '';
  const button = action === 'confirm' ? t.answerYes : action === 'decline' ? t.answerNo : t.button;
  return (
    (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '') +
    `<form method="post" action="/r/${escapeHtml(token)}">${fields}<button type="submit">${escapeHtml(button)}</button></form>`
  );
}

function eventOf(action: LinkAction, body: Record<string, unknown>): ReturnType<typeof parseOfficeEvent> {
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const raw: Record<string, unknown> = { type: LINK_ACTIONS[action].event };
  if (LINK_ACTIONS[action].input === 'reason' && (action !== 'decline' || str('reason').trim() !== '')) raw.reason = str('reason');
  if (LINK_ACTIONS[action].input === 'focalPoint') {
    raw.name = str('name');
    raw.email = str('email');
  }
  return parseOfficeEvent(raw);
}

/** After an answer: what was recorded, where the office stands now, what comes next. */
function donePage(res: Response, ctx: PageContext, claims: LinkClaims, office: OfficeRecord): void {
  const t = LINK_TEXT[ctx.lang];
  const event = LINK_ACTIONS[claims.a].event;
  const stage = stateLabel(office.stage, ctx.lang);
  let body = header(office, ctx) + p(eventDone(event, ctx.lang)) + p(t.nowAt.replace('{state}', stage));
  if (claims.a === 'confirm') body += p(t.nextYes.replace('{steps}', NEXT_STEPS[ctx.lang][office.track]));
  if (claims.a === 'decline') body += p(t.nextNo);
  sendPage(res, 200, ctx, t.thanks, body, 'done');
}

const header = (office: OfficeRecord, ctx: PageContext) => `<p class="muted">${escapeHtml(LINK_TEXT[ctx.lang].office)}: ${escapeHtml(office.name)}</p>`;

export function linkRoutes(runtime: Runtime): AnyRoute[] {
  const { engine } = runtime;
  const feature = runtime.reminders;
  // Any length reaches the handler, so a link too long is a page that says so, not a validation error.
  const params = z.object({ token: z.string() });

  /** Checks the link; answers the problem page and returns null when it cannot be used. */
  const check = async (token: string, res: Response): Promise<{ claims: LinkClaims; office: OfficeRecord; ctx: PageContext } | null> => {
    const verdict = feature.links.verify(token, engine.clock.now());
    const office = verdict.claims ? await engine.store.getOffice(verdict.claims.o) : undefined;
    const ctx = await contextOf(runtime, office);
    if (!verdict.ok) {
      if (verdict.reason === 'expired') problemPage(res, 410, ctx, 'expired', 'expiredText');
      else if (verdict.reason === 'too_long') problemPage(res, 414, ctx, 'tooLong', 'tooLongText');
      else problemPage(res, 400, ctx, 'invalid', 'invalidText');
      return null;
    }
    if (!office) {
      problemPage(res, 404, ctx, 'gone', 'goneText');
      return null;
    }
    const standing = await standingOf(runtime, verdict.claims, office);
    if (standing !== 'ok') {
      await refusal(runtime, res, ctx, standing, verdict.claims);
      return null;
    }
    return { claims: verdict.claims, office, ctx };
  };

  return [
    route({
      method: 'get',
      path: LINK_CSS_PATH,
      summary: 'Style of the reply-link pages',
      tag: 'links',
      access: 'public',
      produces: 'css',
      handler: ({ res }) => {
        res.type('css').set('Cache-Control', 'public, max-age=3600').send(CSS);
      },
    }),
    route({
      method: 'get',
      path: '/r/:token',
      summary: 'Reply link from a circular letter or reminder email: shows what it will do',
      tag: 'links',
      access: 'public',
      produces: 'html',
      params,
      handler: async ({ params: { token }, res }) => {
        const ok = await check(token, res);
        if (!ok) return;
        const { claims, office, ctx } = ok;
        sendPage(res, 200, ctx, LINK_TEXT[ctx.lang][claims.a], header(office, ctx) + form(token, claims.a, ctx));
      },
    }),
    route({
      method: 'post',
      path: '/r/:token',
      summary: 'Reply link from a circular letter or reminder email: applies its event once',
      tag: 'links',
      access: 'public',
      produces: 'html',
      params,
      handler: async ({ params: { token }, req, res }) => {
        const ok = await check(token, res);
        if (!ok) return;
        const { claims, office, ctx } = ok;
        const t = LINK_TEXT[ctx.lang];
        const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
        const parsed = eventOf(claims.a, body);
        if (!parsed.ok) {
          const values = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
          sendPage(res, 400, ctx, t[claims.a], header(office, ctx) + form(token, claims.a, ctx, values, t.fix), 'problem');
          return;
        }
        let after: OfficeRecord;
        try {
          after = await applyLink(runtime, claims, parsed.event);
        } catch (error) {
          if (error instanceof LinkRefused) return await refusal(runtime, res, ctx, error.standing, claims);
          if (error instanceof EngineError && error.code === 'event_not_allowed') return await refusal(runtime, res, ctx, 'notNow', claims);
          throw error;
        }
        donePage(res, ctx, claims, after);
      },
    }),
  ];
}

/**
 * Applies a link's event and marks the link used, in one transaction, after checking again inside
 * it that the link still stands: a link applies once, and only to the state entry it was sent for.
 */
export async function applyLink(runtime: Runtime, claims: LinkClaims, event: OfficeEvent): Promise<OfficeRecord> {
  const { engine } = runtime;
  const store = runtime.reminders.store;
  return await engine.transact(async () => {
    // Locked before the link is checked: where several connections write (PostgreSQL), a second
    // click waits here for the first to commit, then finds the link used.
    const office = await engine.store.getOfficeForUpdate(claims.o);
    if (!office) throw new LinkRefused('notNow');
    const standing = await standingOf(runtime, claims, office);
    if (standing !== 'ok') throw new LinkRefused(standing);
    const actor = `office:${claims.o} (link)`;
    const record = await engine.apply(claims.o, event, { actor });
    const at = record.at.toISOString();
    await store.useLink(claims.n, claims.o, claims.a, at, record.entry.seq);
    await store.log(claims.o, at, 'LINK_USED', null, null, { action: claims.a, event: event.type, seq: record.entry.seq }, actor);
    return record.office;
  });
}
