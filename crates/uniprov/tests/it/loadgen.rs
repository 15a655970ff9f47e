//! The load generator against an in-process device: every session completes.

use crate::device;

use std::sync::Arc;

use uniprov::core::security::ClientSecurity;
use uniprov::core::security::Sec2Patch;
use uniprov::core::Secret;
use uniprov::device::runtime::EndpointHandler;
use uniprov::loadgen::{run, LoadConfig};

#[tokio::test]
async fn concurrent_full_sessions_all_complete_for_sec1_and_sec2() {
    let echo: EndpointHandler = Arc::new(|r| Some(r.data.to_vec()));
    for sec_ver in [1, 2] {
        let security = match sec_ver {
            1 => device::device_sec1(Some("pop")),
            _ => device::device_sec2("wifiprov", "pw", Sec2Patch::V1),
        };
        let handle = device::builder(security)
            .max_sessions(8)
            .endpoint("echo", Some(Arc::clone(&echo)))
            .start()
            .await
            .expect("start");
        let security = match sec_ver {
            1 => ClientSecurity::Sec1 {
                pop: Some(Secret::new(b"pop".to_vec())),
            },
            _ => ClientSecurity::Sec2 {
                username: b"wifiprov".to_vec(),
                password: Secret::new(b"pw".to_vec()),
                patch: Sec2Patch::V1,
            },
        };
        let report = run(LoadConfig {
            target: handle.http_addrs()[0].to_string(),
            security,
            concurrency: 4,
            sessions: Some(24),
            duration: None,
            endpoint: "echo".into(),
            payload: b"hello".to_vec(),
        })
        .await;
        assert_eq!((report.sessions, report.failures), (24, 0), "{report}");
        assert!(report.p50 <= report.p99 && report.p99 <= report.max);
        handle.shutdown().await;
    }
}
