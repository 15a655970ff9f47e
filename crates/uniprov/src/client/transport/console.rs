//! The console client transport (§9.3, §13) in three modes:
//!
//! * **interactive** ([`ConsoleClient::interactive`]), esp_prov's console transport: prints
//!   `Client->Device msg : <endpoint> 0 <hex>` for a human to type into the device's console and
//!   reads the device's hex answer back as one line (an empty line is an empty response, end of
//!   input means the device printed nothing). Session id 0, like esp_prov.
//! * **exec** ([`ConsoleClient::exec`]): runs the device as a child process and talks to its
//!   stdin/stdout.
//! * **serial** ([`ConsoleClient::serial`]): talks to a device console on a serial port, as
//!   ESP-IDF's console input loop needs it.
//!
//! exec and serial (and [`ConsoleClient::prompted`] on any byte stream) write
//! `<endpoint> <session> <hex>` followed by a lone CR, what a terminal sends on Enter: ESP-IDF
//! ends a line only when the last byte it has received so far is a CR, so a line ending with
//! LF (or CR LF in one write) never ends there. They read the device's output up to its next
//! prompt `\n>> `; the echo of the line, log lines and the CR echoed as `\r\n` are tolerated, and
//! the last hex line after an empty line is the response (`console_frame`). No response means
//! the device refused the request. Their session id is random, non-zero and at most
//! `i32::MAX` (ESP-IDF `atoi()`s it).
//!
//! A line longer than the device's console takes is refused before anything is sent
//! ([`TransportError::LineTooLong`]): ESP-IDF's console holds 255 bytes ([`ESP_CONSOLE_MAX_LINE`],
//! the serial default), so a security 2 handshake never fits; `uniprov device` takes 16384
//! ([`UNIPROV_CONSOLE_MAX_LINE`], the exec default).

use std::time::Duration;

use tokio::io::BufReader;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt,
};
use tokio::process::{Child, Command};

use super::console_frame::{
    find, parse_response, RequestLine, ESP_CONSOLE_MAX_LINE, LINE_END, PROMPT, QUIET,
    UNIPROV_CONSOLE_MAX_LINE,
};
use super::{decode_hex, ClientTransport, TransportError};

/// Settings of the console client.
#[derive(Debug, Clone)]
pub struct ConsoleClientConfig {
    /// Time to wait for the device's output up to its next prompt (`None`: forever).
    /// Interactive mode never times out.
    pub response_timeout: Option<Duration>,
    /// Most output bytes read while waiting for one prompt or one typed line.
    pub max_output: usize,
    /// The longest request line the device's console takes, CR included. `None`: the mode's
    /// default, [`ESP_CONSOLE_MAX_LINE`] for [`ConsoleClient::serial`] (an ESP32's UART) and
    /// [`UNIPROV_CONSOLE_MAX_LINE`] otherwise (a `uniprov device` child process). Interactive
    /// mode never checks: a person pastes the lines.
    pub max_line: Option<usize>,
}

impl Default for ConsoleClientConfig {
    fn default() -> Self {
        Self {
            response_timeout: Some(Duration::from_secs(30)),
            max_output: 1 << 20,
            max_line: None,
        }
    }
}

type Reader = Box<dyn AsyncBufRead + Send + Unpin>;
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Interactive,
    /// Output framed by prompts. `echoed`: the device echoes typed lines (serial consoles), so
    /// the output of a request is recognised by the echo of its line and anything before it
    /// (boot messages, stale prompts) is skipped; before the first request a lone CR ends any
    /// half-typed line in the device's buffer, and its prompt is awaited. Without echo, the
    /// device's first prompt is awaited once and each request's output is the next
    /// prompt-terminated chunk. `synced`: that first step is done.
    Prompted {
        echoed: bool,
        synced: bool,
    },
}

/// The console client transport.
pub struct ConsoleClient {
    reader: Reader,
    writer: Writer,
    mode: Mode,
    session: u32,
    config: ConsoleClientConfig,
    pending: Vec<u8>,
    _child: Option<Child>,
}

impl std::fmt::Debug for ConsoleClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleClient")
            .field("mode", &self.mode)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl ConsoleClient {
    /// esp_prov's manual mode: requests are printed to `writer`, responses typed on `reader`.
    pub fn interactive(
        reader: impl AsyncBufRead + Send + Unpin + 'static,
        writer: impl AsyncWrite + Send + Unpin + 'static,
    ) -> Self {
        Self::new(Box::new(reader), Box::new(writer), Mode::Interactive, 0)
    }

    /// The prompt-framed protocol over any byte stream (a pty, a socket). The device's first
    /// prompt is awaited before the first request.
    pub fn prompted(
        reader: impl AsyncRead + Send + Unpin + 'static,
        writer: impl AsyncWrite + Send + Unpin + 'static,
        config: ConsoleClientConfig,
    ) -> Self {
        let mode = Mode::Prompted {
            echoed: false,
            synced: false,
        };
        let mut client = Self::new(
            Box::new(BufReader::new(reader)),
            Box::new(writer),
            mode,
            random_session(),
        );
        client.config = config;
        client
    }

    /// Starts `command` (stdin and stdout are taken over; stderr is inherited) and talks to its
    /// console. The child is killed when the client is dropped.
    pub fn exec(mut command: Command, config: ConsoleClientConfig) -> Result<Self, TransportError> {
        let target = format!("{:?}", command.as_std().get_program());
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|source| TransportError::Unreachable { target, source })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(TransportError::Protocol("child has no stdin/stdout".into()));
        };
        let mut client = Self::prompted(stdout, stdin, config);
        client._child = Some(child);
        Ok(client)
    }

    /// Opens the serial port `path` at `baud` (8N1) and talks to the console behind it. Lines
    /// end with a lone CR. The device must echo typed characters, as serial consoles do
    /// (ESP-IDF's, and uniprov's with `ConsoleConfig::echo`): a request's output is the
    /// prompt-terminated chunk that contains the echo of `<endpoint> <session> `, so boot
    /// messages and stale prompts before it are skipped instead of being mistaken for an answer.
    /// Lines are limited to `config.max_line`, by default ESP-IDF's 255 bytes.
    pub fn serial(
        path: &str,
        baud: u32,
        config: ConsoleClientConfig,
    ) -> Result<Self, TransportError> {
        use tokio_serial::SerialPort;
        let unreachable = |source| TransportError::Unreachable {
            target: path.to_owned(),
            source,
        };
        let port =
            crate::device::transport::console::open_serial(path, baud).map_err(unreachable)?;
        port.clear(tokio_serial::ClearBuffer::Input)
            .map_err(|error| unreachable(error.into()))?;
        let (reader, writer) = tokio::io::split(port);
        let max_line = config.max_line.unwrap_or(ESP_CONSOLE_MAX_LINE);
        let mut client = Self::prompted(reader, writer, config);
        client.config.max_line = Some(max_line);
        client.mode = Mode::Prompted {
            echoed: true,
            synced: false,
        };
        Ok(client)
    }

    fn new(reader: Reader, writer: Writer, mode: Mode, session: u32) -> Self {
        Self {
            reader,
            writer,
            mode,
            session,
            config: ConsoleClientConfig::default(),
            pending: Vec::new(),
            _child: None,
        }
    }

    /// The session id written on every line.
    pub fn session(&self) -> u32 {
        self.session
    }

    async fn interactive_request(&mut self, line: RequestLine) -> Result<Vec<u8>, TransportError> {
        let prompt = format!(
            "Client->Device msg : {}\nEnter device->client msg : ",
            line.text()
        );
        self.writer.write_all(prompt.as_bytes()).await?;
        self.writer.flush().await?;
        let mut typed = Vec::new();
        let limit = u64::try_from(self.config.max_output).unwrap_or(u64::MAX);
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut typed)
            .await?;
        if n == 0 {
            return Err(TransportError::ClosedWithoutResponse);
        }
        let text = std::str::from_utf8(&typed)
            .map_err(|_| TransportError::Protocol("typed response is not text".into()))?;
        decode_hex(text.trim())
            .ok_or_else(|| TransportError::Protocol("typed response is not hex".into()))
    }

    async fn prompted_request(&mut self, line: RequestLine) -> Result<Vec<u8>, TransportError> {
        let limit = self.config.response_timeout;
        let exchange = self.prompted_exchange(line);
        let output = match limit {
            Some(limit) => tokio::time::timeout(limit, exchange)
                .await
                .map_err(|_| TransportError::Timeout)??,
            None => exchange.await?,
        };
        parse_response(&output)
    }

    /// Writes `line` and returns the device's output for it after the echo, up to the next
    /// prompt.
    async fn prompted_exchange(&mut self, line: RequestLine) -> Result<Vec<u8>, TransportError> {
        let Mode::Prompted { echoed, synced } = self.mode else {
            return Err(TransportError::Protocol("not a prompted console".into()));
        };
        if !synced {
            if echoed {
                // Ends whatever is left in the device's line buffer; an empty line prints
                // nothing but the prompt. It must reach the device alone: a CR followed by more
                // bytes in the same burst would not end the line on ESP-IDF. The prompt read
                // next may be an older one (the device printed it as the port opened), so
                // the output is drained until it has been quiet for a moment.
                self.write_raw(LINE_END).await?;
                self.read_until_prompt().await?;
                self.drain_until_quiet().await?;
            } else {
                self.read_until_prompt().await?;
            }
            self.mode = Mode::Prompted {
                echoed,
                synced: true,
            };
        }
        // One write: the CR must be the last byte of the burst that carries the line.
        self.write_raw(&line.to_send()).await?;
        loop {
            let output = self.read_until_prompt().await?;
            if let Some(rest) = line.after_echo(&output, echoed) {
                return Ok(rest.to_vec());
            }
            tracing::debug!(
                len = output.len(),
                "skipping console output before the echo"
            );
        }
    }

    /// Reads and drops the device's output until none came for [`QUIET`].
    async fn drain_until_quiet(&mut self) -> Result<(), TransportError> {
        loop {
            match tokio::time::timeout(QUIET, self.reader.fill_buf()).await {
                Err(_) => break,
                Ok(Err(error)) => return Err(error.into()),
                Ok(Ok([])) => {
                    let eof =
                        std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "console ended");
                    return Err(TransportError::Io(eof));
                }
                Ok(Ok(bytes)) => {
                    let n = bytes.len();
                    self.reader.consume(n);
                }
            }
        }
        self.pending.clear();
        Ok(())
    }

    async fn write_raw(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.writer.write_all(bytes).await?;
        self.writer.flush().await?;
        Ok(())
    }

    /// The device's output before its next prompt (without the prompt's leading `\n`).
    async fn read_until_prompt(&mut self) -> Result<Vec<u8>, TransportError> {
        read_until_prompt(&mut self.reader, &mut self.pending, self.config.max_output).await
    }
}

#[async_trait::async_trait]
impl ClientTransport for ConsoleClient {
    async fn request(&mut self, endpoint: &str, body: &[u8]) -> Result<Vec<u8>, TransportError> {
        let line = RequestLine::new(endpoint, self.session, body)?;
        match self.mode {
            Mode::Interactive => self.interactive_request(line).await,
            Mode::Prompted { .. } => {
                let max = self.config.max_line.unwrap_or(UNIPROV_CONSOLE_MAX_LINE);
                line.check_fits(endpoint, max)?;
                self.prompted_request(line).await
            }
        }
    }
}

async fn read_until_prompt(
    reader: &mut Reader,
    pending: &mut Vec<u8>,
    max_output: usize,
) -> Result<Vec<u8>, TransportError> {
    let mut searched = 0;
    loop {
        if let Some(at) = find(&pending[searched..], PROMPT) {
            let end = searched + at;
            let output = pending[..end].to_vec();
            pending.drain(..end + PROMPT.len());
            return Ok(output);
        }
        searched = pending.len().saturating_sub(PROMPT.len() - 1);
        if pending.len() > max_output {
            return Err(TransportError::Protocol(
                "no prompt in the device's output".into(),
            ));
        }
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "console ended");
            return Err(TransportError::Io(eof));
        }
        let n = available.len();
        pending.extend_from_slice(available);
        reader.consume(n);
    }
}

/// A random session id in `1..=i32::MAX`: ESP-IDF reads it with `atoi()`.
fn random_session() -> u32 {
    rand::Rng::gen_range(&mut rand::thread_rng(), 1..=i32::MAX.unsigned_abs())
}
