//! Embeds the browser provisioning page (issue #15) into the binary: the files of `web/dist/`
//! at the workspace root (`bash scripts/web.sh` builds it), or of the folder named by
//! `UNIPROV_WEB_DIST`. Without that folder nothing is embedded and `uniprov device` serves a
//! short page saying how to build it (`device_cmd/web_page.rs`).
//!
//! Writes `$OUT_DIR/web_dist.rs`: `static EMBEDDED: &[(&str, &[u8])]`, relative path and
//! `include_bytes!` of each file, sorted by path.

use std::path::{Path, PathBuf};

const ENV: &str = "UNIPROV_WEB_DIST";

fn main() {
    println!("cargo:rerun-if-env-changed={ENV}");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let workspace_web = manifest.join("../../web");
    let dist = match std::env::var_os(ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_web.join("dist"),
    };
    let mut files = Vec::new();
    if dist.is_dir() {
        // A directory here is scanned whole: any file added, changed or removed reruns this.
        println!("cargo:rerun-if-changed={}", dist.display());
        collect(&dist, &dist, &mut files);
        files.sort();
    } else if workspace_web.is_dir() {
        // Not built yet: `web/` changes when `dist` appears in it.
        println!("cargo:rerun-if-changed={}", workspace_web.display());
    }
    if !files.is_empty() && !files.iter().any(|(path, _)| path == "index.html") {
        println!(
            "cargo:warning={} has no index.html: the provisioning page is not embedded",
            dist.display()
        );
        files.clear();
    }
    let mut out = String::from("/// The embedded provisioning page: relative path, bytes.\n");
    out.push_str("pub(crate) static EMBEDDED: &[(&str, &[u8])] = &[\n");
    for (path, absolute) in &files {
        out.push_str(&format!(
            "    ({path:?}, include_bytes!({:?})),\n",
            absolute.display().to_string()
        ));
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out_dir.join("web_dist.rs"), out) {
        panic!("cannot write web_dist.rs: {e}");
    }
}

/// The regular files under `dir` as (path relative to `root` with `/`, absolute path). Names
/// that are not UTF-8 and hidden files (`.gitignore`, editor files) are left out.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.is_file() {
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            let parts: Option<Vec<&str>> = relative
                .components()
                .map(|c| c.as_os_str().to_str())
                .collect();
            let Some(parts) = parts else { continue };
            let absolute = path.canonicalize().unwrap_or(path.clone());
            files.push((parts.join("/"), absolute));
        }
    }
}
