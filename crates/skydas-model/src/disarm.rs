//! DISARM Red Framework v1.6 technique ids that Skydas detectors evidence. The framework data
//! itself (names, STIX objects) is CC BY-SA 4.0 by the DISARM Foundation; Skydas keeps it as
//! data files under `data/disarm/` and only names ids here.

/// Bots Amplify via Automated Forwarding and Reposting.
pub const AUTOMATED_REPOSTING: &str = "T0049.003";
/// Flood Existing Hashtag.
pub const HASHTAG_FLOODING: &str = "T0049.002";
/// Conduct Swarming (many accounts converging on one post: reply storms).
pub const SWARMING: &str = "T0049.005";
/// Inauthentic Sites Amplify News and Narratives (portal networks).
pub const INAUTHENTIC_SITES_AMPLIFY: &str = "T0049.007";
/// Use Copypasta.
pub const COPYPASTA: &str = "T0084.001";
/// Cross-Posting.
pub const CROSS_POSTING: &str = "T0119";
/// Post across Platform.
pub const POST_ACROSS_PLATFORM: &str = "T0119.002";
/// Domain Asset.
pub const DOMAIN_ASSET: &str = "T0149.001";
/// Account Asset.
pub const ACCOUNT_ASSET: &str = "T0146";
/// Lookalike Domain.
pub const LOOKALIKE_DOMAIN: &str = "T0149.003";
/// Redirecting Domain Asset.
pub const REDIRECTING_DOMAIN: &str = "T0149.004";
/// Impersonated Persona.
pub const IMPERSONATED_PERSONA: &str = "T0143.003";
/// Automated Account Asset.
pub const AUTOMATED_ACCOUNT: &str = "T0146.007";
/// Flood Information Space (parent).
pub const FLOOD_INFORMATION_SPACE: &str = "T0049";
