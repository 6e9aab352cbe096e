import type { AnyStateNode } from 'xstate';
import type { OfficeEventType } from './events';
import type { StateMeta } from './meta';
import { officeMachine } from './office';

/**
 * The words users read for the chart, in every language the programme writes in. English state
 * labels are the machine's own `meta.label`; this file holds the other languages beside them, and
 * the wording of each event as a button ("Resolve the difficulty") and as a done message ("Site
 * difficulty resolved"). `tests/labels.test.ts` checks that every state and event has every language.
 */
export const LANGUAGES = ['en', 'fr', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** An office's language as one the programme writes in; anything else reads English. */
export function languageOf(code: string | null | undefined): Language {
  return code === 'fr' || code === 'es' ? code : 'en';
}

type Translated = Record<Exclude<Language, 'en'>, string>;

/** State labels in French and Spanish, keyed by state path. */
export const STATE_LABELS: Readonly<Record<string, Translated>> = {
  prospect: { fr: 'Prospect', es: 'Prospecto' },
  invited: { fr: 'Invité', es: 'Invitada' },
  declined: { fr: 'Refusé', es: 'Rechazado' },
  preparing: { fr: 'Préparation', es: 'Preparación' },
  'preparing.site': { fr: 'Site', es: 'Sitio' },
  'preparing.site.surveying': { fr: 'Étude du site', es: 'Estudio del sitio' },
  'preparing.site.inProgress': { fr: 'Travaux sur le site', es: 'Obras en el sitio' },
  'preparing.site.blocked': { fr: 'Difficulté sur le site', es: 'Dificultad en el sitio' },
  'preparing.site.ready': { fr: 'Site prêt', es: 'Sitio listo' },
  'preparing.training': { fr: 'Formation', es: 'Formación' },
  'preparing.training.awaitingNomination': { fr: 'Désignation attendue', es: 'Designación pendiente' },
  'preparing.training.nominated': { fr: 'Correspondant désigné', es: 'Coordinador designado' },
  'preparing.training.enrolled': { fr: 'Inscrit à un atelier', es: 'Inscrito en un taller' },
  'preparing.training.trained': { fr: 'Formé', es: 'Formado' },
  deployment: { fr: 'Déploiement', es: 'Despliegue' },
  'deployment.awaitingKit': { fr: 'Kit attendu', es: 'Kit pendiente' },
  'deployment.inTransit': { fr: 'Kit en route', es: 'Kit en camino' },
  'deployment.onHold': { fr: 'En attente', es: 'En espera' },
  'deployment.installing': { fr: 'Installation en cours', es: 'Instalación en curso' },
  connecting: { fr: 'Connexion en cours', es: 'Conexión en curso' },
  connected: { fr: 'Connecté', es: 'Conectado' },
  installed: { fr: 'Installé', es: 'Instalado' },
  handedOver: { fr: 'Remis aux opérations', es: 'Entregado a operaciones' },
  withdrawn: { fr: 'Retiré', es: 'Retirado' },
};

/** How an event reads: `action` on the button that sends it, `done` in the message after it. */
export interface EventWording {
  action: string;
  done: string;
}

export const EVENT_WORDING: Readonly<Record<OfficeEventType, Record<Language, EventWording>>> = {
  SEND_CIRCULAR: {
    en: { action: 'Send the circular letter', done: 'Circular letter sent' },
    fr: { action: 'Envoyer la lettre circulaire', done: 'Lettre circulaire envoyée' },
    es: { action: 'Enviar la carta circular', done: 'Carta circular enviada' },
  },
  REPLY_AFFIRMATIVE: {
    en: { action: 'Record a yes', done: 'Reply recorded: the office takes part' },
    fr: { action: 'Enregistrer un oui', done: 'Réponse enregistrée : l’office participe' },
    es: { action: 'Registrar un sí', done: 'Respuesta registrada: la oficina participa' },
  },
  REPLY_DECLINED: {
    en: { action: 'Record a no', done: 'Reply recorded: the office declines' },
    fr: { action: 'Enregistrer un non', done: 'Réponse enregistrée : l’office décline' },
    es: { action: 'Registrar un no', done: 'Respuesta registrada: la oficina declina' },
  },
  REOPEN: {
    en: { action: 'Invite again', done: 'Invited again' },
    fr: { action: 'Inviter à nouveau', done: 'Invité à nouveau' },
    es: { action: 'Invitar de nuevo', done: 'Invitada de nuevo' },
  },
  SITE_SURVEYED: {
    en: { action: 'Mark the site survey done', done: 'Site survey done' },
    fr: { action: 'Marquer l’étude du site terminée', done: 'Étude du site terminée' },
    es: { action: 'Marcar el estudio del sitio terminado', done: 'Estudio del sitio terminado' },
  },
  SITE_DIFFICULTY: {
    en: { action: 'Report a site difficulty', done: 'Site difficulty reported' },
    fr: { action: 'Signaler une difficulté sur le site', done: 'Difficulté sur le site signalée' },
    es: { action: 'Informar de una dificultad en el sitio', done: 'Dificultad en el sitio informada' },
  },
  DIFFICULTY_RESOLVED: {
    en: { action: 'Resolve the difficulty', done: 'Site difficulty resolved' },
    fr: { action: 'Lever la difficulté', done: 'Difficulté sur le site levée' },
    es: { action: 'Resolver la dificultad', done: 'Dificultad en el sitio resuelta' },
  },
  SITE_READY: {
    en: { action: 'Mark the site as ready', done: 'Site ready' },
    fr: { action: 'Marquer le site comme prêt', done: 'Site prêt' },
    es: { action: 'Marcar el sitio como listo', done: 'Sitio listo' },
  },
  FOCAL_POINT_NOMINATED: {
    en: { action: 'Nominate a focal point', done: 'Focal point nominated' },
    fr: { action: 'Désigner un correspondant', done: 'Correspondant désigné' },
    es: { action: 'Designar un coordinador', done: 'Coordinador designado' },
  },
  ENROLLED: {
    en: { action: 'Enrol in a workshop', done: 'Enrolled in a workshop' },
    fr: { action: 'Inscrire à un atelier', done: 'Inscrit à un atelier' },
    es: { action: 'Inscribir en un taller', done: 'Inscrito en un taller' },
  },
  TRAINING_COMPLETED: {
    en: { action: 'Record training completed', done: 'Training completed' },
    fr: { action: 'Enregistrer la formation suivie', done: 'Formation suivie' },
    es: { action: 'Registrar la formación completada', done: 'Formación completada' },
  },
  NO_SHOW: {
    en: { action: 'Record a no-show', done: 'No-show recorded' },
    fr: { action: 'Enregistrer une absence', done: 'Absence enregistrée' },
    es: { action: 'Registrar una ausencia', done: 'Ausencia registrada' },
  },
  KIT_SHIPPED: {
    en: { action: 'Ship the kit', done: 'Kit shipped' },
    fr: { action: 'Expédier le kit', done: 'Kit expédié' },
    es: { action: 'Enviar el kit', done: 'Kit enviado' },
  },
  KIT_DELIVERED: {
    en: { action: 'Mark the kit as delivered', done: 'Kit delivered' },
    fr: { action: 'Marquer le kit comme livré', done: 'Kit livré' },
    es: { action: 'Marcar el kit como entregado', done: 'Kit entregado' },
  },
  KIT_INSTALLED: {
    en: { action: 'Mark the kit as installed', done: 'Kit installed' },
    fr: { action: 'Marquer le kit comme installé', done: 'Kit installé' },
    es: { action: 'Marcar el kit como instalado', done: 'Kit instalado' },
  },
  DEPLOYMENT_HELD: {
    en: { action: 'Hold the deployment', done: 'Deployment held' },
    fr: { action: 'Suspendre le déploiement', done: 'Déploiement suspendu' },
    es: { action: 'Suspender el despliegue', done: 'Despliegue suspendido' },
  },
  GOLD_DISK_RELEASED: {
    en: { action: 'Release the Gold Disk', done: 'Gold Disk released' },
    fr: { action: 'Publier le Gold Disk', done: 'Gold Disk publié' },
    es: { action: 'Publicar el Gold Disk', done: 'Gold Disk publicado' },
  },
  SERVICES_CONNECTED: {
    en: { action: 'Mark the services as connected', done: 'Services connected' },
    fr: { action: 'Marquer les services comme connectés', done: 'Services connectés' },
    es: { action: 'Marcar los servicios como conectados', done: 'Servicios conectados' },
  },
  HANDED_OVER: {
    en: { action: 'Mark as handed over', done: 'Handed over to IT operations' },
    fr: { action: 'Marquer comme remis aux opérations', done: 'Remis aux opérations informatiques' },
    es: { action: 'Marcar como entregado a operaciones', done: 'Entregado a operaciones informáticas' },
  },
  WITHDRAWN: {
    en: { action: 'Withdraw the office', done: 'Office withdrawn' },
    fr: { action: 'Retirer l’office', done: 'Office retiré' },
    es: { action: 'Retirar la oficina', done: 'Oficina retirada' },
  },
  DETAILS_UPDATED: {
    en: { action: 'Update the details', done: 'Details updated' },
    fr: { action: 'Mettre à jour les coordonnées', done: 'Coordonnées mises à jour' },
    es: { action: 'Actualizar los datos', done: 'Datos actualizados' },
  },
};

/**
 * Events whose effect cannot be undone by another event of the chart (or that act on many offices
 * at once): the dashboard asks for confirmation before sending them.
 */
export const IRREVERSIBLE_EVENTS: ReadonlySet<OfficeEventType> = new Set(['WITHDRAWN', 'HANDED_OVER', 'DEPLOYMENT_HELD']);

function nodeAt(path: string): AnyStateNode | undefined {
  let node: AnyStateNode | undefined = officeMachine.root;
  for (const key of path.split('.')) node = node?.states[key];
  return node;
}

/** A state's label in a language; the path itself only for a path the chart does not have. */
export function stateLabel(path: string, language: Language = 'en'): string {
  if (language !== 'en') {
    const translated = STATE_LABELS[path]?.[language];
    if (translated) return translated;
  }
  const meta = nodeAt(path)?.meta as StateMeta | undefined;
  return meta?.label ?? path;
}

export function eventAction(type: OfficeEventType, language: Language = 'en'): string {
  return EVENT_WORDING[type][language].action;
}

export function eventDone(type: OfficeEventType, language: Language = 'en'): string {
  return EVENT_WORDING[type][language].done;
}
