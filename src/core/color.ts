import { UsageError } from "../errors.js";

/** The two deployment colors: Lambda aliases `blue` and `green`, selected by the live stage's `deployment` variable. */
export type Color = "blue" | "green";
export const COLORS: readonly Color[] = ["blue", "green"];

export const isColor = (value: unknown): value is Color => typeof value === "string" && (COLORS as readonly string[]).includes(value);

export const otherColor = (color: Color): Color => (color === "blue" ? "green" : "blue");

/** A color given on the command line, or a one-line usage error naming what it was for. */
export function parseColor(raw: string | undefined, what: string): Color {
  if (!isColor(raw)) throw new UsageError(`${what} must be blue or green, got ${JSON.stringify(raw ?? null)}`);
  return raw;
}
