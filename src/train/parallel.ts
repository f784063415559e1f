/**
 * Data-parallel gradients on worker threads. tfjs's wasm backend runs on one thread in Node, so a
 * training step uses one core; with `workers: 2` the trainer splits each batch into two shards, a worker
 * thread computes one shard's gradients while the main thread computes the other's, and the main thread
 * combines them (weighted by target tokens), clips, applies Adam and sends the new weights with the next
 * shard. The result is the gradient of the whole batch, as with one thread.
 */
import { Worker } from "node:worker_threads";
import * as path from "node:path";
import type { Seq2SeqConfig } from "../models/seq2seq";
import type { Batch } from "../data/batches";

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
    options: { teacherForcing: number; teacherForcingMode: "batch" | "step"; labelSmoothing: number; seeds: number[] },
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
