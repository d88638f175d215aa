//! Scorers that reproduce `../shared/tools/score_ner.py` and `score_quotes.py`, so that
//! `gloss eval` prints the same numbers as the reference scripts.

pub mod ner;
pub mod statements;
