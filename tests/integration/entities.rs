//! Entity grouping on fixture articles written for these tests.

use gloss::analysis::annotation::{Annotation, EntityType};

use crate::common::{annotate, fixture};

fn entity<'a>(a: &'a Annotation, name: &str) -> &'a gloss::analysis::annotation::Entity {
    a.entities
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no entity {name:?} in {:?}",
                a.entities.iter().map(|e| &e.name).collect::<Vec<_>>()
            )
        })
}

#[test]
fn short_names_join_the_full_name() {
    let a = annotate(&fixture("harbor-strike.txt"));
    let jansen = entity(&a, "Pieter Jansen");
    assert_eq!(jansen.entity_type, EntityType::Person);
    let texts: Vec<&str> = jansen.mentions.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["Pieter Jansen", "Jansen"]);
    let schoof = entity(&a, "Dick Schoof");
    assert_eq!(schoof.mentions.len(), 2);
    // Salience is in [0, 1] and entities come most salient first.
    assert!(a.entities.iter().all(|e| (0.0..=1.0).contains(&e.salience)));
    assert!(a
        .entities
        .windows(2)
        .all(|w| w[0].salience >= w[1].salience));
}

#[test]
fn titles_are_not_part_of_names() {
    let a =
        annotate("Mayor Angela Torres opened the bridge on Monday. The workers thanked Torres.");
    let torres = entity(&a, "Angela Torres");
    assert_eq!(torres.mentions[0].text, "Angela Torres");
    assert_eq!(torres.mentions.len(), 2);
}

#[test]
fn two_clintons_stay_apart_and_the_ambiguous_surname_joins_neither() {
    let a = annotate(&fixture("two-clintons.txt"));
    let hillary = entity(&a, "Hillary Clinton");
    let bill = entity(&a, "Bill Clinton");
    assert_ne!(hillary.id, bill.id);
    assert!(bill.mentions.iter().all(|m| m.text == "Bill Clinton"));
    assert!(
        hillary.mentions.iter().all(|m| m.text != "Clinton"),
        "bare `Clinton` is ambiguous here"
    );
}

#[test]
fn acronyms_join_their_expansion() {
    let a = annotate(
        "The National Security and Defense Council met on Monday. The NSDC said the talks would go on.",
    );
    let council = entity(&a, "National Security and Defense Council");
    assert!(
        council.mentions.iter().any(|m| m.text == "NSDC"),
        "{:?}",
        council.mentions
    );
}

#[test]
fn possessives_tag_the_name_only() {
    let a = annotate("Angela Torres's plan was approved. Torres’s deputy spoke.");
    let torres = entity(&a, "Angela Torres");
    let texts: Vec<&str> = torres.mentions.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["Angela Torres", "Torres"]);
}
