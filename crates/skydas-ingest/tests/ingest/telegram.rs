//! Telegram Desktop exports, single chat and full account.

use skydas_model::{ActorKind, ItemKind, Locator, Platform, UrlSource};

use crate::import;

#[test]
fn single_chat_export() {
    let out = import("telegram/telegram_chat.json");
    let summary = out.result.expect("imports");
    assert_eq!(
        (summary.importer.as_str(), summary.items, summary.errors),
        ("telegram", 4, 0)
    );
    assert!(out.errors.is_empty());

    // id kind repost_of reply_to locator
    let got: Vec<String> = out
        .items
        .iter()
        .map(|i| {
            format!(
                "{} {} {} {} {}",
                i.platform_id,
                i.kind.as_str(),
                i.repost_of.as_deref().unwrap_or("-"),
                i.reply_to.as_deref().unwrap_or("-"),
                i.provenance.locator
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            "1234567890/101 post - - #1",
            "1234567890/102 forward from:channel1101170442 - #2",
            "1234567890/103 forward from:name:Rybar - #3",
            "1234567890/104 reply - 1234567890/101 #4",
        ]
    );

    let first = &out.items[0];
    assert_eq!(first.platform, Platform::Telegram);
    assert_eq!(
        first.time, 1_708_754_700,
        "date_unixtime, not the local `date`"
    );
    assert_eq!(
        first.text,
        "Срочно: в Вильнюсе читайте https://lrt-news.ltd/article/1?utm_source=tg и здесь #Литва @baltnews"
    );
    let urls: Vec<(&str, UrlSource)> = first
        .urls
        .iter()
        .map(|u| (u.raw.as_str(), u.source))
        .collect();
    assert_eq!(
        urls,
        vec![
            (
                "https://lrt-news.ltd/article/1?utm_source=tg",
                UrlSource::Entity
            ),
            ("https://bit.ly/3xYz", UrlSource::TextLink)
        ]
    );
    assert_eq!(first.hashtags, vec!["Литва"]);
    assert_eq!(first.mentions, vec!["baltnews"]);
    assert_eq!(first.actor.platform_id, "1234567890");
    assert_eq!(first.actor.kind, ActorKind::Channel);
    assert_eq!(first.actor.name.as_deref(), Some("Новости Балтии"));
    assert_eq!(first.provenance.importer, "telegram");
    assert_eq!(first.provenance.file_sha256, "00ff");

    for it in &out.items {
        assert!(
            !it.text.contains("File not included"),
            "placeholder leaked: {}",
            it.text
        );
    }
    assert_eq!(out.items[2].text, "");
}

#[test]
fn full_account_export_walks_every_chat() {
    let out = import("telegram/telegram_account.json");
    let summary = out.result.expect("imports");
    assert_eq!((summary.items, summary.errors), (4, 0));
    // id actor actor-kind locator
    let got: Vec<String> = out
        .items
        .iter()
        .map(|i| {
            format!(
                "{} {} {} {}",
                i.platform_id,
                i.actor.platform_id,
                i.actor.kind.as_str(),
                i.provenance.locator
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            "1500000001/1 1500000001 channel #0",
            "1500000001/2 1500000001 channel #1",
            "1600000002/8 42 account #3",
            "1600000002/9 43 account #4",
        ]
    );
    let reply = &out.items[3];
    assert_eq!(
        (reply.kind, reply.reply_to.as_deref()),
        (ItemKind::Reply, Some("1600000002/8"))
    );
    assert_eq!(reply.text, "Katso Matti");
    assert!(reply.mentions.is_empty(), "mention_name has no username");
    assert_eq!(out.items[0].urls[0].raw, "https://lsm-lv.top/raksts");
    assert_eq!(out.items[0].provenance.locator, Locator::Record(0));
}
