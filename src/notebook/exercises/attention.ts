/**
 * Exercise checks for the attention formulas: Bahdanau's additive score and the context vector (notebook
 * 01), Luong's concat score and attentional state (02), and the dot score, general score and masking of
 * the workshop (07). Every reference below is written with plain loops from the paper's formula, so a
 * check never compares an answer with the library function that the exercise is about, and an answer
 * that calls that function fails (src/notebook/checks.ts, `refuseLibrary`).
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../util/random";
import {
  compareNumbers,
  dot,
  everyCase,
  failed,
  matrix,
  maskedSoftmaxOf,
  numbersOf,
  passed,
  randomNumbers,
  refuseLibrary,
  runCheck,
  vecMat,
  vector,
} from "../checks";

const tanhAll = (x: number[]): number[] => x.map(Math.tanh);
const add = (a: number[], b: number[]): number[] => a.map((x, i) => x + b[i]);

/** Bahdanau's `e = v · tanh(s·Wq + h·Wk)` for one decoder state `s [Hq]` and one encoder state `h [Hk]`. */
function additiveScoreOf(s: number[], h: number[], Wq: number[][], Wk: number[][], v: number[]): number {
  return dot(v, tanhAll(add(vecMat(s, Wq), vecMat(h, Wk))));
}

/**
 * Exercise 01.1: Bahdanau's additive score by hand, `additiveScore(s [Hq], h [Hk], Wq [Hq,U], Wk [Hk,U], v [U])`
 * returns the number `v · tanh(s·Wq + h·Wk)`. Checked on notebook 01's example and on random sizes.
 */
export function checkAdditiveScore(
  additiveScore: (s: number[], h: number[], Wq: number[][], Wk: number[][], v: number[]) => unknown,
): void {
  const hint =
    "first the two projections s·Wq and h·Wk (each [U]: entry u is Σ_a s[a]·Wq[a][u]), add them, take tanh of each entry, then the dot product with v.";
  runCheck("01.1 (additive score)", hint, () => {
    const refused = refuseLibrary(additiveScore, ["bahdanauScores", "additiveScores", "BahdanauAttention"]);
    if (refused) return refused;
    const rng = new Random(11);
    const cases: Array<[string, number[], number[], number[][], number[][], number[]]> = [
      [
        "notebook 01's s and h1",
        [1, 0, 2],
        [1, 1, 0],
        [
          [1, 0],
          [0, 1],
          [0, 0],
        ],
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
        [1, -1],
      ],
      [
        "random sizes Hq=3, Hk=4, U=5",
        vector(rng, 3),
        vector(rng, 4),
        matrix(rng, 3, 5),
        matrix(rng, 4, 5),
        vector(rng, 5),
      ],
    ];
    return everyCase(
      cases.map(([label, s, h, Wq, Wk, v]) => [
        label,
        () => {
          const want = additiveScoreOf(s, h, Wq, Wk, v);
          return compareNumbers(additiveScore(s, h, Wq, Wk, v), want, "the score");
        },
      ]),
      "the score v · tanh(s·Wq + h·Wk) matches on notebook 01's example and on random sizes.",
    );
  });
}

/** Exercise 01.2: the context vector by hand, `contextOf(weights [S], encoderStates [S][H]) -> [H]` = Σ_j α_j h_j. */
export function checkContextVector(contextOf: (weights: number[], encoderStates: number[][]) => unknown): void {
  const hint = "start from H zeros; for every source position j add weights[j] · encoderStates[j] to it.";
  runCheck("01.2 (context vector)", hint, () => {
    const refused = refuseLibrary(contextOf, ["contextVector"]);
    if (refused) return refused;
    const rng = new Random(12);
    const cases: Array<[string, number[], number[][]]> = [
      [
        "notebook 01's two states",
        [0.7, 0.3],
        [
          [1, 1, 0],
          [0, 1, 1],
        ],
      ],
      ["5 states of 4 numbers", [0.1, 0.2, 0.3, 0.15, 0.25], matrix(rng, 5, 4)],
    ];
    return everyCase(
      cases.map(([label, weights, states]) => [
        label,
        () => {
          const want = states[0].map((_, h) => states.reduce((sum, row, j) => sum + weights[j] * row[h], 0));
          return compareNumbers(contextOf(weights, states), want, "the context vector");
        },
      ]),
      "the weighted sum of the encoder states matches.",
    );
  });
}

/**
 * Exercise 02.1: Luong's attentional hidden state `h̃ = tanh([c; h]·Wc)`, batched:
 * `attentionalState(context [B,Hk], ht [B,H], Wc [Hk+H,H]) -> [B,H]`.
 */
export function checkAttentionalState(
  attentionalState: (context: tf.Tensor2D, ht: tf.Tensor2D, Wc: tf.Tensor2D) => unknown,
): void {
  const hint =
    "tf.concat([context, ht], 1) is [B, Hk+H] (context first, as in the paper); multiply it by Wc with tf.matMul, then tf.tanh.";
  runCheck("02.1 (attentional state)", hint, () => {
    const refused = refuseLibrary(attentionalState, ["attentionalState", "LuongDecoder"]);
    if (refused) return refused;
    const rng = new Random(21);
    const [c, h, Wc] = [matrix(rng, 2, 3), matrix(rng, 2, 4), matrix(rng, 7, 4)];
    const want = c.map((cb, b) => tanhAll(vecMat([...cb, ...h[b]], Wc)));
    return compareNumbers(
      attentionalState(tf.tensor2d(c), tf.tensor2d(h), tf.tensor2d(Wc)),
      want,
      "h̃ for B=2, Hk=3, H=4",
    );
  });
}

/**
 * Exercise 02.2: Luong's concat score, `concatScore(ht [B,Hq], keys [B,S,Hk], Wa [Hq+Hk,U], v [U]) -> [B,S]`
 * with `score[b,s] = v · tanh([ht[b]; keys[b,s]]·Wa)`.
 */
export function checkConcatScore(
  concatScore: (ht: tf.Tensor2D, keys: tf.Tensor3D, Wa: tf.Tensor2D, v: tf.Tensor1D) => unknown,
): void {
  const hint =
    "repeat ht along S (tf.tile of ht reshaped to [B,1,Hq]), concat with the keys on the last axis ([B,S,Hq+Hk]), reshape to [B·S, Hq+Hk], matMul Wa, tanh, matMul v reshaped to [U,1], reshape to [B,S].";
  runCheck("02.2 (concat score)", hint, () => {
    const refused = refuseLibrary(concatScore, [
      "luongScores",
      "additiveScores",
      "sharedConcatScores",
      "LuongAttention",
    ]);
    if (refused) return refused;
    const rng = new Random(22);
    const [h, keys, Wa, v] = [
      matrix(rng, 2, 3),
      randomNumbers(rng, [2, 4, 5]) as number[][][],
      matrix(rng, 8, 6),
      vector(rng, 6),
    ];
    const want = keys.map((kb, b) => kb.map((k) => dot(v, tanhAll(vecMat([...h[b], ...k], Wa)))));
    return compareNumbers(
      concatScore(tf.tensor2d(h), tf.tensor3d(keys), tf.tensor2d(Wa), tf.tensor1d(v)),
      want,
      "the scores for B=2, S=4, Hq=3, Hk=5, U=6",
    );
  });
}

/** Exercise 07.1: the dot score, `dotScore(query [B,H], keys [B,S,H]) -> [B,S]`. */
export function checkDotScore(dotScore: (query: tf.Tensor2D, keys: tf.Tensor3D) => unknown): void {
  const hint =
    "score[b,s] = Σ_h keys[b,s,h]·query[b,h]: reshape the query to [B,H,1] and tf.matMul(keys, it), then reshape to [B,S].";
  runCheck("07.1 (dot score)", hint, () => {
    const refused = refuseLibrary(dotScore, ["luongScores", "LuongAttention", "scaledDotProductAttention"]);
    if (refused) return refused;
    const rng = new Random(101);
    const [q, keys] = [matrix(rng, 3, 4), randomNumbers(rng, [3, 5, 4]) as number[][][]];
    return compareNumbers(
      dotScore(tf.tensor2d(q), tf.tensor3d(keys)),
      keys.map((kb, b) => kb.map((k) => dot(k, q[b]))),
      "the scores for B=3, S=5, H=4",
    );
  });
}

/** Exercise 07.2: the general score, `generalScore(query [B,Hq], keys [B,S,Hk], Wa [Hq,Hk]) -> [B,S]`. */
export function checkGeneralScore(
  generalScore: (query: tf.Tensor2D, keys: tf.Tensor3D, Wa: tf.Tensor2D) => unknown,
): void {
  const hint =
    "first project the query: q = tf.matMul(query, Wa) is [B,Hk]; then it is the dot score of q and the keys.";
  runCheck("07.2 (general score)", hint, () => {
    const refused = refuseLibrary(generalScore, ["luongScores", "LuongAttention"]);
    if (refused) return refused;
    const rng = new Random(202);
    const [q, keys, Wa] = [matrix(rng, 2, 3), randomNumbers(rng, [2, 4, 5]) as number[][][], matrix(rng, 3, 5)];
    const want = keys.map((kb, b) => kb.map((k) => dot(k, vecMat(q[b], Wa))));
    return compareNumbers(
      generalScore(tf.tensor2d(q), tf.tensor3d(keys), tf.tensor2d(Wa)),
      want,
      "the scores for B=2, S=4, Hq=3, Hk=5",
    );
  });
}

/**
 * Exercise 07.3: masking, `maskedSoftmax(scores [B,S], mask [B,S]) -> [B,S]`: a softmax over the real
 * positions, and exactly 0 on every padded one. The padded positions get the largest scores, so an answer
 * that ignores the mask, or zeroes padding after the softmax without renormalising, is caught.
 */
export function checkMaskedSoftmax(maskedSoftmax: (scores: tf.Tensor2D, mask: tf.Tensor2D) => unknown): void {
  const hint = "push padded scores to a very negative number before tf.softmax, e.g. scores + (mask - 1) * 1e9.";
  runCheck("07.3 (masking)", hint, () => {
    const refused = refuseLibrary(maskedSoftmax, ["attentionWeights", "maskBias"]);
    if (refused) return refused;
    const rng = new Random(303);
    const mask = [
      [1, 1, 1, 0, 0],
      [1, 1, 1, 1, 0],
      [1, 1, 1, 1, 1],
      [1, 0, 0, 0, 0],
    ];
    const scores = mask.map((row) => row.map((m) => (m === 1 ? rng.uniform(-1, 1) : 5 + rng.uniform(0, 1))));
    const got = maskedSoftmax(tf.tensor2d(scores), tf.tensor2d(mask));
    const verdict = compareNumbers(
      got,
      mask.map((row, b) => maskedSoftmaxOf(scores[b], row)),
      "the weights for 4 sentences of 1 to 5 real words",
    );
    if (!verdict.pass) return verdict;
    const values = (numbersOf(got) as { value: number[][] }).value;
    for (let b = 0; b < mask.length; b++) {
      for (let s = 0; s < mask[b].length; s++)
        if (mask[b][s] === 0 && values[b][s] !== 0)
          return failed(`sentence ${b}, padded position ${s} has weight ${values[b][s]}, not exactly 0.`);
    }
    return passed("a softmax over the real words, exactly 0 on all 7 padded positions.");
  });
}
