//! Entity grouping on fixture articles written for these tests.

use gloss::analysis::annotation::{Annotation, EntityType, MentionKind};

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

fn geo_of<'a>(a: &'a Annotation, name: &str) -> Option<&'a gloss::analysis::geo::Geo> {
    entity(a, name).geo.as_ref()
}

#[test]
fn titles_from_pre_modifiers_and_appositions() {
    let a = annotate(&fixture("harbor-strike.txt"));
    assert_eq!(
        entity(&a, "Dick Schoof").titles,
        vec!["Dutch Prime Minister"]
    );
    assert_eq!(
        entity(&a, "Marieke de Vries").titles,
        vec!["chair of the union's port section"]
    );
    // An organization or place has no titles.
    assert!(a
        .entities
        .iter()
        .filter(|e| e.entity_type != EntityType::Person)
        .all(|e| e.titles.is_empty()));
    let b = annotate(
        "The talks were led by Trump's envoy Steve Witkoff and Trump's son-in-law Jared Kushner.",
    );
    assert_eq!(entity(&b, "Steve Witkoff").titles, vec!["envoy"]);
    assert_eq!(entity(&b, "Jared Kushner").titles, vec!["son-in-law"]);
    // No title-like words before the name: no titles.
    assert!(entity(&b, "Steve Witkoff")
        .titles
        .iter()
        .all(|t| !t.contains("Trump")));
}

#[test]
fn georgia_the_country_and_georgia_the_state() {
    use gloss::analysis::geo::Feature;
    let country = annotate("Prime Minister Irakli Kobakhidze of Georgia met officials in Tbilisi. Georgia and Armenia signed a trade deal.");
    let g = geo_of(&country, "Georgia").expect("resolved");
    assert_eq!((g.country.as_str(), g.feature), ("GE", Feature::Country));
    let state = annotate("Storms hit the state of Georgia on Monday. Floods closed roads in Atlanta and Savannah, and Georgia officials said repairs would take weeks.");
    let g = geo_of(&state, "Georgia").expect("resolved");
    assert_eq!((g.country.as_str(), g.feature), ("US", Feature::Admin1));
}

#[test]
fn qualifiers_and_population_choose_among_namesakes() {
    let texas =
        annotate("The fair opened in Paris, Texas, on Friday. Residents said the fair was busy.");
    let g = geo_of(&texas, "Paris").expect("resolved");
    assert_eq!((g.country.as_str(), g.geonames_id), ("US", 4717560));
    let france =
        annotate("The summit opened in Paris on Friday. Leaders said the talks were useful.");
    assert_eq!(geo_of(&france, "Paris").expect("resolved").country, "FR");
    let moscow = annotate("The talks in Moscow ended on Friday, officials in Miami said.");
    assert_eq!(
        geo_of(&moscow, "Moscow").expect("resolved").country,
        "RU",
        "Moscow, Idaho is far smaller"
    );
}

#[test]
fn people_and_unknown_places_get_no_geo() {
    let a = annotate(
        "Floods hit Jackson, Mississippi, on Monday. Mayor Tom Jackson said the water was falling.",
    );
    assert!(
        entity(&a, "Tom Jackson").geo.is_none(),
        "a surname that is also a city is not a place"
    );
    let b = annotate(&fixture("harbor-strike.txt"));
    for e in &b.entities {
        if e.entity_type != EntityType::Location {
            assert!(e.geo.is_none(), "{} is not a place", e.name);
        }
    }
    let r = geo_of(&b, "Rotterdam").expect("resolved");
    assert_eq!(r.country, "NL");
    assert!(r.lat.is_some() && r.lon.is_some());
}

fn mention_texts(e: &gloss::analysis::annotation::Entity) -> Vec<(&str, MentionKind)> {
    e.mentions
        .iter()
        .map(|m| (m.text.as_str(), m.kind))
        .collect()
}

#[test]
fn pronouns_join_the_one_person_in_reach_and_no_other() {
    let a = annotate(&fixture("grain-corridor.txt"));
    let kowalczyk = entity(&a, "Anna Kowalczyk");
    assert!(
        mention_texts(kowalczyk).contains(&("she", MentionKind::Pronoun)),
        "{:?}",
        kowalczyk.mentions
    );
    let melnyk = entity(&a, "Taras Melnyk");
    assert!(mention_texts(melnyk).contains(&("He", MentionKind::Pronoun)));
    // `Melnyk thanked Kowalczyk for her patience`: two people in reach, so `her` is no one's.
    let her = a
        .entities
        .iter()
        .flat_map(|e| &e.mentions)
        .filter(|m| m.text == "her")
        .count();
    assert_eq!(her, 0, "an ambiguous pronoun is linked to nobody");
}

#[test]
fn one_name_tagged_two_ways_is_one_entity_by_vote() {
    // A one-word "person" that names a large city is a place.
    let a = annotate(&fixture("grain-corridor.txt"));
    let kyiv = entity(&a, "Kyiv");
    assert_eq!(kyiv.entity_type, EntityType::Location);
    assert_eq!(kyiv.geo.as_ref().map(|g| g.country.as_str()), Some("UA"));
    // Negative: a person whose surname is a city keeps being a person.
    let b = annotate("Mayor Tom Jackson opened the library. Jackson said it cost $2 million.");
    let jackson = entity(&b, "Tom Jackson");
    assert_eq!(jackson.entity_type, EntityType::Person);
    assert_eq!(jackson.mentions.len(), 2);
}

#[test]
fn names_come_from_running_text_not_capitalised_datelines() {
    let a = annotate(&fixture("grain-corridor.txt"));
    let warsaw = entity(&a, "Warsaw");
    assert_eq!(
        mention_texts(warsaw),
        vec![("WARSAW", MentionKind::Name), ("Warsaw", MentionKind::Name)]
    );
}

#[test]
fn a_title_does_not_reach_into_the_sentence_before() {
    // The abbreviation's full stop also ends the sentence, so `U.S.` sits right before the
    // next sentence's title.
    let a = annotate(
        "Kyiv wants guarantees from the U.S. Ukrainian President Volodymyr Zelenskyy said so on Monday.",
    );
    assert_eq!(
        entity(&a, "Volodymyr Zelenskyy").titles,
        vec!["Ukrainian President"]
    );
}

#[test]
fn salience_puts_the_people_who_speak_first() {
    let a = annotate(&fixture("grain-corridor.txt"));
    let top: Vec<&str> = a.entities.iter().take(2).map(|e| e.name.as_str()).collect();
    assert_eq!(top, vec!["Anna Kowalczyk", "Taras Melnyk"]);
    // Negative: a place mentioned as often but never speaking ranks below them.
    let poland = a.entities.iter().position(|e| e.name == "Poland");
    assert!(poland.is_some_and(|p| p >= 2));
}

#[test]
fn headline_capitals_join_the_name_and_unknown_acronyms_stay_apart() {
    let a = annotate(
        "PUTIN REJECTS PLAN\n\nRussian President Vladimir Putin rejected the plan on Monday. NATO said it would meet.",
    );
    let putin = entity(&a, "Vladimir Putin");
    assert!(
        putin.mentions.iter().any(|m| m.text == "PUTIN"),
        "{:?}",
        putin.mentions
    );
    // An acronym whose expansion the article never gives joins nothing.
    let nato = entity(&a, "NATO");
    assert_eq!(nato.mentions.len(), 1);
}

#[test]
fn the_agency_of_a_photo_credit_is_an_organization() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    // `Elena Petrova/Anadolu via Getty Images`: the name glued to the photographer's.
    assert_eq!(entity(&a, "Anadolu").entity_type, EntityType::Organization);
    assert_eq!(entity(&a, "Elena Petrova").entity_type, EntityType::Person);
    // The credit line is no part of the story: its names rank below every name in it.
    let last_story_entity = a
        .entities
        .iter()
        .filter(|e| !["Elena Petrova", "Anadolu", "Getty Images"].contains(&e.name.as_str()))
        .map(|e| e.salience)
        .fold(f64::INFINITY, f64::min);
    assert!(entity(&a, "Elena Petrova").salience < last_story_entity);
    // Negative: a slash between two places is no credit.
    let b = annotate("Flights on the Athens/Istanbul route were cancelled on Friday.");
    assert_eq!(entity(&b, "Istanbul").entity_type, EntityType::Location);
}

#[test]
fn seats_of_power_that_act_are_institutions_and_places_that_act_stay_places() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    // `the Kremlin said`, `the White House's new push`.
    assert_eq!(entity(&a, "Kremlin").entity_type, EntityType::Organization);
    assert!(entity(&a, "Kremlin").geo.is_none());
    assert_eq!(
        entity(&a, "White House").entity_type,
        EntityType::Organization
    );
    // Negative: `Ankara has long said`: a capital standing for its government is still
    // indexed as the place.
    let ankara = entity(&a, "Ankara");
    assert_eq!(ankara.entity_type, EntityType::Location);
    assert_eq!(ankara.geo.as_ref().map(|g| g.country.as_str()), Some("TR"));
}

#[test]
fn the_capital_named_by_its_country_joins_the_city() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    assert!(
        mention_texts(entity(&a, "Ankara"))
            .contains(&("the Turkish capital", MentionKind::Nominal)),
        "{:?}",
        entity(&a, "Ankara").mentions
    );
    // Negative: the article never names Paris, so `the French capital` is nobody's mention.
    let french = a
        .entities
        .iter()
        .flat_map(|e| &e.mentions)
        .filter(|m| m.text.contains("French capital"))
        .count();
    assert_eq!(french, 0);
}

#[test]
fn organizations_that_speak_through_a_common_noun_are_entities() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    let guard = entity(&a, "coast guard");
    assert_eq!(guard.entity_type, EntityType::Organization);
    assert_eq!(
        mention_texts(guard),
        vec![
            ("coast guard", MentionKind::Nominal),
            ("The coast guard", MentionKind::Nominal),
            ("the coast guard", MentionKind::Nominal)
        ]
    );
    // The three statements are the coast guard's, the first with its speaker as written.
    let spoken: Vec<&str> = a
        .statements
        .iter()
        .filter_map(|s| s.speaker.as_ref())
        .filter(|sp| sp.entity.as_deref() == Some(guard.id.as_str()))
        .map(|sp| sp.text.as_str())
        .collect();
    assert_eq!(
        spoken,
        vec!["Greece's coast guard", "The coast guard", "the coast guard"]
    );
    // Negative: `The ministry said` joins the Foreign Ministry the article names; no new
    // `ministry` entity.
    let ministry = entity(&a, "Foreign Ministry");
    assert!(mention_texts(ministry).contains(&("The ministry", MentionKind::Nominal)));
    assert!(!a
        .entities
        .iter()
        .any(|e| e.name.eq_ignore_ascii_case("ministry")));
}

#[test]
fn a_place_known_only_from_a_capitalised_dateline_is_named_as_places_are_written() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    let istanbul = entity(&a, "Istanbul");
    assert_eq!(
        mention_texts(istanbul),
        vec![("ISTANBUL", MentionKind::Name)]
    );
    // Negative: an acronym keeps its capitals.
    let b = annotate("UNICEF said the camp in Gaza needed water.");
    assert!(b.entities.iter().any(|e| e.name == "UNICEF"));
}

#[test]
fn a_title_set_before_the_name_by_a_comma() {
    let a = annotate(&fixture("harbor-strike.txt"));
    // `Its director, Pieter Jansen, told reporters …`
    assert_eq!(entity(&a, "Pieter Jansen").titles, vec!["director"]);
    // Negative: a clause before the comma that ends in no title gives none.
    let b = annotate("In his latest statement, Pieter Jansen said the offer stood.");
    assert!(entity(&b, "Pieter Jansen").titles.is_empty());
}
