import { z } from 'zod';
import { getCountry } from 'countries-and-timezones';

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

export const officeIdSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64 characters');

export const newOfficeSchema = z.object({
  id: officeIdSchema.optional(),
  name: z.string().trim().min(1).max(300),
  country: countryCode,
  city: z.string().trim().min(1).max(200).optional(),
  language: languageCode.default('en'),
  track: z.enum(['kit', 'internet']).default('kit'),
  contacts: z.array(contactSchema).max(50).default([]),
});

export type NewOffice = z.infer<typeof newOfficeSchema>;
