//! The embedded SQLite mailbox store: folders, items with a per-folder modification
//! sequence, and device state, in tables prefixed `store_`.
//!
//! # Schema versions
//!
//! The schema is built by [`MIGRATIONS`], applied in order; the `store_schema_version` table
//! holds how many have been applied. Opening a database at an older version applies the
//! missing ones in one transaction, so a database is never left half-upgraded.
//!
//! # Content encoding
//!
//! Mail is kept as its original MIME bytes (a BLOB), so nothing of the message is lost and
//! rendering for a client is done on demand. PIM items are kept as
//! text: iCalendar for calendar items, tasks and notes, vCard for contacts (see [`mailbox`]).
pub mod devices;
pub mod mailbox;
pub mod state_codec;

/// Statements run on every request are prepared once per connection and kept: SQLite's
/// parser was 30 % of the server's CPU in the no-change Sync benchmark before
/// (docs/PERFORMANCE.md). These mirror `query_row` and `execute` over the statement cache.
pub(crate) trait CachedSql {
    /// [`rusqlite::Connection::query_row`], from the statement cache.
    fn cached_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;

    /// [`rusqlite::Connection::execute`], from the statement cache.
    fn cached_execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl CachedSql for Connection {
    fn cached_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    fn cached_execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}

/// How many prepared statements a connection keeps (the hot ones are a few dozen).
const STATEMENT_CACHE: usize = 256;

/// Lets `conn` keep its prepared statements: a statement cache of [`STATEMENT_CACHE`], and
/// the query planner stability guarantee. Without the latter, SQLite (built with STAT4)
/// marks a statement whose plan looked at a bound value as expired whenever that value
/// changes — the account id changes on nearly every request — and parses it again.
pub(crate) fn keep_statements(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The database was written by a newer server (more migrations than this one knows).
    #[error("database schema version {found} is newer than the supported {supported}")]
    TooNew {
        /// The version found in the file.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
}

/// The schema migrations, oldest first; migration `i` takes the schema to version `i + 1`.
/// Never edit a released entry: append a new one.
pub const MIGRATIONS: &[&str] = &[
    // v1: folders and items; mail content is MIME bytes, PIM content encoded wire data.
    "CREATE TABLE store_folders (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL,
        parent_id INTEGER REFERENCES store_folders(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        folder_type INTEGER NOT NULL,
        class INTEGER NOT NULL,
        next_modseq INTEGER NOT NULL DEFAULT 1
     );
     CREATE TABLE store_items (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES store_folders(id) ON DELETE CASCADE,
        modseq INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        date INTEGER,
        complete INTEGER NOT NULL DEFAULT 0,
        content BLOB
     );",
    // v2: the change feed becomes an index range scan; device state is persisted.
    "CREATE UNIQUE INDEX store_items_feed ON store_items(folder_id, modseq);
     CREATE TABLE store_devices (
        account_id INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        state BLOB NOT NULL,
        PRIMARY KEY (account_id, device_id)
     );",
    // v3: the mailbox row (hierarchy sequence), item identity and mail state columns.
    "CREATE TABLE store_mailboxes (
        account_id INTEGER PRIMARY KEY,
        hierarchy_seq INTEGER NOT NULL DEFAULT 1
     );
     CREATE INDEX store_folders_account ON store_folders(account_id, folder_type);
     CREATE INDEX store_folders_parent ON store_folders(parent_id);
     ALTER TABLE store_items ADD COLUMN uid TEXT;
     ALTER TABLE store_items ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE store_items ADD COLUMN conversation_id BLOB;
     ALTER TABLE store_items ADD COLUMN mail_read INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE store_items ADD COLUMN mail_flag TEXT;
     ALTER TABLE store_items ADD COLUMN mail_categories TEXT;
     ALTER TABLE store_items ADD COLUMN last_verb INTEGER;
     ALTER TABLE store_items ADD COLUMN last_verb_time INTEGER;
     CREATE INDEX store_items_live ON store_items(folder_id, deleted, id);
     CREATE INDEX store_items_conversation ON store_items(conversation_id)
        WHERE conversation_id IS NOT NULL;",
    // v4: what provisioning remembers per device.
    "CREATE TABLE store_provisioning (
        account_id INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        device_type TEXT NOT NULL,
        pending_key INTEGER,
        pending_fingerprint INTEGER,
        policy_key INTEGER,
        policy_fingerprint INTEGER,
        compliance INTEGER,
        device_info INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, device_id)
     );",
    // v5: the outline of a message with large attachments, read instead of the message
    // when a device is shown it (see eas_model::mail::outline).
    "ALTER TABLE store_items ADD COLUMN outline BLOB;",
    // v6: answers given to meeting requests (see crate::meetings).
    crate::meetings::SCHEMA,
    // v7: the outbound queue (see crate::mailout).
    crate::mailout::SCHEMA,
    // v8: out-of-office settings and replies, device recovery passwords (see crate::oof).
    crate::oof::SCHEMA,
    // v9: device records, access rules and wipes (see crate::device_access).
    crate::device_access::SCHEMA,
    // v10: protocol version ceilings per account and device.
    crate::device_access::CEILINGS_SCHEMA,
    // v11: device policies per domain set by the administrator (see crate::domain_policy).
    crate::domain_policy::SCHEMA,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The store: one SQLite database for every account.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open (creating if needed) the database at `path`, in WAL mode, upgrading its schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        // WAL lets readers proceed while a delivery or sync writes.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Store::init(conn)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // The directory and the store are separate connections to one file; a writer waits
        // for the other instead of failing with SQLITE_BUSY.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        keep_statements(&conn)?;
        migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        current_version(&self.conn)
    }

    /// The underlying connection, for the modules built on the store.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The underlying connection, for the server to own.
    pub fn into_connection(self) -> Connection {
        self.conn
    }
}

fn current_version(conn: &Connection) -> Result<u32, StoreError> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS store_schema_version (version INTEGER NOT NULL)",
        [],
    )?;
    let v: Option<u32> = conn
        .query_row("SELECT version FROM store_schema_version", [], |r| r.get(0))
        .optional()?;
    Ok(v.unwrap_or(0))
}

/// Apply the migrations the database lacks, in one transaction.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found = current_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.execute("DELETE FROM store_schema_version", [])?;
    tx.execute(
        "INSERT INTO store_schema_version (version) VALUES (?1)",
        [SCHEMA_VERSION],
    )?;
    tx.commit()?;
    Ok(())
}
