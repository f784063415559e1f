/**
 * Data-parallel gradients on worker threads. tfjs's wasm backend runs on one thread in Node, so a
 * training step uses one core; with `workers: 2` the trainer splits each batch into two shards, a worker
 * thread computes one shard's gradients while the main thread computes the other's, and the main thread
 * combines them (weighted by target tokens), clips, applies Adam and sends the new weights with the next
 * shard. The result is the gradient of the whole batch, as with one thread.
 */
import { Worker } from "node:worker_threads";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { teacherForces } from "../models/seq2seq";
import type { Seq2Seq, Seq2SeqConfig } from "../models/seq2seq";
import { Batch, Example, MIN_TRAINING_SOURCE_LENGTH, padBatch } from "../data/batches";
import { Random } from "../util/random";
import { batchGradients, GradientOptions } from "./gradients";

export interface ShardResult {
  grads: Float32Array;
  loss: number;
}

export class GradientWorkers {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `count` workers with replicas of a model of `config` on `backend`. */
  static async start(count: number, config: Seq2SeqConfig, backend: string): Promise<GradientWorkers> {
    const file = path.join(__dirname, "grad-worker.js");
    const workers = Array.from({ length: count }, () => new Worker(file, { workerData: { config, backend } }));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (m: { cmd: string; message?: string }) => {
              w.off("message", onMessage);
              if (m.cmd === "ready") resolve();
              else reject(new Error(`gradient worker failed to start: ${m.message}`));
            };
            w.on("message", onMessage);
            w.once("error", reject);
          }),
      ),
    );
    for (const w of workers) w.unref();
    return new GradientWorkers(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends weights and one shard to each worker; resolves with their gradients (flat, in variable order). */
  compute(
    weights: Float32Array,
    shards: Batch[],
    options: GradientOptions & { seeds: number[] },
  ): Promise<ShardResult[]> {
    if (shards.length !== this.workers.length)
      throw new Error(`GradientWorkers: ${shards.length} shards for ${this.workers.length} workers`);
    return Promise.all(
      this.workers.map(
        (w, i) =>
          new Promise<ShardResult>((resolve, reject) => {
            const onMessage = (m: { cmd: string; grads?: Float32Array; loss?: number; message?: string }) => {
              w.off("message", onMessage);
              if (m.cmd === "grads") resolve({ grads: m.grads!, loss: m.loss! });
              else reject(new Error(`gradient worker: ${m.message}`));
            };
            w.on("message", onMessage);
            // Each worker gets its own copy of the weights (a transferred buffer is gone for the sender).
            const copy = weights.slice();
            w.postMessage({ cmd: "step", weights: copy, batch: shards[i], ...options, seed: options.seeds[i] }, [
              copy.buffer,
            ]);
          }),
      ),
    );
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The main thread's share of a batch relative to a worker's (it also combines gradients and applies Adam). */
const MAIN_SHARE = 0.8;

/** The examples of a padded batch, read back from its own arrays: each row's real tokens (its target without _EOS). */
export function batchExamples(batch: Batch): Example[] {
  const { size: B, sourceLength: S, targetLength: T } = batch;
  const real = (ids: Int32Array, mask: Float32Array, b: number, n: number) =>
    Array.from(ids.subarray(b * n, (b + 1) * n)).filter((_, k) => mask[b * n + k] !== 0);
  return Array.from({ length: B }, (_, b) => ({
    source: real(batch.source, batch.sourceMask, b, S),
    target: real(batch.decoderTarget, batch.targetMask, b, T).slice(0, -1),
  }));
}

/** Splits a batch into `parts` shards (shard 0 for the main thread), each padded to its own longest sentence. */
export function shardBatch(batch: Batch, parts: number): Batch[] {
  const examples = batchExamples(batch);
  const n = batch.size;
  const mainCount = Math.max(1, Math.round((n * MAIN_SHARE) / (MAIN_SHARE + parts - 1)));
  // Sorted by length; the main thread takes evenly spaced examples, the workers the rest in turn, so each
  // shard has a similar mix of long and short sentences.
  const order = examples.map((_, k) => k).sort((a, b) => examples[a].target.length - examples[b].target.length);
  const mainPositions = new Set(Array.from({ length: mainCount }, (_, j) => Math.floor(((j + 0.5) * n) / mainCount)));
  const groups: number[][] = Array.from({ length: parts }, () => []);
  let w = 0;
  order.forEach((k, pos) => {
    if (mainPositions.has(pos)) groups[0].push(k);
    else groups[1 + (w++ % (parts - 1))].push(k);
  });
  return groups.map((rows) =>
    padBatch(
      rows.map((k) => examples[k]),
      rows.map((k) => batch.indices[k]),
      MIN_TRAINING_SOURCE_LENGTH,
    ),
  );
}

/** Every trainable variable's values in one array, in `vars` order: one concat and one read of the backend's memory. */
function flatWeights(vars: tf.Variable[]): Float32Array {
  const flat = tf.tidy(() => tf.concat(vars.map((v) => v.reshape([-1]))));
  const weights = flat.dataSync() as Float32Array;
  flat.dispose();
  return weights;
}

/**
 * The batch's gradients from its shards': each shard's gradient weighted by its share of the batch's target
 * tokens (`shares[0]` the main thread's `local`, `shares[k + 1]` worker k's, whose gradients come flat, in
 * `vars` order).
 */
function combineShardGradients(
  vars: tf.Variable[],
  local: Record<string, tf.Tensor>,
  remote: ReadonlyArray<{ grads: Float32Array }>,
  shares: number[],
): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    let at = 0;
    for (const v of vars) {
      let g = tf.mul(local[v.name], shares[0]);
      remote.forEach((r, k) => {
        g = tf.add(g, tf.mul(tf.tensor(r.grads.subarray(at, at + v.size), v.shape), shares[k + 1]));
      });
      out[v.name] = g;
      at += v.size;
    }
    return out;
  });
}

/**
 * One batch's gradients over the main thread and `pool`'s workers: the batch is split into shards (the main
 * thread, which also combines the gradients, takes a smaller share), each computes its shard's gradients
 * with the current weights, and the shards' gradients are combined weighted by their target tokens: the
 * gradient of the whole batch, as on one thread. One teacher-forcing decision holds for the whole batch.
 *
 * @returns the batch's mean loss per token and its gradients (by variable name)
 */
export async function parallelGradients(
  pool: GradientWorkers,
  model: Seq2Seq,
  batch: Batch,
  rng: Random,
  options: GradientOptions,
): Promise<{ loss: number; grads: Record<string, tf.Tensor> }> {
  const shards = shardBatch(batch, pool.size + 1);
  const teacherForcing =
    options.teacherForcingMode === "batch"
      ? Number(teacherForces(options.teacherForcing, rng))
      : options.teacherForcing;
  const seeds = shards.map(() => rng.seed());
  const vars = model.trainableVariables();
  const shared = { ...options, teacherForcing };
  const pending = pool.compute(flatWeights(vars), shards.slice(1), { ...shared, seeds: seeds.slice(1) });
  const local = batchGradients(model, shards[0], new Random(seeds[0]), shared);
  const remote = await pending;
  const shares = shards.map((shard) => shard.targetTokens / batch.targetTokens);
  const grads = combineShardGradients(vars, local.grads, remote, shares);
  tf.dispose(Object.values(local.grads));
  return { loss: local.loss * shares[0] + remote.reduce((sum, r, k) => sum + r.loss * shares[k + 1], 0), grads };
}
