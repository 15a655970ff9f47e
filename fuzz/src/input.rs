//! Reading structured operations out of a fuzz input.

/// The length of the entropy tape at the start of the sequence targets' inputs (after the
/// configuration byte): enough for every device draw of one handshake (security 1: 32-byte
/// X25519 secret + 16-byte random; security 2: 32-byte b + a 16-byte patch-0 nonce).
pub const TAPE_LEN: usize = 48;

/// A cursor over the fuzz input.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
}

/// One length-prefixed chunk: an operation byte and its body.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    /// The operation selector; each target interprets it.
    pub op: u8,
    /// The body (shorter than announced when the input ends first).
    pub body: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// The next byte, or 0 at the end (so short inputs still pick a configuration).
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next `n` bytes, or fewer at the end.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// The next chunk, `None` at the end of the input.
    pub fn chunk(&mut self) -> Option<Chunk<'a>> {
        if self.data.is_empty() {
            return None;
        }
        let op = self.byte();
        let len = usize::from(self.u16());
        Some(Chunk {
            op,
            body: self.take(len),
        })
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }

    /// Whether the input is exhausted.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}
