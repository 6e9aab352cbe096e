import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'express';
import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { EngineError } from '../../engine/errors';
import { fromStored } from '../../engine/snapshot';
import { parseOfficeEvent, type OfficeEvent } from '../../machines/events';
import { LINK_ACTIONS, type LinkAction, type LinkClaims } from '../../notifications/links';
import { escapeHtml } from '../../notifications/templates';
import type { OfficeRecord } from '../../storage/types';
import { route, type AnyRoute } from '../route';

/**
 * Public pages behind the one-click reply links of reminder emails. Opening a link (GET) only shows
 * what it will do: mail scanners that fetch links change nothing. Confirming (POST) applies the event
 * with actor `office:<id> (link)` and records the link as used, in one transaction.
 */
const CSS = fs.readFileSync(path.join(__dirname, 'links.css'), 'utf8');
export const LINK_CSS_PATH = '/reply-links.css';

type Lang = 'en' | 'fr' | 'es';

const TEXT: Record<Lang, Record<string, string>> = {
  en: {
    confirm: 'Confirm that your Office wishes to take part in WIPOnet',
    decline: 'Decline the invitation to take part in WIPOnet',
    surveyed: 'Confirm that the site survey is done',
    ready: 'Confirm that your site is ready for the WIPOnet kit',
    difficulty: 'Report a difficulty with the site preparation',
    nominate: 'Nominate your focal point for training',
    installed: 'Confirm that the WIPOnet kit is installed',
    button: 'Confirm',
    reason: 'Reason',
    name: 'Name of the focal point',
    email: 'Email of the focal point',
    thanks: 'Thank you. Your answer has been recorded.',
    invalid: 'This link is not valid',
    invalidText: 'The link is damaged or was changed. Please use the link exactly as it appears in the email.',
    expired: 'This link has expired',
    expiredText: 'Please reply to the email or contact your WIPOnet coordinator.',
    used: 'This link has already been used',
    usedText: 'Your answer was recorded on {date}. Nothing more is needed.',
    notNow: 'This answer can no longer be given',
    notNowText: 'The file of your Office has moved on since the email was sent, so this answer does not apply any more. Please contact your WIPOnet coordinator if something is not right.',
    gone: 'Unknown office',
    fix: 'Please correct the form.',
    office: 'Office',
  },
  fr: {
    confirm: 'Confirmer que votre Office souhaite participer à WIPOnet',
    decline: "Décliner l'invitation à participer à WIPOnet",
    surveyed: "Confirmer que l'étude du site est terminée",
    ready: 'Confirmer que votre site est prêt à recevoir le kit WIPOnet',
    difficulty: 'Signaler une difficulté dans la préparation du site',
    nominate: 'Désigner votre correspondant pour la formation',
    installed: 'Confirmer que le kit WIPOnet est installé',
    button: 'Confirmer',
    reason: 'Raison',
    name: 'Nom du correspondant',
    email: 'Adresse électronique du correspondant',
    thanks: 'Merci. Votre réponse a été enregistrée.',
    invalid: "Ce lien n'est pas valide",
    invalidText: "Le lien est endommagé ou a été modifié. Veuillez utiliser le lien tel qu'il figure dans le message.",
    expired: 'Ce lien a expiré',
    expiredText: 'Veuillez répondre au message ou contacter votre coordinateur WIPOnet.',
    used: 'Ce lien a déjà été utilisé',
    usedText: 'Votre réponse a été enregistrée le {date}. Rien de plus n’est nécessaire.',
    notNow: 'Cette réponse ne peut plus être donnée',
    notNowText: "Le dossier de votre Office a évolué depuis l'envoi du message ; cette réponse ne s'applique plus. Contactez votre coordinateur WIPOnet si quelque chose ne va pas.",
    gone: 'Office inconnu',
    fix: 'Veuillez corriger le formulaire.',
    office: 'Office',
  },
  es: {
    confirm: 'Confirmar que su Oficina desea participar en WIPOnet',
    decline: 'Declinar la invitación a participar en WIPOnet',
    surveyed: 'Confirmar que el estudio del local está terminado',
    ready: 'Confirmar que su local está listo para el kit WIPOnet',
    difficulty: 'Informar de una dificultad en la preparación del local',
    nominate: 'Designar a su punto focal para la formación',
    installed: 'Confirmar que el kit WIPOnet está instalado',
    button: 'Confirmar',
    reason: 'Motivo',
    name: 'Nombre del punto focal',
    email: 'Correo electrónico del punto focal',
    thanks: 'Gracias. Su respuesta ha quedado registrada.',
    invalid: 'Este enlace no es válido',
    invalidText: 'El enlace está dañado o fue modificado. Utilice el enlace tal como aparece en el mensaje.',
    expired: 'Este enlace ha caducado',
    expiredText: 'Responda al mensaje o póngase en contacto con su coordinador de WIPOnet.',
    used: 'Este enlace ya se ha utilizado',
    usedText: 'Su respuesta quedó registrada el {date}. No hace falta nada más.',
    notNow: 'Esta respuesta ya no puede darse',
    notNowText: 'El expediente de su Oficina ha avanzado desde el envío del mensaje, por lo que esta respuesta ya no se aplica. Póngase en contacto con su coordinador de WIPOnet si algo no es correcto.',
    gone: 'Oficina desconocida',
    fix: 'Corrija el formulario.',
    office: 'Oficina',
  },
};

const langOf = (office: OfficeRecord | undefined): Lang => {
  const l = office?.language;
  return l === 'fr' || l === 'es' ? l : 'en';
};

function page(res: Response, status: number, lang: Lang, title: string, body: string, tone: '' | 'problem' | 'done' = ''): void {
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .set('Referrer-Policy', 'no-referrer')
    .send(
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="${LINK_CSS_PATH}"></head>` +
        `<body><main class="${tone}"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}

const p = (text: string) => `<p>${escapeHtml(text)}</p>`;

function form(token: string, action: LinkAction, lang: Lang, values: Record<string, string> = {}, error?: string): string {
  const t = TEXT[lang];
  const input = LINK_ACTIONS[action].input;
  const field = (name: string, label: string, type: string) =>
    `<label for="${name}">${escapeHtml(label)}</label><input id="${name}" name="${name}" type="${type}" required maxlength="300" value="${escapeHtml(values[name] ?? '')}">`;
  const fields =
    input === 'reason'
      ? `<label for="reason">${escapeHtml(t.reason!)}</label><textarea id="reason" name="reason" rows="4" required maxlength="2000">${escapeHtml(values.reason ?? '')}</textarea>`
      : input === 'focalPoint'
        ? field('name', t.name!, 'text') + field('email', t.email!, 'email')
        : '';
  return (
    (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '') +
    `<form method="post" action="/r/${escapeHtml(token)}">${fields}<button type="submit">${escapeHtml(t.button!)}</button></form>`
  );
}

function eventOf(action: LinkAction, body: Record<string, unknown>): ReturnType<typeof parseOfficeEvent> {
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const raw: Record<string, unknown> = { type: LINK_ACTIONS[action].event };
  if (LINK_ACTIONS[action].input === 'reason') raw.reason = str('reason');
  if (LINK_ACTIONS[action].input === 'focalPoint') {
    raw.name = str('name');
    raw.email = str('email');
  }
  return parseOfficeEvent(raw);
}

export function linkRoutes(runtime: Runtime): AnyRoute[] {
  const { engine } = runtime;
  const feature = runtime.reminders;
  const params = z.object({ token: z.string().max(2000) });

  /** Checks the link; answers the problem page and returns null when it cannot be used. */
  const check = (token: string, res: Response): { claims: LinkClaims; office: OfficeRecord; lang: Lang } | null => {
    const verdict = feature.links.verify(token, engine.clock.now());
    const office = verdict.claims ? engine.store.getOffice(verdict.claims.o) : undefined;
    const lang = langOf(office);
    const t = TEXT[lang];
    if (!verdict.ok) {
      if (verdict.reason === 'expired') page(res, 410, lang, t.expired!, p(t.expiredText!), 'problem');
      else page(res, 400, lang, t.invalid!, p(t.invalidText!), 'problem');
      return null;
    }
    if (!office) {
      page(res, 404, lang, t.gone!, '', 'problem');
      return null;
    }
    const used = feature.store.linkUse(verdict.claims.n);
    if (used) {
      page(res, 410, lang, t.used!, p(t.usedText!.replace('{date}', used.used_at.slice(0, 10))), 'problem');
      return null;
    }
    const snapshot = fromStored(office.snapshot);
    const event = LINK_ACTIONS[verdict.claims.a].event;
    if (!snapshot.can({ type: event } as Parameters<typeof snapshot.can>[0])) {
      page(res, 409, lang, t.notNow!, p(t.notNowText!), 'problem');
      return null;
    }
    return { claims: verdict.claims, office, lang };
  };

  const header = (office: OfficeRecord, lang: Lang) => `<p class="muted">${escapeHtml(TEXT[lang].office!)}: ${escapeHtml(office.name)}</p>`;

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
      summary: 'Reply link from a reminder email: shows what it will do',
      tag: 'links',
      access: 'public',
      produces: 'html',
      params,
      handler: ({ params: { token }, res }) => {
        const ok = check(token, res);
        if (!ok) return;
        const { claims, office, lang } = ok;
        page(res, 200, lang, TEXT[lang][claims.a]!, header(office, lang) + form(token, claims.a, lang));
      },
    }),
    route({
      method: 'post',
      path: '/r/:token',
      summary: 'Reply link from a reminder email: applies its event once',
      tag: 'links',
      access: 'public',
      produces: 'html',
      params,
      handler: ({ params: { token }, req, res }) => {
        const ok = check(token, res);
        if (!ok) return;
        const { claims, office, lang } = ok;
        const t = TEXT[lang];
        const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
        const parsed = eventOf(claims.a, body);
        if (!parsed.ok) {
          const values = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
          page(res, 400, lang, t[claims.a]!, header(office, lang) + form(token, claims.a, lang, values, t.fix), 'problem');
          return;
        }
        try {
          applyLink(runtime, claims, parsed.event);
        } catch (error) {
          if (error instanceof EngineError && error.code === 'event_not_allowed') {
            page(res, 409, lang, t.notNow!, p(t.notNowText!), 'problem');
            return;
          }
          if (error instanceof EngineError && error.code === 'conflict') {
            page(res, 410, lang, t.used!, p(t.usedText!.replace('{date}', engine.clock.now().toISOString().slice(0, 10))), 'problem');
            return;
          }
          throw error;
        }
        page(res, 200, lang, t.thanks!, header(office, lang) + p(t[claims.a]!), 'done');
      },
    }),
  ];
}

/** Applies a link's event and marks the link used, in one transaction: a link applies once. */
export function applyLink(runtime: Runtime, claims: LinkClaims, event: OfficeEvent): void {
  const { engine } = runtime;
  const store = runtime.reminders.store;
  engine.unitOfWork(() => {
    if (store.linkUse(claims.n)) throw new EngineError('conflict', 'This link has already been used.');
    const actor = `office:${claims.o} (link)`;
    const record = engine.apply(claims.o, event, { actor });
    const at = record.at.toISOString();
    store.useLink(claims.n, claims.o, claims.a, at, record.entry.seq);
    store.log(claims.o, at, 'LINK_USED', null, null, { action: claims.a, event: event.type, seq: record.entry.seq }, actor);
  });
}

