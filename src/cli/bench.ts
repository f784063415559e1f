#!/usr/bin/env node
/**
 * `npm run bench -- [train|anchor|kernels] ...`: the benchmarks, each printing a final JSON line (and a
 * short summary on stderr). Each lives in its own file under ./bench, around one shared configuration
 * (./bench/config.ts):
 *
 * - `train` (the default): tfjs against PyTorch 2.x on the same batches (./bench/train.ts);
 * - `anchor`: the quality anchor, the same model trained in PyTorch and scored here (./bench/anchor.ts);
 * - `kernels`: one training step's seconds and kernel calls on wasm (./bench/kernels.ts).
 *
 * The work figure is counted analytically (./bench/flops.ts) and set against the machine's peak
 * (./bench/machine.ts); ./bench/torch.ts finds the PyTorch a user would install.
 */
import * as fs from "node:fs";
import { checkFlags, int, num, FlagRule } from "../util/validate";
import { parseArgs, fail, UsageError, FlagType, CommandHelp } from "./args";
import { trainBenchmark } from "./bench/train";
import { anchorBenchmark } from "./bench/anchor";
import { kernelsBenchmark } from "./bench/kernels";

export const BENCH_FLAGS = {
  steps: "int",
  data: "string",
  minutes: "number",
  pairs: "int",
  epochs: "int",
  torch: "bool",
  setup: "bool",
  "debian-torch": "bool",
  threads: "int",
  bucket: "bool",
  workers: "int",
} as const satisfies Record<string, FlagType>;

/** Ranges of the numeric flags, checked before any work. */
export const BENCH_RULES: Record<string, FlagRule> = {
  pairs: int(1, 100_000_000),
  epochs: int(1, 10_000),
  threads: int(1, 4096),
  workers: int(1, 64),
  steps: int(1, 10_000),
  minutes: num(0, 100_000, { minOpen: true }),
};

/** `--help`: what each flag does, the benchmark it is for, and its default (as main() below applies it). */
export const BENCH_HELP: CommandHelp<typeof BENCH_FLAGS> = {
  usage: "npm run bench -- [train|anchor|kernels] [--data FILE] [flags]",
  about:
    "train (the default): tfjs against PyTorch 2.x on the same batches; anchor: the quality anchor trained in\n" +
    "PyTorch and scored here; kernels: one training step's seconds and kernel calls. Each prints a JSON line.",
  rules: BENCH_RULES,
  flags: {
    steps: { text: "kernels: training steps to time", default: 3 },
    data: {
      value: "FILE",
      text: "train, anchor: the pairs file (e.g. ../shared/data/tatoeba-eng-deu.tsv)",
      default: "none (train and anchor need one)",
    },
    minutes: { text: "anchor: minutes of PyTorch training", default: 20 },
    pairs: { text: "train: the first N pairs of --data", default: 10000 },
    epochs: { text: "train: epochs in each framework", default: 1 },
    torch: { text: "train: run the PyTorch reference", default: true },
    setup: { text: "train, anchor: install PyTorch 2.x into .venv-bench when none is found", default: true },
    "debian-torch": { text: "train: add Debian's python3-torch as a second PyTorch row", default: false },
    threads: { text: "train: PyTorch's threads", default: "every core" },
    bucket: { text: "train: batch sentences of similar length together", default: false },
    workers: { text: "train: tfjs threads computing each batch's gradients", default: 1 },
  },
};

const BENCHMARKS = ["train", "anchor", "kernels"];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), BENCH_FLAGS, BENCH_HELP);
  checkFlags(args, BENCH_RULES);
  const which = args._[0] ?? "train";
  if (!BENCHMARKS.includes(which)) throw new UsageError(`unknown benchmark "${which}": use train, anchor or kernels`);
  if (args._.length > 1)
    throw new UsageError(`one benchmark at a time: got ${args._.map((x) => JSON.stringify(x)).join(" ")}`);
  if (which === "kernels") return kernelsBenchmark(args.steps ?? 3);
  if (!args.data) throw new UsageError("--data FILE is required (e.g. ../shared/data/tatoeba-eng-deu.tsv)");
  if (!fs.existsSync(args.data)) throw new Error(`cannot read --data ${args.data}: no such file`);
  if (which === "anchor") return anchorBenchmark(args.data, args.minutes ?? 20, args.setup !== false);
  return trainBenchmark({
    data: args.data,
    pairs: args.pairs ?? 10000,
    epochs: args.epochs ?? 1,
    torch: args.torch !== false,
    setup: args.setup !== false,
    debianTorch: args["debian-torch"] === true,
    threads: args.threads,
    bucket: Boolean(args.bucket),
    workers: args.workers ?? 1,
  });
}

// Run as a command; imported, it only exports the flag rules.
if (require.main === module) main().catch(fail);
