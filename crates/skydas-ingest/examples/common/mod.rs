//! What the import benchmarks' generators share: the Telegram channel export they write and the
//! X API's time format.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The Unix time of the first generated record (2024-02-24T06:00:00Z); record `i` is `i`
/// seconds later.
pub const START: u64 = 1_708_754_400;

/// `t` as the X API writes times: RFC 3339 with milliseconds (`2024-02-24T06:00:00.000Z`).
pub fn x_time(t: i64) -> String {
    let created = skydas_model::time::format_rfc3339(t);
    format!("{}.000Z", &created[..created.len() - 1])
}

/// Writes a Telegram Desktop export of one public channel with `n` messages to `path`. Every
/// message opens with the same fields (id, type, dates, sender); `fields(w, i)` writes the rest
/// of message `i`, one `   "key": value` line each, the last without its line end.
pub fn write_channel_export(
    path: &Path,
    n: u64,
    mut fields: impl FnMut(&mut BufWriter<File>, u64) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    writeln!(
        w,
        "{{\n \"name\": \"Новости Балтии\",\n \"type\": \"public_channel\",\n \"id\": 1234567890,\n \"messages\": ["
    )?;
    for i in 0..n {
        let t = START + i;
        let sep = if i + 1 == n { "" } else { "," };
        writeln!(
            w,
            r#"  {{
   "id": {id},
   "type": "message",
   "date": "2024-02-24T08:00:00",
   "date_unixtime": "{t}",
   "from": "Новости Балтии",
   "from_id": "channel1234567890","#,
            id = i + 1
        )?;
        fields(&mut w, i)?;
        writeln!(w, "\n  }}{sep}")?;
    }
    writeln!(w, " ]\n}}")?;
    w.flush()
}
