import { describeMachine } from '../../machines/describe';
import { isOfficeEventType } from '../../machines/events';
import { eventAction, IRREVERSIBLE_EVENTS } from '../../machines/labels';
import { html, type Html } from './html';
import { savedMessage } from './words';

/**
 * Payload forms generated from the event schemas (`z.toJSONSchema` of `machines/events.ts`, as
 * `describeMachine()` publishes them): a field per property, its type, limits and whether it is
 * required all come from the schema. The client script turns the fields back into JSON using each
 * field's `data-kind`.
 */

interface JsonSchema {
  type?: string;
  format?: string;
  maxLength?: number;
  minLength?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

const payloads = describeMachine().events as Record<string, { payload: JsonSchema }>;

export function fieldLabel(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function field(formId: string, name: string, schema: JsonSchema, required: boolean): Html {
  const id = `${formId}-${name}`;
  const label = fieldLabel(name);
  const hint = FIELD_HINTS[name];
  const optional = required ? '' : html` <span class="hint">(optional${hint ? html`: ${hint}` : ''})</span>`;
  if (schema.type === 'boolean') {
    return html`<label class="field check" for="${id}"><input type="checkbox" id="${id}" name="${name}" data-kind="boolean"> ${label}</label>`;
  }
  if (schema.type === 'array') {
    const email = schema.items?.format === 'email';
    return html`<label class="field" for="${id}">${label}${optional} <span class="hint">${email ? 'emails, ' : ''}separated by commas</span>
<input type="text" id="${id}" name="${name}" data-kind="list"${required ? html` required` : ''} autocomplete="off"></label>`;
  }
  const type = schema.format === 'email' ? 'email' : 'text';
  return html`<label class="field" for="${id}">${label}${optional}
<input type="${type}" id="${id}" name="${name}" data-kind="string"${schema.maxLength ? html` maxlength="${schema.maxLength}"` : ''}${
    required ? html` required` : ''
  } autocomplete="off"></label>`;
}

/** What a field is for, when its name alone does not say it. */
const FIELD_HINTS: Record<string, string> = {
  note: 'kept in the timeline, e.g. "generator installed"',
};

/**
 * The form that sends one event to one office; submitted by the client script with `If-Match:
 * version`. Its button says what it does (`eventAction`); `data-done` is the message once saved;
 * an event that cannot be undone carries `data-confirm`, and the script asks before sending it.
 */
export function eventForm(officeId: string, version: number, type: string, description: string, officeName = officeId): Html {
  const schema = payloads[type]?.payload ?? {};
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const formId = `ev-${type}`;
  const known = isOfficeEventType(type);
  const action = known ? eventAction(type) : type;
  const irreversible = known && IRREVERSIBLE_EVENTS.has(type);
  const confirm = irreversible ? `${action}: ${officeName}? This cannot be undone.` : '';
  return html`<form class="action${irreversible ? ' withdraw' : ''}" id="${formId}" data-event="${type}" data-office="${officeId}" data-version="${version}" data-done="${savedMessage(type)}"${
    confirm ? html` data-confirm="${confirm}"` : ''
  } novalidate>
<h3>${action}</h3>
${description ? html`<p class="desc">${description}</p>` : ''}
${properties.length ? html`<div class="fields">${properties.map(([name, s]) => field(formId, name, s, required.has(name)))}</div>` : ''}
<button type="submit" class="btn${irreversible ? ' warn' : ''}">${action}</button>
</form>`;
}
