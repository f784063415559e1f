#!/usr/bin/env node
/**
 * Benchmarks, each printing a final JSON line.
 *
 * `npm run bench -- --data FILE [--pairs 10000] [--epochs 1]` (the default, `train`): trains the FloydHub
 * tutorial's configuration, batched (Luong decoder with the concat score, hidden and embedding 256, one
 * LSTM layer, batch 64, teacher forcing 0.5 per batch, Adam 1e-3), on the first --pairs pairs of FILE, and
 * the same model in PyTorch (bench/torch_reference.py) on the very same batches when PyTorch is installed;
 * prints both throughputs and their ratio.
 *
 * `npm run bench -- anchor --data FILE [--minutes 20]`: the quality anchor of the README's table: that same
 * model in PyTorch (bench/torch_anchor.py), trained for --minutes on every pair of FILE outside the default
 * test split (seed 1), then greedy decoding of the test split's English sentences, scored here with every
 * German translation of a test sentence as a reference (the scores of `npm run evaluate`).
 *
 * `npm run bench -- kernels [--steps N]`: one training step of that model (10+10 tokens, a 3572-word target
 * vocabulary) on wasm, with wasm's own BatchMatMul and with the workbook's transpose-first one.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initBackend, ready } from "../backend/select";
import { registerWasmKernels } from "../backend/wasm-kernels";
import { Seq2Seq, DEFAULT_MODEL } from "../models/seq2seq";
import { createModel } from "../models/create";
import { Trainer } from "../train/trainer";
import { Vocabulary, SPECIAL_TOKENS } from "../data/vocab";
import { padBatch, makeBatches, Batch, Example } from "../data/batches";
import { prepareData } from "../data/dataset";
import { detokenize } from "../data/tokenize";
import { groupReferences } from "../metrics/evaluate";
import { corpusBleu } from "../metrics/bleu";
import { corpusChrf } from "../metrics/chrf";
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

/** The Python that has PyTorch, if any. */
function torchPython(): string | undefined {
  for (const py of [process.env.TORCH_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean) as string[]) {
    if (spawnSync(py, ["-c", "import torch"]).status === 0) return py;
  }
  return undefined;
}

interface TrainBenchOptions { data: string; pairs: number; epochs: number; torch: boolean; threads?: number; bucket: boolean; workers: number }

async function train(o: TrainBenchOptions): Promise<void> {
  const backend = await ready();
  const config = { embeddingSize: 256, hiddenSize: 256, attentionUnits: 256, batchSize: 64, teacherForcing: 0.5, learningRate: 1e-3, clipNorm: 5, seed: 1 };
  const data = prepareData({ file: o.data, pairs: o.pairs, validation: 0, test: 0 });
  const batches = makeBatches(data.train, { batchSize: config.batchSize, seed: config.seed, bucket: o.bucket });
  // Teacher forcing decided once per batch, the same decisions for both frameworks.
  const flags = new Random(config.seed + 7).shuffle(batches.map((_, i) => i)).map((i) => i % 2 === 0);
  const tm = createModel(data, { attention: "luong-concat", embeddingSize: config.embeddingSize, hiddenSize: config.hiddenSize, attentionUnits: config.attentionUnits, seed: config.seed });
  const model = tm.model;
  const trainer = new Trainer(tm, { train: data.train, validation: [] }, { batchSize: config.batchSize, learningRate: config.learningRate, clipNorm: config.clipNorm, seed: config.seed, workers: o.workers });
  // The initial weights, for the PyTorch reference to start from the same point.
  const initialWeights = Object.fromEntries(Object.entries(model.namedVariables()).map(([name, v]) => [name, { shape: v.shape, values: Array.from(v.dataSync()) }]));
  const rng = new Random(config.seed);
  let peakRss = 0;
  const epochs: Array<{ epoch: number; seconds: number; loss: number; tokensPerSecond: number }> = [];
  for (let e = 0; e < o.epochs; e++) {
    const started = Date.now();
    let lossSum = 0, tokens = 0;
    for (let i = 0; i < batches.length; i++) {
      const b: Batch = batches[i];
      lossSum += (await trainer.trainBatch(b, rng, { teacherForcing: flags[i] ? 1 : 0 })) * b.targetTokens;
      tokens += b.targetTokens;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const seconds = (Date.now() - started) / 1000;
    epochs.push({ epoch: e + 1, seconds, loss: lossSum / tokens, tokensPerSecond: tokens / seconds });
    process.stderr.write(`tfjs epoch ${e + 1}: ${seconds.toFixed(1)} s, loss ${(lossSum / tokens).toFixed(4)}, ${Math.round(tokens / seconds)} target tokens/s\n`);
  }
  const last = epochs[epochs.length - 1];
  const tfjs = {
    framework: `tfjs ${tf.version.tfjs} (${backend.choice}, ${o.workers} thread${o.workers > 1 ? "s" : ""})`,
    targetTokensPerSecond: Number(last.tokensPerSecond.toFixed(1)),
    secondsPerEpoch: Number(last.seconds.toFixed(2)),
    finalLoss: Number(last.loss.toFixed(4)),
    peakMemoryMB: Number((peakRss / 2 ** 20).toFixed(1)),
  };
  trainer.dispose();
  model.dispose();
  const result: Record<string, unknown> = {
    bench: "train",
    config: "Luong concat, embedding 256, hidden 256, 1 LSTM layer, batch 64, teacher forcing 0.5 per batch, Adam 1e-3, clip 5",
    data: o.data, pairs: data.counts.kept, batches: batches.length, targetTokensPerEpoch: batches.reduce((n, b) => n + b.targetTokens, 0),
    vocabulary: { english: data.sourceVocab.size, german: data.targetVocab.size }, epochs: o.epochs, cores: os.cpus().length,
    tfjs,
  };
  const py = o.torch ? torchPython() : undefined;
  if (o.torch && !py) result.pytorch = "not installed (Debian: apt-get install python3-torch)";
  if (py) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wb-bench-")), "batches.json");
    fs.writeFileSync(file, JSON.stringify({
      config: { ...config, sourceVocabSize: data.sourceVocab.size, targetVocabSize: data.targetVocab.size },
      initialWeights,
      batches: batches.map((b, i) => ({
        size: b.size, sourceLength: b.sourceLength, targetLength: b.targetLength, targetTokens: b.targetTokens, teacherForcing: flags[i],
        source: Array.from(b.source), sourceMask: Array.from(b.sourceMask), decoderInput: Array.from(b.decoderInput),
        decoderTarget: Array.from(b.decoderTarget), targetMask: Array.from(b.targetMask),
      })),
    }));
    const script = path.resolve(__dirname, "../../bench/torch_reference.py");
    // PyTorch gets every core of the machine (tfjs's wasm runs on one thread in Node).
    const threads = o.threads ?? os.cpus().length;
    const r = spawnSync(py, [script, "--batches", file, "--epochs", String(o.epochs), "--threads", String(threads)], { encoding: "utf8", maxBuffer: 1 << 26 });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`the PyTorch reference failed: ${r.stderr.trim().split("\n").pop()}`);
    const torch = JSON.parse(r.stdout.trim().split("\n").pop()!);
    delete torch.epochs;
    result.pytorch = torch;
    result.ratio = Number((tfjs.targetTokensPerSecond / torch.targetTokensPerSecond).toFixed(3));
    result.lossDifference = Number((Math.abs(tfjs.finalLoss - torch.finalLoss) / torch.finalLoss).toFixed(4));
  }
  console.log(JSON.stringify(result));
}

async function anchor(file: string, minutes: number): Promise<void> {
  const py = torchPython();
  if (!py) throw new Error("the anchor needs PyTorch (Debian: apt-get install python3-torch)");
  const config = { embeddingSize: 256, hiddenSize: 256, attentionUnits: 256, batchSize: 64, teacherForcing: 0.5, learningRate: 1e-3, clipNorm: 5, seed: 1 };
  // Every pair outside the test split trains (the anchor keeps no validation set).
  const data = prepareData({ file, validation: 0, seed: 1 });
  const groups = groupReferences(data.splits.test);
  const sourceTokens = new Map(data.splits.test.map((p) => [p.english, p.sourceTokens]));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-anchor-"));
  const input = path.join(dir, "data.json"), output = path.join(dir, "out.json");
  fs.writeFileSync(input, JSON.stringify({
    config: { ...config, sourceVocabSize: data.sourceVocab.size, targetVocabSize: data.targetVocab.size },
    train: data.train.map((e) => [e.source, e.target]),
    test: groups.map((g) => data.sourceVocab.encode(sourceTokens.get(g.english)!)),
  }));
  const threads = os.cpus().length;
  const script = path.resolve(__dirname, "../../bench/torch_anchor.py");
  const r = spawnSync(py, [script, "--data", input, "--out", output, "--minutes", String(minutes), "--threads", String(threads)], { encoding: "utf8", stdio: ["ignore", "inherit", "pipe"], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`the PyTorch anchor failed: ${(r.stderr ?? "").trim().split("\n").pop()}`);
  const result = JSON.parse(fs.readFileSync(output, "utf8"));
  fs.rmSync(dir, { recursive: true, force: true });
  const hypotheses: string[] = result.hypotheses.map((ids: number[]) => {
    const tokens = data.targetVocab.decode(ids);
    return detokenize(data.truecaser ? data.truecaser.apply(tokens) : tokens);
  });
  const references = groups.map((g) => g.references);
  const r2 = (x: number) => Number(x.toFixed(2));
  console.log(JSON.stringify({
    bench: "anchor", framework: result.framework, threads: result.threads,
    config: "Luong concat, embedding 256, hidden 256, 1 LSTM layer, batch 64, teacher forcing 0.5 per batch, Adam 1e-3, clip 5, greedy decoding, lower-cased words",
    data: file, trainPairs: data.counts.train, testPairs: data.counts.test, testSentences: groups.length,
    vocabulary: { english: data.sourceVocab.size, german: data.targetVocab.size },
    minutes, epochs: result.epochs.length, lossPerEpoch: result.epochs.map((e: { loss: number }) => Number(e.loss.toFixed(4))),
    testBleuLowercase: r2(corpusBleu(hypotheses, references, { lowercase: true }).score),
    testBleu: r2(corpusBleu(hypotheses, references).score),
    testChrf: r2(corpusChrf(hypotheses, references).score),
    testChrfLowercase: r2(corpusChrf(hypotheses, references, { lowercase: true }).score),
  }));
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2), { steps: "int", data: "string", minutes: "number", pairs: "int", epochs: "int", torch: "bool", threads: "int", bucket: "bool", workers: "int" });
  const what = a._[0] ?? "train";
  if (what === "kernels") return kernels((a.steps as number | undefined) ?? 3);
  if (what === "train") {
    if (!a.data) throw new UsageError("--data FILE is required (e.g. ../shared/data/tatoeba-eng-deu.tsv)");
    if (!fs.existsSync(a.data as string)) throw new Error(`cannot read --data ${a.data}: no such file`);
    return train({ data: a.data as string, pairs: (a.pairs as number | undefined) ?? 10000, epochs: (a.epochs as number | undefined) ?? 1, torch: a.torch !== false, threads: a.threads as number | undefined, bucket: Boolean(a.bucket), workers: (a.workers as number | undefined) ?? 1 });
  }
  if (what === "anchor") {
    if (!a.data) throw new UsageError("--data FILE is required (e.g. ../shared/data/tatoeba-eng-deu.tsv)");
    if (!fs.existsSync(a.data as string)) throw new Error(`cannot read --data ${a.data}: no such file`);
    return anchor(a.data as string, (a.minutes as number | undefined) ?? 20);
  }
  throw new UsageError(`unknown benchmark "${what}": use train, anchor or kernels`);
}

main().catch(fail);
