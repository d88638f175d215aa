//! The annotation: the one output type, serialized alike by the HTTP API and `gloss annotate`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::offsets::OffsetUnit;

/// Everything gloss found in one document. Every span's `text` equals the analysed text sliced
/// at `start..end` in the unit named by `offsets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Annotation {
    /// The request's `id`, or null.
    pub id: Option<String>,
    /// The unit of every `start` / `end` in this annotation.
    pub offsets: OffsetUnit,
    /// Only for HTML input: the extracted article text that the offsets index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The model that produced the annotation.
    pub model: ModelInfo,
    /// Sentences in text order.
    pub sentences: Vec<SentenceSpan>,
    /// Entities (people, organizations, locations), most salient first.
    pub entities: Vec<Entity>,
    /// Statements (who said what), in text order.
    pub statements: Vec<Statement>,
}

/// Name and version of the entity model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelInfo {
    pub name: String,
    /// The model's version; the accurate model's is followed by the arithmetic it ran in
    /// (`3+int8` on CPUs with AVX-512 VNNI, `3+f32` elsewhere or with `--accurate-arithmetic
    /// f32`), since the two differ in the last digits of its scores.
    pub version: String,
}

/// A sentence's extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SentenceSpan {
    pub start: usize,
    pub end: usize,
}

/// A stretch of the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// The type of an entity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum EntityType {
    Person,
    Organization,
    Location,
}

impl EntityType {
    /// The label the scorers use (PER / ORG / LOC).
    pub fn short(self) -> &'static str {
        match self {
            EntityType::Person => "PER",
            EntityType::Organization => "ORG",
            EntityType::Location => "LOC",
        }
    }
}

/// How a mention refers to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MentionKind {
    /// A proper name (`Zelenskyy`).
    Name,
    /// A common noun phrase (`the president`).
    Nominal,
    /// A pronoun (`he`, `his`).
    Pronoun,
}

/// One real-world referent and its mentions in the article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Entity {
    /// `e1`, `e2`, …: stable within one annotation.
    pub id: String,
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// The most complete proper name the article gives.
    pub name: String,
    /// How central the entity is to the article, in [0, 1].
    pub salience: f64,
    /// Mentions in text order.
    pub mentions: Vec<Mention>,
    /// For people: titles and roles the article gives them (`U.S. President`, `envoy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<String>,
    /// For places resolved to GeoNames: country, id, coordinates and kind of place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<super::geo::Geo>,
}

/// One mention of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: MentionKind,
}

/// The kind of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatementKind {
    /// Content wholly inside quotation marks.
    Direct,
    /// Reported speech without quotation marks.
    Indirect,
    /// Reported speech containing quoted fragments.
    Mixed,
}

/// Something a source said, wrote or holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Statement {
    /// `s1`, `s2`, …
    pub id: String,
    pub kind: StatementKind,
    /// The content, one or more pieces in text order.
    pub content: Vec<Span>,
    /// The speaker as written here (`he`, `the ministry`, `Zelenskyy`), or null.
    pub speaker: Option<Speaker>,
    /// The reporting verb or phrase (`said`, `according to`), or null.
    pub cue: Option<Span>,
}

/// The local mention of a statement's source, and the entity it refers to where known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Speaker {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The `id` of the entity this speaker is, or null when unknown.
    pub entity: Option<String>,
}
