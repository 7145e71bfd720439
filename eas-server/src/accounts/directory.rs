//! The SQLite-backed directory: storage, authentication and the seat pool.
use crate::store::CachedSql as _;
use std::net::IpAddr;
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::password::{self, HashCost};
use super::throttle::{Throttle, ThrottlePolicy};
use super::{Effective, Feature, Setting, Source, Switch, Switches, resolve};

/// The version of the `acct_` tables this code reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS acct_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS acct_domains (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    activesync INTEGER NOT NULL DEFAULT 0,
    email INTEGER NOT NULL DEFAULT 0,
    contacts INTEGER NOT NULL DEFAULT 0,
    pim INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS acct_classes (
    id INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES acct_domains(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    activesync INTEGER NOT NULL DEFAULT 0,
    email INTEGER NOT NULL DEFAULT 0,
    contacts INTEGER NOT NULL DEFAULT 0,
    pim INTEGER NOT NULL DEFAULT 0,
    UNIQUE (domain_id, name)
);
CREATE TABLE IF NOT EXISTS acct_accounts (
    id INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES acct_domains(id),
    local TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    class_id INTEGER REFERENCES acct_classes(id) ON DELETE SET NULL,
    activesync INTEGER NOT NULL DEFAULT 0,
    email INTEGER NOT NULL DEFAULT 0,
    contacts INTEGER NOT NULL DEFAULT 0,
    pim INTEGER NOT NULL DEFAULT 0,
    pool_disabled_at INTEGER,
    pool_prev INTEGER,
    UNIQUE (domain_id, local)
);
CREATE TABLE IF NOT EXISTS acct_seats (
    account_id INTEGER PRIMARY KEY REFERENCES acct_accounts(id) ON DELETE CASCADE,
    taken_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS acct_media (
    account_id INTEGER PRIMARY KEY REFERENCES acct_accounts(id) ON DELETE CASCADE,
    picture BLOB,
    certificate BLOB
);
";

/// Errors of the directory.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// Password hashing failed (bad parameters or no randomness).
    #[error("password hashing: {0}")]
    Hash(String),
    /// No such domain, class or account.
    #[error("{kind} not found: {name}")]
    NotFound {
        /// `domain`, `class` or `account`.
        kind: &'static str,
        /// The name looked up.
        name: String,
    },
    /// The domain, class or account exists already.
    #[error("{kind} already exists: {name}")]
    AlreadyExists {
        /// `domain`, `class` or `account`.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A malformed name or value.
    #[error("invalid {what}: {value:?}")]
    Invalid {
        /// What was malformed.
        what: &'static str,
        /// The value given.
        value: String,
    },
    /// A domain cannot be removed while it has accounts.
    #[error("domain {0} still has accounts")]
    DomainNotEmpty(String),
    /// Enabling an account explicitly needs a free seat (disable another account first).
    #[error("no ActiveSync seat free: {used} of {cap} in use")]
    NoSeatFree {
        /// The cap.
        cap: u32,
        /// Seats in use.
        used: u32,
    },
    /// The database holds `acct_` tables of a version this code does not know.
    #[error("unsupported account schema version {0} (expected {SCHEMA_VERSION})")]
    SchemaVersion(i64),
}

/// Why a login failed. Unknown accounts and wrong passwords are indistinguishable.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong login or password (or malformed login, or no password set).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failures for this account or from this source; retry after `until`.
    #[error("too many failed logins; retry after {until}")]
    Throttled {
        /// The end of the lock-out.
        until: DateTime<Utc>,
    },
    /// The directory failed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

/// The identifier of a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainId(pub i64);
/// The identifier of an account class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(pub i64);
/// The identifier of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

/// A mail domain and its switches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// Its identifier.
    pub id: DomainId,
    /// Its name, lower case (`example.com`).
    pub name: String,
    /// Its switches.
    pub switches: Switches,
}

/// An account class of a domain and its switches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountClass {
    /// Its identifier.
    pub id: ClassId,
    /// The domain it belongs to.
    pub domain: String,
    /// Its name.
    pub name: String,
    /// Its switches.
    pub switches: Switches,
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its identifier.
    pub id: AccountId,
    /// The local part, lower case.
    pub local: String,
    /// The domain name, lower case.
    pub domain: String,
    /// The display name.
    pub display_name: String,
    /// The Argon2id PHC string; `None` means no password login is possible.
    pub password_hash: Option<String>,
    /// The class name, if any.
    pub class: Option<String>,
    /// The switches set explicitly on the account.
    pub switches: Switches,
    /// Whether the account holds an ActiveSync seat.
    pub holds_seat: bool,
    /// When the seat pool disabled the account's ActiveSync (no seat left), if it did.
    pub pool_disabled_at: Option<DateTime<Utc>>,
}

impl Account {
    /// `local@domain`.
    pub fn address(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }
}

/// The outcome of an ActiveSync connection attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// The account holds a seat (perhaps just taken) and may use ActiveSync.
    Admitted,
    /// The account may not use ActiveSync.
    Refused(Refusal),
}

/// Why an ActiveSync connection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// ActiveSync is disabled; `by` is the level that decided.
    #[error("ActiveSync is disabled for this account (decided at the {by} level)")]
    Disabled {
        /// The deciding level.
        by: Source,
    },
    /// Every seat is taken: the account's ActiveSync option has just been set explicitly to
    /// disabled (an administrator must free a seat and enable it again).
    #[error(
        "no ActiveSync seat left ({cap} in use): ActiveSync has been disabled explicitly for this account"
    )]
    NoSeatLeft {
        /// The cap.
        cap: u32,
    },
}

/// What a setting change applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// A domain by name.
    Domain(&'a str),
    /// A class by domain and name.
    Class {
        /// The domain.
        domain: &'a str,
        /// The class name.
        name: &'a str,
    },
    /// An account.
    Account(AccountId),
}

/// Seat usage of one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainUsage {
    /// The domain name.
    pub domain: String,
    /// Its accounts.
    pub accounts: u32,
    /// Its accounts holding a seat.
    pub seats: u32,
    /// Its accounts disabled by the seat pool.
    pub pool_disabled: u32,
}

/// Seat usage of the whole server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// The cap; `None` is unlimited.
    pub cap: Option<u32>,
    /// Seats in use.
    pub used: u32,
    /// Seats free; `None` is unlimited. Zero (never negative) when the cap was lowered
    /// below the seats in use.
    pub free: Option<u32>,
    /// Per domain, by name.
    pub domains: Vec<DomainUsage>,
}

/// How a [`Directory`] hashes and throttles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirectoryConfig {
    /// The cost of new password hashes ([`HashCost::PRODUCTION`] by default).
    pub hash_cost: HashCost,
    /// The failed-login policy.
    pub throttle: ThrottlePolicy,
}

/// The account directory, persisted in its `acct_` tables of a SQLite database.
///
/// Not shareable between threads as is: the server wraps it in a mutex.
#[derive(Debug)]
pub struct Directory {
    conn: Connection,
    config: DirectoryConfig,
    dummy_hash: String,
    by_account: Throttle<String>,
    by_source: Throttle<IpAddr>,
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(v: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(v, 0)
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Validates and lower-cases a domain name.
fn norm_domain(name: &str) -> Result<String, DirectoryError> {
    let n = name.trim().to_ascii_lowercase();
    let ok = !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ok {
        Ok(n)
    } else {
        Err(DirectoryError::Invalid {
            what: "domain name",
            value: name.to_owned(),
        })
    }
}

/// Validates and lower-cases the local part of an address.
fn norm_local(local: &str) -> Result<String, DirectoryError> {
    let n = local.trim().to_lowercase();
    let ok = !n.is_empty()
        && n.len() <= 64
        && !n
            .chars()
            .any(|c| c == '@' || c == '\\' || c.is_whitespace() || c.is_control());
    if ok {
        Ok(n)
    } else {
        Err(DirectoryError::Invalid {
            what: "local part",
            value: local.to_owned(),
        })
    }
}

fn switches_from(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Switches> {
    Ok(Switches {
        activesync: Setting::from_db(row.get(first)?),
        email: Setting::from_db(row.get(first + 1)?),
        contacts: Setting::from_db(row.get(first + 2)?),
        pim: Setting::from_db(row.get(first + 3)?),
    })
}

const ACCOUNT_SELECT: &str =
    "SELECT a.id, a.local, d.name, a.display_name, a.password_hash, c.name,
        a.activesync, a.email, a.contacts, a.pim,
        (SELECT COUNT(*) FROM acct_seats s WHERE s.account_id = a.id), a.pool_disabled_at
    FROM acct_accounts a JOIN acct_domains d ON d.id = a.domain_id
    LEFT JOIN acct_classes c ON c.id = a.class_id";

fn account_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: AccountId(row.get(0)?),
        local: row.get(1)?,
        domain: row.get(2)?,
        display_name: row.get(3)?,
        password_hash: row.get(4)?,
        class: row.get(5)?,
        switches: switches_from(row, 6)?,
        holds_seat: row.get::<_, i64>(10)? > 0,
        pool_disabled_at: row.get::<_, Option<i64>>(11)?.and_then(from_ts),
    })
}

impl Directory {
    /// Opens (creating if needed) the directory in the SQLite database at `path`.
    ///
    /// # Errors
    /// Database errors, an unknown schema version, or invalid hash parameters.
    pub fn open(path: impl AsRef<Path>, config: DirectoryConfig) -> Result<Self, DirectoryError> {
        Self::with_connection(Connection::open(path)?, config)
    }

    /// Opens the directory in a private in-memory database (lost when dropped).
    ///
    /// # Errors
    /// As [`Directory::open`].
    pub fn open_in_memory(config: DirectoryConfig) -> Result<Self, DirectoryError> {
        Self::with_connection(Connection::open_in_memory()?, config)
    }

    /// Uses an already open connection, creating the `acct_` tables if needed.
    ///
    /// # Errors
    /// As [`Directory::open`].
    pub fn with_connection(
        conn: Connection,
        config: DirectoryConfig,
    ) -> Result<Self, DirectoryError> {
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        // The store writes to the same file through its own connection: wait for it rather
        // than fail with SQLITE_BUSY (seen as HTTP 500 when thousands of devices provision).
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        crate::store::keep_statements(&conn)?;
        conn.execute_batch(SCHEMA)?;
        let version: Option<String> = conn
            .cached_row(
                "SELECT value FROM acct_meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match version {
            None => {
                conn.cached_execute(
                    "INSERT INTO acct_meta (key, value) VALUES ('schema_version', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )?;
            }
            Some(v) => {
                let v: i64 = v.parse().unwrap_or(-1);
                if v != SCHEMA_VERSION {
                    return Err(DirectoryError::SchemaVersion(v));
                }
            }
        }
        // Verified against when the account is unknown, so that both paths cost the same.
        let dummy_hash = config.hash_cost.hash("not a real password")?;
        Ok(Directory {
            conn,
            config,
            dummy_hash,
            by_account: Throttle::new(),
            by_source: Throttle::new(),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &DirectoryConfig {
        &self.config
    }

    // ---- domains -------------------------------------------------------------------------

    /// Adds a domain (all switches inherit, i.e. server defaults).
    ///
    /// # Errors
    /// [`DirectoryError::Invalid`], [`DirectoryError::AlreadyExists`], database errors.
    pub fn add_domain(&mut self, name: &str) -> Result<Domain, DirectoryError> {
        let name = norm_domain(name)?;
        if self.domain_id(&name)?.is_some() {
            return Err(DirectoryError::AlreadyExists {
                kind: "domain",
                name,
            });
        }
        self.conn
            .cached_execute("INSERT INTO acct_domains (name) VALUES (?1)", params![name])?;
        self.domain(&name)
    }

    /// Removes a domain and its classes; refused while it has accounts.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], [`DirectoryError::DomainNotEmpty`], database errors.
    pub fn remove_domain(&mut self, name: &str) -> Result<(), DirectoryError> {
        let domain = self.domain(name)?;
        let n: i64 = self.conn.cached_row(
            "SELECT COUNT(*) FROM acct_accounts WHERE domain_id = ?1",
            params![domain.id.0],
            |r| r.get(0),
        )?;
        if n > 0 {
            return Err(DirectoryError::DomainNotEmpty(domain.name));
        }
        self.conn.cached_execute(
            "DELETE FROM acct_domains WHERE id = ?1",
            params![domain.id.0],
        )?;
        Ok(())
    }

    fn domain_id(&self, name: &str) -> Result<Option<DomainId>, DirectoryError> {
        Ok(self
            .conn
            .cached_row(
                "SELECT id FROM acct_domains WHERE name = ?1",
                params![name.trim().to_ascii_lowercase()],
                |r| r.get(0).map(DomainId),
            )
            .optional()?)
    }

    /// A domain by name.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn domain(&self, name: &str) -> Result<Domain, DirectoryError> {
        self.conn
            .cached_row(
                "SELECT id, name, activesync, email, contacts, pim FROM acct_domains WHERE name = ?1",
                params![name.trim().to_ascii_lowercase()],
                |r| {
                    Ok(Domain {
                        id: DomainId(r.get(0)?),
                        name: r.get(1)?,
                        switches: switches_from(r, 2)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| DirectoryError::NotFound {
                kind: "domain",
                name: name.to_owned(),
            })
    }

    /// All domains, by name.
    ///
    /// # Errors
    /// Database errors.
    pub fn domains(&self) -> Result<Vec<Domain>, DirectoryError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, activesync, email, contacts, pim FROM acct_domains ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Domain {
                id: DomainId(r.get(0)?),
                name: r.get(1)?,
                switches: switches_from(r, 2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // ---- classes -------------------------------------------------------------------------

    /// Adds an account class to a domain.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], [`DirectoryError::Invalid`],
    /// [`DirectoryError::AlreadyExists`], database errors.
    pub fn add_class(&mut self, domain: &str, name: &str) -> Result<AccountClass, DirectoryError> {
        let d = self.domain(domain)?;
        let name = norm_local(name)?;
        if self.class(&d.name, &name).is_ok() {
            return Err(DirectoryError::AlreadyExists {
                kind: "class",
                name: format!("{}/{}", d.name, name),
            });
        }
        self.conn.cached_execute(
            "INSERT INTO acct_classes (domain_id, name) VALUES (?1, ?2)",
            params![d.id.0, name],
        )?;
        self.class(&d.name, &name)
    }

    /// Removes a class; its accounts are left without a class (and lose any seat they are
    /// no longer entitled to).
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn remove_class(&mut self, domain: &str, name: &str) -> Result<(), DirectoryError> {
        let c = self.class(domain, name)?;
        self.conn
            .cached_execute("DELETE FROM acct_classes WHERE id = ?1", params![c.id.0])?;
        self.release_unentitled_seats()?;
        Ok(())
    }

    /// A class by domain and name.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn class(&self, domain: &str, name: &str) -> Result<AccountClass, DirectoryError> {
        self.conn
            .cached_row(
                "SELECT c.id, d.name, c.name, c.activesync, c.email, c.contacts, c.pim
                 FROM acct_classes c JOIN acct_domains d ON d.id = c.domain_id
                 WHERE d.name = ?1 AND c.name = ?2",
                params![
                    domain.trim().to_ascii_lowercase(),
                    name.trim().to_lowercase()
                ],
                |r| {
                    Ok(AccountClass {
                        id: ClassId(r.get(0)?),
                        domain: r.get(1)?,
                        name: r.get(2)?,
                        switches: switches_from(r, 3)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| DirectoryError::NotFound {
                kind: "class",
                name: format!("{domain}/{name}"),
            })
    }

    /// The classes of a domain (or of all domains), by domain and name.
    ///
    /// # Errors
    /// Database errors.
    pub fn classes(&self, domain: Option<&str>) -> Result<Vec<AccountClass>, DirectoryError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, d.name, c.name, c.activesync, c.email, c.contacts, c.pim
             FROM acct_classes c JOIN acct_domains d ON d.id = c.domain_id
             WHERE ?1 IS NULL OR d.name = ?1 ORDER BY d.name, c.name",
        )?;
        let rows = stmt.query_map(
            params![domain.map(|d| d.trim().to_ascii_lowercase())],
            |r| {
                Ok(AccountClass {
                    id: ClassId(r.get(0)?),
                    domain: r.get(1)?,
                    name: r.get(2)?,
                    switches: switches_from(r, 3)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // ---- accounts ------------------------------------------------------------------------

    /// Adds an account `local@domain`, optionally in a class of its domain and with a
    /// password. All its switches inherit.
    ///
    /// # Errors
    /// [`DirectoryError::Invalid`], [`DirectoryError::NotFound`],
    /// [`DirectoryError::AlreadyExists`], hashing and database errors.
    pub fn add_account(
        &mut self,
        address: &str,
        display_name: &str,
        class: Option<&str>,
        password: Option<&str>,
    ) -> Result<Account, DirectoryError> {
        let (local, domain) = address
            .rsplit_once('@')
            .ok_or_else(|| DirectoryError::Invalid {
                what: "address",
                value: address.to_owned(),
            })?;
        let local = norm_local(local)?;
        let d = self.domain(&norm_domain(domain)?)?;
        let class_id = match class {
            Some(c) => Some(self.class(&d.name, c)?.id.0),
            None => None,
        };
        if self.find_account(&format!("{local}@{}", d.name))?.is_some() {
            return Err(DirectoryError::AlreadyExists {
                kind: "account",
                name: format!("{local}@{}", d.name),
            });
        }
        let hash = match password {
            Some(p) => Some(self.config.hash_cost.hash(p)?),
            None => None,
        };
        self.conn.cached_execute(
            "INSERT INTO acct_accounts (domain_id, local, display_name, password_hash, class_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![d.id.0, local, display_name, hash, class_id],
        )?;
        self.account(AccountId(self.conn.last_insert_rowid()))
    }

    /// Removes an account (its seat is freed).
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn remove_account(&mut self, id: AccountId) -> Result<(), DirectoryError> {
        let n = self
            .conn
            .cached_execute("DELETE FROM acct_accounts WHERE id = ?1", params![id.0])?;
        if n == 0 {
            return Err(DirectoryError::NotFound {
                kind: "account",
                name: id.0.to_string(),
            });
        }
        Ok(())
    }

    /// An account by identifier.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn account(&self, id: AccountId) -> Result<Account, DirectoryError> {
        self.conn
            .cached_row(
                &format!("{ACCOUNT_SELECT} WHERE a.id = ?1"),
                params![id.0],
                account_from,
            )
            .optional()?
            .ok_or_else(|| DirectoryError::NotFound {
                kind: "account",
                name: id.0.to_string(),
            })
    }

    /// The accounts of a domain (or of all), by domain and local part.
    ///
    /// # Errors
    /// Database errors.
    pub fn accounts(&self, domain: Option<&str>) -> Result<Vec<Account>, DirectoryError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{ACCOUNT_SELECT} WHERE ?1 IS NULL OR d.name = ?1 ORDER BY d.name, a.local"
        ))?;
        let rows = stmt.query_map(
            params![domain.map(|d| d.trim().to_ascii_lowercase())],
            account_from,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Splits a login, `user@domain` or `DOMAIN\user`, into a lower-case local part and a
    /// domain name. In the `DOMAIN\user` form, `DOMAIN` is either a full domain name or the
    /// first label of exactly one configured domain (`EXAMPLE\alice` for `example.com`).
    fn parse_login(&self, login: &str) -> Result<Option<(String, String)>, DirectoryError> {
        let login = login.trim();
        if let Some((local, domain)) = login.rsplit_once('@') {
            return Ok(Some((local.to_lowercase(), domain.to_ascii_lowercase())));
        }
        let Some((domain, local)) = login.split_once('\\') else {
            return Ok(None);
        };
        let domain = domain.to_ascii_lowercase();
        if self.domain_id(&domain)?.is_some() {
            return Ok(Some((local.to_lowercase(), domain)));
        }
        let matches: Vec<String> = self
            .domains()?
            .into_iter()
            .map(|d| d.name)
            .filter(|n| n.split('.').next() == Some(domain.as_str()))
            .collect();
        match matches.as_slice() {
            [only] => Ok(Some((local.to_lowercase(), only.clone()))),
            _ => Ok(None),
        }
    }

    /// Finds an account by login (`user@domain` or `DOMAIN\user`).
    ///
    /// # Errors
    /// Database errors.
    pub fn find_account(&self, login: &str) -> Result<Option<AccountId>, DirectoryError> {
        let Some((local, domain)) = self.parse_login(login)? else {
            return Ok(None);
        };
        Ok(self
            .conn
            .cached_row(
                "SELECT a.id FROM acct_accounts a JOIN acct_domains d ON d.id = a.domain_id
                 WHERE d.name = ?1 AND a.local = ?2",
                params![domain, local],
                |r| r.get(0).map(AccountId),
            )
            .optional()?)
    }

    /// Finds an account by login, or fails with [`DirectoryError::NotFound`].
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn account_by_login(&self, login: &str) -> Result<Account, DirectoryError> {
        let id = self
            .find_account(login)?
            .ok_or_else(|| DirectoryError::NotFound {
                kind: "account",
                name: login.to_owned(),
            })?;
        self.account(id)
    }

    /// Sets the display name of an account.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn set_display_name(&mut self, id: AccountId, name: &str) -> Result<(), DirectoryError> {
        self.account(id)?;
        self.conn.cached_execute(
            "UPDATE acct_accounts SET display_name = ?1 WHERE id = ?2",
            params![name, id.0],
        )?;
        Ok(())
    }

    /// Puts an account in a class of its domain, or in none.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn set_class(&mut self, id: AccountId, class: Option<&str>) -> Result<(), DirectoryError> {
        let a = self.account(id)?;
        let class_id = match class {
            Some(c) => Some(self.class(&a.domain, c)?.id.0),
            None => None,
        };
        self.conn.cached_execute(
            "UPDATE acct_accounts SET class_id = ?1 WHERE id = ?2",
            params![class_id, id.0],
        )?;
        self.release_unentitled_seats()?;
        Ok(())
    }

    /// Sets (hashes with Argon2id) or clears the password of an account.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], hashing and database errors.
    pub fn set_password(
        &mut self,
        id: AccountId,
        password: Option<&str>,
    ) -> Result<(), DirectoryError> {
        self.account(id)?;
        let hash = match password {
            Some(p) => Some(self.config.hash_cost.hash(p)?),
            None => None,
        };
        self.conn.cached_execute(
            "UPDATE acct_accounts SET password_hash = ?1 WHERE id = ?2",
            params![hash, id.0],
        )?;
        Ok(())
    }

    /// Whether `password` is the account's password (no throttling; see
    /// [`Directory::authenticate`]).
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn verify_password(&self, id: AccountId, password: &str) -> Result<bool, DirectoryError> {
        let a = self.account(id)?;
        Ok(a.password_hash
            .as_deref()
            .is_some_and(|h| password::verify(password, h)))
    }

    // ---- authentication ------------------------------------------------------------------

    /// Authenticates a login (`user@domain` or `DOMAIN\user`) from `source` at `now`.
    ///
    /// Failures are counted per account (its normalised login, whether it exists or not) and
    /// per source address; once either reaches the policy's `max_failures` within `window`,
    /// logins for it are refused with [`AuthError::Throttled`] for `lockout`, without checking
    /// the password. A success forgets the account's failures; the source's failures are
    /// left to age out, so that one valid account cannot be used to reset a guessing source.
    /// An unknown account (or one without a password) is verified against a dummy hash of
    /// the same cost, so the answer takes as long as for a wrong password.
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`], [`AuthError::Throttled`], [`AuthError::Directory`].
    pub fn authenticate(
        &mut self,
        login: &str,
        password: &str,
        source: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<AccountId, AuthError> {
        let parsed = self.parse_login(login)?;
        let key = match &parsed {
            Some((local, domain)) => format!("{local}@{domain}"),
            None => login.trim().to_lowercase(),
        };
        if let Some(until) = self.by_source.locked_until(&source, now) {
            return Err(AuthError::Throttled { until });
        }
        if let Some(until) = self.by_account.locked_until(&key, now) {
            return Err(AuthError::Throttled { until });
        }
        let account = match parsed {
            Some(_) => match self.find_account(&key)? {
                Some(id) => Some(self.account(id)?),
                None => None,
            },
            None => None,
        };
        let hash = account
            .as_ref()
            .and_then(|a| a.password_hash.clone())
            .unwrap_or_else(|| self.dummy_hash.clone());
        let matches = password::verify(password, &hash);
        match account {
            Some(a) if matches && a.password_hash.is_some() => {
                self.by_account.reset(&key);
                Ok(a.id)
            }
            _ => {
                let policy = self.config.throttle;
                let by_account = self.by_account.fail(&key, now, &policy);
                let by_source = self.by_source.fail(&source, now, &policy);
                if let Some(until) = by_account.or(by_source) {
                    tracing::warn!(login = %key, %source, %until, "login throttled after repeated failures");
                }
                Err(AuthError::InvalidCredentials)
            }
        }
    }

    // ---- switches ------------------------------------------------------------------------

    /// Sets one switch at a domain, class or account.
    ///
    /// Explicitly enabling ActiveSync on an account that holds no seat takes a seat at once,
    /// and fails with [`DirectoryError::NoSeatFree`] (changing nothing) when none is free.
    /// Any change to an account's ActiveSync switch clears its "disabled by the seat pool"
    /// mark. Accounts that are no longer entitled to ActiveSync after the change give their
    /// seats back.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], [`DirectoryError::NoSeatFree`], database errors.
    pub fn set_switch(
        &mut self,
        target: Target<'_>,
        switch: Switch,
        setting: Setting,
    ) -> Result<(), DirectoryError> {
        let col = switch.column();
        match target {
            Target::Domain(name) => {
                let d = self.domain(name)?;
                self.conn.cached_execute(
                    &format!("UPDATE acct_domains SET {col} = ?1 WHERE id = ?2"),
                    params![setting.to_db(), d.id.0],
                )?;
            }
            Target::Class { domain, name } => {
                let c = self.class(domain, name)?;
                self.conn.cached_execute(
                    &format!("UPDATE acct_classes SET {col} = ?1 WHERE id = ?2"),
                    params![setting.to_db(), c.id.0],
                )?;
            }
            Target::Account(id) => {
                let a = self.account(id)?;
                let tx = self.write_transaction()?;
                if switch == Switch::ActiveSync {
                    if setting == Setting::Enabled && !a.holds_seat {
                        let (cap, used) = seat_counts(&tx)?;
                        if let Some(cap) = cap
                            && used >= cap
                        {
                            return Err(DirectoryError::NoSeatFree { cap, used });
                        }
                        tx.cached_execute(
                            "INSERT INTO acct_seats (account_id, taken_at) VALUES (?1, ?2)",
                            params![id.0, ts(Utc::now())],
                        )?;
                    }
                    tx.cached_execute(
                        "UPDATE acct_accounts SET pool_disabled_at = NULL, pool_prev = NULL
                         WHERE id = ?1",
                        params![id.0],
                    )?;
                }
                tx.cached_execute(
                    &format!("UPDATE acct_accounts SET {col} = ?1 WHERE id = ?2"),
                    params![setting.to_db(), id.0],
                )?;
                tx.commit()?;
            }
        }
        self.release_unentitled_seats()?;
        Ok(())
    }

    /// The effective switches of an account.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn effective(&self, id: AccountId) -> Result<Effective, DirectoryError> {
        let (domain, class, account): (Switches, Option<Switches>, Switches) = self
            .conn
            .cached_row(
                "SELECT d.activesync, d.email, d.contacts, d.pim,
                        c.id, c.activesync, c.email, c.contacts, c.pim,
                        a.activesync, a.email, a.contacts, a.pim
                 FROM acct_accounts a JOIN acct_domains d ON d.id = a.domain_id
                 LEFT JOIN acct_classes c ON c.id = a.class_id WHERE a.id = ?1",
                params![id.0],
                |r| {
                    let class = match r.get::<_, Option<i64>>(4)? {
                        Some(_) => Some(switches_from(r, 5)?),
                        None => None,
                    };
                    Ok((switches_from(r, 0)?, class, switches_from(r, 9)?))
                },
            )
            .optional()?
            .ok_or_else(|| DirectoryError::NotFound {
                kind: "account",
                name: id.0.to_string(),
            })?;
        Ok(resolve(&domain, class.as_ref(), &account))
    }

    /// Whether an admitted account may use a feature: it holds a seat, ActiveSync resolves to
    /// enabled, and so does the feature's sub-option.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn allows(&self, id: AccountId, feature: Feature) -> Result<bool, DirectoryError> {
        let a = self.account(id)?;
        Ok(a.holds_seat && self.effective(id)?.allows(feature))
    }

    // ---- seat pool -----------------------------------------------------------------------

    /// Sets the maximum number of ActiveSync accounts (`None`: unlimited).
    ///
    /// Lowering the cap below the seats in use takes no seat away (an administrator frees
    /// them by disabling accounts); no new seat is given until usage is under the cap.
    /// Raising the cap gives the accounts the pool disabled back their previous setting, so
    /// they compete for the new seats, first come, on their next connection.
    ///
    /// # Errors
    /// Database errors.
    pub fn set_seat_cap(&mut self, cap: Option<u32>) -> Result<(), DirectoryError> {
        let old = self.seat_cap()?;
        let raised = match (old, cap) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(o), Some(n)) => n > o,
        };
        let tx = self.write_transaction()?;
        match cap {
            Some(c) => tx.cached_execute(
                "INSERT OR REPLACE INTO acct_meta (key, value) VALUES ('seat_cap', ?1)",
                params![c.to_string()],
            )?,
            None => tx.cached_execute("DELETE FROM acct_meta WHERE key = 'seat_cap'", [])?,
        };
        if raised {
            let n = tx.cached_execute(
                "UPDATE acct_accounts SET activesync = COALESCE(pool_prev, 0),
                    pool_prev = NULL, pool_disabled_at = NULL
                 WHERE pool_disabled_at IS NOT NULL",
                [],
            )?;
            if n > 0 {
                tracing::info!(
                    accounts = n,
                    "ActiveSync seat cap raised: accounts disabled by the pool may connect again"
                );
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The maximum number of ActiveSync accounts (`None`: unlimited).
    ///
    /// # Errors
    /// Database errors.
    pub fn seat_cap(&self) -> Result<Option<u32>, DirectoryError> {
        Ok(seat_counts(&self.conn)?.0)
    }

    /// A transaction that takes the write lock at once. A deferred one reads first and then
    /// upgrades; when another connection writes meanwhile, SQLite refuses the upgrade with
    /// SQLITE_BUSY at once (waiting could deadlock), whatever the busy timeout.
    fn write_transaction(&mut self) -> Result<Transaction<'_>, rusqlite::Error> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
    }

    /// Called on every ActiveSync connection of an (authenticated) account.
    ///
    /// * ActiveSync resolving to disabled → [`Refusal::Disabled`], naming the level.
    /// * The account holds a seat → [`Admission::Admitted`].
    /// * A seat is free → the account takes it (first come, first served) and is admitted.
    /// * No seat is free → the account's ActiveSync option is set **explicitly** to
    ///   [`Setting::Disabled`] (marked as done by the pool), a warning is logged, and
    ///   [`Refusal::NoSeatLeft`] is returned. It stays disabled until an administrator
    ///   enables it (which needs a free seat) or raises the cap.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`], database errors.
    pub fn admit(
        &mut self,
        id: AccountId,
        now: DateTime<Utc>,
    ) -> Result<Admission, DirectoryError> {
        let account = self.account(id)?;
        let effective = self.effective(id)?;
        if !effective.activesync.enabled {
            return Ok(Admission::Refused(Refusal::Disabled {
                by: effective.activesync.source,
            }));
        }
        if account.holds_seat {
            return Ok(Admission::Admitted);
        }
        let tx = self.write_transaction()?;
        let (cap, used) = seat_counts(&tx)?;
        match cap {
            Some(cap) if used >= cap => {
                tx.cached_execute(
                    "UPDATE acct_accounts SET pool_prev = activesync, activesync = ?1,
                        pool_disabled_at = ?2 WHERE id = ?3",
                    params![Setting::Disabled.to_db(), ts(now), id.0],
                )?;
                tx.commit()?;
                tracing::warn!(
                    account = %account.address(),
                    cap,
                    used,
                    "no ActiveSync seat left: ActiveSync disabled explicitly for this account"
                );
                Ok(Admission::Refused(Refusal::NoSeatLeft { cap }))
            }
            _ => {
                tx.cached_execute(
                    "INSERT INTO acct_seats (account_id, taken_at) VALUES (?1, ?2)",
                    params![id.0, ts(now)],
                )?;
                tx.commit()?;
                tracing::info!(account = %account.address(), used = used + 1, ?cap, "ActiveSync seat taken");
                Ok(Admission::Admitted)
            }
        }
    }

    /// Seat usage: cap, used, free, and per domain.
    ///
    /// # Errors
    /// Database errors.
    pub fn usage(&self) -> Result<Usage, DirectoryError> {
        let (cap, used) = seat_counts(&self.conn)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.name, COUNT(a.id), COUNT(s.account_id), COUNT(a.pool_disabled_at)
             FROM acct_domains d LEFT JOIN acct_accounts a ON a.domain_id = d.id
             LEFT JOIN acct_seats s ON s.account_id = a.id
             GROUP BY d.id ORDER BY d.name",
        )?;
        let domains = stmt
            .query_map([], |r| {
                Ok(DomainUsage {
                    domain: r.get(0)?,
                    accounts: u32_of(r.get(1)?),
                    seats: u32_of(r.get(2)?),
                    pool_disabled: u32_of(r.get(3)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Usage {
            cap,
            used,
            free: cap.map(|c| c.saturating_sub(used)),
            domains,
        })
    }

    /// Frees the seats of accounts whose ActiveSync no longer resolves to enabled.
    fn release_unentitled_seats(&mut self) -> Result<(), DirectoryError> {
        let holders: Vec<AccountId> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT account_id FROM acct_seats")?;
            let rows = stmt.query_map([], |r| r.get(0).map(AccountId))?;
            rows.collect::<Result<_, _>>()?
        };
        for id in holders {
            if !self.effective(id)?.activesync.enabled {
                self.conn.cached_execute(
                    "DELETE FROM acct_seats WHERE account_id = ?1",
                    params![id.0],
                )?;
                tracing::info!(account = id.0, "ActiveSync seat released");
            }
        }
        Ok(())
    }
}

/// The cap and the seats in use.
fn seat_counts(conn: &Connection) -> Result<(Option<u32>, u32), DirectoryError> {
    let cap: Option<String> = conn
        .cached_row(
            "SELECT value FROM acct_meta WHERE key = 'seat_cap'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let cap = match cap {
        Some(v) => Some(v.parse::<u32>().map_err(|_| DirectoryError::Invalid {
            what: "stored seat cap",
            value: v,
        })?),
        None => None,
    };
    let used: i64 = conn.cached_row("SELECT COUNT(*) FROM acct_seats", [], |r| r.get(0))?;
    Ok((cap, u32_of(used)))
}

/// The largest contact picture an administrator may store (Exchange's own limit is 100 KB
/// for a GAL photo; a phone asks for far less with `MaxSize`).
pub const MAX_PICTURE_BYTES: usize = 100 * 1024;

/// Per-account media: the contact picture shown in GAL results and the S/MIME certificate
/// returned by ResolveRecipients. Kept in `acct_media` (created with the other `acct_`
/// tables; a database from before it gains the table on open, so the schema version holds).
impl Directory {
    /// Stores (or with `None` removes) an account's contact picture (JPEG bytes).
    ///
    /// # Errors
    /// [`DirectoryError::Invalid`] for an empty or too large picture, database errors.
    pub fn set_picture(
        &mut self,
        id: AccountId,
        picture: Option<&[u8]>,
    ) -> Result<(), DirectoryError> {
        if let Some(p) = picture
            && (p.is_empty() || p.len() > MAX_PICTURE_BYTES)
        {
            return Err(DirectoryError::Invalid {
                what: "picture size (1 byte to 100 KiB)",
                value: p.len().to_string(),
            });
        }
        self.account(id)?;
        self.conn.cached_execute(
            "INSERT INTO acct_media (account_id, picture) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET picture = excluded.picture",
            params![id.0, picture],
        )?;
        Ok(())
    }

    /// An account's contact picture, if one is stored.
    ///
    /// # Errors
    /// Database errors.
    pub fn picture(&self, id: AccountId) -> Result<Option<Vec<u8>>, DirectoryError> {
        Ok(self
            .conn
            .cached_row(
                "SELECT picture FROM acct_media WHERE account_id = ?1",
                params![id.0],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Stores (or with `None` removes) an account's S/MIME certificate (DER).
    ///
    /// # Errors
    /// [`DirectoryError::Invalid`] for an empty certificate, database errors.
    pub fn set_certificate(
        &mut self,
        id: AccountId,
        der: Option<&[u8]>,
    ) -> Result<(), DirectoryError> {
        if der.is_some_and(<[u8]>::is_empty) {
            return Err(DirectoryError::Invalid {
                what: "certificate",
                value: String::new(),
            });
        }
        self.account(id)?;
        self.conn.cached_execute(
            "INSERT INTO acct_media (account_id, certificate) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET certificate = excluded.certificate",
            params![id.0, der],
        )?;
        Ok(())
    }

    /// An account's S/MIME certificate (DER), if one is stored.
    ///
    /// # Errors
    /// Database errors.
    pub fn certificate(&self, id: AccountId) -> Result<Option<Vec<u8>>, DirectoryError> {
        Ok(self
            .conn
            .cached_row(
                "SELECT certificate FROM acct_media WHERE account_id = ?1",
                params![id.0],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
    }
}
