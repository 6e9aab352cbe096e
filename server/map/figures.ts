import type { Runtime } from '../../app/runtime';
import { countryFigures, type ColourBy, type CountryFigures } from '../../analytics/countries';
import { officeChances } from '../../forecast/service';
import { forecastRequest } from '../api/forecast';
import { fillOf, legendOf, type LegendEntry } from './colours';
import { drawnCountries } from './world';

export interface MapCountry extends CountryFigures {
  fill: string;
  /** False for a country too small for the 1:110m drawing (listed beside it instead). */
  drawn: boolean;
}

export interface MapFigures {
  asOf: string;
  colour: ColourBy;
  /** The forecast's deadline when colouring by risk, else null. */
  deadline: string | null;
  legend: LegendEntry[];
  countries: MapCountry[];
}

/**
 * The figures the map draws, one source for the page, the JSON and the CSV. The risk needs a
 * forecast run, so it is computed only when asked for, with the forecast page's defaults (1,000
 * runs, seed 1, PROGRAMME_DEADLINE) and without its push simulation, which the map does not show.
 */
export async function mapFigures(runtime: Runtime, colour: ColourBy): Promise<MapFigures> {
  const now = runtime.engine.clock.now();
  const request = colour === 'risk' ? forecastRequest({ runs: 1000, seed: 1, limit: 1, offset: 0, offices: 'all' }, now, runtime.config.PROGRAMME_DEADLINE) : null;
  const chances = request ? await officeChances(runtime.storage.history, request) : undefined;
  const figures = await countryFigures(runtime.storage.countries, now, chances);
  const drawn = drawnCountries();
  return {
    asOf: now.toISOString(),
    colour,
    deadline: request ? new Date(request.deadline).toISOString() : null,
    legend: legendOf(colour, figures),
    countries: figures.map((c) => ({ ...c, fill: fillOf(colour, c), drawn: drawn.has(c.country) })),
  };
}
