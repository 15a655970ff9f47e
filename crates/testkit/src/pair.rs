//! The in-memory pair harness: a client and a device talking through a tamper hook.

use crate::entropy::Seeded;
use rand_chacha::rand_core::RngCore;
use uniprov_core::security::{
    generate_sec2_credentials, ClientHandshake, ClientSecurity, ClientSession, ClientStep,
    DeviceSecurity, DeviceSession, HandshakeError, Sec2Patch,
};
use uniprov_core::Secret;

/// Which message of the handshake a tamper hook sees.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Leg {
    /// The client's first message.
    Cmd0,
    /// The device's first answer.
    Resp0,
    /// The client's second message.
    Cmd1,
    /// The device's second answer.
    Resp1,
}

/// Outcome of one handshake run.
pub enum Outcome {
    /// Both sides finished: the two sessions.
    Established(DeviceSession, ClientSession),
    /// The device refused a message.
    Device(HandshakeError),
    /// The client refused a message.
    Client(HandshakeError),
}

/// Runs a handshake, letting `tamper` rewrite each message in flight.
pub fn handshake(
    device: &mut DeviceSession,
    client: ClientSecurity,
    rng: &mut Seeded,
    tamper: &mut dyn FnMut(Leg, &mut Vec<u8>),
) -> Outcome {
    let mut client = ClientHandshake::new(client);
    let mut msg = client.start(rng);
    let mut legs = [Leg::Cmd0, Leg::Cmd1].into_iter();
    loop {
        let leg = legs.next().expect("at most two round trips");
        tamper(leg, &mut msg);
        let mut resp = match device.handle_session_data(&msg, rng) {
            Ok(r) => r,
            Err(e) => return Outcome::Device(e),
        };
        tamper(
            if leg == Leg::Cmd0 {
                Leg::Resp0
            } else {
                Leg::Resp1
            },
            &mut resp,
        );
        match client.receive(&resp, rng) {
            Ok(ClientStep::Send(next)) => msg = next,
            Ok(ClientStep::Established(session)) => {
                let placeholder = DeviceSession::new(&DeviceSecurity::Sec0);
                let dev = std::mem::replace(device, placeholder);
                return Outcome::Established(dev, session);
            }
            Err(e) => return Outcome::Client(e),
        }
    }
}

/// The two sessions of an established `outcome`; panics naming `what` otherwise.
pub fn established(outcome: Outcome, what: &str) -> (DeviceSession, ClientSession) {
    match outcome {
        Outcome::Established(d, c) => {
            assert!(d.is_established(), "{what}: device not established");
            (d, c)
        }
        Outcome::Device(e) => panic!("{what}: device refused: {e}"),
        Outcome::Client(e) => panic!("{what}: client refused: {e}"),
    }
}

/// Up to `max_len` random bytes, of a random length.
pub fn random_bytes(rng: &mut Seeded, max_len: usize) -> Vec<u8> {
    let len = (rng.0.next_u32() as usize) % (max_len + 1);
    let mut v = vec![0u8; len];
    rng.0.fill_bytes(&mut v);
    v
}

/// Exchanges a few requests and responses of random lengths in wire order.
pub fn data_phase(
    rng: &mut Seeded,
    dev: &mut DeviceSession,
    cli: &mut ClientSession,
    rounds: usize,
) {
    for _ in 0..rounds {
        let req = random_bytes(rng, 100);
        let wire = cli.encrypt(&req).expect("client encrypt");
        assert_eq!(dev.decrypt(&wire).expect("device decrypt"), req);
        let resp = random_bytes(rng, 100);
        let wire = dev.encrypt(&resp).expect("device encrypt");
        assert_eq!(cli.decrypt(&wire).expect("client decrypt"), resp);
    }
}

/// The hook that leaves every message alone.
pub fn no_tamper(_: Leg, _: &mut Vec<u8>) {}

/// A random security 1 PoP: none one time in four.
pub fn sec1_pop(rng: &mut Seeded) -> Option<Secret<Vec<u8>>> {
    match rng.0.next_u32() % 4 {
        0 => None,
        _ => Some(Secret::new(random_bytes(rng, 40))),
    }
}

/// A copy of an optional PoP.
pub fn copy(pop: &Option<Secret<Vec<u8>>>) -> Option<Secret<Vec<u8>>> {
    pop.as_ref().map(Secret::duplicate)
}

/// A security 2 device with the ESP-IDF fixture credentials `wifiprov`/`abcd1234`.
pub fn fixture_device(patch: Sec2Patch) -> DeviceSession {
    let mut rng = Seeded::new(99);
    let c = generate_sec2_credentials(b"wifiprov", b"abcd1234", 16, &mut rng);
    DeviceSession::new(&DeviceSecurity::Sec2 {
        salt: c.salt,
        verifier: c.verifier,
        patch,
    })
}

/// A security 2 client of the fixture user `wifiprov` with `password`.
pub fn fixture_client(password: &[u8], patch: Sec2Patch) -> ClientSecurity {
    ClientSecurity::Sec2 {
        username: b"wifiprov".to_vec(),
        password: Secret::new(password.to_vec()),
        patch,
    }
}

/// Flips `bit` of the message at `leg`; records whether the message was long enough.
pub fn flipper(
    leg: Leg,
    bit: usize,
    hit: &mut Option<usize>,
) -> impl FnMut(Leg, &mut Vec<u8>) + '_ {
    move |l, msg| {
        if l == leg && bit / 8 < msg.len() {
            msg[bit / 8] ^= 1 << (bit % 8);
            *hit = Some(msg.len() - bit / 8);
        }
    }
}

/// A tampered handshake must not end in a working session: either a side refuses a
/// message, or the first request fails to decrypt to what was sent.
pub fn tampering_detected(outcome: Outcome) -> bool {
    match outcome {
        Outcome::Device(_) | Outcome::Client(_) => true,
        Outcome::Established(mut dev, mut cli) => {
            let wire = cli.encrypt(b"request").expect("encrypt");
            dev.decrypt(&wire).map_or(true, |p| p != b"request")
        }
    }
}
