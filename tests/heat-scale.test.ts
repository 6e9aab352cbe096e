import { HEAT_SCALE, heatColour } from '../server/diagram/svg';

/** WCAG relative luminance and contrast ratio of two #rrggbb colours. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};
const INK = '#1d2430';

test('the heat scale is a cool, neutral scale: no step can be read as a warning colour', () => {
  for (const colour of HEAT_SCALE) {
    const [r, , b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)) as [number, number, number];
    expect({ colour, blueAboveRed: b > r }).toEqual({ colour, blueAboveRed: true });
  }
});

test('the count written on every step keeps AA contrast (4.5:1): ink on the light steps, white on the dark ones', () => {
  for (let count = 1; count <= 40; count++) {
    const { fill, dark } = heatColour(count, 40);
    const ratio = contrast(fill, dark ? '#ffffff' : INK);
    expect({ fill, dark, ok: ratio >= 4.5 }).toEqual({ fill, dark, ok: true });
  }
  expect(heatColour(0, 40).dark).toBe(false);
  expect(heatColour(40, 40).dark).toBe(true);
});
