#!/usr/bin/env python3
"""One encoder for both of gloss's accurate taggers (issues 4 and 8).

The accurate mode ran two MiniLM-L6 models over the same windows (consecutive sentences of up
to 256 wordpieces): one tags entities (`teacher.py`), one tags sources, cues and contents
(`statements_teacher.py`). This script fine-tunes a single MiniLM with both heads on top of
the same last layer, so that gloss runs one transformer per window instead of two. Batches of
the two tasks alternate in random order; each batch trains its own head and the shared encoder.

  train   fine-tune on CoNLL-2003 train + UNER-EWT train (entities, windows packed as
          `teacher.py train --pack 256`) and PolNeAR train (statements); print both tasks'
          dev scores after each epoch; export ONNX (fp32, outputs `logits` for entities and
          `statement_logits`) and a weight-only int8 copy.

Nothing here is needed at run time or by `cargo test`; versions pinned in requirements.txt.
"""

import argparse
import json
import math
import os
import random
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import statements_teacher as st  # noqa: E402
import teacher as ner  # noqa: E402

MAX_PIECES = 256  # both tasks' windows, [CLS] and [SEP] included


def build_joint(base):
    """MiniLM with the case embedding, an entity head (9 BIO labels) and a statement head
    (7 BIO labels) over the same last layer."""
    from torch import nn

    inner = ner.build_model(base, len(ner.LABELS))

    class Joint(nn.Module):
        def __init__(self):
            super().__init__()
            self.bert, self.case, self.drop, self.out = inner.bert, inner.case, inner.drop, inner.out
            self.statement_out = nn.Linear(self.bert.config.hidden_size, len(st.LABELS))

        def forward(self, input_ids, case_ids, attention_mask):
            emb = self.bert.embeddings.word_embeddings(input_ids) + self.case(case_ids)
            h = self.drop(self.bert(inputs_embeds=emb, attention_mask=attention_mask).last_hidden_state)
            return self.out(h), self.statement_out(h)

    return Joint()


def export_joint(model, path):
    import torch

    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    names = ["input_ids", "case_ids", "attention_mask", "logits", "statement_logits"]
    torch.onnx.export(
        model,
        (ids, ids * 0 + 3, ids),
        path,
        input_names=names[:3],
        output_names=names[3:],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in names},
        opset_version=14,
    )


def train(a):
    import torch

    tok = ner.start(a)

    ner_sets = {}
    for name in ["conll2003_train", "uner_en_ewt_train", "conll2003_dev", "uner_en_ewt_dev"]:
        path = os.path.join(a.ner_data, name + ".jsonl")
        docs = ner.read_jsonl(path)
        sents = ner.pack(tok, ner.sentences_of(docs, ner.gloss_tokens(a.gloss, path), True), MAX_PIECES)
        ner_sets[name] = (docs, sents)
    ner_wins = []
    for name in ["conll2003_train", "uner_en_ewt_train"]:
        ner_wins += ner.windows(tok, ner_sets[name][1], MAX_PIECES)
    # Web text is the scarcer domain: --final-uner-epochs ends training with epochs whose entity
    # batches are UNER's alone (the statement batches stay, for the shared encoder).
    uner_wins = ner.windows(tok, ner_sets["uner_en_ewt_train"][1], MAX_PIECES)

    st_train = os.path.join(a.statements_data, "polnear_train.jsonl")
    st_dev = os.path.join(a.statements_data, "polnear_dev.jsonl")
    st_train_docs, st_dev_docs = ner.read_jsonl(st_train), ner.read_jsonl(st_dev)
    st_train_tokens, st_dev_tokens = ner.gloss_tokens(a.gloss, st_train), ner.gloss_tokens(a.gloss, st_dev)
    st_wins = st.windows(tok, st_train_docs, st_train_tokens, True)
    st_dev_wins = st.windows(tok, st_dev_docs, st_dev_tokens, False)
    st_dev_n = [sum(len(s) for s in st_dev_tokens[json.dumps(d["id"])]) for d in st_dev_docs]
    if a.limit:  # a quick run through the whole script
        ner_wins, st_wins, uner_wins = ner_wins[: a.limit], st_wins[: a.limit], uner_wins[: a.limit]
        for name in ["conll2003_dev", "uner_en_ewt_dev"]:
            docs, sents = ner_sets[name]
            ner_sets[name] = (docs, [x for x in sents if x[0] < 5])
        st_dev_docs, st_dev_wins = st_dev_docs[:5], [w for w in st_dev_wins if w[0] < 5]
        st_dev_n = st_dev_n[:5]
    print(f"entity windows {len(ner_wins)}, statement windows {len(st_wins)}", flush=True)

    model = build_joint(a.base)
    n_batches = math.ceil(len(ner_wins) / a.ner_batch) + math.ceil(len(st_wins) / a.statements_batch)
    n_final = math.ceil(len(uner_wins) / a.ner_batch) + math.ceil(len(st_wins) / a.statements_batch)
    opt, sched = ner.optimizer(model, a.lr, a.epochs * n_batches + a.final_uner_epochs * n_final)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)

    def runner(head):
        def run(ids, cases, mask):
            with torch.no_grad():
                out = model(torch.from_numpy(ids), torch.from_numpy(cases), torch.from_numpy(mask))
            return out[head].numpy()

        return run

    t0 = time.time()
    os.makedirs(a.out, exist_ok=True)
    fp32 = os.path.join(a.out, "joint.fp32.onnx")
    for epoch in range(a.epochs + a.final_uner_epochs):
        model.train()
        wins = ner_wins if epoch < a.epochs else uner_wins
        todo = [(0, b) for b in ner.batches(wins, a.ner_batch, True)]
        todo += [(1, b) for b in ner.batches(st_wins, a.statements_batch, True)]
        random.shuffle(todo)
        totals, counts = [0.0, 0.0], [0, 0]
        for n, (head, (_, ids, cases, mask, labels)) in enumerate(todo, 1):
            logits = model(torch.from_numpy(ids), torch.from_numpy(cases), torch.from_numpy(mask))[head]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(labels).reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            totals[head] += loss.item()
            counts[head] += 1
            if n % 100 == 0:
                losses = " ".join(f"{t / max(c, 1):.4f}" for t, c in zip(totals, counts))
                print(f"  epoch {epoch+1} step {n}/{len(todo)} loss {losses} {time.time()-t0:.0f}s", flush=True)
        model.eval()
        for name in ["conll2003_dev", "uner_en_ewt_dev"]:
            docs, sents = ner_sets[name]
            tags, _ = ner.predict(runner(0), tok, sents, max_pieces=MAX_PIECES)
            print(f"epoch {epoch+1} {name}: {ner.fmt(ner.score(docs, sents, tags))}", flush=True)
        tags = st.predict(runner(1), st_dev_wins, st_dev_n)
        p, r, f = st.score(st_dev_docs, st_dev_tokens, tags, a.shared_tools)
        print(f"epoch {epoch+1} polnear_dev content overlap50 P {p*100:.2f} R {r*100:.2f} F1 {f*100:.2f} "
              f"({time.time()-t0:.0f}s)", flush=True)
        export_joint(model, fp32)
        tok.save_pretrained(a.out)
    ner.weight_only_int8(fp32, os.path.join(a.out, "joint.int8.onnx"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--base", required=True, help="the unzipped package's model directory")
    t.add_argument("--ner-data", default="../shared/data/ner")
    t.add_argument("--statements-data", default="../shared/data/statements")
    t.add_argument("--shared-tools", default="../shared/tools")
    t.add_argument("--gloss", default="target/release/gloss")
    t.add_argument("--out", default="/tmp/joint-teacher")
    t.add_argument("--epochs", type=int, default=3)
    t.add_argument("--final-uner-epochs", type=int, default=0,
                   help="epochs after --epochs whose entity batches are UNER train's alone")
    t.add_argument("--ner-batch", type=int, default=8)
    t.add_argument("--statements-batch", type=int, default=16)
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--limit", type=int, default=0, help="windows per task, for a quick check (0: all)")
    a = p.parse_args()
    {"train": train}[a.cmd](a)


if __name__ == "__main__":
    main()
