//! The camera/image path: labels generated here with rxing's encoder (GS1
//! DataMatrix, GS1-128, QR, EAN-13), rotated, blurred and saved as PNG or
//! JPEG, then decoded by `source::image`, by `lotstation decode-image`, and
//! by the `image_dir` source of a running daemon. Damaged and oversized
//! files must be refused with a reason, never panic.

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use image::{GrayImage, ImageFormat, Luma};
use lotstation::ident::{AimId, DecodeOptions, decode};
use lotstation::source::image::{ImageError, ImageLimits, decode_image, decode_luma};
use rxing::datamatrix::encoder::{DefaultPlacement, SymbolInfoLookup, error_correction};
use rxing::{BarcodeFormat, EncodeHints, MultiFormatWriter, Writer};

/// A GS1 DataMatrix (ECC 200) of `data`, GS as FNC1, as module rows.
///
/// Built from rxing's ECC and placement, with the ASCII encodation done
/// here: rxing 0.8.6's own compact GS1 encoder writes a separator FNC1 as
/// an ECI designator (241 0), which readers then report as `]d5` with the
/// GS gone. Only single-region symbols (up to 26×26), enough for labels here.
fn gs1_datamatrix(data: &str) -> Vec<Vec<bool>> {
    let b = data.as_bytes();
    let mut cw: Vec<u32> = vec![232];
    let mut i = 0;
    while i < b.len() {
        if i + 1 < b.len() && b[i].is_ascii_digit() && b[i + 1].is_ascii_digit() {
            cw.push(130 + u32::from((b[i] - b'0') * 10 + (b[i + 1] - b'0')));
            i += 2;
        } else {
            cw.push(if b[i] == 0x1d {
                232
            } else {
                u32::from(b[i]) + 1
            });
            i += 1;
        }
    }
    let lookup = SymbolInfoLookup::new();
    let info = lookup.lookup(cw.len() as u32).unwrap().unwrap();
    let cap = info.getDataCapacity() as usize;
    if cw.len() < cap {
        cw.push(129);
    }
    while cw.len() < cap {
        // The 253-state randomised pad of ISO/IEC 16022.
        let v = 129 + ((149 * (cw.len() as u32 + 1)) % 253) + 1;
        cw.push(if v <= 254 { v } else { v - 254 });
    }
    let s: String = cw.iter().map(|&c| char::from_u32(c).unwrap()).collect();
    let ecc = error_correction::encodeECC200(&s, info).unwrap();
    let (dw, dh) = (
        info.getSymbolDataWidth().unwrap() as usize,
        info.getSymbolDataHeight().unwrap() as usize,
    );
    let (sw, sh) = (
        info.getSymbolWidth().unwrap() as usize,
        info.getSymbolHeight().unwrap() as usize,
    );
    assert_eq!((sw - dw, sh - dh), (2, 2), "single data region only");
    let mut p = DefaultPlacement::new(ecc, dw, dh);
    p.place().unwrap();
    // Finder: solid left and bottom edges, alternating top and right.
    let mut m = vec![vec![false; sw]; sh];
    for (x, cell) in m[0].iter_mut().enumerate() {
        *cell = x % 2 == 0;
    }
    m[sh - 1].fill(true);
    for (y, row) in m[1..=dh].iter_mut().enumerate() {
        row[0] = true;
        for (x, cell) in row[1..=dw].iter_mut().enumerate() {
            *cell = p.getBit(x, y);
        }
        row[sw - 1] = y % 2 == 0;
    }
    m
}

/// Module rows drawn with `module` pixels per module and a quiet zone of
/// `quiet` modules, centred on a white canvas.
fn draw(m: &[Vec<bool>], module: u32, quiet: u32, canvas: (u32, u32)) -> GrayImage {
    let (w, h) = (m[0].len() as u32, m.len() as u32);
    let (iw, ih) = ((w + 2 * quiet) * module, (h + 2 * quiet) * module);
    let (cw, ch) = (canvas.0.max(iw), canvas.1.max(ih));
    let (ox, oy) = ((cw - iw) / 2, (ch - ih) / 2);
    let mut img = GrayImage::from_pixel(cw, ch, Luma([255]));
    for (y, row) in m.iter().enumerate() {
        for (x, &dark) in row.iter().enumerate() {
            if dark {
                for dy in 0..module {
                    for dx in 0..module {
                        img.put_pixel(
                            ox + (x as u32 + quiet) * module + dx,
                            oy + (y as u32 + quiet) * module + dy,
                            Luma([0]),
                        );
                    }
                }
            }
        }
    }
    img
}

const DM_DATA: &str = "01095060001343521726123110ABC123\u{1d}21S0001";
const GS1_128: &str = "\u{f1}0109506000134352172612311012345A\u{f1}21S0001";

/// A symbol from rxing's encoder (1-D codes and QR), drawn like [`draw`];
/// 1-D codes get 60 modules of height.
fn label(
    contents: &str,
    format: BarcodeFormat,
    module: u32,
    quiet: u32,
    canvas: (u32, u32),
) -> GrayImage {
    let m = MultiFormatWriter
        .encode_with_hints(contents, &format, 0, 0, &EncodeHints::default())
        .unwrap();
    let rows = if m.height() == 1 { 60 } else { m.height() };
    let grid: Vec<Vec<bool>> = (0..rows)
        .map(|y| {
            let src_y = if m.height() == 1 { 0 } else { y };
            (0..m.width()).map(|x| m.get(x, src_y)).collect()
        })
        .collect();
    draw(&grid, module, quiet, canvas)
}

/// Rotate by `degrees` about the centre (bilinear), white outside.
fn rotate(img: &GrayImage, degrees: f64) -> GrayImage {
    let (w, h) = img.dimensions();
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
        let (sx, sy) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let at = |xx: f64, yy: f64| -> f64 {
            if xx < 0.0 || yy < 0.0 || xx >= f64::from(w) || yy >= f64::from(h) {
                255.0
            } else {
                f64::from(img.get_pixel(xx as u32, yy as u32)[0])
            }
        };
        let v = at(x0, y0) * (1.0 - fx) * (1.0 - fy)
            + at(x0 + 1.0, y0) * fx * (1.0 - fy)
            + at(x0, y0 + 1.0) * (1.0 - fx) * fy
            + at(x0 + 1.0, y0 + 1.0) * fx * fy;
        Luma([v.round().clamp(0.0, 255.0) as u8])
    })
}

fn encode(img: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn dm_label() -> GrayImage {
    draw(&gs1_datamatrix(DM_DATA), 8, 2, (640, 480))
}

#[test]
fn gs1_datamatrix_png_decodes_as_d2_with_gs() {
    let scans = decode_image(
        &encode(&dm_label(), ImageFormat::Png),
        &ImageLimits::default(),
    )
    .unwrap();
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].symbology, Some(AimId::GS1_DATAMATRIX));
    let mut want = b"]d2".to_vec();
    want.extend_from_slice(DM_DATA.as_bytes());
    assert_eq!(scans[0].bytes, want);
    // Through the identifier engine: GS1 data, lot and serial separated.
    let d = decode(&scans[0].bytes, &DecodeOptions::default()).unwrap();
    let es = d.element_string().unwrap();
    let ais: Vec<_> = es.iter().collect();
    assert!(
        ais.contains(&("10", "ABC123")) && ais.contains(&("21", "S0001")),
        "{ais:?}"
    );
}

#[test]
fn gs1_128_decodes_as_c1_with_gs() {
    let img = label(GS1_128, BarcodeFormat::CODE_128, 3, 12, (1280, 400));
    let scans = decode_image(&encode(&img, ImageFormat::Png), &ImageLimits::default()).unwrap();
    assert_eq!(scans[0].symbology, Some(AimId::GS1_128));
    assert_eq!(
        scans[0].bytes,
        b"]C10109506000134352172612311012345A\x1d21S0001".to_vec()
    );
    assert!(
        decode(&scans[0].bytes, &DecodeOptions::default())
            .unwrap()
            .element_string()
            .is_some()
    );
}

#[test]
fn qr_and_ean13_carry_their_identifiers() {
    let qr = label(
        "https://id.example.com/01/09506000134352/10/ABC",
        BarcodeFormat::QR_CODE,
        6,
        4,
        (400, 400),
    );
    let s = decode_image(&encode(&qr, ImageFormat::Png), &ImageLimits::default()).unwrap();
    assert_eq!(s[0].symbology, Some(AimId::QR));
    let d = decode(&s[0].bytes, &DecodeOptions::default()).unwrap();
    assert!(
        d.element_string().is_some(),
        "a Digital Link read from a QR code: {d:?}"
    );
    let ean = label("9506000134352", BarcodeFormat::EAN_13, 3, 10, (500, 300));
    let s = decode_image(&encode(&ean, ImageFormat::Png), &ImageLimits::default()).unwrap();
    assert_eq!(s[0].bytes, b"]E09506000134352");
}

#[test]
fn a_rotated_label_decodes() {
    let img = rotate(&dm_label(), 30.0);
    let scans = decode_image(&encode(&img, ImageFormat::Png), &ImageLimits::default()).unwrap();
    assert_eq!(scans[0].symbology, Some(AimId::GS1_DATAMATRIX));
}

#[test]
fn a_blurred_jpeg_label_decodes() {
    let img = image::imageops::blur(&dm_label(), 1.5);
    let scans = decode_image(&encode(&img, ImageFormat::Jpeg), &ImageLimits::default()).unwrap();
    assert_eq!(scans[0].symbology, Some(AimId::GS1_DATAMATRIX));
}

#[test]
fn truncated_images_are_refused_as_damaged() {
    let png = encode(&dm_label(), ImageFormat::Png);
    let jpg = encode(&dm_label(), ImageFormat::Jpeg);
    for (name, data) in [("png", &png), ("jpeg", &jpg)] {
        for cut in [8, 33, 100, data.len() / 2, data.len() - 1] {
            let r = decode_image(&data[..cut], &ImageLimits::default());
            // A cut JPEG may still decode to a partial picture; it must
            // never panic, and whatever it says must be an answer.
            match r {
                Ok(_)
                | Err(
                    ImageError::NoBarcode
                    | ImageError::Damaged { .. }
                    | ImageError::NotAnImage { .. },
                ) => {}
                Err(e) => panic!("{name} cut at {cut}: {e}"),
            }
        }
    }
    assert!(matches!(
        decode_image(&png[..png.len() / 2], &ImageLimits::default()),
        Err(ImageError::Damaged { .. })
    ));
    assert!(matches!(
        decode_image(b"GIF89a not an image", &ImageLimits::default()),
        Err(ImageError::NotAnImage { .. })
    ));
    assert!(matches!(
        decode_image(
            &encode(
                &GrayImage::from_pixel(50, 50, Luma([255])),
                ImageFormat::Png
            ),
            &ImageLimits::default()
        ),
        Err(ImageError::NoBarcode)
    ));
}

#[test]
fn huge_images_are_refused_before_decoding() {
    // 60000 x 1 pixels: a few hundred bytes of PNG.
    let wide = encode(
        &GrayImage::from_pixel(60_000, 1, Luma([255])),
        ImageFormat::Png,
    );
    assert!(wide.len() < 10_000);
    let e = decode_image(&wide, &ImageLimits::default()).unwrap_err();
    assert!(
        matches!(
            e,
            ImageError::TooLarge {
                width: 60_000,
                height: 1,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("refused before decoding"));
    // Pixel count, and file size.
    let limits = ImageLimits {
        max_pixels: 10_000,
        ..ImageLimits::default()
    };
    let e = decode_image(&encode(&dm_label(), ImageFormat::Png), &limits).unwrap_err();
    assert!(matches!(e, ImageError::TooLarge { .. }), "{e}");
    let limits = ImageLimits {
        max_file_bytes: 100,
        ..ImageLimits::default()
    };
    let e = decode_image(&encode(&dm_label(), ImageFormat::Png), &limits).unwrap_err();
    assert!(matches!(e, ImageError::FileTooLarge { limit: 100 }), "{e}");
}

/// Reads out of the 35 variants of the GS1 DataMatrix label: 7 rotations
/// (0 to 80 degrees) × 5 blurs (none, Gaussian sigma 1 to 2.5) on a
/// 640×480 frame, with `module` pixels per module. Returns the count and
/// the variants missed.
fn success_rate(module: u32) -> (usize, Vec<String>) {
    let base = draw(&gs1_datamatrix(DM_DATA), module, 2, (640, 480));
    let mut read = 0;
    let mut misses = Vec::new();
    for angle in [0.0, 10.0, 20.0, 30.0, 45.0, 60.0, 80.0] {
        for sigma in [0.0f32, 1.0, 1.5, 2.0, 2.5] {
            let mut img = rotate(&base, angle);
            if sigma > 0.0 {
                img = image::imageops::blur(&img, sigma);
            }
            let ok = decode_luma(&img).iter().any(|s| {
                s.symbology == Some(AimId::GS1_DATAMATRIX) && s.bytes.ends_with(DM_DATA.as_bytes())
            });
            if ok {
                read += 1;
            } else {
                misses.push(format!("{angle}°/σ{sigma}"));
            }
        }
    }
    (read, misses)
}

/// The success rate the issue asks about, on the same kind of set (run with
/// --nocapture to see the numbers). Floors sit a little below what was
/// measured, so a regression in the decoding settings shows.
#[test]
fn datamatrix_success_rate_on_rotated_and_blurred_variants() {
    for (module, floor) in [(8, 30), (5, 24)] {
        let (read, misses) = success_rate(module);
        println!(
            "GS1 DataMatrix, {module} px modules: {read}/35 read; missed {}",
            misses.join(", ")
        );
        assert!(
            read >= floor,
            "{module} px modules: only {read}/35 read; missed {misses:?}"
        );
    }
}

#[test]
fn decode_image_cli_reports_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("label.png");
    std::fs::write(&good, encode(&rotate(&dm_label(), 15.0), ImageFormat::Png)).unwrap();
    let bad = dir.path().join("cut.png");
    let png = encode(&dm_label(), ImageFormat::Png);
    std::fs::write(&bad, &png[..png.len() / 3]).unwrap();

    let out = Command::new(crate::util::bin())
        .args(["decode-image", "--json"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["barcodes"][0]["decoded"]["symbology"], "]d2");
    assert_eq!(v["barcodes"][0]["decoded"]["type"], "gs1");
    let ais = v["barcodes"][0]["decoded"]["ais"].as_array().unwrap();
    assert!(ais.contains(&serde_json::json!(["21", "S0001"])), "{ais:?}");

    let out = Command::new(crate::util::bin())
        .args(["decode-image", "--json"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["error"]["kind"], "damaged_image");

    let out = Command::new(crate::util::bin())
        .arg("decode-image")
        .arg(&good)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("GS1 DataMatrix (]d2)") && text.contains("(21)"),
        "{text}"
    );
    let out = Command::new(crate::util::bin())
        .arg("decode-image")
        .arg(dir.path().join("missing.png"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.png"));
}

#[test]
fn image_dir_source_turns_dropped_pictures_into_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let drop_dir = dir.path().join("camera");
    std::fs::create_dir(&drop_dir).unwrap();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[station]
id = "cam-1"
mode = "lookup"

[store]
path = {store:?}
seed_files = [{seed:?}]

[[sources]]
name = "camera"
kind = "image_dir"
path = {drop:?}
poll_ms = 50

[api]
listen = "127.0.0.1:0"

[log]
level = "warn"
"#,
            store = dir.path().join("station.redb"),
            seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo-data/master.json"),
            drop = drop_dir,
        ),
    )
    .unwrap();
    let mut child = Command::new(crate::util::bin())
        .args(["run", "--config", config.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // A label of a lot in the demo data, written as the camera would.
    let lot = label(
        "\u{f1}0109506000134376172812311028-0912",
        BarcodeFormat::CODE_128,
        3,
        12,
        (1000, 300),
    );
    let tmp = dir.path().join("shot.png.part");
    std::fs::write(&tmp, encode(&lot, ImageFormat::Png)).unwrap();
    std::fs::rename(&tmp, drop_dir.join("shot.png")).unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(out) {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("28-0912") => break,
            Ok(line) => seen.push(line),
            Err(_) => panic!("no verdict for the dropped image; output: {seen:?}"),
        }
    }
    // The picture was filed away, so it is not read twice.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !drop_dir.join("done/shot.png").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "image not moved to done/"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
}
