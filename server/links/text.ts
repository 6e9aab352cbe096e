import type { Language } from '../../machines/labels';
import type { LinkAction } from '../../notifications/links';

/**
 * The words of the reply-link pages, in every language the programme writes in. `{x}` marks a
 * value filled in by the page. Titles of what a link does are keyed by its action.
 */
export type LinkText = Record<LinkAction, string> & {
  programme: string;
  organization: string;
  contact: string;
  office: string;
  answerYes: string;
  answerNo: string;
  button: string;
  reasonOptional: string;
  reason: string;
  name: string;
  email: string;
  thanks: string;
  nowAt: string;
  nextYes: string;
  nextNo: string;
  fix: string;
  invalid: string;
  invalidText: string;
  tooLong: string;
  tooLongText: string;
  expired: string;
  expiredText: string;
  used: string;
  usedText: string;
  earlier: string;
  earlierText: string;
  notNow: string;
  notNowText: string;
  gone: string;
  goneText: string;
  notFound: string;
  notFoundText: string;
  crossSite: string;
  crossSiteText: string;
  tooLarge: string;
  tooLargeText: string;
  tooMany: string;
  tooManyText: string;
  problem: string;
  problemText: string;
};

export const LINK_TEXT: Record<Language, LinkText> = {
  en: {
    programme: 'WIPOnet Project',
    organization: 'World Intellectual Property Organization',
    contact: 'Questions? Write to your WIPOnet coordinator at {email}.',
    office: 'Office',
    confirm: 'Confirm that your Office wishes to take part in WIPOnet',
    decline: 'Decline the invitation to take part in WIPOnet',
    surveyed: 'Confirm that the site survey is done',
    ready: 'Confirm that your site is ready for the WIPOnet kit',
    difficulty: 'Report a difficulty with the site preparation',
    nominate: 'Nominate your focal point for training',
    installed: 'Confirm that the WIPOnet kit is installed',
    answerYes: 'Yes, we wish to take part',
    answerNo: 'No, we decline',
    button: 'Confirm',
    reasonOptional: 'Reason (optional)',
    reason: 'Reason',
    name: 'Name of the focal point',
    email: 'Email of the focal point',
    thanks: 'Thank you. Your answer has been recorded.',
    nowAt: 'Your Office is now at the stage: {state}.',
    nextYes: 'We will write to you about the next steps: {steps}.',
    nextNo: 'If your Office changes its mind, write to us at any time.',
    fix: 'Please correct the form.',
    invalid: 'This link is not valid',
    invalidText: 'The link is damaged or was changed. Please use the link exactly as it appears in the email.',
    tooLong: 'This link is too long',
    tooLongText: 'The link was probably joined with other text when it was copied. Please use the link exactly as it appears in the email.',
    expired: 'This link has expired',
    expiredText: 'Please reply to the email or contact your WIPOnet coordinator.',
    used: 'This link has already been used',
    usedText: 'Your answer was recorded on {date}. Nothing more is needed.',
    earlier: 'This link belongs to an earlier letter',
    earlierText: 'Your Office has been sent a newer letter since this one. Please answer with the links in the most recent email.',
    notNow: 'This answer can no longer be given',
    notNowText: 'The file of your Office has moved on since the email was sent, so this answer does not apply any more. Please contact your WIPOnet coordinator if something is not right.',
    gone: 'Unknown office',
    goneText: 'The Office this link was sent for is no longer in the programme. Please contact your WIPOnet coordinator.',
    notFound: 'Page not found',
    notFoundText: 'There is no page at this address. Please use the link exactly as it appears in the email.',
    crossSite: 'This form did not come from this page',
    crossSiteText: 'For your safety, answers are accepted only from the page of the link itself. Please open the link from your email again and confirm there.',
    tooLarge: 'The answer is too long',
    tooLargeText: 'Please shorten your answer and send it again.',
    tooMany: 'Too many attempts',
    tooManyText: 'Please wait a minute and try again.',
    problem: 'This request cannot be handled',
    problemText: 'Please open the link from your email again.',
  },
  fr: {
    programme: 'Projet WIPOnet',
    organization: 'Organisation Mondiale de la Propriété Intellectuelle',
    contact: 'Des questions ? Écrivez à votre coordinateur WIPOnet : {email}.',
    office: 'Office',
    confirm: 'Confirmer que votre Office souhaite participer à WIPOnet',
    decline: "Décliner l'invitation à participer à WIPOnet",
    surveyed: "Confirmer que l'étude du site est terminée",
    ready: 'Confirmer que votre site est prêt à recevoir le kit WIPOnet',
    difficulty: 'Signaler une difficulté dans la préparation du site',
    nominate: 'Désigner votre correspondant pour la formation',
    installed: 'Confirmer que le kit WIPOnet est installé',
    answerYes: 'Oui, nous souhaitons participer',
    answerNo: 'Non, nous déclinons',
    button: 'Confirmer',
    reasonOptional: 'Raison (facultatif)',
    reason: 'Raison',
    name: 'Nom du correspondant',
    email: 'Adresse électronique du correspondant',
    thanks: 'Merci. Votre réponse a été enregistrée.',
    nowAt: 'Votre Office est maintenant à l’étape : {state}.',
    nextYes: 'Nous vous écrirons au sujet des prochaines étapes : {steps}.',
    nextNo: 'Si votre Office change d’avis, écrivez-nous à tout moment.',
    fix: 'Veuillez corriger le formulaire.',
    invalid: "Ce lien n'est pas valide",
    invalidText: "Le lien est endommagé ou a été modifié. Veuillez utiliser le lien tel qu'il figure dans le message.",
    tooLong: 'Ce lien est trop long',
    tooLongText: "Le lien a probablement été collé avec d'autres caractères. Veuillez utiliser le lien tel qu'il figure dans le message.",
    expired: 'Ce lien a expiré',
    expiredText: 'Veuillez répondre au message ou contacter votre coordinateur WIPOnet.',
    used: 'Ce lien a déjà été utilisé',
    usedText: 'Votre réponse a été enregistrée le {date}. Rien de plus n’est nécessaire.',
    earlier: 'Ce lien appartient à une lettre précédente',
    earlierText: 'Une lettre plus récente a été envoyée à votre Office depuis celle-ci. Veuillez répondre avec les liens du message le plus récent.',
    notNow: 'Cette réponse ne peut plus être donnée',
    notNowText: "Le dossier de votre Office a évolué depuis l'envoi du message ; cette réponse ne s'applique plus. Contactez votre coordinateur WIPOnet si quelque chose ne va pas.",
    gone: 'Office inconnu',
    goneText: "L'Office pour lequel ce lien a été envoyé ne fait plus partie du programme. Veuillez contacter votre coordinateur WIPOnet.",
    notFound: 'Page introuvable',
    notFoundText: "Il n'y a pas de page à cette adresse. Veuillez utiliser le lien tel qu'il figure dans le message.",
    crossSite: "Ce formulaire ne vient pas de cette page",
    crossSiteText: 'Pour votre sécurité, les réponses ne sont acceptées que depuis la page du lien lui-même. Veuillez rouvrir le lien depuis votre message et confirmer sur cette page.',
    tooLarge: 'La réponse est trop longue',
    tooLargeText: 'Veuillez raccourcir votre réponse et l’envoyer à nouveau.',
    tooMany: 'Trop de tentatives',
    tooManyText: 'Veuillez patienter une minute et réessayer.',
    problem: 'Cette demande ne peut pas être traitée',
    problemText: 'Veuillez rouvrir le lien depuis votre message.',
  },
  es: {
    programme: 'Proyecto WIPOnet',
    organization: 'Organización Mundial de la Propiedad Intelectual',
    contact: '¿Preguntas? Escriba a su coordinador de WIPOnet: {email}.',
    office: 'Oficina',
    confirm: 'Confirmar que su Oficina desea participar en WIPOnet',
    decline: 'Declinar la invitación a participar en WIPOnet',
    surveyed: 'Confirmar que el estudio del local está terminado',
    ready: 'Confirmar que su local está listo para el kit WIPOnet',
    difficulty: 'Informar de una dificultad en la preparación del local',
    nominate: 'Designar a su punto focal para la formación',
    installed: 'Confirmar que el kit WIPOnet está instalado',
    answerYes: 'Sí, deseamos participar',
    answerNo: 'No, declinamos',
    button: 'Confirmar',
    reasonOptional: 'Motivo (opcional)',
    reason: 'Motivo',
    name: 'Nombre del punto focal',
    email: 'Correo electrónico del punto focal',
    thanks: 'Gracias. Su respuesta ha quedado registrada.',
    nowAt: 'Su Oficina está ahora en la etapa: {state}.',
    nextYes: 'Le escribiremos sobre los próximos pasos: {steps}.',
    nextNo: 'Si su Oficina cambia de opinión, escríbanos en cualquier momento.',
    fix: 'Corrija el formulario.',
    invalid: 'Este enlace no es válido',
    invalidText: 'El enlace está dañado o fue modificado. Utilice el enlace tal como aparece en el mensaje.',
    tooLong: 'Este enlace es demasiado largo',
    tooLongText: 'Es probable que el enlace se haya copiado junto con otro texto. Utilice el enlace tal como aparece en el mensaje.',
    expired: 'Este enlace ha caducado',
    expiredText: 'Responda al mensaje o póngase en contacto con su coordinador de WIPOnet.',
    used: 'Este enlace ya se ha utilizado',
    usedText: 'Su respuesta quedó registrada el {date}. No hace falta nada más.',
    earlier: 'Este enlace pertenece a una carta anterior',
    earlierText: 'Desde entonces se ha enviado a su Oficina una carta más reciente. Responda con los enlaces del mensaje más reciente.',
    notNow: 'Esta respuesta ya no puede darse',
    notNowText: 'El expediente de su Oficina ha avanzado desde el envío del mensaje, por lo que esta respuesta ya no se aplica. Póngase en contacto con su coordinador de WIPOnet si algo no es correcto.',
    gone: 'Oficina desconocida',
    goneText: 'La Oficina para la que se envió este enlace ya no forma parte del programa. Póngase en contacto con su coordinador de WIPOnet.',
    notFound: 'Página no encontrada',
    notFoundText: 'No hay ninguna página en esta dirección. Utilice el enlace tal como aparece en el mensaje.',
    crossSite: 'Este formulario no procede de esta página',
    crossSiteText: 'Por su seguridad, solo se aceptan respuestas desde la página del propio enlace. Vuelva a abrir el enlace desde su mensaje y confirme allí.',
    tooLarge: 'La respuesta es demasiado larga',
    tooLargeText: 'Acorte su respuesta y envíela de nuevo.',
    tooMany: 'Demasiados intentos',
    tooManyText: 'Espere un minuto e inténtelo de nuevo.',
    problem: 'Esta solicitud no puede atenderse',
    problemText: 'Vuelva a abrir el enlace desde su mensaje.',
  },
};

/** What the programme will write about after a yes, by track. */
export const NEXT_STEPS: Record<Language, { kit: string; internet: string }> = {
  en: {
    kit: 'the site preparation, the nomination of your focal point for training, and the delivery of the kit',
    internet: 'the nomination of your focal point for training and the connection to the services',
  },
  fr: {
    kit: 'la préparation du site, la désignation de votre correspondant pour la formation et la livraison du kit',
    internet: 'la désignation de votre correspondant pour la formation et la connexion aux services',
  },
  es: {
    kit: 'la preparación del local, la designación de su punto focal para la formación y la entrega del kit',
    internet: 'la designación de su punto focal para la formación y la conexión a los servicios',
  },
};
