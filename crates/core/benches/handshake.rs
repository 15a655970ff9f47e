//! Handshake and data-phase costs: device and client side of sec1 and sec2 separately, and
//! 100-byte messages. Run with `cargo bench -p uniprov-core`.
//!
//! The `baseline/*` benches measure the bare primitives the handshakes are made of, in the same
//! run, so results can be reported as ratios that do not depend on the machine's load: a sec1
//! handshake side against one X25519 scalar multiplication, a sec2 handshake side against one
//! 3072-bit modular exponentiation with a 256-bit exponent.
#![allow(missing_docs)]

use std::sync::Arc;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use uniprov_core::security::{
    generate_sec2_credentials, ClientHandshake, ClientSecurity, ClientSession, ClientStep,
    DeviceSecurity, DeviceSession, PreparedSecurity, Sec2Patch,
};
use uniprov_core::Secret;
use uniprov_testkit::entropy::Seeded;
use uniprov_testkit::vectors::{hx, load};

const CLIENT_SEED: u64 = 1;
const DEVICE_SEED: u64 = 2;

fn sec1_device() -> DeviceSecurity {
    DeviceSecurity::Sec1 {
        pop: Some(Secret::new(b"abcd1234".to_vec())),
    }
}

fn sec1_client() -> ClientSecurity {
    ClientSecurity::Sec1 {
        pop: Some(Secret::new(b"abcd1234".to_vec())),
    }
}

fn sec2_device() -> DeviceSecurity {
    let c = generate_sec2_credentials(b"wifiprov", b"abcd1234", 16, &mut Seeded::new(3));
    DeviceSecurity::Sec2 {
        salt: c.salt,
        verifier: c.verifier,
        patch: Sec2Patch::V1,
    }
}

fn sec2_client() -> ClientSecurity {
    ClientSecurity::Sec2 {
        username: b"wifiprov".to_vec(),
        password: Secret::new(b"abcd1234".to_vec()),
        patch: Sec2Patch::V1,
    }
}

/// A recorded transcript (cmd0, resp0, cmd1, resp1) with fixed seeds, and the two sessions.
struct Transcript {
    messages: [Vec<u8>; 4],
    device: DeviceSession,
    client: ClientSession,
}

fn record(device: &DeviceSecurity, client: ClientSecurity) -> Transcript {
    let (mut ce, mut de) = (Seeded::new(CLIENT_SEED), Seeded::new(DEVICE_SEED));
    let mut dev = DeviceSession::new(device);
    let mut cli = ClientHandshake::new(client);
    let cmd0 = cli.start(&mut ce);
    let resp0 = dev.handle_session_data(&cmd0, &mut de).expect("cmd0");
    let ClientStep::Send(cmd1) = cli.receive(&resp0, &mut ce).expect("resp0") else {
        panic!("expected Cmd1")
    };
    let resp1 = dev.handle_session_data(&cmd1, &mut de).expect("cmd1");
    let ClientStep::Established(client) = cli.receive(&resp1, &mut ce).expect("resp1") else {
        panic!("expected Established")
    };
    Transcript {
        messages: [cmd0, resp0, cmd1, resp1],
        device: dev,
        client,
    }
}

/// The device side of a full handshake (Cmd0 + Cmd1), replaying recorded client messages,
/// in a session of a prepared configuration (what `Protocomm` does).
fn device_handshake(security: &PreparedSecurity, t: &[Vec<u8>; 4]) {
    let mut e = Seeded::new(DEVICE_SEED);
    device_steps(DeviceSession::prepared(security), t, &mut e);
}

/// The same in a session that prepares its configuration itself (no verifier table).
fn device_handshake_unprepared(security: &DeviceSecurity, t: &[Vec<u8>; 4]) {
    let mut e = Seeded::new(DEVICE_SEED);
    device_steps(DeviceSession::new(security), t, &mut e);
}

fn device_steps(mut dev: DeviceSession, t: &[Vec<u8>; 4], e: &mut Seeded) {
    black_box(dev.handle_session_data(&t[0], e).expect("cmd0"));
    black_box(dev.handle_session_data(&t[2], e).expect("cmd1"));
}

/// The client side of a full handshake, replaying recorded device messages.
fn client_handshake(security: ClientSecurity, t: &[Vec<u8>; 4]) {
    let mut e = Seeded::new(CLIENT_SEED);
    let mut cli = ClientHandshake::new(security);
    black_box(cli.start(&mut e));
    black_box(cli.receive(&t[1], &mut e).expect("resp0"));
    black_box(cli.receive(&t[3], &mut e).expect("resp1"));
}

fn handshakes(c: &mut Criterion) {
    let s1 = sec1_device();
    let t1 = record(&s1, sec1_client());
    let p1 = PreparedSecurity::new(Arc::new(s1));
    c.bench_function("sec1/device_handshake", |b| {
        b.iter(|| device_handshake(&p1, &t1.messages))
    });
    c.bench_function("sec1/client_handshake", |b| {
        b.iter(|| client_handshake(sec1_client(), &t1.messages))
    });

    let s2 = sec2_device();
    let t2 = record(&s2, sec2_client());
    let mut g = c.benchmark_group("sec2");
    g.sample_size(20);
    let s2 = Arc::new(s2);
    let p2 = PreparedSecurity::new(s2.clone());
    g.bench_function("device_handshake", |b| {
        b.iter(|| device_handshake(&p2, &t2.messages))
    });
    g.bench_function("device_handshake_unprepared", |b| {
        b.iter(|| device_handshake_unprepared(&s2, &t2.messages))
    });
    g.bench_function("prepare", |b| {
        b.iter(|| black_box(PreparedSecurity::new(s2.clone())))
    });
    g.bench_function("client_handshake", |b| {
        b.iter(|| client_handshake(sec2_client(), &t2.messages))
    });
    g.finish();
}

fn data_phase(c: &mut Criterion) {
    let msg = [0x5au8; 100];
    let Transcript {
        mut device,
        mut client,
        ..
    } = record(&sec1_device(), sec1_client());
    c.bench_function("sec1/encrypt_100B", |b| {
        b.iter(|| client.encrypt(black_box(&msg)).expect("enc"))
    });
    c.bench_function("sec1/decrypt_100B", |b| {
        b.iter(|| device.decrypt(black_box(&msg)).expect("dec"))
    });

    let Transcript { mut device, .. } = record(&sec2_device(), sec2_client());
    c.bench_function("sec2/encrypt_100B", |b| {
        b.iter(|| device.encrypt(black_box(&msg)).expect("enc"))
    });
    let Transcript {
        mut device,
        mut client,
        ..
    } = record(&sec2_device(), sec2_client());
    // With patch 1 a ciphertext decrypts only at its own counter value, so decryption is
    // measured as a round trip: client encrypt + device decrypt (minus encrypt_100B).
    c.bench_function("sec2/encrypt_then_decrypt_100B", |b| {
        b.iter(|| {
            let wire = client.encrypt(black_box(&msg)).expect("enc");
            device.decrypt(&wire).expect("dec")
        })
    });
}

fn baselines(c: &mut Criterion) {
    let scalar = [0x42u8; 32];
    let point = x25519_dalek::X25519_BASEPOINT_BYTES;
    c.bench_function("baseline/x25519", |b| {
        b.iter(|| x25519_dalek::x25519(black_box(scalar), black_box(point)))
    });

    let n_bytes = hx(&load("sec2.json")["group"], "N");
    let n = BoxedUint::from_be_slice(&n_bytes, 3072).expect("N fits 3072 bits");
    let params = BoxedMontyParams::new(Odd::new(n).expect("N is odd"));
    let base = BoxedMontyForm::new(BoxedUint::from(5u64).widen(3072), params);
    let exponent = BoxedUint::from_be_slice(&[0xa5u8; 32], 256).expect("256-bit exponent");
    let mut g = c.benchmark_group("baseline");
    g.sample_size(20);
    g.bench_function("modpow_3072_exp256", |b| {
        b.iter(|| black_box(&base).pow(black_box(&exponent)))
    });
    g.finish();
}

criterion_group!(benches, baselines, handshakes, data_phase);
criterion_main!(benches);
