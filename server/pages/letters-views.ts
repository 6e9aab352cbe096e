import type { LetterSample, LettersPreview, Selection } from '../../programme/bulk-letters';
import { REGIONS } from '../../programme/regions';
import { leafStates, stages, stateLabel } from './data';
import { html, type Html } from './html';
import { countryName, number } from './layout';
import { csrf, shell } from './programme-views';
import { select } from './widgets';

/**
 * The circular-letter page, in three steps: choose the offices and the reference; preview who gets
 * the letter and its exact text in each language; confirm, seeing how many offices and which.
 */
export type LetterQuery = Partial<Record<keyof Selection | 'letterRef', string>>;

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

function selectionFields(s: LetterQuery): Html {
  return html`${select('state', 'State', s.state, [['', 'Any state'], ...[...stages, ...leafStates].map((st) => [st.path, stateLabel(st.path)] as [string, string])])}
${select('region', 'Region', s.region, [['', 'Any region'], ...REGIONS.map((r) => [r, r] as [string, string])])}
${select('track', 'Track', s.track, [['', 'Any track'], ['kit', 'Kit'], ['internet', 'Internet']])}
<label class="field" for="f-country">Countries <span class="hint">(codes, e.g. FR, KE)</span><input type="text" id="f-country" name="country" value="${s.country ?? ''}" autocomplete="off"></label>
<label class="field" for="f-ids">Office ids <span class="hint">(separated by commas)</span><input type="text" id="f-ids" name="ids" value="${s.ids ?? ''}" autocomplete="off"></label>
<label class="field" for="l-ref">Letter reference <span class="hint">(optional)</span><input type="text" id="l-ref" name="letterRef" maxlength="200" value="${s.letterRef ?? ''}" autocomplete="off"></label>`;
}

const hiddenFields = (query: LetterQuery) =>
  Object.entries(query)
    .filter(([, v]) => v)
    .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);

const queryOf = (query: LetterQuery, extra: Record<string, string>) =>
  new URLSearchParams({ ...(Object.fromEntries(Object.entries(query).filter(([, v]) => v)) as Record<string, string>), ...extra }).toString();

function sampleView(sample: LetterSample, index: number): Html {
  const language = languageNames.of(sample.language) ?? sample.language;
  return html`<article class="letter-sample" aria-labelledby="sample-${index}">
<h3 id="sample-${index}">In ${language}${sample.track === 'internet' ? ' (Internet track)' : ''}, as ${sample.officeName} will read it</h3>
<dl class="letter-head"><dt>To</dt><dd>${sample.recipients.length ? sample.recipients.join(', ') : html`<span class="badge stuck">no contact email: not delivered</span>`}</dd>
<dt>Subject</dt><dd>${sample.subject}</dd></dl>
<pre class="letter-text">${sample.text}</pre>
</article>`;
}

function officesTable(preview: LettersPreview): Html {
  return html`<div class="table-wrap"><table><caption class="sr-only">Offices that will receive the letter</caption><thead><tr><th scope="col">Office</th><th scope="col">Country</th><th scope="col">State</th></tr></thead><tbody>${preview.offices.map(
    (o) => html`<tr><td><a href="/offices/${encodeURIComponent(o.id)}">${o.name}</a><div class="small muted">${o.id}</div></td><td>${countryName(o.country)}</td><td>${o.states.map((s) => stateLabel(s)).join(' + ')}</td></tr>`,
  )}</tbody></table></div>`;
}

export function renderLetters(
  query: LetterQuery,
  step: { preview: LettersPreview; samples: LetterSample[]; confirm: boolean } | null,
  problem: string | null,
  csrfToken?: string,
): string {
  const preview = step?.preview;
  const selectionForm = html`<form class="card filters" method="get" action="/programme/letters" aria-label="Select offices">
${selectionFields(query)}
<input type="hidden" name="preview" value="1">
<button class="btn" type="submit">Preview</button>
</form>`;
  let content: Html = html``;
  if (step && preview && step.confirm && preview.count > 0) {
    content = html`<section class="card" aria-labelledby="confirm-heading"><h2 id="confirm-heading">Send the circular letter${query.letterRef ? ` ${query.letterRef}` : ''} to ${number(preview.count)} office(s)?</h2>
<p>Each office below gets the letter by email now, in its language, with its links to answer. This cannot be undone.</p>
<ul class="confirm-list">${preview.offices.map((o) => html`<li>${o.name} <span class="muted">(${countryName(o.country)})</span></li>`)}</ul>
<form method="post" action="/programme/letters" class="filters">${csrf(csrfToken)}${hiddenFields(query)}
<input type="hidden" name="expectedCount" value="${preview.count}">
<button class="btn" type="submit">Yes, send ${number(preview.count)} letter(s)</button>
<a class="btn secondary" href="/programme/letters?${queryOf(query, { preview: '1' })}">Back to the preview</a></form></section>`;
  } else if (preview) {
    content = html`<section class="card" aria-labelledby="count-heading"><h2 id="count-heading">${number(preview.count)} office(s) will receive the letter</h2>
${preview.notEligible.length ? html`<p class="muted">${preview.notEligible.length} other selected office(s) cannot receive it now (already invited or further along).</p>` : ''}
${preview.unknownIds.length ? html`<p class="message warning">Unknown ids: ${preview.unknownIds.join(', ')}</p>` : ''}
${
  preview.count > 0
    ? html`<h3>The letter</h3>
<p class="muted">Exactly as it will be sent; each office gets its own links to answer yes or no, valid once.</p>
${(step?.samples ?? []).map(sampleView)}
<h3>The offices</h3>
${officesTable(preview)}
<form method="get" action="/programme/letters" class="filters">${hiddenFields(query)}<input type="hidden" name="confirm" value="1">
<button class="btn" type="submit">Send to ${number(preview.count)} office(s)…</button></form>`
    : html`<p class="empty">No office in this selection can receive the circular letter.</p>`
}</section>`;
  }
  const body = html`<div class="page-head"><div><h1>Circular letters</h1>
<p class="muted">Choose the offices, preview the letter and who will receive it, then confirm: each office is sent the letter by email, with a result per office.</p></div></div>
${selectionForm}
${problem ? html`<div class="message error" role="alert">${problem}</div>` : ''}
${content}`;
  return shell('Circular letters', '/programme/letters', body, csrfToken);
}
