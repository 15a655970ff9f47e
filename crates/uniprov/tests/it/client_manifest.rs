//! The manifest runner and the flows over real loopback HTTP against fake devices: one
//! failing device does not stop the others, and every row gets its own report.

#![allow(clippy::unwrap_used)]

use uniprov::client::flow::{self, Action, Job, Networks, Outcome, Silent};
use uniprov::client::manifest;
use uniprov::client::{ClientOptions, ErrorClass, Phase, SecurityRequest, Target};
use uniprov::core::security::SecVer;
use uniprov::entropy::OsEntropy;
use uniprov_testkit::fake_device::FakeConfig;
use uniprov_testkit::http_device::spawn_http_device;

#[tokio::test]
async fn one_failing_device_does_not_stop_the_others() {
    let sec1 = spawn_http_device(FakeConfig {
        sec_ver: 1,
        pop: Some("abcd1234"),
        ..FakeConfig::default()
    })
    .await;
    let sec2 = spawn_http_device(FakeConfig {
        sec_ver: 2,
        sec_patch_ver: Some(1),
        ..FakeConfig::default()
    })
    .await;
    let sec0 = spawn_http_device(FakeConfig::default()).await;
    let text = format!(
        "transport,service_name,sec_ver,pop,username,password,ssid,passphrase\n\
         softap,{sec1},,abcd1234,,,home,mypassword\n\
         httpd,{sec2},2,,wifiprov,abcd1234,home,mypassword\n\
         http,{sec1},1,wrongpop,,,home,mypassword\n\
         softap,{sec0},,,,,home,wrongpassword\n"
    );
    let entries = manifest::parse(text.as_bytes()).unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = done.clone();
    let report = manifest::run(entries, 2, ClientOptions::default(), OsEntropy, move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    })
    .await;
    assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert_eq!((report.total, report.succeeded, report.failed), (4, 2, 2));
    assert!(!report.ok);
    let lines: Vec<u64> = report.devices.iter().map(|d| d.line).collect();
    assert_eq!(lines, [2, 3, 4, 5]);
    assert!(report.devices[0].report.ok);
    assert_eq!(
        report.devices[1].report.security.as_ref().unwrap().sec_ver,
        SecVer::Sec2
    );
    let classes: Vec<Option<ErrorClass>> = report
        .devices
        .iter()
        .map(|d| d.report.error.as_ref().map(|e| e.class))
        .collect();
    assert_eq!(
        classes,
        [
            None,
            None,
            Some(ErrorClass::AuthFailed),
            Some(ErrorClass::WifiAuth)
        ]
    );
    let text = format!("{report:?}");
    for secret in ["abcd1234", "mypassword", "wrongpop", "wrongpassword"] {
        assert!(!text.contains(secret), "report leaks {secret}: {text}");
    }
}

#[tokio::test]
async fn flow_reports_phases_device_and_security_over_http() {
    let address = spawn_http_device(FakeConfig {
        sec_ver: 2,
        sec_patch_ver: Some(1),
        scan_results: 5,
        ..FakeConfig::default()
    })
    .await;
    let security = || SecurityRequest {
        username: Some("wifiprov".into()),
        password: Some(uniprov::core::Secret::new(b"abcd1234".to_vec())),
        ..SecurityRequest::default()
    };
    let job = |action| Job {
        target: Target::Http {
            authority: address.to_string(),
        },
        security: security(),
        options: ClientOptions::default(),
        action,
        expect_version: None,
    };
    let report = flow::run(job(Action::Scan), &mut Silent, &mut OsEntropy).await;
    assert!(report.ok, "{:?}", report.error);
    let Some(Outcome::Networks(Networks::Wifi(entries))) = &report.result else {
        panic!("{:?}", report.result);
    };
    assert_eq!(entries.len(), 5);
    let phases: Vec<Phase> = report.phases.iter().map(|(p, _)| p).collect();
    assert_eq!(
        phases,
        [
            Phase::Connect,
            Phase::ProtoVer,
            Phase::Handshake,
            Phase::Scan
        ]
    );
    assert_eq!(report.device.as_ref().unwrap().sec_patch_ver, Some(1));

    let report = flow::run(job(Action::Version), &mut Silent, &mut OsEntropy).await;
    assert!(report.ok && report.security.is_none());

    let mut version_job = job(Action::Version);
    version_job.expect_version = Some("v9".into());
    let report = flow::run(version_job, &mut Silent, &mut OsEntropy).await;
    assert_eq!(report.error.unwrap().class, ErrorClass::Other);

    let report = flow::run(
        job(Action::Custom {
            endpoint: "custom-data".into(),
            data: b"hi".to_vec(),
        }),
        &mut Silent,
        &mut OsEntropy,
    )
    .await;
    let Some(Outcome::Custom(reply)) = report.result else {
        panic!("{:?}", report.result);
    };
    assert_eq!(reply.response, b"SUCCESS\0");

    // Without credentials and without anyone to ask, provisioning is a usage error after the scan.
    let report = flow::run(
        job(Action::Provision {
            credentials: None,
            custom_data: None,
        }),
        &mut Silent,
        &mut OsEntropy,
    )
    .await;
    assert_eq!(report.error.unwrap().class, ErrorClass::Usage);
}

#[tokio::test]
async fn unreachable_devices_have_their_own_class() {
    let job = Job {
        target: Target::Http {
            authority: "127.0.0.1:1".into(),
        },
        security: SecurityRequest::default(),
        options: ClientOptions::default(),
        action: Action::Status,
        expect_version: None,
    };
    let report = flow::run(job, &mut Silent, &mut OsEntropy).await;
    assert_eq!(
        report.error.as_ref().unwrap().class,
        ErrorClass::Unreachable
    );
    assert!(report.phases.get(Phase::Connect).is_some());
}
