//! Codec tests over the loopback vectors of
//! `hardware-fixtures/llrp-llrpkit-emulator/frames.txt` (from
//! `shared/reference/llrp-frames.md`), plus property tests.

use proptest::prelude::*;

use super::codec::{DecodeErrorKind, FrameSplitter, Framing, check_frame};
use super::fuzzing;
use super::messages::*;

const FRAMES: &str = include_str!("../../../hardware-fixtures/llrp-llrpkit-emulator/frames.txt");

/// (id, direction, message name, bytes) of every vector.
fn vectors() -> Vec<(String, String, String, Vec<u8>)> {
    FRAMES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[0].to_owned(),
                f[1].to_owned(),
                f[2].to_owned(),
                crate::ident::hex::decode(f[3]).unwrap(),
            )
        })
        .collect()
}

fn vector(id: &str) -> Vec<u8> {
    vectors().into_iter().find(|v| v.0 == id).unwrap().3
}

fn decode(id: &str) -> Envelope {
    Envelope::decode(&vector(id)).unwrap()
}

#[test]
fn every_vector_decodes_and_re_encodes_byte_for_byte() {
    let all = vectors();
    assert_eq!(all.len(), 32);
    for (id, _, name, bytes) in &all {
        let env = Envelope::decode(bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        let expected = match name.as_str() {
            "IMPINJ_ENABLE_EXTENSIONS" | "IMPINJ_ENABLE_EXTENSIONS_RESPONSE" => "CUSTOM_MESSAGE",
            n => n,
        };
        assert_eq!(env.message.name(), expected, "{id}");
        let again = env.encode().unwrap();
        assert_eq!(
            crate::ident::hex::encode(&again),
            crate::ident::hex::encode(bytes),
            "{id} does not round-trip"
        );
        fuzzing::check_frame(bytes);
    }
}

#[test]
fn v01_v02_connection_attempt_success_and_another_client_connected() {
    let Message::ReaderEventNotification(ev) = decode("V01").message else {
        panic!()
    };
    assert_eq!(ev.connection_attempt, Some(CONNECTION_SUCCESS));
    assert_eq!(ev.timestamp, EventTime::Utc(1_795_298_921_403_903));
    let Message::ReaderEventNotification(ev) = decode("V02").message else {
        panic!()
    };
    assert_eq!(ev.connection_attempt, Some(CONNECTION_CLIENT_EXISTS));
}

#[test]
fn v04_capabilities_give_the_manufacturer_antennas_power_table_and_modes() {
    let env = decode("V04");
    let Message::GetReaderCapabilitiesResponse(c) = env.message else {
        panic!()
    };
    assert!(c.status.is_success());
    let g = c.general.as_ref().unwrap();
    assert_eq!(
        (g.manufacturer, g.model, g.max_antennas),
        (IMPINJ_PEN, 700, 4)
    );
    assert_eq!(g.firmware, "llrpkit-emu 0.1");
    assert!(g.has_utc_clock && !g.can_set_antenna_properties);
    assert_eq!(g.gpio, Some((4, 4)));
    assert_eq!(g.air_protocols.len(), 4);
    assert_eq!(g.receive_sensitivity, vec![(1, 0)]);
    let l = c.llrp.as_ref().unwrap();
    assert!(l.supports_event_and_report_holding);
    let r = c.regulatory.as_ref().unwrap();
    assert_eq!((r.country_code, r.communications_standard), (840, 1));
    let table = c.power_table();
    assert_eq!(table.len(), 21);
    assert_eq!(table[0], (1, 1000));
    assert_eq!(table[20], (21, 3000));
    // 30 dBm is index 21; 25.5 dBm rounds down to 25.00 (index 16); below the table: the lowest.
    assert_eq!(c.power_index(3000), Some(21));
    assert_eq!(c.power_index(2550), Some(16));
    assert_eq!(c.power_index(500), Some(1));
    let u = r.uhf_band.as_ref().unwrap();
    assert!(u.frequency.hopping);
    assert_eq!(u.frequency.hop_tables[0].1.len(), 50);
    assert_eq!(u.rf_mode_tables[0].len(), 6);
    assert_eq!(u.rf_mode_tables[0][0].bdr, 640_000);
}

#[test]
fn v05_the_impinj_extension_request_is_built_byte_exact() {
    let m = Message::CustomMessage(CustomMessage::impinj_enable_extensions());
    assert_eq!(m.encode(2).unwrap(), vector("V05"));
    let Message::CustomMessage(resp) = decode("V06").message else {
        panic!()
    };
    assert_eq!(resp.subtype, IMPINJ_ENABLE_EXTENSIONS_RESPONSE);
    assert!(resp.status().unwrap().is_success());
}

#[test]
fn v07_a_keepalive_spec_is_built_byte_exact() {
    let m = Message::SetReaderConfig {
        reset_to_factory_default: false,
        config: ReaderConfig {
            keepalive: Some(KeepaliveSpec {
                trigger: 1,
                period_ms: 500,
            }),
            ..ReaderConfig::default()
        },
    };
    assert_eq!(m.encode(3).unwrap(), vector("V07"));
    let Message::SetReaderConfig { config, .. } = decode("V08").message else {
        panic!()
    };
    let events = config.event_notifications.unwrap();
    assert_eq!(events.len(), 9);
    assert!(events.iter().all(|(_, on)| !on));
    assert_eq!(config.keepalive.unwrap().period_ms, 1000);
}

#[test]
fn header_only_and_id_messages_are_built_byte_exact() {
    assert_eq!(
        Message::EnableEventsAndReports.encode(4).unwrap(),
        vector("V09")
    );
    assert_eq!(Message::DeleteRospec(1).encode(5).unwrap(), vector("V13"));
    assert_eq!(Message::EnableRospec(1).encode(7).unwrap(), vector("V17"));
    assert_eq!(Message::StartRospec(1).encode(8).unwrap(), vector("V18"));
    assert_eq!(Message::KeepaliveAck.encode(98).unwrap(), vector("V25"));
    assert_eq!(Message::CloseConnection.encode(27).unwrap(), vector("V29"));
    assert_eq!(
        Message::DeleteAccessspec(0).encode(6).unwrap(),
        vector("V32")
    );
    assert_eq!(
        Message::GetReaderCapabilities {
            requested: 0,
            extra: vec![]
        }
        .encode(1)
        .unwrap(),
        vector("V03")
    );
    assert_eq!(
        Message::StartRospecResponse(Reply::success())
            .encode(8)
            .unwrap(),
        vector("V19")
    );
    assert_eq!(
        Message::CloseConnectionResponse(Reply::success())
            .encode(27)
            .unwrap(),
        vector("V30")
    );
}

#[test]
fn v10_v14_error_statuses_carry_the_readers_words() {
    let env = decode("V10");
    assert_eq!(env.id, 3);
    let s = env.message.reply().unwrap();
    assert_eq!(s.code, 109);
    assert_eq!(
        s.describe(),
        "M_UnsupportedMessage (109) \"emulator does not handle ENABLE_EVENTS_AND_REPORTS\""
    );
    let s = decode("V14");
    let s = s.message.reply().unwrap();
    assert_eq!((s.code, s.description.as_str()), (100, "no ROSpec 1"));
    assert_eq!(
        Message::DeleteRospecResponse(Reply::error(100, "no ROSpec 1"))
            .encode(5)
            .unwrap(),
        vector("V14")
    );
}

#[test]
fn parameter_error_paths_are_described_down_to_the_field() {
    let s = Status {
        code: 100,
        description: "bad power".into(),
        field_error: None,
        parameter_error: Some(ParameterError {
            param_type: 177,
            code: 200,
            field_error: None,
            parameter_error: Some(Box::new(ParameterError {
                param_type: 224,
                code: 201,
                field_error: Some(FieldError {
                    field: 2,
                    code: 301,
                }),
                parameter_error: None,
            })),
        }),
    };
    assert_eq!(
        s.describe(),
        "M_ParameterError (100) \"bad power\"; in ROSpec > RFTransmitter: P_FieldError (201), field 2: A_OutOfRange (301)"
    );
    let m = Message::AddRospecResponse(Reply {
        status: s,
        extra: vec![],
    });
    let bytes = m.encode(9).unwrap();
    assert_eq!(Envelope::decode(&bytes).unwrap().message, m);
}

#[test]
fn v11_v12_reader_config_with_impinj_requested_data_and_temperature() {
    let Message::GetReaderConfig(g) = decode("V11").message else {
        panic!()
    };
    assert_eq!(g.extra, vec![Extra::Impinj(Impinj::RequestedData(2004))]);
    let Message::GetReaderConfigResponse { status, config } = decode("V12").message else {
        panic!()
    };
    assert!(status.is_success());
    assert_eq!(config.gpi_states.len(), 4);
    assert_eq!(
        config.gpo_data,
        vec![(1, false), (2, false), (3, false), (4, false)]
    );
    assert_eq!(
        config.extra,
        vec![Extra::Impinj(Impinj::ReaderTemperature(42))]
    );
}

#[test]
fn v15_v16_rospecs_decode_triggers_antennas_session_and_selectors() {
    let Message::AddRospec(s) = decode("V15").message else {
        panic!()
    };
    assert_eq!((s.id, s.start.kind, s.stop.kind), (1, 0, 0));
    let Spec::Ai(ai) = &s.specs[0] else { panic!() };
    assert_eq!(ai.antennas, vec![1, 2, 3]);
    let cmd = &ai.inventory[0].antenna_configurations[0].c1g2[0];
    let sing = cmd.singulation.as_ref().unwrap();
    assert_eq!((sing.session, sing.tag_population), (1, 32));
    assert_eq!(
        cmd.extra,
        vec![Extra::Impinj(Impinj::InventorySearchMode(3))]
    );
    let rep = s.report.as_ref().unwrap();
    assert_eq!((rep.trigger, rep.n), (2, 1));
    assert!(rep.content.antenna_id && rep.content.peak_rssi && !rep.content.rospec_id);
    assert_eq!(
        rep.extra,
        vec![Extra::Impinj(Impinj::TagReportContentSelector(vec![
            Extra::Impinj(Impinj::EnableSerializedTid(1)),
            Extra::Impinj(Impinj::EnableRfPhaseAngle(1)),
            Extra::Impinj(Impinj::EnablePeakRssi(1)),
        ]))]
    );
    let Message::AddRospec(s) = decode("V16").message else {
        panic!()
    };
    assert_eq!(s.start.kind, 1);
    let Spec::Ai(ai) = &s.specs[0] else { panic!() };
    assert_eq!(ai.stop.tag_observation, Some((0, 1, 0, 0, 0)));
    let ac = &ai.inventory[0].antenna_configurations[0];
    assert_eq!(ac.transmitter, Some((1, 1, 21)));
    let Extra::Impinj(Impinj::TagReportContentSelector(sel)) = &s.report.as_ref().unwrap().extra[0]
    else {
        panic!()
    };
    // The disabled Doppler entry stays disabled.
    assert!(sel.contains(&Extra::Impinj(Impinj::EnableRfDopplerFrequency(0))));
}

#[test]
fn v20_v21_tag_reports_in_epc96_and_epcdata_with_impinj_fields() {
    let Message::RoAccessReport(r) = decode("V20").message else {
        panic!()
    };
    let t = &r.tags[0];
    assert_eq!(
        crate::ident::hex::encode(t.epc.bytes()),
        "3074257bf7194e4000001a85"
    );
    assert!(matches!(t.epc, EpcField::Epc96(_)));
    assert_eq!(t.antenna_id, Some(1));
    assert_eq!(t.peak_rssi, Some(-48));
    assert_eq!(t.rssi_centi_dbm(), Some(-4806));
    assert_eq!(t.channel_index, Some(29));
    assert_eq!(t.first_seen_utc, Some(1_795_298_921_432_346));
    assert_eq!(t.tag_seen_count, Some(1));
    assert_eq!(t.phase_angle(), Some(3868));
    assert_eq!(
        t.tid(),
        Some(&[0xe280, 0x1105, 0xf719, 0x4e40, 0x0000, 0x1a85][..])
    );
    let epc = crate::ident::epc::decode_bytes(t.epc.bytes()).unwrap();
    assert_eq!(epc.scheme, crate::ident::EpcScheme::Sgtin96);

    let Message::RoAccessReport(r) = decode("V21").message else {
        panic!()
    };
    let t = &r.tags[0];
    assert_eq!(t.epc.bits(), 128);
    assert_eq!(
        crate::ident::hex::encode(t.epc.bytes()),
        "e280689400005012345678901234abcd"
    );
    assert_eq!((t.antenna_id, t.rssi_centi_dbm()), (Some(3), Some(-5785)));
}

#[test]
fn v22_v23_antenna_and_gpi_events() {
    let Message::ReaderEventNotification(ev) = decode("V22").message else {
        panic!()
    };
    assert_eq!(
        ev.antenna,
        Some(AntennaEvent {
            connected: false,
            antenna_id: 3
        })
    );
    let Message::ReaderEventNotification(ev) = decode("V23").message else {
        panic!()
    };
    assert_eq!(
        ev.gpi,
        Some(GpiEvent {
            port: 1,
            high: true
        })
    );
}

#[test]
fn v28_v31_access_results_and_unknown_impinj_subtypes_do_not_disturb_the_inventory_path() {
    let Message::RoAccessReport(r) = decode("V28").message else {
        panic!()
    };
    let t = &r.tags[0];
    assert_eq!(t.antenna_id, Some(1));
    assert!(matches!(
        t.extra[0],
        Extra::Unknown {
            ty: 349,
            tv: false,
            ..
        }
    ));
    assert_eq!(t.rssi_centi_dbm(), Some(-4627));
    let Message::RoAccessReport(r) = decode("V31").message else {
        panic!()
    };
    assert!(
        r.tags[0]
            .extra
            .contains(&Extra::Impinj(Impinj::RfDopplerFrequency(68)))
    );
}

/// A TagReportData with a Zebra custom parameter (PEN 161, subtype 709),
/// the one that crashed other clients' decoders.
#[test]
fn another_vendors_custom_parameter_is_skipped_by_length_and_kept() {
    let mut t = TagReportData::new(EpcField::Epc96([0x30; 12]));
    t.antenna_id = Some(2);
    t.extra.push(Extra::Custom {
        vendor: 161,
        subtype: 709,
        data: vec![1, 2, 3, 4, 5],
    });
    t.peak_rssi = Some(-60);
    let m = Message::RoAccessReport(RoAccessReport {
        tags: vec![t.clone()],
        extra: vec![],
    });
    let bytes = m.encode(0).unwrap();
    let got = Envelope::decode(&bytes).unwrap();
    assert_eq!(got.message, m);
    let Message::RoAccessReport(r) = got.message else {
        panic!()
    };
    assert_eq!(r.tags[0].rssi_centi_dbm(), Some(-6000));
}

#[test]
fn an_unknown_tv_parameter_fails_the_message_with_its_offset() {
    // V20 with the AntennaID TV type (0x81) replaced by unknown type 0x7e.
    let mut b = vector("V20");
    let at = b.iter().position(|&x| x == 0x81).unwrap();
    b[at] = 0xfe;
    let e = Envelope::decode(&b).unwrap_err();
    assert_eq!((e.kind, e.offset), (DecodeErrorKind::UnknownTv, at));
    assert!(e.to_string().contains("TV parameter type 126"), "{e}");
}

#[test]
fn every_truncation_of_every_vector_needs_more_bytes_and_never_decodes() {
    for (id, _, _, bytes) in vectors() {
        for n in 0..bytes.len() {
            assert!(
                matches!(check_frame(&bytes[..n], 1 << 20), Ok(Framing::NeedMore(_))),
                "{id} cut at {n}"
            );
            assert!(Envelope::decode(&bytes[..n]).is_err(), "{id} cut at {n}");
        }
    }
}

#[test]
fn a_body_shorter_than_its_parameters_claim_is_an_error_naming_the_parameter() {
    // V20 with the TagReportData length raised past the frame.
    let mut b = vector("V20");
    b[12..14].copy_from_slice(&0x0070u16.to_be_bytes());
    let e = Envelope::decode(&b).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::Truncated);
    assert!(e.detail.contains("TagReportData"), "{e}");
}

#[test]
fn the_splitter_refuses_an_oversized_frame_before_buffering_it() {
    let mut s = FrameSplitter::new(1024);
    s.push(&[0x04, 0x3d, 0x00, 0x10, 0x00, 0x00, 0, 0, 0, 0]);
    let e = s.next_frame().unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::TooLong);
}

#[test]
fn json_names_the_message_and_writes_epcs_in_hex() {
    let v = serde_json::to_value(decode("V20")).unwrap();
    assert_eq!(v["message"], "RO_ACCESS_REPORT");
    assert_eq!(v["body"]["tags"][0]["epc"], "3074257bf7194e4000001a85");
    assert_eq!(v["body"]["tags"][0]["peak_rssi"], -48);
}

// ---------------------------------------------------------------------------
// Properties

fn epc() -> impl Strategy<Value = EpcField> {
    prop_oneof![
        any::<[u8; 12]>().prop_map(EpcField::Epc96),
        (1u16..=496).prop_flat_map(|bits| {
            proptest::collection::vec(any::<u8>(), usize::from(bits).div_ceil(8))
                .prop_map(move |bytes| EpcField::Data { bits, bytes })
        }),
    ]
}

fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        any::<i16>().prop_map(|v| Extra::Impinj(Impinj::PeakRssi(v))),
        any::<u16>().prop_map(|v| Extra::Impinj(Impinj::RfPhaseAngle(v))),
        proptest::collection::vec(any::<u16>(), 0..8)
            .prop_map(|tid| Extra::Impinj(Impinj::SerializedTid { tid, extra: vec![] })),
        (
            any::<u32>().prop_filter("not Impinj", |v| *v != IMPINJ_PEN),
            any::<u32>(),
            proptest::collection::vec(any::<u8>(), 0..20)
        )
            .prop_map(|(vendor, subtype, data)| Extra::Custom {
                vendor,
                subtype,
                data
            }),
        (400u16..1000, proptest::collection::vec(any::<u8>(), 0..20)).prop_map(|(ty, data)| {
            Extra::Unknown {
                ty,
                tv: false,
                data,
            }
        }),
    ]
}

prop_compose! {
    fn tag()(
        epc in epc(),
        antenna in proptest::option::of(any::<u16>()),
        rssi in proptest::option::of(any::<i8>()),
        channel in proptest::option::of(any::<u16>()),
        first in proptest::option::of(any::<u64>()),
        last in proptest::option::of(any::<u64>()),
        count in proptest::option::of(any::<u16>()),
        rospec in proptest::option::of(any::<u32>()),
        pc in proptest::option::of(any::<u16>()),
        crc in proptest::option::of(any::<u16>()),
        access in proptest::option::of(any::<u32>()),
        extra in proptest::collection::vec(extra(), 0..4),
    ) -> TagReportData {
        let mut t = TagReportData::new(epc);
        t.antenna_id = antenna;
        t.peak_rssi = rssi;
        t.channel_index = channel;
        t.first_seen_utc = first;
        t.last_seen_utc = last;
        t.tag_seen_count = count;
        t.rospec_id = rospec;
        t.pc = pc;
        t.crc = crc;
        t.access_spec_id = access;
        t.extra = extra;
        t
    }
}

prop_compose! {
    fn event()(
        utc in any::<bool>(),
        at in any::<u64>(),
        gpi in proptest::option::of((any::<u16>(), any::<bool>())),
        antenna in proptest::option::of((any::<bool>(), any::<u16>())),
        attempt in proptest::option::of(0u16..5),
        warn in proptest::option::of(0u8..=100),
        overflow in any::<bool>(),
        close in any::<bool>(),
        rospec in proptest::option::of((0u8..3, any::<u32>(), any::<u32>())),
        exception in proptest::option::of(("[a-z ]{0,20}", proptest::option::of(any::<u16>()))),
    ) -> ReaderEvent {
        let mut e = ReaderEvent::at(if utc { EventTime::Utc(at) } else { EventTime::Uptime(at) });
        e.gpi = gpi.map(|(port, high)| GpiEvent { port, high });
        e.antenna = antenna.map(|(connected, antenna_id)| AntennaEvent { connected, antenna_id });
        e.connection_attempt = attempt;
        e.buffer_level_warning = warn;
        e.buffer_overflow = overflow;
        e.connection_close = close;
        e.rospec = rospec.map(|(kind, rospec_id, preempting_rospec_id)| RoSpecEvent { kind, rospec_id, preempting_rospec_id });
        e.reader_exception = exception.map(|(message, antenna_id)| ReaderException {
            message, rospec_id: None, spec_index: None, inventory_parameter_spec_id: None,
            antenna_id, access_spec_id: None, op_spec_id: None, extra: vec![],
        });
        e
    }
}

prop_compose! {
    fn rospec()(
        id in 1u32..,
        start in 0u8..4,
        gpi in proptest::option::of((any::<u16>(), any::<bool>(), any::<u32>())),
        stop_ms in any::<u32>(),
        antennas in proptest::collection::vec(1u16..9, 1..5),
        power in proptest::option::of((any::<u16>(), any::<u16>(), any::<u16>())),
        sens in proptest::option::of(any::<u16>()),
        session in 0u8..4,
        population in any::<u16>(),
        mode in proptest::option::of(0u16..7),
        trigger in 0u8..3,
        n in any::<u16>(),
        bits in any::<[bool; 10]>(),
    ) -> RoSpec {
        RoSpec {
            id, priority: 0, current_state: 0,
            start: StartTrigger { kind: start, periodic: None, gpi: gpi.map(|(port, event, timeout_ms)| GpiTrigger { port, event, timeout_ms }) },
            stop: StopTrigger { kind: u8::from(stop_ms > 0), duration_ms: stop_ms, gpi: None },
            specs: vec![Spec::Ai(AiSpec {
                antennas: antennas.clone(),
                stop: AiStopTrigger { kind: 0, duration_ms: 0, gpi: None, tag_observation: None },
                inventory: vec![InventoryParameterSpec {
                    id: 1, protocol: 1,
                    antenna_configurations: antennas.iter().map(|a| AntennaConfiguration {
                        antenna_id: *a,
                        receiver_sensitivity: sens,
                        transmitter: power,
                        c1g2: vec![C1g2InventoryCommand {
                            state_aware: false, filters: vec![], rf_control: None,
                            singulation: Some(Singulation { session, tag_population: population, tag_transit_time_ms: 0, state_aware_action: None }),
                            extra: mode.map(|m| Extra::Impinj(Impinj::InventorySearchMode(m))).into_iter().collect(),
                        }],
                        extra: vec![],
                    }).collect(),
                    extra: vec![],
                }],
                extra: vec![],
            })],
            report: Some(RoReportSpec {
                trigger, n,
                content: ContentSelector {
                    rospec_id: bits[0], spec_index: bits[1], inventory_parameter_spec_id: bits[2],
                    antenna_id: bits[3], channel_index: bits[4], peak_rssi: bits[5],
                    first_seen: bits[6], last_seen: bits[7], tag_seen_count: bits[8],
                    access_spec_id: bits[9], c1g2_memory: vec![0x40],
                },
                extra: vec![Extra::Impinj(Impinj::TagReportContentSelector(vec![
                    Extra::Impinj(Impinj::EnablePeakRssi(1)),
                ]))],
            }),
        }
    }
}

fn round_trips(m: Message, id: u32) -> Result<(), TestCaseError> {
    let bytes = m.encode(id).unwrap();
    let env = Envelope::decode(&bytes).unwrap();
    prop_assert_eq!(env.id, id);
    prop_assert_eq!(&env.message, &m);
    prop_assert_eq!(env.encode().unwrap(), bytes);
    Ok(())
}

proptest! {
    #[test]
    fn tag_reports_round_trip(tags in proptest::collection::vec(tag(), 0..20), id in any::<u32>()) {
        round_trips(Message::RoAccessReport(RoAccessReport { tags, extra: vec![] }), id)?;
    }

    #[test]
    fn reader_events_round_trip(e in event(), id in any::<u32>()) {
        round_trips(Message::ReaderEventNotification(e), id)?;
    }

    #[test]
    fn rospecs_round_trip(s in rospec()) {
        round_trips(Message::AddRospec(s), 7)?;
    }

    #[test]
    fn statuses_round_trip(code in any::<u16>(), text in "\\PC{0,40}", field in proptest::option::of((any::<u16>(), any::<u16>()))) {
        let status = Status {
            code,
            description: text,
            field_error: field.map(|(field, code)| FieldError { field, code }),
            parameter_error: None,
        };
        round_trips(Message::ErrorMessage(Reply { status, extra: vec![] }), 1)?;
    }

    #[test]
    fn reader_configs_round_trip(
        period in any::<u32>(),
        events in proptest::collection::vec((0u16..9, any::<bool>()), 1..9),
        hold in proptest::option::of(any::<bool>()),
        reset in any::<bool>(),
    ) {
        let config = ReaderConfig {
            keepalive: Some(KeepaliveSpec { trigger: 1, period_ms: period }),
            event_notifications: Some(events),
            hold_events_and_reports: hold,
            ..ReaderConfig::default()
        };
        round_trips(Message::SetReaderConfig { reset_to_factory_default: reset, config }, 3)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_keep_the_codec_invariants(
        data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        fuzzing::check_codec(&data);
    }

    #[test]
    fn mutated_vectors_never_panic_and_keep_the_codec_invariants(
        which in 0usize..32,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let mut b = vectors()[which].3.clone();
        for (at, v) in flips {
            // Keep the header's version and length so the body gets parsed.
            let n = b.len();
            if n > 10 {
                b[10 + at % (n - 10)] ^= v;
            }
        }
        fuzzing::check_codec(&b);
    }
}

#[test]
fn reader_addresses_get_port_5084_unless_they_name_one() {
    assert_eq!(super::with_default_port("192.0.2.1"), "192.0.2.1:5084");
    assert_eq!(super::with_default_port("192.0.2.1:"), "192.0.2.1:5084");
    assert_eq!(
        super::with_default_port("reader.local:14150"),
        "reader.local:14150"
    );
    assert_eq!(super::with_default_port("fe80::1"), "[fe80::1]:5084");
    assert_eq!(super::with_default_port("[fe80::1]:5085"), "[fe80::1]:5085");
}
