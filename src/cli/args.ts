/**
 * A small flag parser for the CLI: `--name value` or `--name=value`, typed by a spec; unknown flags and
 * bad values exit non-zero with a one-line reason.
 */
export type FlagType = "string" | "int" | "number" | "bool";

import { UsageError, ParsedArgs } from "../util/validate";
export { UsageError };
export type { ParsedArgs };

/** The value type of a flag type: `"int"` and `"number"` give numbers, `"bool"` booleans. */
export type FlagValue<T extends FlagType> = T extends "string" ? string : T extends "bool" ? boolean : number;

/** Parsed flags typed from their spec: each flag is its value type or absent; positional arguments in `_`. */
export type Flags<S extends Record<string, FlagType>> = { _: string[] } & {
  -readonly [K in keyof S]?: FlagValue<S[K]>;
};

/**
 * Parses `argv` against `spec` (flag name -> type), so that the result is typed from that one table:
 * `parseArgs(argv, { epochs: "int" }).epochs` is a `number | undefined`.
 */
export function parseArgs<S extends Record<string, FlagType>>(argv: string[], spec: S): Flags<S> {
  const out: ParsedArgs = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      out._.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    if (!spec[name] && name.startsWith("no-") && spec[name.slice(3)] === "bool") {
      out[name.slice(3)] = false;
      continue;
    }
    const type = spec[name];
    if (!type)
      throw new UsageError(
        `unknown flag --${name}; known flags: ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(" ")}`,
      );
    if (type === "bool") {
      // --flag, --flag=true|false, --flag true|false, --no-flag
      let value = eq >= 0 ? a.slice(eq + 1) : "true";
      if (eq < 0 && (argv[i + 1] === "true" || argv[i + 1] === "false")) value = argv[++i];
      if (value !== "true" && value !== "false")
        throw new UsageError(`flag --${name}: expected true or false, got ${JSON.stringify(value)}`);
      out[name] = value === "true";
      continue;
    }
    const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`flag --${name} needs a value`);
    if (type === "string") out[name] = raw;
    else {
      const n = Number(raw);
      if (!Number.isFinite(n) || (type === "int" && !Number.isInteger(n)))
        throw new UsageError(
          `flag --${name}: expected ${type === "int" ? "an integer" : "a number"}, got ${JSON.stringify(raw)}`,
        );
      out[name] = n;
    }
  }
  return out as Flags<S>;
}

/** Prints a one-line reason and exits 2 (usage) or 1 (anything else). */
export function fail(e: unknown): never {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`error: ${msg.split("\n")[0]}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}
