//! Server configuration: flags and environment variables (`gloss serve --help`).

use std::net::SocketAddr;
use std::time::Duration;

use crate::cli::ModelArgs;

/// How the log lines are written.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GLOSS_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Largest request body accepted, in bytes (and the largest NDJSON line).
    #[arg(long, env = "GLOSS_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub body_limit: usize,
    /// Most documents in one JSON batch (NDJSON batches are unlimited).
    #[arg(long, env = "GLOSS_BATCH_LIMIT", default_value_t = 100)]
    pub batch_limit: usize,
    /// Threads that annotate (default: the number of cores).
    #[arg(long, env = "GLOSS_WORKERS")]
    pub workers: Option<usize>,
    /// Requests that may wait for a worker before new ones get 503 (default: 4 per worker).
    #[arg(long, env = "GLOSS_QUEUE")]
    pub queue: Option<usize>,
    /// Seconds an annotation may take before the request gets 504.
    #[arg(long, env = "GLOSS_TIMEOUT_SECS", default_value_t = 30)]
    pub timeout_secs: u64,
    /// Log format; the level is set with RUST_LOG (default info).
    #[arg(long, env = "GLOSS_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// The limits the handlers enforce.
#[derive(Clone, Debug)]
pub struct Limits {
    pub body_limit: usize,
    pub batch_limit: usize,
    pub workers: usize,
    pub max_in_flight: usize,
    pub timeout: Duration,
}

impl ServeArgs {
    pub fn limits(&self) -> Limits {
        let workers = self
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1);
        Limits {
            body_limit: self.body_limit,
            batch_limit: self.batch_limit,
            workers,
            max_in_flight: workers + self.queue.unwrap_or(4 * workers),
            timeout: Duration::from_secs(self.timeout_secs.max(1)),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_limit: 2 * 1024 * 1024,
            batch_limit: 100,
            workers: 2,
            max_in_flight: 10,
            timeout: Duration::from_secs(30),
        }
    }
}
