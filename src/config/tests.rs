use super::*;
use crate::source::serial::LineSettings;

const FILE: &str = "/etc/lotstation/test.toml";
/// Two lines; whatever a test appends starts on line 3.
const BASE: &str = "[station]\nid = \"s1\"\n";

fn load(text: &str) -> Result<Config, ConfigErrors> {
    Config::from_str(text, FILE)
}

fn ok(extra: &str) -> Config {
    match load(&format!("{BASE}{extra}")) {
        Ok(c) => c,
        Err(e) => panic!("expected a valid config, got:\n{e}"),
    }
}

fn errors(text: &str) -> Vec<ConfigError> {
    match load(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e.into_iter().collect(),
    }
}

/// The single error of `BASE + extra`, checked for file, line and key.
#[track_caller]
fn one(extra: &str, line: usize, key: &str) -> ConfigError {
    let errs = errors(&format!("{BASE}{extra}"));
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let e = errs.into_iter().next().unwrap();
    assert_eq!(e.path, Path::new(FILE), "{e}");
    assert_eq!(e.line, Some(line), "{e}");
    assert!(e.column.is_some(), "{e}");
    assert_eq!(e.key.as_deref(), Some(key), "{e}");
    e
}

#[track_caller]
fn has(e: &ConfigError, message: &str, hint: &str) {
    assert!(e.message.contains(message), "message of {e}");
    assert!(
        e.hint.as_deref().unwrap_or("").contains(hint),
        "hint of {e}"
    );
}

// --- the shipped files --------------------------------------------------

#[test]
fn default_file_parses_to_the_documented_defaults() {
    let c = Config::from_str(DEFAULT_CONFIG, "config/lotstation.toml").unwrap();
    let bare = ok("");
    assert_eq!(c.station.id, "station-1");
    assert_eq!(c.station.timezone_name, bare.station.timezone_name);
    assert_eq!(c.station.mode, StationMode::Lookup);
    assert_eq!(c.station.operator, None);
    assert_eq!(c.station.receive_location, bare.station.receive_location);
    assert_eq!(
        c.station.production_location,
        bare.station.production_location
    );
    assert_eq!(c.store, bare.store);
    assert_eq!(c.store.path, Path::new("/var/lib/lotstation/station.redb"));
    assert_eq!(c.store.tuning, StoreConfig::default());
    assert_eq!(c.rules, bare.rules);
    assert_eq!(c.lots, bare.lots);
    assert_eq!(c.receive, bare.receive);
    assert_eq!(c.decode, bare.decode);
    assert_eq!(c.decode, DecodeOptions::default());
    assert_eq!(format!("{:?}", c.codes), format!("{:?}", bare.codes));
    assert_eq!(
        format!("{:?}", c.codes),
        format!("{:?}", InternalRules::defaults())
    );
    assert!(c.sources.is_empty());
    assert_eq!(c.log, bare.log);
    assert_eq!(c.api, bare.api);
    assert_eq!(c.api.listen, Some("127.0.0.1:8370".parse().unwrap()));
    assert_eq!(c.api.token, None);
    assert_eq!(
        c.api.signers_path,
        Path::new("/var/lib/lotstation/signers.json")
    );
    let today = Date::constant(2026, 3, 14);
    assert_eq!(c.rules_context(today), Context::new(today));
}

#[test]
fn default_file_documents_every_key() {
    // Every key of every Raw struct appears in the default file, set or in a
    // comment (`key =` or `#   key `).
    let keys = [
        "id",
        "timezone",
        "mode",
        "operator",
        "receive_location",
        "production_location",
        "supervisors",
        "path",
        "cache_size_mib",
        "group_commit_max",
        "seed_files",
        "expiry_warning_days",
        "unknown_lot",
        "release_requires_supervisor",
        "fefo_lookahead",
        "internal_pattern",
        "strip_prefixes",
        "remove_chars",
        "uppercase",
        "per_item",
        "per_supplier",
        "window_ms",
        "required_ais",
        "optional_ais",
        "default_qty",
        "max_scan_bytes",
        "ean_as_gtin",
        "itf14_as_gtin",
        "permit_unknown_ais",
        "lost_separator_warnings",
        "check_requisites",
        "permit_zero_suppressed_gtin",
        "command",
        "work_order",
        "location",
        "shipment",
        "name",
        "kind",
        "speed",
        "loop",
        "assume_symbology",
        "debounce_ms",
        "device",
        "baud",
        "data_bits",
        "parity",
        "stop_bits",
        "flow_control",
        "suffix",
        "prefix_hex",
        "inter_byte_timeout_ms",
        "max_frame_bytes",
        "aim_expected",
        "feedback_accepted_hex",
        "feedback_warning_hex",
        "feedback_rejected_hex",
        "reconnect_max_ms",
        "mode",
        "layout",
        "gs_substitute",
        "rs_substitute",
        "eot_substitute",
        "gap_ms",
        "report_id",
        "address",
        "antennas",
        "tx_power_dbm",
        "rx_sensitivity_db",
        "session",
        "tag_population",
        "search_mode",
        "report_every_tags",
        "start",
        "gpi_port",
        "gpi_level",
        "keepalive_ms",
        "missed_keepalives",
        "response_timeout_ms",
        "max_message_bytes",
        "min_reads",
        "min_reads_window_ms",
        "depart_after_ms",
        "static_after_secs",
        "max_tags_per_door",
        "min_direction_confidence",
        "include",
        "exclude",
        "gpi_reader",
        "stable_set_ms",
        "max_cycle_secs",
        "ship_location",
        "reader",
        "antenna",
        "door",
        "side",
        "min_rssi_dbm",
        "level",
        "format",
        "listen",
        "token",
        "signers_path",
        "central_url",
        "token_file",
        "push_interval_ms",
        "status_interval_ms",
        "master_interval_ms",
        "batch_size",
        "request_timeout_ms",
        "backoff_max_ms",
        "ca_bundle",
        "client_cert",
        "client_key",
        "staleness_budget_secs",
        "staleness_moves",
    ];
    for k in keys {
        assert!(
            DEFAULT_CONFIG.contains(&format!("{k} ="))
                || DEFAULT_CONFIG.contains(&format!("#   {k} "))
                || DEFAULT_CONFIG.contains(&format!("# [lots.canonical.{k}.")),
            "{k} is not documented in config/lotstation.toml"
        );
    }
}

#[test]
fn default_file_sync_example_is_valid_when_uncommented() {
    let start = DEFAULT_CONFIG.find("# [sync]\n").unwrap();
    let example: String = DEFAULT_CONFIG[start..]
        .lines()
        .filter(|l| !l.starts_with("# token = "))
        .map(|l| l.trim_start_matches('#').trim_start())
        .filter(|l| l.contains(" = ") || l.starts_with('['))
        .collect::<Vec<_>>()
        .join("\n");
    let c = ok(&example);
    let s = c.sync.unwrap();
    assert_eq!(s.central_url, "https://central.example.com");
    assert_eq!(s.batch_size, 2500);
    assert_eq!(s.status_interval, std::time::Duration::from_secs(5));
    assert_eq!(
        s.staleness_budget,
        Some(std::time::Duration::from_secs(14400))
    );
    assert_eq!(s.staleness_moves, [crate::model::MoveKind::Ship]);
    assert!(s.client_identity.is_some());
    assert!(ok("").sync.is_none(), "no [sync]: no sync");
}

#[test]
fn sync_keys_are_checked_and_the_token_never_appears_in_errors() {
    let e = errors(
        "[station]\nid = \"s\"\n[sync]\ncentral_url = \"ftp://x\"\ntoken = \"a b secret\"\nbatch_size = 0\nclient_cert = \"c.pem\"\nstaleness_moves = [\"fly\"]\n",
    );
    let text: String = e.iter().map(|e| format!("{e}\n")).collect();
    for key in [
        "sync.central_url",
        "sync.token",
        "sync.batch_size",
        "sync.client_cert",
        "sync.staleness_moves[0]",
    ] {
        assert!(text.contains(key), "{key} missing in:\n{text}");
    }
    assert!(!text.contains("secret"), "{text}");
    let e = errors("[station]\nid = \"s\"\n[sync]\ncentral_url = \"https://u:p@x\"\n");
    assert!(e[0].to_string().contains("credentials"), "{}", e[0]);
    let c = ok("[sync]\ncentral_url = \"http://127.0.0.1:8700/\"\ntoken = \"abc\"\n");
    let s = c.sync.unwrap();
    assert_eq!(s.central_url, "http://127.0.0.1:8700");
    assert_eq!(format!("{:?}", s.token), "Inline(Secret(***))");
}

#[test]
fn debug_of_the_raw_and_the_validated_config_never_shows_a_token() {
    let sync_token = "tok-SYNC-5e1f0c4b9d7a2e83";
    let api_token = "tok-API-0123456789abcdef";
    let text = format!(
        "{BASE}[api]\nlisten = \"127.0.0.1:0\"\ntoken = \"{api_token}\"\n[sync]\ncentral_url = \"https://central.example.com\"\ntoken = \"{sync_token}\"\n"
    );
    let raw: RawConfig = toml::from_str(&text).unwrap();
    let c = load(&text).unwrap();
    let sync = c.sync.clone().unwrap();
    for shown in [
        format!("{raw:?}"),
        format!("{raw:#?}"),
        format!("{c:?}"),
        format!("{c:#?}"),
        format!("{sync:?}"),
    ] {
        assert!(!shown.contains(sync_token), "{shown}");
        assert!(!shown.contains(api_token), "{shown}");
        assert!(!shown.contains("tok-"), "{shown}");
    }
    // The tokens are still there for the wire.
    assert!(matches!(&sync.token, TokenSource::Inline(t) if t.expose() == sync_token));
    assert_eq!(c.api.token.as_ref().map(ApiToken::expose), Some(api_token));
    // A token file is named by its path; its content is read by sync only.
    let c =
        ok("[sync]\ncentral_url = \"https://central.example.com\"\ntoken_file = \"sync-token\"\n");
    assert_eq!(
        c.sync.unwrap().token,
        TokenSource::File(PathBuf::from("/etc/lotstation/sync-token"))
    );
}

#[test]
fn default_file_source_examples_are_valid_when_uncommented() {
    let start = DEFAULT_CONFIG.find("# [[sources]]\n").unwrap();
    let end = DEFAULT_CONFIG[start..].find("\n\n").unwrap() + start;
    let example: String = DEFAULT_CONFIG[start..end]
        .lines()
        .map(|l| l.trim_start_matches('#').trim_start())
        .collect::<Vec<_>>()
        .join("\n");
    let c = ok(&example);
    assert_eq!(c.sources.len(), 5);
    let SourceKind::UsbHid(u) = &c.sources[3].kind else {
        panic!("usb_hid expected")
    };
    assert_eq!(u.device.to_string(), "usb:0c2e:0b61");
    let SourceKind::ImageDir(d) = &c.sources[4].kind else {
        panic!("image_dir expected")
    };
    assert_eq!(d.dir, Path::new("/var/lib/lotstation/camera"));
    assert_eq!(c.sources[0].kind, SourceKind::Stdin);
    assert_eq!(c.sources[0].assume_symbology, Some(AimId::GS1_128));
    let SourceKind::Replay(r) = &c.sources[1].kind else {
        panic!("replay expected")
    };
    assert_eq!(
        r.path,
        Path::new("/etc/lotstation/../hardware-fixtures/demo/scans.replay")
    );
    let SourceKind::Serial(ser) = &c.sources[2].kind else {
        panic!("serial expected")
    };
    assert_eq!(ser.line.baud, 115_200);
    assert!(ser.framing.aim_expected);
    assert!(ser.feedback.is_empty());
}

#[test]
fn demo_file_is_valid_and_resolved() {
    let c = Config::from_str(
        include_str!("../../config/demo.toml"),
        "/srv/lotstation/config/demo.toml",
    )
    .unwrap();
    assert_eq!(c.station.id, "demo-kiosk-1");
    assert_eq!(c.station.timezone_name, "Europe/Berlin");
    assert_eq!(
        c.store.path,
        Path::new("/srv/lotstation/config/demo-state/station.redb")
    );
    assert_eq!(c.sources.len(), 1);
    let SourceKind::Replay(r) = &c.sources[0].kind else {
        panic!("replay expected")
    };
    assert_eq!(
        r.path,
        Path::new("/srv/lotstation/config/../hardware-fixtures/demo/scans.replay")
    );
    let rule = c
        .lots
        .canonical
        .rule_for(&crate::model::ItemCode("x".into()), None);
    for printed in ["LOT-24-0847", "24-0847", "lot-24-0847"] {
        assert_eq!(rule.apply(printed).0, "24-0847", "{printed}");
    }
    assert_eq!(
        c.store.seed_files,
        [Path::new("/srv/lotstation/config/demo-data/master.json")]
    );
    assert_eq!(
        c.lots
            .internal_pattern
            .render(Date::constant(2026, 3, 14), 7, "demo-kiosk-1"),
        "D260314-007"
    );
}

// --- resolution -----------------------------------------------------------

#[test]
fn values_are_resolved() {
    let c = ok(
        "timezone = \"America/Chicago\"\nmode = \"issue\"\noperator = \"OP-7\"\n\
        [store]\npath = \"state/s.redb\"\ncache_size_mib = 8\ngroup_commit_max = 1\n\
        [rules]\nunknown_lot = \"accept_provisionally\"\nexpiry_warning_days = 0\n\
        [receive]\nwindow_ms = 250\ndefault_qty = \"2.5\"\n\
        [decode]\nmax_scan_bytes = 64\npermit_unknown_ais = true\n\
        [codes]\nshipment = \"\"\n\
        [[sources]]\nname = \"r\"\nkind = \"replay\"\npath = \"/abs/x.replay\"\nspeed = 0\nloop = true\ndebounce_ms = 40\n",
    );
    assert_eq!(c.station.mode, StationMode::Issue);
    assert_eq!(c.station.operator.as_deref(), Some("OP-7"));
    assert_eq!(c.store.path, Path::new("/etc/lotstation/state/s.redb"));
    assert_eq!(c.store.tuning.cache_size_bytes, 8 << 20);
    assert_eq!(c.store.tuning.group_commit_max, 1);
    assert_eq!(c.rules.unknown_lot, UnknownLotPolicy::AcceptProvisionally);
    assert_eq!(c.receive.window, Duration::from_millis(250));
    assert_eq!(c.receive.default_qty, Qty(2500));
    assert_eq!(c.decode.max_input_len, 64);
    assert!(c.decode.dl.ais.permit_unknown_ais);
    assert!(c.codes.classify("SH-1").is_none(), "shipment codes are off");
    assert!(c.codes.classify("WO-1").is_some());
    let s = &c.sources[0];
    assert_eq!(s.debounce, Duration::from_millis(40));
    assert_eq!(
        s.kind,
        SourceKind::Replay(ReplaySource {
            path: "/abs/x.replay".into(),
            speed: 0.0,
            looped: true
        })
    );
    let noon_utc: jiff::Timestamp = "2026-03-15T03:00:00Z".parse().unwrap();
    assert_eq!(
        c.today(noon_utc),
        Date::constant(2026, 3, 14),
        "Chicago is behind UTC"
    );
    assert_eq!(c.decode_options_for(s).assume_symbology, None);
}

#[test]
fn relative_config_path_resolves_against_the_current_directory() {
    let c = Config::from_str(
        &format!("{BASE}[store]\npath = \"s.redb\"\n"),
        "lotstation.toml",
    )
    .unwrap();
    assert!(c.store.path.is_absolute());
    assert_eq!(
        c.store.path,
        std::env::current_dir().unwrap().join("s.redb")
    );
}

#[test]
fn lot_patterns_render() {
    let d = Date::constant(2026, 3, 4);
    let p = LotPattern::parse("{yyyymmdd}-{seq:03}").unwrap();
    assert_eq!(p.render(d, 7, "k"), "20260304-007");
    let p = LotPattern::parse("{station}/{yymmdd}{seq}").unwrap();
    assert_eq!(p.render(d, 1234, "K1"), "K1/2603041234");
}

// --- syntax and serde errors ------------------------------------------------

#[test]
fn syntax_error_names_line_and_key() {
    let errs = errors(&format!("{BASE}[store]\npath = = \"x\"\n"));
    let e = &errs[0];
    assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("store.path")));
    assert_eq!(e.column, Some(8));
    assert!(
        e.to_string()
            .starts_with("/etc/lotstation/test.toml:4:8: key store.path: "),
        "{e}"
    );
}

#[test]
fn unknown_key_lists_the_allowed_keys() {
    let e = one("[decode]\nmax_scan_byte = 100\n", 4, "decode.max_scan_byte");
    has(
        &e,
        "unknown field `max_scan_byte`",
        "allowed: max_scan_bytes, ean_as_gtin",
    );
    let e = one(
        "[lots.canonical.per_item.\"0950\"]\nstrip = []\n",
        4,
        "lots.canonical.per_item.0950.strip",
    );
    has(&e, "unknown field `strip`", "strip_prefixes");
    let e = one("[storage]\n", 3, "storage");
    has(
        &e,
        "unknown field `storage`",
        "allowed: station, store, rules",
    );
}

#[test]
fn wrong_type_names_the_key() {
    let e = one(
        "[store]\ncache_size_mib = \"big\"\n",
        4,
        "store.cache_size_mib",
    );
    has(&e, "invalid type: string \"big\"", "expected u64");
    let e = one(
        "[rules]\nrelease_requires_supervisor = \"yes\"\n",
        4,
        "rules.release_requires_supervisor",
    );
    has(&e, "invalid type", "expected a boolean");
    let e = one("[rules]\nfefo_lookahead = -1\n", 4, "rules.fefo_lookahead");
    has(&e, "-1", "u64");
}

#[test]
fn missing_required_keys_are_named() {
    let errs = errors("[store]\npath = \"x\"\n");
    assert_eq!(errs[0].key.as_deref(), Some("station"), "{}", errs[0]);
    assert_eq!(errs[0].line, None);
    let errs = errors("[station]\nmode = \"receive\"\n");
    assert_eq!(errs[0].key.as_deref(), Some("station.id"));
    assert_eq!(errs[0].line, Some(1));
    let e = one(
        "[[sources]]\nname = \"a\"\nkind = \"stdin\"\n[[sources]]\nname = \"b\"\n",
        6,
        "sources[1].kind",
    );
    has(&e, "missing field `kind`", "");
}

// --- semantic checks, one per key --------------------------------------------

#[test]
fn station_id_is_checked() {
    for bad in ["", "has space", "ü", &"x".repeat(65)] {
        let errs = errors(&format!("[station]\nid = {bad:?}\n"));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].key.as_deref(), Some("station.id"));
        assert_eq!((errs[0].line, errs[0].column), (Some(2), Some(6)));
        has(&errs[0], "station id", "A-Z a-z 0-9 . _ -");
    }
}

#[test]
fn timezone_is_an_iana_name() {
    let e = one("timezone = \"Europe/Berlim\"\n", 3, "station.timezone");
    has(&e, "unknown time zone \"Europe/Berlim\"", "Europe/Berlin");
}

#[test]
fn mode_lists_the_modes() {
    let e = one("mode = \"recieve\"\n", 3, "station.mode");
    has(
        &e,
        "unknown station mode \"recieve\"",
        "allowed: receive, issue, produce, move, ship, hold, release, merge, split, lookup",
    );
}

#[test]
fn operator_and_locations_are_codes() {
    one("operator = \"\"\n", 3, "station.operator");
    one(
        "receive_location = \"DOCK 1\"\n",
        3,
        "station.receive_location",
    );
    one(
        "production_location = \"\"\n",
        3,
        "station.production_location",
    );
}

#[test]
fn store_keys_are_checked() {
    let e = one("[store]\ncache_size_mib = 2\n", 4, "store.cache_size_mib");
    has(&e, "2 is out of range", "allowed: 4 to 4096 MiB");
    let e = one(
        "[store]\ngroup_commit_max = 0\n",
        4,
        "store.group_commit_max",
    );
    has(&e, "out of range", "1 to 1024");
    let e = one("[store]\npath = \" \"\n", 4, "store.path");
    has(&e, "empty", "relative");
}

#[test]
fn rules_keys_are_checked() {
    let e = one(
        "[rules]\nunknown_lot = \"accept\"\n",
        4,
        "rules.unknown_lot",
    );
    has(
        &e,
        "unknown unknown-lot policy \"accept\"",
        "allowed: reject, accept_provisionally",
    );
    one(
        "[rules]\nexpiry_warning_days = 4000\n",
        4,
        "rules.expiry_warning_days",
    );
    one("[rules]\nfefo_lookahead = 0\n", 4, "rules.fefo_lookahead");
}

#[test]
fn lot_pattern_placeholders_are_checked() {
    let e = one(
        "[lots]\ninternal_pattern = \"{yyyymmdd}-{sequence}\"\n",
        4,
        "lots.internal_pattern",
    );
    has(&e, "unknown placeholder {sequence}", "{seq:0N}");
    let e = one(
        "[lots]\ninternal_pattern = \"{seq:3}\"\n",
        4,
        "lots.internal_pattern",
    );
    has(&e, "{seq:3}", "");
    for bad in [
        "{seq:00}",
        "{seq:010}",
        "{seq",
        "seq}",
        "{yymmdd}",
        "L {seq}",
    ] {
        let errs = errors(&format!("{BASE}[lots]\ninternal_pattern = {bad:?}\n"));
        assert_eq!(
            errs[0].key.as_deref(),
            Some("lots.internal_pattern"),
            "{bad}"
        );
    }
    let errs = errors(
        "[station]\nid = \"a-long-station-name\"\n[lots]\ninternal_pattern = \"{station}-{seq}\"\n",
    );
    has(&errs[0], "more than the 20", "");
    assert_eq!(errs[0].line, Some(4));
}

#[test]
fn canonical_rules_deserialize() {
    let c = ok(
        "[lots.canonical.per_supplier.\"9506000134413\"]\nstrip_prefixes = [\"LOT-\"]\nremove_chars = \"-\"\n",
    );
    let rule = c
        .lots
        .canonical
        .rule_for(&crate::model::ItemCode("x".into()), Some("9506000134413"));
    assert_eq!(rule.apply("LOT-24-1").0, "241");
}

#[test]
fn receive_keys_are_checked() {
    one("[receive]\nwindow_ms = 50\n", 4, "receive.window_ms");
    let e = one(
        "[receive]\nrequired_ais = [\"01\", \"1O\"]\n",
        4,
        "receive.required_ais[1]",
    );
    has(&e, "\"1O\" is not an AI", "310n");
    assert_eq!(e.column, Some(23));
    let e = one(
        "[receive]\noptional_ais = [\"99999\"]\n",
        4,
        "receive.optional_ais[0]",
    );
    has(&e, "not an AI", "");
    let e = one(
        "[receive]\noptional_ais = [\"320n\", \"31nn\", \"123\"]\n",
        4,
        "receive.optional_ais[2]",
    );
    has(&e, "not in lotstation's AI table", "");
    one(
        "[receive]\noptional_ais = [\"11\", \"11\"]\n",
        4,
        "receive.optional_ais[1]",
    );
    let e = one(
        "[receive]\noptional_ais = [\"10\"]\n",
        4,
        "receive.optional_ais[0]",
    );
    has(&e, "also in receive.required_ais", "");
    for bad in ["0", "-1", "1.2345", "x", ""] {
        let errs = errors(&format!("{BASE}[receive]\ndefault_qty = {bad:?}\n"));
        assert_eq!(errs[0].key.as_deref(), Some("receive.default_qty"), "{bad}");
        has(&errs[0], "not a positive quantity", "at most 3 decimals");
    }
}

#[test]
fn decode_keys_are_checked() {
    let e = one(
        "[decode]\nmax_scan_bytes = 65537\n",
        4,
        "decode.max_scan_bytes",
    );
    has(&e, "out of range", "64 to 65536 bytes");
}

#[test]
fn bad_regex_names_its_key_and_line() {
    let e = one(
        "[codes]\ncommand = 'CMD:.*'\nwork_order = '(?P<id>WO-[A-Z'\n",
        5,
        "codes.work_order",
    );
    has(
        &e,
        "is not a valid regular expression: unclosed character class",
        "group named id",
    );
    assert_eq!(e.column, Some(14));
}

#[test]
fn source_kind_lists_the_kinds() {
    let e = one(
        "[[sources]]\nname = \"s\"\nkind = \"serail\"\n",
        5,
        "sources[0].kind",
    );
    assert_eq!(
        e.to_string(),
        "/etc/lotstation/test.toml:5:8: key sources[0].kind: unknown source kind \"serail\"; allowed: stdin, replay, serial, usb_hid, image_dir, llrp"
    );
}

#[test]
fn source_keys_are_checked() {
    let two = "[[sources]]\nname = \"a\"\nkind = \"stdin\"\n[[sources]]\n";
    let e = one(
        &format!("{two}name = \"a\"\nkind = \"replay\"\npath = \"x\"\n"),
        7,
        "sources[1].name",
    );
    has(&e, "already used by sources[0]", "");
    let e = one(
        &format!("{two}name = \"b\"\nkind = \"stdin\"\n"),
        8,
        "sources[1].kind",
    );
    has(&e, "second stdin source", "");
    let e = one(
        "[[sources]]\nname = \"r\"\nkind = \"replay\"\n",
        5,
        "sources[0].path",
    );
    has(&e, "needs a path", "hardware-fixtures");
    let e = one(
        "[[sources]]\nname = \"r\"\nkind = \"stdin\"\nloop = true\n",
        6,
        "sources[0].loop",
    );
    has(&e, "does not apply to a source of kind stdin", "");
    for speed in ["-1.0", "nan", "inf"] {
        let errs = errors(&format!(
            "{BASE}[[sources]]\nname = \"r\"\nkind = \"replay\"\npath = \"p\"\nspeed = {speed}\n"
        ));
        assert_eq!(errs[0].key.as_deref(), Some("sources[0].speed"), "{speed}");
        assert_eq!(errs[0].line, Some(7));
    }
    let e = one(
        "[[sources]]\nname = \"s\"\nkind = \"stdin\"\nassume_symbology = \"C\"\n",
        6,
        "sources[0].assume_symbology",
    );
    has(&e, "", "]C1");
    one(
        "[[sources]]\nname = \"s\"\nkind = \"stdin\"\ndebounce_ms = 60001\n",
        6,
        "sources[0].debounce_ms",
    );
    one(
        "[[sources]]\nname = \"s s\"\nkind = \"stdin\"\n",
        4,
        "sources[0].name",
    );
    let e = one(
        "[[sources]]\nname = \"kiosk\"\nkind = \"stdin\"\n",
        4,
        "sources[0].name",
    );
    has(&e, "reserved for scans typed at the kiosk", "another name");
}

#[test]
fn serial_sources_take_their_defaults_and_resolve_their_settings() {
    let c = ok("[[sources]]\nname = \"s\"\nkind = \"serial\"\ndevice = \"/dev/ttyACM0\"\n");
    let SourceKind::Serial(ser) = &c.sources[0].kind else {
        panic!("serial expected")
    };
    assert_eq!(ser.device, DeviceSelector::Path("/dev/ttyACM0".into()));
    assert_eq!(ser.line, LineSettings::default());
    assert_eq!(ser.line.to_string(), "9600 8N1");
    assert_eq!(
        ser.framing,
        FramingConfig {
            suffix: Suffix::Cr,
            prefix: Vec::new(),
            inter_byte_timeout: None,
            max_frame_bytes: 8192,
            aim_expected: false,
        }
    );
    assert_eq!(ser.reconnect_max, Duration::from_secs(2));
    let c = ok(concat!(
        "[decode]\nmax_scan_bytes = 512\n",
        "[[sources]]\nname = \"s\"\nkind = \"serial\"\ndevice = \"usb:0C2E:0b61:A1\"\n",
        "baud = 115200\ndata_bits = 7\nparity = \"even\"\nstop_bits = 2\nflow_control = \"hardware\"\n",
        "suffix = \"none\"\nprefix_hex = \"02\"\naim_expected = true\n",
        "feedback_accepted_hex = \"1B 07\"\nfeedback_rejected_hex = \"1b0707\"\nreconnect_max_ms = 500\n",
    ));
    let SourceKind::Serial(ser) = &c.sources[0].kind else {
        panic!("serial expected")
    };
    assert_eq!(ser.device.to_string(), "usb:0c2e:0b61:A1");
    assert_eq!(ser.line.to_string(), "115200 7E2 hardware flow control");
    assert_eq!(ser.framing.suffix, Suffix::None);
    assert_eq!(ser.framing.prefix, [0x02]);
    // Without a suffix the pause defaults to 50 ms; the maximum to decode's.
    assert_eq!(
        ser.framing.inter_byte_timeout,
        Some(Duration::from_millis(50))
    );
    assert_eq!(ser.framing.max_frame_bytes, 512);
    assert_eq!(ser.feedback.accepted, [0x1b, 0x07]);
    assert!(ser.feedback.warning.is_empty());
    assert_eq!(ser.feedback.rejected, [0x1b, 0x07, 0x07]);
    assert_eq!(ser.reconnect_max, Duration::from_millis(500));
}

#[test]
fn serial_keys_are_checked() {
    let src = "[[sources]]\nname = \"s\"\nkind = \"serial\"\n";
    let e = one(src, 5, "sources[0].device");
    has(&e, "needs a device", "usb:0c2e:0b61");
    let dev = format!("{src}device = \"/dev/ttyUSB0\"\n");
    let e = one(
        &format!("{src}device = \"ttyUSB0\"\n"),
        6,
        "sources[0].device",
    );
    has(&e, "/dev/ttyUSB0", "lotstation devices");
    one(&format!("{dev}baud = 0\n"), 7, "sources[0].baud");
    one(&format!("{dev}data_bits = 9\n"), 7, "sources[0].data_bits");
    one(&format!("{dev}stop_bits = 3\n"), 7, "sources[0].stop_bits");
    let e = one(&format!("{dev}parity = \"mark\"\n"), 7, "sources[0].parity");
    has(&e, "unknown parity", "none, even, odd");
    let e = one(
        &format!("{dev}flow_control = \"rts\"\n"),
        7,
        "sources[0].flow_control",
    );
    has(&e, "", "none, software, hardware");
    let e = one(&format!("{dev}suffix = \"etx\"\n"), 7, "sources[0].suffix");
    has(&e, "", "cr, lf, crlf, tab, none");
    let e = one(
        &format!("{dev}suffix = \"none\"\ninter_byte_timeout_ms = 0\n"),
        8,
        "sources[0].inter_byte_timeout_ms",
    );
    has(&e, "inter-byte timeout is required", "e.g. 50");
    let e = one(
        &format!("{dev}suffix = \"tab\"\nprefix_hex = \"09\"\n"),
        8,
        "sources[0].prefix_hex",
    );
    has(&e, "suffix byte", "");
    let e = one(
        &format!("{dev}prefix_hex = \"0\"\n"),
        7,
        "sources[0].prefix_hex",
    );
    has(&e, "not hex bytes", "1B 07");
    one(
        &format!("{dev}prefix_hex = \"{}\"\n", "00".repeat(17)),
        7,
        "sources[0].prefix_hex",
    );
    one(
        &format!("{dev}feedback_warning_hex = \"zz\"\n"),
        7,
        "sources[0].feedback_warning_hex",
    );
    let e = one(
        &format!("{dev}feedback_accepted_hex = \"{}\"\n", "07".repeat(65)),
        7,
        "sources[0].feedback_accepted_hex",
    );
    has(&e, "too many", "at most 64");
    one(
        &format!("{dev}max_frame_bytes = 0\n"),
        7,
        "sources[0].max_frame_bytes",
    );
    one(
        &format!("{dev}reconnect_max_ms = 50\n"),
        7,
        "sources[0].reconnect_max_ms",
    );
    // Keys of other kinds are named, in both directions.
    let e = one(&format!("{dev}speed = 2.0\n"), 7, "sources[0].speed");
    has(
        &e,
        "does not apply to a source of kind serial",
        "only kind replay",
    );
    let e = one(
        "[[sources]]\nname = \"r\"\nkind = \"replay\"\npath = \"p\"\nbaud = 9600\n",
        7,
        "sources[0].baud",
    );
    has(
        &e,
        "does not apply to a source of kind replay",
        "only kind serial",
    );
}

#[test]
fn log_keys_are_checked() {
    for good in [
        "info",
        "warn,lotstation::store=debug",
        "lotstation=trace",
        "OFF",
        "lotstation[commit{tx=1}]=debug",
    ] {
        ok(&format!("[log]\nlevel = {good:?}\n"));
    }
    for bad in ["inf", "", "info,", "lotstation=loud", "=debug"] {
        let errs = errors(&format!("{BASE}[log]\nlevel = {bad:?}\n"));
        assert_eq!(errs[0].key.as_deref(), Some("log.level"), "{bad}");
        assert_eq!(errs[0].line, Some(4), "{bad}");
    }
    let e = one("[log]\nformat = \"yaml\"\n", 4, "log.format");
    has(
        &e,
        "unknown log format \"yaml\"",
        "allowed: auto, text, json, journald",
    );
}

#[test]
fn api_keys_are_checked() {
    let c = ok("[api]\nlisten = \"[::1]:9000\"\nsigners_path = \"sig/signers.json\"\n");
    assert_eq!(c.api.listen, Some("[::1]:9000".parse().unwrap()));
    assert_eq!(
        c.api.signers_path,
        Path::new("/etc/lotstation/sig/signers.json")
    );
    assert_eq!(ok("[api]\nlisten = \"\"\n").api.listen, None, "off");
    let token = "0123456789abcdef0123";
    let c = ok(&format!(
        "[api]\nlisten = \"0.0.0.0:8370\"\ntoken = \"{token}\"\n"
    ));
    assert_eq!(c.api.token.as_ref().map(ApiToken::expose), Some(token));
    assert!(
        !format!("{c:?}").contains(token),
        "the token never shows in debug output"
    );

    let e = one("[api]\nlisten = \"0.0.0.0:8370\"\n", 4, "api.listen");
    has(
        &e,
        "not a loopback address and api.token is not set",
        "set api.token",
    );
    let e = one("[api]\nlisten = \"localhost\"\n", 4, "api.listen");
    has(&e, "not an IP address and port", "127.0.0.1:8370");
    let e = one("[api]\ntoken = \"short secret\"\n", 4, "api.token");
    has(&e, "not valid (12 characters)", "16 to 256");
    assert!(!e.to_string().contains("short secret"), "{e}");
}

#[test]
fn all_semantic_errors_are_reported_in_file_order() {
    let text = "[station]\nid = \"bad id\"\ntimezone = \"Mars/Base\"\n\
        [store]\ncache_size_mib = 1\n\
        [[sources]]\nname = \"x\"\nkind = \"serail\"\n\
        [log]\nformat = \"xml\"\n";
    let errs = errors(text);
    let keys: Vec<_> = errs
        .iter()
        .map(|e| (e.line.unwrap(), e.key.clone().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [
            (2, "station.id".to_owned()),
            (3, "station.timezone".to_owned()),
            (5, "store.cache_size_mib".to_owned()),
            (8, "sources[0].kind".to_owned()),
            (10, "log.format".to_owned()),
        ]
    );
    let all = load(text).unwrap_err().to_string();
    assert_eq!(all.lines().count(), 5);
}

#[test]
fn unreadable_file_is_one_error_naming_the_file() {
    let e = Config::load("/nonexistent/lotstation.toml").unwrap_err();
    assert_eq!(e.len(), 1);
    let s = e.to_string();
    assert!(
        s.starts_with("/nonexistent/lotstation.toml: cannot read the file"),
        "{s}"
    );
}

// --- usb_hid sources ----------------------------------------------------

#[test]
fn usb_hid_keyboard_source_with_every_key() {
    let c = ok(concat!(
        "[decode]\nmax_scan_bytes = 500\n",
        "[[sources]]\nname = \"wedge\"\nkind = \"usb_hid\"\n",
        "device = \"usb:0C2E:0b61:LS0001\"\nmode = \"keyboard\"\nlayout = \"fr\"\n",
        "suffix = \"tab\"\ngs_substitute = \"~\"\nrs_substitute = \"^\"\n",
        "eot_substitute = \"|\"\ngap_ms = 80\n",
    ));
    let SourceKind::UsbHid(u) = &c.sources[0].kind else {
        panic!("{:?}", c.sources[0].kind)
    };
    assert_eq!(u.device.to_string(), "usb:0c2e:0b61:LS0001");
    assert_eq!(u.gap, Duration::from_millis(80));
    assert_eq!(
        u.mode,
        HidMode::Keyboard(KeyboardSettings {
            layout: Layout::Fr,
            suffix: HidSuffix::Tab,
            substitutes: vec![('~', GS), ('^', RS), ('|', EOT)],
            max_scan_bytes: 500,
        })
    );
}

#[test]
fn usb_hid_defaults_and_hid_pos_without_a_device() {
    let c = ok("[[sources]]\nname = \"w\"\nkind = \"usb_hid\"\ndevice = \"usb:0c2e:0b61\"\n");
    let SourceKind::UsbHid(u) = &c.sources[0].kind else {
        panic!()
    };
    assert_eq!(u.gap, Duration::from_millis(defaults::hid_gap_ms()));
    let HidMode::Keyboard(k) = &u.mode else {
        panic!()
    };
    assert_eq!((k.layout, k.suffix), (Layout::Us, HidSuffix::Enter));
    let c =
        ok("[[sources]]\nname = \"p\"\nkind = \"usb_hid\"\nmode = \"hid_pos\"\nreport_id = 3\n");
    let SourceKind::UsbHid(u) = &c.sources[0].kind else {
        panic!()
    };
    assert_eq!(u.device, UsbMatch::default());
    assert!(matches!(
        u.mode,
        HidMode::Pos(PosSettings { report_id: 3, .. })
    ));
}

#[test]
fn usb_hid_keyboard_needs_a_device() {
    let e = one(
        "[[sources]]\nname = \"w\"\nkind = \"usb_hid\"\n",
        5,
        "sources[0].device",
    );
    has(&e, "needs a device", "never guess");
}

#[test]
fn usb_hid_bad_values_name_their_key() {
    let src = "[[sources]]\nname = \"w\"\nkind = \"usb_hid\"\ndevice = \"usb:0c2e:0b61\"\n";
    let e = one(
        &format!("{src}layout = \"azerty\"\n"),
        7,
        "sources[0].layout",
    );
    has(&e, "unknown keyboard layout", "us, uk, de, fr");
    let e = one(&format!("{src}suffix = \"cr\"\n"), 7, "sources[0].suffix");
    has(&e, "unknown suffix", "enter");
    let e = one(
        &format!("{src}gs_substitute = \"ab\"\n"),
        7,
        "sources[0].gs_substitute",
    );
    has(&e, "not a single substitute character", "~");
    let e = one(
        &format!("{src}gs_substitute = \"7\"\n"),
        7,
        "sources[0].gs_substitute",
    );
    has(&e, "not a single substitute character", "");
    let e = one(
        &format!("{src}gs_substitute = \"~\"\nrs_substitute = \"~\"\n"),
        8,
        "sources[0].rs_substitute",
    );
    has(&e, "already stands for", "");
    let e = one(&format!("{src}gap_ms = 1\n"), 7, "sources[0].gap_ms");
    has(&e, "out of range", "10 to 10000 ms");
    let e = one(&format!("{src}mode = \"mouse\"\n"), 7, "sources[0].mode");
    has(&e, "unknown USB HID mode", "hid_pos");
    let e = one(&format!("{src}report_id = 2\n"), 7, "sources[0].report_id");
    has(&e, "does not apply to mode keyboard", "hid_pos");
    let e = one(&format!("{src}path = \"x\"\n"), 7, "sources[0].path");
    has(&e, "does not apply to a source of kind usb_hid", "replay");
    let e = one(
        "[[sources]]\nname = \"w\"\nkind = \"usb_hid\"\ndevice = \"/dev/hidraw0\"\n",
        6,
        "sources[0].device",
    );
    has(&e, "not a USB selector", "usb:VID:PID");
    let e = one(
        "[[sources]]\nname = \"p\"\nkind = \"usb_hid\"\nmode = \"hid_pos\"\nlayout = \"de\"\n",
        7,
        "sources[0].layout",
    );
    has(&e, "does not apply to mode hid_pos", "keyboard");
}

#[test]
fn usb_hid_keys_on_other_kinds_are_errors() {
    let e = one(
        "[[sources]]\nname = \"r\"\nkind = \"replay\"\npath = \"x.replay\"\nlayout = \"de\"\n",
        7,
        "sources[0].layout",
    );
    has(&e, "does not apply to a source of kind replay", "usb_hid");
    let e = one(
        "[[sources]]\nname = \"k\"\nkind = \"stdin\"\ndevice = \"usb:0c2e:0b61\"\n",
        6,
        "sources[0].device",
    );
    has(&e, "does not apply to a source of kind stdin", "usb_hid");
}

// --- image_dir sources --------------------------------------------------

#[test]
fn image_dir_source() {
    let c =
        ok("[[sources]]\nname = \"cam\"\nkind = \"image_dir\"\npath = \"shots\"\npoll_ms = 100\n");
    let SourceKind::ImageDir(d) = &c.sources[0].kind else {
        panic!()
    };
    assert_eq!(d.dir, Path::new("/etc/lotstation/shots"));
    assert_eq!(d.poll, Duration::from_millis(100));
    let e = one(
        "[[sources]]\nname = \"cam\"\nkind = \"image_dir\"\n",
        5,
        "sources[0].path",
    );
    has(&e, "needs a path", "camera");
    let e = one(
        "[[sources]]\nname = \"cam\"\nkind = \"image_dir\"\npath = \"x\"\nspeed = 1.0\n",
        7,
        "sources[0].speed",
    );
    has(&e, "does not apply to a source of kind image_dir", "replay");
    let e = one(
        "[[sources]]\nname = \"r\"\nkind = \"replay\"\npath = \"x\"\npoll_ms = 100\n",
        7,
        "sources[0].poll_ms",
    );
    has(&e, "does not apply to a source of kind replay", "image_dir");
}

#[test]
fn default_file_portal_example_is_valid_when_uncommented() {
    let start = DEFAULT_CONFIG
        .find("# Example: a reader at dock door 1")
        .unwrap();
    let end = DEFAULT_CONFIG[start..].find("\n\n").unwrap() + start;
    let example: String = DEFAULT_CONFIG[start..end]
        .lines()
        .filter(|l| !l.starts_with("# Example") && !l.starts_with("# a photo-eye"))
        .map(|l| l.trim_start_matches('#').trim_start())
        .collect::<Vec<_>>()
        .join("\n");
    let c = ok(&example);
    let SourceKind::Llrp(r) = &c.sources[0].kind else {
        panic!("llrp expected")
    };
    assert_eq!(r.address, "192.0.2.10:5084");
    assert_eq!(r.plan.antennas, vec![1, 2]);
    assert_eq!(r.plan.tx_power_cdbm, Some(2700));
    assert_eq!(r.plan.search_mode, Some(3));
    let p = c.portal.as_ref().unwrap();
    assert_eq!(p.doors[0].gpi, Some(("dock-1-reader".to_owned(), 1, true)));
    assert_eq!(p.read_points.len(), 2);
    assert_eq!(p.read_points[0].min_rssi_cdbm, Some(-7000));
    assert_eq!(p.exclude.len(), 1);
}

#[test]
fn portal_errors_name_the_key_and_what_is_allowed() {
    let errs = errors(
        r#"
[station]
id = "dock"

[[sources]]
name = "r1"
kind = "llrp"
session = 7

[[sources]]
name = "keyboard"
kind = "stdin"
antennas = [1]

[portal]
include = ["0614141"]

[[portal.doors]]
name = "d1"
gpi_reader = "nope"
gpi_port = 1

[[portal.read_points]]
name = "p1"
reader = "r1"
antenna = 1
door = "d2"
side = "left"
"#,
    );
    let text = errs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "sources[0].address",
        "sources[0].session",
        "sources[1].antennas",
        "portal.include[0]",
        "portal.doors[0].gpi_reader",
        "portal.read_points[0].door",
        "portal.read_points[0].side",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn an_llrp_source_without_a_portal_is_an_error() {
    let errs = errors(&format!(
        "{BASE}[[sources]]\nname = \"r1\"\nkind = \"llrp\"\naddress = \"192.0.2.1\"\n"
    ));
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0].message.contains("no [portal] section"),
        "{}",
        errs[0]
    );
}
