/**
 * A small flag parser for the CLI: `--name value` or `--name=value`, typed by a spec; unknown flags and
 * bad values exit non-zero with a one-line reason. `--help` (or `-h`) prints the command's help, from the
 * table of flag descriptions each command keeps beside its spec and its ranges, and exits 0.
 */
export type FlagType = "string" | "int" | "number" | "bool";

import { UsageError, ParsedArgs, FlagRule, describeRule } from "../util/validate";
export { UsageError };
export type { ParsedArgs };

/** The value type of a flag type: `"int"` and `"number"` give numbers, `"bool"` booleans. */
export type FlagValue<T extends FlagType> = T extends "string" ? string : T extends "bool" ? boolean : number;

/** Parsed flags typed from their spec: each flag is its value type or absent; positional arguments in `_`. */
export type Flags<S extends Record<string, FlagType>> = { _: string[] } & {
  -readonly [K in keyof S]?: FlagValue<S[K]>;
};

/** What `--help` says of one flag: a line on what it does, and its default, or that it is required. */
export type FlagHelp = {
  /** One line: what the flag does. */
  text: string;
  /** The value's placeholder, e.g. `FILE`; by default `N` (int), `X` (number) or `TEXT` (string); a switch has none. */
  value?: string;
} & (
  | {
      /** The value when the flag is absent: the library's own constant where there is one, else words. */
      default: string | number | boolean;
    }
  | { required: true }
);

/** A command's help: one entry per flag of its spec (the types make a missing or an extra entry an error). */
export interface CommandHelp<S extends Record<string, FlagType>> {
  /** What follows `usage: `, e.g. `npm run translate -- --checkpoint DIR [flags] SENTENCE...`. */
  usage: string;
  /** A sentence or two on what the command does. */
  about: string;
  flags: { [K in keyof S & string]: FlagHelp };
  /** The ranges the command checks its flags against: the help quotes them. */
  rules?: Record<string, FlagRule>;
}

/** Thrown by parseArgs for `--help` or `-h`, before anything is checked; fail() prints it on stdout and exits 0. */
export class HelpRequest extends Error {}

/** The type of flag `name`, or undefined (own keys only: `--constructor` is no flag). */
function typeOf(spec: Record<string, FlagType>, name: string): FlagType | undefined {
  return Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
}

/** True when `--help` or `-h` stands where a flag may (not as the value of the flag before it). */
function wantsHelp(argv: string[], spec: Record<string, FlagType>): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") return true;
    const type = a.startsWith("--") && !a.includes("=") ? typeOf(spec, a.slice(2)) : undefined;
    if (type === "bool" ? argv[i + 1] === "true" || argv[i + 1] === "false" : type !== undefined) i++;
  }
  return false;
}

/** A flag's value in words for the help: switches are on or off. */
function shown(value: string | number | boolean): string {
  return typeof value === "boolean" ? (value ? "on" : "off") : String(value);
}

/** The two columns of a flag's help: `--name VALUE`, then its description, its range and its default. */
function flagRow(name: string, type: FlagType, help: FlagHelp, rule?: FlagRule): [string, string, string] {
  const placeholder = type === "bool" ? "" : ` ${help.value ?? { int: "N", number: "X", string: "TEXT" }[type]}`;
  const range = rule ? describeRule(rule) : type === "bool" ? `a switch: --${name} or --no-${name}` : "";
  const when = "required" in help ? "required" : `default: ${shown(help.default)}`;
  return [`--${name}${placeholder}`, help.text, [range, when].filter(Boolean).join("; ")];
}

/** The text `--help` prints: the usage line, what the command does, then every flag on two lines. */
export function formatHelp<S extends Record<string, FlagType>>(spec: S, help: CommandHelp<S>): string {
  const rows = Object.keys(spec).map((name) => flagRow(name, spec[name], help.flags[name], help.rules?.[name]));
  rows.push(["--help, -h", "print this help and exit", ""]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [`usage: ${help.usage}`, "", help.about, "", "flags:"];
  for (const [left, text, detail] of rows) {
    lines.push(`  ${left.padEnd(width)}${text}`);
    if (detail) lines.push(`  ${" ".repeat(width)}${detail}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A flag's value from its text, or a UsageError naming the flag and what it expected. */
function parseValue(name: string, type: "string" | "int" | "number", raw: string | undefined): string | number {
  if (raw === undefined) throw new UsageError(`flag --${name} needs a value`);
  if (type === "string") return raw;
  const n = Number(raw);
  if (!Number.isFinite(n) || (type === "int" && !Number.isInteger(n)))
    throw new UsageError(
      `flag --${name}: expected ${type === "int" ? "an integer" : "a number"}, got ${JSON.stringify(raw)}`,
    );
  return n;
}

/**
 * Parses `argv` against `spec` (flag name -> type), so that the result is typed from that one table:
 * `parseArgs(argv, { epochs: "int" }).epochs` is a `number | undefined`. With `help`, `--help` or `-h`
 * anywhere a flag may stand throws a HelpRequest with the command's help before any flag is checked.
 */
export function parseArgs<S extends Record<string, FlagType>>(
  argv: string[],
  spec: S,
  help?: CommandHelp<S>,
): Flags<S> {
  if (help && wantsHelp(argv, spec)) throw new HelpRequest(formatHelp(spec, help));
  const out: ParsedArgs = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      out._.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    const type = typeOf(spec, name);
    if (!type && name.startsWith("no-") && typeOf(spec, name.slice(3)) === "bool") {
      out[name.slice(3)] = false;
      continue;
    }
    if (!type) {
      const known = [...Object.keys(spec), ...(help ? ["help"] : [])].map((k) => `--${k}`).join(" ");
      throw new UsageError(`unknown flag --${name}; known flags: ${known}`);
    }
    if (type === "bool") {
      // --flag, --flag=true|false, --flag true|false, --no-flag
      let value = eq >= 0 ? a.slice(eq + 1) : "true";
      if (eq < 0 && (argv[i + 1] === "true" || argv[i + 1] === "false")) value = argv[++i];
      if (value !== "true" && value !== "false")
        throw new UsageError(`flag --${name}: expected true or false, got ${JSON.stringify(value)}`);
      out[name] = value === "true";
      continue;
    }
    out[name] = parseValue(name, type, eq >= 0 ? a.slice(eq + 1) : argv[++i]);
  }
  return out as Flags<S>;
}

/** Prints a help request on stdout and exits 0; anything else: a one-line reason, exit 2 (usage) or 1. */
export function fail(e: unknown): never {
  if (e instanceof HelpRequest) {
    process.stdout.write(e.message);
    process.exit(0);
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`error: ${msg.split("\n")[0]}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}
