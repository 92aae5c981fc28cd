//! The stable text a failed step leaves in its job record, and where the detail goes.
//!
//! A job's errors are shown to the business (`GET /jobs/{id}`, the dashboard, `step.failed`
//! events), so they must not carry the database's own words: "bigint out of range at
//! line 4378" says how the schema and the queries look, and can quote values. A database
//! error becomes one fixed message naming its class; the full text is logged once, in
//! the step's span (which carries the job id), for whoever operates the server.

use super::registry::StepError;

/// Shown for a database error another attempt may cure (a lost connection, a timeout,
/// a deadlock).
pub const DATABASE_UNAVAILABLE: &str = "the database could not be reached; will retry";
/// Shown for a database error the same input will always hit (a value out of range, a
/// broken constraint): retrying cannot help.
pub const DATABASE_REFUSED: &str = "the database refused the data of this job";

/// The step error for `e`: a stable message, the detail in the log.
pub fn database(e: &sqlx::Error) -> StepError {
    if refuses_the_data(e) {
        tracing::error!(error = %e, "step failed: the database refused its data");
        StepError::Permanent(DATABASE_REFUSED.into())
    } else {
        tracing::warn!(error = %e, "step failed: database error");
        StepError::Transient(DATABASE_UNAVAILABLE.into())
    }
}

/// SQLSTATE classes 22 (data exception: out of range, bad format) and 23 (integrity
/// constraint violation) depend on the data, not on the moment.
fn refuses_the_data(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code.starts_with("22") || code.starts_with("23"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_text_never_reaches_the_message() {
        let raw = sqlx::Error::Protocol("bigint out of range at line 4378".into());
        let shown = database(&raw).to_string();
        assert_eq!(shown, DATABASE_UNAVAILABLE);
        assert!(!shown.contains("bigint"));
        let pool = sqlx::Error::PoolTimedOut;
        assert!(matches!(database(&pool), StepError::Transient(_)));
    }
}
