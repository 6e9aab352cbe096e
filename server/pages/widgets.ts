import { z } from 'zod';
import { html, type Html } from './html';
import { number } from './layout';

export const PAGE_SIZE = 50;

/** `?page=N`, 1-based; anything else is page 1. */
export const pageParam = z.coerce.number().int().min(1).max(1_000_000).catch(1).default(1);

export function select(name: string, label: string, value: string | undefined, options: [string, string][]): Html {
  return html`<label class="field" for="f-${name}">${label}
<select id="f-${name}" name="${name}">${options.map(
    ([v, text]) => html`<option value="${v}"${(value ?? '') === v ? html` selected` : ''}>${text}</option>`,
  )}</select></label>`;
}

export function pager(current: number, total: number, link: (page: number) => string, noun: string): Html {
  if (total === 0) return html``;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = (current - 1) * PAGE_SIZE + 1;
  const last = Math.min(total, current * PAGE_SIZE);
  return html`<nav class="pager" aria-label="Pages">
<span class="muted" data-total="${total}">${first > total ? 'Past the last page' : html`${number(first)}–${number(last)}`} of ${number(total)} ${noun}</span>
<span class="links">
${current > 1 ? html`<a class="btn secondary" href="${link(1)}">First</a> <a class="btn secondary" href="${link(current - 1)}" rel="prev">Previous</a>` : ''}
<span class="muted">Page ${number(Math.min(current, pages))} of ${number(pages)}</span>
${current < pages ? html`<a class="btn secondary" href="${link(current + 1)}" rel="next">Next</a> <a class="btn secondary" href="${link(pages)}">Last</a>` : ''}
</span></nav>`;
}
