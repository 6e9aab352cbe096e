/**
 * Dates and country names in an email's language. Intl formatters are costly to build, so each
 * (language, zone) formatter and each language's region names are built once per process.
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const regionNames = new Map<string, Intl.DisplayNames>();

/** "5 janvier 2026": the day `at` falls on in `zone`, written in `language`. */
export function longDate(at: Date | string, zone: string, language: string): string {
  const key = `${language}|${zone}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat([language, 'en'], { year: 'numeric', month: 'long', day: 'numeric', timeZone: zone });
    dateFormats.set(key, format);
  }
  return format.format(typeof at === 'string' ? new Date(at) : at);
}

/** "Sénégal" for SN in French; the code itself where Intl has no name. */
export function countryName(country: string, language: string): string {
  let names = regionNames.get(language);
  if (!names) {
    names = new Intl.DisplayNames([language, 'en'], { type: 'region', fallback: 'code' });
    regionNames.set(language, names);
  }
  return names.of(country) ?? country;
}
