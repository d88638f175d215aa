#!/usr/bin/env python3
"""Rebuilds data/clusters.txt: word clusters learnt from unlabeled news, for the tagger.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy==2.* scipy scikit-learn
    /tmp/v/bin/python data/build_clusters.py ../shared

Each word seen at least MIN_COUNT times is represented by its left and right neighbours among
the most frequent words (positive PMI), reduced with truncated SVD and clustered with k-means
at three granularities. A line is `word<TAB>c64<TAB>c256<TAB>c1024`. The texts are the shared
unlabeled news and the texts of the *training* splits only (never dev or test). Deterministic
(fixed seeds). Words are lower-cased with digits folded to 0, as the tagger's features see them.
"""
import collections
import json
import pathlib
import re
import sys

import numpy as np
from scipy import sparse
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD

MIN_COUNT = 4
MAX_WORDS = 60000
CONTEXT_WORDS = 1500
DIMS = 100
LEVELS = (64, 256, 1024)
TOKEN = re.compile(r"\w+(?:[-'’.&]\w+)*\.?|[^\w\s]", re.UNICODE)


def normalize(w):
    return re.sub(r"\d", "0", w.lower().replace("’", "'"))


def texts(shared):
    d = pathlib.Path(shared) / "data"
    files = [d / "unlabeled/bbc_news_2004_2005.jsonl", d / "unlabeled/reuters21578_1987.jsonl",
             d / "ner/conll2003_train.jsonl", d / "ner/uner_en_ewt_train.jsonl",
             d / "statements/polnear_train.jsonl"]
    for f in files:
        for line in f.open(encoding="utf-8"):
            if line.strip():
                yield json.loads(line)["text"]


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
    sents = []
    counts = collections.Counter()
    for t in texts(shared):
        for para in t.split("\n"):
            toks = [normalize(m.group(0)) for m in TOKEN.finditer(para)]
            if toks:
                sents.append(toks)
                counts.update(toks)
    print(f"{sum(counts.values())} tokens, {len(counts)} types", file=sys.stderr)
    vocab = [w for w, c in counts.most_common(MAX_WORDS) if c >= MIN_COUNT]
    index = {w: i for i, w in enumerate(vocab)}
    ctx = {w: i for i, w in enumerate(vocab[:CONTEXT_WORDS])}
    rows, cols = [], []
    for toks in sents:
        ids = [index.get(w, -1) for w in toks]
        cs = [ctx.get(w, -1) for w in toks]
        for k, i in enumerate(ids):
            if i < 0:
                continue
            if k > 0 and cs[k - 1] >= 0:
                rows.append(i); cols.append(cs[k - 1])
            if k + 1 < len(toks) and cs[k + 1] >= 0:
                rows.append(i); cols.append(CONTEXT_WORDS + cs[k + 1])
    m = sparse.coo_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)),
                          shape=(len(vocab), 2 * CONTEXT_WORDS)).tocsr()
    m.sum_duplicates()
    total = m.sum()
    row = np.asarray(m.sum(axis=1)).ravel() + 1e-9
    col = np.asarray(m.sum(axis=0)).ravel() + 1e-9
    m = m.tocoo()
    pmi = np.log(m.data * total / (row[m.row] * col[m.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    x = TruncatedSVD(n_components=DIMS, random_state=0).fit_transform(ppmi)
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
    labels = []
    for k in LEVELS:
        km = MiniBatchKMeans(n_clusters=k, random_state=0, batch_size=4096, n_init=3)
        labels.append(km.fit_predict(x))
        print(f"k={k} done", file=sys.stderr)
    out = pathlib.Path(__file__).resolve().parent / "clusters.txt"
    with out.open("w", encoding="utf-8") as f:
        for w in sorted(vocab):
            i = index[w]
            if "\t" in w:
                continue
            f.write(w + "\t" + "\t".join(str(l[i]) for l in labels) + "\n")
    print(f"wrote {out} ({len(vocab)} words)", file=sys.stderr)


if __name__ == "__main__":
    main()
