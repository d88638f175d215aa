//! Places: LOCATION entities resolved to GeoNames countries, US states and cities of more than
//! 15,000 people (`data/places.tsv`, built by `data/build_places.py`; CC BY 4.0 GeoNames data).
//!
//! Among places of the same name the choice goes, in order of weight, to a qualifier in the text
//! (`Paris, Texas`), then to the countries of the article's other unambiguous places (`Georgia`
//! beside `Atlanta` is the US state), then to countries before states before cities, then to
//! population. A name with no candidate, or whose qualifier matches none, gets no `geo`.

// Fx hashing: keys are place names on the per-document path.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::annotation::{EntityType, MentionKind};
use super::entities::EntityGroup;
use super::segment::Segmentation;

/// What kind of place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Feature {
    Country,
    Admin1,
    City,
}

/// A resolved place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Geo {
    /// ISO 3166-1 alpha-2 code of the country.
    pub country: String,
    pub geonames_id: u64,
    /// Latitude, where the data has it (US states have none here).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub feature: Feature,
}

#[derive(Debug, Clone)]
struct Place {
    feature: Feature,
    country: String,
    geonames_id: u64,
    lat: Option<f64>,
    lon: Option<f64>,
    population: u64,
    /// The admin1 code (cities) or state code (US states).
    admin1: String,
}

/// The embedded places, by lower-cased name.
pub struct Places {
    by_name: HashMap<String, Vec<Place>>,
    /// Lower-cased US state names and codes → state code, for qualifiers.
    us_states: HashMap<String, String>,
    /// Lower-cased demonym (`russian`) → GeoNames id of that country's capital, for `the
    /// Russian capital`.
    capital_by_demonym: HashMap<String, u64>,
}

impl Places {
    pub fn embedded() -> Self {
        Self::parse(include_str!("../../data/places.tsv"))
            .with_countries(include_str!("../../data/countries.tsv"))
    }

    /// Adds demonyms and capitals (`data/countries.tsv`: ISO code, demonym, capital per line).
    /// A capital the places do not list as a city of its country is left out.
    pub fn with_countries(mut self, tsv: &str) -> Self {
        for line in tsv.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let [iso, demonym, capital] = f[..] else {
                continue;
            };
            let city = self
                .candidates(capital)
                .iter()
                .filter(|p| p.feature == Feature::City && p.country == iso)
                .max_by_key(|p| p.population);
            if let Some(city) = city {
                let id = city.geonames_id;
                self.capital_by_demonym.insert(demonym.to_lowercase(), id);
            }
        }
        self
    }

    /// The GeoNames id of the capital of the country whose people `demonym` names
    /// (`Russian` → Moscow).
    pub fn capital_of(&self, demonym: &str) -> Option<u64> {
        self.capital_by_demonym
            .get(&demonym.to_lowercase())
            .copied()
    }

    pub fn parse(tsv: &str) -> Self {
        let mut by_name: HashMap<String, Vec<Place>> = HashMap::default();
        let mut us_states = HashMap::default();
        for line in tsv.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 8 {
                continue;
            }
            let feature = match f[1] {
                "country" => Feature::Country,
                "admin1" => Feature::Admin1,
                _ => Feature::City,
            };
            let place = Place {
                feature,
                country: f[2].to_string(),
                geonames_id: f[3].parse().unwrap_or(0),
                lat: f[4].parse().ok(),
                lon: f[5].parse().ok(),
                population: f[6].parse().unwrap_or(0),
                admin1: f[7].to_string(),
            };
            if feature == Feature::Admin1 && place.country == "US" {
                us_states.insert(f[0].to_lowercase(), place.admin1.clone());
                us_states.insert(place.admin1.to_lowercase(), place.admin1.clone());
            }
            by_name.entry(f[0].to_lowercase()).or_default().push(place);
        }
        Places {
            by_name,
            us_states,
            capital_by_demonym: HashMap::default(),
        }
    }

    /// A country or a city of a million people or more: a name that, alone, is a place.
    fn is_major_place(&self, name: &str) -> bool {
        self.candidates(name).iter().any(|p| {
            p.feature == Feature::Country
                || (p.feature == Feature::City && p.population >= 1_000_000)
        })
    }

    fn candidates(&self, name: &str) -> &[Place] {
        self.by_name
            .get(&name.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// The country codes a qualifier names (`Texas` → US with state TX; `France` → FR).
    fn qualifier(&self, words: &str) -> Option<(String, Option<String>)> {
        let w = words.trim_end_matches('.').to_lowercase();
        if let Some(code) = self
            .us_states
            .get(&w)
            .or_else(|| self.us_states.get(&words.to_lowercase()))
        {
            return Some(("US".to_string(), Some(code.clone())));
        }
        self.candidates(words)
            .iter()
            .find(|p| p.feature == Feature::Country)
            .map(|p| (p.country.clone(), None))
    }
}

fn to_geo(p: &Place) -> Geo {
    Geo {
        country: p.country.clone(),
        geonames_id: p.geonames_id,
        lat: p.lat,
        lon: p.lon,
        feature: p.feature,
    }
}

/// A "person" known only by one word that names a country or a large city (`He said Kyiv
/// would publish …`) is a tagger slip: the entity becomes a LOCATION. Anyone with a fuller
/// name (`Tom Jackson`, `Paris Hilton`) keeps their type, as it joined that name.
pub fn retype_places_tagged_as_people(text: &str, places: &Places, groups: &mut [EntityGroup]) {
    for g in groups
        .iter_mut()
        .filter(|g| g.entity_type == EntityType::Person)
    {
        let one_word_place = g.mentions.iter().all(|m| {
            let t = text[m.start..m.end]
                .trim_end_matches("'s")
                .trim_end_matches("\u{2019}s");
            !t.contains(' ') && places.is_major_place(t)
        });
        if one_word_place {
            g.entity_type = EntityType::Location;
            g.titles.clear();
        }
    }
}

/// Resolves the LOCATION entities of an article in place.
pub fn resolve(text: &str, seg: &Segmentation, places: &Places, groups: &mut [EntityGroup]) {
    let word = |i: usize| seg.word(text, i);
    // Candidates per entity, narrowed by qualifiers (`Paris, Texas`).
    let mut cands: Vec<Option<Vec<&Place>>> = Vec::with_capacity(groups.len());
    for g in groups.iter() {
        if g.entity_type != EntityType::Location {
            cands.push(None);
            continue;
        }
        let mut names: Vec<String> = vec![g.name.clone()];
        let mut qualifier: Option<(String, Option<String>)> = None;
        for m in g.mentions.iter().filter(|m| m.kind == MentionKind::Name) {
            let t = text[m.start..m.end]
                .trim_end_matches("'s")
                .trim_end_matches("\u{2019}s");
            names.push(t.to_string());
            let last = seg.tokens.partition_point(|t| t.start < m.end);
            if last + 1 < seg.tokens.len() && word(last) == "," {
                let mut q = word(last + 1).to_string();
                if last + 2 < seg.tokens.len()
                    && word(last + 2)
                        .chars()
                        .next()
                        .is_some_and(char::is_uppercase)
                    && seg.tokens[last + 2].start == seg.tokens[last + 1].end + 1
                {
                    let two = format!("{q} {}", word(last + 2));
                    if places.qualifier(&two).is_some() {
                        q = two;
                    }
                }
                if let Some(found) = places.qualifier(&q) {
                    qualifier = Some(found);
                }
            }
        }
        let mut seen = HashSet::default();
        let mut list: Vec<&Place> = names
            .iter()
            .flat_map(|n| places.candidates(n).iter())
            .filter(|p| seen.insert(p.geonames_id))
            .collect();
        if let Some((country, state)) = &qualifier {
            list.retain(|p| {
                p.feature != Feature::Country
                    && &p.country == country
                    && state.as_ref().is_none_or(|s| &p.admin1 == s)
            });
        }
        cands.push(Some(list));
    }
    // Evidence from the article: countries of places below country level that are unambiguous,
    // and countries named as such.
    let mut local: HashMap<&str, usize> = HashMap::default();
    let mut named: HashSet<&str> = HashSet::default();
    for list in cands.iter().flatten() {
        if list.len() == 1 && list[0].feature != Feature::Country {
            *local.entry(list[0].country.as_str()).or_default() += 1;
        }
        if let Some(c) = list.iter().find(|p| p.feature == Feature::Country) {
            named.insert(c.country.as_str());
        }
    }
    for (g, list) in groups.iter_mut().zip(&cands) {
        let Some(list) = list else { continue };
        // A city far larger than its namesakes (Moscow, Russia beside Moscow, Idaho) is meant
        // unless a qualifier says otherwise.
        let mut city_pops: Vec<u64> = list
            .iter()
            .filter(|p| p.feature == Feature::City)
            .map(|p| p.population)
            .collect();
        city_pops.sort_unstable_by(|a, b| b.cmp(a));
        let dominant = match city_pops.as_slice() {
            [first, second, ..] if *first >= 20 * (*second).max(1) => Some(*first),
            _ => None,
        };
        let score = |p: &Place| {
            let base = match p.feature {
                Feature::Country => 3.0,
                Feature::Admin1 => 2.0,
                Feature::City => 1.0,
            };
            let own_local = usize::from(list.len() == 1 && p.feature != Feature::Country);
            let local_bonus = if local.get(p.country.as_str()).copied().unwrap_or(0) > own_local {
                5.0
            } else {
                0.0
            };
            let named_bonus = if p.feature != Feature::Country && named.contains(p.country.as_str())
            {
                1.5
            } else {
                0.0
            };
            let dominant_bonus = if p.feature == Feature::City && dominant == Some(p.population) {
                10.0
            } else {
                0.0
            };
            base + local_bonus
                + named_bonus
                + dominant_bonus
                + (p.population as f64 + 1.0).log10() / 10.0
        };
        g.geo = list
            .iter()
            .max_by(|a, b| score(a).total_cmp(&score(b)))
            .map(|p| to_geo(p));
        // A place known only from a capitalised dateline or headline (`LONDON`) is named as a
        // place name is written. Only resolved places: an unknown all-caps name may be an
        // acronym.
        if g.geo.is_some() && is_shouted(&g.name) {
            g.name = title_case(&g.name);
        }
    }
}

/// All capitals, and long enough not to be an acronym (`LONDON`, not `UK`).
fn is_shouted(name: &str) -> bool {
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    letters > 4 && !name.chars().any(char::is_lowercase) && !name.contains('.')
}

/// `NEW YORK` → `New York`.
fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut at_start = true;
    for c in name.chars() {
        if at_start {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        at_start = !c.is_alphabetic() && c != '\'' && c != '\u{2019}';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shouted_names_are_long_all_capital_names_and_not_acronyms() {
        assert!(is_shouted("LONDON"));
        assert!(is_shouted("NEW YORK"));
        assert!(!is_shouted("UK"));
        assert!(!is_shouted("U.S.A."));
        assert!(!is_shouted("London"));
        assert_eq!(title_case("NEW YORK"), "New York");
        assert_eq!(title_case("ST. JOHN'S"), "St. John's");
    }

    #[test]
    fn capitals_are_found_by_demonym() {
        let places = Places::embedded();
        let moscow = places.capital_of("Russian");
        assert!(moscow.is_some());
        assert_eq!(
            places
                .candidates("Moscow")
                .iter()
                .find(|p| Some(p.geonames_id) == moscow)
                .map(|p| p.country.as_str()),
            Some("RU")
        );
        assert_eq!(places.capital_of("Martian"), None);
    }
}
