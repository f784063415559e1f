#!/usr/bin/env node
// The notebooks' comparisons over several seeds, in full mode: the numbers the notebooks and the guide quote
// as "mean (min-max) over N runs" come from here. Each run writes one JSON line to --out (so a stopped
// measurement resumes where it stopped); the summary is printed as Markdown tables at the end.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const HELP = `node scripts/seeds.js EXPERIMENT [--seeds 1,2,3] [--out FILE] [--data FILE] [--kinds a,b]

Runs one of the notebooks' comparisons in full mode once per seed (the seed of the initial weights and of the
batch order) and prints each measure as mean (min-max) over the runs.

  compare    notebook 06: every attention kind, forward and bidirectional encoder: test BLEU, alignment
             accuracy, AER, the share of argmaxes one English word late (6 epochs, hidden 96)
  long       notebook 08: BLEU by English length on the long corpus (20 epochs, hidden 128)
  forcing    notebook 09: teacher forcing 0, 0.5 and 1 (6 epochs, hidden 128)
  tutorial   notebook 10: the tutorial's model on the first 10,000 Tatoeba pairs (needs --data)

  --seeds    the seeds, comma-separated (default 1,2,3)
  --out      a JSON-lines file: runs already in it are not run again, new runs are appended
  --data     the Tatoeba file for "tutorial" (deu.txt or the two-column TSV)
  --kinds    only these kinds (compare, long), comma-separated`;

const EXPERIMENTS = ["compare", "long", "forcing", "tutorial"];

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(HELP);
    process.exit(0);
  }
  const flags = { seeds: [1, 2, 3], out: undefined, data: undefined, kinds: undefined };
  let experiment;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (!arg.startsWith("--")) {
      if (experiment !== undefined) fail(`one experiment at a time: got "${experiment}" and "${arg}"`);
      experiment = arg;
      continue;
    }
    const name = arg.slice(2);
    const value = argv[++k];
    if (!["seeds", "out", "data", "kinds"].includes(name)) fail(`unknown flag ${arg} (see --help)`);
    if (value === undefined || value.startsWith("--")) fail(`${arg} needs a value`);
    if (name === "seeds") {
      flags.seeds = value.split(",").map((s) => Number(s));
      if (flags.seeds.some((s) => !Number.isInteger(s))) fail(`--seeds: "${value}" is not a list of integers`);
    } else if (name === "kinds") flags.kinds = value.split(",");
    else flags[name] = value;
  }
  if (experiment === undefined) fail(`name an experiment: ${EXPERIMENTS.join(", ")} (see --help)`);
  if (!EXPERIMENTS.includes(experiment))
    fail(`unknown experiment "${experiment}": use one of ${EXPERIMENTS.join(", ")}`);
  if (experiment === "tutorial" && !flags.data) fail(`"tutorial" needs --data, the Tatoeba file`);
  if (flags.data && !fs.existsSync(flags.data)) fail(`--data: no file at ${flags.data}`);
  return { experiment, ...flags };
}

const args = parseArgs(process.argv.slice(2));
const wb = require(path.join(__dirname, "..", "dist", "index.js"));

const FORWARD = [
  "bahdanau",
  "luong-dot",
  "luong-general",
  "luong-concat",
  "luong-local-m",
  "luong-local-p",
  "luong-location",
  "none",
];
const BIDIRECTIONAL = FORWARD.filter((kind) => kind !== "none" && kind !== "luong-dot");

/** The runs of one experiment: a key, the model's settings, and the notebook's measure. */
function plan(experiment) {
  const keep = (kinds) => (args.kinds ? kinds.filter((k) => args.kinds.includes(k)) : kinds);
  if (experiment === "compare") {
    const runs = [
      ...keep(FORWARD).map((kind) => ({ label: kind, model: { attention: kind, bidirectional: false } })),
      ...keep(BIDIRECTIONAL).map((kind) => ({
        label: `${kind} (bidirectional)`,
        model: { attention: kind, bidirectional: true },
      })),
    ];
    return {
      data: { pairs: undefined },
      model: { hiddenSize: 96, embeddingSize: 48 },
      train: { epochs: 6 },
      runs,
      measure: measureCompare,
    };
  }
  if (experiment === "long") {
    const runs = keep(["none", "none-cho", "luong-general", "luong-local-m", "luong-local-p"]).map((kind) => ({
      label: kind,
      model: { attention: kind },
    }));
    return {
      data: { file: wb.LONG_CORPUS },
      model: { hiddenSize: 128, embeddingSize: 64 },
      train: { epochs: 20 },
      runs,
      measure: measureLong,
    };
  }
  if (experiment === "forcing") {
    const runs = [0, 0.5, 1].map((ratio) => ({
      label: `teacher forcing ${ratio}`,
      model: { attention: "luong-general" },
      train: { teacherForcing: ratio },
    }));
    return {
      data: {},
      model: { hiddenSize: 128, embeddingSize: 64 },
      train: { epochs: 6 },
      runs,
      measure: measureBleu(400),
    };
  }
  return {
    data: { file: args.data, pairs: 10000 },
    model: {
      attention: "luong-concat-shared",
      outputLayer: "tutorial",
      hiddenSize: 256,
      embeddingSize: 256,
      attentionUnits: 256,
    },
    train: { epochs: 10, batchSize: 16, learningRate: 1e-3, teacherForcing: 0.5, clipNorm: 5 },
    runs: [{ label: "the tutorial's model", model: {} }],
    measure: measureTutorial,
  };
}

function measureCompare(translationModel, data) {
  const ev = wb.evaluatePairs(translationModel, data.splits.test.slice(0, 1000));
  const out = { bleu: ev.bleuLowercase };
  if (translationModel.model.config.attention === "none") return out;
  const gold = wb.withGold(data.splits.test.slice(0, 500));
  const weights = wb.forcedAttention(translationModel, gold);
  const report = wb.scoreAlignments(gold, weights);
  const offsets = wb.argmaxOffsets(gold, weights);
  const total = [...offsets.values()].reduce((a, b) => a + b, 0);
  return {
    ...out,
    accuracy: 100 * report.all.accuracy,
    aer: report.all.aer,
    late: (100 * (offsets.get(1) ?? 0)) / total,
  };
}

function measureLong(translationModel, data) {
  const rows = wb.scoresByLength(translationModel, data.splits.test, wb.LONG_CORPUS_BUCKETS);
  return Object.fromEntries(rows.map((b) => [b.label, b.bleuLowercase]));
}

function measureBleu(sentences) {
  return (translationModel, data) => {
    const ev = wb.evaluatePairs(translationModel, data.splits.test.slice(0, sentences));
    return { bleu: ev.bleuLowercase, chrf: ev.chrfLowercase };
  };
}

function measureTutorial(translationModel, data) {
  const ev = wb.evaluatePairs(translationModel, data.splits.test.slice(0, 1000));
  const kissed = wb.translate(translationModel, "She kissed him.");
  return { bleu: ev.bleu, bleuLowercase: ev.bleuLowercase, chrf: ev.chrf, kissed: kissed.text };
}

function done(file) {
  if (!file || !fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

function summary(runs, experiment) {
  const byLabel = new Map();
  for (const r of runs.filter((r) => r.experiment === experiment)) {
    if (!byLabel.has(r.label)) byLabel.set(r.label, []);
    byLabel.get(r.label).push(r);
  }
  const measures = [...new Set(runs.flatMap((r) => Object.keys(r.measures)))].filter((m) => m !== "kissed");
  const cell = (values, digits) => {
    if (values.length === 0) return "-";
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return values.length === 1
      ? mean.toFixed(digits)
      : `${mean.toFixed(digits)} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;
  };
  const lines = [
    `| run | runs | ${measures.join(" | ")} | seconds |`,
    `|---|---|${measures.map(() => "---|").join("")}---|`,
  ];
  for (const [label, rs] of byLabel) {
    const values = (m) => rs.map((r) => r.measures[m]).filter((v) => typeof v === "number");
    lines.push(
      `| ${label} | ${rs.length} (seeds ${rs.map((r) => r.seed).join(", ")}) | ${measures.map((m) => cell(values(m), m === "aer" ? 3 : 1)).join(" | ")} | ${cell(
        rs.map((r) => r.seconds),
        0,
      )} |`,
    );
  }
  return lines.join("\n");
}

async function main() {
  console.log(wb.describeBackend(await wb.ready()));
  const experiment = plan(args.experiment);
  const data = wb.prepareData(experiment.data);
  const results = done(args.out);
  for (const seed of args.seeds) {
    for (const run of experiment.runs) {
      if (results.some((r) => r.experiment === args.experiment && r.label === run.label && r.seed === seed)) continue;
      const translationModel = wb.createModel(data, { ...experiment.model, ...run.model, seed });
      const trainer = new wb.Trainer(translationModel, data, { ...experiment.train, ...run.train, seed });
      const trained = await trainer.train();
      trainer.dispose();
      const record = {
        experiment: args.experiment,
        label: run.label,
        seed,
        seconds: trained.seconds,
        validationLoss: trained.epochs[trained.epochs.length - 1].validationLoss,
        measures: experiment.measure(translationModel, data),
      };
      translationModel.model.dispose();
      results.push(record);
      if (args.out) fs.appendFileSync(args.out, `${JSON.stringify(record)}\n`);
      console.log(`${run.label}, seed ${seed}: ${JSON.stringify(record.measures)} (${trained.seconds.toFixed(0)} s)`);
    }
  }
  console.log(`\n${summary(results, args.experiment)}`);
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
