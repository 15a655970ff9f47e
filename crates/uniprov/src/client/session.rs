//! The link to one device: a transport, a per-request timeout, and after the handshake the
//! session cipher that protects every request endpoint.

use std::time::Duration;

use tracing::{debug, trace};
use uniprov_core::security::{
    ClientHandshake, ClientSecurity, ClientSession, ClientStep, HandshakeError,
};
use uniprov_core::Entropy;

use super::error::ClientError;
use super::transport::{ClientTransport, TransportError};

/// The security endpoint (§1).
pub const SESSION_ENDPOINT: &str = "prov-session";
/// The version endpoint (§8).
pub const VERSION_ENDPOINT: &str = "proto-ver";

/// A transport plus, once established, the session cipher.
pub struct Session {
    transport: Box<dyn ClientTransport>,
    cipher: Option<ClientSession>,
    request_timeout: Duration,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("established", &self.cipher.is_some())
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Wraps an open transport.
    pub fn new(transport: Box<dyn ClientTransport>, request_timeout: Duration) -> Self {
        Session {
            transport,
            cipher: None,
            request_timeout,
        }
    }

    /// Ends the transport's link (a BLE disconnect); see [`ClientTransport::close`].
    pub async fn close(&mut self) {
        self.transport.close().await;
    }

    /// Whether the handshake has completed.
    pub fn is_established(&self) -> bool {
        self.cipher.is_some()
    }

    /// Sends `body` to `endpoint` as it is (no encryption) and returns the raw response.
    pub async fn raw_request(
        &mut self,
        endpoint: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ClientError> {
        trace!(endpoint, len = body.len(), "request");
        let sent =
            super::clock::timeout(self.request_timeout, self.transport.request(endpoint, body));
        match sent.await {
            Ok(Ok(response)) => {
                trace!(endpoint, len = response.len(), "response");
                Ok(response)
            }
            Ok(Err(e)) => Err(ClientError::transport(endpoint, e)),
            Err(_) => Err(ClientError::Timeout {
                phase: "a response",
                after: self.request_timeout,
            }),
        }
    }

    /// Runs the handshake of `security` on `prov-session`.
    ///
    /// A device refuses a handshake message by closing the connection without a response
    /// (§3.3); that is reported as [`ClientError::HandshakeRejected`], the authentication class.
    pub async fn establish<E: Entropy + Send>(
        &mut self,
        security: ClientSecurity,
        entropy: &mut E,
    ) -> Result<(), ClientError> {
        let sec_ver = security.sec_ver();
        let mut handshake = ClientHandshake::new(security);
        let mut message = handshake.start(entropy);
        let mut step = "first";
        loop {
            let response = match self.raw_request(SESSION_ENDPOINT, &message).await {
                Err(ClientError::Transport {
                    source: TransportError::ClosedWithoutResponse,
                    ..
                }) => return Err(ClientError::HandshakeRejected { step, sec_ver }),
                other => other?,
            };
            match handshake
                .receive(&response, entropy)
                .map_err(handshake_error)?
            {
                ClientStep::Send(next) => {
                    message = next;
                    step = "second";
                }
                ClientStep::Established(session) => {
                    debug!(%sec_ver, "session established");
                    self.cipher = Some(session);
                    return Ok(());
                }
            }
        }
    }

    /// Sends `plaintext` to a request endpoint through the session cipher and returns the
    /// decrypted response. Fails when the handshake has not completed.
    pub async fn request(
        &mut self,
        endpoint: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, ClientError> {
        let crypto = |source| ClientError::Crypto {
            endpoint: endpoint.to_owned(),
            source,
        };
        let cipher = self.cipher.as_mut().ok_or_else(|| {
            ClientError::Usage("no security session: establish the session first".into())
        })?;
        let ciphertext = cipher.encrypt(plaintext).map_err(crypto)?;
        let response = self.raw_request(endpoint, &ciphertext).await?;
        let cipher = self.cipher.as_mut().ok_or_else(|| {
            ClientError::Usage("no security session: establish the session first".into())
        })?;
        cipher.decrypt(&response).map_err(crypto)
    }
}

fn handshake_error(error: HandshakeError) -> ClientError {
    ClientError::Handshake(error)
}
