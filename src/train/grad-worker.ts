/**
 * A gradient worker (a worker thread with its own TensorFlow.js): it holds a replica of the model,
 * receives the current weights and a shard of a batch, and returns the shard's gradients.
 * See ./parallel.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/select";
import { Seq2Seq, Seq2SeqConfig } from "../models/seq2seq";
import type { Batch } from "../data/batches";
import { Random } from "../util/random";
import { batchGradients } from "./gradients";

interface StepMessage {
  cmd: "step";
  weights: Float32Array;
  batch: Batch;
  teacherForcing: number;
  teacherForcingMode: "batch" | "step";
  labelSmoothing: number;
  seed: number;
}

async function main(): Promise<void> {
  const { config, backend } = workerData as { config: Seq2SeqConfig; backend: string };
  await initBackend({ force: backend });
  const model = new Seq2Seq(config);
  const vars = model.trainableVariables();
  parentPort!.postMessage({ cmd: "ready" });
  parentPort!.on("message", (msg: StepMessage | { cmd: "exit" }) => {
    if (msg.cmd === "exit") {
      model.dispose();
      process.exit(0);
    }
    try {
      let offset = 0;
      tf.tidy(() => {
        for (const v of vars) {
          v.assign(tf.tensor(msg.weights.subarray(offset, offset + v.size), v.shape));
          offset += v.size;
        }
      });
      const { loss, grads } = batchGradients(model, msg.batch, new Random(msg.seed), msg);
      const joined = tf.tidy(() => tf.concat(vars.map((v) => grads[v.name].reshape([-1]))));
      const flat = joined.dataSync() as Float32Array;
      joined.dispose();
      tf.dispose(Object.values(grads));
      parentPort!.postMessage({ cmd: "grads", grads: flat, loss }, [flat.buffer]);
    } catch (e) {
      parentPort!.postMessage({ cmd: "error", message: (e as Error).message });
    }
  });
}

main().catch((e) => parentPort!.postMessage({ cmd: "error", message: (e as Error).message }));
