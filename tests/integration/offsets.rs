//! Property tests: any Unicode input annotates without panicking, and every offset is valid
//! and slices back to its text in all three units.

use gloss::analysis::{AnalysisError, Document, InputFormat, OffsetUnit, TaggerChoice};
use proptest::prelude::*;

use crate::common::{analyzer, check_spans, units};

/// Pieces that stress offsets and segmentation.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Zelenskyy said".to_string()),
        Just(" \"We are ready,\" he said. ".to_string()),
        Just("👩‍👩‍👧".to_string()),
        Just("🇺🇦".to_string()),
        Just("e\u{301}".to_string()),
        Just("مرحبا بالعالم".to_string()),
        Just("\u{202E}RTL\u{202C}".to_string()),
        Just("\0".to_string()),
        Just("\u{7}\u{1b}[0m".to_string()),
        Just("\r\n\n".to_string()),
        Just("U.S. President Joe Biden's".to_string()),
        Just("“curly” «guillemets» ''two'' ``open".to_string()),
        Just("<p>&amp;&#x1F600;</p>".to_string()),
        Just("\u{FEFF}\u{200B}".to_string()),
        any::<String>(),
        "[A-Z][a-z]{1,8}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn any_input_annotates_with_valid_offsets(pieces in prop::collection::vec(piece(), 0..12), html in any::<bool>()) {
        let text: String = pieces.concat();
        for unit in units() {
            let doc = Document {
                id: None,
                text: text.clone(),
                format: if html { InputFormat::Html } else { InputFormat::Text },
                offsets: unit,
                // Both taggers see the same tokens; half the cases go through each.
                model: Some(if pieces.len() % 2 == 0 { TaggerChoice::Fast } else { TaggerChoice::Accurate }),
            };
            match analyzer().annotate(&doc) {
                Ok(a) => { check_spans(&a, &text); }
                Err(e) => prop_assert_eq!(e, AnalysisError::EmptyText),
            }
        }
    }
}

#[test]
fn the_three_units_agree_on_a_known_text() {
    let text = "🇺🇦 Zelenskyy said: «Ukraine is ready».";
    let spans: Vec<Vec<(usize, usize)>> = units()
        .iter()
        .map(|&u| {
            let a = analyzer()
                .annotate(&Document {
                    id: None,
                    text: text.into(),
                    format: InputFormat::Text,
                    offsets: u,
                    model: None,
                })
                .unwrap();
            assert!(check_spans(&a, text) > 0);
            a.entities
                .iter()
                .flat_map(|e| e.mentions.iter().map(|m| (m.start, m.end)))
                .collect()
        })
        .collect();
    // 🇺🇦 is two code points, four UTF-16 units, eight bytes.
    let z = text.find("Zelenskyy").unwrap();
    assert_eq!(z, 9);
    assert!(spans[0].contains(&(3, 12)), "{:?}", spans[0]);
    assert!(spans[1].contains(&(5, 14)), "{:?}", spans[1]);
    assert!(spans[2].contains(&(9, 18)), "{:?}", spans[2]);
    let _ = OffsetUnit::Codepoint;
}
