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
pub mod entity_types;
pub mod error;
pub mod geo;
pub mod html;
pub mod ner;
pub mod offsets;
pub mod render;
pub mod segment;
pub mod statements;

use std::borrow::Cow;

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
/// The accurate mode's transformer and its vocabulary, compiled into the binary too (int8
/// weights, 23 MB; see `models/accurate/README.md`): one encoder with an entity head and a
/// statement head. It is parsed only when an accurate request first comes.
pub static EMBEDDED_ACCURATE_MODEL: &[u8] = include_bytes!("../../models/accurate/minilm.onnx");
pub static EMBEDDED_ACCURATE_VOCAB: &str = include_str!("../../models/accurate/vocab.txt");
/// The accurate model's name and version, reported in annotations made with it (version 2:
/// the entity model trained and run on windows of consecutive sentences; 3: one encoder for
/// entities and statements).
pub const ACCURATE_MODEL_NAME: &str = "gloss-ner-minilm";
pub const ACCURATE_MODEL_VERSION: &str = "3";

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

/// Which taggers annotate a document: the fast linear ones or the accurate transformer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaggerChoice {
    /// The linear tagger: hundreds of thousands of tokens per second.
    #[default]
    Fast,
    /// A fine-tuned MiniLM transformer with an entity head and a statement head: more
    /// accurate, about two thousand words per second.
    Accurate,
}

impl TaggerChoice {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fast" => Some(Self::Fast),
            "accurate" => Some(Self::Accurate),
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
    /// The tagger; `None` takes the analyzer's default.
    pub model: Option<TaggerChoice>,
}

/// Built once and shared by every request: the tagger and its word resources.
pub struct Analyzer {
    tagger: Tagger,
    /// The learned statement tagger; statements fall back to rules without it.
    statement_model: Option<Model>,
    places: geo::Places,
    /// The tagger for documents that do not choose one.
    default_tagger: TaggerChoice,
    /// The transformers (entities, statements), loaded on first use: they take a few hundred
    /// milliseconds and some hundred megabytes that a server answering only fast requests
    /// need not spend.
    accurate: std::sync::OnceLock<Result<AccurateModels, String>>,
    /// Where the accurate models' ONNX bytes and vocabulary come from, called once at first
    /// use: the embedded ones unless a shell passes a file reader (`--accurate-model`; the core
    /// does no I/O); `None` when accurate mode is switched off.
    accurate_source: Option<Box<AccurateSource>>,
    /// The arithmetic the accurate mode's encoder runs in.
    accurate_arithmetic: ner::transformer::Arithmetic,
}

/// Gives the accurate mode's model files, or why it cannot.
pub type AccurateSource = dyn Fn() -> Result<AccurateFiles, String> + Send + Sync;

/// The accurate mode's files: embedded, or read by a shell (the core does no I/O).
pub struct AccurateFiles {
    /// The entity transformer (ONNX), with a statement head or without one.
    pub entities: Cow<'static, [u8]>,
    /// A statement transformer (ONNX) for an entity model without a statement head; with
    /// neither, accurate requests take their statements from the perceptron.
    pub statements: Option<Cow<'static, [u8]>>,
    /// The wordpiece vocabulary both share, one piece per line.
    pub vocab: Cow<'static, str>,
}

impl AccurateFiles {
    /// The files compiled into the binary.
    pub fn embedded() -> Self {
        Self {
            entities: Cow::Borrowed(EMBEDDED_ACCURATE_MODEL),
            statements: None,
            vocab: Cow::Borrowed(EMBEDDED_ACCURATE_VOCAB),
        }
    }
}

/// The accurate mode's transformers, built from [`AccurateFiles`].
pub struct AccurateModels {
    /// The entity transformer. One with a statement head too (one encoder read once for both
    /// stages, see `models/accurate/README.md`) is the statement tagger as well.
    pub entities: ner::transformer::TransformerTagger,
    /// A statement transformer of its own, for an entity model without a statement head.
    pub statements: Option<ner::transformer::TransformerTagger>,
}

/// The statement head's logits from the accurate entity run, handed to the statement stage so
/// that a shared encoder runs once per document.
type StatementLogits = Option<Vec<Vec<f32>>>;

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
            default_tagger: TaggerChoice::Fast,
            accurate: std::sync::OnceLock::new(),
            accurate_source: Some(Box::new(|| Ok(AccurateFiles::embedded()))),
            accurate_arithmetic: ner::transformer::Arithmetic::Auto,
        }
    }

    /// Sets the accurate mode's arithmetic (`--accurate-arithmetic`): by default int8 products
    /// on CPUs with AVX-512 VNNI and f32 elsewhere; [`ner::transformer::Arithmetic::F32`] runs
    /// tract's f32 on every CPU (slower; the reference the int8 encoder is tested against).
    pub fn with_accurate_arithmetic(mut self, arithmetic: ner::transformer::Arithmetic) -> Self {
        self.accurate_arithmetic = arithmetic;
        self.accurate = std::sync::OnceLock::new();
        self
    }

    /// Gives the analyzer another accurate model (`--accurate-model`) in place of the embedded
    /// one; `source` is called once, when an accurate request first comes, so that commands and
    /// servers that never use it do not read its 46 MB.
    pub fn with_accurate_source(mut self, source: Box<AccurateSource>) -> Self {
        self.accurate_source = Some(source);
        self.accurate = std::sync::OnceLock::new();
        self
    }

    /// Switches accurate mode off: accurate requests then fail with
    /// [`AnalysisError::ModelUnavailable`] (`--no-accurate`, for servers that must not spend
    /// a transformer's memory and time).
    pub fn without_accurate(mut self) -> Self {
        self.accurate_source = None;
        self.accurate = std::sync::OnceLock::new();
        self
    }

    /// Sets the tagger used when a document does not choose one.
    pub fn with_default_tagger(mut self, choice: TaggerChoice) -> Self {
        self.default_tagger = choice;
        self
    }

    pub fn default_tagger(&self) -> TaggerChoice {
        self.default_tagger
    }

    /// Loads the accurate model now rather than at its first use (and reports whether it
    /// loads).
    pub fn accurate_tagger(&self) -> Result<&ner::transformer::TransformerTagger, AnalysisError> {
        self.accurate_models().map(|m| &m.entities)
    }

    /// The accurate mode's transformers, loaded at first use.
    pub fn accurate_models(&self) -> Result<&AccurateModels, AnalysisError> {
        self.accurate
            .get_or_init(|| match &self.accurate_source {
                None => Err("accurate mode is switched off on this installation \
                             (--no-accurate or GLOSS_NO_ACCURATE)"
                    .to_string()),
                Some(source) => {
                    let files = source()?;
                    let load = |onnx: &[u8]| {
                        ner::transformer::TransformerTagger::with_arithmetic(
                            onnx,
                            &files.vocab,
                            self.accurate_arithmetic,
                        )
                        .map_err(|e| e.to_string())
                    };
                    let entities = load(&files.entities)?;
                    // A model with both heads needs no second transformer.
                    let statements = match files.statements.as_deref() {
                        Some(onnx) if entities.heads() == 1 => Some(load(onnx)?),
                        _ => None,
                    };
                    Ok(AccurateModels {
                        entities,
                        statements,
                    })
                }
            })
            .as_ref()
            .map_err(|e| AnalysisError::ModelUnavailable(e.clone()))
    }

    /// Name mentions by the chosen tagger, MISC included.
    pub fn tag(
        &self,
        text: &str,
        seg: &segment::Segmentation,
        choice: TaggerChoice,
    ) -> Result<Vec<ner::TaggedMention>, AnalysisError> {
        match choice {
            TaggerChoice::Fast => Ok(self.tagger.tag(text, seg)),
            TaggerChoice::Accurate => self.tag_accurately(text, seg).map(|(tagged, _)| tagged),
        }
    }

    /// Name mentions by the accurate transformer, and its statement head's logits when it has
    /// one (the statement stage then reads them rather than running the encoder again).
    fn tag_accurately(
        &self,
        text: &str,
        seg: &segment::Segmentation,
    ) -> Result<(Vec<ner::TaggedMention>, StatementLogits), AnalysisError> {
        let heads = self
            .accurate_tagger()?
            .token_logits(text, seg)
            .map_err(|e| AnalysisError::ModelUnavailable(e.to_string()))?;
        let mut heads = heads.into_iter();
        let entity_logits = heads.next().unwrap_or_default();
        let mut tagged = ner::transformer::decode(text, seg, &entity_logits);
        ner::split_name_pairs(text, seg, &mut tagged, self.tagger.lexicon.as_ref());
        ner::propagate(text, seg, &mut tagged);
        Ok((tagged, heads.next()))
    }

    pub fn tagger(&self) -> &Tagger {
        &self.tagger
    }

    /// The stages up to entities (grouping, titles, salience, places), for training the
    /// statement tagger on their output and for benchmarks.
    pub fn entities_of(&self, text: &str) -> (segment::Segmentation, Vec<entities::EntityGroup>) {
        let seg = segment::segment(text);
        let tagged = self.tagger.tag(text, &seg);
        let groups = self.entities_from(text, &seg, &tagged);
        (seg, groups)
    }

    /// Grouping, places, from tagged mentions.
    fn entities_from(
        &self,
        text: &str,
        seg: &segment::Segmentation,
        tagged: &[ner::TaggedMention],
    ) -> Vec<entities::EntityGroup> {
        let mut groups = entities::group(text, seg, tagged);
        geo::retype_places_tagged_as_people(text, &self.places, &mut groups);
        geo::resolve(text, seg, &self.places, &mut groups);
        entity_types::retype_by_context(text, seg, &mut groups);
        groups
    }

    /// The model an annotation made with `choice` reports.
    pub fn model_info(&self, choice: TaggerChoice) -> annotation::ModelInfo {
        match choice {
            TaggerChoice::Fast => annotation::ModelInfo {
                name: self.tagger.model.name.clone(),
                version: self.tagger.model.version.clone(),
            },
            // The arithmetic goes with the version (`3+int8`, `3+f32`): the two give slightly
            // different logits, and a reader comparing runs should see which one ran.
            TaggerChoice::Accurate => annotation::ModelInfo {
                name: ACCURATE_MODEL_NAME.to_string(),
                version: match self.accurate.get() {
                    Some(Ok(models)) => {
                        format!("{ACCURATE_MODEL_VERSION}+{}", models.entities.arithmetic())
                    }
                    _ => ACCURATE_MODEL_VERSION.to_string(),
                },
            },
        }
    }

    /// The statements stage over the output of [`Analyzer::entities_of`]: the perceptron in
    /// fast mode, the statement transformer in accurate mode when the installation has one
    /// (run here, even when it shares its encoder with the entity model: for benchmarks and
    /// tests of this stage alone).
    pub fn statements_of(
        &self,
        text: &str,
        seg: &segment::Segmentation,
        entities: &[entities::EntityGroup],
        choice: TaggerChoice,
    ) -> Result<Vec<statements::FoundStatement>, AnalysisError> {
        self.statements_with(text, seg, entities, choice, None)
    }

    /// The statements stage, given the statement head's logits if the entity run made them.
    fn statements_with(
        &self,
        text: &str,
        seg: &segment::Segmentation,
        entities: &[entities::EntityGroup],
        choice: TaggerChoice,
        read: StatementLogits,
    ) -> Result<Vec<statements::FoundStatement>, AnalysisError> {
        let lexicon = self.tagger.lexicon.as_ref();
        let logits = match (choice, read) {
            (TaggerChoice::Fast, _) => None,
            (TaggerChoice::Accurate, Some(read)) => Some(read),
            (TaggerChoice::Accurate, None) => {
                let models = self.accurate_models()?;
                let (model, head) = match &models.statements {
                    Some(own) => (Some(own), 0),
                    None => (Some(&models.entities).filter(|m| m.heads() > 1), 1),
                };
                match model {
                    Some(m) => m
                        .token_logits(text, seg)
                        .map_err(|e| AnalysisError::ModelUnavailable(e.to_string()))?
                        .into_iter()
                        .nth(head),
                    None => None,
                }
            }
        };
        // The transformer's spans, when there is one, need the perceptron's word scores only
        // for the cue words the rules after assembly consult.
        let given;
        let none = ner::model::WordScores::default();
        let spans = match (logits, self.statement_model.as_ref()) {
            (Some(logits), model) => {
                given = statements::transformer::spans(&logits, seg);
                statements::Spans::Given {
                    spans: &given,
                    words: model.map_or(&none, |m| &m.words),
                }
            }
            (None, Some(m)) => statements::Spans::Perceptron(m),
            (None, None) => statements::Spans::Rules,
        };
        Ok(statements::extract(text, seg, entities, spans, lexicon))
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
        let choice = doc.model.unwrap_or(self.default_tagger);
        let seg = segment::segment(text);
        let (tagged, statement_logits) = match choice {
            TaggerChoice::Fast => (self.tagger.tag(text, &seg), None),
            TaggerChoice::Accurate => self.tag_accurately(text, &seg)?,
        };
        let mut entities = self.entities_from(text, &seg, &tagged);
        let mut statements =
            self.statements_with(text, &seg, &entities, choice, statement_logits)?;
        coreference::complete(text, &seg, &self.places, &mut entities, &mut statements);
        Ok(render::render(
            render::Analysis {
                id: doc.id.clone(),
                text,
                segmentation: &seg,
                entities: &entities,
                statements: &statements,
                model: self.model_info(choice),
            },
            doc.offsets,
            extracted.is_some(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded accurate model is one encoder with both heads, and the statements an
    /// annotation takes from the entity run's statement head are the ones a run of the
    /// statement stage alone finds: sharing the run changes the cost, not the output.
    #[test]
    fn the_statement_head_is_read_from_the_entity_run() {
        let analyzer = Analyzer::embedded().expect("embedded model loads");
        assert_eq!(analyzer.accurate_tagger().expect("loads").heads(), 2);
        let text = include_str!("../../tests/fixtures/council-vote.txt");
        let seg = segment::segment(text);
        let (tagged, read) = analyzer.tag_accurately(text, &seg).expect("tags");
        assert!(!tagged.is_empty());
        let rows = read.as_ref().map_or(0, Vec::len);
        assert_eq!(rows, seg.tokens.len());
        let entities = analyzer.entities_from(text, &seg, &tagged);
        let shared = analyzer
            .statements_with(text, &seg, &entities, TaggerChoice::Accurate, read)
            .expect("statements");
        let alone = analyzer
            .statements_of(text, &seg, &entities, TaggerChoice::Accurate)
            .expect("statements");
        assert!(!shared.is_empty());
        assert_eq!(shared, alone);
    }
}
