//! Full-text search on PostgreSQL: the user's query (parsed by [`skydas_store::query`], so no
//! input is ever syntax) rendered as a `tsquery` over the `skydas_fts` configuration, ranked by
//! `ts_rank`, with `ts_headline` snippets.

use postgres::Client;
use skydas_model::Platform;
use skydas_store::codec::platform_from_db;
use skydas_store::query::{self, Term};
use skydas_store::{Result, SNIPPET_END, SNIPPET_START, SearchHit, SearchQuery};

use crate::{PgResultExt, PgUrl};

/// Terms as the two arrays the search statement takes: words and phrases (each becomes a
/// `phraseto_tsquery`, which treats everything as text) and prefixes (rendered here as
/// `'a' <-> 'b':*`, from alphanumeric pieces only, so nothing in them is syntax). Repeated terms
/// are dropped: they change nothing, and a query of thousands of them would nest as deep.
pub(crate) fn render(terms: &[Term]) -> (Vec<String>, Vec<String>) {
    let mut words: Vec<String> = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    for t in terms {
        match t {
            Term::Word(s) | Term::Phrase(s) => {
                // NUL cannot travel in a text parameter; other control characters split words
                // as white space does.
                let clean: String = s
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                if !clean.trim().is_empty() && !words.contains(&clean) {
                    words.push(clean);
                }
            }
            Term::Prefix(s) => {
                let pieces: Vec<&str> = s
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|p| !p.is_empty())
                    .collect();
                let Some((last, init)) = pieces.split_last() else {
                    continue;
                };
                let mut q = String::new();
                for p in init {
                    q.push('\'');
                    q.push_str(p);
                    q.push_str("' <-> ");
                }
                q.push('\'');
                q.push_str(last);
                q.push_str("':*");
                if !prefixes.contains(&q) {
                    prefixes.push(q);
                }
            }
        }
    }
    (words, prefixes)
}

pub(crate) fn search(c: &mut Client, url: &PgUrl, q: &SearchQuery) -> Result<Vec<SearchHit>> {
    let (words, prefixes) = render(&query::parse(&q.text));
    if words.is_empty() && prefixes.is_empty() {
        return Ok(Vec::new());
    }
    let handle = q
        .actor
        .as_deref()
        .map(|a| a.trim().trim_start_matches('@').to_string());
    let limit = (q.limit > 0).then(|| i64::try_from(q.limit).unwrap_or(i64::MAX));
    let sql = format!(
        "WITH q AS (SELECT tsquery_and_all(x) AS q FROM ( \
             SELECT phraseto_tsquery('skydas_fts', w) AS x FROM unnest($1::text[]) w \
             UNION ALL SELECT to_tsquery('skydas_fts', p) FROM unnest($2::text[]) p) t) \
         SELECT i.platform, i.platform_id, a.platform_id, a.handle, i.time, i.lang, \
             ts_headline('skydas_fts', i.text, q.q, \
                 'StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxFragments=1, \
                  MaxWords=24, MinWords=8, FragmentDelimiter=…'), \
             ts_rank(i.fts, q.q)::float8 AS rank \
         FROM q, items i JOIN actors a ON a.id = i.actor_id \
         WHERE i.fts @@ q.q \
         AND ($3::text IS NULL OR i.platform = $3) \
         AND ($4::text IS NULL OR a.platform_id = $4 OR lower(a.handle) = lower($5)) \
         AND ($6::text IS NULL OR i.lang = $6 OR ($6 = 'und' AND i.lang = '')) \
         AND ($7::int8 IS NULL OR i.time >= $7) \
         AND ($8::int8 IS NULL OR i.time < $8) \
         ORDER BY rank DESC, i.time, i.id LIMIT $9"
    );
    let rows = c
        .query(
            sql.as_str(),
            &[
                &words,
                &prefixes,
                &q.platform.map(Platform::as_str),
                &q.actor,
                &handle,
                &q.lang,
                &q.since,
                &q.until,
                &limit,
            ],
        )
        .at(url)?;
    rows.iter()
        .map(|r| {
            Ok(SearchHit {
                platform: platform_from_db(r.get(0))?,
                id: r.get(1),
                actor_id: r.get(2),
                actor_handle: r.get(3),
                time: r.get(4),
                lang: r.get(5),
                snippet: r.get(6),
                rank: r.get(7),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(q: &str, words: &[&str], prefixes: &[&str]) {
        let (w, p) = render(&query::parse(q));
        assert_eq!(
            (w, p),
            (
                words.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                prefixes.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            ),
            "{q:?}"
        );
    }

    #[test]
    fn renders_terms_without_syntax() {
        check("", &[], &[]);
        check("nato nato NATO", &["nato", "NATO"], &[]);
        check("\"a b\" c", &["a b", "c"], &[]);
        check("a\0b", &["a b"], &[]);
        check("навч*", &[], &["'навч':*"]);
        check("it's*", &[], &["'it' <-> 's':*"]);
        check("'*", &[], &[]);
        check("x ".repeat(5000).as_str(), &["x"], &[]);
    }
}
