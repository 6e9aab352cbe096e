import { describeMachine } from '../../machines/describe';
import { eventLabel } from '../diagram/layout';
import { html, type Html } from './html';

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
  const optional = required ? '' : html` <span class="hint">(optional)</span>`;
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

/** The form that sends one event to one office; submitted by the client script with `If-Match: version`. */
export function eventForm(officeId: string, version: number, type: string, description: string): Html {
  const schema = payloads[type]?.payload ?? {};
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const formId = `ev-${type}`;
  return html`<form class="action${type === 'WITHDRAWN' ? ' withdraw' : ''}" id="${formId}" data-event="${type}" data-office="${officeId}" data-version="${version}" novalidate>
<h3>${eventLabel(type)}</h3>
${description ? html`<p class="desc">${description}</p>` : ''}
${properties.length ? html`<div class="fields">${properties.map(([name, s]) => field(formId, name, s, required.has(name)))}</div>` : ''}
<button type="submit" class="btn${type === 'WITHDRAWN' ? ' warn' : ''}">${eventLabel(type)}</button>
</form>`;
}
