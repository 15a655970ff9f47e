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

/// The device's output after the echo of `line`: everything after `needle` (the line's
/// `<endpoint> <session> ` prefix) and the hex digits that follow it. `None` if the echo is not
/// in `output`.
pub(super) fn after_echo<'a>(output: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
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
pub(super) fn response_in(after_echo: &[u8]) -> Result<Option<Vec<u8>>, OddHex> {
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
pub(super) struct OddHex;

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
    fn odd_hex_is_an_error_and_a_missing_echo_is_none() {
        assert_eq!(response_in(b"\r\nabc\r\n"), Err(OddHex));
        assert_eq!(after_echo(b"other 1 00\r\n", b"prov-config 1 "), None);
    }
}
