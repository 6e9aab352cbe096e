import type { Response } from 'express';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import type { DeliveryView, SubscriptionView } from '../../storage/webhook-store';
import { subscriptionView, WEBHOOK_EVENT_TYPES } from '../../storage/webhook-store';
import { toHttpError } from '../errors';
import { idParams, route, type AnyRoute } from '../route';
import { createWebhookBody, webhookActions, webhookStages } from '../api/webhook-actions';
import { stateLabel } from './data';
import { html, type Html } from './html';
import { when } from './layout';
import { errorPage, shell } from './programme-views';

/** Programme → Webhooks: subscriptions, their recent deliveries, and the forms that change them (admin). */
const csrf = (token: string | undefined) => (token ? html`<input type="hidden" name="_csrf" value="${token}">` : '');
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const BACK = '/programme/webhooks';

const DONE: Record<string, string> = {
  enabled: 'Webhook enabled.',
  disabled: 'Webhook disabled.',
  deleted: 'Webhook deleted.',
  redeliver: 'Delivery queued again.',
};

function deliveriesTable(subscription: SubscriptionView, deliveries: DeliveryView[], token: string | undefined): Html {
  if (deliveries.length === 0) return html`<p class="muted">No deliveries yet.</p>`;
  return html`<div class="table-wrap"><table><caption>Latest deliveries to ${subscription.url}</caption><thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col" class="num">Response</th><th scope="col">Created</th><th scope="col">Last attempt</th><th scope="col">Error</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead><tbody>${deliveries.map(
    (d) => html`<tr><td>${d.event}</td><td>${d.status}</td><td class="num">${d.attempts}</td><td class="num">${d.responseStatus ?? '—'}</td><td>${when(d.createdAt)}</td><td>${when(d.lastAttemptAt)}${d.durationMs !== null ? html` (${d.durationMs} ms)` : ''}</td><td>${d.lastError ?? ''}</td><td>${
      d.status === 'sending'
        ? ''
        : html`<form method="post" action="${BACK}/${encodeURIComponent(subscription.id)}/deliveries/${encodeURIComponent(d.id)}/redeliver">${csrf(token)}<button class="btn secondary" type="submit">Redeliver<span class="sr-only"> ${d.id}</span></button></form>`
    }</td></tr>`,
  )}</tbody></table></div>`;
}

async function renderWebhooks(runtime: Runtime, token: string | undefined, options: { done?: string; secret?: { url: string; secret: string } } = {}): Promise<string> {
  const store = runtime.webhooks.store;
  const subs = (await store.list()).map(subscriptionView);
  const message = options.done ? DONE[options.done] : undefined;
  const body = html`<div class="page-head"><div><h1>Webhooks</h1>
<p class="muted">Each subscribed URL receives the chosen events as signed JSON (Standard Webhooks: <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>), retried for up to 24 hours. A URL that fails for a whole day is disabled and the coordinator is told by email.</p></div></div>
${message ? html`<div class="message ok" role="status">${message}</div>` : ''}
${
  options.secret
    ? html`<div class="message ok" role="status"><strong>Webhook created for ${options.secret.url}.</strong> Its signing secret is shown this once only; copy it now: <code>${options.secret.secret}</code></div>`
    : ''
}
${
  subs.length === 0
    ? html`<p class="muted">No webhooks yet.</p>`
    : await Promise.all(subs.map(
        async (s) => html`<section class="card" aria-labelledby="wh-${s.id}"><h2 id="wh-${s.id}">${s.url}</h2>
<p>${s.description ? html`${s.description} · ` : ''}${s.events.join(', ')}${
          s.filter.eventTypes.length || s.filter.stages.length
            ? html` · only ${[...s.filter.eventTypes, ...s.filter.stages.map((st) => `${stateLabel(st)} (stage)`)].join(', ')}`
            : ''
        }</p>
<p>${s.enabled ? html`<strong>Enabled</strong>` : html`<strong>Disabled</strong>${s.disabledReason ? html`: ${s.disabledReason}` : ''}`}${
          s.failingSince ? html` · failing since ${when(s.failingSince)}` : ''
        }</p>
<div class="filters">
<form method="post" action="${BACK}/${encodeURIComponent(s.id)}/${s.enabled ? 'disable' : 'enable'}">${csrf(token)}<button class="btn secondary" type="submit">${s.enabled ? 'Disable' : 'Enable'}<span class="sr-only"> ${s.url}</span></button></form>
<form method="post" action="${BACK}/${encodeURIComponent(s.id)}/delete">${csrf(token)}<button class="btn secondary" type="submit">Delete<span class="sr-only"> ${s.url}</span></button></form>
</div>
${deliveriesTable(s, (await store.deliveries(s.id, undefined, 20, 0)).deliveries, token)}
</section>`,
      ))
}
<form class="card stack" method="post" action="${BACK}">${csrf(token)}
<h2>New webhook</h2>
<label class="field" for="wh-url">URL<input type="url" id="wh-url" name="url" required maxlength="2000" placeholder="https://tickets.example.org/hooks/onboarding"></label>
<label class="field" for="wh-desc">Description<input type="text" id="wh-desc" name="description" maxlength="500"></label>
<fieldset><legend>Events</legend>${WEBHOOK_EVENT_TYPES.map(
    (e) => html`<label class="field check" for="wh-e-${e}"><input type="checkbox" id="wh-e-${e}" name="events" value="${e}"${e === 'office.transition' ? ' checked' : ''}> ${e}</label>`,
  )}</fieldset>
<fieldset><legend>Transitions only into these stages (none ticked: every stage)</legend>${webhookStages.map(
    (st) => html`<label class="field check" for="wh-s-${st}"><input type="checkbox" id="wh-s-${st}" name="stages" value="${st}"> ${stateLabel(st)}</label>`,
  )}</fieldset>
<p><button class="btn" type="submit">Create webhook</button></p>
</form>`;
  return shell('Webhooks', BACK, body, token);
}

const doneQuery = z.object({ done: z.string().max(20).optional() });
const deliveryParams = z.object({ id: z.string().min(1).max(200), deliveryId: z.string().min(1).max(200) });

export function webhookPageRoutes(runtime: Runtime): AnyRoute[] {
  const actions = webhookActions(runtime);
  const token = (res: { locals: Record<string, unknown> }) => (res.locals.principal as { csrfToken?: string } | undefined)?.csrfToken;
  const send = (res: Response, body: string, status = 200) =>
    res.status(status).type('html').setHeader('Cache-Control', 'no-store').send(body);
  /** Runs a form's action: a redirect to the page on success, an explanation otherwise. */
  const act = async (res: Response, work: () => string | Promise<string>) => {
    try {
      res.redirect(303, await work());
    } catch (error) {
      const http = toHttpError(error);
      if (http.status >= 500) throw error;
      send(res, errorPage('Not done.', http.message, BACK), http.status);
    }
  };
  const form = (path: string, summary: string, handler: AnyRoute['handler'], params: z.ZodType = idParams) =>
    route({ method: 'post', path, summary, tag: 'pages', access: 'admin', produces: 'html', params, handler });
  return [
    route({
      method: 'get',
      path: BACK,
      summary: 'Dashboard: webhook subscriptions and their deliveries',
      tag: 'pages',
      access: 'admin',
      produces: 'html',
      query: doneQuery,
      handler: async ({ query, res }) => send(res, await renderWebhooks(runtime, token(res), { done: query.done })),
    }),
    route({
      method: 'post',
      path: BACK,
      summary: 'Dashboard form: create a webhook (the page shows its secret once)',
      tag: 'pages',
      access: 'admin',
      produces: 'html',
      handler: async ({ req, res, actor }) => {
        const raw = (req.body ?? {}) as Record<string, unknown>;
        const parsed = createWebhookBody.safeParse({
          url: raw.url,
          description: raw.description ?? '',
          events: list(raw.events),
          filter: { eventTypes: [], stages: list(raw.stages) },
        });
        if (!parsed.success) {
          const problem = parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; ');
          return send(res, errorPage('Not created.', problem, BACK), 400);
        }
        try {
          const created = await actions.create(parsed.data, actor);
          send(res, await renderWebhooks(runtime, token(res), { secret: { url: created.url, secret: created.secret } }), 201);
        } catch (error) {
          const http = toHttpError(error);
          if (http.status >= 500) throw error;
          send(res, errorPage('Not created.', http.message, BACK), http.status);
        }
      },
    }),
    form(`${BACK}/:id/enable`, 'Dashboard form: enable a webhook', async ({ params, res, actor }) =>
      await act(res, async () => (await actions.update((params as { id: string }).id, { enabled: true }, actor), `${BACK}?done=enabled`)),
    ),
    form(`${BACK}/:id/disable`, 'Dashboard form: disable a webhook', async ({ params, res, actor }) =>
      await act(res, async () => (await actions.update((params as { id: string }).id, { enabled: false }, actor), `${BACK}?done=disabled`)),
    ),
    form(`${BACK}/:id/delete`, 'Dashboard form: delete a webhook', async ({ params, res, actor }) =>
      await act(res, async () => (await actions.remove((params as { id: string }).id, actor), `${BACK}?done=deleted`)),
    ),
    form(
      `${BACK}/:id/deliveries/:deliveryId/redeliver`,
      'Dashboard form: send a delivery again',
      async ({ params, res, actor }) => {
        const p = params as z.infer<typeof deliveryParams>;
        await act(res, async () => (await actions.redeliver(p.id, p.deliveryId, actor), `${BACK}?done=redeliver`));
      },
      deliveryParams,
    ),
  ];
}
