//! The one kit every importer builds its records and errors with: provenance, record
//! refusals, file errors, URLs from fields and list cells.

use std::io;

use skydas_model::time::{Resolved, parse_epoch, parse_lenient};
use skydas_model::zone::Tz;
use skydas_model::{ItemUrl, Locator, Provenance, TimeBasis, UrlSource};

use crate::{Event, FileContext, FileError, Importer, RecordError};

/// The `name` and `version` methods of an [`Importer`] impl, from the format's stable name and
/// its version constant: every importer states them alike, so they are written once here.
macro_rules! importer_identity {
    ($name:expr, $version:expr) => {
        fn name(&self) -> &'static str {
            $name
        }

        fn version(&self) -> u32 {
            $version
        }
    };
}
pub(crate) use importer_identity;

/// Why one record was refused: a short stable reason (errors are grouped by it) and a detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub reason: String,
    pub detail: String,
}

impl Refusal {
    pub(crate) fn new(reason: impl Into<String>, detail: impl Into<String>) -> Refusal {
        Refusal {
            reason: reason.into(),
            detail: detail.into(),
        }
    }

    /// The refusal as the error event of the record at `locator`.
    pub(crate) fn at(self, ctx: &FileContext<'_>, locator: Locator) -> Event {
        record_error(ctx, locator, self.reason, self.detail)
    }
}

/// A record error event at `locator` of the file being read: `reason` is short and stable (it
/// is used to group errors), `detail` carries the specifics (a field, a serde message).
pub(crate) fn record_error(
    ctx: &FileContext<'_>,
    locator: Locator,
    reason: impl Into<String>,
    detail: impl Into<String>,
) -> Event {
    Event::Error(RecordError {
        path: ctx.path.to_path_buf(),
        locator,
        reason: reason.into(),
        detail: detail.into(),
    })
}

/// A warning event at `locator` of the file being read (see [`Event::Warning`]).
pub(crate) fn warning(
    ctx: &FileContext<'_>,
    locator: Locator,
    reason: impl Into<String>,
    detail: impl Into<String>,
) -> Event {
    Event::Warning(RecordError {
        path: ctx.path.to_path_buf(),
        locator,
        reason: reason.into(),
        detail: detail.into(),
    })
}

/// A record's time as written, in any form [`parse_lenient`] reads (or short epoch seconds),
/// resolved with the user's `--tz`; an unknown zone abbreviation is told apart from a broken
/// timestamp.
pub(crate) fn record_time(raw: &str, tz: Option<&Tz>) -> Result<Resolved, Refusal> {
    if let Some(p) = parse_lenient(raw) {
        return Ok(p.resolve(tz));
    }
    if let Some(utc) = parse_epoch(raw.trim()) {
        return Ok(Resolved {
            utc,
            basis: TimeBasis::Exact,
            note: None,
        });
    }
    let zone_less = raw.trim().rsplit_once(' ').map(|(dt, _)| dt);
    match zone_less.and_then(parse_lenient) {
        Some(_) => Err(Refusal::new("unknown time zone", raw)),
        None => Err(Refusal::new("bad timestamp", raw)),
    }
}

/// The first time of a file whose zone needed a guess: said once, after its records, rather
/// than once per row.
#[derive(Default)]
pub(crate) struct ZoneNote(Option<(Locator, String)>);

impl ZoneNote {
    /// Keeps `r`'s note (if any, and if it is the file's first) for the record at `locator`.
    pub(crate) fn keep(&mut self, locator: Locator, raw: &str, r: &Resolved) {
        if let (None, Some(n)) = (&self.0, &r.note) {
            self.0 = Some((locator, format!("{raw}: {n}")));
        }
    }

    /// Says the kept note as the file's `time zone` warning.
    pub(crate) fn emit(self, ctx: &FileContext<'_>, sink: &mut dyn FnMut(Event)) {
        if let Some((locator, detail)) = self.0 {
            sink(warning(ctx, locator, "time zone", detail));
        }
    }
}

/// The provenance of a record of the file being read.
pub(crate) fn provenance(
    ctx: &FileContext<'_>,
    importer: &dyn Importer,
    locator: Locator,
) -> Provenance {
    Provenance {
        file_sha256: ctx.sha256.to_string(),
        importer: importer.name().to_string(),
        importer_version: importer.version(),
        locator,
    }
}

/// The file error for an I/O failure of the file being read.
pub(crate) fn io_error(ctx: &FileContext<'_>, source: io::Error) -> FileError {
    FileError::Io {
        path: ctx.path.to_path_buf(),
        source,
    }
}

/// A failure that stops the file at `locator`.
pub(crate) fn fatal(
    ctx: &FileContext<'_>,
    locator: Locator,
    reason: impl Into<String>,
) -> FileError {
    FileError::Fatal {
        path: ctx.path.to_path_buf(),
        locator,
        reason: reason.into(),
    }
}

/// The [`FileError`] for a JSON document that stopped parsing: an I/O failure stays one, any
/// other error is fatal at serde's line, with the column in the reason.
pub(crate) fn json_fatal(ctx: &FileContext<'_>, e: &serde_json::Error) -> FileError {
    if let Some(kind) = e.io_error_kind() {
        return FileError::Io {
            path: ctx.path.to_path_buf(),
            source: io::Error::new(kind, e.to_string()),
        };
    }
    let what = if e.is_eof() {
        "truncated json"
    } else {
        "invalid json"
    };
    let msg = e.to_string();
    // serde's message ends in " at line L column C"; the line goes to the locator.
    let msg = msg.rfind(" at line ").map_or(msg.as_str(), |i| &msg[..i]);
    FileError::Fatal {
        path: ctx.path.to_path_buf(),
        locator: Locator::Line(e.line() as u64),
        reason: format!("{what} at column {}: {msg}", e.column()),
    }
}

/// Whether the bytes `hay` (a file's head, say) hold `needle` anywhere: the JSON sniffers look
/// for keys as text, since the head may end inside the document.
pub(crate) fn contains(hay: &[u8], needle: &str) -> bool {
    memchr::memmem::find(hay, needle.as_bytes()).is_some()
}

/// A URL found in a column or field of the record.
pub(crate) fn field_url(raw: String) -> ItemUrl {
    ItemUrl {
        raw,
        source: UrlSource::Field,
        ..ItemUrl::default()
    }
}

/// Splits a list cell (`a b`, `a,b`, `a|b`, `a; b`, or a JSON-ish `["a", "b"]`).
pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || matches!(c, ',' | '|' | ';'))
        .map(|p| p.trim_matches(|c| matches!(c, '[' | ']' | '"' | '\'')))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}
