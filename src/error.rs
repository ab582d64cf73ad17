//! The one error type of the crate.
//!
//! Every variant says what was wrong and where: the file, line and column of a bad
//! row, or the series a computation failed on, so that the message printed by the
//! command-line tool is enough for a person to act on.

use std::path::PathBuf;

/// At most 200 characters of a name or field quoted in a message, with an
/// ellipsis when cut: a megabyte-long series name or field is not printed whole.
pub(crate) fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}...", &text[..cut])),
    }
}

/// Result alias used by every fallible function in headroom.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in headroom.
///
/// Match [`Error::is_too_short`] for a history too short for the question (more
/// history, or a smaller question, would do), [`Error::series_name`] for the
/// series a failure belongs to; the cause of a failure wrapped with its series
/// ([`Error::InSeries`]) is its [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },

    /// One field of one row could not be understood.
    #[error("{file}: line {line}, column {column} ({column_name}): {message}")]
    Row {
        /// Name of the file, as given by the user.
        file: String,
        /// 1-based line number in the file.
        line: usize,
        /// 1-based column number.
        column: usize,
        /// Name of the column from the header.
        column_name: String,
        /// What was wrong with the field.
        message: String,
    },

    /// The file as a whole could not be read as metric history (empty, no rows,
    /// a column layout that cannot be recognised, a format that is not valid).
    #[error("{file}: {message}")]
    Format {
        /// Name of the file, as given by the user.
        file: String,
        /// What was wrong.
        message: String,
    },

    /// A computation on one series failed (too short, gaps refused, not finite).
    #[error("series {}: {message}", clip(series))]
    Series {
        /// Name of the series.
        series: String,
        /// What was wrong.
        message: String,
    },

    /// An argument or option was out of its valid range (a horizon of 0, an even
    /// seasonal window, an unparsable duration or capacity).
    #[error("{0}")]
    InvalidArgument(String),

    /// The history is too short for what was asked: fewer points than two
    /// seasons, than one backtest origin, or than a horizon that far ahead
    /// needs. Not bad data: more history, or a smaller question, would do.
    #[error("{}{message}", series.as_deref().map(|s| format!("series {}: ", clip(s))).unwrap_or_default())]
    TooShort {
        /// The series, once known.
        series: Option<String>,
        /// What was too short for what.
        message: String,
    },

    /// A failure of one series, with its cause.
    #[error("series {}: {source}", clip(series))]
    InSeries {
        /// Name of the series.
        series: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },

    /// polars rejected the input (a DataFrame, with the `polars` feature).
    #[error("{file}: {message}")]
    Csv {
        /// Name of the file, as given by the user.
        file: String,
        /// The engine's message.
        message: String,
    },

    /// A live Prometheus read failed: unreachable, an HTTP error, a PromQL error,
    /// a reply cut off or too large. Never holds credentials.
    #[error("Prometheus at {url}, query '{query}': {message}")]
    Prometheus {
        /// The server's base URL.
        url: String,
        /// The PromQL expression.
        query: String,
        /// What went wrong and what came back.
        message: String,
    },

    /// A chart could not be drawn or written.
    #[error("plot {path}: {message}")]
    Plot {
        /// Where the chart was to be written.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// An [`Error::InvalidArgument`] from anything printable.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidArgument(message.into())
    }

    /// An [`Error::Series`] for the named series.
    pub fn series(series: &str, message: impl Into<String>) -> Self {
        Error::Series {
            series: series.to_string(),
            message: message.into(),
        }
    }

    /// A [`Error::TooShort`], its series named later ([`Error::in_series`]).
    pub fn too_short(message: impl Into<String>) -> Self {
        Error::TooShort {
            series: None,
            message: message.into(),
        }
    }

    /// Attach a series name to an error that was raised without one, so a batch
    /// can report which series failed; the error is kept as the cause.
    pub fn in_series(self, series: &str) -> Self {
        match self {
            Error::InvalidArgument(_) => Error::InSeries {
                series: series.to_string(),
                source: Box::new(self),
            },
            Error::TooShort {
                series: None,
                message,
            } => Error::TooShort {
                series: Some(series.to_string()),
                message,
            },
            other => other,
        }
    }

    /// The series the error belongs to, when it names one.
    pub fn series_name(&self) -> Option<&str> {
        match self {
            Error::Series { series, .. } | Error::InSeries { series, .. } => Some(series),
            Error::TooShort { series, .. } => series.as_deref(),
            _ => None,
        }
    }

    /// The message without the `series NAME: ` in front (for a page that shows
    /// the name beside it).
    pub fn reason(&self) -> String {
        match self {
            Error::Series { message, .. } | Error::TooShort { message, .. } => message.clone(),
            Error::InSeries { source, .. } => source.reason(),
            other => other.to_string(),
        }
    }

    /// Whether the history was too short for the question (here or in the
    /// cause).
    pub fn is_too_short(&self) -> bool {
        match self {
            Error::TooShort { .. } => true,
            Error::InSeries { source, .. } => source.is_too_short(),
            _ => false,
        }
    }
}
