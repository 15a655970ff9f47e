//! The console transport (§9.3): one command per line on a byte stream (stdin/stdout, a serial
//! port, a pty).
//!
//! The device prints the prompt `\n>> `, reads `<endpoint> <session-id> <hex>`, and prints
//! `\r\n<lowercase hex>\r\n` on success or nothing on failure, then the prompt again. A session
//! id different from the previous line's closes the previous console session and opens a new
//! one. Lines may end with CR, LF or CRLF.
//!
//! The line limit defaults to 16384 bytes, not ESP-IDF's 255: a sec2 Cmd0 alone is about 810
//! hex digits, so ESP-IDF's limit makes sec2 impossible over the console. Longer lines are
//! dropped while they arrive (the buffer never grows past the limit) and answered with nothing
//! but the next prompt.

use std::future::Future;
use std::io::{self, Read};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_serial::{SerialPortBuilderExt, SerialStream};
use tracing::Instrument;

use super::console_codec::{format_response, parse_command, LineAssembler, Step};
use super::open::{stopped, ConsoleIo, OpenContext, OpenError, Opened};
use super::{ask, session_id, RequestQueue, SessionId, TransportEvent};

/// The prompt printed before each command (§9.3).
pub const PROMPT: &[u8] = b"\n>> ";

/// Settings of the console transport.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Longest accepted line in bytes, terminator excluded (ESP-IDF: 255; see the module docs).
    pub max_line: usize,
    /// Echo typed characters and honour backspace: what a serial terminal needs. Leave off for
    /// pipes and programs.
    pub echo: bool,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            max_line: 16384,
            echo: false,
        }
    }
}

/// The console transport.
#[derive(Debug, Clone, Default)]
pub struct ConsoleTransport {
    config: ConsoleConfig,
}

impl ConsoleTransport {
    /// A console transport with `config`.
    pub fn new(config: ConsoleConfig) -> Self {
        Self { config }
    }

    /// Serves commands read from `reader`, writing output to `writer`, until end of input or
    /// until `shutdown` completes. The current session is closed at the end.
    pub async fn serve<R, W>(
        self,
        mut reader: R,
        mut writer: W,
        queue: RequestQueue,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        tokio::pin!(shutdown);
        let mut state = Console {
            lines: LineAssembler::new(self.config.max_line, self.config.echo),
            echo: self.config.echo,
            queue,
            current: None,
        };
        writer.write_all(PROMPT).await?;
        writer.flush().await?;
        let mut chunk = [0u8; 1024];
        let result = loop {
            let read = tokio::select! {
                () = &mut shutdown => break Ok(()),
                read = reader.read(&mut chunk) => read,
            };
            match read {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    if let Err(error) = state.feed(&chunk[..n], &mut writer).await {
                        break Err(error);
                    }
                }
                Err(error) => break Err(error),
            }
        };
        state.close_session().await;
        result
    }

    /// Opens the serial port `path` at `baud` (8N1, no flow control) and serves it.
    pub async fn serve_serial(
        self,
        path: &str,
        baud: u32,
        queue: RequestQueue,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let port = open_serial(path, baud)?;
        let (reader, writer) = tokio::io::split(port);
        self.serve(reader, writer, queue, shutdown).await
    }
}

impl ConsoleTransport {
    /// Opens a device's console on `io` (a serial port must open now) and returns its task.
    pub(crate) fn open(
        config: ConsoleConfig,
        io: ConsoleIo,
        cx: OpenContext<'_>,
    ) -> Result<Opened, OpenError> {
        let queue = cx.queue.clone();
        let shutdown = stopped(cx.stop);
        let task: super::open::TransportTask = match io {
            ConsoleIo::Serial { path, baud } => {
                let port = open_serial(&path, baud).map_err(|source| OpenError {
                    target: path.clone(),
                    source,
                })?;
                tracing::info!(%path, baud, "console transport on serial port");
                let (reader, writer) = tokio::io::split(port);
                let serve = Self::new(config).serve(reader, writer, queue, shutdown);
                Box::pin(
                    async move {
                        if let Err(error) = serve.await {
                            tracing::warn!(%error, "serial console ended");
                        }
                    }
                    .instrument(tracing::info_span!("console", %path)),
                )
            }
            ConsoleIo::Stdio => {
                tracing::info!("console transport on stdin/stdout");
                let serve =
                    Self::new(config).serve(stdin_stream(), tokio::io::stdout(), queue, shutdown);
                Box::pin(
                    async move {
                        match serve.await {
                            Ok(()) => tracing::info!("console input ended"),
                            Err(error) => tracing::warn!(%error, "console ended"),
                        }
                    }
                    .instrument(tracing::info_span!("console", io = "stdio")),
                )
            }
        };
        Ok(Opened {
            task,
            http_addr: None,
        })
    }
}

/// Standard input as an async stream, read by a plain thread.
///
/// `tokio::io::stdin` reads on the blocking pool, and a read that never returns keeps the
/// runtime from shutting down; a detached thread does not keep the process alive.
fn stdin_stream() -> tokio::io::DuplexStream {
    let (mut writer, reader) = tokio::io::duplex(4096);
    let runtime = tokio::runtime::Handle::current();
    let spawned = std::thread::Builder::new()
        .name("uniprov-stdin".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut chunk = [0u8; 1024];
            loop {
                let n = match stdin.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if runtime.block_on(writer.write_all(&chunk[..n])).is_err() {
                    break;
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the stdin reader");
    }
    reader
}

/// Opens a serial port for async use at `baud`, 8 data bits, no parity, one stop bit.
pub fn open_serial(path: &str, baud: u32) -> io::Result<SerialStream> {
    tokio_serial::new(path, baud)
        .data_bits(tokio_serial::DataBits::Eight)
        .parity(tokio_serial::Parity::None)
        .stop_bits(tokio_serial::StopBits::One)
        .flow_control(tokio_serial::FlowControl::None)
        .open_native_async()
        .map_err(io::Error::from)
}

struct Console {
    lines: LineAssembler,
    echo: bool,
    queue: RequestQueue,
    current: Option<SessionId>,
}

impl Console {
    async fn feed<W: AsyncWrite + Unpin>(
        &mut self,
        input: &[u8],
        writer: &mut W,
    ) -> io::Result<()> {
        let mut echo = Vec::new();
        for &byte in input {
            match self.lines.push(byte) {
                Step::Nothing => {}
                Step::Append(byte) => echo.push(byte),
                Step::Erase => echo.extend_from_slice(b"\x08 \x08"),
                Step::Line(line) => {
                    self.flush_echo(&mut echo, writer).await?;
                    if let Some(output) = self.run(&line).await {
                        writer.write_all(&output).await?;
                    }
                    writer.write_all(PROMPT).await?;
                    writer.flush().await?;
                }
                Step::Overflow => {
                    self.flush_echo(&mut echo, writer).await?;
                    tracing::debug!("console line too long, discarded");
                    writer.write_all(PROMPT).await?;
                    writer.flush().await?;
                }
            }
        }
        self.flush_echo(&mut echo, writer).await
    }

    async fn flush_echo<W: AsyncWrite + Unpin>(
        &self,
        echo: &mut Vec<u8>,
        writer: &mut W,
    ) -> io::Result<()> {
        if self.echo && !echo.is_empty() {
            writer.write_all(echo).await?;
            writer.flush().await?;
        }
        echo.clear();
        Ok(())
    }

    /// Runs one line; the output to print, if any.
    async fn run(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        if line.is_empty() {
            return None;
        }
        let Some(command) = parse_command(line) else {
            tracing::debug!("malformed console line");
            return None;
        };
        let session = session_id::console(command.session);
        if self.current != Some(session) {
            self.close_session().await;
            tracing::debug!(session, "new console session");
            let opened = TransportEvent::SessionOpened(session);
            self.queue.send(opened).await.ok()?;
            self.current = Some(session);
        }
        let span = tracing::debug_span!("console", session, endpoint = %command.endpoint);
        let answer = ask(&self.queue, session, command.endpoint, command.body)
            .instrument(span)
            .await;
        match answer {
            Some(body) => Some(format_response(&body)),
            None => {
                tracing::debug!("refused");
                None
            }
        }
    }

    async fn close_session(&mut self) {
        if let Some(session) = self.current.take() {
            let _ = self
                .queue
                .send(TransportEvent::SessionClosed(session))
                .await;
        }
    }
}
