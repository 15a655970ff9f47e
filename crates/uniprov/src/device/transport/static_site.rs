//! A static web site served by the HTTP transport on `GET` / `HEAD` (the browser provisioning
//! page, issue #15): a fixed set of files held in memory, path → content type and bytes.
//!
//! What a response looks like:
//!
//! * `/` (and any path ending in `/`) is that folder's `index.html`; a path names a file exactly
//!   (no percent-decoding, no `..`: such a path simply is not in the set, so it is a 404);
//! * the `Content-Type` comes from the file name's extension ([`content_type_of`]), with
//!   `application/wasm` for `.wasm`, which `WebAssembly.instantiateStreaming` requires;
//! * every response (404 included) carries `Cache-Control: no-store` (a phone that provisions
//!   several devices must not run a cached page of another one), `X-Content-Type-Options:
//!   nosniff`, `Referrer-Policy: no-referrer` and the [`CONTENT_SECURITY_POLICY`]: scripts,
//!   styles, images and `fetch` from the page's own origin only, WebAssembly allowed
//!   (`'wasm-unsafe-eval'`), no inline script, no plugins, no framing;
//! * unknown paths are `404 Not Found`.
//!
//! The site is immutable once built and shared by all connections (`Arc`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    HeaderValue, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY as CSP, CONTENT_TYPE,
    REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use hyper::{Response, StatusCode};

/// The `Content-Security-Policy` of every response of the site: everything from the page's own
/// origin only (the device's address, or `uniprov web`'s), WebAssembly compilation allowed
/// (`'wasm-unsafe-eval'`, which `WebAssembly.instantiateStreaming` needs under a CSP), no
/// inline or `eval`'d script, no plugins, no `<base>`, no framing by another site.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' \
     'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Limits of [`StaticSite::from_dir`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteLimits {
    /// Files at most.
    pub max_files: usize,
    /// Bytes of all files together at most.
    pub max_total_bytes: u64,
}

impl Default for SiteLimits {
    /// 1024 files, 64 MiB: far above the provisioning page (≈ 1 MB), far below a device's RAM.
    fn default() -> Self {
        SiteLimits {
            max_files: 1024,
            max_total_bytes: 64 << 20,
        }
    }
}

/// Why a site could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// A file path that is not a plain relative path (`a/b.js`: no `..`, `.`, empty parts,
    /// backslashes or control characters).
    #[error("not a plain relative file path: {0:?}")]
    BadPath(String),
    /// A file or folder name that is not UTF-8.
    #[error("a file name that is not UTF-8 in {0}")]
    NotUtf8(PathBuf),
    /// A symbolic link that leads outside the folder.
    #[error("{0} leads outside the folder")]
    Escapes(PathBuf),
    /// More files or bytes than [`SiteLimits`] allows.
    #[error("the folder holds more than {max_files} files or {max_total_bytes} bytes")]
    TooLarge {
        /// The file limit.
        max_files: usize,
        /// The byte limit.
        max_total_bytes: u64,
    },
    /// The folder has no `index.html`, so `/` would be a 404.
    #[error("no index.html in {0}")]
    NoIndex(PathBuf),
    /// Reading failed.
    #[error("{path}: {source}")]
    Io {
        /// What was read.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// One file of a site.
#[derive(Clone)]
struct SiteFile {
    content_type: &'static str,
    body: Bytes,
}

/// A set of files served on `GET` / `HEAD` (see the module docs). Cheap to share in an `Arc`.
#[derive(Clone, Default)]
pub struct StaticSite {
    /// Keyed by the URL path, with its leading `/`.
    files: BTreeMap<String, SiteFile>,
}

impl std::fmt::Debug for StaticSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticSite")
            .field("files", &self.files.len())
            .field("bytes", &self.total_bytes())
            .finish()
    }
}

impl StaticSite {
    /// An empty site (every path a 404).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the file at `path`, a relative path such as `index.html` or
    /// `pkg/uniprov_web_bg.wasm`; its content type follows from its extension.
    pub fn insert(&mut self, path: &str, body: impl Into<Bytes>) -> Result<(), SiteError> {
        if !is_plain_relative(path) {
            return Err(SiteError::BadPath(path.to_owned()));
        }
        let file = SiteFile {
            content_type: content_type_of(path),
            body: body.into(),
        };
        self.files.insert(format!("/{path}"), file);
        Ok(())
    }

    /// [`insert`](Self::insert) for building a site in one expression.
    pub fn with(mut self, path: &str, body: impl Into<Bytes>) -> Result<Self, SiteError> {
        self.insert(path, body)?;
        Ok(self)
    }

    /// Every regular file under `dir` (recursively), read into memory now. Symbolic links are
    /// followed only when they stay inside `dir`; `index.html` must exist.
    pub fn from_dir(dir: &Path, limits: SiteLimits) -> Result<Self, SiteError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SiteError::Io { path, source }
        };
        let root = dir.canonicalize().map_err(io(dir))?;
        let mut site = StaticSite::new();
        let mut total: u64 = 0;
        let mut pending = vec![root.clone()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder).map_err(io(&folder))? {
                let entry = entry.map_err(io(&folder))?;
                let path = entry.path();
                let real = path.canonicalize().map_err(io(&path))?;
                if !real.starts_with(&root) {
                    return Err(SiteError::Escapes(path));
                }
                let meta = std::fs::metadata(&real).map_err(io(&path))?;
                if meta.is_dir() {
                    pending.push(path);
                    continue;
                }
                if !meta.is_file() {
                    continue;
                }
                total = total.saturating_add(meta.len());
                if site.files.len() >= limits.max_files || total > limits.max_total_bytes {
                    return Err(SiteError::TooLarge {
                        max_files: limits.max_files,
                        max_total_bytes: limits.max_total_bytes,
                    });
                }
                let relative = relative_url_path(&root, &path)?;
                let body = std::fs::read(&real).map_err(io(&path))?;
                site.insert(&relative, body)?;
            }
        }
        if !site.contains("index.html") {
            return Err(SiteError::NoIndex(dir.to_owned()));
        }
        Ok(site)
    }

    /// Whether the site has the file at the relative `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(&format!("/{path}"))
    }

    /// The relative paths of the files, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(|p| p.trim_start_matches('/'))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the site has no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Bytes of all files together.
    pub fn total_bytes(&self) -> usize {
        self.files.values().map(|f| f.body.len()).sum()
    }

    /// The response to a `GET` or `HEAD` of `path` (the request target's path, without the
    /// query): the file, or `404`. (hyper leaves the body out for `HEAD`; the headers are the
    /// same.)
    pub fn respond(&self, path: &str) -> Response<Full<Bytes>> {
        let key = if path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_owned()
        };
        match self.files.get(&key) {
            Some(file) => page_response(StatusCode::OK, file.content_type, file.body.clone()),
            None => not_found(),
        }
    }
}

/// A response with the site's headers: status, `Content-Type`, `Content-Length`, no caching,
/// no sniffing, the [`CONTENT_SECURITY_POLICY`].
pub(crate) fn page_response(
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let length = body.len();
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(CSP, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    response
}

fn not_found() -> Response<Full<Bytes>> {
    page_response(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        Bytes::from_static(b"Not found\n"),
    )
}

/// The content type of a file, by its extension (`application/octet-stream` for unknown ones).
pub fn content_type_of(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `a/b.js`: non-empty parts, none `.` or `..`, no backslash, no control character.
fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && !path.chars().any(|c| c == '\\' || c.is_control())
}

/// `path` under `root` as a URL path without the leading `/`.
fn relative_url_path(root: &Path, path: &Path) -> Result<String, SiteError> {
    let relative = path
        .strip_prefix(root)
        .map_err(|_| SiteError::Escapes(path.to_owned()))?;
    let mut parts = Vec::new();
    for part in relative.components() {
        let part = part
            .as_os_str()
            .to_str()
            .ok_or_else(|| SiteError::NotUtf8(path.to_owned()))?;
        parts.push(part);
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests;
