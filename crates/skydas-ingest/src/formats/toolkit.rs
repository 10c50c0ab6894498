//! The 8-column CSV of the coordination-network-toolkit
//! (`message_id,user_id,username,repost_id,reply_id,message,timestamp,urls`), read and written.
//!
//! The file does not say which platform it came from: items get the column map's platform when
//! one is set, else X (the toolkit's usual source). Timestamps are epoch seconds and `urls` is
//! space-separated. The writer lets the simulator and benchmarks export a corpus that both this
//! tool and the toolkit can run on.

use std::io::{BufRead, Write};

use skydas_model::time::parse_epoch;
use skydas_model::{Actor, Item, ItemKind, Locator, Platform};

use super::generic::{Header, default_platform, first_line, read_csv};
use crate::kit::{Refusal, field_url, importer_identity, provenance};
use crate::{Confidence, Event, FileContext, FileError, Importer};

/// Coordination-network-toolkit CSV importer (name `cnt-csv`).
pub struct Toolkit;

const NAME: &str = "cnt-csv";
const VERSION: u32 = 1;

/// The toolkit's columns, in order.
pub const COLUMNS: [&str; 8] = [
    "message_id",
    "user_id",
    "username",
    "repost_id",
    "reply_id",
    "message",
    "timestamp",
    "urls",
];

impl Importer for Toolkit {
    importer_identity!(NAME, VERSION);

    fn sniff(&self, head: &[u8]) -> Confidence {
        let line: Vec<u8> = first_line(head)
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\''))
            .collect();
        if line.eq_ignore_ascii_case(COLUMNS.join(",").as_bytes()) {
            Confidence::Certain
        } else {
            Confidence::No
        }
    }

    fn import(
        &self,
        input: &mut dyn BufRead,
        ctx: &FileContext<'_>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<(), FileError> {
        let platform = default_platform(&ctx.options.column_map, Platform::X);
        let setup = |h: &Header| -> Result<[usize; 8], String> {
            let mut cols = [0; 8];
            for (col, name) in cols.iter_mut().zip(COLUMNS) {
                *col = h
                    .find(name)
                    .ok_or_else(|| format!("missing column {name}"))?;
            }
            Ok(cols)
        };
        read_csv(input, ctx, b',', setup, sink, |cols, row| {
            let get = |i: usize| row.get(Some(cols[i]));
            let id = get(0).ok_or_else(|| Refusal::new("missing message_id", ""))?;
            let user = get(1).ok_or_else(|| Refusal::new("missing user_id", ""))?;
            let raw_time = get(6).ok_or_else(|| Refusal::new("missing timestamp", ""))?;
            let time =
                parse_epoch(raw_time).ok_or_else(|| Refusal::new("bad timestamp", raw_time))?;
            let actor = Actor {
                platform_id: user.to_string(),
                handle: get(2).map(str::to_string),
                ..Actor::default()
            };
            let prov = provenance(ctx, &Toolkit, Locator::Line(row.line));
            let mut item = Item::new(platform, id, actor, time, row.raw(cols[5]), prov);
            item.repost_of = get(3).map(str::to_string);
            item.reply_to = get(4).map(str::to_string);
            item.kind = if item.repost_of.is_some() {
                ItemKind::Repost
            } else if item.reply_to.is_some() {
                ItemKind::Reply
            } else {
                ItemKind::Post
            };
            item.urls = row
                .raw(cols[7])
                .split_whitespace()
                .map(|u| field_url(u.to_string()))
                .collect();
            Ok(item)
        })
    }
}

/// Writes the toolkit's header row.
pub fn write_header<W: Write>(w: &mut csv::Writer<W>) -> csv::Result<()> {
    w.write_record(COLUMNS)
}

/// Writes one item as a toolkit row. URLs are written expanded when known; spaces inside a URL
/// are percent-encoded because the column is space-separated.
pub fn write_record<W: Write>(w: &mut csv::Writer<W>, item: &Item) -> csv::Result<()> {
    let urls: Vec<String> = item
        .urls
        .iter()
        .map(|u| {
            u.expanded
                .as_deref()
                .unwrap_or(&u.raw)
                .trim()
                .replace(' ', "%20")
        })
        .filter(|u| !u.is_empty())
        .collect();
    let time = item.time.to_string();
    w.write_record([
        item.platform_id.as_str(),
        item.actor.platform_id.as_str(),
        item.actor.handle.as_deref().unwrap_or(""),
        item.repost_of.as_deref().unwrap_or(""),
        item.reply_to.as_deref().unwrap_or(""),
        item.text.as_str(),
        time.as_str(),
        urls.join(" ").as_str(),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::generic::testutil::*;
    use super::*;
    use crate::ImportOptions;

    fn summary(i: &Item) -> String {
        let urls: Vec<&str> = i.urls.iter().map(|u| u.raw.as_str()).collect();
        format!(
            "{} {} {}/{} {} {} rp={} re={} [{}] @{} | {}",
            i.platform,
            i.platform_id,
            i.actor.platform_id,
            i.actor.handle.as_deref().unwrap_or("-"),
            i.time,
            i.kind.as_str(),
            i.repost_of.as_deref().unwrap_or("-"),
            i.reply_to.as_deref().unwrap_or("-"),
            urls.join(" "),
            i.provenance.locator,
            i.text
        )
    }

    #[test]
    fn maps_the_fixture() {
        let run = run(&Toolkit, &fixture("cnt-csv/messages.csv"));
        assert_run(
            &run,
            summary,
            &[
                "x 1001 11/alice 1708754400 post rp=- re=- [https://lrt-lt.example/a https://t.example/b] @2 | Look at this",
                "x 1002 12/bob 1708754410 repost rp=1001 re=- [https://lrt-lt.example/a] @3 | RT @alice: Look at this",
                "x 1003 13/carol 1708754420 reply rp=- re=1001 [] @4 | \"quoted\", with comma\nand a second line",
                "x 1006 14/dave 1708754450 post rp=- re=- [] @9 | last",
            ],
            &[
                ("6", "bad timestamp"),
                ("7", "missing user_id"),
                ("8", "wrong number of fields"),
            ],
        );
        assert!(run.items.iter().all(|i| i.provenance.importer == "cnt-csv"));
    }

    #[test]
    fn the_column_map_sets_the_platform() {
        let mut options = ImportOptions::default();
        options.column_map.platform = Some("telegram".into());
        let run = run_with(&Toolkit, &fixture("cnt-csv/messages.csv"), &options);
        assert!(run.items.iter().all(|i| i.platform == Platform::Telegram));
    }

    #[test]
    fn a_foreign_header_is_fatal() {
        let run = run(&Toolkit, b"message_id,user_id,text\n1,2,3\n");
        assert_fatal(&run, "missing column username");
    }

    #[test]
    fn written_rows_read_back_the_same() {
        let items = run(&Toolkit, &fixture("cnt-csv/messages.csv")).items;
        let mut w = csv::Writer::from_writer(Vec::new());
        write_header(&mut w).expect("in memory");
        for i in &items {
            write_record(&mut w, i).expect("in memory");
        }
        let bytes = w.into_inner().expect("in memory");
        assert_eq!(Toolkit.sniff(&bytes), Confidence::Certain);
        let back = run(&Toolkit, &bytes);
        assert!(back.errors.is_empty());
        let strip = |i: &Item| {
            let mut s = summary(i);
            s.replace_range(s.find(" @").unwrap_or(0)..s.find(" | ").unwrap_or(0), "");
            s
        };
        let a: Vec<String> = items.iter().map(strip).collect();
        let b: Vec<String> = back.items.iter().map(strip).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn sniffs_the_exact_header() {
        let cases: &[(&str, Confidence)] = &[
            (
                "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,",
                Confidence::Certain,
            ),
            (
                "\u{feff}\"message_id\", \"user_id\",username,repost_id,reply_id,message,timestamp,urls\r\n",
                Confidence::Certain,
            ),
            (
                "message_id,user_id,username,repost_id,reply_id,message,timestamp\n",
                Confidence::No,
            ),
            ("id,time,text\n", Confidence::No),
        ];
        for (head, want) in cases {
            assert_eq!(Toolkit.sniff(head.as_bytes()), *want, "{head}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = Toolkit.sniff(&bytes);
            let mut input = COLUMNS.join(",").into_bytes();
            input.push(b'\n');
            input.extend_from_slice(&bytes);
            let _ = run(&Toolkit, &input);
            let _ = run(&Toolkit, &bytes);
        }
    }
}
