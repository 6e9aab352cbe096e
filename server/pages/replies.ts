import type { Response } from 'express';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import type { InboundMail } from '../../storage/mailbox-store';
import { toHttpError } from '../errors';
import { numericIdParams } from '../input';
import { route, type AnyRoute } from '../route';
import { html, type Html } from './html';
import { when } from './layout';
import { csrf, errorPage, shell } from './programme-views';

/** Programme → Replies: messages read from the mailbox that matched no office, and the form that assigns one. */
const BACK = '/programme/replies';
const assignBody = z.object({ officeId: z.string().trim().min(1).max(200) });
const doneQuery = z.object({ done: z.string().max(200).optional() });

function excerpt(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

function row(mail: InboundMail, token: string | undefined): Html {
  return html`<tr><td>${when(mail.receivedAt)}</td><td>${mail.kind}</td><td>${mail.sender}</td><td>${mail.subject}</td><td>${excerpt(mail.text)}${
    mail.attachments.length ? html`<div class="small muted">Attachments: ${mail.attachments.join(', ')}</div>` : ''
  }</td><td><form method="post" action="${BACK}/${mail.id}/assign">${csrf(token)}<label class="field" for="assign-${mail.id}">Office id<input type="text" id="assign-${mail.id}" name="officeId" required maxlength="200"></label><button class="btn secondary" type="submit">Assign<span class="sr-only"> message ${mail.id}</span></button></form></td></tr>`;
}

async function renderReplies(runtime: Runtime, token: string | undefined, done?: string): Promise<string> {
  const mails = await runtime.mailbox.store.unmatched(500);
  const body = html`<div class="page-head"><div><h1>Unmatched replies</h1>
<p class="muted">Messages read from the programme's mailbox that answer none of our emails and come from no office's contact address. Assign one to its office: it goes on the office's timeline, and a reply stops the office's reminders and is reported by email like a matched one.</p></div></div>
${done ? html`<div class="message ok" role="status">Assigned to <a href="/offices/${encodeURIComponent(done)}">${done}</a>.</div>` : ''}
${
  mails.length === 0
    ? html`<p class="muted" id="unmatched-none">No unmatched messages.</p>`
    : html`<div class="table-wrap"><table id="unmatched"><caption>Unmatched messages, oldest first</caption><thead><tr><th scope="col">Received</th><th scope="col">Kind</th><th scope="col">From</th><th scope="col">Subject</th><th scope="col">Text</th><th scope="col">Assign</th></tr></thead><tbody>${mails.map((m) => row(m, token))}</tbody></table></div>`
}`;
  return shell('Unmatched replies', BACK, body, token);
}

export function replyPageRoutes(runtime: Runtime): AnyRoute[] {
  const token = (res: Response) => (res.locals.principal as { csrfToken?: string } | undefined)?.csrfToken;
  const send = (res: Response, body: string, status = 200) => res.status(status).type('html').setHeader('Cache-Control', 'no-store').send(body);
  return [
    route({
      method: 'get',
      path: BACK,
      summary: 'Dashboard: messages from the mailbox that matched no office',
      tag: 'pages',
      access: 'viewer',
      produces: 'html',
      query: doneQuery,
      handler: async ({ query, res }) => send(res, await renderReplies(runtime, token(res), query.done)),
    }),
    route({
      method: 'post',
      path: `${BACK}/:id/assign`,
      summary: 'Dashboard form: assign an unmatched message to an office',
      tag: 'pages',
      access: 'coordinator',
      produces: 'html',
      params: numericIdParams,
      handler: async ({ req, params, res, actor }) => {
        const parsed = assignBody.safeParse(req.body ?? {});
        if (!parsed.success) return send(res, errorPage('Not assigned.', 'officeId: the office id is required.', BACK), 400);
        const id = Number(params.id);
        try {
          const done = await runtime.mailbox.inbox.assign(id, parsed.data.officeId, actor);
          if (!done) return send(res, errorPage('Not assigned.', `No unmatched message ${params.id}.`, BACK), 404);
          void runtime.reminders.dispatcher.nudge();
          res.redirect(303, `${BACK}?done=${encodeURIComponent(parsed.data.officeId)}`);
        } catch (error) {
          const http = toHttpError(error);
          if (http.status >= 500) throw error;
          send(res, errorPage('Not assigned.', http.message, BACK), http.status);
        }
      },
    }),
  ];
}
