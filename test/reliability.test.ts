/**
 * The defects of issue 15, one test (or more) each, that failed before the fixes: concurrent writers,
 * --resume, crafted checkpoints, one-word and single-pair data, words that are Object.prototype's
 * names, tensor leaks over repetitions, and the Tatoeba download's caps and validation.
 */
import { describe, it, before } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { zipOf } from "./zip-fixture";
import {
  tf,
  prepareData,
  createModel,
  Trainer,
  loadCheckpoint,
  saveCheckpoint,
  notebookState,
  translate,
} from "attention-workbook";
import { Truecaser, downloadTatoeba } from "attention-workbook/data";
import { resetNotebookState } from "attention-workbook/notebook";
import { useBackend, cli as runCli, tmpDir } from "./helpers";

const root = path.resolve(__dirname, "..");
const corpusLines = fs.readFileSync(path.join(root, "data/default-corpus.tsv"), "utf8").split("\n");

const cli = (script: string, args: string[]) => runCli(script, args, 120_000);

function pairsFile(dir: string, lines: string[]): string {
  const file = path.join(dir, "pairs.tsv");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const TINY = ["--hidden", "8", "--embedding", "8", "--no-eval"];

describe("1. one writer per checkpoint directory", () => {
  it("a second run on a --out in use is refused before training; the first's checkpoint still loads", async () => {
    const dir = tmpDir("wb-two-runs-");
    const data = pairsFile(dir, corpusLines.slice(0, 30));
    const out = path.join(dir, "ck");
    assert.equal(cli("train.js", ["--data", data, "--epochs", "1", ...TINY, "--out", out]).status, 0);
    const first = spawn(
      process.execPath,
      [path.join(root, "dist/cli/train.js"), "--data", data, "--resume", "--epochs", "100000", ...TINY, "--out", out],
      { cwd: root },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let err = "";
        first.stderr.on("data", (c: Buffer) => {
          err += c.toString();
          if (/^epoch \d+:/m.test(err)) resolve();
        });
        first.on("exit", () => reject(new Error(`first run ended: ${err}`)));
      });
      const second = cli("train.js", ["--data", data, "--resume", "--epochs", "1", ...TINY, "--out", out]);
      assert.equal(second.status, 1);
      assert.equal(second.stdout, "");
      assert.match(
        second.stderr,
        new RegExp(
          `^error: checkpoint directory .*ck is in use by another training run \\(pid ${first.pid} on [^)]+\\); wait for it to end or use another --out\\n$`,
        ),
      );
      // The library refuses too: a notebook cannot save into a directory a CLI run is writing.
      await useBackend("wasm");
      const loaded = loadCheckpoint(out);
      await assert.rejects(
        saveCheckpoint(out, loaded),
        (e: Error) => e.name === "LockedError" && /in use by another training run/.test(e.message),
      );
      loaded.model.dispose();
      // Reading while the run saves every few milliseconds: each load gets a whole version.
      const epochs = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const ck = loadCheckpoint(out);
        epochs.add(ck.training!.epoch);
        ck.model.dispose();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(epochs.size > 1, `the run saved while it was read (epochs ${[...epochs]})`);
    } finally {
      first.kill("SIGKILL");
      await new Promise((resolve) => first.on("exit", resolve));
    }
    const after = loadCheckpoint(out);
    assert.ok((after.training?.epoch ?? 0) >= 2, "the first run's epochs were saved");
    after.model.dispose();
  });

  it("a save where no directory can be made fails at once (no hang under /proc)", () => {
    // In a child process: a hang there is a timeout here, not a stuck test run.
    const script = `
      const wb = require(${JSON.stringify(root)});
      (async () => {
        await wb.ready();
        const data = wb.prepareData({ pairs: 20 });
        const tm = wb.createModel(data, { hiddenSize: 8, embeddingSize: 8 });
        try { await wb.saveCheckpoint("/proc/wb-no-such-dir/ck", tm); console.log("saved?"); } catch (e) { console.log(e.code); }
      })();`;
    const started = Date.now();
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.signal, null, "the save hung");
    assert.equal(r.stdout.trim(), "ENOENT", r.stderr);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  it("a load that a save overtakes (its version removed mid-read) reads the new version", async () => {
    await useBackend("wasm");
    const dir = tmpDir("wb-overtaken-");
    const data = prepareData({ file: pairsFile(dir, corpusLines.slice(0, 20)) });
    const tm = createModel(data, { hiddenSize: 8, embeddingSize: 8 });
    const out = path.join(dir, "ck");
    await saveCheckpoint(out, tm, { training: { epoch: 1, step: 0, history: [] } });
    // The workbook reads files through the shared fs module: saving while the first version is half read.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS module object itself, whose readFileSync the test replaces
    const nodeFs = require("node:fs") as { readFileSync: (...args: unknown[]) => unknown };
    const realRead = nodeFs.readFileSync;
    let saved: Promise<string> | undefined;
    nodeFs.readFileSync = function (this: unknown, ...args: unknown[]) {
      if (!saved && String(args[0]).endsWith("source-vocab.json"))
        saved = saveCheckpoint(out, tm, { training: { epoch: 2, step: 0, history: [] } });
      return realRead.apply(this, args);
    };
    let loaded;
    try {
      loaded = loadCheckpoint(out);
    } finally {
      nodeFs.readFileSync = realRead;
    }
    await saved;
    assert.equal(loaded.training?.epoch, 2);
    loaded.model.dispose();
    tm.model.dispose();
  });

  it("a lock left by a dead process is stale: the next run takes the directory over", () => {
    const dir = tmpDir("wb-stale-");
    const data = pairsFile(dir, corpusLines.slice(0, 30));
    const out = path.join(dir, "ck");
    assert.equal(cli("train.js", ["--data", data, "--epochs", "1", ...TINY, "--out", out]).status, 0);
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    fs.writeFileSync(
      path.join(out, "LOCK"),
      JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), since: "2026-01-01T00:00:00Z" }),
    );
    const r = cli("train.js", ["--data", data, "--resume", "--epochs", "1", ...TINY, "--out", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.epochs, 2);
    assert.ok(!fs.existsSync(path.join(out, "LOCK")), "the lock is released at the end");
  });
});

describe("2-3. --epochs and --resume", () => {
  it("--resume --epochs 2 trains two more epochs and says so; the checkpoint's model is kept", () => {
    const dir = tmpDir("wb-resume-epochs-");
    const data = pairsFile(dir, corpusLines.slice(0, 30));
    const out = path.join(dir, "ck");
    assert.equal(
      cli("train.js", ["--data", data, "--epochs", "2", "--attention", "bahdanau", ...TINY, "--out", out]).status,
      0,
    );
    const r = cli("train.js", ["--data", data, "--resume", "--epochs", "2", ...TINY, "--out", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /resuming from .*ck \(epoch 2\): --epochs 2 trains 2 more epochs, up to epoch 4, learning rate 0\.003 \(the checkpoint's\)/,
    );
    const withRate = cli("train.js", [
      "--data",
      data,
      "--resume",
      "--epochs",
      "1",
      "--lr",
      "0.001",
      ...TINY,
      "--out",
      out,
    ]);
    assert.equal(withRate.status, 0, withRate.stderr);
    assert.match(withRate.stderr, /up to epoch 5, learning rate 0\.001 \(--lr\)/);
    const ck = loadCheckpoint(out);
    assert.equal(ck.training!.history.slice(-1)[0].learningRate, 0.001, "the epoch trained with --lr");
    ck.model.dispose();
    assert.equal(r.json.epochs, 4);
    assert.equal(r.json.attention, "bahdanau", "the summary reports the checkpoint's attention");
  });

  it("--overwrite replaces a trained model on purpose; without it the model is kept", () => {
    const dir = tmpDir("wb-overwrite-");
    const data = pairsFile(dir, corpusLines.slice(0, 30));
    const out = path.join(dir, "ck");
    assert.equal(cli("train.js", ["--data", data, "--epochs", "3", ...TINY, "--out", out]).status, 0);
    assert.equal(cli("train.js", ["--data", data, "--epochs", "1", ...TINY, "--out", out]).status, 2);
    const r = cli("train.js", ["--data", data, "--epochs", "1", ...TINY, "--overwrite", "--out", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.epochs, 1);
  });
});

describe("4. crafted checkpoints are refused before anything is allocated", () => {
  let out: string;
  before(async () => {
    await useBackend("wasm");
    const dir = tmpDir("wb-crafted-");
    out = path.join(dir, "ck");
    assert.equal(
      cli("train.js", ["--data", pairsFile(dir, corpusLines.slice(0, 30)), "--epochs", "1", ...TINY, "--out", out])
        .status,
      0,
    );
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a checkpoint's JSON, edited freely to craft bad ones
  function craft(edit: (config: Record<string, any>, vdir: string) => void): string {
    const copy = tmpDir("wb-crafted-copy-");
    fs.cpSync(out, copy, { recursive: true });
    const vdir = path.join(copy, fs.readFileSync(path.join(copy, "LATEST"), "utf8").trim());
    const config = JSON.parse(fs.readFileSync(path.join(vdir, "config.json"), "utf8"));
    edit(config, vdir);
    fs.writeFileSync(path.join(vdir, "config.json"), JSON.stringify(config));
    return copy;
  }

  for (const hiddenSize of [30000, 4000]) {
    it(`hiddenSize ${hiddenSize} in config.json fails in well under a second with no tensor made`, () => {
      const dir = craft((c) => {
        c.model.hiddenSize = hiddenSize;
      });
      const before = tf.memory().numTensors;
      const started = Date.now();
      assert.throws(() => loadCheckpoint(dir), /config\.json: model.*hiddenSize/);
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it("an offset past the end of weights.bin and a NaN weight are refused, naming file and field", () => {
    const past = craft((c, vdir) => {
      c.weights[2].offset = fs.statSync(path.join(vdir, "weights.bin")).size;
    });
    assert.throws(
      () => loadCheckpoint(past),
      /config\.json: weights\[2\] \(.+\): bytes \d+\.\.\d+ lie past the end of weights\.bin/,
    );
    const nan = craft((_c, vdir) => {
      const bytes = fs.readFileSync(path.join(vdir, "weights.bin"));
      bytes.writeFloatLE(NaN, 40);
      fs.writeFileSync(path.join(vdir, "weights.bin"), bytes);
    });
    assert.throws(() => loadCheckpoint(nan), /weights\.bin: .+ holds NaN at index 10/);
  });
});

describe("6. data that crashed or corrupted training", () => {
  it("one-word sentences train (the CLI exits 0 with finite losses)", () => {
    const dir = tmpDir("wb-one-word-");
    const words = [
      "Hi\tHallo",
      "Run\tLauf",
      "Stop\tHalt",
      "Wait\tWarte",
      "Help\tHilfe",
      "Go\tGeh",
      "Look\tSchau",
      "Jump\tSpring",
    ];
    const r = cli("train.js", [
      "--data",
      pairsFile(dir, words),
      "--epochs",
      "3",
      "--validation",
      "0",
      "--test",
      "0",
      ...TINY,
      "--out",
      path.join(dir, "ck"),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const losses = r.json.lossPerEpoch as number[];
    assert.equal(losses.length, 3);
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  });

  it("a file of one pair trains and translates", () => {
    const dir = tmpDir("wb-one-pair-");
    const out = path.join(dir, "ck");
    const r = cli("train.js", [
      "--data",
      pairsFile(dir, ["She kissed him.\tSie küsste ihn."]),
      "--epochs",
      "60",
      "--lr",
      "0.05",
      ...TINY,
      "--out",
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.json.pairs, { loaded: 1, duplicates: 0, tooLong: 0, kept: 1, train: 1, validation: 0, test: 0 });
    const t = cli("translate.js", ["--checkpoint", out, "She kissed him."]);
    assert.equal(t.status, 0, t.stderr);
    assert.equal(t.stdout.split("\n")[0], "Sie küsste ihn.");
  });

  it("German words named like Object.prototype's members are ordinary words to the truecaser", () => {
    const t = Truecaser.learn(["Das constructor Wort.", "Ein toString hier.", "Der Hund sieht die Katze."]);
    assert.deepEqual(t.apply(["das", "constructor", "tostring", "hasownproperty", "__proto__", "valueof", "hund"]), [
      "Das",
      "constructor",
      "toString",
      "hasownproperty",
      "__proto__",
      "valueof",
      "Hund",
    ]);
    const json =
      '{"format":"attention-workbook/truecaser@1","forms":{"__proto__":"__PROTO__","constructor":"Constructor"}}';
    const loaded = Truecaser.fromJSON(JSON.parse(json));
    assert.deepEqual(loaded.apply(["x", "__proto__", "constructor"]), ["X", "__PROTO__", "Constructor"]);
    assert.deepEqual(Truecaser.fromJSON(JSON.parse(JSON.stringify(loaded))).apply(["__proto__", "constructor"]), [
      "__PROTO__",
      "Constructor",
    ]);
  });

  it("a model trained on a German word 'constructor' translates it as a word", async () => {
    await useBackend("wasm");
    const dir = tmpDir("wb-constructor-");
    const lines = [
      "The builder sleeps.\tDer constructor schläft.",
      "The builder runs.\tDer constructor läuft.",
      "The dog sleeps.\tDer Hund schläft.",
      "The dog runs.\tDer Hund läuft.",
    ];
    const data = prepareData({ file: pairsFile(dir, lines), validation: 0, test: 0 });
    const tm = createModel(data, { hiddenSize: 16, embeddingSize: 16 });
    const trainer = new Trainer(tm, data, { epochs: 80, batchSize: 4, learningRate: 0.05 });
    await trainer.train();
    assert.equal(translate(tm, "The builder sleeps.").text, "Der constructor schläft.");
    trainer.dispose();
    tm.model.dispose();
  });
});

describe("7. no tensor leaks over 20 repetitions of load, restore, reset and save", () => {
  let data: ReturnType<typeof prepareData>;
  let dir: string;
  before(async () => {
    await useBackend("wasm");
    const work = tmpDir("wb-leaks-");
    data = prepareData({ file: pairsFile(work, corpusLines.slice(0, 40)) });
    dir = path.join(work, "ck");
    const tm = createModel(data, { hiddenSize: 8, embeddingSize: 8 });
    const trainer = new Trainer(tm, data, { epochs: 1, batchSize: 8 });
    await trainer.train();
    await trainer.save(dir);
    trainer.dispose();
    tm.model.dispose();
  });

  /** numTensors after each of `reps` repetitions (after one warm-up), all of which must be equal. */
  async function countsOver(reps: number, fn: () => Promise<void> | void): Promise<number[]> {
    await fn();
    const counts: number[] = [];
    for (let i = 0; i < reps; i++) {
      await fn();
      counts.push(tf.memory().numTensors);
    }
    return counts;
  }

  const flat = (counts: number[]) =>
    assert.deepEqual(
      counts,
      counts.map(() => counts[0]),
      `numTensors ${counts.join(", ")}`,
    );

  it("loadCheckpoint then dispose", async () => {
    const before = tf.memory().numTensors;
    flat(await countsOver(20, () => loadCheckpoint(dir).model.dispose()));
    assert.equal(tf.memory().numTensors, before);
  });

  it("Trainer.restore with the checkpoint's optimizer state", async () => {
    const tm = createModel(data, { hiddenSize: 8, embeddingSize: 8 });
    const trainer = new Trainer(tm, data, { epochs: 1, batchSize: 8 });
    flat(
      await countsOver(20, async () => {
        const loaded = loadCheckpoint(dir);
        await trainer.restore(loaded.training, loaded.optimizerWeights, loaded.learningRate);
        loaded.model.dispose();
      }),
    );
    const r = await trainer.train({ epochs: 1 }); // the restored state still trains
    assert.ok(Number.isFinite(r.epochs[0].trainLoss));
    trainer.dispose();
    tm.model.dispose();
  });

  it("Trainer.restore refuses another model's optimizer state, leaking nothing and still training", async () => {
    const tm = createModel(data, { hiddenSize: 12, embeddingSize: 8 });
    const trainer = new Trainer(tm, data, { epochs: 1, batchSize: 8 });
    const before = tf.memory().numTensors;
    const loaded = loadCheckpoint(dir); // hidden 8
    await assert.rejects(
      trainer.restore(loaded.training, loaded.optimizerWeights, loaded.learningRate),
      /Trainer\.restore: optimizer state .+ has shape \[\d+(,\d+)*\], variable .+ has \[\d+(,\d+)*\] \(a checkpoint of another model\?\)/,
    );
    tf.dispose(loaded.optimizerWeights!.map((w) => w.tensor));
    loaded.model.dispose();
    assert.equal(tf.memory().numTensors, before);
    const r = await trainer.train();
    assert.ok(Number.isFinite(r.epochs[0].trainLoss));
    trainer.dispose();
    tm.model.dispose();
  });

  it("resetNotebookState of a state holding a loaded model and a trainer", async () => {
    const before = tf.memory().numTensors;
    flat(
      await countsOver(20, () => {
        const s = notebookState("leak-test");
        s.tm = loadCheckpoint(dir);
        s.trainer = new Trainer(s.tm, data, { epochs: 1 });
        resetNotebookState("leak-test");
      }),
    );
    assert.equal(tf.memory().numTensors, before);
  });

  it("Trainer.save", async () => {
    const tm = createModel(data, { hiddenSize: 8, embeddingSize: 8 });
    const trainer = new Trainer(tm, data, { epochs: 1, batchSize: 8 });
    await trainer.train();
    const out = tmpDir("wb-leak-save-");
    flat(
      await countsOver(20, async () => {
        await trainer.save(out);
      }),
    );
    trainer.dispose();
    tm.model.dispose();
  });
});

describe("8. the Tatoeba download: capped, validated, then renamed", () => {
  const archives = new Map<string, Buffer>();
  let base = "";
  let server: http.Server;
  before(async () => {
    const zeros = Buffer.alloc(8 << 20);
    archives.set("/bomb.zip", zipOf("deu.txt", zeros, { deflate: true }));
    archives.set("/lying-bomb.zip", zipOf("deu.txt", zeros, { deflate: true, declaredSize: 100 }));
    archives.set("/cp1252.zip", zipOf("deu.txt", Buffer.from("Hi.\tHallo.\nGrüß Gott.\tGrüß Gott.\n", "latin1")));
    archives.set("/no-pairs.zip", zipOf("deu.txt", Buffer.from("<html>not a pairs file</html>\n")));
    archives.set("/good.zip", zipOf("deu.txt", Buffer.from("Hi.\tHallo.\nGo.\tGeh.\n"), { deflate: true }));
    server = http.createServer((req, res) => {
      const zip = archives.get(req.url ?? "");
      res.writeHead(zip ? 200 : 404);
      res.end(zip);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  it("refuses a zip bomb, a lying size, a large archive and invalid content, leaving deu.txt as it was", async () => {
    try {
      const dir = tmpDir("wb-download-");
      const out = path.join(dir, "deu.txt");
      fs.writeFileSync(out, "Old.\tAlt.\n");
      const caps = { out, maxMemberBytes: 1 << 20 };
      await assert.rejects(
        downloadTatoeba({ ...caps, url: `${base}/bomb.zip` }),
        /deu\.txt would be 8388608 bytes, more than the 1048576 allowed/,
      );
      await assert.rejects(
        downloadTatoeba({ ...caps, url: `${base}/lying-bomb.zip` }),
        /deu\.txt inflates to more than 1048576 bytes \(a zip bomb\?\)/,
      );
      await assert.rejects(
        downloadTatoeba({ ...caps, url: `${base}/good.zip`, maxZipBytes: 50 }),
        /more than the 50 a Tatoeba archive may have|more than 50 bytes/,
      );
      await assert.rejects(
        downloadTatoeba({ ...caps, url: `${base}/cp1252.zip` }),
        /deu\.txt:2: byte 0xFC at column 3 is not UTF-8/,
      );
      await assert.rejects(downloadTatoeba({ ...caps, url: `${base}/no-pairs.zip` }), /deu\.txt:1: no tab/);
      assert.equal(fs.readFileSync(out, "utf8"), "Old.\tAlt.\n", "the existing file is untouched");
      assert.deepEqual(fs.readdirSync(dir), ["deu.txt"], "no temporary file left");
      const ok = await downloadTatoeba({ ...caps, url: `${base}/good.zip` });
      assert.equal(ok.lines, 2);
      assert.equal(fs.readFileSync(out, "utf8"), "Hi.\tHallo.\nGo.\tGeh.\n");
    } finally {
      server.close();
    }
  });
});
