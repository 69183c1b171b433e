//! Device state, as every source reports it: one `watch` channel per source,
//! read by the API, the metrics and the logs.
//!
//! A source owns a [`StatusReporter`]; the daemon keeps the matching
//! receivers in [`Devices`]. Setting a state that differs from the current
//! one logs it once (a replugged scanner is one line, not one per retry).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;

use crate::clock::Clock;
use serde::Serialize;
use tokio::sync::watch;

/// What a device source is doing now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeviceState {
    /// Not yet tried.
    Starting,
    /// Open and reading; `detail` names what was opened (path, VID:PID, reader).
    Connected {
        /// What was opened.
        detail: String,
    },
    /// Was connected, lost it (unplugged, reader rebooted, socket silent).
    Disconnected {
        /// Why.
        reason: String,
    },
    /// Waiting before the next attempt to open.
    Retrying {
        /// Failed attempts so far.
        attempt: u32,
        /// Why the last attempt failed.
        reason: String,
    },
    /// Nothing matching the selector is present (no USB bus, not plugged in).
    NoDevice {
        /// What was looked for.
        selector: String,
    },
    /// Present, but lotstation may not open it.
    PermissionDenied {
        /// Device path.
        path: String,
        /// What to do about it (group, udev rule).
        hint: String,
    },
    /// The source has ended (replay finished, stdin closed, shut down).
    Stopped,
}

impl DeviceState {
    /// Short stable name: `starting`, `connected`, `disconnected`, ...
    pub fn name(&self) -> &'static str {
        match self {
            DeviceState::Starting => "starting",
            DeviceState::Connected { .. } => "connected",
            DeviceState::Disconnected { .. } => "disconnected",
            DeviceState::Retrying { .. } => "retrying",
            DeviceState::NoDevice { .. } => "no_device",
            DeviceState::PermissionDenied { .. } => "permission_denied",
            DeviceState::Stopped => "stopped",
        }
    }

    /// True when the device delivers scans.
    pub fn is_up(&self) -> bool {
        matches!(self, DeviceState::Connected { .. })
    }
}

/// A state and when it was entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceStatus {
    /// Current state.
    #[serde(flatten)]
    pub state: DeviceState,
    /// When the source entered it.
    pub since: Timestamp,
    /// Times the device went from connected to not connected.
    pub disconnects: u64,
}

/// The sending half a source keeps.
#[derive(Debug, Clone)]
pub struct StatusReporter {
    source: Arc<str>,
    tx: Arc<watch::Sender<DeviceStatus>>,
    clock: Clock,
}

impl StatusReporter {
    /// Report `state`; logs and counts only real changes.
    pub fn set(&self, state: DeviceState) {
        let source = &self.source;
        self.tx.send_if_modified(|cur| {
            if cur.state == state {
                return false;
            }
            let was_up = cur.state.is_up();
            match &state {
                DeviceState::Connected { detail } => {
                    tracing::info!(%source, %detail, "device connected")
                }
                DeviceState::Disconnected { reason } => {
                    tracing::warn!(%source, %reason, "device disconnected")
                }
                DeviceState::Retrying { attempt, reason } => {
                    tracing::debug!(%source, attempt, %reason, "device not available; retrying")
                }
                DeviceState::NoDevice { selector } => {
                    tracing::warn!(%source, %selector, "no matching device present")
                }
                DeviceState::PermissionDenied { path, hint } => {
                    tracing::error!(%source, %path, %hint, "device present but permission denied")
                }
                DeviceState::Starting | DeviceState::Stopped => {
                    tracing::debug!(%source, state = state.name(), "device state")
                }
            }
            if was_up && !state.is_up() {
                cur.disconnects = cur.disconnects.saturating_add(1);
            }
            cur.state = state;
            cur.since = self.clock.now();
            true
        });
    }

    /// The source this reporter belongs to.
    pub fn source(&self) -> &Arc<str> {
        &self.source
    }
}

/// All sources' states, by source name (the daemon's registry).
#[derive(Debug, Clone, Default)]
pub struct Devices {
    inner: Arc<Mutex<BTreeMap<Arc<str>, watch::Receiver<DeviceStatus>>>>,
    /// Stamps when each state began.
    clock: Clock,
}

impl Devices {
    /// An empty registry whose states are stamped by `clock`.
    pub fn new(clock: Clock) -> Devices {
        Devices {
            inner: Arc::default(),
            clock,
        }
    }

    /// Register a source and get the reporter it will use.
    pub fn register(&self, source: Arc<str>) -> StatusReporter {
        let (tx, rx) = watch::channel(DeviceStatus {
            state: DeviceState::Starting,
            since: self.clock.now(),
            disconnects: 0,
        });
        if let Ok(mut map) = self.inner.lock() {
            map.insert(source.clone(), rx);
        }
        StatusReporter {
            source,
            tx: Arc::new(tx),
            clock: self.clock.clone(),
        }
    }

    /// Current state of every source, sorted by name.
    pub fn snapshot(&self) -> Vec<(Arc<str>, DeviceStatus)> {
        match self.inner.lock() {
            Ok(map) => map
                .iter()
                .map(|(k, rx)| (k.clone(), rx.borrow().clone()))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// A receiver for one source (to wait on changes).
    pub fn watch(&self, source: &str) -> Option<watch::Receiver<DeviceStatus>> {
        self.inner.lock().ok()?.get(source).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_recorded_and_disconnects_counted_once() {
        let devices = Devices::default();
        let r = devices.register(Arc::from("scanner-1"));
        r.set(DeviceState::Connected {
            detail: "/dev/ttyACM0".into(),
        });
        r.set(DeviceState::Disconnected {
            reason: "EIO".into(),
        });
        r.set(DeviceState::Retrying {
            attempt: 1,
            reason: "ENOENT".into(),
        });
        r.set(DeviceState::Retrying {
            attempt: 1,
            reason: "ENOENT".into(),
        });
        let snap = devices.snapshot();
        assert_eq!(snap.len(), 1);
        let (name, st) = &snap[0];
        assert_eq!(&**name, "scanner-1");
        assert_eq!(st.state.name(), "retrying");
        assert_eq!(st.disconnects, 1);
        let json = serde_json::to_value(st).unwrap();
        assert_eq!(json["state"], "retrying");
        assert_eq!(json["attempt"], 1);
    }

    #[tokio::test]
    async fn a_watcher_sees_the_change() {
        let devices = Devices::default();
        let r = devices.register(Arc::from("portal"));
        let mut rx = devices.watch("portal").unwrap();
        r.set(DeviceState::NoDevice {
            selector: "usb:05e0:1200".into(),
        });
        rx.changed().await.unwrap();
        assert_eq!(rx.borrow().state.name(), "no_device");
        assert!(devices.watch("other").is_none());
    }
}
