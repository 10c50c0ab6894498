//! Per-language vocabulary and sentence templates for organic and planted text.
//!
//! Word lists are aligned by concept across languages (`NOUNS[i]` means the same thing in every
//! language), so that a planted "translation" can fill another language's template with the
//! same slots. Words stay in the nominative; templates are written around that.

/// The simulated language communities, in a fixed order used as an index everywhere.
pub const LANGS: [&str; 10] = ["ru", "uk", "lt", "lv", "et", "pl", "fi", "en", "be", "de"];

/// Index of a language code in [`LANGS`].
pub fn lang_index(code: &str) -> Option<usize> {
    LANGS.iter().position(|l| *l == code)
}

/// Share of accounts per community (sums to 1).
pub const LANG_WEIGHT: [f64; 10] = [0.22, 0.15, 0.12, 0.09, 0.07, 0.12, 0.08, 0.11, 0.02, 0.02];

/// UTC offset in hours of each community's daily rhythm (February: no summer time).
pub const LANG_TZ: [i64; 10] = [3, 2, 2, 2, 2, 1, 2, 0, 3, 1];

/// Topics (news, politics, sports, weather, everyday), one row per concept.
pub const NOUNS: [[&str; 10]; 24] = [
    [
        "правительство",
        "уряд",
        "vyriausybė",
        "valdība",
        "valitsus",
        "rząd",
        "hallitus",
        "the government",
        "урад",
        "die Regierung",
    ],
    [
        "парламент",
        "парламент",
        "Seimas",
        "Saeima",
        "Riigikogu",
        "Sejm",
        "eduskunta",
        "parliament",
        "парламент",
        "der Bundestag",
    ],
    [
        "президент",
        "президент",
        "prezidentas",
        "prezidents",
        "president",
        "prezydent",
        "presidentti",
        "the president",
        "прэзідэнт",
        "der Präsident",
    ],
    [
        "армия",
        "армія",
        "kariuomenė",
        "armija",
        "kaitsevägi",
        "wojsko",
        "armeija",
        "the army",
        "армія",
        "die Armee",
    ],
    [
        "цены",
        "ціни",
        "kainos",
        "cenas",
        "hinnad",
        "ceny",
        "hinnat",
        "prices",
        "цэны",
        "die Preise",
    ],
    [
        "погода",
        "погода",
        "orai",
        "laikapstākļi",
        "ilm",
        "pogoda",
        "sää",
        "the weather",
        "надвор'е",
        "das Wetter",
    ],
    [
        "выборы",
        "вибори",
        "rinkimai",
        "vēlēšanas",
        "valimised",
        "wybory",
        "vaalit",
        "the elections",
        "выбары",
        "die Wahlen",
    ],
    [
        "экономика",
        "економіка",
        "ekonomika",
        "ekonomika",
        "majandus",
        "gospodarka",
        "talous",
        "the economy",
        "эканоміка",
        "die Wirtschaft",
    ],
    [
        "энергетика",
        "енергетика",
        "energetika",
        "enerģētika",
        "energeetika",
        "energetyka",
        "energia",
        "energy",
        "энергетыка",
        "die Energie",
    ],
    [
        "граница",
        "кордон",
        "siena",
        "robeža",
        "piir",
        "granica",
        "raja",
        "the border",
        "мяжа",
        "die Grenze",
    ],
    [
        "школа",
        "школа",
        "mokykla",
        "skola",
        "kool",
        "szkoła",
        "koulu",
        "the school",
        "школа",
        "die Schule",
    ],
    [
        "больница",
        "лікарня",
        "ligoninė",
        "slimnīca",
        "haigla",
        "szpital",
        "sairaala",
        "the hospital",
        "бальніца",
        "das Krankenhaus",
    ],
    [
        "сборная по футболу",
        "збірна з футболу",
        "futbolo rinktinė",
        "futbola izlase",
        "jalgpallikoondis",
        "reprezentacja piłkarska",
        "jalkapallomaajoukkue",
        "the football team",
        "зборная па футболе",
        "die Nationalmannschaft",
    ],
    [
        "баскетбол",
        "баскетбол",
        "krepšinis",
        "basketbols",
        "korvpall",
        "koszykówka",
        "koripallo",
        "basketball",
        "баскетбол",
        "Basketball",
    ],
    [
        "санкции",
        "санкції",
        "sankcijos",
        "sankcijas",
        "sanktsioonid",
        "sankcje",
        "pakotteet",
        "sanctions",
        "санкцыі",
        "die Sanktionen",
    ],
    [
        "полиция",
        "поліція",
        "policija",
        "policija",
        "politsei",
        "policja",
        "poliisi",
        "the police",
        "міліцыя",
        "die Polizei",
    ],
    [
        "беженцы",
        "біженці",
        "pabėgėliai",
        "bēgļi",
        "põgenikud",
        "uchodźcy",
        "pakolaiset",
        "refugees",
        "уцекачы",
        "die Flüchtlinge",
    ],
    [
        "дроны",
        "дрони",
        "dronai",
        "droni",
        "droonid",
        "drony",
        "droonit",
        "drones",
        "дроны",
        "die Drohnen",
    ],
    [
        "мост",
        "міст",
        "tiltas",
        "tilts",
        "sild",
        "most",
        "silta",
        "the bridge",
        "мост",
        "die Brücke",
    ],
    [
        "бюджет",
        "бюджет",
        "biudžetas",
        "budžets",
        "eelarve",
        "budżet",
        "budjetti",
        "the budget",
        "бюджэт",
        "der Haushalt",
    ],
    [
        "НАТО", "НАТО", "NATO", "NATO", "NATO", "NATO", "Nato", "NATO", "НАТА", "die NATO",
    ],
    [
        "железная дорога",
        "залізниця",
        "geležinkelis",
        "dzelzceļš",
        "raudtee",
        "kolej",
        "rautatie",
        "the railway",
        "чыгунка",
        "die Bahn",
    ],
    [
        "концерт",
        "концерт",
        "koncertas",
        "koncerts",
        "kontsert",
        "koncert",
        "konsertti",
        "the concert",
        "канцэрт",
        "das Konzert",
    ],
    [
        "снег",
        "сніг",
        "sniegas",
        "sniegs",
        "lumi",
        "śnieg",
        "lumi",
        "snow",
        "снег",
        "der Schnee",
    ],
];

/// Cities, in each language's own spelling.
pub const PLACES: [[&str; 10]; 10] = [
    [
        "Вильнюс",
        "Вільнюс",
        "Vilnius",
        "Viļņa",
        "Vilnius",
        "Wilno",
        "Vilna",
        "Vilnius",
        "Вільня",
        "Vilnius",
    ],
    [
        "Рига", "Рига", "Ryga", "Rīga", "Riia", "Ryga", "Riika", "Riga", "Рыга", "Riga",
    ],
    [
        "Таллин",
        "Таллінн",
        "Talinas",
        "Tallina",
        "Tallinn",
        "Tallinn",
        "Tallinna",
        "Tallinn",
        "Талін",
        "Tallinn",
    ],
    [
        "Варшава",
        "Варшава",
        "Varšuva",
        "Varšava",
        "Varssavi",
        "Warszawa",
        "Varsova",
        "Warsaw",
        "Варшава",
        "Warschau",
    ],
    [
        "Хельсинки",
        "Гельсінкі",
        "Helsinkis",
        "Helsinki",
        "Helsingi",
        "Helsinki",
        "Helsinki",
        "Helsinki",
        "Хельсінкі",
        "Helsinki",
    ],
    [
        "Киев", "Київ", "Kyjivas", "Kijiva", "Kiiev", "Kijów", "Kiova", "Kyiv", "Кіеў", "Kyjiw",
    ],
    [
        "Минск",
        "Мінськ",
        "Minskas",
        "Minska",
        "Minsk",
        "Mińsk",
        "Minsk",
        "Minsk",
        "Мінск",
        "Minsk",
    ],
    [
        "Берлин",
        "Берлін",
        "Berlynas",
        "Berlīne",
        "Berliin",
        "Berlin",
        "Berliini",
        "Berlin",
        "Берлін",
        "Berlin",
    ],
    [
        "Брюссель",
        "Брюссель",
        "Briuselis",
        "Brisele",
        "Brüssel",
        "Bruksela",
        "Bryssel",
        "Brussels",
        "Брусель",
        "Brüssel",
    ],
    [
        "Москва",
        "Москва",
        "Maskva",
        "Maskava",
        "Moskva",
        "Moskwa",
        "Moskova",
        "Moscow",
        "Масква",
        "Moskau",
    ],
];

/// Short comments.
pub const COMMENTS: [[&str; 10]; 10] = [
    [
        "важно",
        "важливо",
        "svarbu",
        "svarīgi",
        "oluline",
        "ważne",
        "tärkeää",
        "important",
        "важна",
        "wichtig",
    ],
    [
        "странно",
        "дивно",
        "keista",
        "dīvaini",
        "kummaline",
        "dziwne",
        "outoa",
        "strange",
        "дзіўна",
        "seltsam",
    ],
    [
        "как и ожидалось",
        "як і очікувалося",
        "kaip ir tikėtasi",
        "kā jau gaidīts",
        "nagu oodatud",
        "zgodnie z oczekiwaniami",
        "kuten odotettiin",
        "as expected",
        "як і чакалася",
        "wie erwartet",
    ],
    [
        "скандал",
        "скандал",
        "skandalas",
        "skandāls",
        "skandaal",
        "skandal",
        "skandaali",
        "a scandal",
        "скандал",
        "ein Skandal",
    ],
    [
        "хорошие новости",
        "добрі новини",
        "geros naujienos",
        "labas ziņas",
        "head uudised",
        "dobre wiadomości",
        "hyviä uutisia",
        "good news",
        "добрыя навіны",
        "gute Nachrichten",
    ],
    [
        "плохие новости",
        "погані новини",
        "blogos naujienos",
        "sliktas ziņas",
        "halvad uudised",
        "złe wiadomości",
        "huonoja uutisia",
        "bad news",
        "дрэнныя навіны",
        "schlechte Nachrichten",
    ],
    [
        "невероятно",
        "неймовірно",
        "neįtikėtina",
        "neticami",
        "uskumatu",
        "niewiarygodne",
        "uskomatonta",
        "unbelievable",
        "неверагодна",
        "unglaublich",
    ],
    [
        "наконец-то",
        "нарешті",
        "pagaliau",
        "beidzot",
        "lõpuks",
        "wreszcie",
        "vihdoin",
        "finally",
        "нарэшце",
        "endlich",
    ],
    [
        "опять",
        "знову",
        "vėl",
        "atkal",
        "jälle",
        "znowu",
        "taas",
        "again",
        "зноў",
        "schon wieder",
    ],
    [
        "интересно",
        "цікаво",
        "įdomu",
        "interesanti",
        "huvitav",
        "ciekawe",
        "mielenkiintoista",
        "interesting",
        "цікава",
        "interessant",
    ],
];

/// Time phrases.
pub const TIMES: [[&str; 10]; 6] = [
    [
        "сегодня",
        "сьогодні",
        "šiandien",
        "šodien",
        "täna",
        "dzisiaj",
        "tänään",
        "today",
        "сёння",
        "heute",
    ],
    [
        "сегодня вечером",
        "сьогодні ввечері",
        "šį vakarą",
        "šovakar",
        "täna õhtul",
        "dziś wieczorem",
        "tänä iltana",
        "tonight",
        "сёння ўвечары",
        "heute Abend",
    ],
    [
        "вчера",
        "вчора",
        "vakar",
        "vakar",
        "eile",
        "wczoraj",
        "eilen",
        "yesterday",
        "учора",
        "gestern",
    ],
    [
        "на этой неделе",
        "цього тижня",
        "šią savaitę",
        "šonedēļ",
        "sel nädalal",
        "w tym tygodniu",
        "tällä viikolla",
        "this week",
        "на гэтым тыдні",
        "diese Woche",
    ],
    [
        "утром",
        "зранку",
        "šį rytą",
        "šorīt",
        "täna hommikul",
        "rano",
        "tänä aamuna",
        "this morning",
        "раніцай",
        "heute Morgen",
    ],
    [
        "прямо сейчас",
        "просто зараз",
        "dabar",
        "tieši tagad",
        "just praegu",
        "właśnie teraz",
        "juuri nyt",
        "right now",
        "проста цяпер",
        "gerade jetzt",
    ],
];

/// Sentence templates with slots `{n}`, `{n2}` (topics), `{p}` (place), `{a}` (comment) and
/// `{t}` (time). Aligned by index across languages.
pub const TEMPLATES: [[&str; 10]; 10] = [
    [
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
        "{p}: {n} {t}. {a}.",
    ],
    [
        "{t} все обсуждают одно: {n}. {a}!",
        "{t} всі обговорюють одне: {n}. {a}!",
        "{t} visi kalba tik apie vieną: {n}. {a}!",
        "{t} visi runā tikai par vienu: {n}. {a}!",
        "{t} räägivad kõik ühest: {n}. {a}!",
        "{t} wszyscy mówią o jednym: {n}. {a}!",
        "{t} kaikki puhuvat yhdestä asiasta: {n}. {a}!",
        "{t} everyone talks about one thing: {n}. {a}!",
        "{t} усе абмяркоўваюць адно: {n}. {a}!",
        "{t} reden alle nur über eins: {n}. {a}!",
    ],
    [
        "Что думаете, {n} — это {a}?",
        "Що думаєте, {n} — це {a}?",
        "Ką manote, {n} – {a}?",
        "Ko domājat, {n} – {a}?",
        "Mis te arvate, {n} – {a}?",
        "Co myślicie, {n} – {a}?",
        "Mitä mieltä olette, {n} – {a}?",
        "What do you think, {n}: {a}?",
        "Што думаеце, {n} — гэта {a}?",
        "Was meint ihr, {n} – {a}?",
    ],
    [
        "Срочно, {p}: {n} и {n2}",
        "Терміново, {p}: {n} і {n2}",
        "Skubiai, {p}: {n} ir {n2}",
        "Steidzami, {p}: {n} un {n2}",
        "Kiirteade, {p}: {n} ja {n2}",
        "Pilne, {p}: {n} i {n2}",
        "Tuoreena, {p}: {n} ja {n2}",
        "Breaking from {p}: {n} and {n2}",
        "Тэрмінова, {p}: {n} і {n2}",
        "Eilmeldung, {p}: {n} und {n2}",
    ],
    [
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
        "{a}: {n}, {p}, {t}",
    ],
    [
        "Моё мнение: {n} — {a}, а дальше {n2}",
        "Моя думка: {n} — {a}, а далі {n2}",
        "Mano nuomonė: {n} – {a}, o toliau {n2}",
        "Mans viedoklis: {n} – {a}, bet tālāk {n2}",
        "Minu arvamus: {n} – {a}, järgmisena {n2}",
        "Moim zdaniem: {n} – {a}, a dalej {n2}",
        "Minun mielestäni: {n} – {a}, seuraavaksi {n2}",
        "My take: {n} is {a}, and {n2} is next",
        "Мая думка: {n} — {a}, а далей {n2}",
        "Meine Meinung: {n} – {a}, als Nächstes {n2}",
    ],
    [
        "Читаю новости {t}. Тема: {n}. {a}",
        "Читаю новини {t}. Тема: {n}. {a}",
        "Skaitau naujienas {t}. Tema: {n}. {a}",
        "Lasu ziņas {t}. Tēma: {n}. {a}",
        "Loen uudiseid {t}. Teema: {n}. {a}",
        "Czytam wiadomości {t}. Temat: {n}. {a}",
        "Luen uutisia {t}. Aihe: {n}. {a}",
        "Reading the news {t}. Topic: {n}. {a}",
        "Чытаю навіны {t}. Тэма: {n}. {a}",
        "Lese Nachrichten {t}. Thema: {n}. {a}",
    ],
    [
        "Прямо из города {p}: снова {n}",
        "Просто з міста {p}: знову {n}",
        "Tiesiai iš miesto: {p}, vėl {n}",
        "Tieši no pilsētas: {p}, atkal {n}",
        "Otse linnast: {p}, jälle {n}",
        "Prosto z miasta: {p}, znowu {n}",
        "Suoraan kaupungista: {p}, taas {n}",
        "Live from {p}: {n} again",
        "Проста з горада {p}: зноў {n}",
        "Direkt aus der Stadt: {p}, wieder {n}",
    ],
    [
        "Не верится, {n} {t}… {a}",
        "Не віриться, {n} {t}… {a}",
        "Sunku patikėti, {n} {t}… {a}",
        "Grūti noticēt, {n} {t}… {a}",
        "Raske uskuda, {n} {t}… {a}",
        "Trudno uwierzyć, {n} {t}… {a}",
        "Vaikea uskoa, {n} {t}… {a}",
        "Can't believe it, {n} {t}… {a}",
        "Не верыцца, {n} {t}… {a}",
        "Kaum zu glauben, {n} {t}… {a}",
    ],
    [
        "{n}, {n2} и {p}: {a}",
        "{n}, {n2} і {p}: {a}",
        "{n}, {n2} ir {p}: {a}",
        "{n}, {n2} un {p}: {a}",
        "{n}, {n2} ja {p}: {a}",
        "{n}, {n2} i {p}: {a}",
        "{n}, {n2} ja {p}: {a}",
        "{n}, {n2} and {p}: {a}",
        "{n}, {n2} і {p}: {a}",
        "{n}, {n2} und {p}: {a}",
    ],
];

/// First names for display names.
pub const FIRST: [&[&str]; 10] = [
    &[
        "Алексей",
        "Ирина",
        "Дмитрий",
        "Ольга",
        "Сергей",
        "Наталья",
        "Андрей",
        "Елена",
    ],
    &[
        "Олена",
        "Тарас",
        "Оксана",
        "Богдан",
        "Ірина",
        "Андрій",
        "Мар'яна",
        "Микола",
    ],
    &[
        "Jonas", "Rūta", "Tomas", "Eglė", "Mantas", "Gintarė", "Darius", "Aistė",
    ],
    &[
        "Jānis",
        "Ilze",
        "Andris",
        "Līga",
        "Mārtiņš",
        "Inese",
        "Edgars",
        "Kristīne",
    ],
    &[
        "Mart", "Kadri", "Tanel", "Liis", "Andres", "Triin", "Priit", "Kertu",
    ],
    &[
        "Piotr",
        "Anna",
        "Tomasz",
        "Katarzyna",
        "Paweł",
        "Magdalena",
        "Krzysztof",
        "Agnieszka",
    ],
    &[
        "Mikko", "Laura", "Juha", "Sanna", "Antti", "Johanna", "Ville", "Emilia",
    ],
    &[
        "James", "Sarah", "Tom", "Emily", "Daniel", "Kate", "Mark", "Laura",
    ],
    &[
        "Алесь",
        "Алена",
        "Зміцер",
        "Ганна",
        "Сяргей",
        "Вольга",
        "Андрэй",
        "Святлана",
    ],
    &[
        "Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Julia",
    ],
];

/// Surnames for display names.
pub const LAST: [&[&str]; 10] = [
    &[
        "Иванов",
        "Смирнова",
        "Кузнецов",
        "Попова",
        "Соколов",
        "Морозова",
    ],
    &[
        "Шевченко",
        "Коваленко",
        "Бондаренко",
        "Ткаченко",
        "Кравчук",
        "Мельник",
    ],
    &[
        "Kazlauskas",
        "Petrauskaitė",
        "Jankauskas",
        "Žukauskienė",
        "Stankevičius",
        "Vasiliauskas",
    ],
    &[
        "Bērziņš",
        "Kalniņa",
        "Ozoliņš",
        "Liepiņa",
        "Krūmiņš",
        "Vītola",
    ],
    &["Tamm", "Saar", "Sepp", "Mägi", "Kask", "Rebane"],
    &[
        "Nowak",
        "Kowalska",
        "Wiśniewski",
        "Wójcik",
        "Kamińska",
        "Lewandowski",
    ],
    &[
        "Korhonen",
        "Virtanen",
        "Mäkinen",
        "Nieminen",
        "Hämäläinen",
        "Laine",
    ],
    &["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans"],
    &[
        "Шэмет",
        "Лукашэвіч",
        "Каваль",
        "Мароз",
        "Навумчык",
        "Дашкевіч",
    ],
    &[
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Becker",
    ],
];

/// Widely used hashtags of each community (without `#`).
pub const BIG_TAGS: [&[&str]; 10] = [
    &["новости", "политика", "россия"],
    &["україна", "новини", "славаукраїні"],
    &["lithuania", "lietuva", "naujienos"],
    &["latvija", "latvia", "ziņas"],
    &["eesti", "estonia", "uudised"],
    &["polska", "poland", "wiadomości"],
    &["suomi", "finland", "uutiset"],
    &["breaking", "europe", "baltics"],
    &["беларусь", "навіны", "belarus"],
    &["deutschland", "nachrichten", "europa"],
];

/// Hashtags everyone uses.
pub const GLOBAL_TAGS: [&str; 4] = ["ukraine", "nato", "news", "standwithukraine"];

/// Pool of daily trending hashtags.
pub const TREND_POOL: [&str; 18] = [
    "sanctions",
    "euco",
    "eurovision",
    "energycrisis",
    "elections2024",
    "nato75",
    "avdiivka",
    "farmersprotest",
    "navalny",
    "msc2024",
    "ukrainewar",
    "baltics",
    "winter",
    "hockey",
    "euroleague",
    "railbaltica",
    "zalgiris",
    "dinamoriga",
];

/// Invented hashtags that only planted floods use (rare combinations).
pub const FLOOD_TAGS: [&str; 12] = [
    "baltictruth",
    "stopnatowar",
    "peacenotwar2024",
    "russophobiakills",
    "sanctionshurteu",
    "balticapartheid",
    "truthaboutukraine",
    "westisfalling",
    "noweaponsforkyiv",
    "euhypocrisy",
    "freebaltics",
    "natoout",
];

/// Emoji used as light decoration and as copypasta mutations.
pub const EMOJI: [&str; 12] = [
    "🔥", "❗", "👇", "😡", "🙏", "⚡", "📢", "👀", "💔", "🇺🇦", "🤔", "✅",
];

/// Upper-cases the first character.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Slot choices for one sentence, independent of language so the same choice can be rendered
/// in several languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slots {
    pub template: usize,
    pub n: usize,
    pub n2: usize,
    pub p: usize,
    pub a: usize,
    pub t: usize,
}

impl Slots {
    /// Random slot choices.
    pub fn random(rng: &mut crate::rng::Rng) -> Slots {
        let n = rng.below(NOUNS.len());
        let mut n2 = rng.below(NOUNS.len());
        if n2 == n {
            n2 = (n2 + 1) % NOUNS.len();
        }
        Slots {
            template: rng.below(TEMPLATES.len()),
            n,
            n2,
            p: rng.below(PLACES.len()),
            a: rng.below(COMMENTS.len()),
            t: rng.below(TIMES.len()),
        }
    }

    /// The sentence in language `lang` (index into [`LANGS`]).
    pub fn render(&self, lang: usize) -> String {
        let lang = lang.min(LANGS.len() - 1);
        let tpl = TEMPLATES[self.template][lang];
        let mut out = String::with_capacity(tpl.len() + 48);
        let mut rest = tpl;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let after = &rest[i..];
            let (word, skip) = if after.starts_with("{n2}") {
                (NOUNS[self.n2][lang], 4)
            } else if after.starts_with("{n}") {
                (NOUNS[self.n][lang], 3)
            } else if after.starts_with("{p}") {
                (PLACES[self.p][lang], 3)
            } else if after.starts_with("{a}") {
                (COMMENTS[self.a][lang], 3)
            } else if after.starts_with("{t}") {
                (TIMES[self.t][lang], 3)
            } else {
                ("{", 1)
            };
            out.push_str(word);
            rest = &after[skip..];
        }
        out.push_str(rest);
        capitalise(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_template_without_leftover_slots() {
        for template in 0..TEMPLATES.len() {
            for lang in 0..LANGS.len() {
                let s = Slots {
                    template,
                    n: 0,
                    n2: 1,
                    p: 2,
                    a: 3,
                    t: 4,
                }
                .render(lang);
                assert!(!s.contains('{') && !s.contains('}'), "{s}");
            }
        }
    }

    #[test]
    fn translation_keeps_the_slots() {
        let s = Slots {
            template: 3,
            n: 14,
            n2: 20,
            p: 0,
            a: 0,
            t: 0,
        };
        assert_eq!(s.render(7), "Breaking from Vilnius: sanctions and NATO");
        assert_eq!(s.render(2), "Skubiai, Vilnius: sankcijos ir NATO");
        assert_eq!(s.render(1), "Терміново, Вільнюс: санкції і НАТО");
    }
}
