//! Statements on fixture articles written for these tests.

use gloss::analysis::annotation::{Annotation, Statement, StatementKind};

use crate::common::{annotate, fixture};

/// The statement whose content starts with `prefix`.
fn find<'a>(a: &'a Annotation, prefix: &str) -> &'a Statement {
    a.statements
        .iter()
        .find(|s| s.content.iter().any(|c| c.text.starts_with(prefix)))
        .unwrap_or_else(|| {
            panic!(
                "no statement starting {prefix:?}; have {:?}",
                a.statements
                    .iter()
                    .map(|s| &s.content[0].text)
                    .collect::<Vec<_>>()
            )
        })
}

fn speaker_entity_name<'a>(a: &'a Annotation, s: &Statement) -> Option<&'a str> {
    let id = s.speaker.as_ref()?.entity.as_ref()?;
    a.entities
        .iter()
        .find(|e| &e.id == id)
        .map(|e| e.name.as_str())
}

#[test]
fn indirect_speech_with_said_that() {
    let a = annotate(&fixture("council-vote.txt"));
    let s = find(&a, "the new bus network would start in March");
    assert_eq!(s.kind, StatementKind::Indirect);
    assert_eq!(s.cue.as_ref().unwrap().text, "said");
    assert!(s.speaker.as_ref().unwrap().text.ends_with("Angela Torres"));
    assert_eq!(speaker_entity_name(&a, s), Some("Angela Torres"));
}

#[test]
fn direct_quote_then_continuation_without_a_cue() {
    let a = annotate(&fixture("council-vote.txt"));
    let first = find(&a, "This is the biggest change");
    assert_eq!(first.kind, StatementKind::Direct);
    assert_eq!(first.speaker.as_ref().unwrap().text, "Torres");
    // The second quote has no cue of its own: it is reported with the same speaker, either as
    // a statement of its own or as the next piece of the first one.
    let next = find(&a, "Riders will see more frequent service");
    assert_eq!(next.kind, StatementKind::Direct);
    assert_eq!(speaker_entity_name(&a, next), Some("Angela Torres"));
}

#[test]
fn pronoun_speakers_resolve_to_the_person_meant() {
    let a = annotate(&fixture("council-vote.txt"));
    let s = find(&a, "the city should have waited");
    assert_eq!(s.speaker.as_ref().unwrap().text, "He");
    assert_eq!(speaker_entity_name(&a, s), Some("James Okafor"));
    let h = annotate(&fixture("harbor-strike.txt"));
    let q = find(&h, "We have waited two years");
    assert_eq!(q.speaker.as_ref().unwrap().text, "she");
    assert_eq!(speaker_entity_name(&h, q), Some("Marieke de Vries"));
}

#[test]
fn nominal_speakers_are_reported_as_written() {
    let a = annotate(&fixture("harbor-strike.txt"));
    let s = find(&a, "container traffic would be diverted");
    assert_eq!(s.speaker.as_ref().unwrap().text, "The port authority");
    assert_eq!(s.kind, StatementKind::Indirect);
}

#[test]
fn mixed_quotes_keep_their_quoted_fragment() {
    let a = annotate(&fixture("two-clintons.txt"));
    let s = find(&a, "her husband had been");
    assert_eq!(s.kind, StatementKind::Mixed);
    assert_eq!(speaker_entity_name(&a, s), Some("Hillary Clinton"));
}

#[test]
fn a_wrong_link_is_worse_than_none() {
    // Two people named just before `he`: the pronoun is left unresolved.
    let a = annotate("James Okafor met Pieter Jansen on Friday. He said the deal was off.");
    let s = find(&a, "the deal was off");
    assert_eq!(s.speaker.as_ref().unwrap().text, "He");
    assert_eq!(s.speaker.as_ref().unwrap().entity, None);
}

#[test]
fn nominal_speakers_link_to_the_person_with_that_title() {
    let a = annotate(
        "Mayor Angela Torres opened the bridge on Monday. The bridge would open to traffic in June, the mayor said.",
    );
    let s = find(&a, "The bridge would open");
    assert_eq!(s.speaker.as_ref().unwrap().text, "the mayor");
    assert_eq!(speaker_entity_name(&a, s), Some("Angela Torres"));
    let torres = a
        .entities
        .iter()
        .find(|e| e.name == "Angela Torres")
        .unwrap();
    assert!(torres
        .mentions
        .iter()
        .any(|m| m.text == "the mayor"
            && m.kind == gloss::analysis::annotation::MentionKind::Nominal));
    // Nobody in the article holds the title: no link.
    let b = annotate("Angela Torres opened the bridge on Monday. The bridge would open to traffic in June, the president said.");
    let s = find(&b, "The bridge would open");
    assert_eq!(s.speaker.as_ref().unwrap().entity, None);
}

#[test]
fn document_speakers_link_to_who_issued_them() {
    let a = annotate(&fixture("grain-corridor.txt"));
    let s = find(&a, "inspections would be carried out");
    let sp = s.speaker.as_ref().expect("speaker");
    assert_eq!(sp.text, "The statement");
    assert_eq!(speaker_entity_name(&a, s), Some("Foreign Ministry"));
}

#[test]
fn places_and_coordinations_in_speaker_phrases_are_not_the_speaker() {
    let a = annotate(&fixture("grain-corridor.txt"));
    let s = find(&a, "they would watch");
    assert_eq!(
        s.speaker.as_ref().map(|sp| sp.text.as_str()),
        Some("Farmers' groups in Lublin")
    );
    assert_eq!(
        speaker_entity_name(&a, s),
        None,
        "the groups are not Lublin"
    );
    let b = annotate("Poland and Ukraine said on Monday that the border would reopen.");
    let s = find(&b, "the border would reopen");
    assert!(s.speaker.is_some());
    assert_eq!(
        speaker_entity_name(&b, s),
        None,
        "two speakers are not one entity"
    );
    // A name with its own circle is spoken for by the name; with someone else, it is not.
    let c = annotate("Governor Tomas Reyes and his aides have warned that the quay could flood.");
    let s = find(&c, "the quay could flood");
    assert_eq!(speaker_entity_name(&c, s), Some("Tomas Reyes"));
    let d = annotate("Governor Tomas Reyes and his rival have warned that the quay could flood.");
    let s = find(&d, "the quay could flood");
    assert!(s.speaker.is_some());
    assert_eq!(speaker_entity_name(&d, s), None);
}

#[test]
fn a_passive_report_gives_way_to_the_attribution_that_ends_its_sentence() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    let s = find(&a, "Oil slicks were reported along the coast near Kos");
    assert_eq!(s.speaker.as_ref().unwrap().text, "the coast guard");
    assert_eq!(s.cue.as_ref().unwrap().text, "said");
    assert_eq!(speaker_entity_name(&a, s), Some("coast guard"));
    // Negative: an active cue keeps its own speaker even when the sentence ends in another
    // attribution.
    let b = annotate("The mayor said the port would reopen on Monday, officials confirmed.");
    let s = find(&b, "the port would reopen on Monday");
    assert_eq!(s.speaker.as_ref().unwrap().text, "The mayor");
    assert_eq!(s.cue.as_ref().unwrap().text, "said");
}

#[test]
fn a_report_speaks_for_its_author_and_a_dash_ends_the_speaker() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    // `according to Ankara's tally -- and the weather`
    let s = a
        .statements
        .iter()
        .find(|s| s.cue.as_ref().is_some_and(|c| c.text == "according to"))
        .expect("an according-to statement");
    assert_eq!(s.speaker.as_ref().unwrap().text, "Ankara's tally");
    assert_eq!(speaker_entity_name(&a, s), Some("Ankara"));
    // Negative: `Greece's coast guard` is the coast guard, not Greece.
    let g = find(&a, "the missing sailor had not been found");
    assert_eq!(speaker_entity_name(&a, g), Some("coast guard"));
}

#[test]
fn a_medium_phrase_belongs_to_the_cue_and_a_document_to_its_speaker() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    let s = find(&a, "the talks had been frank");
    assert_eq!(
        s.cue.as_ref().unwrap().text,
        "said in a post to social media"
    );
    assert_eq!(speaker_entity_name(&a, s), Some("Kemal Aydin"));
    let d = find(&a, "the talks would continue in the spring");
    assert_eq!(
        d.speaker.as_ref().unwrap().text,
        "The Greek Foreign Ministry statement"
    );
    assert_eq!(d.cue.as_ref().unwrap().text, "said");
    assert_eq!(speaker_entity_name(&a, d), Some("Foreign Ministry"));
    // A document described by a word or two (`public statements`) belongs to its speaker too.
    let c = annotate(
        "Port talks stall\n\nThe strike entered its third week on Friday. The Harbor \
         Authority's public statements indicate it is holding to its pay offer, which \
         dockers have turned down twice.\n",
    );
    let s = find(&c, "it is holding to its pay offer");
    assert_eq!(
        s.speaker.as_ref().unwrap().text,
        "The Harbor Authority's public statements"
    );
    assert_eq!(s.cue.as_ref().unwrap().text, "indicate");
    assert_eq!(speaker_entity_name(&c, s), Some("Harbor Authority"));
    // Negative: a place after the cue is not part of it.
    let b = annotate("Papadakis said in Athens that the talks had been frank.");
    let s = find(&b, "the talks had been frank");
    assert_eq!(s.cue.as_ref().unwrap().text, "said");
}

#[test]
fn a_name_opening_the_sentence_right_before_the_cue_is_the_speaker() {
    let a = annotate(&fixture("aegean-ferry.txt"));
    // `Ankara has long said the route must stay open.`
    let s = find(&a, "the route must stay open");
    assert_eq!(s.speaker.as_ref().unwrap().text, "Ankara");
    assert_eq!(s.cue.as_ref().unwrap().text, "has long said");
    assert_eq!(s.content.len(), 1, "the speaker is not also content");
    assert_eq!(speaker_entity_name(&a, s), Some("Ankara"));
    // Negative: a statement with its own speaker in the sentence keeps it.
    let b = annotate("Ankara, Kemal Aydin said, would never accept a closure of the route.");
    let s = find(&b, "would never accept a closure");
    assert_eq!(s.speaker.as_ref().unwrap().text, "Kemal Aydin");
}

fn annotate_accurate(text: &str) -> Annotation {
    crate::common::analyzer()
        .annotate(&gloss::analysis::Document {
            text: text.to_string(),
            model: Some(gloss::analysis::TaggerChoice::Accurate),
            ..Default::default()
        })
        .expect("annotates in accurate mode")
}

#[test]
fn the_accurate_mode_finds_statements_with_its_transformer() {
    let text = fixture("council-vote.txt");
    let a = annotate_accurate(&text);
    assert_eq!(a.model.name, gloss::analysis::ACCURATE_MODEL_NAME);
    let s = find(&a, "the new bus network would start in March");
    assert_eq!(s.kind, StatementKind::Indirect);
    assert_eq!(s.cue.as_ref().unwrap().text, "said");
    assert_eq!(speaker_entity_name(&a, s), Some("Angela Torres"));
    let quote = find(&a, "This is the biggest change");
    assert_eq!(quote.kind, StatementKind::Direct);
    assert_eq!(quote.content.len(), 2, "both pieces of the split quote");
    assert_eq!(speaker_entity_name(&a, quote), Some("Angela Torres"));
    let he = find(&a, "the city should have waited");
    assert_eq!(speaker_entity_name(&a, he), Some("James Okafor"));
    // Spans the transformer gave keep exact offsets like every other.
    let chars: Vec<char> = text.chars().collect();
    for s in &a.statements {
        for c in &s.content {
            let got: String = chars[c.start..c.end].iter().collect();
            assert_eq!(got, c.text);
        }
    }
}

#[test]
fn without_a_statement_transformer_accurate_mode_takes_the_perceptrons_statements() {
    // An entity model with no statement head and no statement model beside it: the tiny
    // one-layer model of `tests/fixtures/tiny-transformer/` (random weights, same inputs and
    // outputs as the real one).
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tiny-transformer"
    );
    let read = |name: &str| std::fs::read(format!("{dir}/{name}")).expect("fixture");
    let (one_head, vocab) = (read("one-head.onnx"), read("vocab.txt"));
    let analyzer = gloss::analysis::Analyzer::embedded()
        .expect("embedded model loads")
        .with_accurate_source(Box::new(move || {
            Ok(gloss::analysis::AccurateFiles {
                entities: one_head.clone().into(),
                statements: None,
                vocab: String::from_utf8_lossy(&vocab).into_owned().into(),
            })
        }));
    assert_eq!(analyzer.accurate_tagger().expect("loads").heads(), 1);
    let text = fixture("council-vote.txt");
    let (seg, entities) = analyzer.entities_of(&text);
    use gloss::analysis::TaggerChoice::{Accurate, Fast};
    let accurate = analyzer
        .statements_of(&text, &seg, &entities, Accurate)
        .expect("statements");
    let fast = analyzer
        .statements_of(&text, &seg, &entities, Fast)
        .expect("statements");
    assert!(!fast.is_empty());
    assert_eq!(accurate, fast);
    // And the checkout's own installation does have a statement head: its statements differ.
    let full = crate::common::analyzer();
    let with_transformer = full
        .statements_of(&text, &seg, &entities, Accurate)
        .expect("statements");
    assert_ne!(with_transformer, fast);
}

#[test]
fn a_relative_pronoun_speaker_is_the_name_before_its_comma() {
    // `Council member James Okafor, who voted against the plan, warned that …`: the speaker is
    // as written (`who`, the relative clause, or the whole phrase with it), and is Okafor, in
    // both modes.
    let text = fixture("council-vote.txt");
    for a in [annotate(&text), annotate_accurate(&text)] {
        let s = find(&a, "the cost had been underestimated");
        let speaker = &s.speaker.as_ref().unwrap().text;
        assert!(
            speaker.starts_with("who") || speaker.ends_with("Okafor, who voted against the plan"),
            "{speaker}"
        );
        assert_eq!(speaker_entity_name(&a, s), Some("James Okafor"));
    }
}

#[test]
fn an_apposition_after_a_name_describes_that_name() {
    // The speaker phrase ends in an organization's name, but the apposition (`the secretary of
    // …`) describes Kowal; its `and` does not make the speaker a coordination either.
    let text = "Talks resume in Geneva\n\nFisheries officials from both countries met on Monday. \
                Marta Kowal, the secretary of the Fisheries and Ports Council, said the talks \
                had been useful and would continue next week.\n";
    for a in [annotate(text), annotate_accurate(text)] {
        let s = find(&a, "the talks had been useful");
        assert!(s
            .speaker
            .as_ref()
            .unwrap()
            .text
            .starts_with("Marta Kowal, the secretary"));
        assert_eq!(speaker_entity_name(&a, s), Some("Marta Kowal"));
    }
}

#[test]
fn a_that_clause_belongs_to_the_cue_before_it() {
    // The `referring to` after the quote is nearer the content than `said`, but a content
    // opening with `that` complements the verb before it.
    let text = "Harbor talks stall\n\nPort director Lena Varga said in a post to social media \
                that the cranes would run again by Monday, \"as soon as the engineers sign off,\" \
                referring to the inspection ordered last week.\n";
    for a in [annotate(text), annotate_accurate(text)] {
        let s = find(&a, "the cranes would run again by Monday");
        assert!(s.cue.as_ref().unwrap().text.starts_with("said"));
        // The quoted fragment at its end keeps its closing quotation mark.
        assert_eq!(
            s.content[0].text,
            "the cranes would run again by Monday, \"as soon as the engineers sign off,\""
        );
        assert_eq!(speaker_entity_name(&a, s), Some("Lena Varga"));
        // Negative: the later cue keeps only what follows it.
        for other in a.statements.iter().filter(|o| !std::ptr::eq(*o, s)) {
            assert!(other.content.iter().all(|c| !c.text.contains("cranes")));
        }
    }
}

#[test]
fn a_quote_the_tagger_leaves_without_cue_continues_the_speaker_before_it() {
    let text = "Ferry fares to rise\n\n\"The operators have not, until this winter, shown much \
                appetite for cutting routes,\" said Mirela Dobre, a transport economist at the \
                University of Constanta in the port's district. \"There's a real question whether \
                the small lines can survive the fuel bill.\"\n\nThe ferry company, which runs \
                nine lines, said on Monday it would publish new fares in May.\n\nA review begins \
                in June.\n\nThe islands have four thousand residents.\n\n\"Nobody has asked the \
                islanders about any of this.\"\n";
    for a in [annotate(text), annotate_accurate(text)] {
        let s = find(&a, "There's a real question");
        assert_eq!(s.kind, StatementKind::Direct);
        assert!(s.cue.is_none());
        assert_eq!(speaker_entity_name(&a, s), Some("Mirela Dobre"));
        // Negative: a quote two paragraphs after the last statement is left without a
        // speaker rather than given that one.
        let n = find(&a, "Nobody has asked");
        assert!(n.speaker.is_none(), "{:?}", n.speaker);
    }
}

#[test]
fn a_medium_phrase_before_that_is_neither_content_nor_a_later_cue() {
    // The tagger may leave `in` untagged and start the content at `a post`; the quoted
    // fragment and the `referring to` after it must not pull the clause away from `said`.
    let text = "Ferry talks resume\n\nAhead of the second round in Izmir on Monday, Mayor Selin \
                Arda said in a post to social media that her delegation would ask \"for a \
                timetable we can hold the ministry to, and for the money it promised in March,\" \
                referring to the repair fund announced last spring.\n";
    let fast = annotate(text);
    let s = find(&fast, "her delegation would ask");
    assert_eq!(
        s.cue.as_ref().unwrap().text,
        "said in a post to social media"
    );
    assert_eq!(s.kind, StatementKind::Mixed);
    assert_eq!(speaker_entity_name(&fast, s), Some("Selin Arda"));
    for a in [fast, annotate_accurate(text)] {
        let s = find(&a, "her delegation would ask");
        assert!(s.content[0].text.starts_with("her delegation"));
        assert!(s.cue.as_ref().unwrap().text.starts_with("said"));
        // Negative: no statement's content holds the medium phrase.
        for st in &a.statements {
            assert!(st.content.iter().all(|c| !c.text.contains("social media")));
        }
    }
}

#[test]
fn an_according_to_between_dashes_vouches_for_the_phrase_before_it() {
    let text = "Harbor talks stall\n\nGovernor Tomas Reyes is projecting calm, this week \
                claiming \"steady progress\" at every berth despite heavy losses of cargo -- \
                according to the shippers' association -- and slow repairs to the quay.\n";
    let a = annotate(text);
    let s = a
        .statements
        .iter()
        .find(|s| s.cue.as_ref().is_some_and(|c| c.text == "according to"))
        .expect("an according-to statement");
    assert_eq!(s.content.len(), 1);
    assert_eq!(s.content[0].text, "heavy losses of cargo");
    assert_eq!(
        s.speaker.as_ref().unwrap().text,
        "the shippers' association"
    );
    // The clause the tagger had run into it is the governor's, opened by a participle cue;
    // its quoted fragment keeps both quotation marks.
    let c = find(&a, "\"steady progress\" at every berth");
    assert_eq!(c.content[0].text, "\"steady progress\" at every berth");
    assert_eq!(c.kind, StatementKind::Mixed);
    assert_eq!(c.cue.as_ref().unwrap().text, "claiming");
    assert_eq!(speaker_entity_name(&a, c), Some("Tomas Reyes"));
    // Negative: an `according to` that ends its sentence vouches for the whole clause.
    let b = annotate(
        "Harbor report\n\nThe port handled fewer ships in March than in any month since \
         2019, according to the port authority.\n",
    );
    let s = find(
        &b,
        "The port handled fewer ships in March than in any month since 2019",
    );
    assert_eq!(s.cue.as_ref().unwrap().text, "according to");
}

#[test]
fn an_attribution_inside_the_sentence_leaves_the_subject_in_the_content() {
    let text = "Harbor talks stall\n\nThe port authority, the minister said, is \"open to a \
                deal\" to reopen the northern quay.\n\nOn Monday, Ines Moreau said, the \
                cranes would stand idle.\n";
    for a in [annotate(text), annotate_accurate(text)] {
        let s = find(&a, "The port authority");
        assert_eq!(s.speaker.as_ref().unwrap().text, "the minister");
        assert_eq!(s.cue.as_ref().unwrap().text, "said");
        assert_eq!(s.content.len(), 2, "{:?}", s.content);
        assert!(s.content[1].text.starts_with("is \"open to a deal\""));
        // Negative: an adverbial before the attribution is not what was said.
        let t = find(&a, "the cranes would stand idle");
        assert!(t.content.iter().all(|c| !c.text.contains("Monday")));
    }
}

#[test]
fn a_sentence_that_ends_in_its_own_attribution_is_a_statement() {
    let text = "Port to reopen\n\nThe port of Valdora will reopen on Monday after a three-week \
                strike, the city's mayor said on Friday. Dock workers accepted a new pay offer \
                late on Thursday, she said.\n\nHowever, the harbour will stay closed to cruise \
                ships until April, a spokesman for the port added.\n\nThe company plans to add \
                two routes next year, its chief executive has told investors.\n\nThe captain \
                ignored three warnings from the coastguard, a court in Valdora has been told.\n";
    let a = annotate(text);
    let s = find(&a, "The port of Valdora will reopen on Monday");
    assert_eq!(
        s.content[0].text,
        "The port of Valdora will reopen on Monday after a three-week strike"
    );
    assert_eq!(s.kind, StatementKind::Indirect);
    assert_eq!(s.speaker.as_ref().unwrap().text, "the city's mayor");
    assert_eq!(s.cue.as_ref().unwrap().text, "said");
    let s = find(&a, "Dock workers accepted a new pay offer");
    assert_eq!(s.speaker.as_ref().unwrap().text, "she");
    // The discourse adverb opening the sentence is left out of what was said.
    let s = find(&a, "the harbour will stay closed");
    assert_eq!(s.speaker.as_ref().unwrap().text, "a spokesman for the port");
    assert_eq!(s.cue.as_ref().unwrap().text, "added");
    // An auxiliary belongs to the cue, not the speaker.
    let s = find(&a, "The company plans to add two routes");
    assert_eq!(s.speaker.as_ref().unwrap().text, "its chief executive");
    assert_eq!(s.cue.as_ref().unwrap().text, "has told");
    // Negative: in a passive (`a court … has been told`) the court heard it; it did not say it.
    assert!(a.statements.iter().all(|s| s
        .speaker
        .as_ref()
        .is_none_or(|sp| !sp.text.contains("court"))));
}

#[test]
fn a_content_before_a_trailing_attribution_runs_from_the_sentence_start() {
    let a = annotate(
        "Travel notes\n\nWe flew from Kerala to San Francisco and it was nice, said Maria \
         Okafor.\n\nBut the new timetable still favours the capital, she said.\n",
    );
    let s = find(&a, "We flew from Kerala");
    assert_eq!(
        s.content[0].text,
        "We flew from Kerala to San Francisco and it was nice"
    );
    assert_eq!(speaker_entity_name(&a, s), Some("Maria Okafor"));
    // Negative: a conjunction opening the sentence stays out of the content.
    let t = find(&a, "the new timetable still favours the capital");
    assert_eq!(
        t.content[0].text,
        "the new timetable still favours the capital"
    );
}
