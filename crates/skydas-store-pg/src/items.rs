//! Items in PostgreSQL: batches written with a fixed number of array (`unnest`) statements,
//! read back as the corpus, one by one in time order, or singly with all their provenance, and
//! counted for the store's stats. Decoding is the shared [`skydas_store::codec`]'s.

use std::collections::{BTreeMap, HashMap};

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, Row, Transaction};
use skydas_model::{Actor, Corpus, CorpusBuilder, Item, Platform, Provenance};
use skydas_store::codec::{self, clamp_u64, count, locator_to_db};
use skydas_store::{InsertOutcome, Result, Stats, StoreError, StoredItem};

use crate::{PgResultExt, PgUrl};

fn load_actors(client: &mut Client, url: &PgUrl) -> Result<HashMap<i64, Actor>> {
    let rows = client
        .query(
            "SELECT id, platform_id, handle, name, kind, created_at, followers FROM actors",
            &[],
        )
        .at(url)?;
    rows.iter()
        .map(|r| Ok((r.get::<_, i64>(0), actor_from_row(r, 1)?)))
        .collect()
}

/// Streams items (columns of [`ITEM_COLUMNS`] plus the first provenance when `sorted`).
pub(crate) fn scan(
    client: &mut Client,
    url: &PgUrl,
    sorted: bool,
    f: &mut dyn FnMut(&Item),
) -> Result<()> {
    let actors = load_actors(client, url)?;
    let sql = if sorted {
        format!(
            "SELECT {ITEM_COLUMNS}, fp.sha256, fp.importer, fp.importer_version, fp.loc_kind, \
                 fp.loc FROM items i LEFT JOIN LATERAL ({PROV_SELECT} LIMIT 1) fp ON true \
                 ORDER BY i.time, i.platform, i.platform_id"
        )
    } else {
        format!("SELECT {ITEM_COLUMNS} FROM items i ORDER BY i.id")
    };
    let mut tx = client.transaction().at(url)?;
    let params: [&(dyn ToSql + Sync); 0] = [];
    let mut rows = tx.query_raw(sql.as_str(), params).at(url)?;
    while let Some(r) = rows.next().at(url)? {
        let mut item = item_from_row(&r, &actors)?;
        if sorted && r.try_get::<_, String>(ITEM_COLUMN_COUNT).is_ok() {
            item.provenance = provenance_from_row(&r, ITEM_COLUMN_COUNT)?;
        }
        f(&item);
    }
    drop(rows);
    tx.commit().at(url)
}

/// Writes a batch inside `tx`: a fixed number of statements whatever the batch size.
pub(crate) fn write_items(
    tx: &mut Transaction<'_>,
    url: &PgUrl,
    items: &[Item],
) -> Result<InsertOutcome> {
    let mut out = InsertOutcome::default();
    if items.is_empty() {
        return Ok(out);
    }
    // Actors, merged over the batch and sorted: concurrent writers then lock rows in one order.
    let mut actors: BTreeMap<(&str, &str), Actor> = BTreeMap::new();
    for it in items {
        actors
            .entry((it.platform.as_str(), it.actor.platform_id.as_str()))
            .and_modify(|a| a.fill_in(&it.actor))
            .or_insert_with(|| it.actor.clone());
    }
    {
        let (mut p, mut pid, mut kind, mut handle, mut name, mut created, mut followers) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for ((plat, id), a) in &actors {
            p.push(*plat);
            pid.push(*id);
            kind.push(a.kind.as_str());
            handle.push(a.handle.as_deref());
            name.push(a.name.as_deref());
            created.push(a.created_at);
            followers.push(a.followers.map(clamp_u64));
        }
        tx.execute(
            "INSERT INTO actors AS a (platform, platform_id, kind, handle, name, created_at, \
             followers) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
             $5::text[], $6::int8[], $7::int8[]) \
             ON CONFLICT (platform, platform_id) DO UPDATE SET \
             handle = coalesce(a.handle, excluded.handle), name = coalesce(a.name, excluded.name), \
             created_at = coalesce(a.created_at, excluded.created_at), \
             followers = coalesce(a.followers, excluded.followers) \
             WHERE (a.handle IS NULL AND excluded.handle IS NOT NULL) \
             OR (a.name IS NULL AND excluded.name IS NOT NULL) \
             OR (a.created_at IS NULL AND excluded.created_at IS NOT NULL) \
             OR (a.followers IS NULL AND excluded.followers IS NOT NULL)",
            &[&p, &pid, &kind, &handle, &name, &created, &followers],
        )
        .at(url)?;
    }
    let actor_ids = lookup_ids(tx, url, "actors", actors.keys().map(|(p, id)| (*p, *id)))?;

    // Files: items of a file nobody began still need a row for their provenance; it stays
    // partial, which is the truth.
    let mut files: BTreeMap<&str, (&str, u32)> = BTreeMap::new();
    for it in items {
        let p = &it.provenance;
        files
            .entry(p.file_sha256.as_str())
            .or_insert((p.importer.as_str(), p.importer_version));
    }
    let shas: Vec<&str> = files.keys().copied().collect();
    let importers: Vec<&str> = files.values().map(|v| v.0).collect();
    let versions: Vec<i32> = files
        .values()
        .map(|v| i32::try_from(v.1).unwrap_or(i32::MAX))
        .collect();
    tx.execute(
        "INSERT INTO files (sha256, path, size, importer, importer_version) \
         SELECT s, '', 0, i, v FROM unnest($1::text[], $2::text[], $3::int4[]) AS t(s, i, v) \
         ON CONFLICT (sha256) DO NOTHING",
        &[&shas, &importers, &versions],
    )
    .at(url)?;
    let file_ids: HashMap<String, i64> = tx
        .query(
            "SELECT sha256, id FROM files WHERE sha256 = ANY($1)",
            &[&shas],
        )
        .at(url)?
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
        .collect();

    // Item keys: the first record of each key in the batch is the one stored. Sorted by key so
    // that concurrent writers wait on each other in one order.
    let mut first: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        first
            .entry((it.platform.as_str(), it.platform_id.as_str()))
            .or_insert(i);
    }
    let kp: Vec<&str> = first.keys().map(|k| k.0).collect();
    let kid: Vec<&str> = first.keys().map(|k| k.1).collect();
    let ktime: Vec<i64> = first.values().map(|&i| items[i].time).collect();
    let new_rows = tx
        .query(
            "INSERT INTO item_keys (platform, platform_id, time) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) \
             ON CONFLICT (platform, platform_id) DO NOTHING RETURNING platform, platform_id, id",
            &[&kp, &kid, &ktime],
        )
        .at(url)?;
    let mut item_ids: HashMap<(String, String), i64> = HashMap::with_capacity(items.len());
    let mut fresh: Vec<(usize, i64)> = Vec::with_capacity(new_rows.len());
    for r in &new_rows {
        let key = (r.get::<_, String>(0), r.get::<_, String>(1));
        let id: i64 = r.get(2);
        if let Some(&i) = first.get(&(key.0.as_str(), key.1.as_str())) {
            fresh.push((i, id));
        }
        item_ids.insert(key, id);
    }
    if item_ids.len() < first.len() {
        let old = lookup_ids(tx, url, "item_keys", first.keys().map(|(p, id)| (*p, *id)))?;
        for (k, id) in old {
            item_ids.entry(k).or_insert(id);
        }
    }
    out.new_items = fresh.len() as u64;
    out.duplicates = (items.len() - fresh.len()) as u64;

    if !fresh.is_empty() {
        fresh.sort_unstable_by_key(|f| f.1);
        let n = fresh.len();
        let mut c = ItemColumns::with_capacity(n);
        for &(i, id) in &fresh {
            let it = &items[i];
            let actor = actor_ids
                .get(&(
                    it.platform.as_str().to_string(),
                    it.actor.platform_id.clone(),
                ))
                .copied()
                .ok_or_else(|| StoreError::corrupt("actor id", &it.actor.platform_id))?;
            c.push(id, actor, it)?;
        }
        tx.execute(
            "INSERT INTO items (id, time, platform, platform_id, actor_id, kind, text, match_text, \
             lang, lang_conf, lang_hint, repost_of, reply_to, quote_of, urls, hashtags, mentions, \
             meta) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::int8[], \
             $6::text[], $7::text[], $8::text[], $9::text[], $10::float4[], $11::text[], \
             $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], \
             $18::text[])",
            &[
                &c.id,
                &c.time,
                &c.platform,
                &c.platform_id,
                &c.actor,
                &c.kind,
                &c.text,
                &c.match_text,
                &c.lang,
                &c.lang_conf,
                &c.lang_hint,
                &c.repost_of,
                &c.reply_to,
                &c.quote_of,
                &c.urls,
                &c.hashtags,
                &c.mentions,
                &c.meta,
            ],
        )
        .at(url)?;
        let mut counts: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for &(i, _) in &fresh {
            *counts
                .entry((items[i].platform.as_str(), items[i].lang.as_str()))
                .or_default() += 1;
        }
        let cp: Vec<&str> = counts.keys().map(|k| k.0).collect();
        let cl: Vec<&str> = counts.keys().map(|k| k.1).collect();
        let cn: Vec<i64> = counts.values().copied().collect();
        tx.execute(
            "INSERT INTO item_counts AS c (platform, lang, items) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) \
             ON CONFLICT (platform, lang) DO UPDATE SET items = c.items + excluded.items",
            &[&cp, &cl, &cn],
        )
        .at(url)?;
    }

    // Provenance, one row per item and place; repeats (within the batch too) add nothing.
    let mut prov: Vec<(i64, i64, i16, i64, &str, i32)> = Vec::with_capacity(items.len());
    for it in items {
        let key = (it.platform.as_str().to_string(), it.platform_id.clone());
        let item_id = item_ids
            .get(&key)
            .copied()
            .ok_or_else(|| StoreError::corrupt("item id", &it.platform_id))?;
        let p = &it.provenance;
        let file_id = file_ids
            .get(&p.file_sha256)
            .copied()
            .ok_or_else(|| StoreError::corrupt("file id", &p.file_sha256))?;
        let (lk, l) = locator_to_db(p.locator);
        prov.push((
            item_id,
            file_id,
            lk,
            l,
            p.importer.as_str(),
            i32::try_from(p.importer_version).unwrap_or(i32::MAX),
        ));
    }
    prov.sort_unstable_by_key(|p| (p.0, p.1, p.2, p.3));
    let added = tx
        .execute(
            "INSERT INTO provenance (item_id, file_id, loc_kind, loc, importer, importer_version) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::int2[], $4::int8[], $5::text[], \
             $6::int4[]) ON CONFLICT DO NOTHING",
            &[
                &prov.iter().map(|p| p.0).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.1).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.2).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.3).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.4).collect::<Vec<_>>(),
                &prov.iter().map(|p| p.5).collect::<Vec<_>>(),
            ],
        )
        .at(url)?;
    out.new_provenance = added;
    Ok(out)
}

/// Ids of `(platform, platform_id)` keys in `table` (`actors` or `item_keys`).
fn lookup_ids<'k>(
    tx: &mut Transaction<'_>,
    url: &PgUrl,
    table: &str,
    keys: impl Iterator<Item = (&'k str, &'k str)>,
) -> Result<HashMap<(String, String), i64>> {
    let (p, id): (Vec<&str>, Vec<&str>) = keys.unzip();
    let rows = tx
        .query(
            &format!(
                "SELECT t.platform, t.platform_id, t.id FROM {table} t \
                 JOIN unnest($1::text[], $2::text[]) AS k(p, i) \
                 ON t.platform = k.p AND t.platform_id = k.i"
            ),
            &[&p, &id],
        )
        .at(url)?;
    Ok(rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect())
}

/// The columns of a batch of new items, as arrays for `unnest`.
#[derive(Default)]
struct ItemColumns<'a> {
    id: Vec<i64>,
    time: Vec<i64>,
    platform: Vec<&'a str>,
    platform_id: Vec<&'a str>,
    actor: Vec<i64>,
    kind: Vec<&'a str>,
    text: Vec<&'a str>,
    match_text: Vec<&'a str>,
    lang: Vec<&'a str>,
    lang_conf: Vec<f32>,
    lang_hint: Vec<Option<&'a str>>,
    repost_of: Vec<Option<&'a str>>,
    reply_to: Vec<Option<&'a str>>,
    quote_of: Vec<Option<&'a str>>,
    urls: Vec<Option<String>>,
    hashtags: Vec<Option<String>>,
    mentions: Vec<Option<String>>,
    meta: Vec<Option<String>>,
}

impl<'a> ItemColumns<'a> {
    fn with_capacity(n: usize) -> Self {
        let mut c = ItemColumns::default();
        c.id.reserve(n);
        c.text.reserve(n);
        c
    }

    fn push(&mut self, id: i64, actor: i64, it: &'a Item) -> Result<()> {
        self.id.push(id);
        self.time.push(it.time);
        self.platform.push(it.platform.as_str());
        self.platform_id.push(&it.platform_id);
        self.actor.push(actor);
        self.kind.push(it.kind.as_str());
        self.text.push(&it.text);
        self.match_text.push(&it.match_text);
        self.lang.push(&it.lang);
        self.lang_conf.push(codec::finite_or_zero(it.lang_conf));
        self.lang_hint.push(it.lang_hint.as_deref());
        self.repost_of.push(it.repost_of.as_deref());
        self.reply_to.push(it.reply_to.as_deref());
        self.quote_of.push(it.quote_of.as_deref());
        self.urls.push(codec::urls_to_json(&it.urls)?);
        self.hashtags.push(codec::list_to_json(&it.hashtags)?);
        self.mentions.push(codec::list_to_json(&it.mentions)?);
        self.meta.push(codec::meta_to_json(it)?);
        Ok(())
    }
}

/// The item columns read back, in [`item_from_row`]'s order.
const ITEM_COLUMNS: &str = "i.platform, i.platform_id, i.actor_id, i.kind, i.time, i.text, \
                            i.match_text, i.lang, i.lang_conf, i.lang_hint, i.repost_of, \
                            i.reply_to, i.quote_of, i.urls, i.hashtags, i.mentions, i.meta, \
                            i.id";
const ITEM_COLUMN_COUNT: usize = 18;

/// The first-provenance subquery for item `i`: sha256, importer, importer_version, loc_kind, loc.
const PROV_SELECT: &str = "SELECT f.sha256, p.importer, p.importer_version, p.loc_kind, p.loc \
                           FROM provenance p JOIN files f ON f.id = p.file_id \
                           WHERE p.item_id = i.id ORDER BY p.file_id, p.loc_kind, p.loc";

fn item_from_row(r: &Row, actors: &HashMap<i64, Actor>) -> Result<Item> {
    let cols = codec::ItemCols {
        platform: r.get(0),
        platform_id: r.get(1),
        actor_id: r.get(2),
        kind: r.get(3),
        time: r.get(4),
        text: r.get(5),
        match_text: r.get(6),
        lang: r.get(7),
        lang_conf: r.get(8),
        lang_hint: r.get(9),
        repost_of: r.get(10),
        reply_to: r.get(11),
        quote_of: r.get(12),
        urls: r.get(13),
        hashtags: r.get(14),
        mentions: r.get(15),
        meta: r.get(16),
    };
    let mut it = codec::empty_item();
    codec::fill_item(&mut it, &cols, actors)?;
    Ok(it)
}

/// Columns from `start`: platform_id, handle, name, kind, created_at, followers.
fn actor_from_row(r: &Row, start: usize) -> Result<Actor> {
    codec::actor_from_db(
        r.get(start),
        r.get(start + 1),
        r.get(start + 2),
        r.get(start + 3),
        r.get(start + 4),
        r.get(start + 5),
    )
}

/// Columns from `start`: sha256, importer, importer_version, loc_kind, loc.
fn provenance_from_row(r: &Row, start: usize) -> Result<Provenance> {
    codec::provenance_from_db(
        r.get(start),
        r.get(start + 1),
        u32::try_from(r.get::<_, i32>(start + 2)).unwrap_or(0),
        i64::from(r.get::<_, i16>(start + 3)),
        r.get(start + 4),
    )
}

/// Counts over the whole store.
pub(crate) fn stats(c: &mut Client, url: &PgUrl) -> Result<Stats> {
    let r = c
        .query_one(
            "SELECT (SELECT count(*) FROM item_keys), (SELECT count(*) FROM actors), \
             (SELECT count(*) FROM files), (SELECT count(*) FROM provenance), \
             (SELECT coalesce(sum(errors), 0)::int8 FROM files)",
            &[],
        )
        .at(url)?;
    let mut s = Stats {
        items: count(r.get(0)),
        actors: count(r.get(1)),
        files: count(r.get(2)),
        provenance: count(r.get(3)),
        errors: count(r.get(4)),
        ..Stats::default()
    };
    for r in c
        .query(
            "SELECT platform, CASE WHEN lang = '' THEN 'und' ELSE lang END, items \
             FROM item_counts",
            &[],
        )
        .at(url)?
    {
        let n = count(r.get(2));
        *s.by_platform.entry(r.get(0)).or_default() += n;
        *s.by_language.entry(r.get(1)).or_default() += n;
    }
    Ok(s)
}

/// Every item, as the detectors read them.
pub(crate) fn load_corpus(c: &mut Client, url: &PgUrl) -> Result<Corpus> {
    let n: i64 = c
        .query_one("SELECT count(*) FROM item_keys", &[])
        .at(url)?
        .get(0);
    let mut b = CorpusBuilder::with_capacity(usize::try_from(n).unwrap_or(0));
    scan(c, url, false, &mut |it| b.push(it))?;
    Ok(b.finish())
}

/// One item by its platform id, with all its provenance.
pub(crate) fn item(
    c: &mut Client,
    url: &PgUrl,
    platform: Platform,
    platform_id: &str,
) -> Result<Option<StoredItem>> {
    let Some(k) = c
        .query_opt(
            "SELECT id, time FROM item_keys WHERE platform = $1 AND platform_id = $2",
            &[&platform.as_str(), &platform_id],
        )
        .at(url)?
    else {
        return Ok(None);
    };
    let (id, time): (i64, i64) = (k.get(0), k.get(1));
    let Some(r) = c
        .query_opt(
            &format!(
                "SELECT {ITEM_COLUMNS}, a.platform_id, a.handle, a.name, a.kind, \
                 a.created_at, a.followers FROM items i JOIN actors a ON a.id = i.actor_id \
                 WHERE i.time = $1 AND i.id = $2"
            ),
            &[&time, &id],
        )
        .at(url)?
    else {
        return Ok(None);
    };
    let actors = HashMap::from([(r.get::<_, i64>(2), actor_from_row(&r, ITEM_COLUMN_COUNT)?)]);
    let item = item_from_row(&r, &actors)?;
    let provenance = c
        .query(&PROV_SELECT.replace("i.id", "$1"), &[&id])
        .at(url)?
        .iter()
        .map(|r| provenance_from_row(r, 0))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(StoredItem::new(item, provenance)))
}
