import { geoNaturalEarth1, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import atlas from 'world-atlas/countries-110m.json';
import { ATLAS_NAME_ONLY, ISO_NUMERIC } from './iso-numeric';

/** One country's outline, projected into the map's view box. */
export interface CountryShape {
  /** ISO alpha-2, or null for a shape no office can be in (a disputed area without a code). */
  country: string | null;
  atlasName: string;
  d: string;
}

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 470;

let shapes: CountryShape[] | undefined;

/**
 * The Natural Earth 1:110m countries, projected once per process (Natural Earth projection, fitted
 * to the view box, Antarctica left out: no office is there and it would take a fifth of the height).
 * One decimal in the path data keeps the drawing under a tenth of a pixel off and the page small.
 */
export function worldShapes(): CountryShape[] {
  if (shapes) return shapes;
  const topology = atlas as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const all = feature(topology, topology.objects.countries).features.filter((f) => f.id !== '010');
  const alpha2ById = new Map(Object.entries(ISO_NUMERIC).map(([a2, n]) => [n, a2]));
  const alpha2ByName = new Map(Object.entries(ATLAS_NAME_ONLY).map(([a2, name]) => [name, a2]));
  const collection = { type: 'FeatureCollection' as const, features: all };
  const projection = geoNaturalEarth1().fitExtent(
    [
      [4, 4],
      [MAP_WIDTH - 4, MAP_HEIGHT - 4],
    ],
    collection,
  );
  const path = geoPath(projection).digits(1);
  shapes = all
    .map((f) => ({
      country: (f.id !== undefined ? alpha2ById.get(String(f.id)) : undefined) ?? alpha2ByName.get(f.properties.name) ?? null,
      atlasName: f.properties.name,
      d: path(f) ?? '',
    }))
    .filter((s) => s.d !== '');
  return shapes;
}

/** The alpha-2 codes the map can draw. */
export function drawnCountries(): Set<string> {
  return new Set(worldShapes().flatMap((s) => (s.country ? [s.country] : [])));
}
