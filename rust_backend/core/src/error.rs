//! Errors of the core. The Python bindings map each variant onto the `tsi.errors` hierarchy.

use std::fmt;

/// One problem found in an uploaded file (input-formats.md §6).
#[derive(Debug, Clone, PartialEq)]
pub struct FormatIssue {
    pub file: String,
    pub path: String,
    pub expected: String,
    pub got: String,
}

impl fmt::Display for FormatIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A JSON syntax error uses "line L, column C" as its path, so one shape fits every problem.
        write!(f, "{}: {}: expected {}; got {}", self.file, self.path, self.expected, self.got)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CoreError {
    /// Bad input files; `truncated` when more than 20 problems were found.
    Format { issues: Vec<FormatIssue>, truncated: bool },
    NotFound { schedule_id: i64 },
    AnalyticsMissing { schedule_id: i64, reason: String },
    Database { message: String, sqlstate: Option<String> },
    Config { message: String },
    /// Invalid flow parameters (Python ValueError).
    Value { message: String },
}

impl CoreError {
    pub fn db(message: impl Into<String>) -> Self {
        CoreError::Database { message: message.into(), sqlstate: None }
    }
    pub fn value(message: impl Into<String>) -> Self {
        CoreError::Value { message: message.into() }
    }
    pub fn format_message(issues: &[FormatIssue], truncated: bool) -> String {
        let head = if truncated {
            "schedule rejected: 20+ problems, first 20 shown".to_string()
        } else {
            format!("schedule rejected: {} problem(s)", issues.len())
        };
        let mut s = head;
        for i in issues {
            s.push('\n');
            s.push_str(&i.to_string());
        }
        s
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::Format { issues, truncated } => write!(f, "{}", Self::format_message(issues, *truncated)),
            CoreError::NotFound { schedule_id } => write!(f, "Schedule {schedule_id} does not exist"),
            CoreError::AnalyticsMissing { schedule_id, reason } => {
                write!(f, "Analytics for schedule {schedule_id} are {reason}")
            }
            CoreError::Database { message, .. } => write!(f, "{message}"),
            CoreError::Config { message } => write!(f, "{message}"),
            CoreError::Value { message } => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for CoreError {}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::db(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, CoreError>;
