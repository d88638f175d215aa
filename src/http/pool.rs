//! The workers: annotations run on tokio's blocking pool, at most `max_in_flight` at once.
//! A request that finds every slot taken is shed with 503 at once rather than queued without
//! bound; one that runs past the timeout gets 504 (its work finishes in the background and
//! frees its slot); a panic in the core becomes 500 and the server serves on.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::api::Problem;

#[derive(Clone)]
pub struct Workers {
    slots: Arc<Semaphore>,
    timeout: Duration,
}

impl Workers {
    pub fn new(max_in_flight: usize, timeout: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(max_in_flight.max(1))),
            timeout,
        }
    }

    /// A slot now, or 503.
    pub fn try_slot(&self) -> Result<OwnedSemaphorePermit, Problem> {
        self.slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Problem::overloaded())
    }

    /// A slot when one frees (for the lines of a stream that already holds its place).
    pub async fn slot(&self) -> Result<OwnedSemaphorePermit, Problem> {
        self.slots
            .clone()
            .acquire_owned()
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

    /// Takes a slot (or 503) and runs `f`.
    pub async fn run_now<T, F>(&self, f: F) -> Result<T, Problem>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let slot = self.try_slot()?;
        self.run(slot, f).await
    }
}
