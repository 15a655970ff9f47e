//! The browser provisioning page (issue #15) as the HTTP transport serves it at `GET /`:
//! `--web-page on|off` (default: on with `--softap`, off otherwise) and `--web-root DIR`.
//!
//! Where the page comes from, first match:
//!
//! 1. `--web-root DIR`: the folder, read whole at start (`StaticSite::from_dir`: no symbolic
//!    link out of it, [`SiteLimits::default`], `index.html` required);
//! 2. the page embedded at build time (`build.rs`: `web/dist/`, made by `bash scripts/web.sh`,
//!    or `UNIPROV_WEB_DIST`);
//! 3. a one-file [placeholder](PLACEHOLDER) that says the page was not built into this binary
//!    and how to build it, so `/` is never a mysterious 404.
//!
//! `uniprov web` (`web_cmd.rs`) serves the same page.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use uniprov::device::transport::{SiteLimits, StaticSite};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_dist.rs"));
}

/// The page served when none was built into the binary and no `--web-root` was given. No
/// inline style or script: the site's Content-Security-Policy forbids them.
pub(crate) const PLACEHOLDER: &str = "<!doctype html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">
<title>uniprov: provisioning page not built</title></head>
<body>
<h1>The provisioning page is not built into this uniprov</h1>
<p>This device serves provisioning over HTTP, but its <code>uniprov</code> binary was built
without the browser page. Provision it with the ESP apps, <code>esp_prov</code> or
<code>uniprov provision</code> instead, or build the page:</p>
<pre>bash scripts/web.sh
cargo build --release -p uniprov-cli</pre>
<p>(<code>scripts/web.sh</code> writes <code>web/dist/</code>, which the build embeds; or serve
a built page with <code>uniprov device --web-root DIR</code>.)</p>
</body>
</html>
";

/// Options of the browser provisioning page.
#[derive(Debug, Clone, Default, Args)]
pub struct WebPageArgs {
    /// Serve the browser provisioning page at GET / on the HTTP transport [default: on with
    /// --softap, off otherwise]. POST requests are served the same either way.
    #[arg(long, value_enum, value_name = "on|off")]
    pub web_page: Option<OnOff>,
    /// Serve the page from this folder (read at start; needs index.html) instead of the one
    /// built into the binary.
    #[arg(long, value_name = "DIR")]
    pub web_root: Option<PathBuf>,
}

/// A switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// Where the served page comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageSource {
    /// `--web-root`.
    Folder(PathBuf),
    /// Built into the binary.
    Embedded,
    /// The placeholder: no page was built in.
    Placeholder,
}

impl WebPageArgs {
    /// Whether the page is served: `--web-page`, else on with `--softap` or `--web-root`.
    pub(super) fn enabled(&self, softap: bool) -> anyhow::Result<bool> {
        match (self.web_page, &self.web_root) {
            (Some(OnOff::Off), Some(_)) => {
                bail!("--web-root names a page to serve, but --web-page is off: drop one")
            }
            (Some(switch), _) => Ok(switch == OnOff::On),
            (None, root) => Ok(softap || root.is_some()),
        }
    }

    /// Whether the page was asked for explicitly (rather than by `--softap`'s default).
    pub(super) fn explicit(&self) -> bool {
        self.web_page == Some(OnOff::On) || self.web_root.is_some()
    }
}

/// The page to serve: `root`, else the embedded one, else the placeholder.
pub(crate) fn load(root: Option<&Path>) -> anyhow::Result<(StaticSite, PageSource)> {
    if let Some(root) = root {
        let site = StaticSite::from_dir(root, SiteLimits::default())
            .with_context(|| format!("--web-root {}", root.display()))?;
        return Ok((site, PageSource::Folder(root.to_owned())));
    }
    if let Some(site) = embedded_site()? {
        return Ok((site, PageSource::Embedded));
    }
    let site = StaticSite::new().with("index.html", PLACEHOLDER.as_bytes())?;
    Ok((site, PageSource::Placeholder))
}

/// The page built into the binary, when there is one.
pub(crate) fn embedded_site() -> anyhow::Result<Option<StaticSite>> {
    if embedded::EMBEDDED.is_empty() {
        return Ok(None);
    }
    let mut site = StaticSite::new();
    for (path, bytes) in embedded::EMBEDDED {
        site.insert(path, *bytes)
            .with_context(|| format!("the embedded page's file {path}"))?;
    }
    Ok(Some(site))
}

/// Logs what is served (a warning for the placeholder).
pub(crate) fn announce(site: &StaticSite, source: &PageSource) {
    let (files, bytes) = (site.len(), site.total_bytes());
    match source {
        PageSource::Folder(dir) => {
            tracing::info!(files, bytes, dir = %dir.display(), "provisioning page from --web-root");
        }
        PageSource::Embedded => tracing::info!(files, bytes, "provisioning page (built in)"),
        PageSource::Placeholder => tracing::warn!(
            "the provisioning page was not built into this uniprov: GET / serves a page that \
             says so (build it with `bash scripts/web.sh`, then rebuild uniprov; or give \
             --web-root DIR)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(web_page: Option<OnOff>, root: Option<&str>) -> WebPageArgs {
        WebPageArgs {
            web_page,
            web_root: root.map(PathBuf::from),
        }
    }

    #[test]
    fn the_page_is_on_by_default_with_softap_only() {
        assert!(args(None, None).enabled(true).expect("ok"));
        assert!(!args(None, None).enabled(false).expect("ok"));
        assert!(args(Some(OnOff::On), None).enabled(false).expect("ok"));
        assert!(!args(Some(OnOff::Off), None).enabled(true).expect("ok"));
        assert!(args(None, Some("/x")).enabled(false).expect("ok"));
        assert!(args(Some(OnOff::Off), Some("/x")).enabled(true).is_err());
    }

    #[test]
    fn a_web_root_is_served_as_it_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("index.html"), "<p>mine</p>").expect("write");
        let (site, source) = load(Some(dir.path())).expect("load");
        assert_eq!(source, PageSource::Folder(dir.path().to_owned()));
        assert_eq!(site.paths().collect::<Vec<_>>(), ["index.html"]);
    }

    #[test]
    fn a_web_root_without_index_html_is_an_error_naming_the_option() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = load(Some(dir.path())).expect_err("no index.html");
        assert!(format!("{e:#}").contains("--web-root"), "{e:#}");
    }

    #[test]
    fn without_a_root_the_embedded_page_or_the_placeholder_is_served() {
        let (site, source) = load(None).expect("load");
        assert!(site.contains("index.html"));
        match source {
            PageSource::Embedded => assert_eq!(site.len(), embedded::EMBEDDED.len()),
            PageSource::Placeholder => assert_eq!(site.len(), 1),
            PageSource::Folder(_) => panic!("no folder was given"),
        }
    }

    #[test]
    fn the_placeholder_says_how_to_build_the_page_and_has_no_inline_code() {
        assert!(PLACEHOLDER.contains("bash scripts/web.sh"));
        assert!(!PLACEHOLDER.contains("<script"));
        assert!(!PLACEHOLDER.contains("style"));
    }
}
