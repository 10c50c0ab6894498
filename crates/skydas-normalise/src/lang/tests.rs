use super::*;

/// Sentences per language: short posts (3–6 words) first, then longer ones.
const SAMPLES: &[(&str, &[&str])] = &[
    (
        "ru",
        &[
            "Это просто ужасно, ребята",
            "Что происходит в стране?",
            "Спасибо всем за поддержку!",
            "Сегодня будет очень холодно",
            "Мы ещё не знаем, кто это сделал",
            "Западные СМИ снова врут о России",
            "Власти Литвы заявили, что на границе с Беларусью задержали группу мигрантов, которые пытались пройти ночью.",
            "В Москве прошла встреча министров иностранных дел, на которой обсуждались новые экономические соглашения.",
            "Подписывайтесь на наш канал, чтобы первыми узнавать самые важные новости дня.",
        ],
    ),
    (
        "uk",
        &[
            "Це просто жахливо, друзі",
            "Що відбувається в країні?",
            "Дякую всім за підтримку!",
            "Сьогодні буде дуже холодно",
            "Ми ще не знаємо, хто це зробив",
            "Слава Україні, героям слава!",
            "У Києві вночі лунали вибухи, сили протиповітряної оборони працювали по ворожих дронах.",
            "Уряд ухвалив рішення про нові виплати для внутрішньо переміщених осіб з наступного місяця.",
            "Підписуйтесь на наш канал, щоб першими дізнаватися про найважливіші новини дня.",
        ],
    ),
    (
        "be",
        &[
            "Гэта проста жахліва, сябры",
            "Што адбываецца ў краіне?",
            "Дзякуй усім за падтрымку!",
            "Сёння будзе вельмі холадна",
            "Мы яшчэ не ведаем, хто гэта зрабіў",
            "Жыве Беларусь!",
            "У Мінску зноў затрымалі журналістаў, якія здымалі акцыю салідарнасці з палітвязнямі.",
            "Беларуская мова павінна гучаць у школах, універсітэтах і на вуліцах нашых гарадоў.",
            "Падпісвайцеся на наш канал, каб першымі даведвацца пра самыя важныя навіны дня.",
        ],
    ),
    (
        "lt",
        &[
            "Tai tiesiog baisu, draugai",
            "Kas vyksta šalyje?",
            "Ačiū visiems už palaikymą!",
            "Šiandien bus labai šalta",
            "Mes dar nežinome, kas tai padarė",
            "Lietuvos kariuomenė pradėjo pratybas",
            "Vilniuje šiandien vyko protestas prieš naujus mokesčius, į gatves išėjo keli tūkstančiai žmonių.",
            "Seimas priėmė įstatymą, pagal kurį nuo kitų metų bus didinamos pensijos ir socialinės išmokos.",
            "Prenumeruokite mūsų kanalą ir pirmieji sužinokite svarbiausias dienos naujienas.",
        ],
    ),
    (
        "lv",
        &[
            "Tas ir vienkārši briesmīgi, draugi",
            "Kas notiek valstī?",
            "Paldies visiem par atbalstu!",
            "Šodien būs ļoti auksts",
            "Mēs vēl nezinām, kas to izdarīja",
            "Latvijas armija sāka mācības",
            "Rīgā šodien notika protests pret jaunajiem nodokļiem, ielās izgāja vairāki tūkstoši cilvēku.",
            "Saeima pieņēma likumu, saskaņā ar kuru no nākamā gada tiks palielinātas pensijas un pabalsti.",
            "Abonējiet mūsu kanālu un uzziniet svarīgākās dienas ziņas pirmie.",
        ],
    ),
    (
        "et",
        &[
            "See on lihtsalt kohutav, sõbrad",
            "Mis riigis toimub?",
            "Aitäh kõigile toetuse eest!",
            "Täna on väga külm",
            "Me ei tea veel, kes seda tegi",
            "Eesti kaitsevägi alustas õppusi",
            "Tallinnas toimus täna meeleavaldus uute maksude vastu, tänavatele tuli mitu tuhat inimest.",
            "Riigikogu võttis vastu seaduse, mille järgi tõstetakse järgmisest aastast pensione ja toetusi.",
            "Telli meie kanal ja saa päeva tähtsamad uudised esimesena teada.",
        ],
    ),
    (
        "pl",
        &[
            "To jest po prostu straszne",
            "Co się dzieje w kraju?",
            "Dziękuję wszystkim za wsparcie!",
            "Dzisiaj będzie bardzo zimno",
            "Jeszcze nie wiemy, kto to zrobił",
            "Polska armia rozpoczęła ćwiczenia",
            "W Warszawie odbył się dziś protest przeciwko nowym podatkom, na ulice wyszło kilka tysięcy osób.",
            "Sejm przyjął ustawę, zgodnie z którą od przyszłego roku wzrosną emerytury i świadczenia socjalne.",
            "Subskrybuj nasz kanał i jako pierwszy poznawaj najważniejsze wiadomości dnia.",
        ],
    ),
    (
        "fi",
        &[
            "Tämä on aivan kamalaa, ystävät",
            "Mitä maassa tapahtuu?",
            "Kiitos kaikille tuesta!",
            "Tänään on todella kylmä",
            "Emme vielä tiedä, kuka sen teki",
            "Suomen puolustusvoimat aloitti harjoituksen",
            "Helsingissä järjestettiin tänään mielenosoitus uusia veroja vastaan, kaduille lähti useita tuhansia ihmisiä.",
            "Eduskunta hyväksyi lain, jonka mukaan eläkkeitä ja tukia korotetaan ensi vuoden alusta.",
            "Tilaa kanavamme ja kuule päivän tärkeimmät uutiset ensimmäisenä.",
        ],
    ),
    (
        "en",
        &[
            "This is just terrible, friends",
            "What is happening in the country?",
            "Thank you all for the support!",
            "It will be very cold today",
            "We still don't know who did it",
            "Breaking: explosions reported near the border",
            "Thousands of people marched through the capital today to protest against the new taxes announced last week.",
            "The parliament passed a law under which pensions and social benefits will be raised from next year.",
            "Subscribe to our channel and be the first to get the most important news of the day.",
        ],
    ),
    (
        "de",
        &[
            "Das ist einfach schrecklich, Freunde",
            "Was passiert im Land?",
            "Danke an alle für die Unterstützung!",
            "Heute wird es sehr kalt",
            "Wir wissen noch nicht, wer das getan hat",
            "Die Bundeswehr beginnt ein Manöver",
            "In Berlin demonstrierten heute mehrere tausend Menschen gegen die neuen Steuern der Regierung.",
            "Der Bundestag hat ein Gesetz beschlossen, nach dem die Renten ab dem nächsten Jahr steigen.",
            "Abonniert unseren Kanal und erfahrt als Erste die wichtigsten Nachrichten des Tages.",
        ],
    ),
    (
        "fr",
        &[
            "C'est vraiment terrible, les amis",
            "Que se passe-t-il dans le pays ?",
            "Merci à tous pour votre soutien !",
            "Il fera très froid aujourd'hui",
            "Nous ne savons pas encore qui l'a fait",
            "Des milliers de personnes ont manifesté à Paris contre la nouvelle réforme des retraites.",
        ],
    ),
    (
        "es",
        &[
            "Esto es simplemente terrible, amigos",
            "¿Qué está pasando en el país?",
            "¡Gracias a todos por el apoyo!",
            "Hoy va a hacer mucho frío",
            "Todavía no sabemos quién lo hizo",
            "Miles de personas se manifestaron en Madrid contra la nueva reforma de las pensiones.",
        ],
    ),
    (
        "sv",
        &[
            "Det är helt enkelt hemskt, vänner",
            "Vad händer i landet?",
            "Tack alla för stödet!",
            "Idag blir det mycket kallt",
            "Vi vet ännu inte vem som gjorde det",
            "Tusentals människor demonstrerade i Stockholm mot regeringens nya skatter på lördagen.",
        ],
    ),
];

#[test]
fn accuracy_per_language() {
    let mut failures = Vec::new();
    for (lang, sentences) in SAMPLES {
        let mut ok = 0;
        for s in *sentences {
            let (got, conf) = detect(s);
            if got == *lang {
                ok += 1;
            } else {
                failures.push(format!("{lang}: {s:?} -> {got} ({conf:.2})"));
            }
        }
        let acc = ok as f32 / sentences.len() as f32;
        assert!(
            acc >= 0.9,
            "{lang}: accuracy {acc:.2} below 0.9; failures:\n{}",
            failures.join("\n")
        );
    }
}

/// Exact cases: near languages on short texts, and what must be `und`.
fn check(text: &str, expected: &str) {
    let (got, conf) = detect(text);
    assert_eq!(got, expected, "detect({text:?}) gave {got} ({conf:.2})");
    if expected == "und" {
        assert_eq!(conf, 0.0);
    } else {
        assert!(conf > 0.4 && conf <= 1.0, "confidence {conf} for {text:?}");
    }
}

#[test]
fn tricky_pairs() {
    // uk vs ru
    check("Він сказав, що прийде", "uk");
    check("Он сказал, что придёт", "ru");
    check("Я не знаю, що робити", "uk");
    check("Я не знаю, что делать", "ru");
    check("Де ти був учора?", "uk");
    check("Где ты был вчера?", "ru");
    // be vs ru
    check("Я не ведаю, што рабіць", "be");
    check("Дзе ты быў учора?", "be");
    check("Сёння ўсё добра", "be");
    check("Сегодня всё хорошо", "ru");
    // lt vs lv
    check("Aš nežinau, ką daryti", "lt");
    check("Es nezinu, ko darīt", "lv");
    check("Labas rytas, Lietuva!", "lt");
    check("Labrīt, Latvija!", "lv");
    // et vs fi
    check("Ma ei tea, mida teha", "et");
    check("En tiedä, mitä tehdä", "fi");
    check("Tere hommikust, Eesti!", "et");
    check("Hyvää huomenta, Suomi!", "fi");
    // pl vs other Latin
    check("Nie wiem, co robić", "pl");
    check("Dzień dobry, Polsko!", "pl");
    check("Ich weiß nicht, was ich tun soll", "de");
    check("I don't know what to do", "en");
}

#[test]
fn undetermined() {
    check("", "und");
    check("🔥🔥🔥 👍", "und");
    check("https://t.me/rian_ru/12345", "und");
    check("https://lrt.lt/a https://delfi.lt/b", "und");
    check("12345 67.89 +370 600 00000", "und");
    check("@nexta_tv #Belarus", "und");
    check("ok", "und");
    check("北京欢迎你，朋友们", "und");
    // Half Russian, half English.
    check(
        "Breaking news: Россия заявила о новых санкциях against our economy",
        "und",
    );
}

#[test]
fn never_folds_uk_or_be_into_ru() {
    // Russian words with Ukrainian letters: not Russian.
    for s in ["Це все", "її", "Київ сьогодні", "ґанок є"] {
        let (l, _) = detect(s);
        assert_ne!(l, "ru", "{s:?}");
    }
    for s in ["Ён ўсё", "ўсё добра", "Я ведаю ўсё"] {
        let (l, _) = detect(s);
        assert_ne!(l, "ru", "{s:?}");
    }
}

#[test]
fn decorations_are_ignored() {
    check(
        "🔥🔥 Сьогодні в Києві знову вибухи https://t.me/x/1 #Київ @someone",
        "uk",
    );
    check("ЗРАДА!!! Це кінець 😡😡😡", "uk");
    check("ŠIANDIEN VILNIUJE PROTESTAS!!!", "lt");
}

#[test]
fn hint_is_a_weak_prior() {
    // Strong evidence beats a wrong hint.
    assert_eq!(
        detect_with_hint("Сьогодні буде дуже холодно", Some("ru")).0,
        "uk"
    );
    assert_eq!(
        detect_with_hint("Wir wissen es noch nicht", Some("en")).0,
        "de"
    );
    // Meaningless hints change nothing.
    let text = "Šiandien bus labai šalta";
    for h in ["und", "qme", "zxx", "", "xx-YY"] {
        assert_eq!(detect_with_hint(text, Some(h)), detect(text), "hint {h:?}");
    }
    // Region subtags are accepted.
    assert_eq!(hint_index(Some("pt-BR")), None);
    assert_eq!(hint_index(Some("en-GB")), Some(EN));
    assert_eq!(hint_index(Some("eng")), None);
}

#[test]
fn letter_fast_paths_agree_with_unicode() {
    for c in (0u32..0x3000).filter_map(char::from_u32) {
        assert_eq!(
            super::is_letter(c),
            c.is_alphabetic(),
            "{c:?} U+{:04X}",
            c as u32
        );
    }
}

#[test]
fn short_substring_search() {
    let cases = [
        ("schule", "sch", true),
        ("tz", "tz", true),
        ("t", "tz", false),
        ("", "th", false),
        ("päivää", "ää", true),
        ("pääsy", "öö", false),
        ("абшчы", "шч", true),
        ("abc", "abcd", false),
        ("xprzy", "prz", true),
        ("a://b", "://", true),
    ];
    for (w, needle, expected) in cases {
        assert_eq!(super::has(w, needle), expected, "has({w:?}, {needle:?})");
        assert_eq!(w.contains(needle), expected, "contains({w:?}, {needle:?})");
    }
    for (w, expected) in [
        ("saada", true),
        ("yy", true),
        ("ab", false),
        ("öö", true),
        ("aä", false),
    ] {
        assert_eq!(super::has_double_vowel(w), expected, "{w:?}");
    }
}
