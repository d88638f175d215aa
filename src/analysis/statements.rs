//! Statements: who said what.
//!
//! Two layers:
//! 1. [`quotes`]: quotation-mark structure (straight, curly, « », `` ``...'' ``, nested single
//!    quotes, apostrophes that are not quotes, quotes re-opened across paragraphs).
//! 2. Attribution per sentence: a reporting cue (`said`, `told reporters`, `according to`, cue
//!    nouns such as `in a statement`), its speaker (before it, after it in inverted order, or
//!    through `according to`), and its content (the quoted pieces, or the reported clause).
//!    A quote without a cue of its own continues the previous speaker.
//!
//! Pronoun and nominal speakers are linked to an entity only when one candidate is clearly
//! meant: a wrong link is worse than none.

pub mod attribution;
pub mod quotes;

pub use attribution::{extract, FoundStatement, SpeakerRef};
