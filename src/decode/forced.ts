/**
 * Forced decoding: the attention a model pays while it is fed a given translation word by word (teacher
 * forcing at test time). Fed the reference, row t belongs to the reference's German token t, so the rows
 * can be scored against a gold word alignment (metrics/alignment.ts; taught in notebook 06).
 */
import * as tf from "@tensorflow/tfjs";
import type { TranslationModel } from "../models/translation-model";
import { encodeSentence } from "../data/dataset";
import { padBatch } from "../data/batches";
import { tokenize } from "../data/tokenize";

/**
 * @returns for each pair `[T][S]`: row t is the attention over the S English tokens while the model
 *   writes German token t (the _EOS step left out)
 */
export function forcedAttention(
  translationModel: TranslationModel,
  pairs: ReadonlyArray<{ english: string; german: string }>,
  options: { batchSize?: number } = {},
): number[][][] {
  const examples = pairs.map((p, i) => {
    const where = `pair ${i + 1}`;
    const target = tokenize(p.german, translationModel.tokenizeOptions);
    if (target.length === 0) throw new Error(`forcedAttention: ${where} has an empty German side`);
    try {
      return {
        source: encodeSentence(p.english, translationModel.sourceVocab, translationModel.tokenizeOptions).ids,
        target: translationModel.targetVocab.encode(target),
      };
    } catch (e) {
      throw new Error(`forcedAttention: ${where}: ${(e as Error).message}`);
    }
  });
  const batchSize = options.batchSize ?? 64;
  const out: number[][][] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = padBatch(examples.slice(start, start + batchSize));
    const { size: B, sourceLength: S, targetLength: T } = batch;
    const perStep: Float32Array[] = [];
    tf.tidy(() => {
      const { memory, state } = translationModel.model.start(
        tf.tensor2d(batch.source, [B, S], "int32"),
        tf.tensor2d(batch.sourceMask, [B, S]),
      );
      const inputs = tf.unstack(tf.tensor2d(batch.decoderInput, [B, T], "int32"), 1) as tf.Tensor1D[];
      let s = state;
      for (let t = 0; t < T; t++) {
        const step = translationModel.model.decoder.step(inputs[t], s, memory);
        perStep.push(step.attention.weights.dataSync() as Float32Array);
        s = step.state;
      }
    });
    batch.indices.forEach((k, b) => {
      const e = examples[start + k];
      out[start + k] = e.target.map((_, t) => Array.from(perStep[t].subarray(b * S, b * S + e.source.length)));
    });
  }
  return out;
}
