//! The console line format (§9.3), free of IO: line assembly from raw bytes, command parsing
//! and the hex of requests and responses.

/// What one input byte did to the line being assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing visible (a terminator that only completes a CRLF, a byte of a discarded line).
    Nothing,
    /// A byte was appended to the line; echo it when echoing.
    Append(u8),
    /// The last byte was erased (backspace/delete while editing); echo `\b \b`.
    Erase,
    /// A line ended (without its terminator).
    Line(Vec<u8>),
    /// A line longer than the limit ended; it was discarded.
    Overflow,
}

/// Assembles lines terminated by CR, LF or CRLF, holding at most `max_line` bytes; longer lines
/// are dropped as they arrive and reported as [`Step::Overflow`] when they end.
#[derive(Debug)]
pub(crate) struct LineAssembler {
    max_line: usize,
    editing: bool,
    line: Vec<u8>,
    overflowed: bool,
    after_cr: bool,
}

impl LineAssembler {
    /// `editing` makes backspace (0x08) and delete (0x7f) erase the previous byte, as a
    /// terminal user expects.
    pub fn new(max_line: usize, editing: bool) -> Self {
        Self {
            max_line,
            editing,
            line: Vec::new(),
            overflowed: false,
            after_cr: false,
        }
    }

    /// Feeds one byte.
    pub fn push(&mut self, byte: u8) -> Step {
        let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
        match byte {
            b'\n' if after_cr => Step::Nothing,
            b'\r' | b'\n' => {
                let line = std::mem::take(&mut self.line);
                if std::mem::replace(&mut self.overflowed, false) {
                    Step::Overflow
                } else {
                    Step::Line(line)
                }
            }
            0x08 | 0x7f if self.editing => {
                if self.overflowed || self.line.pop().is_none() {
                    Step::Nothing
                } else {
                    Step::Erase
                }
            }
            _ if self.overflowed => Step::Nothing,
            _ if self.line.len() >= self.max_line => {
                self.line = Vec::new();
                self.overflowed = true;
                Step::Nothing
            }
            _ => {
                self.line.push(byte);
                Step::Append(byte)
            }
        }
    }
}

/// A parsed console command: `<endpoint> <session-id> <hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub endpoint: String,
    pub session: u32,
    pub body: Vec<u8>,
}

/// Parses a line. Tokens are separated by spaces or tabs; exactly three are required. The
/// session id is a plain decimal `u32` (ESP-IDF's `atoi` would read garbage as 0; uniprov
/// refuses the line instead). The hex is read pair-wise, an odd trailing nibble is ignored
/// (§9.3), any non-hex digit refuses the line.
pub(crate) fn parse_command(line: &[u8]) -> Option<Command> {
    let text = std::str::from_utf8(line).ok()?;
    let mut tokens = text.split([' ', '\t']).filter(|token| !token.is_empty());
    let endpoint = tokens.next()?;
    let session = tokens.next()?;
    let hex = tokens.next()?;
    if tokens.next().is_some() || !session.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Command {
        endpoint: endpoint.to_owned(),
        session: session.parse().ok()?,
        body: decode_hex_pairs(hex.as_bytes())?,
    })
}

/// Decodes hex pair-wise, ignoring an odd trailing nibble.
pub(crate) fn decode_hex_pairs(hex: &[u8]) -> Option<Vec<u8>> {
    hex.chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The success output: `\r\n` + lowercase hex + `\r\n` (§9.3).
pub(crate) fn format_response(body: &[u8]) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(body.len() * 2 + 4);
    out.extend_from_slice(b"\r\n");
    for byte in body {
        out.push(DIGITS[usize::from(byte >> 4)]);
        out.push(DIGITS[usize::from(byte & 0x0f)]);
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Step> {
        let mut assembler = LineAssembler::new(max, false);
        input
            .iter()
            .map(|&b| assembler.push(b))
            .filter(|step| matches!(step, Step::Line(_) | Step::Overflow))
            .collect()
    }

    #[test]
    fn cr_lf_and_crlf_each_end_one_line() {
        let steps = lines(b"a\rb\nc\r\nd\r\r\n", 100);
        let expected = ["a", "b", "c", "d", ""].map(|s| Step::Line(s.as_bytes().to_vec()));
        assert_eq!(steps, expected);
    }

    #[test]
    fn long_line_is_discarded_and_the_next_one_survives() {
        let steps = lines(b"abcdef\nabc\n", 3);
        assert_eq!(steps, [Step::Overflow, Step::Line(b"abc".to_vec())]);
    }

    #[test]
    fn long_line_never_grows_the_buffer() {
        let mut assembler = LineAssembler::new(8, false);
        for _ in 0..100_000 {
            assembler.push(b'x');
            assert!(assembler.line.capacity() <= 16);
        }
        assert_eq!(assembler.push(b'\r'), Step::Overflow);
    }

    #[test]
    fn backspace_erases_when_editing() {
        let mut assembler = LineAssembler::new(10, true);
        let steps: Vec<_> = b"ab\x7f\x08\x08c\n"
            .iter()
            .map(|&b| assembler.push(b))
            .collect();
        assert_eq!(steps[2], Step::Erase);
        assert_eq!(steps[4], Step::Nothing);
        assert_eq!(steps[6], Step::Line(b"c".to_vec()));
    }

    #[test]
    fn section_9_3_odd_trailing_nibble_is_ignored() {
        assert_eq!(decode_hex_pairs(b"0aFf7"), Some(vec![0x0a, 0xff]));
        assert_eq!(decode_hex_pairs(b"7"), Some(vec![]));
        assert_eq!(decode_hex_pairs(b"zz"), None);
    }

    #[test]
    fn command_has_endpoint_session_and_hex() {
        let command = parse_command(b"prov-session  42\t0a0b").expect("valid line");
        assert_eq!(command.endpoint, "prov-session");
        assert_eq!(command.session, 42);
        assert_eq!(command.body, [0x0a, 0x0b]);
        for bad in [
            &b"prov-session 42"[..],
            b"prov-session x 0a",
            b"prov-session -1 0a",
            b"prov-session 4294967296 0a",
            b"prov-session 1 0a extra",
            b"prov-session 1 0g",
            b"\xff 1 0a",
        ] {
            assert_eq!(parse_command(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn response_is_lowercase_hex_between_crlf() {
        assert_eq!(format_response(&[0xAB, 0x01]), b"\r\nab01\r\n");
        assert_eq!(format_response(&[]), b"\r\n\r\n");
    }
}
