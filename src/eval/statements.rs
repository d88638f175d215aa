//! Statement scoring, as `score_quotes.py`: content pieces matched one-to-one (greedy, best
//! overlap first) under three criteria, speaker accuracy on matched pairs, and quote+speaker
//! P/R/F1. Offsets are code points.

use std::fmt::Write;

const QUOTE_CHARS: &str = "\"'`\u{201c}\u{201d}\u{201e}\u{201f}\u{2018}\u{2019}\u{201a}\u{201b}\u{ab}\u{bb}\u{2039}\u{203a}\u{300c}\u{300d}";
const EDGE_PUNCT: &str = ",.;:!?\u{2026}-\u{2013}\u{2014}";

/// Python's `str.isspace`, which also counts the information separators.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn is_trim(c: char) -> bool {
    py_space(c) || QUOTE_CHARS.contains(c) || EDGE_PUNCT.contains(c)
}

fn trim(text: &[char], mut s: usize, mut e: usize) -> (usize, usize) {
    let e0 = e.min(text.len());
    e = e0;
    while s < e && is_trim(text[s]) {
        s += 1;
    }
    while e > s && is_trim(text[e - 1]) {
        e -= 1;
    }
    (s, e)
}

/// A content piece as the scorer sees it.
#[derive(Debug, Clone)]
pub struct Piece {
    pub start: usize,
    pub end: usize,
    pub speaker: Option<String>,
    pub speaker_spans: Vec<(usize, usize)>,
}

impl Piece {
    fn has_speaker(&self) -> bool {
        !self.speaker_spans.is_empty() || self.speaker.as_deref().is_some_and(|s| !s.is_empty())
    }
}

fn norm_str(x: Option<&str>) -> Option<String> {
    let x = x?;
    let collapsed = x
        .split(py_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let lowered: String = collapsed.chars().flat_map(char::to_lowercase).collect();
    let t = lowered.trim_matches(|c: char| is_trim(c) || c == ' ');
    (!t.is_empty()).then(|| t.to_string())
}

fn speaker_ok(g: &Piece, p: &Piece) -> bool {
    for &(a, b) in &p.speaker_spans {
        for &(c, d) in &g.speaker_spans {
            if a < d && c < b {
                return true;
            }
        }
    }
    let gn = norm_str(g.speaker.as_deref());
    gn.is_some() && gn == norm_str(p.speaker.as_deref())
}

const CRITERIA: [&str; 3] = ["exact_strict", "exact_norm", "overlap50"];

fn matches(text: &[char], gold: &[Piece], pred: &[Piece], crit: usize) -> Vec<(usize, usize)> {
    let mut cands: Vec<(f64, usize, usize)> = Vec::new();
    for (gi, g) in gold.iter().enumerate() {
        let (tgs, tge) = trim(text, g.start, g.end);
        for (pi, p) in pred.iter().enumerate() {
            match crit {
                0 => {
                    if (g.start, g.end) == (p.start, p.end) {
                        cands.push((1.0, gi, pi));
                    }
                }
                1 => {
                    let (tps, tpe) = trim(text, p.start, p.end);
                    if (tgs, tge) == (tps, tpe) && tge > tgs {
                        cands.push((1.0, gi, pi));
                    }
                }
                _ => {
                    let (tps, tpe) = trim(text, p.start, p.end);
                    let inter = tge.min(tpe) as i64 - tgs.max(tps) as i64;
                    let longest = (tge - tgs).max(tpe - tps) as i64;
                    if inter > 0 && longest > 0 && inter as f64 / longest as f64 >= 0.5 {
                        cands.push((inter as f64 / longest as f64, gi, pi));
                    }
                }
            }
        }
    }
    cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut ug = vec![false; gold.len()];
    let mut up = vec![false; pred.len()];
    let mut pairs = Vec::new();
    for (_, gi, pi) in cands {
        if ug[gi] || up[pi] {
            continue;
        }
        ug[gi] = true;
        up[pi] = true;
        pairs.push((gi, pi));
    }
    pairs
}

#[derive(Debug, Default, Clone, Copy)]
pub struct CriterionTotals {
    pub matched: usize,
    pub speaker_evaluated: usize,
    pub speaker_correct: usize,
    pub quote_speaker_correct: usize,
}

/// Accumulated statement scores.
#[derive(Debug, Default)]
pub struct StatementScore {
    pub docs: usize,
    pub gold: usize,
    pub gold_without_speaker: usize,
    pub pred: usize,
    pub criteria: [CriterionTotals; 3],
}

fn ratio(a: usize, b: usize) -> f64 {
    if b > 0 {
        a as f64 / b as f64
    } else {
        0.0
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

impl StatementScore {
    pub fn add(&mut self, text: &str, gold: &[Piece], pred: &[Piece]) {
        let chars: Vec<char> = text.chars().collect();
        self.docs += 1;
        self.gold += gold.len();
        self.pred += pred.len();
        self.gold_without_speaker += gold.iter().filter(|g| !g.has_speaker()).count();
        for (c, t) in self.criteria.iter_mut().enumerate() {
            let pairs = matches(&chars, gold, pred, c);
            t.matched += pairs.len();
            for (gi, pi) in pairs {
                let (g, p) = (&gold[gi], &pred[pi]);
                if g.has_speaker() {
                    t.speaker_evaluated += 1;
                    if speaker_ok(g, p) {
                        t.speaker_correct += 1;
                        t.quote_speaker_correct += 1;
                    }
                } else if !p.has_speaker() {
                    t.quote_speaker_correct += 1;
                }
            }
        }
    }

    /// (P, R, F1, speaker accuracy, quote+speaker F1) under `overlap50`.
    pub fn overlap50(&self) -> (f64, f64, f64, f64, f64) {
        let t = self.criteria[2];
        let p = ratio(t.matched, self.pred);
        let r = ratio(t.matched, self.gold);
        let sp = ratio(t.quote_speaker_correct, self.pred);
        let sr = ratio(t.quote_speaker_correct, self.gold);
        (
            p,
            r,
            f1(p, r),
            ratio(t.speaker_correct, t.speaker_evaluated),
            f1(sp, sr),
        )
    }

    /// The table `score_quotes.py` prints, row for row.
    pub fn report(&self, gold: &str, pred: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "gold={gold} (filter=all)\npred={pred}");
        let _ = writeln!(
            out,
            "docs={} gold_quotes={} (of {}; {} without speaker) pred_quotes={}",
            self.docs, self.gold, self.gold, self.gold_without_speaker, self.pred
        );
        let _ = writeln!(
            out,
            "{:<14}{:>7}{:>8}{:>8}{:>8} | {:>8}{:>12} | {:>8}{:>8}{:>8}",
            "criterion", "match", "P", "R", "F1", "spk_acc", "(ok/n)", "q+spk P", "R", "F1"
        );
        for (c, t) in self.criteria.iter().enumerate() {
            let p = ratio(t.matched, self.pred);
            let r = ratio(t.matched, self.gold);
            let sp = ratio(t.quote_speaker_correct, self.pred);
            let sr = ratio(t.quote_speaker_correct, self.gold);
            let _ = writeln!(
                out,
                "{:<14}{:>7}{:>8.2}{:>8.2}{:>8.2} | {:>8.2}{:>12} | {:>8.2}{:>8.2}{:>8.2}",
                CRITERIA[c],
                t.matched,
                100.0 * p,
                100.0 * r,
                100.0 * f1(p, r),
                100.0 * ratio(t.speaker_correct, t.speaker_evaluated),
                format!("({}/{})", t.speaker_correct, t.speaker_evaluated),
                100.0 * sp,
                100.0 * sr,
                100.0 * f1(sp, sr)
            );
        }
        out
    }
}
