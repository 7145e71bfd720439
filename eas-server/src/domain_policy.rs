//! Device policies edited per domain by the administrator (`eas-server domain policy`).
//!
//! The configuration gives each domain a policy (`[policy]`, `[domain_policy."…"]`); the
//! administrator's changes are stored as overrides, a TOML table of [`Policy`] fields, laid
//! over the configured policy when a device provisions or a command is checked. Storing
//! only the changed fields keeps the configuration authoritative for everything else, and
//! a running server sees a change at the next request without a restart.

use crate::store::CachedSql as _;
use rusqlite::{Connection, OptionalExtension, params};

use crate::provision::Policy;

/// The table: the overrides of each domain, as TOML text.
pub const SCHEMA: &str = "CREATE TABLE domain_policies (
        domain TEXT PRIMARY KEY,
        overrides TEXT NOT NULL
     );";

/// Why a policy change was refused.
#[derive(Debug, thiserror::Error)]
pub enum DomainPolicyError {
    /// A setting name or value that [`Policy`] does not accept.
    #[error("invalid policy setting: {0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] rusqlite::Error),
}

fn key(domain: &str) -> String {
    domain.trim().to_ascii_lowercase()
}

/// The stored overrides of a domain (empty when none).
pub fn overrides(conn: &Connection, domain: &str) -> Result<toml::Table, DomainPolicyError> {
    let text: Option<String> = conn
        .cached_row(
            "SELECT overrides FROM domain_policies WHERE domain = ?1",
            params![key(domain)],
            |r| r.get(0),
        )
        .optional()?;
    match text {
        None => Ok(toml::Table::new()),
        Some(t) => t
            .parse::<toml::Table>()
            .map_err(|e| DomainPolicyError::Invalid(e.to_string())),
    }
}

/// `base` with `overrides` laid over it.
pub fn apply(base: &Policy, overrides: &toml::Table) -> Result<Policy, DomainPolicyError> {
    let mut table =
        toml::Table::try_from(base).map_err(|e| DomainPolicyError::Invalid(e.to_string()))?;
    for (k, v) in overrides {
        table.insert(k.clone(), v.clone());
    }
    // deny_unknown_fields on Policy rejects misspelt names; the types are checked too.
    table
        .try_into()
        .map_err(|e: toml::de::Error| DomainPolicyError::Invalid(e.message().to_owned()))
}

/// The policy that applies to `domain`: `base` (the configured one) with the stored
/// overrides. Overrides that cannot be read (edited by hand) are logged and ignored rather
/// than locking every device of the domain out.
pub fn effective(conn: &Connection, base: &Policy, domain: &str) -> rusqlite::Result<Policy> {
    match overrides(conn, domain).and_then(|o| apply(base, &o)) {
        Ok(p) => Ok(p),
        Err(DomainPolicyError::Store(e)) => Err(e),
        Err(e) => {
            tracing::warn!(domain, error = %e, "stored domain policy unreadable: using the configured one");
            Ok(base.clone())
        }
    }
}

/// Add `changes` to the domain's overrides and remove the fields named in `reset` (back to
/// the configured value). The result is checked against `base` before it is stored.
pub fn change(
    conn: &Connection,
    base: &Policy,
    domain: &str,
    changes: &toml::Table,
    reset: &[String],
) -> Result<Policy, DomainPolicyError> {
    let mut current = overrides(conn, domain)?;
    for (k, v) in changes {
        current.insert(k.clone(), v.clone());
    }
    for k in reset {
        current.remove(k);
    }
    let policy = apply(base, &current)?;
    if current.is_empty() {
        conn.cached_execute(
            "DELETE FROM domain_policies WHERE domain = ?1",
            params![key(domain)],
        )?;
    } else {
        conn.cached_execute(
            "INSERT INTO domain_policies (domain, overrides) VALUES (?1, ?2)
             ON CONFLICT (domain) DO UPDATE SET overrides = excluded.overrides",
            params![key(domain), current.to_string()],
        )?;
    }
    Ok(policy)
}

/// Parse `--name value` pairs (names as in [`Policy`], dashes or underscores) into a table;
/// a value `default` resets the field instead. Values are TOML (`6`, `true`); anything that
/// is not a TOML value is taken as a string.
pub fn parse_settings(args: &[String]) -> Result<(toml::Table, Vec<String>), DomainPolicyError> {
    let mut changes = toml::Table::new();
    let mut reset = Vec::new();
    let mut it = args.iter();
    while let Some(name) = it.next() {
        let Some(bare) = name.strip_prefix("--") else {
            return Err(DomainPolicyError::Invalid(format!(
                "expected --setting VALUE, found {name:?}"
            )));
        };
        let field = bare.replace('-', "_");
        let Some(value) = it.next() else {
            return Err(DomainPolicyError::Invalid(format!("{name} needs a value")));
        };
        if value.eq_ignore_ascii_case("default") {
            reset.push(field);
            continue;
        }
        let parsed = format!("v = {value}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.clone()));
        changes.insert(field, parsed);
    }
    if changes.is_empty() && reset.is_empty() {
        return Err(DomainPolicyError::Invalid(
            "no setting given (e.g. --min-password-length 6)".into(),
        ));
    }
    Ok((changes, reset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn
    }

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn overrides_lie_over_the_configured_policy() {
        let conn = db();
        let base = Policy {
            allow_camera: false,
            ..Policy::default()
        };
        let (changes, reset) = parse_settings(&args(&[
            "--min-password-length",
            "6",
            "--require_password",
            "true",
        ]))
        .unwrap();
        let p = change(&conn, &base, "Example.COM", &changes, &reset).unwrap();
        assert_eq!(p.min_password_length, Some(6));
        assert!(p.require_password);
        // Not overridden: from the base.
        assert!(!p.allow_camera);
        let p = effective(&conn, &base, "example.com").unwrap();
        assert_eq!(p.min_password_length, Some(6));
        assert_eq!(effective(&conn, &base, "other.org").unwrap(), base);

        // Unknown names and wrong types are refused and change nothing.
        let (bad, r) = parse_settings(&args(&["--min-pasword-length", "6"])).unwrap();
        assert!(change(&conn, &base, "example.com", &bad, &r).is_err());
        let (bad, r) = parse_settings(&args(&["--require-password", "maybe"])).unwrap();
        assert!(change(&conn, &base, "example.com", &bad, &r).is_err());
        assert_eq!(
            effective(&conn, &base, "example.com")
                .unwrap()
                .min_password_length,
            Some(6)
        );

        // `default` resets a field; with no overrides left the row goes.
        let (c, r) = parse_settings(&args(&["--min-password-length", "default"])).unwrap();
        change(&conn, &base, "example.com", &c, &r).unwrap();
        let (c, r) = parse_settings(&args(&["--require-password", "default"])).unwrap();
        change(&conn, &base, "example.com", &c, &r).unwrap();
        assert_eq!(effective(&conn, &base, "example.com").unwrap(), base);
        let rows: i64 = conn
            .cached_row("SELECT count(*) FROM domain_policies", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
        assert!(parse_settings(&args(&["min-password-length", "6"])).is_err());
        assert!(parse_settings(&args(&["--min-password-length"])).is_err());
    }
}
