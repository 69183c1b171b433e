//! The kiosk page in a real browser: Debian's chromium, headless, driven
//! over WebDriver (chromedriver + fantoccini), against the real daemon with
//! a stdin source. Scans go in on the daemon's stdin and through the page's
//! own buttons; the test reads what the page shows, checks that an error
//! stays up until acknowledged, and saves screenshots (1024x600, the kiosk's
//! screen) under the target directory: `target/tmp/kiosk/`.
//!
//! Needs /usr/bin/chromium and /usr/bin/chromedriver (`.ci/run` installs
//! Debian's chromium and chromium-driver).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::kiosk_util::{Daemon, kiosk_config};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// True when the browser and its driver are here. Without them the test is
/// skipped, loudly, except under CI (`CI` set), where it fails.
#[expect(
    clippy::print_stderr,
    reason = "a skipped browser test must say so loudly"
)]
fn browser_present() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|t| !Path::new(t).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} missing but CI is set: .ci/run must install Debian's chromium and chromium-driver",
        missing.join(" and ")
    );
    eprintln!(
        "\n*** SKIPPED kiosk_browser: {} missing here (apt-get install chromium chromium-driver); CI installs them and runs this test ***\n",
        missing.join(" and ")
    );
    false
}

fn start_driver() -> (Driver, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The browser runs on the machine's real clock, also in CI's runs with
    // the clock shifted (libfaketime preloaded): Chromium is not lotstation,
    // and under libfaketime it sometimes exits as it starts ("Chrome
    // instance exited"). The daemon and this test stay shifted; the page
    // only formats the daemon's timestamps, it never reads its own clock
    // for what it shows.
    let child = Command::new(CHROMEDRIVER)
        .env_remove("LD_PRELOAD")
        .env_remove("FAKETIME")
        .env_remove("FAKETIME_DONT_FAKE_MONOTONIC")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Driver(child), port)
}

async fn browser(port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--autoplay-policy=no-user-gesture-required",
                "--window-size=1024,600",
                format!("--user-data-dir={}", profile.display()),
            ],
            // The page's viewport is exactly the kiosk's touchscreen.
            "mobileEmulation": {
                "deviceMetrics": {"width": 1024, "height": 600, "pixelRatio": 1.0, "touch": true}
            },
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session in headless chromium")
}

/// Evaluate `expr` in the page until it is true (20 s at most).
async fn until(c: &Client, what: &str, expr: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = c
            .execute(&format!("return !!({expr});"), vec![])
            .await
            .unwrap();
        if v == json!(true) {
            return;
        }
        if Instant::now() > deadline {
            let body = c
                .execute("return document.body.innerText;", vec![])
                .await
                .unwrap();
            panic!(
                "page never showed {what} ({expr}); it shows:\n{}",
                body.as_str().unwrap_or("")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id)).await.unwrap().text().await.unwrap()
}

async fn shown(c: &Client, id: &str) -> bool {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap()
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kiosk");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(c: &Client, name: &str) -> PathBuf {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = shots().join(name);
    std::fs::write(&path, png).unwrap();
    path
}

#[test]
fn the_kiosk_page_shows_verdicts_latches_errors_until_acknowledged_and_takes_manual_entry() {
    if !browser_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::start(&kiosk_config(dir.path(), ""));
    let (_driver, port) = start_driver();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(port, &dir.path().join("chromium-profile")).await;
        c.goto(&format!("{}/", d.base)).await.unwrap();
        until(
            &c,
            "the live feed",
            "document.getElementById('feed').textContent === 'live'",
        )
        .await;
        assert_eq!(text(&c, "mode").await.to_lowercase(), "issue");
        assert_eq!(text(&c, "expecting").await, "Scan a work order");
        let size = c
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap();
        assert_eq!(size, json!([1024, 600]), "the kiosk's screen size");

        // A refused scan: big red, reason and code, and the latched banner.
        d.scan("]C0WO-1001");
        until(
            &c,
            "the work order step",
            "document.getElementById('expecting').textContent.includes('WO-1001')",
        )
        .await;
        d.scan(&format!(
            "]C1010950600013435217{}1024-0912{{GS}}3103025000",
            crate::dates::yymmdd(351)
        ));
        until(
            &c,
            "the refusal",
            "document.getElementById('verdict-title').textContent === 'REJECTED'",
        )
        .await;
        assert!(
            text(&c, "verdict-text")
                .await
                .contains("Lot 24-0912 is in quarantine")
        );
        assert!(text(&c, "verdict-code").await.contains("LOT_QUARANTINED"));
        until(
            &c,
            "the latched error",
            "!document.getElementById('latched').hidden",
        )
        .await;
        assert!(text(&c, "latched-text").await.contains("LOT_QUARANTINED"));
        let red = screenshot(&c, "kiosk-rejected.png").await;
        assert!(shown(&c, "ack-button").await);

        // A good scan afterwards: green, but the error stays up.
        d.scan(&format!(
            "]C1010950600013435217{}1024-0847{{GS}}3103025000",
            crate::dates::yymmdd(292)
        ));
        until(
            &c,
            "the accepted issue",
            "document.getElementById('verdict-title').textContent === 'ACCEPTED'",
        )
        .await;
        assert!(
            shown(&c, "latched").await,
            "the error stays until acknowledged"
        );
        assert_eq!(
            c.execute(
                "return document.querySelectorAll('#history li').length;",
                vec![]
            )
            .await
            .unwrap(),
            json!(2)
        );
        click(&c, "#ack-button").await;
        until(
            &c,
            "the banner gone",
            "document.getElementById('latched').hidden",
        )
        .await;
        assert!(d.line_starting(&["ACK"]).contains("by kiosk"));

        // Mode switch from the page, a honey lot received on the scanner...
        click(&c, "#btn-mode").await;
        click(&c, "#mode-grid button[data-mode='receive']").await;
        until(
            &c,
            "receive mode",
            "document.getElementById('mode').textContent === 'receive'",
        )
        .await;
        d.scan(&format!(
            "]C1010950600013437617{}1028-0912{{GS}}3103020000",
            crate::dates::yymmdd(1023)
        ));
        until(
            &c,
            "the receipt",
            "document.getElementById('verdict-move').textContent.includes('receive')",
        )
        .await;
        click(&c, "#btn-mode").await;
        click(&c, "#mode-grid button[data-mode='issue']").await;
        until(
            &c,
            "issue mode",
            "document.getElementById('mode').textContent === 'issue'",
        )
        .await;

        // ...then typed at the kiosk: the work order and the newer honey
        // lot, which gets a FEFO warning naming the lot and place to use.
        for typed in [
            "WO-1001",
            "(01)09506000134376(17)281231(10)28-0912(3103)010000",
        ] {
            click(&c, "#btn-manual").await;
            let input = c.find(Locator::Id("manual-input")).await.unwrap();
            input.send_keys(typed).await.unwrap();
            click(&c, "#manual-submit").await;
            until(
                &c,
                "the dialog closed",
                "!document.getElementById('dlg-manual').open",
            )
            .await;
        }
        until(
            &c,
            "the FEFO warning",
            "document.getElementById('verdict-title').textContent === 'WARNING'",
        )
        .await;
        assert_eq!(
            text(&c, "fefo").await,
            "Use lot 28-0301 at location A-01 instead"
        );
        assert!(text(&c, "verdict-code").await.contains("FEFO_VIOLATION"));
        let line = d.line_starting(&["WARNING"]);
        assert!(line.contains("28-0912"), "{line}");
        let amber = screenshot(&c, "kiosk-fefo-warning.png").await;

        // A typing mistake is explained in the dialog, not lost.
        click(&c, "#btn-manual").await;
        let input = c.find(Locator::Id("manual-input")).await.unwrap();
        input.send_keys("   ").await.unwrap();
        click(&c, "#manual-submit").await;
        until(
            &c,
            "the input error",
            "!document.getElementById('manual-error').hidden",
        )
        .await;
        assert!(text(&c, "manual-error").await.contains("the scan is empty"));
        screenshot(&c, "kiosk-manual-entry-error.png").await;

        for p in [red, amber] {
            assert!(
                std::fs::metadata(&p).unwrap().len() > 10_000,
                "{}",
                p.display()
            );
        }
        c.close().await.unwrap();
    });
    assert!(d.finish().success());
}
