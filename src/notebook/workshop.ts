/**
 * Checks for the workshop's exercises (notebooks/07-workshop.ipynb). Each check runs the participant's
 * function on fresh inputs, compares it with the library, and answers PASS or FAIL with a hint. A check
 * never throws, so an unfinished exercise does not stop the notebook.
 */
import * as tf from "@tensorflow/tfjs";
import { luongScores } from "../attention/scores";
import { attentionWeights } from "../attention/weights";
import { Random } from "../util/random";

export interface CheckResult {
  exercise: string;
  pass: boolean;
  message: string;
}

/** Every check's latest result, by exercise name (the checks print and return nothing, to keep cells tidy). */
export const results: Record<string, CheckResult> = {};

function report(exercise: string, pass: boolean, message: string): CheckResult {
  results[exercise] = { exercise, pass, message };
  const line = pass ? `PASS  ${exercise}: ${message}` : `FAIL  ${exercise}: ${message}`;
  console.log(line);
  return { exercise, pass, message };
}

function randomTensor(rng: Random, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, () => rng.uniform(-1, 1)), shape);
}

function compare(exercise: string, got: unknown, want: tf.Tensor, hint: string): CheckResult {
  if (got === undefined || got === null) return report(exercise, false, `nothing returned yet. Hint: ${hint}`);
  if (!(got instanceof tf.Tensor)) return report(exercise, false, `expected a tf.Tensor, got ${typeof got}. Hint: ${hint}`);
  if (got.shape.join(",") !== want.shape.join(",")) {
    return report(exercise, false, `expected shape [${want.shape}], got [${got.shape}]. Hint: ${hint}`);
  }
  const a = got.dataSync(), b = want.dataSync();
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  if (!(worst < 1e-4)) return report(exercise, false, `values differ from the library's by up to ${worst.toExponential(2)}. Hint: ${hint}`);
  return report(exercise, true, "matches the library on random inputs");
}

function guard(exercise: string, hint: string, fn: () => CheckResult): CheckResult {
  try {
    return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as CheckResult;
  } catch (e) {
    return report(exercise, false, `it threw: ${(e as Error).message.split("\n")[0]}. Hint: ${hint}`);
  }
}

/** Exercise 1: `dotScore(query [B,H], keys [B,S,H]) -> [B,S]`. */
export function checkDotScore(dotScore: (query: tf.Tensor2D, keys: tf.Tensor3D) => tf.Tensor2D | undefined): void {
  const hint = "score[b,s] = Σ_h keys[b,s,h]·query[b,h]: reshape the query to [B,H,1] and tf.matMul(keys, it), then reshape to [B,S]";
  guard("exercise 1 (dot score)", hint, () => {
    const rng = new Random(101);
    const q = randomTensor(rng, [3, 4]) as tf.Tensor2D, k = randomTensor(rng, [3, 5, 4]) as tf.Tensor3D;
    return compare("exercise 1 (dot score)", dotScore(q, k), luongScores("dot", q, k), hint);
  });
}

/** Exercise 2: `generalScore(query [B,Hq], keys [B,S,Hk], Wa [Hq,Hk]) -> [B,S]`. */
export function checkGeneralScore(generalScore: (query: tf.Tensor2D, keys: tf.Tensor3D, Wa: tf.Tensor2D) => tf.Tensor2D | undefined): void {
  const hint = "first project the query: q = tf.matMul(query, Wa) is [B,Hk]; then it is the dot score of q and the keys";
  guard("exercise 2 (general score)", hint, () => {
    const rng = new Random(202);
    const q = randomTensor(rng, [2, 3]) as tf.Tensor2D, k = randomTensor(rng, [2, 4, 5]) as tf.Tensor3D, W = randomTensor(rng, [3, 5]) as tf.Tensor2D;
    return compare("exercise 2 (general score)", generalScore(q, k, W), luongScores("general", q, k, { Wa: W }), hint);
  });
}

/** Exercise 3: `maskedSoftmax(scores [B,S], mask [B,S]) -> [B,S]`, exactly 0 on padding. */
export function checkMaskedSoftmax(maskedSoftmax: (scores: tf.Tensor2D, mask: tf.Tensor2D) => tf.Tensor2D | undefined): void {
  const hint = "push padded scores to a very negative number before tf.softmax, e.g. scores + (mask - 1) * 1e9";
  guard("exercise 3 (masking)", hint, () => {
    const rng = new Random(303);
    const s = randomTensor(rng, [2, 5]) as tf.Tensor2D;
    const m = tf.tensor2d([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]]);
    const got = maskedSoftmax(s, m);
    const r = compare("exercise 3 (masking)", got, attentionWeights(s, m), hint);
    if (r.pass && (got as tf.Tensor).dataSync()[3] !== 0) return report("exercise 3 (masking)", false, `padding must get weight exactly 0. Hint: ${hint}`);
    return r;
  });
}

/**
 * Exercise 4: greedy decoding. `greedy(nextProbabilities, eosId, maxLength)` must pick the most probable
 * word at each step, feed it back, and stop at `eosId` (not included) or after `maxLength` words.
 */
export function checkGreedyDecoding(greedy: (nextProbabilities: (prefix: number[]) => number[], eosId: number, maxLength: number) => number[] | undefined): void {
  const exercise = "exercise 4 (greedy decoding)";
  const hint = "start with an empty prefix; loop: p = nextProbabilities(prefix), w = index of the largest p; stop if w === eosId, else push w";
  try {
    // A toy model: it wants to say 5, 7, 6 and then end (id 2); from an unexpected prefix it ends at once.
    const plan = [5, 7, 6, 2];
    const model = (prefix: number[]) => {
      const p = new Array(10).fill(0.01);
      const onPlan = prefix.every((w, i) => w === plan[i]);
      p[onPlan ? plan[prefix.length] ?? 2 : 2] = 0.9;
      return p;
    };
    const got = greedy(model, 2, 10);
    if (got === undefined || got === null) return void report(exercise, false, `nothing returned yet. Hint: ${hint}`);
    if (JSON.stringify(got) !== JSON.stringify([5, 7, 6])) return void report(exercise, false, `expected [5,7,6], got ${JSON.stringify(got)}. Hint: ${hint}`);
    const never = () => { const p = new Array(10).fill(0.01); p[4] = 0.9; return p; };
    const capped = greedy(never, 2, 3);
    if (JSON.stringify(capped) !== JSON.stringify([4, 4, 4])) return void report(exercise, false, `a model that never says _EOS must stop after maxLength words: expected [4,4,4], got ${JSON.stringify(capped)}`);
    return void report(exercise, true, "stops at _EOS and at maxLength");
  } catch (e) {
    return void report(exercise, false, `it threw: ${(e as Error).message}. Hint: ${hint}`);
  }
}

/** Exercise 5: reading a heatmap: which source word does an output word attend to most? */
export function checkHeatmapReading(answer: string, weights: number[][], sourceTokens: string[], targetTokens: string[], outputWord: string): void {
  const exercise = "exercise 5 (reading a heatmap)";
  const row = targetTokens.indexOf(outputWord);
  if (row < 0) return void report(exercise, false, `"${outputWord}" is not an output word of this heatmap`);
  const best = sourceTokens[weights[row].indexOf(Math.max(...weights[row]))];
  if (!answer) return void report(exercise, false, `no answer yet. Hint: find the row of "${outputWord}" and the brightest cell in it`);
  if (answer.trim().toLowerCase() !== best) return void report(exercise, false, `not "${answer}". Hint: look along the row of "${outputWord}" for the brightest cell`);
  return void report(exercise, true, `"${outputWord}" attends most to "${best}"`);
}
