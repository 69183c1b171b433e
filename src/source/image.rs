//! Camera and image-file source: barcodes decoded from PNG or JPEG images
//! with rxing, for `lotstation decode-image FILE…` and for a watched
//! directory (`kind = "image_dir"`) where a camera or another program drops
//! pictures of labels.
//!
//! rxing runs with TryHarder, the formats a station reads (GS1 DataMatrix,
//! GS1-128, GS1 QR, GS1 DataBar, EAN/UPC, ITF) and its GS1 hint, so FNC1 in
//! Code 128 comes back as GS and GS1 symbols carry `]C1`/`]d2`. Each result
//! is given the AIM symbology identifier rxing reports, so the identifier
//! engine sees a camera read exactly as it would see a scanner's.
//!
//! Invariants: an image is refused before decoding when its file is larger
//! than [`ImageLimits::max_file_bytes`] or its header declares more pixels
//! than the limits allow (a 60000×60000 PNG is a few kilobytes); decoding
//! also runs under the image crate's allocation limit, so a truncated or
//! hostile file is an error, never a panic or an out-of-memory kill.
//! Decoding is CPU-bound and blocking: callers on the async runtime use
//! `spawn_blocking`.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rxing::common::HybridBinarizer;
use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader, RXingResult,
    RXingResultMetadataType, RXingResultMetadataValue, Reader,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Frame;
use super::status::{DeviceState, StatusReporter};
use crate::ident::AimId;

/// How big an image may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Widest image decoded, in pixels.
    pub max_width: u32,
    /// Tallest image decoded, in pixels.
    pub max_height: u32,
    /// Most pixels decoded (width × height).
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    /// 32 MiB files, at most 8192 pixels a side and 40 megapixels.
    fn default() -> Self {
        ImageLimits {
            max_file_bytes: 32 * 1024 * 1024,
            max_width: 8192,
            max_height: 8192,
            max_pixels: 40_000_000,
        }
    }
}

/// One barcode found in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageScan {
    /// The data with its AIM symbology identifier in front (when rxing
    /// reports one), GS as 0x1D: what a scanner with AIM on would send.
    pub bytes: Vec<u8>,
    /// The AIM symbology identifier.
    pub symbology: Option<AimId>,
    /// rxing's name of the format, e.g. `datamatrix`, `code 128`.
    pub format: String,
}

/// Why an image gave no barcodes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the limit.
    #[error("the file is larger than {limit} bytes; refused without decoding")]
    FileTooLarge {
        /// The limit.
        limit: u64,
    },
    /// Not a PNG or JPEG image.
    #[error("not a PNG or JPEG image ({detail})")]
    NotAnImage {
        /// What the image library said.
        detail: String,
    },
    /// The image's dimensions exceed the limits.
    #[error(
        "the image is {width}×{height} pixels, more than the {max_width}×{max_height} (at most {max_pixels} pixels) lotstation decodes; refused before decoding"
    )]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Width limit.
        max_width: u32,
        /// Height limit.
        max_height: u32,
        /// Pixel limit.
        max_pixels: u64,
    },
    /// The image data is damaged or truncated.
    #[error("the image data is damaged or truncated: {detail}")]
    Damaged {
        /// What the image library said.
        detail: String,
    },
    /// No barcode was found.
    #[error(
        "no barcode found (GS1 DataMatrix, GS1-128, QR, DataBar, EAN/UPC and ITF were tried); check focus, lighting and that the whole symbol with its quiet zone is in the picture"
    )]
    NoBarcode,
}

impl ImageError {
    /// A short stable name for JSON output and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            ImageError::Read { .. } => "unreadable",
            ImageError::FileTooLarge { .. } => "file_too_large",
            ImageError::NotAnImage { .. } => "not_an_image",
            ImageError::TooLarge { .. } => "image_too_large",
            ImageError::Damaged { .. } => "damaged_image",
            ImageError::NoBarcode => "no_barcode",
        }
    }
}

/// The formats tried.
pub const FORMATS: [BarcodeFormat; 10] = [
    BarcodeFormat::DATA_MATRIX,
    BarcodeFormat::CODE_128,
    BarcodeFormat::QR_CODE,
    BarcodeFormat::RSS_14,
    BarcodeFormat::RSS_EXPANDED,
    BarcodeFormat::EAN_13,
    BarcodeFormat::EAN_8,
    BarcodeFormat::UPC_A,
    BarcodeFormat::UPC_E,
    BarcodeFormat::ITF,
];

fn hints() -> DecodeHints {
    DecodeHints {
        TryHarder: Some(true),
        AssumeGs1: Some(true),
        PossibleFormats: Some(FORMATS.into_iter().collect()),
        ..DecodeHints::default()
    }
}

/// Decode the pixels of an image file's bytes to 8-bit grey, within `limits`.
pub fn luma(data: &[u8], limits: &ImageLimits) -> Result<image::GrayImage, ImageError> {
    if data.len() as u64 > limits.max_file_bytes {
        return Err(ImageError::FileTooLarge {
            limit: limits.max_file_bytes,
        });
    }
    let reader = || {
        image::ImageReader::new(Cursor::new(data))
            .with_guessed_format()
            .map_err(|e| ImageError::NotAnImage {
                detail: e.to_string(),
            })
    };
    let probe = reader()?;
    match probe.format() {
        Some(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
        Some(other) => {
            return Err(ImageError::NotAnImage {
                detail: format!("{other:?} is not supported"),
            });
        }
        None => {
            return Err(ImageError::NotAnImage {
                detail: "unknown file format".to_owned(),
            });
        }
    }
    // The header first: refuse huge images before allocating for them.
    let (width, height) = probe.into_dimensions().map_err(|e| ImageError::Damaged {
        detail: e.to_string(),
    })?;
    if width > limits.max_width
        || height > limits.max_height
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(ImageError::TooLarge {
            width,
            height,
            max_width: limits.max_width,
            max_height: limits.max_height,
            max_pixels: limits.max_pixels,
        });
    }
    let mut decoder = reader()?;
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    // RGBA16 is the widest decoded form: 8 bytes a pixel, plus slack.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(1 << 20));
    decoder.limits(l);
    let img = decoder.decode().map_err(|e| ImageError::Damaged {
        detail: e.to_string(),
    })?;
    Ok(img.into_luma8())
}

/// Find the barcodes in a grey image.
pub fn decode_luma(img: &image::GrayImage) -> Vec<ImageScan> {
    let (w, h) = img.dimensions();
    let source = Luma8LuminanceSource::new(img.as_raw().clone(), w, h);
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let hints = hints();
    let mut results: Vec<RXingResult> = Vec::new();
    let mut multi = GenericMultipleBarcodeReader::new(MultiFormatReader::default());
    if let Ok(found) = multi.decode_multiple_with_hints(&mut bitmap, &hints) {
        results = found;
    }
    if results.is_empty() {
        // The multiple reader gives up on some symbols the plain one reads.
        let mut single = MultiFormatReader::default();
        if let Ok(r) = single.decode_with_hints(&mut bitmap, &hints) {
            results.push(r);
        }
    }
    let mut seen = HashSet::new();
    results
        .iter()
        .map(scan_of)
        .filter(|s| seen.insert(s.bytes.clone()))
        .collect()
}

fn scan_of(r: &RXingResult) -> ImageScan {
    let text = r.getText().as_bytes();
    let reported = match r
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(RXingResultMetadataValue::SymbologyIdentifier(s)) => {
            AimId::split(s.as_bytes()).ok().flatten().map(|(a, _)| a)
        }
        _ => None,
    };
    let (symbology, bytes) = match AimId::split(text) {
        // rxing put the identifier in the text itself (GS1-128 under its
        // GS1 hint).
        Ok(Some((a, _))) => (Some(a), text.to_vec()),
        _ => match reported {
            Some(a) => {
                let mut b = vec![b']', a.code, a.modifier];
                b.extend_from_slice(text);
                (Some(a), b)
            }
            None => (None, text.to_vec()),
        },
    };
    ImageScan {
        bytes,
        symbology,
        format: r.getBarcodeFormat().to_string(),
    }
}

/// Decode the barcodes in an image file's bytes.
pub fn decode_image(data: &[u8], limits: &ImageLimits) -> Result<Vec<ImageScan>, ImageError> {
    let img = luma(data, limits)?;
    let scans = decode_luma(&img);
    if scans.is_empty() {
        return Err(ImageError::NoBarcode);
    }
    Ok(scans)
}

/// Read and decode an image file (at most `limits.max_file_bytes` are read).
pub fn decode_file(path: &Path, limits: &ImageLimits) -> Result<Vec<ImageScan>, ImageError> {
    let read_err = |source| ImageError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut data = Vec::new();
    file.take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(read_err)?;
    decode_image(&data, limits)
}

/// What the watched-directory source needs to know.
#[derive(Debug, Clone)]
pub struct ImageDirSettings {
    /// Source name.
    pub name: Arc<str>,
    /// The directory watched.
    pub dir: PathBuf,
    /// How often it is listed.
    pub poll: Duration,
    /// Image size limits.
    pub limits: ImageLimits,
    /// Largest scan accepted.
    pub max_frame_bytes: usize,
    /// Symbology to assume for barcodes rxing gives no identifier for.
    pub assume_symbology: Option<AimId>,
    /// Stamps each frame with when it was read.
    pub clock: crate::clock::Clock,
}

/// Most files looked at in one pass (the rest wait for the next).
const MAX_FILES_PER_PASS: usize = 256;

fn is_image(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

/// Image files in `dir` whose size and modification time did not change
/// since the last pass (so a file still being written is left alone).
fn ready_files(
    dir: &Path,
    last: &mut HashMap<PathBuf, (u64, SystemTime)>,
) -> std::io::Result<Vec<PathBuf>> {
    let mut now = HashMap::new();
    let mut ready = Vec::new();
    for entry in std::fs::read_dir(dir)?.take(MAX_FILES_PER_PASS * 4) {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() || !is_image(&path) {
            continue;
        }
        let stamp = (
            meta.len(),
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        );
        if last.get(&path) == Some(&stamp) && ready.len() < MAX_FILES_PER_PASS {
            ready.push(path.clone());
        }
        now.insert(path, stamp);
    }
    *last = now;
    ready.sort();
    Ok(ready)
}

/// Move a handled file into `dir/<sub>/` so it is not read again.
fn file_away(dir: &Path, sub: &str, path: &Path) -> std::io::Result<()> {
    let target = dir.join(sub);
    std::fs::create_dir_all(&target)?;
    let name = path.file_name().unwrap_or_default();
    std::fs::rename(path, target.join(name))
}

/// Watch the directory until cancelled: every image that appears is
/// decoded (off the runtime), each barcode becomes a frame, and the file is
/// moved to `done/` (or `failed/` when nothing could be read from it).
/// Returns the number of frames sent.
pub async fn run(
    s: ImageDirSettings,
    tx: mpsc::Sender<Frame>,
    status: StatusReporter,
    cancel: CancellationToken,
) -> u64 {
    let mut seq = 0u64;
    let mut last = HashMap::new();
    // Files that could not be moved away are remembered, not re-read.
    let mut stuck: HashSet<PathBuf> = HashSet::new();
    loop {
        match ready_files(&s.dir, &mut last) {
            Ok(files) => {
                status.set(DeviceState::Connected {
                    detail: s.dir.display().to_string(),
                });
                let files: Vec<PathBuf> =
                    files.into_iter().filter(|p| !stuck.contains(p)).collect();
                for path in files {
                    let limits = s.limits;
                    let p = path.clone();
                    let decoded =
                        tokio::task::spawn_blocking(move || decode_file(&p, &limits)).await;
                    let (sub, scans) = match decoded {
                        Ok(Ok(scans)) => ("done", scans),
                        Ok(Err(e)) => {
                            tracing::warn!(source = %s.name, file = %path.display(), error = %e, "no scan from image");
                            ("failed", Vec::new())
                        }
                        Err(e) => {
                            tracing::error!(source = %s.name, file = %path.display(), error = %e, "image decoding failed");
                            ("failed", Vec::new())
                        }
                    };
                    for scan in scans {
                        if scan.bytes.len() > s.max_frame_bytes {
                            tracing::warn!(source = %s.name, file = %path.display(), bytes = scan.bytes.len(), "barcode longer than the maximum scan length dropped");
                            continue;
                        }
                        seq += 1;
                        let frame = Frame {
                            source: s.name.clone(),
                            bytes: scan.bytes,
                            assume_symbology: s.assume_symbology,
                            at: s.clock.now(),
                            seq,
                        };
                        tokio::select! {
                            () = cancel.cancelled() => return seq,
                            sent = tx.send(frame) => if sent.is_err() { return seq },
                        }
                    }
                    if let Err(e) = file_away(&s.dir, sub, &path) {
                        tracing::error!(source = %s.name, file = %path.display(), error = %e, "cannot move the image out of the watched directory; it will not be read again");
                        stuck.insert(path);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                status.set(DeviceState::PermissionDenied {
                    path: s.dir.display().to_string(),
                    hint: "give the lotstation user read and write access to the directory"
                        .to_owned(),
                });
            }
            Err(_) => status.set(DeviceState::NoDevice {
                selector: s.dir.display().to_string(),
            }),
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(s.poll) => {}
        }
    }
    status.set(DeviceState::Stopped);
    seq
}
