//! Reading a device's console output (§9.3), free of IO: where the echo of a request line ends
//! and which line of the output is the response.
//!
//! The output of one request, up to the next prompt `\n>> `, looks like this:
//!
//! * ESP-IDF: the echo of the typed line, its CR echoed as `\r\n`, then on success `\r\n` +
//!   lowercase hex + `\r\n` (printed with `printf`, so firmware built with the default CRLF
//!   stdout conversion prints `\r\r\n`), possibly with log lines of other tasks in between;
//! * `uniprov device` with echo: the echo without a line break, then `\r\n<hex>\r\n`;
//! * `uniprov device` over a pipe: no echo, just `\r\n<hex>\r\n`.
//!
//! A refused request prints nothing but the echo.
//!
//! [`RequestLine`] and [`parse_response`] are the whole request/response framing of the
//! prompted console: the native client (`console.rs`) and the browser's Web Serial transport
//! (crates/web) only move bytes.

use std::time::Duration;

use super::{encode_hex, TransportError};

/// The device's prompt, by which the end of a response is recognised.
pub const PROMPT: &[u8] = b"\n>> ";

/// The longest line, CR included, that ESP-IDF's console reads (§9.3: a 256-byte buffer whose
/// line ends at 255 bytes).
pub const ESP_CONSOLE_MAX_LINE: usize = 255;

/// The longest line, CR included, that a `uniprov device` console reads by default.
pub const UNIPROV_CONSOLE_MAX_LINE: usize = 16385;

/// How long a serial console must stay silent before the first request: an empty line ends
/// whatever is left in the device's line buffer, and the prompts it printed before are dropped.
pub const QUIET: Duration = Duration::from_millis(100);

/// What ends a request line: a lone CR, as a terminal sends on Enter (§9.3). It must be the
/// last byte of the burst that carries the line; sent alone it ends a half-typed line.
pub const LINE_END: &[u8] = b"\r";

/// One request as a console line: `<endpoint> <session> <hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    line: String,
}

impl RequestLine {
    /// The line for `body` to `endpoint` in `session`. Fails for an endpoint name a console
    /// cannot carry (empty, with whitespace).
    pub fn new(endpoint: &str, session: u32, body: &[u8]) -> Result<Self, TransportError> {
        if endpoint.is_empty() || endpoint.contains(|c: char| c.is_whitespace()) {
            return Err(TransportError::Protocol(format!(
                "bad endpoint {endpoint:?}"
            )));
        }
        Ok(Self {
            line: format!("{endpoint} {session} {}", encode_hex(body)),
        })
    }

    /// The line as text, without its end.
    pub fn text(&self) -> &str {
        &self.line
    }

    /// Refuses the line when it does not fit a console that reads at most `max_line` bytes,
    /// CR included (§9.3); nothing has been sent then.
    pub fn check_fits(&self, endpoint: &str, max_line: usize) -> Result<(), TransportError> {
        let len = self.line.len() + LINE_END.len();
        if len > max_line {
            return Err(TransportError::LineTooLong {
                endpoint: endpoint.to_owned(),
                len,
                max: max_line,
            });
        }
        Ok(())
    }

    /// The bytes to write, in one write: the line and its CR.
    pub fn to_send(&self) -> Vec<u8> {
        let mut bytes = self.line.clone().into_bytes();
        bytes.extend_from_slice(LINE_END);
        bytes
    }

    /// What the echo of the line starts with: `<endpoint> <session> `.
    pub fn echo_prefix(&self) -> &[u8] {
        let end = self.line.rfind(' ').map_or(self.line.len(), |at| at + 1);
        self.line.as_bytes().get(..end).unwrap_or_default()
    }

    /// The part of one prompt's worth of `output` (read up to the prompt) that follows the
    /// echo of this line; `None` when the echo is not in it (output of something before it).
    /// A device that does not echo prints the response directly: pass `echoed = false`.
    pub fn after_echo<'a>(&self, output: &'a [u8], echoed: bool) -> Option<&'a [u8]> {
        if echoed {
            after_echo(output, self.echo_prefix())
        } else {
            Some(output)
        }
    }
}

/// The response in the output after the echo, as the transport reports it: the bytes, a
/// refusal ([`TransportError::ClosedWithoutResponse`]: the device printed no response) or
/// malformed hex.
pub fn parse_response(after_echo: &[u8]) -> Result<Vec<u8>, TransportError> {
    response_in(after_echo)
        .map_err(|_| TransportError::Protocol("device printed a non-hex response".into()))?
        .ok_or(TransportError::ClosedWithoutResponse)
}

/// The device's output after the echo of `line`: everything after `needle` (the line's
/// `<endpoint> <session> ` prefix) and the hex digits that follow it. `None` if the echo is not
/// in `output`.
fn after_echo<'a>(output: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    let start = find(output, needle)? + needle.len();
    let rest = &output[start..];
    let hex_len = rest
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(rest.len());
    Some(&rest[hex_len..])
}

/// The response in the device's output after the echo: the last line made only of hex digits
/// (possibly none: an empty response) that follows an empty line, as `\r\n<hex>\r\n` prints it.
/// Only complete lines (ending with `\n`) count; trailing CRs are ignored. `Ok(None)`: the device
/// printed no response.
fn response_in(after_echo: &[u8]) -> Result<Option<Vec<u8>>, OddHex> {
    let mut lines: Vec<&[u8]> = after_echo.split(|&b| b == b'\n').collect();
    // The piece after the last `\n` is not a complete line.
    lines.pop();
    let lines: Vec<&[u8]> = lines.into_iter().map(trim_cr).collect();
    let found = (1..lines.len())
        .rev()
        .find(|&k| lines[k - 1].is_empty() && lines[k].iter().all(u8::is_ascii_hexdigit));
    let Some(k) = found else {
        return Ok(None);
    };
    let text = std::str::from_utf8(lines[k]).map_err(|_| OddHex)?;
    super::decode_hex(text).map(Some).ok_or(OddHex)
}

/// The response line has an odd number of hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OddHex;

fn trim_cr(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|&b| b != b'\r')
        .map_or(0, |at| at + 1);
    &line[..end]
}

/// The first position of `needle` in `haystack`.
pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(output: &[u8]) -> Option<Vec<u8>> {
        response_in(output).expect("even hex")
    }

    #[test]
    fn esp_echo_then_response() {
        let output = b"prov-session 5 0a0b\r\n\r\nab01\r\n";
        let rest = after_echo(output, b"prov-session 5 ").expect("echo");
        assert_eq!(rest, b"\r\n\r\nab01\r\n");
        assert_eq!(response(rest), Some(vec![0xab, 0x01]));
    }

    #[test]
    fn esp_refusal_prints_only_the_echo() {
        let rest = after_echo(b"prov-session 5 0a0b\r\n", b"prov-session 5 ").expect("echo");
        assert_eq!(response(rest), None);
    }

    #[test]
    fn esp_empty_response_and_crlf_conversion() {
        let rest = after_echo(b"x 1 00\r\n\r\n\r\n", b"x 1 ").expect("echo");
        assert_eq!(response(rest), Some(vec![]));
        // printf("\r\n") through a CRLF-converting stdout prints "\r\r\n".
        let rest = after_echo(b"x 1 00\r\n\r\r\n0c\r\r\n", b"x 1 ").expect("echo");
        assert_eq!(response(rest), Some(vec![0x0c]));
    }

    #[test]
    fn log_lines_around_the_response_are_skipped() {
        let output =
            b"I (100) boot: x\r\nprov-config 7 0801\r\nI (200) wifi: scan\r\n\r\n0a0b\r\nI (300) app: done\r\n";
        let rest = after_echo(output, b"prov-config 7 ").expect("echo");
        assert_eq!(response(rest), Some(vec![0x0a, 0x0b]));
        let refused = b"I (100) boot: x\r\nprov-config 7 0801\r\nI (200) wifi: scan\r\n";
        let rest = after_echo(refused, b"prov-config 7 ").expect("echo");
        assert_eq!(response(rest), None);
    }

    #[test]
    fn uniprov_echo_without_line_break_and_no_echo() {
        let rest = after_echo(b"proto-ver 3 2d2d2d\r\n7b7d\r\n", b"proto-ver 3 ").expect("echo");
        assert_eq!(response(rest), Some(vec![0x7b, 0x7d]));
        let rest = after_echo(b"proto-ver 3 2d2d2d", b"proto-ver 3 ").expect("echo");
        assert_eq!(response(rest), None);
        assert_eq!(response(b"\r\n7b7d\r\n"), Some(vec![0x7b, 0x7d]));
        assert_eq!(response(b"\r\n\r\n"), Some(vec![]));
        assert_eq!(response(b""), None);
    }

    #[test]
    fn request_lines_are_framed_checked_and_found_after_their_echo() {
        let line = RequestLine::new("prov-session", 7, &[0x0a, 0xff]).expect("line");
        assert_eq!(line.text(), "prov-session 7 0aff");
        assert_eq!(line.to_send(), b"prov-session 7 0aff\r");
        assert_eq!(line.echo_prefix(), b"prov-session 7 ");
        assert!(line.check_fits("prov-session", 20).is_ok());
        assert!(matches!(
            line.check_fits("prov-session", 19),
            Err(TransportError::LineTooLong {
                len: 20,
                max: 19,
                ..
            })
        ));
        let output = b"prov-session 7 0aff\r\n\r\n0102\r\n";
        let rest = line.after_echo(output, true).expect("echo");
        assert_eq!(parse_response(rest).expect("response"), vec![1, 2]);
        assert!(line.after_echo(b"other 1 00", true).is_none());
        assert_eq!(
            line.after_echo(b"\r\n0102\r\n", false),
            Some(&b"\r\n0102\r\n"[..])
        );
        assert!(matches!(
            parse_response(b"prov-session 7 0aff\r\n"),
            Err(TransportError::ClosedWithoutResponse)
        ));
        for bad in ["", "two words", "tab\there"] {
            assert!(RequestLine::new(bad, 1, &[]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn odd_hex_is_an_error_and_a_missing_echo_is_none() {
        assert_eq!(response_in(b"\r\nabc\r\n"), Err(OddHex));
        assert_eq!(after_echo(b"other 1 00\r\n", b"prov-config 1 "), None);
    }
}
