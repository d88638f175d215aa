//! The workers: annotations run on tokio's blocking pool, at most `max_in_flight` at once.
//! A request that finds every slot taken is shed with 503 at once rather than queued without
//! bound; one that runs past the timeout gets 504 (its work finishes in the background and
//! frees its slot); a panic in the core becomes 500 and the server serves on.
//!
//! A job holds as many slots as it weighs: an accurate-mode annotation (a transformer, tens of
//! times the CPU of the fast tagger) holds [`ACCURATE_WEIGHT`], so a burst of them sheds
//! with 503 instead of filling every worker while fast requests starve.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::api::Problem;

/// Slots an accurate-mode annotation holds.
pub const ACCURATE_WEIGHT: u32 = 4;

/// The slots a document of this tagger choice holds.
pub fn weight_of(choice: crate::analysis::TaggerChoice) -> u32 {
    match choice {
        crate::analysis::TaggerChoice::Fast => 1,
        crate::analysis::TaggerChoice::Accurate => ACCURATE_WEIGHT,
    }
}

#[derive(Clone)]
pub struct Workers {
    slots: Arc<Semaphore>,
    capacity: u32,
    timeout: Duration,
}

impl Workers {
    pub fn new(max_in_flight: usize, timeout: Duration) -> Self {
        let capacity = max_in_flight.clamp(1, Semaphore::MAX_PERMITS) as u32;
        Self {
            slots: Arc::new(Semaphore::new(capacity as usize)),
            capacity,
            timeout,
        }
    }

    /// `weight` slots now (at most all of them), or 503.
    pub fn try_slot(&self, weight: u32) -> Result<OwnedSemaphorePermit, Problem> {
        self.slots
            .clone()
            .try_acquire_many_owned(weight.clamp(1, self.capacity))
            .map_err(|_| Problem::overloaded())
    }

    /// `weight` slots when they free (for the lines of a stream that already holds its place).
    pub async fn slot(&self, weight: u32) -> Result<OwnedSemaphorePermit, Problem> {
        self.slots
            .clone()
            .acquire_many_owned(weight.clamp(1, self.capacity))
            .await
            .map_err(|_| Problem::internal())
    }

    /// Runs `f` on the blocking pool holding `slot`, with the timeout.
    pub async fn run<T, F>(&self, slot: OwnedSemaphorePermit, f: F) -> Result<T, Problem>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let task = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            f()
        });
        match tokio::time::timeout(self.timeout, task).await {
            Err(_) => Err(Problem::timeout(self.timeout.as_secs())),
            Ok(Err(e)) => {
                tracing::error!(panic = e.is_panic(), "annotation task failed; answered 500");
                Err(Problem::internal())
            }
            Ok(Ok(v)) => Ok(v),
        }
    }

    /// Takes `weight` slots (or 503) and runs `f`.
    pub async fn run_now<T, F>(&self, weight: u32, f: F) -> Result<T, Problem>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let slot = self.try_slot(weight)?;
        self.run(slot, f).await
    }
}
