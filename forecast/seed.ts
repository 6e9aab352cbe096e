/** FNV-1a of `text` mixed with the forecast's seed: one seeded stream per group, office and tail. */
export function seedOf(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
