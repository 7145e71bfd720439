//! The embedded store: schema migrations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use eas_server::store::{MIGRATIONS, SCHEMA_VERSION, Store, StoreError};

#[test]
fn new_database_is_at_current_version() {
    let s = Store::open_in_memory().unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    // Every migration was applied and recorded, once.
    let rows: Vec<u32> = s
        .connection()
        .prepare("SELECT version FROM store_schema_version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, vec![MIGRATIONS.len() as u32]);
}

#[test]
fn v1_database_is_migrated_and_keeps_its_rows() {
    let dir = std::env::temp_dir().join(format!("hstore-mig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("v1.db");
    let _ = std::fs::remove_file(&path);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.execute_batch(
            "CREATE TABLE store_schema_version (version INTEGER NOT NULL);
             INSERT INTO store_schema_version VALUES (1);
             INSERT INTO store_folders (id, account_id, name, folder_type, class) VALUES (1, 7, 'Inbox', 2, 0);",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let n: i64 = s
        .connection()
        .query_row(
            "SELECT count(*) FROM store_folders WHERE account_id = 7",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
    // The v2 objects exist after the upgrade.
    let idx: i64 = s
        .connection()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('store_items_feed', 'store_devices')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(idx, 2);
    drop(s);
    // Reopening is a no-op at the current version.
    assert_eq!(
        Store::open(&path).unwrap().schema_version().unwrap(),
        SCHEMA_VERSION
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn newer_database_is_refused() {
    let dir = std::env::temp_dir().join(format!("hstore-new-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("new.db");
    let _ = std::fs::remove_file(&path);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE store_schema_version (version INTEGER NOT NULL);
             INSERT INTO store_schema_version VALUES (999);",
        )
        .unwrap();
    }
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::TooNew { found: 999, .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
