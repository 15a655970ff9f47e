//! Randomness for the handshakes: the browser's `crypto.getRandomValues`.

use uniprov::core::Entropy;

/// `crypto.getRandomValues` takes at most 65 536 bytes per call (Web Crypto's quota).
const MAX_PER_CALL: usize = 65_536;

/// Random bytes from the page's Web Crypto (`window.crypto.getRandomValues`).
#[derive(Debug, Default, Clone, Copy)]
pub struct BrowserEntropy;

impl Entropy for BrowserEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        // A page without Web Crypto cannot run a handshake at all; the trait cannot fail, so
        // this is the one place that stops: better than weak keys.
        let crypto = web_sys::window()
            .and_then(|window| window.crypto().ok())
            .expect("this browser has no Web Crypto (crypto.getRandomValues)");
        for chunk in dest.chunks_mut(MAX_PER_CALL) {
            crypto
                .get_random_values_with_u8_array(chunk)
                .expect("crypto.getRandomValues failed");
        }
    }
}
