//! Rendering: the analysis (byte offsets) into the annotation (offsets in the requested unit,
//! with each span's text), ids assigned in salience order.

use super::annotation::{
    Annotation, Entity, Mention, MentionKind, ModelInfo, SentenceSpan, Span, Speaker, Statement,
};
use super::entities::EntityGroup;
use super::offsets::{OffsetMap, OffsetUnit};
use super::segment::Segmentation;
use super::statements::FoundStatement;

/// What the stages produced for one document.
pub struct Analysis<'a> {
    pub id: Option<String>,
    pub text: &'a str,
    pub segmentation: &'a Segmentation,
    pub entities: &'a [EntityGroup],
    pub statements: &'a [FoundStatement],
    pub model: ModelInfo,
}

/// Builds the annotation; `include_text` returns the analysed text (HTML input).
pub fn render(a: Analysis, unit: OffsetUnit, include_text: bool) -> Annotation {
    let map = OffsetMap::new(a.text, unit);
    let span = |s: usize, e: usize| Span {
        start: map.convert(s),
        end: map.convert(e),
        text: a.text[s..e].to_string(),
    };

    let entities = a
        .entities
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut ms: Vec<(usize, usize, MentionKind)> = g
                .mentions
                .iter()
                .map(|m| (m.start, m.end, m.kind))
                .collect();
            ms.sort_by_key(|m| (m.0, m.1));
            ms.dedup_by_key(|m| (m.0, m.1));
            Entity {
                id: format!("e{}", i + 1),
                entity_type: g.entity_type,
                name: g.name.clone(),
                salience: g.salience,
                titles: g.titles.clone(),
                geo: g.geo.clone(),
                mentions: ms
                    .into_iter()
                    .map(|(s, e, kind)| {
                        let sp = span(s, e);
                        Mention {
                            start: sp.start,
                            end: sp.end,
                            text: sp.text,
                            kind,
                        }
                    })
                    .collect(),
            }
        })
        .collect();

    let statements = a
        .statements
        .iter()
        .enumerate()
        .map(|(i, st)| Statement {
            id: format!("s{}", i + 1),
            kind: st.kind,
            content: st.content.iter().map(|&(s, e)| span(s, e)).collect(),
            speaker: st.speaker.map(|sp| {
                let s = span(sp.start, sp.end);
                Speaker {
                    start: s.start,
                    end: s.end,
                    text: s.text,
                    entity: sp.entity.map(|e| format!("e{}", e + 1)),
                }
            }),
            cue: st.cue.map(|(s, e)| span(s, e)),
        })
        .collect();

    Annotation {
        id: a.id,
        offsets: unit,
        text: include_text.then(|| a.text.to_string()),
        model: a.model,
        sentences: a
            .segmentation
            .sentences
            .iter()
            .map(|s| SentenceSpan {
                start: map.convert(s.start),
                end: map.convert(s.end),
            })
            .collect(),
        entities,
        statements,
    }
}
