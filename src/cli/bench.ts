#!/usr/bin/env node
/**
 * `npm run bench -- kernels [--steps N]`: times one training step of a batched Luong model (hidden 256,
 * batch 64, 10 source + 10 target tokens, a 3572-word target vocabulary) on the wasm backend, with wasm's
 * own BatchMatMul and with the workbook's transpose-first BatchMatMul, and prints a final JSON line.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/select";
import { registerWasmKernels } from "../backend/wasm-kernels";
import { Seq2Seq, DEFAULT_MODEL } from "../models/seq2seq";
import { Trainer } from "../train/trainer";
import { Vocabulary, SPECIAL_TOKENS } from "../data/vocab";
import { padBatch, Example } from "../data/batches";
import { Random } from "../util/random";
import { parseArgs, fail, UsageError } from "./args";

function vocab(size: number, prefix: string): Vocabulary {
  return new Vocabulary([...SPECIAL_TOKENS, ...Array.from({ length: size - SPECIAL_TOKENS.length }, (_, i) => `${prefix}${i}`)]);
}

async function kernels(steps: number): Promise<void> {
  const report = await initBackend({ force: "wasm" });
  const rng = new Random(1);
  const src = vocab(2000, "e"), tgt = vocab(3572, "d");
  const examples: Example[] = Array.from({ length: 64 }, () => ({
    source: Array.from({ length: 10 }, () => 4 + rng.int(src.size - 4)),
    target: Array.from({ length: 9 }, () => 4 + rng.int(tgt.size - 4)),
  }));
  const batch = padBatch(examples);
  const results: Record<string, number> = {};
  for (const patched of [false, true]) {
    registerWasmKernels({ batchMatMul: patched });
    const model = new Seq2Seq({ ...DEFAULT_MODEL, attention: "luong-concat", embeddingSize: 256, hiddenSize: 256, sourceVocabSize: src.size, targetVocabSize: tgt.size });
    const trainer = new Trainer({ model, sourceVocab: src, targetVocab: tgt, tokenizeOptions: {} }, { train: examples, validation: [] }, { batchSize: 64 });
    trainer.trainStep(batch, rng); // warm-up: Adam's slots, wasm's first calls
    const t0 = Date.now();
    for (let i = 0; i < steps; i++) trainer.trainStep(batch, rng);
    results[patched ? "patched" : "unpatched"] = (Date.now() - t0) / steps / 1000;
    trainer.dispose();
    model.dispose();
  }
  registerWasmKernels({ batchMatMul: true });
  console.log(JSON.stringify({
    bench: "wasm-kernels",
    backend: report.tfBackend,
    config: "luong-concat, hidden 256, embedding 256, batch 64, 10+10 tokens, target vocabulary 3572",
    secondsPerStepUnpatched: Number(results.unpatched.toFixed(3)),
    secondsPerStepPatched: Number(results.patched.toFixed(3)),
    speedup: Number((results.unpatched / results.patched).toFixed(2)),
    steps,
    tensorsLeft: tf.memory().numTensors,
  }));
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2), { steps: "int" });
  const what = a._[0] ?? "kernels";
  if (what === "kernels") return kernels((a.steps as number | undefined) ?? 3);
  throw new UsageError(`unknown benchmark "${what}": use kernels`);
}

main().catch(fail);
