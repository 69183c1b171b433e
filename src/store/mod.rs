//! The station's durable store: master data, stock, transactions, outbox and
//! audit chain in one redb file.
//!
//! **A transaction is acknowledged only after `commit` returned with
//! Immediate durability.** [`Store::commit`] replies only once redb's
//! `WriteTransaction::commit` has returned under [`redb::Durability::Immediate`]
//! (the data is on disk); the station shows green only after that reply.
//!
//! # Shape
//!
//! - One writer: a dedicated OS thread ([`writer`]) owns every write
//!   transaction. [`Store`] handles (cheap to clone) send it [`StoreCommand`]s
//!   over a bounded channel and await a oneshot reply.
//! - One accepted move is recorded in one write transaction holding the
//!   transaction row, its outbox row, its audit-chain link and the state
//!   change computed by the pure [`apply`]. When several commits are queued,
//!   the writer takes up to [`StoreConfig::group_commit_max`] of them into one
//!   write transaction (group commit): still one durable commit, and every
//!   caller is answered only after it.
//! - Readers take a [`Snapshot`] (a redb read transaction); MVCC means they
//!   never block the writer. The rules judge moves against a snapshot through
//!   [`crate::rules::View`].
//! - Retrying a commit with the same [`TxId`] answers
//!   [`Committed::AlreadyRecorded`] with the originally recorded seq and
//!   verdict; a transaction is never recorded twice.
//! - The store assigns each station's gap-free `seq` at commit, and each
//!   commit a global, gap-free commit index (the outbox and audit order).
//!
//! # Shutdown
//!
//! The writer ends when the last [`Store`] handle is dropped (drop-to-finish):
//! queued commands are served first, then the thread exits and the file is
//! closed. Dropping the last handle joins the writer thread.
//!
//! Tables and encodings are listed in [`schema`].

pub mod apply;
mod audit;
mod backup;
mod cache;
pub mod import;
pub mod schema;
mod snapshot;
pub mod sync;
pub mod trace;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;

use jiff::Timestamp;
use jiff::civil::Date;
use redb::{Database, ReadableDatabase};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::model::{TxId, Verdict};

pub use apply::ApplyError;
pub use audit::{BrokenLink, NegativeStock, SeqProblem, VerifyReport};
pub use backup::{BackupSummary, verify_file};
pub use import::{ImportError, ImportSummary, MasterData};
pub use schema::{CodecError, SCHEMA_VERSION};
pub use snapshot::{OutboxEntry, RawOutboxEntry, Snapshot};
pub(crate) use writer::StoreCommand;

/// Tuning of the store. Every queue and cache is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreConfig {
    /// redb page cache, in bytes. redb's own default is 1 GiB, and RSS grows
    /// toward the file size with it; 64 MiB keeps an edge box predictable.
    pub cache_size_bytes: usize,
    /// Most commit commands the writer takes into one write transaction.
    /// 1 disables group commit.
    pub group_commit_max: usize,
    /// Capacity of the command channel to the writer. Senders wait (a person
    /// is waiting for the scan; nothing is dropped) when it is full.
    pub queue_capacity: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            cache_size_bytes: 64 * 1024 * 1024,
            group_commit_max: 64,
            queue_capacity: 256,
        }
    }
}

/// What a commit did. Retrying is safe: the caller can tell "recorded now"
/// from "was already recorded".
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Committed {
    /// Recorded now, durably.
    New {
        /// The transaction.
        id: TxId,
        /// Its per-station sequence number.
        seq: u64,
    },
    /// A transaction with this id was recorded before; nothing changed.
    AlreadyRecorded {
        /// The transaction.
        id: TxId,
        /// The seq it was recorded with.
        seq: u64,
        /// The verdict it was recorded with.
        verdict: Verdict,
    },
}

impl Committed {
    /// The station sequence number of the recorded transaction.
    pub fn seq(&self) -> u64 {
        match self {
            Committed::New { seq, .. } | Committed::AlreadyRecorded { seq, .. } => *seq,
        }
    }

    /// True if this call recorded the transaction.
    pub fn is_new(&self) -> bool {
        matches!(self, Committed::New { .. })
    }
}

/// Writer counters (see [`Store::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Durable write transactions that recorded at least one commit.
    pub commit_txns: u64,
    /// Transactions recorded.
    pub recorded: u64,
}

/// The sync task's persistent state (see `docs/sync-protocol.md`).
///
/// Stored as JSON with every field defaulted, so a later build can add
/// fields without a migration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncState {
    /// Status-lane cursor applied (holds, releases, recalls); 0 = none yet.
    pub status_cursor: u64,
    /// Master-data-lane cursor applied; 0 = none yet.
    pub master_cursor: u64,
    /// Last successful push (the server answered every transaction sent).
    pub last_push: Option<Timestamp>,
    /// Last successful pull of the status lane: how fresh the station's
    /// knowledge of holds and recalls is.
    pub last_status_pull: Option<Timestamp>,
    /// Last successful pull of the master-data lane.
    pub last_master_pull: Option<Timestamp>,
    /// Last time the central server answered at all.
    pub last_contact: Option<Timestamp>,
    /// First failed exchange since the last contact: "offline since".
    pub offline_since: Option<Timestamp>,
    /// Last error, as shown to IT (never contains the token).
    pub last_error: Option<String>,
    /// Server's head of the status lane when last seen (for the lag).
    pub status_head: u64,
    /// Server's head of the master-data lane when last seen.
    pub master_head: u64,
}

impl SyncState {
    /// The cursors to record on a transaction judged now.
    pub fn knowledge(&self) -> crate::model::Knowledge {
        crate::model::Knowledge {
            status: self.status_cursor,
            master: self.master_cursor,
        }
    }
}

/// Why a transaction needs a person after the central server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// The server refused it for good; it is parked (not in the outbox)
    /// until `lotstation outbox retry ID` re-queues it after a fix.
    Rejected,
    /// The server accepted the physical fact but flagged it (e.g. the lot
    /// was held centrally when the station used it offline). It is synced;
    /// the record is for a person to follow up.
    Flagged,
}

/// A transaction the central server rejected or flagged, kept for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncException {
    /// The transaction.
    pub id: TxId,
    /// Its station sequence number.
    pub seq: u64,
    /// Rejected (parked) or flagged (synced).
    pub kind: ExceptionKind,
    /// The server's stable code, e.g. `LOT_HELD_CENTRALLY`, `UNKNOWN_ITEM`.
    pub code: String,
    /// The server's text.
    pub message: String,
    /// The server's case reference (a hold or recall case), if any.
    #[serde(default)]
    pub case_ref: Option<String>,
    /// For flagged uses of a held lot: whether the station had already
    /// pulled the hold when it recorded the move.
    #[serde(default)]
    pub station_knew: Option<bool>,
    /// When the answer arrived.
    pub at: Timestamp,
}

/// A lot status decided centrally, kept so that it also applies to a lot
/// the station only learns about later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentralStatus {
    /// The status.
    pub status: crate::model::LotStatus,
    /// Why, as the server said.
    #[serde(default)]
    pub reason: Option<String>,
    /// The server's case reference.
    #[serde(default)]
    pub case_ref: Option<String>,
    /// The status-lane cursor of the change.
    pub cursor: u64,
}

/// Errors of the store. Texts say what happened and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file could not be opened or created.
    #[error(
        "cannot open the store at {path}: {source} (is another lotstation running on it? \
         is the directory writable?)"
    )]
    Open {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: redb::DatabaseError,
    },
    /// The file was written by a newer lotstation.
    #[error(
        "the store at {path} has schema version {found}, newer than this build supports \
         ({supported}); run the lotstation version that wrote it, or restore a backup"
    )]
    SchemaTooNew {
        /// Path.
        path: PathBuf,
        /// Version in the file.
        found: u64,
        /// Version this build writes.
        supported: u64,
    },
    /// The file has an older schema with no known migration.
    #[error(
        "the store at {path} has schema version {found}, which this build cannot migrate to \
         {supported}; migrate it with an intermediate lotstation release"
    )]
    SchemaUnmigratable {
        /// Path.
        path: PathBuf,
        /// Version in the file.
        found: u64,
        /// Version this build writes.
        supported: u64,
    },
    /// redb failed (I/O, full disk, corruption).
    #[error("store I/O failed: {0}")]
    Storage(#[source] redb::Error),
    /// A stored value cannot be decoded.
    #[error("store row {table}[{key}] cannot be decoded: {source} (run `lotstation verify`)")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// Key, as text.
        key: String,
        /// Cause.
        #[source]
        source: CodecError,
    },
    /// A value cannot be encoded.
    #[error("cannot encode a value for the store: {0}")]
    Encode(#[source] CodecError),
    /// The move cannot be applied to the current stock.
    #[error("move not recorded: {0}")]
    Apply(#[from] ApplyError),
    /// The transaction's verdict is a rejection without an override.
    #[error("transaction {0} was rejected and has no supervisor override; it is not recorded")]
    NotAccepted(TxId),
    /// The transaction has no station.
    #[error("transaction {0} has no station id")]
    NoStation(TxId),
    /// Master data import failed; nothing was applied.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The writer thread is gone.
    #[error("the store writer has stopped; restart lotstation")]
    WriterGone,
    /// `outbox retry` refused.
    #[error(transparent)]
    RetryRefused(#[from] sync::RetryRefused),
    /// A backup destination problem.
    #[error("backup to {path} failed: {detail}")]
    Backup {
        /// Destination.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Storage(e.into())
            }
        }
    )*};
}
storage_from!(
    redb::Error,
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::SetDurabilityError
);

/// Handle to the store. Clone it freely; the writer thread ends when the last
/// handle is dropped.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Database>,
    path: PathBuf,
    commands: Option<mpsc::Sender<StoreCommand>>,
    writer: Option<JoinHandle<()>>,
    outbox_notify: Arc<Notify>,
    counters: Arc<writer::Counters>,
    cache: Arc<cache::MasterCache>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel lets the writer serve what is queued and exit;
        // joining it means the file is closed once the last handle is gone.
        self.commands.take();
        if let Some(h) = self.writer.take() {
            let _ = h.join();
        }
    }
}

/// Open a redb file with the store's settings, check the schema version and
/// migrate. Shared by [`Store::open`] and [`verify_file`].
pub(crate) fn open_database(
    path: &Path,
    config: &StoreConfig,
    check_integrity: bool,
) -> Result<Database, StoreError> {
    let db = Database::builder()
        .set_cache_size(config.cache_size_bytes)
        .set_check_integrity_on_open(check_integrity)
        .create(path)
        .map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
    let w = db.begin_write()?;
    match schema::check_and_migrate(&w)? {
        schema::SchemaCheck::TooNew(found) => {
            w.abort()?;
            return Err(StoreError::SchemaTooNew {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        schema::SchemaCheck::NoMigration(found) => {
            w.abort()?;
            return Err(StoreError::SchemaUnmigratable {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        schema::SchemaCheck::Current => w.abort()?,
        schema::SchemaCheck::Created | schema::SchemaCheck::Migrated(_) => w.commit()?,
    }
    Ok(db)
}

impl Store {
    /// Open (or create) the store at `path` and start its writer thread.
    ///
    /// Refuses a file whose schema version is newer than [`SCHEMA_VERSION`].
    /// After an unclean stop redb repairs the file during this call.
    pub fn open(path: impl AsRef<Path>, config: StoreConfig) -> Result<Store, StoreError> {
        let path = path.as_ref().to_owned();
        let db = Arc::new(open_database(&path, &config, false)?);
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let outbox_notify = Arc::new(Notify::new());
        let counters = Arc::new(writer::Counters::default());
        let cache = Arc::new(cache::MasterCache::default());
        let writer = writer::spawn(
            Arc::clone(&db),
            rx,
            config.group_commit_max.max(1),
            Arc::clone(&outbox_notify),
            Arc::clone(&counters),
            Arc::clone(&cache),
        )
        .map_err(|e| StoreError::Backup {
            path: path.clone(),
            detail: format!("cannot start the writer thread: {e}"),
        })?;
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                path,
                commands: Some(tx),
                writer: Some(writer),
                outbox_notify,
                counters,
                cache,
            }),
        })
    }

    /// Path of the store file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Notified after every commit that added outbox rows (wakes the sync task).
    pub fn outbox_notify(&self) -> Arc<Notify> {
        Arc::clone(&self.inner.outbox_notify)
    }

    /// Writer counters since open: durable write transactions that recorded
    /// commits, and transactions recorded. Their ratio is the group size.
    pub fn stats(&self) -> WriterStats {
        WriterStats {
            commit_txns: self.inner.counters.commit_txns.load(Ordering::Relaxed),
            recorded: self.inner.counters.recorded.load(Ordering::Relaxed),
        }
    }

    /// A consistent read view of the whole store as of now.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let generation = self.inner.cache.generation();
        Snapshot::new(
            self.inner.db.begin_read()?,
            Some((Arc::clone(&self.inner.cache), generation)),
        )
    }

    /// A lot, as of now (for CLI queries; the rules use a [`Snapshot`]).
    pub fn lot(&self, key: &crate::model::LotKey) -> Result<Option<crate::model::Lot>, StoreError> {
        self.snapshot()?.try_lot(key)
    }

    /// Every transaction that touched a lot, oldest first.
    pub fn history(
        &self,
        key: &crate::model::LotKey,
    ) -> Result<Vec<crate::model::Transaction>, StoreError> {
        self.snapshot()?.history(key)
    }

    /// Up to `limit` outbox entries not yet acknowledged, in commit order.
    pub fn pending(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.snapshot()?.outbox_pending(limit)
    }

    async fn call<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> StoreCommand,
    ) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        let sender = self.inner.commands.as_ref().ok_or(StoreError::WriterGone)?;
        sender
            .send(make(reply))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    fn blocking_call<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> StoreCommand,
    ) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        let sender = self.inner.commands.as_ref().ok_or(StoreError::WriterGone)?;
        sender
            .blocking_send(make(reply))
            .map_err(|_| StoreError::WriterGone)?;
        rx.blocking_recv().map_err(|_| StoreError::WriterGone)?
    }

    /// Record an accepted transaction durably: the transaction row, its outbox
    /// row, its audit link and the state change, in one write transaction.
    ///
    /// `tx.seq` is ignored: the store assigns the station's next seq. The
    /// reply comes only after the commit returned with Immediate durability.
    pub async fn commit(&self, tx: crate::model::Transaction) -> Result<Committed, StoreError> {
        self.call(|reply| StoreCommand::Commit {
            tx: Box::new(tx),
            reply,
        })
        .await
    }

    /// [`Store::commit`] for synchronous callers (the CLI). Must not be called
    /// from inside an async runtime.
    pub fn blocking_commit(&self, tx: crate::model::Transaction) -> Result<Committed, StoreError> {
        self.blocking_call(|reply| StoreCommand::Commit {
            tx: Box::new(tx),
            reply,
        })
    }

    /// Remove acknowledged transactions from the outbox. Returns how many
    /// rows were removed (ids not pending are ignored).
    pub async fn mark_synced(&self, ids: Vec<TxId>) -> Result<usize, StoreError> {
        self.call(|reply| StoreCommand::MarkSynced { ids, reply })
            .await
    }

    /// Replace the sync state.
    pub async fn set_sync_state(&self, state: SyncState) -> Result<(), StoreError> {
        self.call(|reply| StoreCommand::SetSyncState { state, reply })
            .await
    }

    /// Apply a push answer: synced rows leave the outbox, rejected ones are
    /// parked as exceptions, flagged ones recorded, and the sync state
    /// written, in one write transaction. Returns the outbox rows removed.
    pub async fn apply_push(&self, outcome: sync::PushOutcome) -> Result<usize, StoreError> {
        self.call(|reply| StoreCommand::ApplyPush {
            outcome: Box::new(outcome),
            reply,
        })
        .await
    }

    /// Apply a page of changes pulled from the central server together
    /// with the new sync state (its cursor), in one write transaction.
    pub async fn apply_changes(
        &self,
        changes: Vec<crate::protocol::ChangeData>,
        state: SyncState,
    ) -> Result<sync::AppliedChanges, StoreError> {
        self.call(|reply| StoreCommand::ApplyChanges {
            changes,
            state: Box::new(state),
            reply,
        })
        .await
    }

    /// Put a transaction the central server rejected back into the outbox
    /// (after the cause was fixed); returns its commit index. Wakes the
    /// sync task.
    pub fn blocking_retry_exception(&self, id: TxId) -> Result<u64, StoreError> {
        self.blocking_call(|reply| StoreCommand::RetryException { id, reply })
    }

    /// [`Store::blocking_retry_exception`] for async callers.
    pub async fn retry_exception(&self, id: TxId) -> Result<u64, StoreError> {
        self.call(|reply| StoreCommand::RetryException { id, reply })
            .await
    }

    /// Hand out the next internal lot sequence number for `day` (from 1),
    /// durably, so a restart never reuses one.
    pub async fn next_internal_lot_seq(&self, day: Date) -> Result<u32, StoreError> {
        self.call(|reply| StoreCommand::NextInternalLotSeq { day, reply })
            .await
    }

    /// Load master data validated by [`import`] in one write transaction.
    /// References to rows not in `data` are checked against the store; on any
    /// error nothing is applied.
    pub async fn import(&self, data: MasterData) -> Result<ImportSummary, StoreError> {
        self.call(|reply| StoreCommand::Import {
            data: Box::new(data),
            reply,
        })
        .await
    }

    /// [`Store::import`] for synchronous callers (the CLI).
    pub fn blocking_import(&self, data: MasterData) -> Result<ImportSummary, StoreError> {
        self.blocking_call(|reply| StoreCommand::Import {
            data: Box::new(data),
            reply,
        })
    }

    /// Round trip through the writer queue: proves the writer is alive (for
    /// the systemd watchdog).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.call(|reply| StoreCommand::Ping { reply }).await
    }

    /// Check the audit chain, per-station sequences and stock of the live
    /// store (in a read transaction; the writer keeps going).
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        audit::verify(&self.inner.db.begin_read()?)
    }

    /// Write a consistent copy of the store, as of now, to a new file `dest`.
    /// The copy opens as a store and passes [`verify_file`].
    pub fn backup(&self, dest: impl AsRef<Path>) -> Result<BackupSummary, StoreError> {
        backup::backup(&self.inner.db, dest.as_ref())
    }
}

#[cfg(test)]
mod tests;
