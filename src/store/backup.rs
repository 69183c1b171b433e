//! Online backup and offline verification of store files.
//!
//! A backup copies every table, as seen by one read transaction, into a new
//! redb file written under a temporary name, commits it durably, checks it
//! with [`verify_file`] and only then renames it into place. The live writer
//! keeps going meanwhile (MVCC).

use std::path::{Path, PathBuf};

use redb::{
    Database, Key, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, Value,
    WriteTransaction,
};

use crate::store::audit::{self, VerifyReport};
use crate::store::schema::*;
use crate::store::{StoreConfig, StoreError, open_database};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// The backup file.
    pub path: PathBuf,
    /// Rows copied, all tables together.
    pub rows: u64,
    /// Transactions in the backup.
    pub transactions: u64,
    /// File size in bytes.
    pub bytes: u64,
}

fn copy<K: Key + 'static, V: Value + 'static>(
    src: &ReadTransaction,
    dst: &WriteTransaction,
    def: TableDefinition<K, V>,
) -> Result<u64, StoreError> {
    let from = src.open_table(def)?;
    let mut to = dst.open_table(def)?;
    let mut n = 0;
    for entry in from.iter()? {
        let (k, v) = entry?;
        to.insert(k.value(), v.value())?;
        n += 1;
    }
    Ok(n)
}

fn copy_all(src: &ReadTransaction, dst: &WriteTransaction) -> Result<u64, StoreError> {
    Ok(copy(src, dst, META)?
        + copy(src, dst, ITEMS)?
        + copy(src, dst, LOTS)?
        + copy(src, dst, LOTS_FEFO)?
        + copy(src, dst, LOT_CHILDREN)?
        + copy(src, dst, LOT_SHIPMENTS)?
        + copy(src, dst, LOCATIONS)?
        + copy(src, dst, LOCATION_GLN)?
        + copy(src, dst, WORK_ORDERS)?
        + copy(src, dst, SHIPMENTS)?
        + copy(src, dst, TRANSACTIONS)?
        + copy(src, dst, TX_IDS)?
        + copy(src, dst, TX_BY_STATION)?
        + copy(src, dst, TX_BY_LOT)?
        + copy(src, dst, AUDIT)?
        + copy(src, dst, OUTBOX)?
        + copy(src, dst, SYNC_STATE)?
        + copy(src, dst, STATION_SEQ)?
        + copy(src, dst, INTERNAL_LOT_SEQ)?
        + copy(src, dst, SERIALS)?)
}

fn backup_err(path: &Path, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backup {
        path: path.to_owned(),
        detail: detail.to_string(),
    }
}

pub(crate) fn backup(db: &Database, dest: &Path) -> Result<BackupSummary, StoreError> {
    if dest.exists() {
        return Err(backup_err(dest, "the file exists; choose a new name"));
    }
    let mut partial = dest.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);

    let src = db.begin_read()?;
    let rows = {
        let out = Database::builder()
            .set_cache_size(StoreConfig::default().cache_size_bytes)
            .create(&partial)
            .map_err(|e| backup_err(dest, e))?;
        let w = out.begin_write()?;
        let rows = copy_all(&src, &w)?;
        w.commit()?;
        rows
    };
    drop(src);
    let report = verify_file(&partial)?;
    if !report.is_ok() {
        let _ = std::fs::remove_file(&partial);
        return Err(backup_err(
            dest,
            format!("the copy does not verify: {report}"),
        ));
    }
    std::fs::rename(&partial, dest).map_err(|e| backup_err(dest, e))?;
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| backup_err(dest, e))?;
    }
    let bytes = std::fs::metadata(dest)
        .map_err(|e| backup_err(dest, e))?
        .len();
    Ok(BackupSummary {
        path: dest.to_owned(),
        rows,
        transactions: report.transactions,
        bytes,
    })
}

/// Verify a store file that no process has open: redb page checksums
/// (repairing allocator state if needed), then the audit chain, per-station
/// sequences, indexes and stock (see [`VerifyReport`]).
pub fn verify_file(path: &Path) -> Result<VerifyReport, StoreError> {
    if !path.exists() {
        return Err(StoreError::Open {
            path: path.to_owned(),
            source: redb::DatabaseError::Storage(redb::StorageError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file",
            ))),
        });
    }
    let db = open_database(path, &StoreConfig::default(), true)?;
    audit::verify(&db.begin_read()?)
}
