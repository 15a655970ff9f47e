//! The captive portal's HTTP side (`uniprov device --softap` with the page on): a phone that
//! joins the hotspot fetches its operating system's connectivity-check URL over plain HTTP;
//! the hotspot's DNS ([`crate::device::network::captive_dns`]) sent every name to the device,
//! so the check arrives here and is answered `302 Found` with `Location:
//! http://<device address>/`. A check that does not get its expected answer (Android and
//! ChromeOS: `204`; Apple: a page with "Success"; Windows: "Microsoft Connect Test") makes the
//! phone show its "sign in to network" page, which follows the redirect to the provisioning page.
//!
//! A `GET`/`HEAD` is redirected when its `Host` is not the device's own address (any other
//! name: the check hosts, or a page the person had open), or when its path is one of the known
//! check paths ([`CHECK_PATHS`]) whatever the host. Requests without a `Host` (HTTP/1.0) and for
//! the device's own address get the page. `POST` is never redirected (the ESP clients and the
//! page itself post to the device's address).
//!
//! The check URLs, as published (fetched 2026-12 through the `search` tool):
//!
//! * Android / ChromeOS: `http://connectivitycheck.gstatic.com/generate_204`,
//!   `http://clients3.google.com/generate_204` (older), also `/gen_204`
//!   (<https://android.stackexchange.com/questions/123129>, Raymond Chen's
//!   <https://devblogs.microsoft.com/oldnewthing/20221115-00/?p=107399> comments);
//! * iOS / macOS: `http://captive.apple.com/hotspot-detect.html`, and
//!   `/library/test/success.html` on older releases
//!   (<http://internetlifeguard.network/blog/captive-portal-detection>,
//!   <https://serverdevworker.com/85744e310>);
//! * Windows (NCSI): `http://www.msftconnecttest.com/connecttest.txt` (then the browser opens
//!   `http://www.msftconnecttest.com/redirect`), `http://www.msftncsi.com/ncsi.txt` on older
//!   releases (<https://www.markwilson.co.uk/blog/2017/05/windows-network-connection-status-icon-ncsi.htm>);
//! * Linux / NetworkManager: `http://nmcheck.gnome.org/check_network_status.txt` (Debian,
//!   GNOME), `http://connectivity-check.ubuntu.com/`
//!   (<https://ubuntu.com/core/docs/networkmanager/snap-configuration/connectivity-check>),
//!   `http://fedoraproject.org/static/hotspot.txt` (Fedora);
//! * Firefox: `http://detectportal.firefox.com/success.txt` and `/canonical.html`.
//!
//! Hosts are not listed: every name but the device's own address is redirected anyway, which
//! also catches the ones not listed here.

use std::net::IpAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, LOCATION};
use hyper::{Response, StatusCode};

use super::static_site::page_response;

/// Paths of the operating systems' connectivity checks (module docs), answered with the
/// redirect whatever the `Host`.
pub const CHECK_PATHS: &[&str] = &[
    "/generate_204",
    "/gen_204",
    "/hotspot-detect.html",
    "/library/test/success.html",
    "/connecttest.txt",
    "/redirect",
    "/ncsi.txt",
    "/check_network_status.txt",
    "/static/hotspot.txt",
    "/success.txt",
    "/canonical.html",
];

/// The captive portal: where the page is (the device's address on the hotspot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptivePortal {
    /// The page's `host[:port]` as it appears in the `Host` header (`192.168.4.1`).
    authority: String,
}

impl CaptivePortal {
    /// The portal of the page at `http://address:port/` (`:80` left out).
    pub fn new(address: IpAddr, port: u16) -> Self {
        let host = match address {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        let authority = if port == 80 {
            host
        } else {
            format!("{host}:{port}")
        };
        CaptivePortal { authority }
    }

    /// The page's URL, `http://192.168.4.1/`.
    pub fn page_url(&self) -> String {
        format!("http://{}/", self.authority)
    }

    /// Whether a `GET`/`HEAD` with this `Host` (`None`: none given) and path is redirected to
    /// the page (module docs).
    pub fn redirects(&self, host: Option<&str>, path: &str) -> bool {
        if CHECK_PATHS.contains(&path) {
            return true;
        }
        match host {
            None => false,
            Some(host) => !self.is_own(host),
        }
    }

    /// Whether `host` names the device: its authority, with or without the default port, in
    /// any case.
    fn is_own(&self, host: &str) -> bool {
        let host = host.trim().trim_end_matches('.');
        let own = self.authority.as_str();
        host.eq_ignore_ascii_case(own)
            || host
                .strip_suffix(":80")
                .is_some_and(|h| h.eq_ignore_ascii_case(own))
    }

    /// `302 Found` to the page, with a short HTML body that links to it (some portal
    /// assistants show the body instead of following).
    pub fn redirect(&self) -> Response<Full<Bytes>> {
        let url = self.page_url();
        let body = format!(
            "<!doctype html><title>Provisioning</title><a href=\"{url}\">Provision this device</a>\n"
        );
        let mut response = page_response(
            StatusCode::FOUND,
            "text/html; charset=utf-8",
            Bytes::from(body),
        );
        if let Ok(location) = HeaderValue::from_str(&url) {
            response.headers_mut().insert(LOCATION, location);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal() -> CaptivePortal {
        CaptivePortal::new(IpAddr::from([192, 168, 4, 1]), 80)
    }

    #[test]
    fn the_connectivity_checks_are_redirected_to_the_page() {
        let p = portal();
        for (host, path) in [
            ("connectivitycheck.gstatic.com", "/generate_204"),
            ("clients3.google.com", "/generate_204"),
            ("www.google.com", "/gen_204"),
            ("captive.apple.com", "/hotspot-detect.html"),
            ("www.apple.com", "/library/test/success.html"),
            ("www.msftconnecttest.com", "/connecttest.txt"),
            ("www.msftconnecttest.com", "/redirect"),
            ("www.msftncsi.com", "/ncsi.txt"),
            ("nmcheck.gnome.org", "/check_network_status.txt"),
            ("connectivity-check.ubuntu.com", "/"),
            ("fedoraproject.org", "/static/hotspot.txt"),
            ("detectportal.firefox.com", "/success.txt"),
            ("detectportal.firefox.com", "/canonical.html"),
            ("example.com", "/any/page"),
        ] {
            assert!(p.redirects(Some(host), path), "{host}{path}");
        }
        // A check path is redirected even on the device's own address.
        assert!(p.redirects(Some("192.168.4.1"), "/generate_204"));
        assert!(p.redirects(None, "/hotspot-detect.html"));
    }

    #[test]
    fn the_device_s_own_address_gets_the_page() {
        let p = portal();
        for host in ["192.168.4.1", "192.168.4.1:80", " 192.168.4.1 "] {
            assert!(!p.redirects(Some(host), "/"), "{host}");
            assert!(!p.redirects(Some(host), "/app.js"), "{host}");
        }
        assert!(!p.redirects(None, "/"));
        assert!(p.redirects(Some("192.168.4.10"), "/"));
        assert!(p.redirects(Some("192.168.4.1:8080"), "/"));
    }

    #[test]
    fn another_port_is_part_of_the_address() {
        let p = CaptivePortal::new(IpAddr::from([10, 0, 0, 1]), 8080);
        assert_eq!(p.page_url(), "http://10.0.0.1:8080/");
        assert!(!p.redirects(Some("10.0.0.1:8080"), "/"));
        assert!(p.redirects(Some("10.0.0.1"), "/"));
    }

    #[test]
    fn the_redirect_is_a_302_to_the_page_with_a_link() {
        let response = portal().redirect();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(
            response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some("http://192.168.4.1/")
        );
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
    }
}
