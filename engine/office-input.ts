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
