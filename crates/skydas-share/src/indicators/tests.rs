use super::*;

fn opts(tlp: Option<Tlp>) -> ListOptions<'static> {
    ListOptions {
        list: "ops",
        source: "file:ops.txt",
        tlp,
    }
}

type Row = (String, String, Option<Platform>, Tlp);

fn got(p: &Parsed) -> Vec<Row> {
    p.indicators
        .iter()
        .map(|i| {
            (
                i.kind.as_str().to_string(),
                i.value.clone(),
                i.platform,
                i.tlp,
            )
        })
        .collect()
}

/// Parses `text` with the test options, checking that it is read as `format`.
fn parse_as(text: &str, tlp: Option<Tlp>, format: &str) -> Parsed {
    let p = parse(text, &opts(tlp)).unwrap();
    assert_eq!(p.format, format);
    p
}

fn row(k: &str, v: &str, p: Option<Platform>, t: Tlp) -> Row {
    (k.to_string(), v.to_string(), p, t)
}

#[test]
fn plain_lists_read_each_value_by_its_shape_and_skip_what_is_none() {
    let text = "# Doppelganger, from a public report\n\
                spiegel[.]ltd\n\
                hxxps://rrn.media/a/b\n\
                @SomeOp   # a channel\n\
                https://t.me/rybar\n\
                1234567\n\
                not a domain\n\
                \n\
                bild.ltd\n";
    let p = parse_as(text, None, "text");
    assert_eq!(
        got(&p),
        [
            row("domain", "spiegel.ltd", None, Tlp::Amber),
            row("url", "https://rrn.media/a/b", None, Tlp::Amber),
            row("actor", "@SomeOp", None, Tlp::Amber),
            row("actor", "@rybar", Some(Platform::Telegram), Tlp::Amber),
            row("url", "https://t.me/rybar", None, Tlp::Amber),
            row("actor", "1234567", None, Tlp::Amber),
            row("domain", "bild.ltd", None, Tlp::Amber),
        ]
    );
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].at, "line 7");
}

#[test]
fn csv_with_types_labels_platforms_and_markings() {
    let text = "type,value,comment,platform,tlp\n\
                domain,welt.ltd,clone of welt.de,,green\n\
                url,https://faz.ltd/politik,,,\n\
                account,someop,,telegram,red\n\
                ip-dst,1.2.3.4,,,\n\
                domain,x.example,,,purple\n";
    let p = parse_as(text, Some(Tlp::Amber), "csv");
    assert_eq!(
        got(&p),
        [
            row("domain", "welt.ltd", None, Tlp::Amber),
            row("url", "https://faz.ltd/politik", None, Tlp::Amber),
            row("actor", "@someop", Some(Platform::Telegram), Tlp::Red),
        ],
        "--tlp raises a lower marking, never lowers one"
    );
    assert_eq!(p.indicators[0].label, "clone of welt.de");
    let reasons: Vec<&str> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(
        reasons,
        ["type \"ip-dst\" is not matched", "unknown TLP \"purple\""]
    );
    let domains = parse("domain\nwelt.ltd\n", &opts(None)).unwrap();
    assert_eq!(got(&domains), [row("domain", "welt.ltd", None, Tlp::Amber)]);
}

#[test]
fn stix_bundles_give_domains_urls_and_accounts_with_their_markings() {
    let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
    let v = serde_json::json!({
        "type": "bundle", "id": "bundle--1", "spec_version": "2.1",
        "objects": [
            {"type": "indicator", "id": "indicator--1", "spec_version": "2.1",
             "pattern_type": "stix", "object_marking_refs": [green],
             "pattern": "[domain-name:value = 'rrn.media'] OR [url:value = 'https://t.me/rybar/1']"},
            {"type": "user-account", "id": "user-account--1", "account_login": "someop",
             "account_type": "telegram", "object_marking_refs": [green]},
            {"type": "domain-name", "id": "domain-name--1", "value": "unmarked.example"}
        ]
    });
    let p = parse_as(&v.to_string(), None, "stix");
    assert_eq!(
        got(&p),
        [
            row("domain", "rrn.media", None, Tlp::Green),
            row("domain", "unmarked.example", None, Tlp::AmberStrict),
            row("url", "https://t.me/rybar/1", None, Tlp::Green),
            row("actor", "@someop", Some(Platform::Telegram), Tlp::Green),
        ]
    );
}

#[test]
fn misp_events_and_warninglists() {
    let ev = serde_json::json!({"Event": {
        "info": "Doppelganger",
        "Tag": [{"name": "tlp:green"}],
        "Attribute": [
            {"type": "domain", "value": "spiegel.ltd"},
            {"type": "url", "value": "https://bild.ltd/x", "Tag": [{"name": "tlp:red"}]},
            {"type": "domain|ip", "value": "welt.ltd|1.2.3.4"},
            {"type": "ip-dst", "value": "1.2.3.4"}
        ],
        "Object": [{"name": "telegram-account", "Attribute": [
            {"type": "text", "object_relation": "username", "value": "someop"}
        ]}]
    }});
    let p = parse_as(&ev.to_string(), None, "misp-event");
    assert_eq!(
        got(&p),
        [
            row("domain", "spiegel.ltd", None, Tlp::Green),
            row("url", "https://bild.ltd/x", None, Tlp::Red),
            row("domain", "welt.ltd", None, Tlp::Green),
            row("actor", "@someop", Some(Platform::Telegram), Tlp::Green),
        ]
    );
    assert_eq!(p.skipped.len(), 1);
    let wl = serde_json::json!({"name": "Known portals", "type": "hostname",
        "list": ["pravda-en.com", "news-pravda.com", 7]});
    let p = parse_as(&wl.to_string(), None, "misp-warninglist");
    assert_eq!(p.indicators.len(), 2);
    assert_eq!(p.skipped[0].at, "entry 3");
}

#[test]
fn json_that_is_no_indicator_file_is_refused_with_where() {
    assert_eq!(
        parse("{\"a\": 1}", &opts(None)).unwrap_err(),
        ListError::UnknownJson
    );
    match parse("{\n \"type\": \"bundle\",\n", &opts(None)).unwrap_err() {
        ListError::Json { line, .. } => assert_eq!(line, 3),
        e => panic!("{e}"),
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,200}") {
        let _ = parse(&s, &opts(None));
        let _ = classify(&s);
    }
}
