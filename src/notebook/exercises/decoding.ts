/**
 * Exercise checks for decoding and for reading attention: a trained model's heatmap (notebook 05), beam
 * search on a toy model (09), what is left without attention and the alignment accuracy (06), greedy decoding
 * and a heatmap typed in by hand (07). The toy models and references are written here, never with the
 * library's `greedySearch`, `beamSearch` or alignment scores.
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../util/random";
import {
  argmax,
  compareNumbers,
  everyCase,
  failed,
  matrix,
  passed,
  randomNumbers,
  refuseLibrary,
  runCheck,
  Verdict,
} from "../checks";

type NextWords = (prefix: number[]) => number[];

/** A toy model over 6 word ids (2 is _EOS): `plan` maps a prefix (ids joined by ",") to its next-word probabilities. */
function toyModel(plan: Record<string, Record<number, number>>, otherwise: Record<number, number>): NextWords {
  return (prefix) => {
    const chosen = plan[prefix.join(",")] ?? otherwise;
    const p = Array.from({ length: 6 }, (_, id) => chosen[id] ?? 0.001);
    const total = p.reduce((a, b) => a + b, 0);
    return p.map((x) => x / total);
  };
}

const asLogs =
  (model: NextWords): NextWords =>
  (prefix) =>
    model([...prefix]).map(Math.log);

function compareIds(got: unknown, want: number[], what: string): Verdict {
  if (got === undefined || got === null) return failed("nothing returned yet.");
  if (Array.isArray(got) && got.length === 0 && want.length === 0) return passed(`${what} match.`);
  if (Array.isArray(got) && got.length !== want.length)
    return failed(`expected ${what} ${JSON.stringify(want)}, got ${JSON.stringify(got)}.`);
  const verdict = compareNumbers(got, want, what, 0);
  return verdict.pass ? verdict : failed(`expected ${what} ${JSON.stringify(want)}, got ${JSON.stringify(got)}.`);
}

/** The toy of exercise 09.1: greedy takes 3 (p .5), then 5, then ends (.5·.35·.9 = .16); 4 then _EOS is worth .4·.9 = .36. */
const gardenPath = toyModel(
  { "": { 3: 0.5, 4: 0.4, 2: 0.06, 5: 0.04 }, "3": { 5: 0.35, 3: 0.3, 4: 0.25, 2: 0.1 } },
  { 2: 0.9, 3: 0.03, 4: 0.03, 5: 0.04 },
);
/** A toy that rarely ends: the best three words are 4, 4, 4. */
const chatterbox = toyModel({}, { 4: 0.6, 5: 0.3, 2: 0.05, 3: 0.05 });

/**
 * Exercise 09.1 (notebook 09, where beam search is taught; it was 05.1): beam search, `beamSearch(nextLogProbabilities, eosId, beamWidth, maxLength) -> ids` (without
 * _EOS): the finished hypothesis with the highest total log-probability, where a hypothesis finishes by
 * choosing _EOS or by reaching maxLength words.
 */
export function checkBeamSearch(
  beamSearch: (nextLogProbabilities: NextWords, eosId: number, beamWidth: number, maxLength: number) => unknown,
): void {
  const hint =
    "keep a list of {ids, logProb}; each step extends every open hypothesis by every word, adds log-probabilities, moves the ones ending in _EOS to `finished`, and keeps the beamWidth best open ones; at maxLength the open ones finish too; return the best finished ids.";
  runCheck("09.1 (beam search)", hint, () => {
    const refused = refuseLibrary(beamSearch, ["beamSearch", "greedySearch", "watchBeamSearch", "beamTree"]);
    if (refused) return refused;
    return everyCase(
      [
        [
          "width 2 on a model whose best first word leads nowhere",
          () => compareIds(beamSearch(asLogs(gardenPath), 2, 2, 10), [4], "the ids"),
        ],
        [
          "width 1 (greedy) on the same model",
          () => compareIds(beamSearch(asLogs(gardenPath), 2, 1, 10), [3, 5], "the ids"),
        ],
        [
          "width 2, maxLength 3, a model that rarely says _EOS",
          () => compareIds(beamSearch(asLogs(chatterbox), 2, 2, 3), [4, 4, 4], "the ids"),
        ],
      ],
      "width 2 finds [4] (p .36) where greedy's [3,5] has .16; width 1 is greedy; maxLength stops a model that never ends.",
    );
  });
}

/** Exercise 07.4: greedy decoding, `greedy(nextProbabilities, eosId, maxLength) -> ids` (without _EOS). */
export function checkGreedyDecoding(
  greedy: (nextProbabilities: NextWords, eosId: number, maxLength: number) => unknown,
): void {
  const hint =
    "start with an empty prefix; loop: p = nextProbabilities(prefix), w = index of the largest p; stop if w === eosId, else push w.";
  runCheck("07.4 (greedy decoding)", hint, () => {
    const refused = refuseLibrary(greedy, ["greedySearch", "beamSearch"]);
    if (refused) return refused;
    const plan = toyModel({ "": { 5: 0.9 }, "5": { 4: 0.9 }, "5,4": { 3: 0.9 }, "5,4,3": { 2: 0.9 } }, { 2: 0.9 });
    return everyCase(
      [
        ["a model that says 5, 4, 3 and ends", () => compareIds(greedy(plan, 2, 10), [5, 4, 3], "the ids")],
        ["maxLength 3 on a model that rarely ends", () => compareIds(greedy(chatterbox, 2, 3), [4, 4, 4], "the ids")],
      ],
      "stops at _EOS (not included) and at maxLength.",
    );
  });
}

function readHeatmap(
  exercise: string,
  answer: string,
  weights: number[][],
  sourceTokens: string[],
  targetTokens: string[],
  outputWord: string,
): void {
  const row = targetTokens.indexOf(outputWord);
  runCheck(
    exercise,
    `find the row of "${outputWord}" and the brightest cell in it; the word under that column is the answer.`,
    () => {
      if (row < 0 || !weights[row])
        return failed(`"${outputWord}" is not an output word of this heatmap (${targetTokens.join(" ")}).`);
      const best = sourceTokens[argmax(weights[row])];
      if (typeof answer !== "string" || answer.trim() === "") return failed("no answer yet.");
      if (answer.trim().toLowerCase() !== best.toLowerCase()) return failed(`not "${answer}".`);
      return passed(
        `"${outputWord}" attends most to "${best}" (weight ${weights[row][argmax(weights[row])].toFixed(2)}).`,
      );
    },
  );
}

/** Exercise 07.5: which source word does `outputWord` attend to most in a heatmap typed in by hand? */
export function checkHeatmapReading(
  answer: string,
  weights: number[][],
  sourceTokens: string[],
  targetTokens: string[],
  outputWord: string,
): void {
  readHeatmap("07.5 (reading a heatmap)", answer, weights, sourceTokens, targetTokens, outputWord);
}

/** Exercise 05.2: the same reading on a trained model's translation (`wb.translate`'s attention and labels). */
export function checkTrainedHeatmapReading(
  answer: string,
  translation: { attention: number[][]; sourceTokens: string[]; outputLabels: string[] },
  outputWord: string,
): void {
  readHeatmap(
    "05.2 (reading a trained model's heatmap)",
    answer,
    translation.attention,
    translation.sourceTokens,
    translation.outputLabels,
    outputWord,
  );
}

/**
 * Exercise 06.1: without attention, the decoder gets one vector per sentence: `lastEncoderState(encoderOutputs
 * [B,S,H], mask [B,S]) -> [B,H]`, the encoder's output at each sentence's last real word.
 */
export function checkLastEncoderState(
  lastEncoderState: (encoderOutputs: tf.Tensor3D, mask: tf.Tensor2D) => unknown,
): void {
  const hint =
    "sentence b has L = Σ_s mask[b][s] real words; its last real output is encoderOutputs[b][L-1] (not [b][S-1], which may be padding).";
  runCheck("06.1 (what is left without attention)", hint, () => {
    const refused = refuseLibrary(lastEncoderState, ["PlainDecoder"]);
    if (refused) return refused;
    const rng = new Random(61);
    const outputs = randomNumbers(rng, [3, 5, 4]) as number[][][];
    const lengths = [5, 2, 4];
    const mask = lengths.map((L) => Array.from({ length: 5 }, (_, s) => (s < L ? 1 : 0)));
    const want = outputs.map((sentence, b) => sentence[lengths[b] - 1]);
    const verdict = compareNumbers(
      lastEncoderState(tf.tensor3d(outputs), tf.tensor2d(mask)),
      want,
      "the states for sentences of 5, 2 and 4 words padded to 5",
    );
    return verdict.pass
      ? passed("one vector per sentence, taken at its last real word: all a plain decoder sees of the sentence.")
      : verdict;
  });
}

/** Alignment accuracy by its definition: of the German rows with a gold link, the share whose argmax is gold. */
function alignmentAccuracyOf(weights: number[][], gold: Array<[number, number]>): { correct: number; linked: number } {
  const linked = [...new Set(gold.map(([, j]) => j))];
  const correct = linked.filter((j) => gold.some(([i, g]) => g === j && i === argmax(weights[j]))).length;
  return { correct, linked: linked.length };
}

/** The cases of exercise 06.2: five German words (one with two gold words, one with none) and a diagonal. */
function alignmentCases(): Array<{ label: string; weights: number[][]; gold: Array<[number, number]> }> {
  const rng = new Random(62);
  // Argmax columns 0, 3, 1, 0, 3: German words 0, 1 and 4 right, 3 wrong, 2 without a gold link (3 of 4).
  const argmaxColumns = [0, 3, 1, 0, 3];
  const weights = matrix(rng, 5, 4).map((row, j) => row.map((x, i) => (i === argmaxColumns[j] ? x + 2 : x)));
  const diagonal = [0, 1, 2].map((j) => [0, 1, 2].map((i) => (i === j ? 0.7 : 0.15)));
  return [
    {
      label: "5 German words, 4 of them linked, one linked to two English words",
      weights,
      gold: [
        [0, 0],
        [1, 1],
        [3, 1],
        [2, 3],
        [3, 4],
      ],
    },
    {
      label: "a diagonal alignment",
      weights: diagonal,
      gold: [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    },
  ];
}

/**
 * Exercise 06.2: alignment accuracy, `alignmentAccuracy(weights [T][S], gold [[english, german], ...]) -> number`:
 * of the German words with at least one gold link, the share whose most attended English word is gold.
 */
export function checkAlignmentAccuracy(
  alignmentAccuracy: (weights: number[][], gold: Array<[number, number]>) => unknown,
): void {
  const hint =
    "for each German row j that appears in some gold link [i, j], take the argmax column of weights[j] and count it correct when [that column, j] is a gold link; divide by the number of such rows (rows without gold links are left out).";
  runCheck("06.2 (alignment accuracy)", hint, () => {
    const taught = ["alignmentCounts", "alignmentScore", "attentionLinks", "scoreAlignments", "alignmentReport"];
    const refused = refuseLibrary(alignmentAccuracy, taught);
    if (refused) return refused;
    const cases = alignmentCases();
    const first = alignmentAccuracyOf(cases[0].weights, cases[0].gold);
    return everyCase(
      cases.map(({ label, weights, gold }) => [
        label,
        () => {
          const { correct, linked } = alignmentAccuracyOf(weights, gold);
          const got = alignmentAccuracy(
            weights.map((r) => [...r]),
            gold.map(([i, j]) => [i, j]),
          );
          return compareNumbers(got, correct / linked, "the accuracy", 1e-9);
        },
      ]),
      `the share of linked German words whose argmax is gold (here ${first.correct} of ${first.linked}).`,
    );
  });
}
