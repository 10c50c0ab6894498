//! Accounts workflows that the command line and the web app share: argon2 password hashes,
//! random secrets, adding users and API tokens (each audited), and the demo's one-time login.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use skydas_store::accounts::{AccountStore, AuditEvent, Role, User, secret_hash};

use crate::error::{Result, failed, usage};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Who does an audited action.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a str,
    pub org: &'a str,
}

/// An argon2id PHC string for `password`, with a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| failed(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| failed(format!("cannot hash the password: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| failed(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches a PHC string; a malformed hash matches nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new secret: 32 random bytes in lowercase hex. Fails only when the OS has no randomness.
pub fn random_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| failed(format!("no randomness: {e}")))?;
    Ok(skydas_store::codec::hex(&b))
}

/// A random UUIDv4, lowercase: status and collection ids. Fails only when the OS has no
/// randomness.
pub fn random_uuid() -> Result<String> {
    let t = random_token()?;
    // 64 hex digits: take 32, then stamp the version and variant nibbles.
    let mut h: Vec<u8> = t.bytes().take(32).collect();
    h[12] = b'4';
    h[16] = match h[16] {
        b'0'..=b'3' => b'8',
        b'4'..=b'7' => b'9',
        b'8' | b'9' | b'a' | b'b' => b'a',
        _ => b'b',
    };
    let h = String::from_utf8_lossy(&h).into_owned();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// Appends an action to the audit log.
pub fn audit(
    acc: &mut dyn AccountStore,
    by: Actor<'_>,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<()> {
    acc.audit(&AuditEvent {
        user: by.user,
        org: by.org,
        action,
        target,
        detail,
    })?;
    Ok(())
}

/// Adds a user with a role (`admin`, `analyst`, `viewer`) and a password, audited.
pub fn add_user(
    acc: &mut dyn AccountStore,
    by: Actor<'_>,
    name: &str,
    role: &str,
    org: &str,
    password: &str,
) -> Result<User> {
    let role = Role::parse(role)
        .ok_or_else(|| usage(format!("unknown role {role:?}: admin, analyst or viewer")))?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(usage(format!(
            "the password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let phc = hash_password(password)?;
    let user = acc.add_user(name, role, org, &phc).map_err(|e| match e {
        skydas_store::StoreError::InvalidInput { what, .. } => usage(what),
        e => e.into(),
    })?;
    audit(
        acc,
        by,
        "user_add",
        &user.name,
        serde_json::json!({"role": role.as_str(), "org": user.org}),
    )?;
    Ok(user)
}

/// Creates an API token for a user, audited; the token is returned once and only its hash is
/// Ends every browser session and withdraws every API token of `user` at once (a lost
/// laptop, a leaver), audited; the user may log in again with the password.
pub fn revoke(acc: &mut dyn AccountStore, by: Actor<'_>, user: &str) -> Result<(u64, u64)> {
    let (sessions, tokens) = acc
        .revoke(user)?
        .ok_or_else(|| usage(format!("no user {user:?} (see `skydas user list`)")))?;
    audit(
        acc,
        by,
        "user_revoke",
        user,
        serde_json::json!({"sessions": sessions, "tokens": tokens}),
    )?;
    Ok((sessions, tokens))
}

/// kept.
pub fn create_token(
    acc: &mut dyn AccountStore,
    by: Actor<'_>,
    user: &str,
    label: &str,
) -> Result<(User, String)> {
    let u = acc
        .user(user)?
        .ok_or_else(|| usage(format!("no user {user:?}")))?;
    let token = random_token()?;
    acc.add_token(&u.name, &secret_hash(&token), label)?;
    audit(
        acc,
        Actor {
            user: by.user,
            org: &u.org,
        },
        "token_create",
        &u.name,
        serde_json::json!({"label": label}),
    )?;
    Ok((u, token))
}

/// The demo's `demo` admin with a fresh random password, returned once.
pub fn demo_login(acc: &mut dyn AccountStore) -> Result<String> {
    let password: String = random_token()?.chars().take(20).collect();
    let phc = hash_password(&password)?;
    if acc.user("demo")?.is_some() {
        acc.set_password("demo", &phc)?;
    } else {
        acc.add_user("demo", Role::Admin, "local", &phc)?;
    }
    Ok(password)
}
