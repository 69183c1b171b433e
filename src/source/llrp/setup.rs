//! What lotstation asks of a reader, built from its settings and the
//! reader's own capabilities (pure: no I/O).
//!
//! Power and sensitivity are configured in dBm/dB and turned into the
//! *indexes* of the reader's own tables from GET_READER_CAPABILITIES (never
//! hard-coded indexes, which differ between readers); Impinj parameters are
//! only sent to readers whose capabilities name Impinj.

use std::time::Duration;

use super::messages::{
    AiSpec, AiStopTrigger, AntennaConfiguration, C1g2InventoryCommand, Capabilities,
    ContentSelector, Extra, GpiTrigger, IMPINJ_PEN, Impinj, InventoryParameterSpec, KeepaliveSpec,
    ReaderConfig, RoReportSpec, RoSpec, Singulation, Spec, StartTrigger, StopTrigger, event_type,
};

/// How a reader's ROSpec starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMode {
    /// Read as soon as the ROSpec is enabled (lotstation also sends
    /// START_ROSPEC, for readers that ignore the immediate trigger).
    Immediate,
    /// Read while a GPI (photo-eye, door sensor) is at `high`; stop when it
    /// leaves that level (or after `timeout_ms`, 0 = never).
    Gpi {
        /// GPI port.
        port: u16,
        /// Level that starts reading.
        high: bool,
        /// Stop after this long even if the GPI stays, ms (0 = no limit).
        timeout_ms: u32,
    },
}

/// What lotstation configures on one reader.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderPlan {
    /// Antennas to read with (empty = all).
    pub antennas: Vec<u16>,
    /// Transmit power, dBm × 100 (None = the reader's default).
    pub tx_power_cdbm: Option<i32>,
    /// Receive sensitivity, dB as the reader's table gives it (None = default).
    pub rx_sensitivity_db: Option<i32>,
    /// Gen2 session 0..3 (1 or 2 at a portal).
    pub session: u8,
    /// Expected tag population.
    pub tag_population: u16,
    /// Impinj search mode (3 = single target with suppression); ignored on other readers.
    pub search_mode: Option<u16>,
    /// Report after this many tags (1 = every tag at once).
    pub report_every_tags: u16,
    /// Start trigger.
    pub start: StartMode,
    /// Keepalive period asked of the reader.
    pub keepalive: Duration,
    /// Our ROSpec's id.
    pub rospec_id: u32,
}

impl Default for ReaderPlan {
    fn default() -> Self {
        ReaderPlan {
            antennas: Vec::new(),
            tx_power_cdbm: None,
            rx_sensitivity_db: None,
            session: 1,
            tag_population: 32,
            search_mode: None,
            report_every_tags: 1,
            start: StartMode::Immediate,
            keepalive: Duration::from_secs(5),
            rospec_id: 1,
        }
    }
}

/// Why a plan cannot be applied to this reader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// An antenna the reader does not have.
    #[error(
        "antenna {antenna} is configured but the reader has {max} antennas; fix `antennas` for this reader"
    )]
    NoSuchAntenna {
        /// Configured antenna.
        antenna: u16,
        /// Antennas the reader reports.
        max: u16,
    },
    /// A GPI the reader does not have.
    #[error(
        "GPI {port} is configured but the reader has {max} GPIs; fix `gpi_port` for this reader"
    )]
    NoSuchGpi {
        /// Configured port.
        port: u16,
        /// GPIs the reader reports.
        max: u16,
    },
}

/// SET_READER_CONFIG: the events a portal needs, and the keepalive.
pub fn reader_config(plan: &ReaderPlan) -> ReaderConfig {
    let on = [
        event_type::GPI,
        event_type::ROSPEC,
        event_type::REPORT_BUFFER_FILL_WARNING,
        event_type::READER_EXCEPTION,
        event_type::ANTENNA,
    ];
    let off = [
        event_type::HOPPING,
        event_type::RF_SURVEY,
        event_type::AISPEC,
        event_type::AISPEC_WITH_DETAILS,
    ];
    let mut events: Vec<(u16, bool)> = on.iter().map(|t| (*t, true)).collect();
    events.extend(off.iter().map(|t| (*t, false)));
    events.sort_unstable();
    ReaderConfig {
        event_notifications: Some(events),
        keepalive: Some(KeepaliveSpec {
            trigger: 1,
            period_ms: u32::try_from(plan.keepalive.as_millis())
                .unwrap_or(u32::MAX)
                .max(1),
        }),
        ..ReaderConfig::default()
    }
}

/// ADD_ROSPEC's ROSpec for this reader.
pub fn rospec(plan: &ReaderPlan, caps: &Capabilities) -> Result<RoSpec, PlanError> {
    let general = caps.general.as_ref();
    if let Some(g) = general {
        if let Some(&a) = plan
            .antennas
            .iter()
            .find(|a| **a == 0 || **a > g.max_antennas)
        {
            return Err(PlanError::NoSuchAntenna {
                antenna: a,
                max: g.max_antennas,
            });
        }
        if let (StartMode::Gpi { port, .. }, Some((gpis, _))) = (plan.start, g.gpio)
            && (port == 0 || port > gpis)
        {
            return Err(PlanError::NoSuchGpi { port, max: gpis });
        }
    }
    let impinj = caps.manufacturer() == IMPINJ_PEN;
    let power = plan.tx_power_cdbm.and_then(|p| caps.power_index(p));
    let sensitivity = plan
        .rx_sensitivity_db
        .and_then(|s| caps.sensitivity_index(s));
    let mut command_extra = Vec::new();
    if impinj && let Some(m) = plan.search_mode {
        command_extra.push(Extra::Impinj(Impinj::InventorySearchMode(m)));
    }
    let command = C1g2InventoryCommand {
        state_aware: false,
        filters: Vec::new(),
        rf_control: None,
        singulation: Some(Singulation {
            session: plan.session.min(3),
            tag_population: plan.tag_population,
            tag_transit_time_ms: 0,
            state_aware_action: None,
        }),
        extra: command_extra,
    };
    let antenna_ids: Vec<u16> = if plan.antennas.is_empty() {
        vec![0]
    } else {
        plan.antennas.clone()
    };
    let configs = antenna_ids
        .iter()
        .map(|a| AntennaConfiguration {
            antenna_id: *a,
            receiver_sensitivity: sensitivity,
            // Hop table 1 and channel 0 let the reader choose; only the
            // power index comes from the table.
            transmitter: power.map(|p| (1, 0, p)),
            c1g2: vec![command.clone()],
            extra: Vec::new(),
        })
        .collect();
    let (start, stop) = match plan.start {
        StartMode::Immediate => (
            StartTrigger {
                kind: 1,
                periodic: None,
                gpi: None,
            },
            StopTrigger {
                kind: 0,
                duration_ms: 0,
                gpi: None,
            },
        ),
        StartMode::Gpi {
            port,
            high,
            timeout_ms,
        } => (
            StartTrigger {
                kind: 3,
                periodic: None,
                gpi: Some(GpiTrigger {
                    port,
                    event: high,
                    timeout_ms: 0,
                }),
            },
            StopTrigger {
                kind: 2,
                duration_ms: timeout_ms,
                gpi: Some(GpiTrigger {
                    port,
                    event: !high,
                    timeout_ms,
                }),
            },
        ),
    };
    let mut report_extra = Vec::new();
    if impinj {
        report_extra.push(Extra::Impinj(Impinj::TagReportContentSelector(vec![
            Extra::Impinj(Impinj::EnablePeakRssi(1)),
        ])));
    }
    Ok(RoSpec {
        id: plan.rospec_id,
        priority: 0,
        current_state: 0,
        start,
        stop,
        specs: vec![Spec::Ai(AiSpec {
            antennas: antenna_ids,
            stop: AiStopTrigger {
                kind: 0,
                duration_ms: 0,
                gpi: None,
                tag_observation: None,
            },
            inventory: vec![InventoryParameterSpec {
                id: 1,
                protocol: 1,
                antenna_configurations: configs,
                extra: Vec::new(),
            }],
            extra: Vec::new(),
        })],
        report: Some(RoReportSpec {
            // Upon N tags or end of ROSpec, N explicit: a reader that only
            // reports at the end of the AISpec would hold reads until stop.
            trigger: 2,
            n: plan.report_every_tags.max(1),
            content: ContentSelector {
                antenna_id: true,
                channel_index: true,
                peak_rssi: true,
                first_seen: true,
                last_seen: true,
                tag_seen_count: true,
                ..ContentSelector::default()
            },
            extra: report_extra,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::llrp::messages::{Envelope, GeneralDeviceCapabilities, Message};

    fn caps() -> Capabilities {
        let frame = crate::ident::hex::decode(
            include_str!("../../../hardware-fixtures/llrp-llrpkit-emulator/frames.txt")
                .lines()
                .find(|l| l.starts_with("V04"))
                .and_then(|l| l.split_whitespace().nth(3))
                .unwrap(),
        )
        .unwrap();
        match Envelope::decode(&frame).unwrap().message {
            Message::GetReaderCapabilitiesResponse(c) => c,
            _ => panic!(),
        }
    }

    #[test]
    fn power_becomes_the_readers_table_index_and_impinj_extras_go_only_to_impinj() {
        let plan = ReaderPlan {
            antennas: vec![1, 2],
            tx_power_cdbm: Some(2750),
            search_mode: Some(3),
            session: 2,
            ..ReaderPlan::default()
        };
        let spec = rospec(&plan, &caps()).unwrap();
        let Spec::Ai(ai) = &spec.specs[0] else {
            panic!()
        };
        assert_eq!(ai.antennas, vec![1, 2]);
        let ac = &ai.inventory[0].antenna_configurations[1];
        // 27.50 dBm is index 18 in the emulator's table (10.00 + 1.00 per step from index 1).
        assert_eq!(ac.transmitter, Some((1, 0, 18)));
        assert_eq!(ac.c1g2[0].singulation.as_ref().unwrap().session, 2);
        assert_eq!(
            ac.c1g2[0].extra,
            vec![Extra::Impinj(Impinj::InventorySearchMode(3))]
        );
        let mut zebra = caps();
        zebra.general = Some(GeneralDeviceCapabilities {
            manufacturer: 10642,
            ..zebra.general.unwrap()
        });
        let spec = rospec(&plan, &zebra).unwrap();
        let Spec::Ai(ai) = &spec.specs[0] else {
            panic!()
        };
        assert!(
            ai.inventory[0].antenna_configurations[0].c1g2[0]
                .extra
                .is_empty()
        );
        assert!(spec.report.unwrap().extra.is_empty());
    }

    #[test]
    fn gpi_start_stops_on_the_opposite_level_and_bad_ports_are_refused() {
        let plan = ReaderPlan {
            start: StartMode::Gpi {
                port: 1,
                high: true,
                timeout_ms: 30_000,
            },
            ..ReaderPlan::default()
        };
        let spec = rospec(&plan, &caps()).unwrap();
        assert_eq!(spec.start.kind, 3);
        assert!(spec.start.gpi.unwrap().event);
        assert_eq!(spec.stop.kind, 2);
        assert!(!spec.stop.gpi.unwrap().event);
        let bad = ReaderPlan {
            antennas: vec![5],
            ..ReaderPlan::default()
        };
        assert_eq!(
            rospec(&bad, &caps()).unwrap_err(),
            PlanError::NoSuchAntenna { antenna: 5, max: 4 }
        );
        let bad = ReaderPlan {
            start: StartMode::Gpi {
                port: 9,
                high: true,
                timeout_ms: 0,
            },
            ..ReaderPlan::default()
        };
        assert!(matches!(
            rospec(&bad, &caps()),
            Err(PlanError::NoSuchGpi { port: 9, max: 4 })
        ));
    }

    #[test]
    fn the_reader_config_enables_portal_events_and_the_keepalive() {
        let c = reader_config(&ReaderPlan::default());
        let ev = c.event_notifications.unwrap();
        assert!(ev.contains(&(event_type::GPI, true)));
        assert!(ev.contains(&(event_type::ANTENNA, true)));
        assert!(ev.contains(&(event_type::HOPPING, false)));
        assert_eq!(c.keepalive.unwrap().period_ms, 5000);
    }
}
