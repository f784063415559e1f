#!/usr/bin/env node
/**
 * `npm run train -- --attention bahdanau|luong-dot|luong-general|luong-concat [--data FILE] [--pairs N]
 *   [--epochs E] [--hidden H] [--batch B] [--seed S] [--out DIR] ...`
 * Trains a model (default: the built-in corpus, sizes that train in a minute or two on a 2-core CPU),
 * saves a checkpoint to --out, scores the test split, and prints a final JSON line.
 */
import * as fs from "node:fs";
import { ready, backendReport } from "../backend";
import { prepareData } from "../data/dataset";
import { ATTENTION_KINDS, AttentionKind, DEFAULT_MODEL } from "../models/seq2seq";
import { createModel } from "../models/create";
import { Trainer, DEFAULT_TRAINING } from "../train/trainer";
import { progressBar } from "../train/progress";
import { hasCheckpoint, loadCheckpoint } from "../train/checkpoint";
import { evaluatePairs } from "../metrics/evaluate";
import { parseArgs, fail, UsageError } from "./args";

const FLAGS = {
  attention: "string", data: "string", pairs: "int", epochs: "int", hidden: "int", embedding: "int", units: "int",
  batch: "int", seed: "int", out: "string", lr: "number", "teacher-forcing": "number", "teacher-forcing-mode": "string",
  clip: "number", cell: "string", bidirectional: "bool", "input-feeding": "bool", dropout: "number",
  "label-smoothing": "number", "max-tokens": "int", "min-freq": "int", "max-vocab": "int", minutes: "number",
  patience: "int", resume: "bool", validation: "number", test: "number", workers: "int", recipe: "string",
  "length-penalty": "number", bucket: "bool", eval: "bool", beam: "int", "keep-best": "bool", "decay": "number", anneal: "number",
} as const;

/**
 * Recipes: sets of flags that a user's own flags override. `best` is the workbook's recipe for a
 * 20-minute run on the Tatoeba file on a 2-core CPU (see the README's quality table).
 */
export const RECIPES: Record<string, Record<string, string | number | boolean>> = {
  best: {
    attention: "luong-general", hidden: 256, embedding: 128, batch: 32, lr: 0.003, "teacher-forcing": 1,
    dropout: 0.2, "label-smoothing": 0.1, "min-freq": 2, bucket: true, "keep-best": true, decay: 0.5,
    minutes: 20, anneal: 0.5, validation: 0.03, epochs: 100, beam: 4, "length-penalty": 0.6,
  },
};

async function main(): Promise<void> {
  const given = parseArgs(process.argv.slice(2), FLAGS);
  const recipeName = given.recipe as string | undefined;
  if (recipeName !== undefined && !RECIPES[recipeName]) throw new UsageError(`unknown recipe "${recipeName}": use one of ${Object.keys(RECIPES).join(", ")}`);
  const a = { ...(recipeName ? RECIPES[recipeName] : {}), ...given } as typeof given;
  if (a._.length) throw new UsageError(`unexpected argument ${JSON.stringify(a._[0])}`);
  const attention = (a.attention as string | undefined) ?? "luong-general";
  if (!(ATTENTION_KINDS as readonly string[]).includes(attention)) {
    throw new UsageError(`unknown attention kind "${attention}": use one of ${ATTENTION_KINDS.slice(0, 4).join(", ")}`);
  }
  if (a.data !== undefined && !fs.existsSync(a.data as string)) throw new Error(`cannot read --data ${a.data}: no such file`);
  const tfMode = (a["teacher-forcing-mode"] as string | undefined) ?? "batch";
  if (tfMode !== "batch" && tfMode !== "step") throw new UsageError(`--teacher-forcing-mode must be batch or step, got ${tfMode}`);
  const backend = await ready();
  const dataOptions = {
    file: a.data as string | undefined,
    pairs: a.pairs as number | undefined,
    maxTokens: a["max-tokens"] as number | undefined,
    minFreq: a["min-freq"] as number | undefined,
    maxVocab: a["max-vocab"] as number | undefined,
    seed: (a.seed as number | undefined) ?? 1,
    validation: a.validation as number | undefined,
    test: a.test as number | undefined,
  };
  const data = prepareData(dataOptions);
  const out = (a.out as string | undefined) ?? `checkpoints/${attention}`;
  const resume = Boolean(a.resume) && hasCheckpoint(out);
  let tm;
  let restored: ReturnType<typeof loadCheckpoint> | undefined;
  if (resume) {
    restored = loadCheckpoint(out);
    tm = restored;
    process.stderr.write(`resuming from ${out} (epoch ${restored.training?.epoch ?? 0})\n`);
  } else {
    tm = createModel(data, {
      attention: attention as AttentionKind,
      embeddingSize: (a.embedding as number | undefined) ?? DEFAULT_MODEL.embeddingSize,
      hiddenSize: (a.hidden as number | undefined) ?? DEFAULT_MODEL.hiddenSize,
      attentionUnits: a.units as number | undefined,
      cell: ((a.cell as string | undefined) ?? "lstm") as "lstm" | "gru",
      bidirectional: Boolean(a.bidirectional),
      inputFeeding: Boolean(a["input-feeding"]),
      dropout: (a.dropout as number | undefined) ?? 0,
      seed: (a.seed as number | undefined) ?? 1,
    });
  }
  const trainer = new Trainer(tm, data, {
    epochs: (a.epochs as number | undefined) ?? DEFAULT_TRAINING.epochs,
    batchSize: (a.batch as number | undefined) ?? DEFAULT_TRAINING.batchSize,
    learningRate: (a.lr as number | undefined) ?? DEFAULT_TRAINING.learningRate,
    clipNorm: (a.clip as number | undefined) ?? DEFAULT_TRAINING.clipNorm,
    teacherForcing: (a["teacher-forcing"] as number | undefined) ?? DEFAULT_TRAINING.teacherForcing,
    teacherForcingMode: tfMode,
    labelSmoothing: (a["label-smoothing"] as number | undefined) ?? 0,
    bucket: a.bucket === undefined ? true : Boolean(a.bucket),
    seed: (a.seed as number | undefined) ?? 1,
    patience: (a.patience as number | undefined) ?? 0,
    minutes: (a.minutes as number | undefined) ?? 0,
    keepBest: Boolean(a["keep-best"]),
    decayOnPlateau: (a.decay as number | undefined) ?? 1,
    anneal: (a.anneal as number | undefined) ?? 0,
    workers: (a.workers as number | undefined) ?? 1,
    checkpointDir: out,
  });
  trainer.extraState = { data: dataOptions };
  if (restored) await trainer.restore(restored.training, restored.optimizerWeights, restored.learningRate);
  const bar = progressBar();
  trainer.onBatch = bar.onBatch;
  trainer.onEpoch = bar.onEpoch;
  const result = await trainer.train(); // Ctrl-C stops after the current batch and still saves
  if (result.epochs.length === 0) await trainer.save(out);
  const last = result.epochs[result.epochs.length - 1];
  const summary: Record<string, unknown> = {
    attention,
    backend: backendReport()?.choice ?? backend.choice,
    data: data.file,
    pairs: data.counts,
    epochs: trainer.epoch,
    stoppedBy: result.stoppedBy,
    trainLoss: last?.trainLoss,
    validationLoss: last?.validationLoss,
    lossPerEpoch: result.epochs.map((e) => Number(e.trainLoss.toFixed(4))),
    seconds: Number(result.seconds.toFixed(1)),
    out,
  };
  if (a.eval !== false && data.splits.test.length > 0) {
    // Score the checkpoint that was saved (the best one with --keep-best).
    const best = a["keep-best"] ? loadCheckpoint(out) : tm;
    const evalStart = Date.now();
    const ev = evaluatePairs(best, data.splits.test, { beam: (a.beam as number | undefined) ?? 1, lengthPenalty: a["length-penalty"] as number | undefined });
    Object.assign(summary, {
      recipe: recipeName, bestValidationLoss: result.bestValidationLoss, beam: (a.beam as number | undefined) ?? 1,
      testBleu: ev.bleu, testBleuLowercase: ev.bleuLowercase, testChrf: ev.chrf, testChrfLowercase: ev.chrfLowercase,
      testSentences: ev.sentences, evaluationSeconds: Number(((Date.now() - evalStart) / 1000).toFixed(1)),
    });
  }
  trainer.dispose();
  console.log(JSON.stringify(summary));
}

main().catch(fail);
