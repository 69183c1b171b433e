//! The `stdin` source: one scan per line on standard input, for a terminal
//! and for tests. `{GS}`, `<GS>` and `\x1d` stand for the GS byte when
//! typing; a real GS byte works too. Lines longer than the maximum scan
//! length are dropped with a warning, never buffered without bound.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Frame;
use crate::ident::AimId;

/// What the stdin source needs to know.
#[derive(Debug, Clone)]
pub struct StdinSettings {
    /// Source name.
    pub name: Arc<str>,
    /// Largest scan accepted.
    pub max_frame_bytes: usize,
    /// Symbology to assume for scans without an AIM prefix.
    pub assume_symbology: Option<AimId>,
    /// Stamps each frame with when it was read.
    pub clock: crate::clock::Clock,
}

/// Typing aids for the GS byte (FNC1) when scans are typed: `{GS}`, `<GS>`,
/// `\x1d` and `\x1D` each become 0x1D; everything else is kept as it is.
pub fn expand_gs_aids(text: &[u8]) -> Vec<u8> {
    const AIDS: [&[u8]; 4] = [b"{GS}", b"<GS>", b"\\x1d", b"\\x1D"];
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(rest) = text.get(i..).filter(|r| !r.is_empty()) {
        if let Some(aid) = AIDS.iter().find(|a| rest.starts_with(a)) {
            out.push(0x1d);
            i += aid.len();
        } else {
            out.extend_from_slice(rest.get(..1).unwrap_or_default());
            i += 1;
        }
    }
    out
}

/// Turn one input line into scan bytes: trailing CR removed, GS typing aids
/// replaced ([`expand_gs_aids`]).
pub fn line_to_scan(line: &[u8]) -> Vec<u8> {
    expand_gs_aids(line.strip_suffix(b"\r").unwrap_or(line))
}

/// Read scans from `input` until end of input or cancellation. Returns the
/// number of frames sent.
pub async fn run(
    s: StdinSettings,
    input: impl AsyncRead + Unpin,
    tx: mpsc::Sender<Frame>,
    cancel: CancellationToken,
) -> u64 {
    let mut reader = BufReader::new(input);
    let mut seq = 0u64;
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let limit = s.max_frame_bytes as u64 * 4 + 2;
        let mut limited = (&mut reader).take(limit);
        let read = tokio::select! {
            () = cancel.cancelled() => break,
            r = limited.read_until(b'\n', &mut line) => r,
        };
        match read {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(source = %s.name, error = %e, "reading standard input failed");
                break;
            }
        }
        if !line.ends_with(b"\n") && line.len() as u64 >= limit {
            // Over-long line: discard the rest of it.
            let mut sink = Vec::new();
            let _ = reader.read_until(b'\n', &mut sink).await;
            tracing::warn!(source = %s.name, "scan longer than the maximum was dropped");
            continue;
        }
        let body = line.strip_suffix(b"\n").unwrap_or(&line);
        let bytes = line_to_scan(body);
        if bytes.is_empty() {
            continue;
        }
        if bytes.len() > s.max_frame_bytes {
            tracing::warn!(source = %s.name, bytes = bytes.len(), "scan longer than the maximum was dropped");
            continue;
        }
        seq += 1;
        let frame = Frame {
            source: s.name.clone(),
            bytes,
            assume_symbology: s.assume_symbology,
            at: s.clock.now(),
            seq,
        };
        tokio::select! {
            () = cancel.cancelled() => break,
            sent = tx.send(frame) => if sent.is_err() { break },
        }
    }
    seq
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_aids_become_gs() {
        assert_eq!(
            line_to_scan(b"]C101{GS}10A<GS>21B\r"),
            b"]C101\x1d10A\x1d21B"
        );
        assert_eq!(line_to_scan(b"plain"), b"plain");
        assert_eq!(expand_gs_aids(b"a\\x1db\\x1Dc"), b"a\x1db\x1dc");
        assert_eq!(expand_gs_aids(b"{GS"), b"{GS");
    }

    #[tokio::test]
    async fn lines_become_frames_and_overlong_ones_are_dropped() {
        let input: &[u8] =
            b"]C10109506000134352\n\n\x1dxx\n0123456789012345678901234567890123456789012345\nlast";
        let (tx, mut rx) = mpsc::channel(8);
        let s = StdinSettings {
            name: "t".into(),
            max_frame_bytes: 10,
            assume_symbology: None,
            clock: crate::clock::Clock::system(),
        };
        let n = run(s, input, tx, CancellationToken::new()).await;
        let mut got = Vec::new();
        while let Ok(f) = rx.try_recv() {
            got.push(f.bytes);
        }
        assert_eq!(n, 2);
        assert_eq!(got, vec![b"\x1dxx".to_vec(), b"last".to_vec()]);
    }
}
