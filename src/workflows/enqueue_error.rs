//! Why a job could not be accepted, as every enqueue path reports it: the API answers
//! the unavailable and busy cases with 503 and `Retry-After`; an unknown workflow is a
//! bug of ours.

use super::record_writer::WriteError;

/// Why a job could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("unknown workflow {0:?}")]
    UnknownWorkflow(String),
    #[error("the queue is unavailable: {0}")]
    QueueUnavailable(String),
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
    /// The job-record writer stayed full for the allowed wait: shed load, retry soon.
    #[error("too many jobs are being accepted at once")]
    Busy,
}

impl From<WriteError> for EnqueueError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Busy => Self::Busy,
            WriteError::Database(db) => Self::Database(db),
            WriteError::Stopped => Self::QueueUnavailable(e.to_string()),
        }
    }
}
