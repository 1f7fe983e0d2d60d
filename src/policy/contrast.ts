// WCAG 2.x contrast: buttons draw white text on the primary colour, so that colour must reach
// the AA ratio for normal text (4.5:1) or people with low vision cannot read "Sign in".
// Pure; https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio

export const AA_NORMAL_TEXT = 4.5;

/** Relative luminance of a #rrggbb colour, 0 (black) to 1 (white). */
export function relativeLuminance(hex: string): number {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new RangeError(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = match.slice(1).map((part) => {
    const c = Number.parseInt(part, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two #rrggbb colours, from 1 (none) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Why white text on this colour is too faint to read, or null when it meets WCAG AA. */
export function whiteTextContrastProblem(hex: string): string | null {
  const ratio = contrastRatio(hex, '#ffffff');
  if (ratio >= AA_NORMAL_TEXT) return null;
  // Rounded down, so a colour is never described as passing when it does not.
  const shown = Math.floor(ratio * 100) / 100;
  return `gives white button text a contrast of only ${shown}:1; WCAG AA needs at least ${AA_NORMAL_TEXT}:1 so everyone can read it. Choose a darker colour`;
}
