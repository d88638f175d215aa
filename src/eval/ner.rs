//! Exact-span NER scoring, as `score_ner.py`: micro P/R/F1 over (start, end, label) sets per
//! document, code-point offsets, duplicates counted once, gold MISC reported but not in the
//! PER+ORG+LOC row.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

/// One document's spans (code points) with labels.
pub type SpanSet = BTreeSet<(usize, usize, String)>;

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn prf(&self) -> (f64, f64, f64) {
        prf(self.tp, self.fp, self.fn_)
    }
}

pub fn prf(tp: usize, fp: usize, fn_: usize) -> (f64, f64, f64) {
    let p = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let r = if tp + fn_ > 0 {
        tp as f64 / (tp + fn_) as f64
    } else {
        0.0
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// Accumulates counts over documents.
#[derive(Debug, Default)]
pub struct NerScore {
    pub by_label: HashMap<String, Counts>,
    pub docs: usize,
}

pub const LABELS: [&str; 3] = ["PER", "ORG", "LOC"];

impl NerScore {
    pub fn add(&mut self, gold: &SpanSet, pred: &SpanSet) {
        self.docs += 1;
        for x in pred.intersection(gold) {
            self.by_label.entry(x.2.clone()).or_default().tp += 1;
        }
        for x in pred.difference(gold) {
            self.by_label.entry(x.2.clone()).or_default().fp += 1;
        }
        for x in gold.difference(pred) {
            self.by_label.entry(x.2.clone()).or_default().fn_ += 1;
        }
    }

    fn combined(&self, labels: &[&str]) -> Counts {
        let mut c = Counts::default();
        for l in labels {
            let x = self.by_label.get(*l).copied().unwrap_or_default();
            c.tp += x.tp;
            c.fp += x.fp;
            c.fn_ += x.fn_;
        }
        c
    }

    /// Micro F1 over PER+ORG+LOC.
    pub fn micro_f1(&self) -> f64 {
        self.combined(&LABELS).prf().2
    }

    /// The table `score_ner.py` prints, row for row.
    pub fn report(&self, gold: &str, pred: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "gold={gold}\npred={pred}\ndocs={}", self.docs);
        let _ = writeln!(
            out,
            "{:<26}{:>7}{:>7}{:>7}{:>8}{:>8}{:>8}",
            "label", "gold", "pred", "tp", "P", "R", "F1"
        );
        let mut row = |name: &str, c: Counts| {
            let (p, r, f) = c.prf();
            let _ = writeln!(
                out,
                "{:<26}{:>7}{:>7}{:>7}{:>8.2}{:>8.2}{:>8.2}",
                name,
                c.tp + c.fn_,
                c.tp + c.fp,
                c.tp,
                100.0 * p,
                100.0 * r,
                100.0 * f
            );
        };
        for l in LABELS.iter().chain(&["MISC"]) {
            row(l, self.by_label.get(*l).copied().unwrap_or_default());
        }
        row("combined PER+ORG+LOC", self.combined(&LABELS));
        row(
            "combined PER+ORG+LOC+MISC",
            self.combined(&["PER", "ORG", "LOC", "MISC"]),
        );
        let mut other: Vec<&String> = self
            .by_label
            .keys()
            .filter(|k| !LABELS.contains(&k.as_str()) && k.as_str() != "MISC")
            .collect();
        other.sort();
        if !other.is_empty() {
            let names: Vec<&str> = other.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(out, "(labels not scored: {})", names.join(", "));
        }
        out
    }
}
