import { getCountry } from 'countries-and-timezones';
import { z } from 'zod';

/**
 * The descriptive fields of an office, as registration and DETAILS_UPDATED accept them. Here, below
 * the engine, because an event's payload schema (machines/events.ts) needs them too.
 */

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** ISO 3166-1 alpha-2, upper case ("FR"); a lower-case code is accepted and normalised. */
export const countryCode = z
  .string()
  .trim()
  .length(2)
  .transform((c) => c.toUpperCase())
  .refine((c) => getCountry(c) !== null, { message: 'not an ISO 3166-1 alpha-2 country code' });

/** ISO 639-1: two letters that ICU knows as a language. */
export const languageCode = z
  .string()
  .trim()
  .regex(/^[a-zA-Z]{2}$/, 'not an ISO 639-1 language code')
  .transform((c) => c.toLowerCase())
  .refine((c) => languageNames.of(c) !== c, { message: 'not an ISO 639-1 language code' });

export const contactSchema = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  role: z.string().trim().min(1).max(100).optional(),
});

export const officeName = z.string().trim().min(1).max(300);
export const cityName = z.string().trim().min(1).max(200);
export const contactList = z.array(contactSchema).max(50);

/** The fields DETAILS_UPDATED can change (the track cannot change: it decides the chart's path). */
export const DETAIL_FIELDS = ['name', 'country', 'city', 'language', 'contacts'] as const;
export type DetailField = (typeof DETAIL_FIELDS)[number];
