/**
 * The exported site's page, bundled into its app.js by ./bundle (it runs in a browser, never in Node):
 * reads the model from model.js, starts a TensorFlow.js backend (webgl, else wasm, else cpu; `?backend=cpu`
 * forces one), rebuilds the model with the library's own `Seq2Seq`, and translates the text box as the
 * participant types with the library's `translateAll` (greedy, or beam search with a width), drawing the
 * attention with the library's `heatmap` and `attentionAnimation` in plotly.js. Every problem is a message
 * in the page, never a stack trace.
 */
import * as tf from "@tensorflow/tfjs";
import { translateAll, Translation } from "../../decode/translate";
import { Seq2Seq } from "../../models/seq2seq";
import { Vocabulary } from "../../data/vocab";
import { Truecaser } from "../../data/truecase";
import type { TranslationModel } from "../../models/translation-model";
import { heatmap } from "../../plots/heatmap";
import { attentionAnimation } from "../../plots/motion";
import { byId, element, InputElement, PageElement } from "./dom";
import { describePageBackend, PAGE_BACKENDS, PageBackendName, startBackend } from "./backends";
import { checkBeamWidth, checkSentence } from "./messages";
import { unpackWeights, WebModel, WEB_MODEL_FORMAT, WEB_MODEL_GLOBAL } from "./model-data";

interface PlotlyApi {
  react(el: PageElement, figure: unknown): Promise<unknown>;
  purge(el: PageElement): void;
}

/**
 * plotly.js, started on first use: its few seconds of start-up (on a slow laptop) come after the first
 * translation is on the screen, not before.
 */
function plotly(): PlotlyApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- plotly.js-dist is a UMD bundle without type declarations; required here to start it late
  return require("plotly.js-dist") as PlotlyApi;
}

/** Lets the browser paint what changed before a long synchronous step. */
const paint = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The page's elements (index.html, written by ./html). */
interface Ui {
  app: PageElement;
  text: InputElement;
  beamOn: InputElement;
  beamWidth: InputElement;
  message: PageElement;
  translation: PageElement;
  timing: PageElement;
  figures: PageElement;
  heatmap: PageElement;
  motion: PageElement;
  card: PageElement;
  backend: PageElement;
}

function findUi(): Ui {
  const input = (id: string) => byId<InputElement>(id);
  return {
    app: byId("app"),
    text: input("text"),
    beamOn: input("beam-on"),
    beamWidth: input("beam-width"),
    message: byId("message"),
    translation: byId("translation"),
    timing: byId("timing"),
    figures: byId("figures"),
    heatmap: byId("heatmap"),
    motion: byId("motion"),
    card: byId("card"),
    backend: byId("backend"),
  };
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];

/** Shows a message under the text box ("" hides it); `kind` is "note" or "error". */
function say(ui: Ui, text: string, kind: "note" | "error" = "note"): void {
  ui.message.textContent = text;
  ui.message.className = kind;
  ui.message.hidden = text === "";
}

/** The model data that model.js set, checked. */
function readWebModel(): WebModel {
  const data = (globalThis as unknown as Record<string, WebModel | undefined>)[WEB_MODEL_GLOBAL];
  if (!data) throw new Error("model.js did not load: keep it in the same folder as index.html and app.js");
  if (data.format !== WEB_MODEL_FORMAT)
    throw new Error(`model.js is in format ${data.format}, this page reads ${WEB_MODEL_FORMAT}: export the site again`);
  return data;
}

function base64Bytes(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The checkpoint's model, vocabularies and truecaser, as `loadCheckpoint` gives them in Node. */
function buildModel(data: WebModel): TranslationModel {
  const sourceVocab = Vocabulary.fromJSON(data.sourceVocab, "model.js: the English vocabulary");
  const targetVocab = Vocabulary.fromJSON(data.targetVocab, "model.js: the German vocabulary");
  const truecaser = data.truecaser ? Truecaser.fromJSON(data.truecaser, "model.js: the truecaser") : undefined;
  const values = unpackWeights(data.weights.entries, base64Bytes(data.weights.base64));
  const model = new Seq2Seq(data.model);
  const tensors = values.map((v) => tf.tensor(v.values, v.shape, "float32"));
  try {
    model.loadValues(Object.fromEntries(values.map((v, i) => [v.name, tensors[i]])), "model.js");
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    tf.dispose(tensors);
  }
  return { model, sourceVocab, targetVocab, tokenizeOptions: data.tokenize, truecaser };
}

/** The model's card: one line per fact. */
function showCard(ui: Ui, data: WebModel): void {
  ui.card.replaceChildren(...data.card.flatMap((line) => [element("dt", line.label), element("dd", line.value)]));
}

/** A title of at most `n` characters. */
const short = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The heatmap and the decoding animation of a translation (`drawn` marks them as drawn for it). */
async function drawFigures(ui: Ui, t: Translation, kind: string, drawn: string): Promise<void> {
  await paint();
  const Plotly = plotly();
  ui.figures.hidden = false;
  // The sentence and its translation stand above the figures; a short title fits the narrowest heatmap.
  const title = `Attention weights (${kind})`;
  await Plotly.react(ui.heatmap, heatmap(t.attention, t.sourceTokens, t.outputLabels, { title }));
  Plotly.purge(ui.motion);
  await Plotly.react(
    ui.motion,
    attentionAnimation(t.attention, t.sourceTokens, t.outputLabels, {
      title: `Decoding “${short(t.source, 40)}”, one word per frame`,
    }),
  );
  ui.figures.dataset.drawn = drawn;
  ui.app.dataset.firstFiguresMs ??= String(Math.round(performance.now()));
}

/** Notes on a translation: unknown words (from `note`), an unfinished sentence, a model without attention. */
function notesOf(t: Translation, note: string | undefined, kind: string): string {
  const notes = note ? [note] : [];
  if (!t.complete) notes.push(`The model stopped after ${t.tokens.length} words without ending the sentence.`);
  if (kind === "none" || kind === "none-cho") notes.push("This model has no attention: every weight is 0.");
  return notes.join(" ");
}

/**
 * Marks the output as what the box says now: a translation ("done", `text` as npm run translate prints it)
 * or a message.
 */
function mark(ui: Ui, source: string, state: "done" | "message", beam?: number, text = ""): void {
  ui.translation.dataset.source = source;
  ui.translation.dataset.text = text;
  ui.translation.dataset.state = state;
  ui.translation.dataset.beam = beam === undefined ? "" : String(beam);
  if (ui.app.dataset.firstTranslationMs === undefined && state === "done")
    ui.app.dataset.firstTranslationMs = String(Math.round(performance.now()));
}

/** Shows why the box cannot be translated, in place of a translation. */
function refuse(ui: Ui, source: string, message: string): void {
  say(ui, message, "error");
  ui.translation.textContent = "";
  ui.timing.textContent = "";
  ui.figures.hidden = true;
  mark(ui, source, "message");
}

/** The beam width to use (1: greedy), or undefined after saying why the width box is wrong. */
function beamWidth(ui: Ui, source: string): number | undefined {
  ui.beamWidth.disabled = !ui.beamOn.checked;
  if (!ui.beamOn.checked) return 1;
  const width = checkBeamWidth(ui.beamWidth.value);
  if (width.ok) return width.beam;
  refuse(ui, source, width.message);
  return undefined;
}

/** Translates what the box holds now and shows it (or a message). */
async function translateBox(ui: Ui, tm: TranslationModel): Promise<void> {
  const source = ui.text.value;
  const beam = beamWidth(ui, source);
  if (beam === undefined) return;
  const check = checkSentence(source, tm.sourceVocab, tm.tokenizeOptions);
  if (!check.ok) return refuse(ui, source, check.message);
  const started = performance.now();
  let t: Translation;
  try {
    t = translateAll(tm, [source], { beam })[0];
  } catch (e) {
    return refuse(ui, source, `The model could not translate this: ${firstLine(e)}`);
  }
  const ms = performance.now() - started;
  const kind = tm.model.config.attention;
  say(ui, notesOf(t, check.note, kind));
  ui.translation.textContent = t.text === "" ? "(the model wrote no words)" : t.text;
  ui.timing.textContent = `${beam > 1 ? `beam search, width ${beam}` : "greedy"}: ${ms.toFixed(0)} ms`;
  mark(ui, source, "done", beam, t.text);
  try {
    await drawFigures(ui, t, kind, `${beam}:${source}`);
  } catch (e) {
    say(ui, `The figures could not be drawn: ${firstLine(e)}`, "error");
  }
}

/** Translates as the participant types (after a short pause), and when the beam settings change. */
function listen(ui: Ui, tm: TranslationModel): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = Promise.resolve();
  const now = () => {
    clearTimeout(timer);
    running = running.then(() => translateBox(ui, tm)).catch((e) => say(ui, firstLine(e), "error"));
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(now, 150);
  };
  ui.text.addEventListener("input", soon);
  ui.beamWidth.addEventListener("input", soon);
  ui.beamOn.addEventListener("change", now);
}

/** `?backend=cpu` (or webgl, wasm) in the page's address forces that backend. */
function requestedBackend(): PageBackendName | undefined {
  const search = (globalThis as unknown as { location?: { search?: string } }).location?.search ?? "";
  const asked = new URLSearchParams(search).get("backend");
  return PAGE_BACKENDS.find((b) => b === asked);
}

/** An error nothing else caught becomes a message in the page too (its first line, no stack trace). */
function catchTheRest(ui: Ui): void {
  const page = globalThis as unknown as {
    addEventListener(type: string, listener: (e: { message?: string; reason?: unknown }) => void): void;
  };
  page.addEventListener("error", (e) => say(ui, `Something went wrong: ${firstLine(e.message)}`, "error"));
  page.addEventListener("unhandledrejection", (e) => say(ui, `Something went wrong: ${firstLine(e.reason)}`, "error"));
}

async function boot(): Promise<void> {
  const ui = findUi();
  catchTheRest(ui);
  try {
    const data = readWebModel();
    showCard(ui, data);
    const backend = await startBackend(requestedBackend());
    ui.backend.textContent = describePageBackend(backend);
    ui.app.dataset.backend = backend.name;
    const tm = buildModel(data);
    listen(ui, tm);
    ui.text.value = data.example;
    ui.text.disabled = false;
    ui.beamOn.disabled = false;
    await translateBox(ui, tm);
    ui.app.dataset.ready = "true";
  } catch (e) {
    say(ui, `The page could not start: ${firstLine(e)}`, "error");
    ui.app.dataset.ready = "failed";
  }
}

void boot();
