//! Known infrastructure in: indicator files (`skydas indicators import`, `scan --indicators`)
//! and the indicators the detectors match, which are the user's lists and partners' indicators
//! alike (both kept as watch items of the sharing store, one per value and list).

use std::path::Path;

use serde::Serialize;
use skydas_detect::known_infra::{self, Key};
use skydas_model::{Clock, Indicator, IndicatorKind, Platform, Tlp};
use skydas_share::indicators::{self, ListOptions, Skipped};
use skydas_store::sharing::{SharingStore, WatchItem};

use crate::error::{AppError, Result, failed};

/// The largest indicator file read, in bytes.
pub const MAX_FILE: u64 = 512 << 20;

/// What one indicator file held.
#[derive(Debug, Clone, Serialize)]
pub struct ListSummary {
    pub path: String,
    /// `stix`, `misp-event`, `misp-warninglist`, `csv` or `text`.
    pub format: &'static str,
    pub list: String,
    /// Indicators read (distinct by kind and value).
    pub indicators: usize,
    /// Of those, not held for this list before.
    pub new: usize,
    pub skipped: usize,
    /// The first skipped entries: where, the value, why.
    pub skipped_entries: Vec<SkippedEntry>,
    #[serde(skip)]
    read: Vec<Indicator>,
}

impl ListSummary {
    /// What the audit log records of it.
    pub fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({"list": self.list, "indicators": self.indicators, "new": self.new})
    }
}

impl std::fmt::Display for ListSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} indicators ({}), {} new, {} skipped [list {}]",
            self.path, self.indicators, self.format, self.new, self.skipped, self.list
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedEntry {
    pub at: String,
    pub value: String,
    pub reason: String,
}

/// Skipped entries listed one by one, at most.
const SHOWN_SKIPS: usize = 50;

/// The list name of a file: `name`, else the file's stem.
fn list_name(path: &Path, name: Option<&str>) -> String {
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            path.file_stem()
                .map_or_else(|| "list".into(), |s| s.to_string_lossy().into_owned())
        })
}

/// Reads one indicator file: every entry that names a matchable domain, URL or account, the
/// others skipped with where and why. The error names the file.
pub fn read_file(path: &Path, name: Option<&str>, tlp: Option<Tlp>) -> Result<ListSummary> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| AppError::io("read", path, e))?;
    if meta.len() > MAX_FILE {
        return Err(failed(format!(
            "{shown}: {} bytes, more than the {} an indicator file may have",
            meta.len(),
            MAX_FILE
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| AppError::io("read", path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        failed(format!(
            "{shown}: not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let list = list_name(path, name);
    let file = path
        .file_name()
        .map_or_else(|| shown.clone(), |f| f.to_string_lossy().into_owned());
    let source = format!("file:{file}");
    let parsed = indicators::parse(
        &text,
        &ListOptions {
            list: &list,
            source: &source,
            tlp,
        },
    )
    .map_err(|e| failed(format!("{shown}: {e}")))?;
    let mut skipped: Vec<Skipped> = parsed.skipped;
    let mut read: Vec<Indicator> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for ind in parsed.indicators {
        match known_infra::normalise(&ind) {
            Ok(k) => {
                if seen.insert(k) {
                    read.push(ind);
                }
            }
            Err(reason) => skipped.push(Skipped {
                at: ind.label.clone(),
                value: ind.value.clone(),
                reason,
            }),
        }
    }
    Ok(ListSummary {
        path: shown,
        format: parsed.format,
        list,
        indicators: read.len(),
        new: read.len(),
        skipped: skipped.len(),
        skipped_entries: skipped
            .into_iter()
            .take(SHOWN_SKIPS)
            .map(|s| SkippedEntry {
                at: s.at,
                value: s.value,
                reason: s.reason,
            })
            .collect(),
        read,
    })
}

impl ListSummary {
    /// The indicators read.
    pub fn indicators(&self) -> &[Indicator] {
        &self.read
    }
}

/// An indicator as a watch item: its value in the form it is matched in.
fn to_watch(ind: &Indicator, added_at: i64) -> Option<WatchItem> {
    let value = match known_infra::normalise(ind).ok()? {
        Key::Domain(d) => d,
        Key::Url { url, .. } => url,
        Key::Actor(k) => k.strip_prefix("id:").map_or(k.clone(), str::to_string),
    };
    Some(WatchItem {
        kind: ind.kind.as_str().into(),
        value,
        label: ind.label.clone(),
        tlp: ind.tlp.as_str().into(),
        source: ind.source.clone(),
        source_org: ind.list.clone(),
        added_at,
        platform: ind.platform.map(|p| p.as_str().to_string()),
    })
}

/// Imports one indicator file into the store's indicators; importing it again adds nothing.
pub fn import_list(
    sharing: &mut dyn SharingStore,
    path: &Path,
    name: Option<&str>,
    tlp: Option<Tlp>,
    clock: &dyn Clock,
) -> Result<ListSummary> {
    let mut s = read_file(path, name, tlp)?;
    let held: std::collections::HashSet<(String, String)> = sharing
        .watch_items()?
        .into_iter()
        .filter(|w| w.source_org == s.list)
        .map(|w| (w.kind, w.value))
        .collect();
    let now = clock.now();
    let watch: Vec<WatchItem> = s.read.iter().filter_map(|i| to_watch(i, now)).collect();
    s.new = watch
        .iter()
        .filter(|w| !held.contains(&(w.kind.clone(), w.value.clone())))
        .count();
    sharing.add_partner_intel(&[], &watch)?;
    Ok(s)
}

/// Every indicator the store holds: the user's lists and partners' indicators.
pub fn stored(sharing: &dyn SharingStore) -> Result<Vec<Indicator>> {
    Ok(sharing
        .watch_items()?
        .into_iter()
        .filter_map(|w| {
            Some(Indicator {
                kind: IndicatorKind::parse(&w.kind)?,
                value: w.value,
                platform: w.platform.as_deref().and_then(Platform::parse),
                label: w.label,
                list: w.source_org,
                source: w.source,
                tlp: Tlp::parse(&w.tlp).unwrap_or(Tlp::Red),
            })
        })
        .collect())
}

/// Indicator lists held, with their counts by kind.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListInfo {
    pub list: String,
    pub domains: usize,
    pub urls: usize,
    pub actors: usize,
    /// The most restrictive marking in the list.
    pub tlp: Tlp,
}

impl std::fmt::Display for ListInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\t{} domains\t{} urls\t{} accounts\tTLP:{}",
            self.list,
            self.domains,
            self.urls,
            self.actors,
            self.tlp.as_str().to_uppercase()
        )
    }
}

/// The lists (and partner organisations) the store's indicators come from.
pub fn lists(sharing: &dyn SharingStore) -> Result<Vec<ListInfo>> {
    let mut by: std::collections::BTreeMap<String, ListInfo> = Default::default();
    for i in stored(sharing)? {
        let e = by.entry(i.list.clone()).or_insert_with(|| ListInfo {
            list: i.list.clone(),
            domains: 0,
            urls: 0,
            actors: 0,
            tlp: Tlp::Clear,
        });
        match i.kind {
            IndicatorKind::Domain => e.domains += 1,
            IndicatorKind::Url => e.urls += 1,
            IndicatorKind::Actor => e.actors += 1,
        }
        e.tlp = e.tlp.max(i.tlp);
    }
    Ok(by.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use skydas_model::FixedClock;

    #[test]
    fn a_list_imports_once_and_its_indicators_come_back_as_matched() {
        let dir = tempfile::tempdir().unwrap();
        let store = skydas_store::SqliteStore::open(dir.path(), Default::default()).unwrap();
        let mut sh = store.sharing().unwrap();
        let f = dir.path().join("doppelganger.txt");
        std::fs::write(&f, "spiegel[.]ltd\nhttps://t.me/rybar\nnot a domain\n").unwrap();
        let clock = FixedClock::at(1_700_000_000);
        let s = import_list(&mut sh, &f, None, Some(Tlp::Green), &clock).unwrap();
        assert_eq!(
            (s.list.as_str(), s.indicators, s.new, s.skipped),
            ("doppelganger", 3, 3, 1)
        );
        let again = import_list(&mut sh, &f, None, Some(Tlp::Green), &clock).unwrap();
        assert_eq!(again.new, 0, "importing again adds nothing");
        let mut got: Vec<(IndicatorKind, String, Option<Platform>)> = stored(&sh)
            .unwrap()
            .into_iter()
            .map(|i| (i.kind, i.value, i.platform))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                (IndicatorKind::Domain, "spiegel.ltd".into(), None),
                (IndicatorKind::Url, "https://t.me/rybar".into(), None),
                (
                    IndicatorKind::Actor,
                    "@rybar".into(),
                    Some(Platform::Telegram)
                ),
            ]
        );
        assert_eq!(
            lists(&sh).unwrap(),
            [ListInfo {
                list: "doppelganger".into(),
                domains: 1,
                urls: 1,
                actors: 1,
                tlp: Tlp::Green
            }]
        );
    }

    #[test]
    fn files_that_are_no_indicators_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("x.bin");
        std::fs::write(&bin, b"ok.example\n\xff\xfe").unwrap();
        let e = read_file(&bin, None, None).unwrap_err().to_string();
        assert!(e.contains("x.bin") && e.contains("byte 11"), "{e}");
        let json = dir.path().join("x.json");
        std::fs::write(&json, "{\"a\": 1}").unwrap();
        let e = read_file(&json, None, None).unwrap_err().to_string();
        assert!(e.contains("x.json") && e.contains("no STIX bundle"), "{e}");
    }
}
