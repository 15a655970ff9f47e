//! The apps' security 2 session: the handshake on `prov-session` and the patch-1 data phase
//! (AES-256-GCM, IV = nonce[0..8] ‖ BE32(counter), one counter stepped after every encrypt
//! and decrypt). Android starts the counter at the nonce's last four bytes, iOS at 1 whatever
//! they say (docs/apps.md §3).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use prost::Message;
use uniprov::core::proto::sec2::{
    sec2_payload, S2SessionCmd0, S2SessionCmd1, Sec2MsgType, Sec2Payload,
};
use uniprov::core::proto::session::{session_data::Proto, SecSchemeVersion, SessionData};

use super::http::AppHttp;
use super::srp::{App, Group, Handshake, Observed};

/// An established app session.
pub struct AppSession {
    cipher: Aes256Gcm,
    prefix: [u8; 8],
    counter: u32,
}

impl AppSession {
    fn iv(&mut self) -> [u8; 12] {
        let mut iv = [0u8; 12];
        iv[..8].copy_from_slice(&self.prefix);
        iv[8..].copy_from_slice(&self.counter.to_be_bytes());
        self.counter = self.counter.wrapping_add(1);
        iv
    }

    pub fn encrypt(&mut self, plain: &[u8]) -> Vec<u8> {
        let iv = self.iv();
        self.cipher
            .encrypt(Nonce::from_slice(&iv), plain)
            .expect("AES-GCM encrypt")
    }

    pub fn decrypt(&mut self, data: &[u8]) -> Result<Vec<u8>, String> {
        let iv = self.iv();
        self.cipher
            .decrypt(Nonce::from_slice(&iv), data)
            .map_err(|_| "the answer does not decrypt under the app's key".to_string())
    }

    /// Encrypts `request`, POSTs it to `endpoint`, decrypts the answer.
    pub async fn call(
        &mut self,
        http: &mut AppHttp,
        endpoint: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, String> {
        let sealed = self.encrypt(request);
        let answer = http
            .post(endpoint, &sealed)
            .await
            .map_err(|e| format!("{endpoint}: {e}"))?;
        self.decrypt(&answer)
    }
}

fn envelope(payload: sec2_payload::Payload, msg: Sec2MsgType) -> Vec<u8> {
    SessionData {
        sec_ver: SecSchemeVersion::SecScheme2 as i32,
        proto: Some(Proto::Sec2(Sec2Payload {
            msg: msg as i32,
            payload: Some(payload),
        })),
    }
    .encode_to_vec()
}

fn sec2_of(answer: &[u8]) -> Result<Sec2Payload, String> {
    let data = SessionData::decode(answer).map_err(|e| format!("SessionData: {e}"))?;
    if data.sec_ver != SecSchemeVersion::SecScheme2 as i32 {
        return Err("security version mismatch".into());
    }
    match data.proto {
        Some(Proto::Sec2(p)) => Ok(p),
        _ => Err("no sec2 payload".into()),
    }
}

/// Runs the app's handshake on `prov-session` with the secret `a`; returns the session and
/// what the client observed.
pub async fn handshake(
    http: &mut AppHttp,
    group: &Group,
    app: App,
    credentials: (&str, &str),
    a: [u8; 32],
) -> Result<(AppSession, Observed), String> {
    let (username, password) = credentials;
    let mut hs = Handshake::new(group, app, username, password, a);
    let cmd0 = envelope(
        sec2_payload::Payload::Sc0(S2SessionCmd0 {
            client_username: username.as_bytes().to_vec(),
            client_pubkey: hs.public_a(),
        }),
        Sec2MsgType::S2SessionCommand0,
    );
    let answer = http
        .post("prov-session", &cmd0)
        .await
        .map_err(|e| format!("Cmd0 refused: {e}"))?;
    let Some(sec2_payload::Payload::Sr0(resp0)) = sec2_of(&answer)?.payload else {
        return Err("expected S2SessionResp0".into());
    };
    let proof = hs
        .proof(group, &resp0.device_salt, &resp0.device_pubkey)
        .ok_or("B is 0 mod N")?;
    let cmd1 = envelope(
        sec2_payload::Payload::Sc1(S2SessionCmd1 {
            client_proof: proof,
        }),
        Sec2MsgType::S2SessionCommand1,
    );
    let answer = http
        .post("prov-session", &cmd1)
        .await
        .map_err(|e| format!("Cmd1 refused: {e}"))?;
    let Some(sec2_payload::Payload::Sr1(resp1)) = sec2_of(&answer)?.payload else {
        return Err("expected S2SessionResp1".into());
    };
    if !hs.device_proof_ok(&resp1.device_proof) {
        return Err("device proof mismatch".into());
    }
    let nonce = resp1.device_nonce;
    if nonce.len() != 12 {
        return Err(format!("patch-1 nonce of {} bytes", nonce.len()));
    }
    let mut prefix = [0u8; 8];
    prefix.copy_from_slice(&nonce[..8]);
    let counter = match app {
        App::Android => u32::from_be_bytes([nonce[8], nonce[9], nonce[10], nonce[11]]),
        App::Ios => 1,
    };
    let session = AppSession {
        cipher: Aes256Gcm::new_from_slice(&hs.key).expect("32-byte key"),
        prefix,
        counter,
    };
    Ok((session, hs.observed))
}
