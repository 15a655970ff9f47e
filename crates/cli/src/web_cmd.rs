//! `uniprov web`: the browser provisioning page (issue #15) served on this machine, for
//! provisioning over Web Bluetooth or Web Serial from a desktop browser. Browsers offer those
//! APIs only in a secure context, and `http://127.0.0.1` / `http://localhost` is one, so the
//! default address is loopback. The page is the one `uniprov device` serves
//! (`device_cmd/web_page.rs`: `--web-root`, else built in, else a placeholder); the server is
//! the library's `serve_site` (GET and HEAD only: no provisioning endpoint here).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use uniprov::device::transport::serve_site;

use crate::device_cmd::web_page;

/// Options of `uniprov web`.
#[derive(Debug, Clone, Args)]
pub struct WebArgs {
    /// Address to serve on. Web Bluetooth and Web Serial need a secure context: keep it on
    /// loopback (127.0.0.1 or [::1]) unless the page is put behind HTTPS.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve the page from this folder (needs index.html) instead of the one built into the
    /// binary.
    #[arg(long, value_name = "DIR")]
    pub web_root: Option<PathBuf>,
}

/// Serves the page until Ctrl-C.
pub async fn run(args: WebArgs) -> anyhow::Result<ExitCode> {
    let (site, source) = web_page::load(args.web_root.as_deref())?;
    web_page::announce(&site, &source);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr().context("the listening address")?;
    if !addr.ip().is_loopback() {
        tracing::warn!(
            "{addr} is not a loopback address: browsers offer Web Bluetooth and Web Serial only \
             to secure contexts (https://, or http://localhost / 127.0.0.1)"
        );
    }
    eprintln!("Provisioning page: {} (Ctrl-C stops)", page_url(addr));
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve_site(listener, Arc::new(site), stop).await;
    Ok(ExitCode::SUCCESS)
}

/// The URL to open: `localhost` for a loopback or unspecified address (a browser treats
/// `localhost` as a secure context everywhere), else the address itself.
fn page_url(addr: SocketAddr) -> String {
    let ip = addr.ip();
    if ip.is_loopback() || ip.is_unspecified() {
        format!("http://localhost:{}/", addr.port())
    } else {
        format!("http://{addr}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_localhost_for_loopback() {
        let url = |s: &str| page_url(s.parse().expect("addr"));
        assert_eq!(url("127.0.0.1:8080"), "http://localhost:8080/");
        assert_eq!(url("[::1]:80"), "http://localhost:80/");
        assert_eq!(url("0.0.0.0:9000"), "http://localhost:9000/");
        assert_eq!(url("192.168.1.5:8080"), "http://192.168.1.5:8080/");
    }
}
