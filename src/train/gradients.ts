/**
 * A batch's gradients: the one routine the trainer's main thread and the gradient workers (./grad-worker.ts)
 * both run.
 */
import * as tf from "@tensorflow/tfjs";
import type { Seq2Seq } from "../models/seq2seq";
import { Batch, batchTensors, Example, makeBatches } from "../data/batches";
import { Random } from "../util/random";

/** What a batch's loss needs from the training options. */
export interface GradientOptions {
  teacherForcing: number;
  teacherForcingMode: "batch" | "step";
  labelSmoothing: number;
}

/** The gradients (by variable name) of a batch's mean loss per target token, with dropout, and that loss. */
export function batchGradients(
  model: Seq2Seq,
  batch: Batch,
  rng: Random,
  options: GradientOptions,
): { loss: number; grads: Record<string, tf.Tensor> } {
  const tensors = batchTensors(batch);
  const { value, grads } = tf.variableGrads(
    () =>
      model.loss(tensors, {
        teacherForcing: options.teacherForcing,
        teacherForcingMode: options.teacherForcingMode,
        rng,
        training: true,
        labelSmoothing: options.labelSmoothing,
      }),
    model.trainableVariables(),
  );
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(tensors)]);
  return { loss, grads };
}

/** The mean loss per real target token over `examples`, with teacher forcing and no dropout. */
export function meanLoss(model: Seq2Seq, examples: Example[], batchSize = 64): number {
  if (examples.length === 0) return NaN;
  let sum = 0,
    tokens = 0;
  const rng = new Random(0);
  for (const batch of makeBatches(examples, { batchSize, bucket: true })) {
    const tensors = batchTensors(batch);
    const loss = tf.tidy(() =>
      model.loss(tensors, { teacherForcing: 1, teacherForcingMode: "batch", rng, training: false }),
    );
    sum += loss.dataSync()[0] * batch.targetTokens;
    tokens += batch.targetTokens;
    tf.dispose([loss, ...Object.values(tensors)]);
  }
  return sum / tokens;
}
