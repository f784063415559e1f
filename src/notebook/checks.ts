/**
 * What every exercise check shares (the exercises themselves: src/notebook/exercises/). A check runs the
 * participant's answer on inputs the check chooses, compares it with a reference the check computes with
 * plain loops (never with the library function the exercise is about), and prints one line:
 *
 *     PASS  exercise 01.1 (additive score): ...
 *     FAIL  exercise 01.1 (additive score): ... Hint: ...
 *
 * A check never throws, so an unfinished exercise does not stop Run All, and it disposes every tensor the
 * answer makes, so rerunning a check cell leaks nothing.
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../util/random";

export interface CheckResult {
  exercise: string;
  pass: boolean;
  message: string;
}

/** A check's finding: `pass` with what was checked, or a failure with what is wrong. */
export interface Verdict {
  pass: boolean;
  message: string;
}

/** Every check's latest result, by exercise name (the checks print and return nothing, to keep cells tidy). */
export const results: Record<string, CheckResult> = {};

export const passed = (message: string): Verdict => ({ pass: true, message });
export const failed = (message: string): Verdict => ({ pass: false, message });

/** Prints the verdict's line, the hint after a failure, and records it in `results`. */
function report(exercise: string, verdict: Verdict, hint: string): void {
  const { pass, message } = verdict;
  results[exercise] = { exercise, pass, message };
  console.log(pass ? `PASS  exercise ${exercise}: ${message}` : `FAIL  exercise ${exercise}: ${message} Hint: ${hint}`);
}

/**
 * Runs one check: `body` inside a tidy scope (the answer's tensors are freed), an exception from the answer
 * turned into a FAIL line.
 */
export function runCheck(exercise: string, hint: string, body: () => Verdict): void {
  let verdict: Verdict;
  try {
    verdict = tf.tidy(() => body() as unknown as tf.TensorContainer) as unknown as Verdict;
  } catch (e) {
    verdict = failed(`your answer threw: ${String((e as Error)?.message ?? e).split("\n")[0]}.`);
  }
  report(exercise, verdict, hint);
}

/**
 * Where an answer uses the library instead of doing the work itself: `wb.<name>` for any name but `wb.tf`,
 * or one of `names` (the library functions the exercise is about, e.g. imported with `const { x } = wb`).
 * Reads the answer's source; `undefined` when it uses none of them.
 */
export function libraryUse(answer: (...args: never[]) => unknown, names: readonly string[]): string | undefined {
  const source = Function.prototype.toString.call(answer);
  const viaNamespace = /\bwb\s*(?:\.\s*(?!tf\b)([A-Za-z_$][\w$]*)|\[)/.exec(source);
  if (viaNamespace) return `wb.${viaNamespace[1] ?? "[...]"}`;
  return names.find((name) => name !== answer.name && new RegExp(`(^|[^\\w$])${name}(?![\\w$])`).test(source));
}

/** The FAIL verdict for an answer that calls the library, or `undefined` when it does the work itself. */
export function refuseLibrary(answer: (...args: never[]) => unknown, names: readonly string[]): Verdict | undefined {
  const used = libraryUse(answer, names);
  return used === undefined
    ? undefined
    : failed(`your answer calls the library's ${used}: the exercise is to write it yourself (tf is fine).`);
}

export type Nested = number | Nested[];

/** An answer as plain numbers: a tensor's values, a number, or (nested) arrays of numbers; else a description of what it is. */
export function numbersOf(got: unknown): { value: Nested } | { problem: string } {
  if (got === undefined || got === null) return { problem: "nothing returned yet." };
  if (got instanceof tf.Tensor) return { value: got.arraySync() as Nested };
  if (typeof got === "number") return { value: got };
  const expected = "expected numbers (a tf.Tensor, a number or an array of numbers)";
  if (!Array.isArray(got)) return { problem: `${expected}, got ${typeof got}.` };
  const parts = got.map(numbersOf);
  const values: Nested[] = [];
  for (const part of parts) {
    if ("problem" in part) return { problem: `${expected}, got an array with something else in it.` };
    values.push(part.value);
  }
  return { value: values };
}

/** The shape of nested arrays, `[]` for a number. */
export function shapeOf(x: Nested): number[] {
  return Array.isArray(x) ? [x.length, ...(x.length > 0 ? shapeOf(x[0]) : [])] : [];
}

function flatten(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flatten) : [x];
}

/**
 * Compares an answer with the expected numbers: the same shape (a one-element array, tensor or scalar
 * counts as a number when a number is expected) and every value within `tolerance`.
 */
export function compareNumbers(got: unknown, want: Nested, what: string, tolerance = 1e-4): Verdict {
  const read = numbersOf(got);
  if ("problem" in read) return failed(read.problem);
  let value = read.value;
  if (!Array.isArray(want) && Array.isArray(value) && flatten(value).length === 1) value = flatten(value)[0];
  const [gotShape, wantShape] = [shapeOf(value), shapeOf(want)];
  if (gotShape.join(",") !== wantShape.join(","))
    return failed(`expected ${what} of shape [${wantShape}], got [${gotShape}].`);
  const [a, b] = [flatten(value), flatten(want)];
  let worst = 0,
    at = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Number.isNaN(a[i]) ? Infinity : Math.abs(a[i] - b[i]);
    if (d > worst) [worst, at] = [d, i];
  }
  if (worst > tolerance)
    return failed(`${what}: value ${at} (counted flat) is ${a[at]}, expected ${b[at].toFixed(6)}.`);
  return passed(`${what} match on inputs the check chose.`);
}

/** Uniform numbers in [-1, 1) of a given shape, as nested arrays. */
export function randomNumbers(rng: Random, shape: number[]): Nested {
  if (shape.length === 0) return rng.uniform(-1, 1);
  return Array.from({ length: shape[0] }, () => randomNumbers(rng, shape.slice(1)));
}

export const vector = (rng: Random, n: number): number[] => randomNumbers(rng, [n]) as number[];
export const matrix = (rng: Random, rows: number, cols: number): number[][] =>
  randomNumbers(rng, [rows, cols]) as number[][];

/** Σ_k a[k]·b[k]. */
export function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum;
}

/** Row vector times matrix: `x [n] · W [n,m] -> [m]`. */
export function vecMat(x: readonly number[], W: readonly number[][]): number[] {
  return W[0].map((_, j) => x.reduce((sum, xi, i) => sum + xi * W[i][j], 0));
}

/** The index of the largest value (the first on ties). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The first failing case's verdict, its label in front; `passed(message)` when every case passes. */
export function everyCase(cases: ReadonlyArray<[label: string, run: () => Verdict]>, message: string): Verdict {
  for (const [label, run] of cases) {
    const verdict = run();
    if (!verdict.pass) return failed(`${label}: ${verdict.message}`);
  }
  return passed(message);
}

/** softmax over the positions where `mask` is 1, exactly 0 elsewhere (the reference for masking). */
export function maskedSoftmaxOf(scores: readonly number[], mask: readonly number[]): number[] {
  const real = scores.filter((_, s) => mask[s] === 1);
  const top = Math.max(...real);
  const exps = scores.map((x, s) => (mask[s] === 1 ? Math.exp(x - top) : 0));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
