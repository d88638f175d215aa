//! Entity types the article's wording decides, where the tagger's view of a few words around a
//! name is not enough.
//!
//! - The agency in a photo credit (`Jose Colon/Anadolu via Getty Images`): the name glued by
//!   a slash to a photographer's name is the agency they shoot for, an organization.
//! - A seat of power standing for its institution (`the Kremlin's statements`, `the White
//!   House's push`, `the Kremlin said`): a LOCATION written with `the` that is no country,
//!   region or city, and that acts (issues statements, pushes, decides, speaks), is an
//!   organization. Places that
//!   resolve stay places even when they act (`Kyiv has long said`): a capital standing for its
//!   government is still indexed as the place.

use super::annotation::EntityType;
use super::entities::EntityGroup;
use super::segment::Segmentation;

/// Nouns for what an institution does or has, after a possessive (`the Kremlin's statements`).
const INSTITUTIONAL_NOUNS: &[&str] = &[
    "statement",
    "statements",
    "readout",
    "announcement",
    "push",
    "decision",
    "decisions",
    "policy",
    "policies",
    "position",
    "stance",
    "strategy",
    "agenda",
    "response",
    "plan",
    "plans",
    "proposal",
    "proposals",
    "demand",
    "demands",
    "effort",
    "efforts",
    "offer",
    "claims",
    "warning",
    "warnings",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "spokespeople",
    "press",
    "envoy",
    "officials",
    "approval",
    "refusal",
    "insistence",
    "move",
    "order",
    "orders",
    "budget",
];

/// Retypes the agencies of photo credits and the seats of power that act as institutions.
/// Runs after places are resolved, which tells seats (no `geo`) from places.
pub fn retype_by_context(text: &str, seg: &Segmentation, groups: &mut [EntityGroup]) {
    let person_ends: Vec<usize> = groups
        .iter()
        .filter(|g| g.entity_type == EntityType::Person)
        .flat_map(|g| g.mentions.iter().map(|m| m.end))
        .collect();
    for g in groups.iter_mut() {
        if g.entity_type == EntityType::Organization {
            continue;
        }
        // `Photographer/Agency`: no space on either side of the slash.
        let in_credit = g
            .mentions
            .iter()
            .filter(|m| {
                m.start >= 1
                    && text.as_bytes()[m.start - 1] == b'/'
                    && person_ends.contains(&(m.start - 1))
            })
            .count();
        if in_credit > 0 && 2 * in_credit >= g.mentions.len() {
            become_organization(g);
            continue;
        }
        if is_seat(text, g)
            && g.mentions
                .iter()
                .any(|m| possessor_of_institutional_noun(text, seg, m.end))
        {
            become_organization(g);
        }
    }
}

/// A place-typed entity with no place behind it that speaks in the article (`the Kremlin
/// said`) is an institution.
pub fn retype_speaking_seats(text: &str, groups: &mut [EntityGroup], speaker_entities: &[usize]) {
    for &e in speaker_entities {
        if let Some(g) = groups.get_mut(e) {
            if is_seat(text, g) {
                become_organization(g);
            }
        }
    }
}

/// A place-typed name with no place behind it, written with `the` (`the Kremlin`, `the White
/// House`, `the Pentagon`): a building or site, the kind that stands for an institution.
/// Unresolved regions and abbreviations (`Zhejiang`, `N. Korea`, `Fla`) take no article.
fn is_seat(text: &str, g: &EntityGroup) -> bool {
    g.entity_type == EntityType::Location
        && g.geo.is_none()
        && g.mentions.iter().any(|m| {
            let before = text[..m.start].trim_end();
            let article = before.len() >= 3 && before.is_char_boundary(before.len() - 3);
            article
                && before[before.len() - 3..].eq_ignore_ascii_case("the")
                && !before[..before.len() - 3]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        })
}

fn become_organization(g: &mut EntityGroup) {
    g.entity_type = EntityType::Organization;
    g.titles.clear();
    g.geo = None;
}

/// Whether the mention ending at byte `end` is followed by `'s` and, within two words, a noun
/// of what institutions do (`'s latest diplomatic push`).
fn possessor_of_institutional_noun(text: &str, seg: &Segmentation, end: usize) -> bool {
    let next = seg.tokens.partition_point(|t| t.start < end);
    let word = |i: usize| seg.tokens.get(i).map(|t| &text[t.start..t.end]);
    let possessive = match word(next) {
        Some("'s" | "\u{2019}s") => next + 1,
        _ => {
            // The mention may already hold its possessive (`Kremlin's`).
            let prev = next.checked_sub(1).and_then(word);
            match prev {
                Some(w) if w.ends_with("'s") || w.ends_with("\u{2019}s") => next,
                _ => return false,
            }
        }
    };
    (possessive..possessive + 3)
        .filter_map(word)
        .take_while(|w| w.chars().all(|c| c.is_alphabetic() || c == '-'))
        .any(|w| INSTITUTIONAL_NOUNS.contains(&w.to_lowercase().as_str()))
}
