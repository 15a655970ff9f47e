//! The console transport (§9.3) on in-memory pipes and through a real child process, with the
//! console client on the other end.

use std::time::Duration;

use crate::fake_manager::{drain, spawn_echo_manager, Seen};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::{mpsc, oneshot};
use uniprov::client::transport::{
    ClientTransport, ConsoleClient, ConsoleClientConfig, TransportError,
};
use uniprov::device::transport::{session_id, ConsoleConfig, ConsoleTransport};

struct Device {
    input: DuplexStream,
    output: DuplexStream,
    seen: mpsc::UnboundedReceiver<Seen>,
    done: oneshot::Receiver<std::io::Result<()>>,
}

fn start(config: ConsoleConfig) -> Device {
    let (queue, seen) = spawn_echo_manager();
    let (input, device_in) = tokio::io::duplex(1 << 16);
    let (device_out, output) = tokio::io::duplex(1 << 16);
    let (finished, done) = oneshot::channel();
    tokio::spawn(async move {
        let serve = ConsoleTransport::new(config).serve(
            device_in,
            device_out,
            queue,
            std::future::pending(),
        );
        let _ = finished.send(serve.await);
    });
    Device {
        input,
        output,
        seen,
        done,
    }
}

/// Reads the device's output up to and including its next prompt.
async fn until_prompt(output: &mut DuplexStream) -> Vec<u8> {
    let mut text = Vec::new();
    while !text.ends_with(b"\n>> ") {
        text.push(output.read_u8().await.expect("device output"));
    }
    text
}

#[tokio::test]
async fn section_9_3_success_prints_crlf_hex_crlf_and_failure_prints_nothing() {
    let mut device = start(ConsoleConfig::default());
    assert_eq!(until_prompt(&mut device.output).await, b"\n>> ");
    device
        .input
        .write_all(b"proto-ver 3 0aFf7\r\n")
        .await
        .expect("write");
    assert_eq!(until_prompt(&mut device.output).await, b"\r\n0aff\r\n\n>> ");
    device
        .input
        .write_all(b"prov-session 3 726566757365\n")
        .await
        .expect("write");
    assert_eq!(
        until_prompt(&mut device.output).await,
        b"\n>> ",
        "refusal prints nothing"
    );
    device
        .input
        .write_all(b"garbage\rprov-session 3 zz\r")
        .await
        .expect("write");
    assert_eq!(until_prompt(&mut device.output).await, b"\n>> ");
    assert_eq!(until_prompt(&mut device.output).await, b"\n>> ");
    let seen = drain(&mut device.seen);
    let session = session_id::console(3);
    assert_eq!(seen[0], Seen::Opened(session));
    assert_eq!(
        seen[1],
        Seen::Request {
            session,
            endpoint: "proto-ver".into(),
            body: vec![0x0a, 0xff],
        }
    );
    assert_eq!(seen.len(), 3, "{seen:?}");
}

#[tokio::test]
async fn a_new_session_id_closes_the_old_session_and_opens_the_new_one() {
    let mut device = start(ConsoleConfig::default());
    until_prompt(&mut device.output).await;
    for line in ["proto-ver 1 00\n", "proto-ver 1 00\n", "proto-ver 2 00\n"] {
        device
            .input
            .write_all(line.as_bytes())
            .await
            .expect("write");
        until_prompt(&mut device.output).await;
    }
    drop(device.input);
    device
        .done
        .await
        .expect("console ended")
        .expect("clean end");
    let events: Vec<_> = drain(&mut device.seen)
        .into_iter()
        .filter(|seen| !matches!(seen, Seen::Request { .. }))
        .collect();
    let (one, two) = (session_id::console(1), session_id::console(2));
    assert_eq!(
        events,
        [
            Seen::Opened(one),
            Seen::Closed(one),
            Seen::Opened(two),
            Seen::Closed(two)
        ]
    );
}

#[tokio::test]
async fn over_long_line_is_discarded_and_the_console_keeps_working() {
    let mut device = start(ConsoleConfig {
        max_line: 64,
        echo: false,
    });
    until_prompt(&mut device.output).await;
    let long = format!("proto-ver 1 {}\n", "ab".repeat(50_000));
    device
        .input
        .write_all(long.as_bytes())
        .await
        .expect("write");
    assert_eq!(until_prompt(&mut device.output).await, b"\n>> ");
    device
        .input
        .write_all(b"proto-ver 1 0102\n")
        .await
        .expect("write");
    assert_eq!(until_prompt(&mut device.output).await, b"\r\n0102\r\n\n>> ");
    let requests = drain(&mut device.seen)
        .into_iter()
        .filter(|seen| matches!(seen, Seen::Request { .. }))
        .count();
    assert_eq!(requests, 1);
}

#[tokio::test]
async fn echo_mode_echoes_typed_characters_and_backspace() {
    let mut device = start(ConsoleConfig {
        echo: true,
        ..ConsoleConfig::default()
    });
    until_prompt(&mut device.output).await;
    device
        .input
        .write_all(b"proto-ver 1 0x\x7f1\r")
        .await
        .expect("write");
    let output = until_prompt(&mut device.output).await;
    assert_eq!(output, b"proto-ver 1 0x\x08 \x081\r\n01\r\n\n>> ");
}

#[tokio::test]
async fn prompted_client_talks_to_the_console_transport() {
    let (queue, mut seen) = spawn_echo_manager();
    let (client_end, device_end) = tokio::io::duplex(1 << 16);
    let (device_in, device_out) = tokio::io::split(device_end);
    let console = ConsoleTransport::new(ConsoleConfig::default());
    tokio::spawn(console.serve(device_in, device_out, queue, std::future::pending()));
    let (reader, writer) = tokio::io::split(client_end);
    let mut client = ConsoleClient::prompted(reader, writer, ConsoleClientConfig::default());
    assert_ne!(client.session(), 0);
    let body: Vec<u8> = (0..=255).collect();
    assert_eq!(
        client.request("prov-session", &body).await.expect("echo"),
        body
    );
    let refused = client.request("prov-session", b"refuse").await;
    assert!(
        matches!(refused, Err(TransportError::ClosedWithoutResponse)),
        "{refused:?}"
    );
    assert_eq!(
        client.request("prov-config", b"again").await.expect("echo"),
        b"again"
    );
    let opened = drain(&mut seen)
        .into_iter()
        .filter(|seen| matches!(seen, Seen::Opened(_)))
        .collect::<Vec<_>>();
    assert_eq!(
        opened,
        [Seen::Opened(session_id::console(client.session()))]
    );
}

#[tokio::test]
async fn exec_client_talks_to_a_device_child_process() {
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_uniprov-console-echo"));
    let config = ConsoleClientConfig {
        response_timeout: Some(Duration::from_secs(30)),
        ..ConsoleClientConfig::default()
    };
    let mut client = ConsoleClient::exec(command, config).expect("spawn");
    // A sec2-sized message: far beyond ESP-IDF's 255-character line.
    let big: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(
        client.request("prov-session", &big).await.expect("echo"),
        big
    );
    let refused = client.request("prov-session", b"refuse").await;
    assert!(
        matches!(refused, Err(TransportError::ClosedWithoutResponse)),
        "{refused:?}"
    );
    assert_eq!(client.request("proto-ver", b"v").await.expect("echo"), b"v");
}

#[tokio::test]
async fn exec_client_reports_a_missing_program_as_unreachable() {
    let command = tokio::process::Command::new("/nonexistent/uniprov-device");
    let result = ConsoleClient::exec(command, ConsoleClientConfig::default());
    assert!(
        matches!(result, Err(TransportError::Unreachable { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn interactive_client_prints_like_esp_prov_and_reads_typed_hex() {
    let typed: &[u8] = b"0a0B\r\n\n";
    let (screen, mut watcher) = tokio::io::duplex(1 << 16);
    let mut client = ConsoleClient::interactive(typed, screen);
    assert_eq!(
        client
            .request("prov-session", &[1, 2])
            .await
            .expect("typed"),
        [0x0a, 0x0b]
    );
    assert_eq!(client.request("proto-ver", b"").await.expect("typed"), b"");
    let ended = client.request("proto-ver", b"").await;
    assert!(
        matches!(ended, Err(TransportError::ClosedWithoutResponse)),
        "{ended:?}"
    );
    drop(client);
    let mut printed = String::new();
    watcher.read_to_string(&mut printed).await.expect("screen");
    assert!(printed
        .starts_with("Client->Device msg : prov-session 0 0102\nEnter device->client msg : "));
}

#[tokio::test]
async fn serial_client_talks_to_an_echoing_device_over_a_pty() {
    use tokio_serial::SerialPort;
    let (master, slave) = tokio_serial::SerialStream::pair().expect("pty pair");
    let path = slave.name().expect("pty path");
    // The pair's slave holds the port's lock; the client opens the same pty by path instead.
    drop(slave);
    let mut client =
        ConsoleClient::serial(&path, 115_200, ConsoleClientConfig::default()).expect("open");
    let (queue, _seen) = spawn_echo_manager();
    let (device_in, device_out) = tokio::io::split(master);
    let console = ConsoleTransport::new(ConsoleConfig {
        echo: true,
        ..ConsoleConfig::default()
    });
    tokio::spawn(console.serve(device_in, device_out, queue, std::future::pending()));
    assert_eq!(
        client
            .request("prov-session", b"\x01\x02")
            .await
            .expect("echo"),
        [1, 2]
    );
    let refused = client.request("prov-session", b"refuse").await;
    assert!(
        matches!(refused, Err(TransportError::ClosedWithoutResponse)),
        "{refused:?}"
    );
    assert_eq!(client.request("proto-ver", b"v").await.expect("echo"), b"v");
}

#[tokio::test]
async fn serial_lines_are_limited_to_esp_idf_s_255_bytes_unless_raised() {
    use tokio_serial::SerialPort;
    let serve = |master: tokio_serial::SerialStream| {
        let (queue, _seen) = spawn_echo_manager();
        let (device_in, device_out) = tokio::io::split(master);
        let console = ConsoleTransport::new(ConsoleConfig {
            echo: true,
            ..ConsoleConfig::default()
        });
        tokio::spawn(console.serve(device_in, device_out, queue, std::future::pending()));
    };
    // 400 bytes: 800 hex digits, about a security 2 Cmd0.
    let long = vec![0x5a; 400];

    let (master, slave) = tokio_serial::SerialStream::pair().expect("pty pair");
    let path = slave.name().expect("pty path");
    drop(slave);
    let mut client =
        ConsoleClient::serial(&path, 115_200, ConsoleClientConfig::default()).expect("open");
    serve(master);
    let refused = client.request("prov-session", &long).await;
    match refused {
        Err(TransportError::LineTooLong { len, max, .. }) => {
            assert_eq!(max, 255);
            assert!(len > 800, "{len}");
        }
        other => panic!("expected LineTooLong, got {other:?}"),
    }
    // Nothing was sent: the console is still in step.
    assert_eq!(client.request("proto-ver", b"v").await.expect("echo"), b"v");

    let (master, slave) = tokio_serial::SerialStream::pair().expect("pty pair");
    let path = slave.name().expect("pty path");
    drop(slave);
    let config = ConsoleClientConfig {
        max_line: Some(uniprov::client::transport::UNIPROV_CONSOLE_MAX_LINE),
        ..ConsoleClientConfig::default()
    };
    let mut client = ConsoleClient::serial(&path, 115_200, config).expect("open");
    serve(master);
    assert_eq!(
        client.request("prov-session", &long).await.expect("echo"),
        long
    );
}
