import { z } from 'zod';

/**
 * Shared edge schemas for values that arrive as text (paths, query strings, form fields). Number()
 * and z.coerce read "0x10", "2e0", "+2" and " 2 " as numbers, and a lenient flag reads "yes" or
 * "TRUE" as true: both let a typo act on the wrong thing. These accept one spelling only.
 */

/** A numeric id: decimal digits only, no sign, no spaces, no leading zero. */
export const digitsId = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'a positive whole number written in digits only')
  .transform(Number);

export const numericIdParams = z.object({ id: digitsId });

/** A boolean flag: exactly true/false or 1/0 (JSON true/false too); anything else is a 400. */
export const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'], { error: 'true or false (or 1 or 0)' })])
  .transform((v) => v === true || v === 'true' || v === '1');
