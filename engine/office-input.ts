import { z } from 'zod';
import { cityName, contactList, contactSchema, countryCode, languageCode, officeName } from '../machines/office-fields';

export { contactSchema, countryCode, languageCode };

export const officeIdSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64 characters');

export const newOfficeSchema = z.object({
  id: officeIdSchema.optional(),
  name: officeName,
  country: countryCode,
  city: cityName.optional(),
  language: languageCode.default('en'),
  track: z.enum(['kit', 'internet']).default('kit'),
  contacts: contactList.default([]),
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
export async function readableOfficeId(name: string, country: string, taken: (id: string) => Promise<boolean>): Promise<string> {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w && !MINOR_WORDS.has(w.toLowerCase()));
  let core = words.length >= 2 ? words.map((w) => (/^[A-Z0-9]{2,}$/.test(w) ? w : w[0]!)).join('') : (words[0] ?? 'OFFICE');
  core = core.toUpperCase().slice(0, 12) || 'OFFICE';
  const base = `${country.toUpperCase()}-${core}`;
  if (!(await taken(base))) return base;
  for (let n = 2; ; n++) if (!(await taken(`${base}-${n}`))) return `${base}-${n}`;
}
