//! The analysis core: text in, annotations out. No I/O, no async, no HTTP types.
//!
//! The whole flow is [`Analyzer::annotate`]:
//! input (plain or HTML) → [`segment`] (paragraphs, sentences, tokens) → [`ner`] (name
//! mentions) → [`entities`] (mentions grouped into referents) → [`statements`] (who said what)
//! → [`coreference`] (pronoun and speaker mentions, salience with speaking roles) → [`render`]
//! (offsets converted to the requested unit).

pub mod annotation;
pub mod coreference;
pub mod entities;
pub mod error;
pub mod geo;
pub mod html;
pub mod ner;
pub mod offsets;
pub mod render;
pub mod segment;
pub mod statements;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use annotation::Annotation;
pub use error::{AnalysisError, ModelError};
pub use offsets::OffsetUnit;

use ner::lexicon::NewsLexicon;
use ner::model::Model;
use ner::Tagger;

/// The entity model compiled into the binary (see `models/README.md` for how it was trained).
pub static EMBEDDED_MODEL: &[u8] = include_bytes!("../../models/ner.bin");
/// The statement model compiled into the binary.
pub static EMBEDDED_STATEMENT_MODEL: &[u8] = include_bytes!("../../models/statements.bin");

/// Whether a text has nothing to annotate: only white space (as JSON Schema's `\S` sees it,
/// so the API's contract and this check agree on what counts as empty).
pub fn is_blank(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// The format of the submitted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Plain text: offsets index it as given.
    #[default]
    Text,
    /// HTML: the article's text is extracted first and returned as `text`.
    Html,
}

impl InputFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "text" => Some(Self::Text),
            "html" => Some(Self::Html),
            _ => None,
        }
    }
}

/// One document to annotate, already validated by the shell that received it.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub id: Option<String>,
    pub text: String,
    pub format: InputFormat,
    pub offsets: OffsetUnit,
}

/// Built once and shared by every request: the tagger and its word resources.
pub struct Analyzer {
    tagger: Tagger,
    /// The learned statement tagger; statements fall back to rules without it.
    statement_model: Option<Model>,
    places: geo::Places,
}

impl Analyzer {
    /// The analyzer with the model embedded in the binary.
    pub fn embedded() -> Result<Self, ModelError> {
        Self::from_model_bytes(EMBEDDED_MODEL)
    }

    /// Replaces the statement model (`None`: rules only).
    pub fn with_statement_model(mut self, model: Option<Model>) -> Self {
        self.statement_model = model;
        self
    }

    /// An analyzer with an entity model read from bytes (e.g. `--model PATH`) and the embedded
    /// statement model.
    pub fn from_model_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let statements = Model::from_bytes(EMBEDDED_STATEMENT_MODEL)?;
        Ok(Self::new(Model::from_bytes(bytes)?).with_statement_model(Some(statements)))
    }

    pub fn new(model: Model) -> Self {
        Self {
            tagger: Tagger {
                model,
                lexicon: Box::new(NewsLexicon::embedded()),
            },
            statement_model: None,
            places: geo::Places::embedded(),
        }
    }

    pub fn tagger(&self) -> &Tagger {
        &self.tagger
    }

    /// The stages up to entities (grouping, titles, salience, places), for training the
    /// statement tagger on their output and for benchmarks.
    pub fn entities_of(&self, text: &str) -> (segment::Segmentation, Vec<entities::EntityGroup>) {
        let seg = segment::segment(text);
        let tagged = self.tagger.tag(text, &seg);
        let mut groups = entities::group(text, &seg, &tagged);
        geo::retype_places_tagged_as_people(text, &self.places, &mut groups);
        geo::resolve(text, &seg, &self.places, &mut groups);
        (seg, groups)
    }

    pub fn model_info(&self) -> annotation::ModelInfo {
        annotation::ModelInfo {
            name: self.tagger.model.name.clone(),
            version: self.tagger.model.version.clone(),
        }
    }

    /// The statements stage over the output of [`Analyzer::entities_of`].
    pub fn statements_of(
        &self,
        text: &str,
        seg: &segment::Segmentation,
        entities: &[entities::EntityGroup],
    ) -> Vec<statements::FoundStatement> {
        statements::extract(text, seg, entities, self.statement_model.as_ref())
    }

    /// Annotates one document.
    pub fn annotate(&self, doc: &Document) -> Result<Annotation, AnalysisError> {
        let extracted = match doc.format {
            InputFormat::Text => None,
            InputFormat::Html => Some(html::extract_text(&doc.text)),
        };
        let text = extracted.as_deref().unwrap_or(&doc.text);
        if is_blank(text) {
            return Err(AnalysisError::EmptyText);
        }
        let (seg, mut entities) = self.entities_of(text);
        let mut statements = self.statements_of(text, &seg, &entities);
        coreference::complete(text, &seg, &mut entities, &mut statements);
        Ok(render::render(
            render::Analysis {
                id: doc.id.clone(),
                text,
                segmentation: &seg,
                entities: &entities,
                statements: &statements,
                model: self.model_info(),
            },
            doc.offsets,
            extracted.is_some(),
        ))
    }
}
