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

// Words that carry no meaning in an office's name, so its id is the acronym of the words that do.
const MINOR_WORDS = new Set(
  'a an and the of for in on at to de du des la le les l d et en y el los las del da do dos das e für und der die das von zu'.split(' '),
);

/**
 * A short, readable id for a new office: its country and the acronym of its name's significant
 * words ("Institut National de la Propriété Industrielle", FR → `FR-INPI`), or the single word
 * itself; `-2`, `-3`… when taken. Letters outside A–Z lose their accents or are dropped.
 */
export function readableOfficeId(name: string, country: string, taken: (id: string) => boolean): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w && !MINOR_WORDS.has(w.toLowerCase()));
  let core = words.length >= 2 ? words.map((w) => (/^[A-Z0-9]{2,}$/.test(w) ? w : w[0]!)).join('') : (words[0] ?? 'OFFICE');
  core = core.toUpperCase().slice(0, 12) || 'OFFICE';
  const base = `${country.toUpperCase()}-${core}`;
  if (!taken(base)) return base;
  for (let n = 2; ; n++) if (!taken(`${base}-${n}`)) return `${base}-${n}`;
}
