//! Coreference: the entities' second pass, once statements are known.
//!
//! - Speakers that statements linked through a pronoun or noun phrase (`he said`, `the
//!   president said`) become mentions of their entity, with kind `pronoun` or `nominal`.
//! - Other personal pronouns (`his government`, `told him`) join a person only when exactly one
//!   person is named between the start of the previous sentence and the pronoun. Gender is not
//!   known, so two people in reach means no link: a wrong link is worse than none.
//! - Salience is computed again with speaking roles counted, entities are re-ranked, and the
//!   statements' entity links follow the new order.

use super::annotation::{EntityType, MentionKind};
use super::entities::{normalize_salience, raw_salience, EntityGroup, MentionSpan};
use super::segment::Segmentation;
use super::statements::FoundStatement;

/// Pronouns that refer to a person.
const PERSONAL_PRONOUNS: &[&str] = &[
    "he", "him", "his", "himself", "she", "her", "hers", "herself",
];

pub fn complete(
    text: &str,
    seg: &Segmentation,
    groups: &mut Vec<EntityGroup>,
    statements: &mut [FoundStatement],
) {
    let overlaps = |m: &MentionSpan, s: usize, e: usize| m.start < e && s < m.end;

    // Speakers linked by a pronoun or noun phrase. A speaker phrase that contains a name
    // (`Dutch Prime Minister Dick Schoof`) is already counted by that name.
    for sp in statements.iter().filter_map(|st| st.speaker) {
        let (Some(e), MentionKind::Pronoun | MentionKind::Nominal) = (sp.entity, sp.kind) else {
            continue;
        };
        if let Some(g) = groups.get_mut(e) {
            if !g.mentions.iter().any(|m| overlaps(m, sp.start, sp.end)) {
                g.mentions.push(MentionSpan {
                    start: sp.start,
                    end: sp.end,
                    kind: sp.kind,
                });
            }
        }
    }

    // Other personal pronouns. Speaker phrases are left to the statements' own linking, so a
    // pronoun the statements found ambiguous does not get an entity here.
    let speaker_spans: Vec<(usize, usize)> = statements
        .iter()
        .filter_map(|st| st.speaker.map(|sp| (sp.start, sp.end)))
        .collect();
    let sentence_of = |byte: usize| seg.sentences.partition_point(|s| s.end <= byte);
    let mut found: Vec<(usize, MentionSpan)> = Vec::new();
    for t in &seg.tokens {
        let word = &text[t.start..t.end];
        if word.len() > 7 || !PERSONAL_PRONOUNS.contains(&word.to_lowercase().as_str()) {
            continue;
        }
        if speaker_spans.iter().any(|&(s, e)| s < t.end && t.start < e) {
            continue;
        }
        let si = sentence_of(t.start);
        let lo = seg
            .sentences
            .get(si.saturating_sub(1))
            .map_or(0, |s| s.start);
        let mut people = groups.iter().enumerate().filter(|(_, g)| {
            g.entity_type == EntityType::Person
                && g.mentions
                    .iter()
                    .any(|m| m.kind == MentionKind::Name && m.start >= lo && m.end <= t.start)
        });
        if let (Some((e, _)), None) = (people.next(), people.next()) {
            found.push((
                e,
                MentionSpan {
                    start: t.start,
                    end: t.end,
                    kind: MentionKind::Pronoun,
                },
            ));
        }
    }
    for (e, m) in found {
        groups[e].mentions.push(m);
    }

    // Salience with speaking roles, then the new order.
    let mut spoken = vec![0usize; groups.len()];
    for e in statements.iter().filter_map(|st| st.speaker?.entity) {
        if let Some(n) = spoken.get_mut(e) {
            *n += 1;
        }
    }
    for (g, n) in groups.iter_mut().zip(&spoken) {
        g.mentions.sort_by_key(|m| (m.start, m.end));
        g.salience = raw_salience(text, seg, g.entity_type, &g.mentions, *n);
    }
    let new_of_old = normalize_salience(groups);
    for sp in statements.iter_mut().filter_map(|st| st.speaker.as_mut()) {
        sp.entity = sp.entity.and_then(|e| new_of_old.get(e).copied());
    }
}
