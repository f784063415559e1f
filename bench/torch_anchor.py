#!/usr/bin/env python3
"""PyTorch anchor for issue-style quality comparisons (`npm run bench -- anchor`): the tutorial's model
(Luong decoder with the paper's concat score, see torch_reference.py) trained for a fixed number of
minutes on the training pairs that the Node side wrote, then greedy decoding of the test sources.

Training: batches of --batch pairs in a fresh random order every epoch, padded to the longest sentence
of the batch; teacher forcing decided per batch with probability --teacher-forcing; Adam; clipping by
global norm; the time budget is checked after every batch. Decoding: greedy, batched, until _EOS or
2·S+10 tokens.

Reads  {"config": {...}, "train": [[source ids, target ids], ...], "test": [source ids, ...]}
Writes {"hypotheses": [[ids], ...], "epochs": [...], ...} to --out.
"""
import argparse
import json
import random
import time

import torch
import torch.nn.functional as F

from torch_reference import make_model

PAD, SOS, EOS = 0, 1, 2


def pad(rows, extra_start=False, extra_end=False):
    rows = [([SOS] if extra_start else []) + r + ([EOS] if extra_end else []) for r in rows]
    n = max(len(r) for r in rows)
    ids = torch.tensor([r + [PAD] * (n - len(r)) for r in rows], dtype=torch.long)
    return ids, (ids != PAD).float()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--minutes", type=float, default=20)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    spec = json.load(open(a.data))
    cfg = spec["config"]
    torch.manual_seed(cfg["seed"])
    rng = random.Random(cfg["seed"])
    if a.threads:
        torch.set_num_threads(a.threads)
    V = cfg["targetVocabSize"]
    encoder, decoder = make_model(cfg)
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=cfg["learningRate"])
    train = spec["train"]
    B = cfg["batchSize"]

    started = time.time()
    budget = a.minutes * 60
    epochs = []
    out_of_time = False
    while not out_of_time:
        order = list(range(len(train)))
        rng.shuffle(order)
        loss_sum, tokens, epoch_start = 0.0, 0, time.time()
        for i in range(0, len(order), B):
            rows = [train[j] for j in order[i:i + B]]
            source, mask = pad([r[0] for r in rows])
            dec_in, _ = pad([r[1] for r in rows], extra_start=True)
            target, tmask = pad([r[1] for r in rows], extra_end=True)
            force = rng.random() < cfg["teacherForcing"]
            keys, state = encoder(source, mask.sum(1).long())
            keys_projected = decoder.Wa_keys(keys)
            T = target.shape[1]
            previous = dec_in[:, 0]
            features = []
            for t in range(T):
                out, state = decoder.step(previous, state, keys, keys_projected, mask)
                features.append(out)
                if t + 1 < T:
                    previous = dec_in[:, t + 1] if force else decoder.classifier(out).argmax(1).detach()
            logits = decoder.classifier(torch.stack(features, 1)).view(-1, V)
            per_token = F.cross_entropy(logits, target.view(-1), reduction="none")
            m = tmask.view(-1)
            loss = (per_token * m).sum() / m.sum()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cfg["clipNorm"])
            opt.step()
            loss_sum += loss.item() * m.sum().item()
            tokens += m.sum().item()
            if time.time() - started > budget:
                out_of_time = True
                break
        epochs.append({"epoch": len(epochs) + 1, "loss": loss_sum / max(tokens, 1), "seconds": time.time() - epoch_start,
                       "complete": not out_of_time})
        print(json.dumps(epochs[-1]), flush=True)
    train_seconds = time.time() - started

    encoder.eval()
    decoder.eval()
    hypotheses = []
    with torch.no_grad():
        test = spec["test"]
        for i in range(0, len(test), 128):
            rows = test[i:i + 128]
            source, mask = pad(rows)
            keys, state = encoder(source, mask.sum(1).long())
            keys_projected = decoder.Wa_keys(keys)
            previous = torch.full((len(rows),), SOS, dtype=torch.long)
            done = torch.zeros(len(rows), dtype=torch.bool)
            outputs = [[] for _ in rows]
            for _ in range(2 * source.shape[1] + 10):
                out, state = decoder.step(previous, state, keys, keys_projected, mask)
                previous = decoder.classifier(out).argmax(1)
                for b, tok in enumerate(previous.tolist()):
                    if not done[b]:
                        if tok == EOS:
                            done[b] = True
                        else:
                            outputs[b].append(tok)
                if bool(done.all()):
                    break
            hypotheses.extend(outputs)
    json.dump({"framework": f"pytorch {torch.__version__}", "threads": torch.get_num_threads(), "trainSeconds": train_seconds,
               "epochs": epochs, "hypotheses": hypotheses}, open(a.out, "w"))


if __name__ == "__main__":
    main()
