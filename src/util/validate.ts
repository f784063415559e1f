/**
 * Ranges for command-line flags, checked before any work or any write: a value outside its range gets
 * one line that names the flag, the value and the range.
 */

/** A wrong flag or flag value: the CLI prints its message as one line and exits 2. */
export class UsageError extends Error {}

/** Flags as the CLI's parser returns them: positional arguments in `_`, each flag by name. */
export interface ParsedArgs {
  /** Positional arguments. */
  _: string[];
  [flag: string]: string | number | boolean | string[] | undefined;
}

/** A numeric range; `open` ends exclude their bound. */
export interface NumberRange {
  kind: "number" | "int";
  min: number;
  max: number;
  minOpen?: boolean;
  maxOpen?: boolean;
  /** What the value means at a special point, for the message (e.g. "0 = no limit"). */
  note?: string;
}

/** One of a fixed set of words. */
export interface Choice {
  kind: "choice";
  values: readonly string[];
}

export type FlagRule = NumberRange | Choice;

export const int = (min: number, max: number, note?: string): NumberRange => ({ kind: "int", min, max, note });
export const num = (
  min: number,
  max: number,
  options: Partial<Pick<NumberRange, "minOpen" | "maxOpen" | "note">> = {},
): NumberRange => ({ kind: "number", min, max, ...options });
export const oneOf = (values: readonly string[]): Choice => ({ kind: "choice", values });

/** The range as text, e.g. "an integer in [1, 4096]" or "a number in (0, 1]". */
export function describeRule(rule: FlagRule): string {
  if (rule.kind === "choice") return `one of ${rule.values.join(", ")}`;
  const what = rule.kind === "int" ? "an integer" : "a number";
  const range = `${rule.minOpen ? "(" : "["}${rule.min}, ${rule.max}${rule.maxOpen ? ")" : "]"}`;
  return `${what} in ${range}${rule.note ? ` (${rule.note})` : ""}`;
}

/** True when `value` satisfies `rule`. */
export function satisfies(value: unknown, rule: FlagRule): boolean {
  if (rule.kind === "choice") return typeof value === "string" && rule.values.includes(value);
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (rule.kind === "int" && !Number.isInteger(value)) return false;
  const aboveMin = rule.minOpen ? value > rule.min : value >= rule.min;
  const belowMax = rule.maxOpen ? value < rule.max : value <= rule.max;
  return aboveMin && belowMax;
}

/** Checks every given flag that has a rule; throws a `UsageError` for the first one out of range. */
export function checkFlags(args: ParsedArgs, rules: Record<string, FlagRule>): void {
  for (const [flag, rule] of Object.entries(rules)) {
    const value = args[flag];
    if (value === undefined) continue;
    if (!satisfies(value, rule))
      throw new UsageError(`--${flag} ${JSON.stringify(value)} is out of range: expected ${describeRule(rule)}`);
  }
}

/** Checks a value against a rule outside the CLI (a checkpoint's config, a library option). */
export function checkValue(where: string, field: string, value: unknown, rule: FlagRule): void {
  if (!satisfies(value, rule))
    throw new Error(`${where}: ${field} ${JSON.stringify(value)} is out of range: expected ${describeRule(rule)}`);
}

/** Largest model sizes the workbook accepts, from flags and from checkpoints alike. */
export const LIMITS = {
  hiddenSize: 4096,
  embeddingSize: 4096,
  attentionUnits: 4096,
  vocabSize: 1_000_000,
  /** Tokens a translation may have. */
  maxLength: 1000,
  beam: 100,
} as const;
