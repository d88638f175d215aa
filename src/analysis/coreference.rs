//! Coreference: the entities' second pass, once statements are known.
//!
//! - Speakers that statements linked through a pronoun or noun phrase (`he said`, `the
//!   president said`) become mentions of their entity, with kind `pronoun` or `nominal`.
//! - Other personal pronouns (`his government`, `told him`) join a person only when exactly one
//!   person is named between the start of the previous sentence and the pronoun. Gender is not
//!   known, so two people in reach means no link: a wrong link is worse than none.
//! - A country's services that speak only through a common noun (`Ukraine's air force said`,
//!   `the air force said`) become entities of their own, with `nominal` mentions, when no named
//!   entity has that head noun: a source-diversity audit counts them as sources.
//! - `the Russian capital` joins the city the article names that is Russia's capital.
//! - A seat of power that speaks (`the Kremlin said`) is an organization
//!   ([`super::entity_types`]).
//! - Salience is computed again with speaking roles counted, entities are re-ranked, and the
//!   statements' entity links follow the new order.

use super::annotation::{EntityType, MentionKind};
use super::entities::{normalize_salience, raw_salience, EntityGroup, MentionSpan};
use super::entity_types;
use super::geo::{Feature, Places};
use super::segment::Segmentation;
use super::statements::FoundStatement;

/// Head nouns of organizations that news names by a common noun (`the air force`, `the coast
/// guard`, `the army`): a country's services, one of each. Other heads (`the company`, `the
/// agency`, `the ministry`) mostly stand for an organization the article names, which the
/// statements' linking finds or leaves alone; making them entities of their own was measured
/// to create wrong ones on CoNLL dev. Groups of people (`officials`, `police`) are sources
/// but not organizations one indexes.
const ORGANIZATION_HEADS: &[&str] = &["force", "guard", "army", "navy", "military", "marines"];

/// Pronouns that refer to a person.
const PERSONAL_PRONOUNS: &[&str] = &[
    "he", "him", "his", "himself", "she", "her", "hers", "herself",
];

pub fn complete(
    text: &str,
    seg: &Segmentation,
    places: &Places,
    groups: &mut Vec<EntityGroup>,
    statements: &mut [FoundStatement],
) {
    let overlaps = |m: &MentionSpan, s: usize, e: usize| m.start < e && s < m.end;

    organizations_named_by_common_nouns(text, groups, statements);
    let speakers: Vec<usize> = statements
        .iter()
        .filter_map(|st| st.speaker?.entity)
        .collect();
    entity_types::retype_speaking_seats(text, groups, &speakers);
    capitals_named_by_demonym(text, seg, places, groups);

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
    let mut found: Vec<(usize, MentionSpan)> = Vec::new();
    for t in &seg.tokens {
        let word = &text[t.start..t.end];
        if word.len() > 7 || !PERSONAL_PRONOUNS.contains(&word.to_lowercase().as_str()) {
            continue;
        }
        if speaker_spans.iter().any(|&(s, e)| s < t.end && t.start < e) {
            continue;
        }
        let si = seg.sentence_at(t.start);
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

/// Unlinked speakers such as `Ukraine's air force` or `the air force`: one organization per
/// head phrase (`air force`), when the phrase is short, lower-case, ends in an organization
/// noun, and no entity already ends in that noun (`the ministry` beside a named `Defense
/// Ministry` is the statements' linking to decide, not a new entity).
fn organizations_named_by_common_nouns(
    text: &str,
    groups: &mut Vec<EntityGroup>,
    statements: &mut [FoundStatement],
) {
    let mut new_of_phrase: Vec<(String, usize)> = Vec::new();
    for sp in statements.iter_mut().filter_map(|st| st.speaker.as_mut()) {
        if sp.entity.is_some() || sp.kind != MentionKind::Nominal {
            continue;
        }
        let written = &text[sp.start..sp.end];
        // After a possessor (`Ukraine's`), else after a determiner.
        let (offset, phrase) = match written.rfind("'s ").or_else(|| written.rfind("\u{2019}s ")) {
            Some(i) => {
                let after = i + written[i..].find(' ').map_or(0, |k| k + 1);
                (after, &written[after..])
            }
            None => {
                let lower = written.to_lowercase();
                let det = ["the ", "its ", "their "]
                    .iter()
                    .find(|d| lower.starts_with(**d))
                    .map_or(0, |d| d.len());
                (0, &written[det..])
            }
        };
        let words: Vec<&str> = phrase.split_whitespace().collect();
        let Some(head) = words.last().map(|w| w.to_lowercase()) else {
            continue;
        };
        let plain = words.len() <= 3
            && words
                .iter()
                .all(|w| w.chars().all(|c| c.is_lowercase() || c == '-'));
        if !plain || !ORGANIZATION_HEADS.contains(&head.as_str()) {
            continue;
        }
        let named_alike = groups.iter().any(|g| {
            g.mentions.iter().any(|m| m.kind == MentionKind::Name)
                && g.name.to_lowercase().split_whitespace().last() == Some(head.as_str())
        });
        if named_alike {
            continue;
        }
        let key = phrase.to_lowercase();
        let e = match new_of_phrase.iter().find(|(k, _)| *k == key) {
            Some(&(_, e)) => e,
            None => {
                groups.push(EntityGroup {
                    entity_type: EntityType::Organization,
                    name: phrase.to_string(),
                    mentions: Vec::new(),
                    salience: 0.0,
                    titles: Vec::new(),
                    geo: None,
                });
                new_of_phrase.push((key, groups.len() - 1));
                groups.len() - 1
            }
        };
        // The speaker stays as written; the mention leaves the possessor to its own entity
        // (`Ukraine's` is Ukraine).
        sp.entity = Some(e);
        groups[e].mentions.push(MentionSpan {
            start: sp.start + offset,
            end: sp.end,
            kind: MentionKind::Nominal,
        });
    }
}

/// `the Russian capital`: a nominal mention of the city the article names that is the capital
/// of the country of that demonym. No such city named, no link.
fn capitals_named_by_demonym(
    text: &str,
    seg: &Segmentation,
    places: &Places,
    groups: &mut [EntityGroup],
) {
    let word = |i: usize| seg.word(text, i);
    for i in 2..seg.tokens.len() {
        if !word(i).eq_ignore_ascii_case("capital") || !word(i - 2).eq_ignore_ascii_case("the") {
            continue;
        }
        let Some(capital) = places.capital_of(word(i - 1)) else {
            continue;
        };
        let (start, end) = (seg.tokens[i - 2].start, seg.tokens[i].end);
        let city = groups.iter_mut().find(|g| {
            g.geo
                .as_ref()
                .is_some_and(|geo| geo.feature == Feature::City && geo.geonames_id == capital)
        });
        if let Some(g) = city {
            if !g.mentions.iter().any(|m| m.start < end && start < m.end) {
                g.mentions.push(MentionSpan {
                    start,
                    end,
                    kind: MentionKind::Nominal,
                });
            }
        }
    }
}
