#!/usr/bin/env python3
"""Adds sacrebleu's own scores to test/fixtures/metrics-multiref.json (see scripts/make-metrics-fixture.js).

    python3 -m pip install sacrebleu==2.6.0
    python3 scripts/sacrebleu_fixture.py

Scores the fixture's hypotheses with sacrebleu's BLEU and CHRF classes (defaults: 13a tokenization,
exp smoothing; chrF with 6 character orders, beta 2, whitespace removed), cased and lower-cased, plus BLEU
without tokenization. A sentence with fewer references than the most has None in the missing reference
streams: sacrebleu drops None and so scores a variable number of references per sentence.
"""
import json
import os
import sys

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "metrics-multiref.json")
fixture = json.load(open(path, encoding="utf-8"))
sentences = fixture["sentences"]
hyps = [s["hypothesis"] for s in sentences]
streams = max(len(s["references"]) for s in sentences)
refs = [[s["references"][k] if k < len(s["references"]) else None for s in sentences] for k in range(streams)]

results = {}
for name, metric in [
    ("bleu", BLEU()),
    ("bleuLowercase", BLEU(lowercase=True)),
    ("bleuTokenizeNone", BLEU(tokenize="none")),
    ("chrf", CHRF()),
    ("chrfLowercase", CHRF(lowercase=True)),
]:
    score = metric.corpus_score(hyps, refs)
    entry = {"score": score.score, "signature": str(metric.get_signature())}
    if isinstance(metric, BLEU):
        entry.update(counts=score.counts, totals=score.totals, sysLen=score.sys_len, refLen=score.ref_len)
    results[name] = entry

fixture["sacrebleu"] = {
    "version": sacrebleu.__version__,
    "python": sys.version.split()[0],
    "command": "python3 -m pip install sacrebleu==2.6.0 && python3 scripts/sacrebleu_fixture.py",
    "scores": results,
}
with open(path, "w", encoding="utf-8") as f:
    json.dump(fixture, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(json.dumps({name: round(r["score"], 4) for name, r in results.items()}))
