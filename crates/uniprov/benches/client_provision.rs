//! A full security 2 provisioning (proto-ver, handshake, set, apply, connected) against a local
//! device: in process, and over loopback HTTP with the real client and device transports.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use uniprov::client::{
    open, ClientOptions, NetworkCredentials, RemoteDevice, SecurityRequest, Target, TransportKind,
};
use uniprov::core::Secret;
use uniprov::entropy::OsEntropy;
use uniprov_testkit::fake_device::{FakeConfig, FakeDevice};
use uniprov_testkit::http_device::spawn_http_device;

fn config() -> FakeConfig {
    FakeConfig {
        sec_ver: 2,
        sec_patch_ver: Some(1),
        connecting_polls: 0,
        ..FakeConfig::default()
    }
}

fn security() -> SecurityRequest {
    SecurityRequest {
        username: Some("wifiprov".into()),
        password: Some(Secret::new(b"abcd1234".to_vec())),
        ..SecurityRequest::default()
    }
}

fn credentials() -> NetworkCredentials {
    NetworkCredentials::wifi(b"home".to_vec(), Secret::new(b"mypassword".to_vec())).unwrap()
}

fn provision(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("sec2_provision");
    group.sample_size(20);
    group.bench_function("in_process", |b| {
        b.to_async(&runtime).iter(|| async {
            let transport = Box::new(FakeDevice::new(config()));
            let options = ClientOptions::default();
            let mut device = RemoteDevice::connect(
                transport,
                TransportKind::Http,
                security(),
                options,
                &mut OsEntropy,
            )
            .await
            .unwrap();
            device.provision(&credentials()).await.unwrap();
        })
    });
    let address = runtime.block_on(spawn_http_device(config()));
    let target = Target::Http {
        authority: address.to_string(),
    };
    group.bench_function("loopback_http", |b| {
        b.to_async(&runtime).iter(|| async {
            let options = ClientOptions::default();
            let transport = open(&target, &options).await.unwrap();
            let mut device = RemoteDevice::connect(
                transport,
                target.kind(),
                security(),
                options,
                &mut OsEntropy,
            )
            .await
            .unwrap();
            device.provision(&credentials()).await.unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, provision);
criterion_main!(benches);
