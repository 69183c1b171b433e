use super::*;

fn load(text: &str) -> Result<Config, ConfigErrors> {
    Config::from_str(text, "/etc/lotstation/test.toml")
}

#[test]
fn scratch() {
    let t = "[station]\nid = \"x\"\n[[sources]]\nname = \"a\"\n\n[[sources]]\nname = \"b\"\nspeed = 1\n";
    let (l, _) = error::Locator::new(Path::new("x"), t);
    eprintln!("{l:#?}");
    for t in [
        "[station]\nid = \"x\"\nfoo = 1\n",
        "[station]\nid = 5\n",
        "[station]\ntimezone = \"UTC\"\n",
        "[store]\npath = \"x\"\n",
        "[station]\nid = \"x\"\n[[sources]]\nname = \"a\"\n\n[[sources]]\nname = \"b\"\nkind = \"stdin\"\nbogus = 3\n",
        "[station]\nid = \"x\"\n[[sources]]\nname = \"a\"\n\n[[sources]]\nname = \"b\"\nspeed = 1\n",
        "[station]\nid = \"x\n[store]\npath = = 3\n",
        "[station]\nid = \"x\"\n[lots.canonical.per_item.\"123\"]\nstrip = 1\n",
        "[station]\nid = \"x\"\n[rules]\nexpiry_warning_days = -3\n",
        "station.id = \"x\"\nstore = { path = \"a\", cache_size_mib = \"big\" }\n",
    ] {
        match load(t) {
            Ok(_) => eprintln!("OK?? {t}"),
            Err(e) => eprintln!("{e}\n---"),
        }
    }
    panic!();
}
