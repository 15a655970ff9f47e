//! Driving the device's console (child stdin/stdout) one line at a time: each line ends with
//! LF and contains no CR/LF, so the device prints exactly one prompt per line (§9.3).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{ChildStdin, ChildStdout};

const PROMPT: &[u8] = b"\n>> ";

/// The console of a device child process.
pub struct Console {
    stdin: ChildStdin,
    stdout: ChildStdout,
    buffer: Vec<u8>,
}

impl Console {
    /// Takes over the child's pipes and waits for the first prompt.
    pub async fn open(stdin: ChildStdin, stdout: ChildStdout) -> Console {
        let mut console = Console {
            stdin,
            stdout,
            buffer: Vec::new(),
        };
        console.until_prompt().await;
        console
    }

    /// Sends one line (the LF is added); the device's output before the next prompt, with
    /// CR/LF trimmed (empty: refused or nothing to say).
    pub async fn line(&mut self, line: &[u8]) -> Vec<u8> {
        assert!(!line.contains(&b'\n') && !line.contains(&b'\r'));
        self.stdin.write_all(line).await.expect("console write");
        self.stdin.write_all(b"\n").await.expect("console write");
        self.stdin.flush().await.expect("console flush");
        let output = self.until_prompt().await;
        output
            .into_iter()
            .filter(|b| *b != b'\r' && *b != b'\n')
            .collect()
    }

    /// A request: the decoded response, or `None` when the device printed nothing.
    pub async fn request(&mut self, endpoint: &str, session: u32, body: &[u8]) -> Option<Vec<u8>> {
        let line = format!("{endpoint} {session} {}", hex::encode(body));
        let output = self.line(line.as_bytes()).await;
        if output.is_empty() {
            return None;
        }
        Some(hex::decode(&output).expect("the console prints hex"))
    }

    async fn until_prompt(&mut self) -> Vec<u8> {
        let read = async {
            loop {
                if let Some(at) = self.buffer.windows(PROMPT.len()).position(|w| w == PROMPT) {
                    let output = self.buffer[..at].to_vec();
                    self.buffer.drain(..at + PROMPT.len());
                    return output;
                }
                let mut chunk = [0u8; 8192];
                let n = self.stdout.read(&mut chunk).await.expect("console read");
                assert!(n > 0, "the console ended");
                self.buffer.extend_from_slice(&chunk[..n]);
            }
        };
        tokio::time::timeout(Duration::from_secs(20), read)
            .await
            .expect("no prompt from the console")
    }
}
