//! A fake device served over real loopback HTTP by the device-side HTTP transport.

use std::net::SocketAddr;

use tokio::sync::mpsc;
use uniprov::device::transport::{HttpConfig, HttpTransport, TransportEvent};

use crate::fake_device::{FakeConfig, FakeDevice};

/// Serves `config` on 127.0.0.1 (a free port) until the test's runtime ends; returns the
/// address.
pub async fn spawn_http_device(config: FakeConfig) -> SocketAddr {
    let (queue, mut events) = mpsc::channel::<TransportEvent>(16);
    let mut device = FakeDevice::new(config);
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                TransportEvent::SessionOpened(_) => device.new_session(),
                TransportEvent::SessionClosed(_) => {}
                TransportEvent::Request(request) => {
                    let answer = device.handle(&request.endpoint, &request.body);
                    let _ = request.reply.send(answer.into());
                }
            }
        }
    });
    let config = HttpConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..HttpConfig::default()
    };
    let transport = HttpTransport::new(config, queue);
    let listener = transport.bind().await.expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(transport.serve(listener, std::future::pending()));
    address
}
