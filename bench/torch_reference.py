#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- train`: the same model and training loop as the workbook's
benchmark, on the very same batches (read from the JSON file that the Node side writes).

Model (the FloydHub tutorial's Luong configuration, batched): embedding E, one-layer LSTM encoder of size
H; a Luong decoder (LSTM step first, then the paper's concat score v·tanh([h; k]·Wa), softmax over the
unpadded source, context, h~ = tanh([c; h]·Wc), classifier); loss: cross-entropy per real target token;
Adam; gradient clipping by global norm; teacher forcing decided per batch (flags from the file).

Both start from the same weights: the file carries the workbook's initial weights, which are copied
into the PyTorch modules (transposed: the workbook multiplies row vectors, x·W; torch.nn.Linear computes
x·Wᵀ; LSTM gate order i, f, g, o in both). Adam's epsilon is tfjs's 1e-7.

Prints one JSON line: target tokens per second, seconds per epoch, final loss, peak memory.
"""
import argparse
import json
import resource
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


def load_workbook_weights(encoder, decoder, weights, H):
    """Copies the workbook's weights (name -> {shape, values}) into the PyTorch modules."""
    def w(name):
        entry = weights[name]
        return torch.tensor(entry["values"], dtype=torch.float32).view(*entry["shape"])

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
        load_workbook_weights(encoder, decoder, spec["initialWeights"], H)
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
            "tmask": torch.tensor(b["targetMask"], dtype=torch.float32).view(B, T),
            "force": b["teacherForcing"],
            "tokens": b["targetTokens"],
        })

    epochs = []
    for epoch in range(a.epochs):
        start = time.time()
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
            logits = decoder.classifier(torch.stack(features, 1)).view(-1, cfg["targetVocabSize"])
            per_token = F.cross_entropy(logits, b["target"].view(-1), reduction="none")
            m = b["tmask"].view(-1)
            loss = (per_token * m).sum() / m.sum()
            opt.zero_grad()
            loss.backward()
            if cfg["clipNorm"]:
                torch.nn.utils.clip_grad_norm_(params, cfg["clipNorm"])
            opt.step()
            loss_sum += loss.item() * b["tokens"]
            tokens += b["tokens"]
        seconds = time.time() - start
        epochs.append({"epoch": epoch + 1, "seconds": seconds, "loss": loss_sum / tokens, "tokensPerSecond": tokens / seconds})
    last = epochs[-1]
    print(json.dumps({
        "framework": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "targetTokensPerSecond": round(last["tokensPerSecond"], 1),
        "secondsPerEpoch": round(last["seconds"], 2),
        "finalLoss": round(last["loss"], 4),
        "peakMemoryMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "epochs": epochs,
    }))


if __name__ == "__main__":
    main()
