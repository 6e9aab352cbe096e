import { escapeHtml as esc } from '../pages/html';
import { COLOUR_LABELS, NO_OFFICE_FILL } from './colours';
import type { MapFigures } from './figures';
import { MAP_HEIGHT, MAP_WIDTH, worldShapes } from './world';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * The world map as one inline SVG: a path per country, filled by the chosen figure. A country with
 * offices is a link to the same page with that country selected, so a click lists its offices
 * without any script; its name and figures are the link's accessible name and tooltip.
 */
export function worldMapSvg(figures: MapFigures, href: (country: string) => string, selected?: string): string {
  const byCountry = new Map(figures.countries.map((c) => [c.country, c]));
  const parts = [
    `<svg class="world-map" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}" role="group" aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="map-title">World map of the offices, coloured by ${esc(COLOUR_LABELS[figures.colour].toLowerCase())}</title>`,
  ];
  let last = '';
  for (const shape of worldShapes()) {
    const c = shape.country ? byCountry.get(shape.country) : undefined;
    if (!c) {
      parts.push(`<path class="country" d="${shape.d}" fill="${NO_OFFICE_FILL}"${shape.country ? ` data-country="${shape.country}"` : ''}/>`);
      continue;
    }
    const summary = `${c.name}: ${plural(c.offices, 'office')}, mostly ${c.stageLabel}; ${c.stalled} stalled${c.risk !== null ? `; ${Math.round(c.risk * 100)}% at risk` : ''}`;
    const cls = c.country === selected ? 'country has-offices selected' : 'country has-offices';
    const link = `<a href="${esc(href(c.country))}" aria-label="${esc(summary)}"><path class="${cls}" d="${shape.d}" fill="${c.fill}" data-country="${c.country}"><title>${esc(summary)}</title></path></a>`;
    if (c.country === selected) last = link;
    else parts.push(link);
  }
  // The selected country last, so no neighbour covers its outline.
  parts.push(last, '</svg>');
  return parts.join('');
}
