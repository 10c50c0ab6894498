//! Writing articles to the outlets' and portals' feeds.

use std::fmt::Write as _;

use skydas_model::Platform;
use skydas_model::time::civil_from_days;

use crate::SimError;
use crate::domains;
use crate::lang::Slots;

use super::Sim;
use super::schedule::ArtEv;

/// The URL slug of a title, or a generic one when the title has too little ASCII in it.
pub(super) fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.len() < 4 {
        "straipsnis".to_string()
    } else {
        s
    }
}

impl Sim {
    /// Writes an article to its site's feed; an organic one of a real outlet starts a cascade.
    pub(super) fn emit_article(&mut self, t: i64, ev: ArtEv) -> Result<(), SimError> {
        let s = ev.site as usize;
        let site = &mut self.sites[s];
        let id = site.next_id;
        site.next_id += 1 + self.prng.below(6) as u64;
        let title = ev.slots.render(site.lang);
        let (y, m, d) = civil_from_days((t + site.tz * 3600).div_euclid(86_400));
        let link = match site.style {
            0 => format!(
                "https://{}/{}/{}/{}",
                site.host,
                site.section,
                id,
                slug(&title)
            ),
            1 => format!(
                "https://{}/{}/{y}/{m:02}/{d:02}/{id}.html",
                site.host, site.section
            ),
            _ => format!("https://{}/{}/a-{id}", site.host, site.section),
        };
        let (guid, permalink) = if site.style == 2 {
            (format!("{}-{id}", domains::brand(&site.domain)), false)
        } else {
            (link.clone(), true)
        };
        let mut html = format!("<p>{}</p>", Slots::random(&mut self.prng).render(site.lang));
        if let Some(src) = &ev.source {
            let _ = write!(html, "<p><a href=\"{src}\">{src}</a></p>");
        }
        let (tz, lang) = (site.tz, site.lang);
        let cdata = self.prng.chance(0.5);
        let mut buf = std::mem::take(&mut self.buf);
        let r = match self.feeds[s].as_mut() {
            Some(f) => f.item(
                &mut buf, &guid, permalink, &link, &title, &html, t, tz, cdata,
            ),
            None => Ok(()),
        };
        self.buf = buf;
        r?;
        self.sites[s].written += 1;
        self.count(Platform::Web, ev.tag, guid);
        if ev.tag == 0 && s < self.portals_from {
            self.cascade(t, s, lang, &link, &title);
        }
        Ok(())
    }
}
