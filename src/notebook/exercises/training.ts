/**
 * Exercise checks for the data and the loss: words to ids (notebook 03), padding a batch and its mask
 * (03), the loss of an untrained model (04) and one teacher-forced step's loss (04). The references are
 * plain loops written here, never the library's `Vocabulary`, `padBatch` or `maskedCrossEntropy`.
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../../util/random";
import {
  compareNumbers,
  everyCase,
  failed,
  numbersOf,
  passed,
  randomNumbers,
  refuseLibrary,
  runCheck,
  Verdict,
} from "../checks";

/** Exercise 03.1: `encodeWords(tokens, vocabulary, unkId, eosId)`: each token's id (unknown words: unkId), then eosId. */
export function checkEncodeWords(
  encodeWords: (tokens: string[], vocabulary: Map<string, number>, unkId: number, eosId: number) => unknown,
): void {
  const hint =
    "map every token with vocabulary.get(token), use unkId when that is undefined, and push eosId at the end.";
  runCheck("03.1 (words to ids)", hint, () => {
    const refused = refuseLibrary(encodeWords, ["encodeSentence", "Vocabulary"]);
    if (refused) return refused;
    const vocabulary = new Map([
      ["she", 4],
      ["kissed", 5],
      [".", 6],
      ["him", 7],
      ["has", 8],
    ]);
    const cases: Array<[string, string[]]> = [
      ["she kissed him .", ["she", "kissed", "him", "."]],
      ["she kissed zebedee . (an unknown word)", ["she", "kissed", "zebedee", "."]],
      ["an empty sentence", []],
    ];
    return everyCase(
      cases.map(([label, tokens]) => [
        label,
        () => {
          const want = [...tokens.map((t) => vocabulary.get(t) ?? 3), 2];
          return compareNumbers(encodeWords([...tokens], new Map(vocabulary), 3, 2), want, "the ids", 0);
        },
      ]),
      "known words get their ids, unknown words _UNK's, and _EOS ends every sentence (the empty one too).",
    );
  });
}

/** Exercise 03.2: `padSentences(sentences, padId) -> { ids, mask }`: every sentence padded to the longest; mask 1 on words, 0 on padding. */
export function checkPadSentences(padSentences: (sentences: number[][], padId: number) => unknown): void {
  const hint =
    "find the longest length L; for each sentence, ids = sentence followed by L - length padIds, and mask = length ones followed by L - length zeros.";
  runCheck("03.2 (padding and mask)", hint, () => {
    const refused = refuseLibrary(padSentences, ["padBatch", "makeBatches", "batchTensors"]);
    if (refused) return refused;
    const cases: Array<[string, number[][]]> = [
      [
        "three sentences of 4, 2 and 3 ids",
        [
          [5, 6, 7, 2],
          [8, 2],
          [9, 10, 2],
        ],
      ],
      ["one sentence", [[11, 12, 2]]],
    ];
    return everyCase(
      cases.map(([label, sentences]) => [
        label,
        () => {
          const L = Math.max(...sentences.map((s) => s.length));
          const ids = sentences.map((s) => [...s, ...new Array(L - s.length).fill(0)]);
          const mask = sentences.map((s) => s.map(() => 1).concat(new Array(L - s.length).fill(0)));
          return comparePadded(
            padSentences(
              sentences.map((s) => [...s]),
              0,
            ),
            ids,
            mask,
          );
        },
      ]),
      "every sentence padded to the longest, the mask 1 exactly on the words.",
    );
  });
}

function comparePadded(got: unknown, ids: number[][], mask: number[][]): Verdict {
  if (got === undefined || got === null) return failed("nothing returned yet.");
  if (typeof got !== "object" || !("ids" in got) || !("mask" in got))
    return failed("expected an object { ids, mask }.");
  const answer = got as { ids: unknown; mask: unknown };
  const idsVerdict = compareNumbers(answer.ids, ids, "ids", 0);
  return idsVerdict.pass ? compareNumbers(answer.mask, mask, "mask", 0) : idsVerdict;
}

/** Exercise 04.1: `startingLoss(vocabularySize)`: the loss per word of a model that spreads its probability evenly, ln |V|. */
export function checkStartingLoss(startingLoss: (vocabularySize: number) => unknown): void {
  const hint =
    "an untrained model gives every one of the |V| words about the same probability 1/|V|; the loss is −log of the probability of the right word.";
  runCheck("04.1 (starting loss)", hint, () => {
    return everyCase(
      [2, 37, 1000].map((V) => [`|V| = ${V}`, () => compareNumbers(startingLoss(V), Math.log(V), "the loss", 1e-3)]),
      "ln |V| for |V| = 2, 37 and 1000.",
    );
  });
}

/** −log softmax(row)[target], computed stably. */
function crossEntropyOf(row: number[], target: number): number {
  const top = Math.max(...row);
  return top + Math.log(row.reduce((sum, x) => sum + Math.exp(x - top), 0)) - row[target];
}

/**
 * Exercise 04.2: one teacher-forced step's loss, `sequenceLoss(logits [B,T,V], targets [B][T], mask [B][T])`:
 * the cross-entropy of each target word, averaged over the real (mask 1) positions only.
 */
export function checkSequenceLoss(
  sequenceLoss: (logits: tf.Tensor3D, targets: number[][], mask: number[][]) => unknown,
): void {
  const hint =
    "tf.logSoftmax(logits) gives log-probabilities [B,T,V]; sum −logp[b][t][targets[b][t]] over the positions where mask is 1 and divide by the number of such positions.";
  runCheck("04.2 (teacher-forced loss)", hint, () => {
    const refused = refuseLibrary(sequenceLoss, [
      "maskedCrossEntropy",
      "classifierCrossEntropy",
      "fusedSoftmaxCrossEntropy",
    ]);
    if (refused) return refused;
    const rng = new Random(42);
    const logits = (randomNumbers(rng, [2, 3, 5]) as number[][][]).map((b) => b.map((row) => row.map((x) => 3 * x)));
    const targets = [
      [1, 4, 2],
      [3, 2, 0],
    ];
    const mask = [
      [1, 1, 1],
      [1, 1, 0],
    ];
    let total = 0;
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < 3; t++) if (mask[b][t] === 1) total += crossEntropyOf(logits[b][t], targets[b][t]);
    const got = sequenceLoss(
      tf.tensor3d(logits),
      targets.map((r) => [...r]),
      mask.map((r) => [...r]),
    );
    const verdict = compareNumbers(got, total / 5, "the loss of B=2 sentences, T=3 steps, |V|=5, one padded step");
    if (verdict.pass)
      return passed("the mean cross-entropy over the 5 real target words matches (the padded step left out).");
    const read = numbersOf(got);
    const unmasked = total + crossEntropyOf(logits[1][2], targets[1][2]);
    if ("value" in read && typeof read.value === "number" && Math.abs(read.value - unmasked / 6) < 1e-4)
      return failed("that is the mean over all 6 positions: the padded one must be left out.");
    return verdict;
  });
}
