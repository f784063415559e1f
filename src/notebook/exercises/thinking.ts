/**
 * Exercise checks that ask for a prediction or a reason rather than a formula: which state is the query
 * in Bahdanau's and in Luong's decoder (02.3), a row of attention weights predicted before it is computed
 * (02.4), uniform attention as an ablation whose fall in BLEU is predicted and then measured (05.3), the
 * bottleneck in numbers (08.1), what teacher forcing feeds the decoder (09.2) and how many updates a
 * training makes (10.1). Like every check they print one PASS or FAIL line with a hint and never throw.
 */
import * as tf from "@tensorflow/tfjs";
import type { Seq2Seq } from "../../models/seq2seq";
import type { DecoderMemory, DecoderState } from "../../models/decoder";
import type { TranslationModel } from "../../models/translation-model";
import { compareNumbers, everyCase, failed, numbersOf, passed, runCheck, Verdict } from "../checks";

const close = (a: unknown, b: number[]): boolean => {
  const read = numbersOf(a);
  return (
    "value" in read &&
    Array.isArray(read.value) &&
    read.value.length === b.length &&
    read.value.every((x, i) => typeof x === "number" && Math.abs(x - b[i]) < 1e-6)
  );
};

/**
 * Exercise 02.3: the timing. `queries(previousState, rnnStep) -> { bahdanau, luong }`: the query each
 * decoder scores the encoder states with at this step, given the decoder state before the step and the
 * step's RNN update (`rnnStep(previousState)` is the new state).
 */
export function checkQueryTiming(
  queries: (previousState: number[], rnnStep: (state: number[]) => number[]) => unknown,
): void {
  const hint =
    "Bahdanau scores before its RNN step, with the previous state s_{i-1}; Luong runs the RNN step first and scores with the new state h_t = rnnStep(previousState).";
  runCheck("02.3 (which state is the query)", hint, () => {
    const previous = [0.5, -0.2, 0.1];
    const rnnStep = (s: number[]) => s.map((x) => Math.tanh(2 * x + 0.3));
    const next = rnnStep(previous);
    const got = queries([...previous], rnnStep);
    if (got === undefined || got === null) return failed("nothing returned yet.");
    if (typeof got !== "object" || !("bahdanau" in got) || !("luong" in got))
      return failed("expected an object { bahdanau, luong }.");
    const { bahdanau, luong } = got as { bahdanau: unknown; luong: unknown };
    const [bPrev, bNext, lPrev, lNext] = [
      close(bahdanau, previous),
      close(bahdanau, next),
      close(luong, previous),
      close(luong, next),
    ];
    if (bPrev && lNext) return passed("Bahdanau's query is the state before the RNN step, Luong's the state after it.");
    if (bNext && lPrev) return failed("the two are swapped.");
    if (bPrev && lPrev) return failed("luong's query is the previous state.");
    if (bNext && lNext) return failed("bahdanau's query is the new state.");
    return failed("each query should be either previousState or rnnStep(previousState), unchanged.");
  });
}

/**
 * Exercise 02.4: predict, then run. `prediction` is the participant's row of attention weights, one per
 * English word, written before the cell computes `row` (the attention layer's weights for the same query
 * and keys). It passes when every predicted weight is within 0.1 of the computed one.
 */
export function checkPredictedRow(prediction: unknown, row: number[], words: string[]): void {
  const hint =
    "score each word with the dot product of its key and the query, then softmax: a score 1 higher means e ≈ 2.7 times the weight, and the weights sum to 1.";
  runCheck("02.4 (predict a row, then run)", hint, () => {
    if (prediction === undefined || prediction === null) return failed("no answer yet.");
    const read = numbersOf(prediction);
    if ("problem" in read) return failed(read.problem);
    const p = read.value;
    if (!Array.isArray(p) || p.some((x) => typeof x !== "number"))
      return failed(`expected one weight per English word (${words.length} numbers).`);
    const values = p as number[];
    if (values.length !== row.length)
      return failed(`expected one weight per English word (${row.length}), got ${values.length}.`);
    const total = values.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 0.02) return failed(`your row sums to ${Number(total.toFixed(3))}: weights sum to 1.`);
    if (values.filter((x) => x === 0).length === values.length - 1)
      return failed("a one-hot row: softmax never gives exactly 0, every word keeps some weight.");
    const off = values.findIndex((x, i) => Math.abs(x - row[i]) > 0.1);
    if (off >= 0)
      return failed(
        `"${words[off]}": you predicted ${Number(values[off].toFixed(3))}, the model gives ${row[off].toFixed(3)}.`,
      );
    return passed(
      `every weight within 0.1 of the model's row (${words.map((w, i) => `${w} ${row[i].toFixed(2)}`).join(", ")}).`,
    );
  });
}

/**
 * A stand-in for a trained model whose attention is replaced: every encoder state of a sentence becomes
 * the same vector, the sum of the states weighted by `weights(mask)`. Whatever the decoder's scores then
 * are, its context is that vector: with uniform weights, exactly uniform attention.
 */
function ablated(model: Seq2Seq, weights: (mask: tf.Tensor2D) => unknown): Seq2Seq {
  const start = (source: tf.Tensor2D, mask: tf.Tensor2D): { memory: DecoderMemory; state: DecoderState } => {
    const r = model.start(source, mask);
    const [B, S, H] = r.memory.keys.shape;
    const w = weights(mask) as tf.Tensor2D;
    const mean = tf.matMul(w.reshape([B, 1, S]), r.memory.keys); // [B,1,H]
    const keys = tf.tile(mean, [1, S, 1]).reshape([B, S, H]) as tf.Tensor3D;
    return { memory: model.decoder.prepare(keys, mask), state: r.state };
  };
  return {
    start,
    decoder: model.decoder,
    logits: (features: tf.Tensor2D) => model.logits(features),
  } as unknown as Seq2Seq;
}

/** The uniform weights' verdict on masks the check chooses: 1/L on each of the L real words, exactly 0 on padding. */
function judgeUniform(uniformWeights: (mask: tf.Tensor2D) => unknown): Verdict {
  const mask = [
    [1, 1, 1, 1],
    [1, 1, 0, 0],
    [1, 0, 0, 0],
  ];
  const got = uniformWeights(tf.tensor2d(mask));
  const read = numbersOf(got);
  if ("problem" in read) return failed(read.problem);
  const want = mask.map((r) => r.map((m) => m / r.reduce((a, b) => a + b, 0)));
  const rows = read.value;
  if (Array.isArray(rows) && rows.length === 3 && rows.every((r) => Array.isArray(r) && r.length === 4)) {
    const values = rows as number[][];
    for (let b = 0; b < 3; b++)
      for (let s = 0; s < 4; s++)
        if (mask[b][s] === 0 && values[b][s] !== 0)
          return failed(
            `sentence ${b} has weight ${Number(values[b][s].toFixed(4))} on padded position ${s}: padding must get 0.`,
          );
    for (let b = 0; b < 3; b++) {
      const total = values[b].reduce((a, x) => a + x, 0);
      if (Math.abs(total - 1) > 1e-4)
        return failed(`sentence ${b}'s weights sum to ${Number(total.toFixed(4))}, not 1.`);
    }
  }
  return compareNumbers(got, want, "the weights for 3 sentences of 4, 2 and 1 words padded to 4");
}

/**
 * Exercise 05.3: the ablation. `uniformWeights(mask [B,S]) -> [B,S]` spreads the attention evenly over a
 * sentence's real words; `predictedFall` is the participant's guess, written before running, of the BLEU
 * points the trained model loses when its attention is replaced by those weights. When both are there,
 * the check scores the model with and without the replacement by `bleuOf` (the notebook passes
 * `(model) => wb.evaluatePairs(model, testPairs).bleuLowercase`) and prints the measured fall.
 */
export function checkAblation(
  uniformWeights: (mask: tf.Tensor2D) => unknown,
  predictedFall: unknown,
  translationModel: TranslationModel,
  bleuOf: (model: TranslationModel) => number,
): void {
  const hint =
    "each sentence's weights are its mask divided by its number of real words: tf.div(mask, tf.sum(mask, 1, true)); predict the fall (a number of BLEU points) before you run.";
  runCheck("05.3 (ablation: uniform attention)", hint, () => {
    const verdict = judgeUniform(uniformWeights);
    if (!verdict.pass) return verdict;
    if (typeof predictedFall !== "number" || !Number.isFinite(predictedFall))
      return failed("no prediction yet: write your guess of the fall in BLEU before you run.");
    const full = bleuOf(translationModel);
    const uniform = bleuOf({ ...translationModel, model: ablated(translationModel.model, uniformWeights) });
    const fall = full - uniform;
    return passed(
      `uniform weights over the real words. Measured on the test sentences: BLEU ${full.toFixed(1)} with the model's attention, ${uniform.toFixed(1)} with uniform attention, a fall of ${fall.toFixed(1)} (you predicted ${predictedFall}).`,
    );
  });
}

/**
 * Exercise 08.1: the bottleneck in numbers. `numbersPerWord(H, S) -> { withoutAttention, withAttention }`:
 * how many numbers of encoder memory the decoder has per English word, without attention (one final
 * state of H numbers for all S words) and with it (every word's own state of H numbers).
 */
export function checkNumbersPerWord(numbersPerWord: (H: number, S: number) => unknown): void {
  const hint =
    "without attention the S words share one state of H numbers: H / S each; with attention every word keeps its own state: H each.";
  runCheck("08.1 (the bottleneck in numbers)", hint, () => {
    const cases: Array<[number, number]> = [
      [128, 5],
      [128, 40],
      [16, 12],
    ];
    return everyCase(
      cases.map(([H, S]) => [
        `H = ${H}, S = ${S}`,
        () => {
          const got = numbersPerWord(H, S);
          if (got === undefined || got === null) return failed("nothing returned yet.");
          if (typeof got !== "object" || !("withoutAttention" in got) || !("withAttention" in got))
            return failed("expected an object { withoutAttention, withAttention }.");
          const { withoutAttention, withAttention } = got as { withoutAttention: unknown; withAttention: unknown };
          if (withoutAttention === H && withAttention === S * H)
            return failed("those are the totals for the whole sentence: divide each by its S words.");
          if (withoutAttention === H && withAttention === H / S) return failed("the two are swapped.");
          const a = compareNumbers(withoutAttention, H / S, "withoutAttention", 1e-9);
          return a.pass ? compareNumbers(withAttention, H, "withAttention", 1e-9) : a;
        },
      ]),
      "H / S numbers per word without attention (3.2 for a 40-word sentence and H = 128), H with it.",
    );
  });
}

/**
 * Exercise 09.2: what teacher forcing feeds. `decoderInputs(reference, guesses, teacherForcing, sosId)`:
 * the previous word the decoder is given at each of the T steps of a target of T ids (`_EOS` last):
 * `_SOS`, then the reference's words with teacher forcing, the model's own guesses without.
 */
export function checkDecoderInputs(
  decoderInputs: (reference: number[], guesses: number[], teacherForcing: boolean, sosId: number) => unknown,
): void {
  const hint =
    "step t is given the word before it: _SOS at step 0, then word t-1 of the reference (teacher forcing) or of the model's own guesses (without); the last word is never fed.";
  runCheck("09.2 (what teacher forcing feeds)", hint, () => {
    const reference = [5, 6, 7, 2];
    const guesses = [5, 8, 9, 2];
    const cases: Array<[string, boolean, number[]]> = [
      ["with teacher forcing", true, [1, 5, 6, 7]],
      ["without teacher forcing", false, [1, 5, 8, 9]],
    ];
    return everyCase(
      cases.map(([label, forcing, want]) => [
        label,
        () => {
          const got = decoderInputs([...reference], [...guesses], forcing, 1);
          if (got === undefined || got === null) return failed("nothing returned yet.");
          const other = forcing ? [1, 5, 8, 9] : [1, 5, 6, 7];
          if (close(got, forcing ? reference : guesses))
            return failed("step t was given word t itself: shift by one, _SOS first.");
          if (close(got, other))
            return failed(forcing ? "those are the model's guesses." : "those are the reference's words.");
          return compareNumbers(got, want, "the previous words", 0);
        },
      ]),
      "_SOS then the reference's words under teacher forcing, _SOS then the model's own guesses without.",
    );
  });
}

/**
 * Exercise 10.1: `updates(trainingPairs, batchSize, epochs)`: how many times the optimiser updates the
 * weights, one update per batch, the last batch of an epoch possibly smaller.
 */
export function checkUpdates(updates: (trainingPairs: number, batchSize: number, epochs: number) => unknown): void {
  const hint = "each epoch has Math.ceil(trainingPairs / batchSize) batches, one update each; multiply by the epochs.";
  runCheck("10.1 (updates in a training)", hint, () => {
    const cases: Array<[string, number, number, number]> = [
      ["the tutorial: 10,000 pairs, one per update, 10 epochs", 10000, 1, 10],
      ["this notebook: 8,001 pairs in batches of 16, 10 epochs", 8001, 16, 10],
      ["8,001 pairs in batches of 64, 1 epoch", 8001, 64, 1],
    ];
    return everyCase(
      cases.map(([label, n, batch, epochs]) => [
        label,
        () => {
          const got = updates(n, batch, epochs);
          if (got === undefined || got === null) return failed("nothing returned yet.");
          const want = Math.ceil(n / batch) * epochs;
          if (got === Math.floor(n / batch) * epochs && got !== want)
            return failed(`${got} leaves out each epoch's last, smaller batch.`);
          if (got === Math.ceil(n / batch) && epochs > 1) return failed(`${got} is one epoch's updates.`);
          return compareNumbers(got, want, "the updates", 0);
        },
      ]),
      "100,000 updates for the tutorial's 10 epochs, 5,010 for this notebook's batches of 16.",
    );
  });
}
