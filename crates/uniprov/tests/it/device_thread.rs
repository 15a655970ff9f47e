//! A Thread device (network_provisioning Thread build, §10.7) through loopback HTTP.

use crate::device;
use uniprov_testkit::client;

use device::{builder, wait_prov};
use uniprov::core::messages::config::{ConfigRequest, ConfigResponse};
use uniprov::core::messages::scan::{ScanReply, ScanRequest};
use uniprov::core::messages::{NetworkKind, Status, ThreadScanParams, ThreadStatus};
use uniprov::core::security::DeviceSecurity;
use uniprov::core::Secret;
use uniprov::device::manager::ProvEvent;
use uniprov::device::network::dataset::{self, DatasetInfo};

#[tokio::test]
async fn thread_dataset_attaches_and_wifi_requests_are_invalid_argument() {
    let builder = builder(DeviceSecurity::Sec0).network(NetworkKind::Thread);
    let mut events = builder.subscribe();
    let handle = builder.start().await.expect("start");
    let mut c = client::http(handle.http_addrs()[0]).await;
    let info = c.proto_ver().await;
    assert_eq!(info.prov_ver, "netprov-v1.2");
    assert_eq!(info.caps, ["no_sec", "thread_prov", "thread_scan"]);
    c.handshake(client::sec0()).await.expect("handshake");

    let scan = c
        .try_scan(ScanRequest::ThreadStart(ThreadScanParams {
            blocking: true,
            channel_mask: 0,
        }))
        .await
        .expect("scan");
    assert_eq!(scan.status, Status::Success);
    let status = c.try_scan(ScanRequest::ThreadStatus).await.expect("status");
    assert!(matches!(
        status.reply,
        ScanReply::ThreadStatus {
            finished: true,
            result_count: 2
        }
    ));

    let wifi = c.config(ConfigRequest::GetWifiStatus).await;
    assert!(matches!(
        wifi,
        ConfigResponse::WifiStatus {
            status: Status::InvalidArgument,
            ..
        }
    ));

    let tlvs = dataset::build(
        &DatasetInfo {
            channel: Some(15),
            pan_id: Some(0x1234),
            ext_pan_id: Some([0xde, 0xad, 0x00, 0xbe, 0xef, 0x00, 0xca, 0xfe]),
            network_name: Some("OpenThread-1".into()),
            ..DatasetInfo::default()
        },
        Some(&[
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]),
    );
    let set = c
        .config(ConfigRequest::SetThreadDataset(Secret::new(tlvs)))
        .await;
    assert_eq!(set, ConfigResponse::SetThreadDataset(Status::Success));
    let apply = c.config(ConfigRequest::ApplyThreadConfig).await;
    assert_eq!(apply, ConfigResponse::ApplyThreadConfig(Status::Success));
    wait_prov(&mut events, ProvEvent::ThreadDatasetSuccess).await;
    let ConfigResponse::ThreadStatus {
        status: Status::Success,
        state: ThreadStatus::Attached(attached),
    } = c.config(ConfigRequest::GetThreadStatus).await
    else {
        panic!("expected Attached");
    };
    assert_eq!((attached.pan_id, attached.channel), (0x1234, 15));
    wait_prov(&mut events, ProvEvent::End).await;
    handle.shutdown().await;
}
