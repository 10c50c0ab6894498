//! Command-line arguments. The interface is the contract of PRODUCT.md.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use skydas_app::values;
use skydas_model::{KindSpec, Platform, Tlp};
use skydas_share::graph::GraphFormat;

#[derive(Debug, Parser)]
#[command(
    name = "skydas",
    version,
    about = "Detect and share coordinated information manipulation, offline"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Data directory of the embedded store.
    #[arg(
        long,
        global = true,
        env = "SKYDAS_DATA",
        default_value = "skydas-data"
    )]
    pub data: PathBuf,
    /// The store: a `postgres://` URL selects the PostgreSQL backend (shared by many
    /// processes); anything else is the embedded store's directory. Default: `--data`.
    #[arg(long, global = true, env = "SKYDAS_STORE")]
    pub store: Option<String>,
    /// NATS server with JetStream (`nats://host:4222`): `import` and `analyze` then hand the
    /// work to `skydas worker` processes.
    #[arg(long, global = true, env = "SKYDAS_NATS")]
    pub nats: Option<String>,
    /// Print one JSON document on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// More logging on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import files or folders into the store (format detected by content).
    Import(ImportArgs),
    /// Counts of items, actors and sources, by platform and language.
    Stats,
    /// Full-text search over items.
    Search(SearchArgs),
    /// One shot: import into a temporary store, run every detector, print findings.
    Scan(ScanArgs),
    /// Run the detectors over the store, store the findings and print them.
    Analyze(DetectArgs),
    /// List stored findings, show one with its evidence, or export graphs.
    Findings(FindingsArgs),
    /// Known infrastructure: import indicator lists (domains, URLs, channels, accounts; STIX
    /// bundles, MISP events and warninglists) that every analysis matches, or list them.
    Indicators {
        #[command(subcommand)]
        action: IndicatorsAction,
    },
    /// Manage the stored list of protected domains (lookalike detection).
    Protect {
        #[command(subcommand)]
        action: ProtectAction,
    },
    /// Write a synthetic scenario in the real input formats, with its truth.
    Simulate(SimulateArgs),
    /// Precision, recall and F1 of findings against a scenario's truth.
    Eval(EvalArgs),
    /// Simulate a scenario, import it, run every detector and compare with the truth.
    Demo(DemoArgs),
    /// Convert input files to the coordination-network-toolkit CSV, so both tools read one file.
    Convert(ConvertArgs),
    /// Export stored findings for partners, with TLP 2.0 markings enforced.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Serve the analyst web app and the JSON API.
    Serve(ServeArgs),
    /// Take import batches and detection tasks from NATS and write them into the PostgreSQL
    /// store (any number of processes, on any hosts).
    Worker(WorkerArgs),
    /// Manage web-app users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Back the embedded store up into a new or empty folder while it stays in use: a
    /// consistent copy of the database, every original file and a manifest (the audit keyring
    /// is backed up apart).
    Backup { dir: PathBuf },
    /// Restore a backup as the store of --data (which must hold none yet), check every table
    /// and original, and verify the audit log on the restored copy.
    Restore {
        dir: PathBuf,
        /// The audit keyring backed up apart, put in place (mode 600) for the restored store.
        #[arg(long, value_name = "FILE")]
        keyring: Option<PathBuf>,
    },
    /// Check or list the audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// TAXII 2.1 client: pull partners' collections as partner intelligence.
    Taxii {
        #[command(subcommand)]
        action: TaxiiAction,
    },
    /// TAXII collections served by `skydas serve`: add, list, grant, publish.
    Collection {
        #[command(subcommand)]
        action: CollectionAction,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add a user; the password comes from SKYDAS_PASSWORD, else from stdin.
    Add {
        name: String,
        /// admin, analyst or viewer.
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "local")]
        org: String,
    },
    List,
    /// End every session and withdraw every API token of a user.
    Revoke {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create an API token for a user and print it once.
    Create {
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Recompute the sealed chain with the keyring; exit 1 naming the first bad row.
    Verify,
    /// Add a new key to the audit keyring (SKYDAS_AUDIT_KEYRING, else audit.keyring in the
    /// data directory); it seals every row from the next one on.
    RotateKey,
    /// The newest rows.
    List {
        #[arg(long, default_value_t = 50, value_parser = values::positive)]
        limit: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// A STIX 2.1 bundle (DISARM attack-patterns embedded verbatim).
    Stix(ExportArgs),
    /// A MISP event JSON.
    Misp(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only these findings (default: all stored findings).
    #[arg(long = "finding", value_name = "ID")]
    pub findings: Vec<String>,
    /// Highest marking the recipient may receive: clear, green, amber, amber+strict. RED never
    /// leaves.
    #[arg(long, default_value = "amber", value_parser = values::release_tlp)]
    pub tlp: Tlp,
    /// The recipient is our own organisation (allows AMBER+STRICT).
    #[arg(long)]
    pub own_org: bool,
    /// Our organisation's name, as the STIX identity and MISP Orgc.
    #[arg(long, env = "SKYDAS_ORG", default_value = "local")]
    pub org: String,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output CSV file.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Importer to use instead of content detection (telegram, x-v2, feed, 4cat, crowdtangle,
    /// generic, cnt-csv).
    #[arg(long, value_parser = values::format)]
    pub format: Option<String>,
    /// Column map for generic CSV/JSONL: FIELD=COLUMN, repeatable (fields: id, actor_id, handle,
    /// name, time, text, urls, repost_of, reply_to, quote_of, platform, hashtags, lang,
    /// domains, images). See docs/column-maps.md.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// Platform to record for inputs that do not say (generic and toolkit CSV).
    #[arg(long, value_parser = values::platform)]
    pub platform: Option<Platform>,
    /// How many record errors to print one by one (all are counted and summarised).
    #[arg(long, default_value_t = 20)]
    pub show_errors: usize,
    /// Time zone of local times without an offset (older Telegram exports, some CSVs) and the
    /// meaning of ambiguous zone abbreviations (IST, CST, BST): an offset such as `+02:00` or a
    /// zone such as `Europe/Vilnius`. Without it such times are read as UTC and reported.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub query: String,
    #[arg(long, value_parser = values::platform)]
    pub platform: Option<Platform>,
    /// Actor platform id or handle.
    #[arg(long)]
    pub actor: Option<String>,
    #[arg(long)]
    pub lang: Option<String>,
    /// RFC 3339 time or date.
    #[arg(long, value_parser = values::time)]
    pub since: Option<i64>,
    #[arg(long, value_parser = values::time)]
    pub until: Option<i64>,
    #[arg(long, default_value_t = 20, value_parser = values::positive)]
    pub limit: usize,
}

#[derive(Debug, Args, Clone, Default)]
pub struct DetectArgs {
    /// Extra protected domains, one per line (optionally `domain,country,kind,name`). Added to
    /// the shipped set and to the stored list (`skydas protect`).
    #[arg(long, env = "SKYDAS_PROTECTED")]
    pub protected: Option<PathBuf>,
    /// Extra allowlisted domains (legitimate near-matches), one per line.
    #[arg(long, env = "SKYDAS_ALLOWLIST")]
    pub allow: Option<PathBuf>,
    /// Detector settings (TOML, a `[coordination]` section with window_s, slow_window_s,
    /// min_acts, slow_min_acts, pair_min_acts, fdr, max_key_actors, min_community); the flags
    /// below override it. Every finding records the settings it was made with.
    #[arg(long, env = "SKYDAS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Coordination: actors acting within this many seconds act together (default 60).
    #[arg(long, value_name = "SECONDS")]
    pub window: Option<i64>,
    /// Coordination: the longest gap in a slow chain of acts, seconds (default 1800).
    #[arg(long, value_name = "SECONDS")]
    pub slow_window: Option<i64>,
    /// Coordination: distinct acts together a pair needs within the window (default 2, at
    /// least 2: one shared act proves nothing).
    #[arg(long, value_name = "N")]
    pub min_acts: Option<u32>,
    /// Coordination: distinct acts together a pair needs in slow chains (default 5).
    #[arg(long, value_name = "N")]
    pub slow_min_acts: Option<u32>,
    /// Coordination: distinct acts a pair outside any community needs to be reported
    /// (default 10).
    #[arg(long, value_name = "N")]
    pub pair_min_acts: Option<usize>,
    /// Coordination: false discovery rate of significant pairs (default 0.01).
    #[arg(long, value_name = "RATE")]
    pub fdr: Option<f64>,
    /// Known infrastructure to look for besides the store's indicators: a list (domains, URLs,
    /// channels, account ids), a STIX 2.1 bundle, a MISP event or warninglist. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub indicators: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    #[command(subcommand)]
    pub action: Option<FindingsAction>,
    /// Only findings of this kind (coordination, lookalike_domain, automation,
    /// known_infrastructure).
    #[arg(long, value_parser = values::finding_kind)]
    pub kind: Option<&'static KindSpec>,
}

#[derive(Debug, Subcommand)]
pub enum FindingsAction {
    /// Show one finding and explain every edge down to the items.
    Show { id: String },
    /// Set a finding's TLP 2.0 marking (clear, green, amber, amber+strict, red).
    Mark {
        id: String,
        #[arg(long, value_parser = values::tlp)]
        tlp: Tlp,
    },
    /// Export actor graphs (all coordination findings, or the given ones).
    Graph {
        ids: Vec<String>,
        /// gexf, graphml or csv.
        #[arg(long, default_value = "gexf", value_parser = values::graph_format)]
        format: GraphFormat,
        /// Output file (stdout when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IndicatorsAction {
    /// Import indicator files; importing one again adds nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The list's name (default: the file's name without extension).
        #[arg(long)]
        name: Option<String>,
        /// The marking of a list that has none (default amber), and the least marking of one
        /// that has (STIX, MISP).
        #[arg(long, value_name = "LEVEL", value_parser = values::tlp)]
        tlp: Option<Tlp>,
    },
    /// The lists held, with their counts and most restrictive marking.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ProtectAction {
    /// Add a domain to protect, or update its details.
    Add {
        #[arg(value_parser = values::domain)]
        domain: String,
        /// ISO 3166-1 alpha-2 code, EU or INT.
        #[arg(long, default_value = "", value_parser = values::country)]
        country: String,
        /// media, government, institution, military, eu, nato or ngo.
        #[arg(long, default_value = "media", value_parser = values::protected_kind)]
        kind: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    List,
    Remove {
        domain: String,
    },
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 1.0 is about 100,000 items.
    #[arg(long, default_value_t = 1.0, value_parser = values::scale, allow_negative_numbers = true)]
    pub scale: f64,
    /// First day (RFC 3339 date or time).
    #[arg(long)]
    pub start: Option<String>,
    #[arg(long, default_value_t = 7)]
    pub days: u32,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[arg(long)]
    pub truth: PathBuf,
    /// Findings JSON (`scan --json` output); `-` reads stdin.
    pub findings: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[arg(long, default_value_t = 0.5, value_parser = values::scale, allow_negative_numbers = true)]
    pub scale: f64,
    /// Where to write the scenario (default: DATA/demo-scenario).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// End by serving the web app (the default, except with --json).
    #[arg(long, conflicts_with = "no_serve")]
    pub serve: bool,
    /// Do not serve the web app at the end.
    #[arg(long)]
    pub no_serve: bool,
    /// Address the demo serves on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
}

/// `skydas worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Exit after this many seconds without work (default: run until stopped).
    #[arg(long, value_parser = values::seconds, allow_negative_numbers = true)]
    pub idle_exit: Option<f64>,
    /// Name of this worker in logs and in the store.
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TaxiiAction {
    /// Pull a remote TAXII 2.1 collection's new objects (since the last pull) as partner
    /// intelligence.
    Pull(PullArgs),
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// The API root (e.g. https://cti.example.lt/fimi/) or the discovery URL (…/taxii2/).
    pub url: String,
    /// The collection id.
    #[arg(long)]
    pub collection: String,
    #[arg(long)]
    pub user: String,
    /// The API token (the Basic password).
    #[arg(long, env = "SKYDAS_TAXII_TOKEN", hide_env_values = true)]
    pub token: String,
    /// PEM CA certificate(s) for an https server.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Objects per request (the server may cap it).
    #[arg(long)]
    pub limit: Option<usize>,
    /// `none` pulls once; a number of seconds polls until stopped.
    #[arg(long, default_value = "none", value_parser = values::interval)]
    pub interval: String,
}

#[derive(Debug, Subcommand)]
pub enum CollectionAction {
    /// Add a collection (its id is printed).
    Add {
        title: String,
        /// A lowercase UUID (default: a random one).
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        alias: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List collections with their grants.
    List,
    /// Set what an organisation may do with a collection (replaces its earlier grant).
    Grant {
        /// Collection id or alias.
        collection: String,
        org: String,
        #[arg(long)]
        read: bool,
        #[arg(long)]
        write: bool,
        /// Most restrictive marking the organisation may read: clear, green, amber,
        /// amber+strict. RED is never served; AMBER+STRICT only to the object's own organisation.
        #[arg(long, default_value = "amber+strict", value_parser = values::release_tlp)]
        max_tlp: Tlp,
    },
    /// Export findings into a collection as new object versions (TLP enforced again per reader).
    Publish {
        /// Collection id or alias.
        collection: String,
        /// Only these findings (default: all stored findings).
        #[arg(long = "finding", value_name = "ID")]
        findings: Vec<String>,
        /// Highest marking published: clear, green, amber, amber+strict. RED never leaves.
        #[arg(long, default_value = "amber+strict", value_parser = values::release_tlp)]
        tlp: Tlp,
        /// Our organisation: the STIX identity, and the organisation that may read our
        /// AMBER+STRICT objects (name it as `skydas user add --org` does).
        #[arg(long, env = "SKYDAS_ORG", default_value = "local")]
        org: String,
    },
}
