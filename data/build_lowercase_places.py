#!/usr/bin/env python3
"""Rebuilds data/gazetteers/lowercase_places.txt: places that edited text never writes in lower case.

    python3 data/build_lowercase_places.py [--shared ../shared]

The linear tagger learns from edited news, where a place name is capitalised, so it misses
places in text typed in lower case (`flights to kerala`). This list lets gloss tag those: a
place from `countries.txt`, `admin1.txt` or `cities.txt` qualifies when, counted over the shared
unlabeled news and the texts of the *training* splits (never dev or test), it is written
capitalised at least once and never in lower case (so `nice`, `reading`, `mobile`, `turkey` or
`china`, which news writes as common words, stay out), is at least four letters long, and is
not a listed first name (a lower-case `brittany` in web text is more often a person).

Only the qualifying names are written, one per line, as the gazetteers spell them; no text of
the corpora. Deterministic; needs only Python's standard library.
"""
import argparse
import json
import pathlib
import re
from collections import Counter

HERE = pathlib.Path(__file__).resolve().parent
GAZETTEERS = HERE / "gazetteers"
PLACE_LISTS = ["countries", "admin1", "cities"]
CORPORA = [
    "data/unlabeled/bbc_news_2004_2005.jsonl",
    "data/unlabeled/reuters21578_1987.jsonl",
    "data/ner/conll2003_train.jsonl",
    "data/ner/uner_en_ewt_train.jsonl",
    "data/statements/polnear_train.jsonl",
]
MAX_WORDS = 4
MIN_LETTERS = 4
WORD = re.compile(r"\w+(?:[.'’-]\w+)*|\S")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(HERE.parent.parent / "shared"))
    a = ap.parse_args()

    places = {}  # lower-case word tuple -> the name as the gazetteer spells it
    for name in PLACE_LISTS:
        for line in (GAZETTEERS / f"{name}.txt").read_text(encoding="utf-8").splitlines():
            words = tuple(line.lower().split())
            if words and len(words) <= MAX_WORDS:
                places.setdefault(words, line.strip())
    first_names = {l.strip().lower() for l in (GAZETTEERS / "first_names.txt").open(encoding="utf-8")}

    lower, capitalised = Counter(), Counter()
    for corpus in CORPORA:
        with open(pathlib.Path(a.shared) / corpus, encoding="utf-8") as f:
            for line in f:
                words = WORD.findall(json.loads(line)["text"])
                folded = [w.lower() for w in words]
                for i in range(len(words)):
                    for n in range(1, MAX_WORDS + 1):
                        key = tuple(folded[i : i + n])
                        if len(key) < n:
                            break
                        if key not in places:
                            continue
                        written = words[i : i + n]
                        if all(w == w.lower() for w in written):
                            lower[key] += 1
                        elif written[0][:1].isupper():
                            capitalised[key] += 1

    keep = sorted(
        places[k]
        for k in places
        if capitalised[k] > 0
        and lower[k] == 0
        and sum(len(w) for w in k) >= MIN_LETTERS
        and " ".join(k) not in first_names
    )
    (GAZETTEERS / "lowercase_places.txt").write_text("\n".join(keep) + "\n", encoding="utf-8")
    print(f"lowercase_places: {len(keep)} of {len(places)} places")


if __name__ == "__main__":
    main()
