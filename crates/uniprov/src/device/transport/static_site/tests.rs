use http_body_util::BodyExt;

use super::*;

fn body_of(response: Response<Full<Bytes>>) -> Vec<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let collected = runtime.block_on(response.into_body().collect());
    match collected {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(never) => match never {},
    }
}

fn header<'a>(response: &'a Response<Full<Bytes>>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn site() -> StaticSite {
    StaticSite::new()
        .with("index.html", &b"<!doctype html>page"[..])
        .and_then(|s| s.with("pkg/uniprov_web_bg.wasm", &b"\0asm"[..]))
        .and_then(|s| s.with("app.js", &b"js"[..]))
        .expect("site")
}

#[test]
fn the_root_is_index_html_with_the_page_headers() {
    let response = site().respond("/");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(header(&response, "content-length"), "19");
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    let csp = header(&response, "content-security-policy");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(body_of(response), b"<!doctype html>page");
}

#[test]
fn wasm_is_served_as_application_wasm() {
    let response = site().respond("/pkg/uniprov_web_bg.wasm");
    assert_eq!(header(&response, "content-type"), "application/wasm");
    assert_eq!(body_of(response), b"\0asm");
}

#[test]
fn content_types_follow_the_extension() {
    for (name, expected) in [
        ("a.html", "text/html; charset=utf-8"),
        ("a.js", "text/javascript; charset=utf-8"),
        ("a.mjs", "text/javascript; charset=utf-8"),
        ("A.CSS", "text/css; charset=utf-8"),
        ("x/a.wasm", "application/wasm"),
        ("a.png", "image/png"),
        ("a.svg", "image/svg+xml"),
        ("a.json", "application/json"),
        ("README", "application/octet-stream"),
        ("a.exe", "application/octet-stream"),
    ] {
        assert_eq!(content_type_of(name), expected, "{name}");
    }
}

#[test]
fn unknown_paths_and_escapes_are_404_with_the_same_headers() {
    let site = site();
    for path in [
        "/nope",
        "/index.html/",
        "/../index.html",
        "/pkg/../index.html",
        "//index.html",
        "/APP.JS",
        "/pkg/",
        "",
    ] {
        let response = site.respond(path);
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert_eq!(
            header(&response, "content-type"),
            "text/plain; charset=utf-8"
        );
    }
    assert_eq!(site.respond("/app.js").status(), StatusCode::OK);
    assert_eq!(site.respond("/index.html").status(), StatusCode::OK);
}

#[test]
fn only_plain_relative_paths_are_accepted() {
    let mut site = StaticSite::new();
    for bad in [
        "", "/a", "a/", "a//b", "../a", "a/../b", "./a", "a\\b", "a\nb", ".",
    ] {
        assert!(site.insert(bad, Bytes::new()).is_err(), "{bad:?}");
    }
    for good in ["a", "a/b.js", ".well-known/x", "a..b"] {
        site.insert(good, Bytes::new()).expect(good);
    }
    assert_eq!(site.len(), 4);
}

#[test]
fn a_folder_is_read_whole_with_its_subfolders() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), "<p>hi</p>").expect("write");
    std::fs::create_dir(dir.path().join("pkg")).expect("mkdir");
    std::fs::write(dir.path().join("pkg/x_bg.wasm"), b"\0asm\x01").expect("write");
    let site = StaticSite::from_dir(dir.path(), SiteLimits::default()).expect("site");
    assert_eq!(
        site.paths().collect::<Vec<_>>(),
        ["index.html", "pkg/x_bg.wasm"]
    );
    assert_eq!(site.total_bytes(), 14);
    assert_eq!(body_of(site.respond("/")), b"<p>hi</p>");
}

#[test]
fn a_folder_without_index_html_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.js"), "x").expect("write");
    let e = StaticSite::from_dir(dir.path(), SiteLimits::default()).expect_err("no index");
    assert!(matches!(e, SiteError::NoIndex(_)), "{e}");
}

#[test]
fn the_limits_hold() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), vec![b'x'; 100]).expect("write");
    std::fs::write(dir.path().join("a.js"), vec![b'x'; 100]).expect("write");
    let few_files = SiteLimits {
        max_files: 1,
        max_total_bytes: 1000,
    };
    let few_bytes = SiteLimits {
        max_files: 10,
        max_total_bytes: 150,
    };
    for limits in [few_files, few_bytes] {
        let e = StaticSite::from_dir(dir.path(), limits).expect_err("too large");
        assert!(matches!(e, SiteError::TooLarge { .. }), "{e}");
    }
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_folder_are_refused() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("secret.txt"), "no").expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.html"), "x").expect("write");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("s.txt"))
        .expect("symlink");
    let e = StaticSite::from_dir(dir.path(), SiteLimits::default()).expect_err("escape");
    assert!(matches!(e, SiteError::Escapes(_)), "{e}");
    // A link that stays inside is followed.
    std::fs::remove_file(dir.path().join("s.txt")).expect("rm");
    std::os::unix::fs::symlink(dir.path().join("index.html"), dir.path().join("alias.html"))
        .expect("symlink");
    let site = StaticSite::from_dir(dir.path(), SiteLimits::default()).expect("inside");
    assert!(site.contains("alias.html"));
}

#[test]
fn debug_shows_sizes_not_contents() {
    let shown = format!("{:?}", site());
    assert!(shown.contains("files: 3"), "{shown}");
    assert!(!shown.contains("doctype"), "{shown}");
}
