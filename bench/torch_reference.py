#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- train`: the same model and training loop as the workbook's
benchmark, on the very same batches (read from the JSON file that the Node side writes).

Model (the FloydHub tutorial's Luong configuration, batched): embedding E, one-layer LSTM encoder of size
H; a Luong decoder (LSTM step first, then the paper's concat score v·tanh([h; k]·Wa), softmax over the
unpadded source, context, h~ = tanh([c; h]·Wc), classifier); loss: cross-entropy per real target token;
Adam; gradient clipping by global norm; teacher forcing decided per batch (flags from the file).

Both start from the same weights: the workbook's initial weights, float32 in a binary file named by the
JSON (`weightsFile`, each entry of `initialWeights` giving a shape and an offset in floats), are copied
into the PyTorch modules (transposed: the workbook multiplies row vectors, x·W; torch.nn.Linear computes
x·Wᵀ; LSTM gate order i, f, g, o in both). Adam's epsilon is tfjs's 1e-7.

Like the workbook's Seq2Seq.loss, the classifier runs on the real target tokens only (padded positions
add nothing to the loss or its gradient), so both frameworks do the same matrix products.

Prints one JSON line: target tokens per second, seconds per epoch, final loss, peak RSS (ru_maxrss).
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True)

    def forward(self, source, lengths):
        x = self.embedding(source)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, (h, c) = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=source.shape[1])
        return out, (h[0], c[0])


class LuongConcatDecoder(nn.Module):
    def __init__(self, vocab, emb, hidden, units):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.cell = nn.LSTMCell(emb, hidden)
        self.Wa_query = nn.Linear(hidden, units, bias=False)  # the query rows of Wa [H+Hk, U]
        self.Wa_keys = nn.Linear(hidden, units, bias=False)   # the key rows
        self.v = nn.Linear(units, 1, bias=False)
        self.Wc = nn.Linear(2 * hidden, hidden, bias=False)
        self.classifier = nn.Linear(hidden, vocab)

    def step(self, previous, state, keys, keys_projected, mask):
        h, c = self.cell(self.embedding(previous), state)
        scores = self.v(torch.tanh(keys_projected + self.Wa_query(h).unsqueeze(1))).squeeze(2)
        scores = scores.masked_fill(mask == 0, -1e9)
        weights = F.softmax(scores, dim=1)
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)
        attentional = torch.tanh(self.Wc(torch.cat([context, h], 1)))
        return attentional, (h, c)


def make_model(cfg):
    """The encoder and decoder for a config with the vocabulary, embedding, hidden and attention sizes."""
    E, H, U = cfg["embeddingSize"], cfg["hiddenSize"], cfg["attentionUnits"]
    return Encoder(cfg["sourceVocabSize"], E, H), LuongConcatDecoder(cfg["targetVocabSize"], E, H, U)


def read_workbook_weights(spec, directory):
    """The workbook's weights as tensors by name: {shape, offset} entries into `weightsFile` (float32,
    little-endian), or {shape, values} entries inline."""
    entries = spec["initialWeights"]
    if "weightsFile" in spec:
        with open(os.path.join(directory, spec["weightsFile"]), "rb") as f:
            flat = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    out = {}
    for name, entry in entries.items():
        shape = entry["shape"]
        n = 1
        for d in shape:
            n *= d
        if "values" in entry:
            out[name] = torch.tensor(entry["values"], dtype=torch.float32).view(*shape)
        else:
            out[name] = flat[entry["offset"]:entry["offset"] + n].view(*shape)
    return out


def peak_rss_mb():
    """Peak resident memory of this process in MiB: ru_maxrss is KiB on Linux, bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2 ** 20 if sys.platform == "darwin" else peak / 1024


def cpu_seconds():
    """CPU time of this process so far, all threads, user and system."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def machine_cpu_seconds():
    """CPU seconds every process of the machine has spent so far (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def load_workbook_weights(encoder, decoder, weights, H):
    """Copies the workbook's weights (name -> tensor in the workbook's layout) into the PyTorch modules."""
    def w(name):
        return weights[name]

    with torch.no_grad():
        encoder.embedding.weight.copy_(w("encoder/embedding/embeddings"))
        encoder.lstm.weight_ih_l0.copy_(w("encoder/forward/Wx").t())
        encoder.lstm.weight_hh_l0.copy_(w("encoder/forward/Wh").t())
        encoder.lstm.bias_ih_l0.copy_(w("encoder/forward/b"))
        encoder.lstm.bias_hh_l0.zero_()
        decoder.embedding.weight.copy_(w("decoder/embedding/embeddings"))
        decoder.cell.weight_ih.copy_(w("decoder/rnn/Wx").t())
        decoder.cell.weight_hh.copy_(w("decoder/rnn/Wh").t())
        decoder.cell.bias_ih.copy_(w("decoder/rnn/b"))
        decoder.cell.bias_hh.zero_()
        Wa = w("decoder/attention/Wa")  # [H + Hk, U], query rows first
        decoder.Wa_query.weight.copy_(Wa[:H].t())
        decoder.Wa_keys.weight.copy_(Wa[H:].t())
        decoder.v.weight.copy_(w("decoder/attention/v").view(1, -1))
        decoder.Wc.weight.copy_(w("decoder/Wc/W").t())
        decoder.classifier.weight.copy_(w("decoder/classifier/W").t())
        decoder.classifier.bias.copy_(w("decoder/classifier/b"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batches", required=True)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    spec = json.load(open(a.batches))
    cfg = spec["config"]
    torch.manual_seed(cfg["seed"])
    if a.threads:
        torch.set_num_threads(a.threads)
    encoder, decoder = make_model(cfg)
    H = cfg["hiddenSize"]
    if "initialWeights" in spec:
        load_workbook_weights(encoder, decoder, read_workbook_weights(spec, os.path.dirname(os.path.abspath(a.batches))), H)
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=cfg["learningRate"], eps=1e-7)

    batches = []
    for b in spec["batches"]:
        B, S, T = b["size"], b["sourceLength"], b["targetLength"]
        batches.append({
            "source": torch.tensor(b["source"], dtype=torch.long).view(B, S),
            "mask": torch.tensor(b["sourceMask"], dtype=torch.float32).view(B, S),
            "input": torch.tensor(b["decoderInput"], dtype=torch.long).view(B, T),
            "target": torch.tensor(b["decoderTarget"], dtype=torch.long).view(B, T),
            # Indices of the real target tokens in the flattened [B·T] positions (their labels below).
            "real": torch.tensor(b["targetMask"], dtype=torch.float32).nonzero().squeeze(1),
            "force": b["teacherForcing"],
            "tokens": b["targetTokens"],
        })

    for b in batches:
        b["labels"] = b["target"].view(-1).index_select(0, b["real"])
    del spec

    epochs = []
    for epoch in range(a.epochs):
        start = time.time()
        machine0, own0 = machine_cpu_seconds(), cpu_seconds()
        loss_sum, tokens = 0.0, 0
        for b in batches:
            lengths = b["mask"].sum(1).long()
            keys, state = encoder(b["source"], lengths)
            keys_projected = decoder.Wa_keys(keys)
            T = b["input"].shape[1]
            previous = b["input"][:, 0]
            features = []
            for t in range(T):
                out, state = decoder.step(previous, state, keys, keys_projected, b["mask"])
                features.append(out)
                if t + 1 < T:
                    previous = b["input"][:, t + 1] if b["force"] else decoder.classifier(out).argmax(1).detach()
            # The classifier on the real target tokens only, as the workbook does: the mean over them is the
            # masked mean over all positions, with the padded positions' share of [B·T, H] x [H, V] left out.
            real = torch.stack(features, 1).view(-1, H).index_select(0, b["real"])
            loss = F.cross_entropy(decoder.classifier(real), b["labels"])
            opt.zero_grad()
            loss.backward()
            if cfg["clipNorm"]:
                torch.nn.utils.clip_grad_norm_(params, cfg["clipNorm"])
            opt.step()
            loss_sum += loss.item() * b["tokens"]
            tokens += b["tokens"]
        seconds = time.time() - start
        machine1 = machine_cpu_seconds()
        # What other processes took while this epoch ran (should be ~0: else the figure is too low).
        other = None if machine0 is None or machine1 is None else max(0.0, machine1 - machine0 - (cpu_seconds() - own0))
        epochs.append({"epoch": epoch + 1, "seconds": seconds, "loss": loss_sum / tokens, "tokensPerSecond": tokens / seconds,
                       "otherCpuSeconds": other})
    last = epochs[-1]
    print(json.dumps({
        "framework": f"pytorch {torch.__version__}",
        "version": torch.__version__,
        "python": sys.executable,
        "threads": torch.get_num_threads(),
        "targetTokensPerSecond": round(last["tokensPerSecond"], 1),
        "secondsPerEpoch": round(last["seconds"], 2),
        "finalLoss": round(last["loss"], 4),
        "peakRssMB": round(peak_rss_mb(), 1),
        "otherCpuSecondsMeanwhile": None if last["otherCpuSeconds"] is None else round(last["otherCpuSeconds"], 1),
        "epochs": epochs,
    }))


if __name__ == "__main__":
    main()
