import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Runtime } from '../../app/runtime';
import { languageOf, type Language } from '../../machines/labels';
import { escapeHtml } from '../../notifications/templates';
import type { OfficeRecord } from '../../storage/types';
import { toHttpError } from '../errors';
import { LINK_TEXT, type LinkText } from './text';

/**
 * The frame of every page under /r/: the programme's name, the answer, a way to reach the
 * coordinator, in the office's language, readable on a phone. Errors too are such pages, never JSON.
 */
export const LINK_CSS_PATH = '/reply-links.css';

export type Tone = '' | 'problem' | 'done';

export interface PageContext {
  lang: Language;
  /** Who the office writes to: its own coordinator, or the programme's. */
  coordinator: string;
}

export async function contextOf(runtime: Runtime, office: OfficeRecord | undefined): Promise<PageContext> {
  return {
    lang: languageOf(office?.language),
    coordinator: office ? await runtime.reminders.reminders.coordinatorOf(office.id) : runtime.config.COORDINATOR_EMAIL,
  };
}

export const p = (text: string) => `<p>${escapeHtml(text)}</p>`;

export function sendPage(res: Response, status: number, ctx: PageContext, title: string, body: string, tone: Tone = ''): void {
  const t = LINK_TEXT[ctx.lang];
  const mail = escapeHtml(ctx.coordinator);
  const contact = escapeHtml(t.contact).replace('{email}', `<a href="mailto:${mail}">${mail}</a>`);
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    // Same-origin, not no-referrer: with no-referrer browsers post our own form with `Origin: null`.
    // The link (a credential) still never leaves in a Referer to another site.
    .set('Referrer-Policy', 'same-origin')
    .send(
      `<!doctype html><html lang="${ctx.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="robots" content="noindex"><title>${escapeHtml(title)} · ${escapeHtml(t.programme)}</title><link rel="stylesheet" href="${LINK_CSS_PATH}"></head>` +
        `<body><header class="brand"><p><strong>${escapeHtml(t.programme)}</strong><span>${escapeHtml(t.organization)}</span></p></header>` +
        `<main class="${tone}"><h1>${escapeHtml(title)}</h1>${body}</main>` +
        `<footer><p>${contact}</p></footer></body></html>`,
    );
}

export function problemPage(res: Response, status: number, ctx: PageContext, title: keyof LinkText, text: keyof LinkText, extra = ''): void {
  const t = LINK_TEXT[ctx.lang];
  sendPage(res, status, ctx, t[title], p(t[text]) + extra, 'problem');
}

/** The office a request's path names through a valid link, so even an error speaks its language. */
async function officeOfPath(runtime: Runtime, url: string): Promise<OfficeRecord | undefined> {
  const token = /^\/r\/([^/?#]+)/.exec(url)?.[1];
  if (!token) return undefined;
  const verdict = runtime.reminders.links.verify(token, runtime.engine.clock.now());
  return verdict.ok ? await runtime.engine.store.getOffice(verdict.claims.o) : undefined;
}

const PROBLEM_BY_STATUS: Record<number, [keyof LinkText, keyof LinkText]> = {
  403: ['crossSite', 'crossSiteText'],
  404: ['notFound', 'notFoundText'],
  413: ['tooLarge', 'tooLargeText'],
  429: ['tooMany', 'tooManyText'],
};

/** What /r/ answers beyond its routes: unknown paths, refused and oversized posts, rate limits. */
export function linkFallbacks(runtime: Runtime): { rateLimit: RequestHandler; notFound: RequestHandler; errors: ErrorRequestHandler } {
  const answer = async (res: Response, url: string, status: number) => {
    const [title, text] = PROBLEM_BY_STATUS[status] ?? ['problem', 'problemText'];
    problemPage(res, status, await contextOf(runtime, status === 429 ? undefined : await officeOfPath(runtime, url)), title, text);
  };
  return {
    // Anyone on the Internet can reach these pages: a budget per address.
    rateLimit: rateLimit({
      windowMs: 60_000,
      limit: 60,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: async (req, res) => await answer(res, req.originalUrl, 429),
    }),
    notFound: async (req, res) => await answer(res, req.originalUrl, 404),
    errors: async (error, req, res, next) => {
      if (res.headersSent) return next(error);
      const http = toHttpError(error);
      // A failure of ours stays a failure for the logs and the main error handler.
      if (http.status >= 500) return next(error);
      await answer(res, req.originalUrl, http.status);
    },
  };
}
