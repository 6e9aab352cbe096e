import { z } from 'zod';
import type { Runtime } from '../../app/runtime';
import { COLOUR_BY, type ColourBy } from '../../analytics/countries';
import { COLOUR_DESCRIPTIONS, COLOUR_LABELS } from '../map/colours';
import { mapFigures, type MapCountry, type MapFigures } from '../map/figures';
import { worldMapSvg } from '../map/svg';
import { stateLabel } from './data';
import { html, queryString, raw, type Html } from './html';
import { countryName, number, page, when } from './layout';

/** Page queries never fail: a bad value falls back, so a hand-edited URL still shows a map. */
export const mapQuery = z.object({
  colour: z.enum(COLOUR_BY).catch('stage').default('stage'),
  country: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/)
    .transform((c) => c.toUpperCase())
    .optional()
    .catch(undefined),
});
export type MapQuery = z.infer<typeof mapQuery>;

const SHOWN = 50;
// A swatch as a tiny SVG: the Content-Security-Policy forbids inline styles, not presentation attributes.
const swatch = (fill: string) => raw(`<svg class="swatch-svg" width="18" height="12" aria-hidden="true"><rect x="0.5" y="0.5" width="17" height="11" fill="${fill}" stroke="#7d8797"/></svg>`);
const percent = (share: number | null) => (share === null ? '–' : `${Math.round(share * 100)}%`);

/** `/map`: the countries coloured by one figure, a legend, and the offices of the country clicked. */
export async function renderMap(runtime: Runtime, query: MapQuery): Promise<string> {
  const figures = await mapFigures(runtime, query.colour);
  const href = (country: string | undefined, colour: ColourBy = query.colour) => `/map${queryString({ colour: colour === 'stage' ? undefined : colour, country })}`;
  const selected = query.country ? figures.countries.find((c) => c.country === query.country) : undefined;
  const hidden = figures.countries.filter((c) => !c.drawn);
  const body = html`<div class="page-head">
  <div><h1>Map</h1><p class="muted">${number(figures.countries.length)} countries with offices. Click a country for its offices.</p></div>
  <a class="btn secondary" href="/api/analytics/countries${queryString({ colour: query.colour, format: 'csv' })}" download>Download CSV</a>
</div>
<nav class="toggle" aria-label="Colour the map by">${COLOUR_BY.map(
    (c) => html`<a class="btn secondary" href="${href(query.country, c)}"${c === query.colour ? html` aria-current="true"` : ''}>${COLOUR_LABELS[c]}</a>`,
  )}</nav>
<section class="card map-card" aria-labelledby="map-heading">
  <h2 id="map-heading">${COLOUR_LABELS[query.colour]}</h2>
  <p class="small muted">${COLOUR_DESCRIPTIONS[query.colour]}${figures.deadline ? ` Deadline: ${figures.deadline.slice(0, 10)}.` : ''}</p>
  <p class="small muted map-hint">The map scrolls sideways; every country is also in the list below.</p>
  <div class="map-wrap">${raw(worldMapSvg(figures, (c) => `${href(c)}#country-offices`, query.country))}</div>
  <ul class="legend" aria-label="Legend">${figures.legend.map((l) => html`<li>${swatch(l.fill)}${l.label}</li>`)}</ul>
  ${hidden.length ? html`<p class="small">Too small to draw at this scale: ${hidden.map((c, i) => html`${i ? ', ' : ''}<a href="${href(c.country)}#country-offices">${c.name}</a> (${c.offices})`)}.</p>` : ''}
</section>
${query.country ? await countryOffices(runtime, query.country, selected) : ''}
<section class="card" aria-labelledby="countries-heading">
  <h2 id="countries-heading">Countries</h2>
  ${countryTable(figures, href)}
</section>`;
  return page({ title: selected ? `Map: ${selected.name}` : 'Map', section: 'map', body });
}

async function countryOffices(runtime: Runtime, country: string, figures: MapCountry | undefined): Promise<Html> {
  const { offices, total } = await runtime.store.listOffices({ country, limit: SHOWN, offset: 0 });
  return html`<section class="card" id="country-offices" aria-labelledby="country-offices-heading" data-country="${country}">
  <h2 id="country-offices-heading">Offices in ${countryName(country)}</h2>
  ${
    total === 0
      ? html`<p class="empty">No office in ${countryName(country)}.</p>`
      : html`<p class="small muted">${number(total)} office${total === 1 ? '' : 's'}${figures ? `, ${figures.stalled} stalled` : ''}. <a href="/offices${queryString({ country })}">Open in the office list</a></p>
  <ul class="country-offices">${offices.map(
    (o) => html`<li data-office="${o.id}"><a href="/offices/${encodeURIComponent(o.id)}">${o.name}</a> <span class="badge state">${stateLabel(o.stage)}</span> <span class="small muted">${o.track === 'kit' ? 'Kit' : 'Internet'}, last change ${when(o.updatedAt)}</span></li>`,
  )}</ul>${total > SHOWN ? html`<p><a href="/offices${queryString({ country })}">All ${number(total)} offices</a></p>` : ''}`
  }
</section>`;
}

function countryTable(figures: MapFigures, href: (country: string) => string): Html {
  const risk = figures.colour === 'risk';
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Country</th><th scope="col" class="num">Offices</th><th scope="col">Most in</th><th scope="col" class="num">Stalled</th>${risk ? html`<th scope="col" class="num">At risk</th>` : ''}</tr></thead>
<tbody>${figures.countries.map(
    (c) => html`<tr data-country="${c.country}">
<td>${swatch(c.fill)} <a href="${href(c.country)}#country-offices">${c.name}</a></td>
<td class="num">${number(c.offices)}</td>
<td>${c.stageLabel}</td>
<td class="num">${number(c.stalled)} (${percent(c.stalledShare)})</td>
${risk ? html`<td class="num">${percent(c.risk)}</td>` : ''}
</tr>`,
  )}</tbody></table></div>`;
}
