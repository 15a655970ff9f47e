//! The `proto-ver` endpoint's JSON (docs/protocol.md §8, §15.4).
//!
//! The device answers any non-empty request on `proto-ver` with a JSON text it builds once at
//! start: the application labels of `set_app_info` first, in call order, then `"prov"` with
//! the manager version, the security scheme, the security patch version and the capability
//! list. [`VersionInfo::to_text`] prints it exactly as cJSON's formatted printer does, so a
//! uniprov device answers byte for byte like ESP firmware. [`VersionInfo::parse`] is the
//! client side: it accepts any JSON layout (compact or formatted), tolerates absent keys, and
//! reports the plain version strings of very old firmware as [`ProtoVerError::PlainText`].

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::security::{Sec2Patch, SecVer, UnknownSec2Patch};

/// Capability: security 0 (plaintext) is in use.
pub const CAP_NO_SEC: &str = "no_sec";
/// Capability: security 1 without a proof of possession.
pub const CAP_NO_POP: &str = "no_pop";
/// Capability: the `prov-scan` endpoint scans Wi-Fi.
pub const CAP_WIFI_SCAN: &str = "wifi_scan";
/// Capability (network_provisioning): Wi-Fi credentials are accepted.
pub const CAP_WIFI_PROV: &str = "wifi_prov";
/// Capability (network_provisioning): a Thread dataset is accepted.
pub const CAP_THREAD_PROV: &str = "thread_prov";
/// Capability (network_provisioning): the `prov-scan` endpoint scans Thread.
pub const CAP_THREAD_SCAN: &str = "thread_scan";

/// `prov.ver` of ESP-IDF wifi_provisioning.
pub const WIFI_PROV_VERSION: &str = "v1.1";
/// `prov.ver` of network_provisioning.
pub const NETWORK_PROV_VERSION: &str = "netprov-v1.2";

/// One `prov.cap` entry, parsed (an entry this build does not know is kept as
/// [`Capability::Unknown`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Capability {
    /// [`CAP_NO_SEC`].
    NoSec,
    /// [`CAP_NO_POP`].
    NoPop,
    /// [`CAP_WIFI_SCAN`].
    WifiScan,
    /// [`CAP_WIFI_PROV`].
    WifiProv,
    /// [`CAP_THREAD_PROV`].
    ThreadProv,
    /// [`CAP_THREAD_SCAN`].
    ThreadScan,
    /// Any other entry, verbatim.
    Unknown(String),
}

impl Capability {
    /// Parses one entry (exact match, as esp_prov compares).
    pub fn parse(text: &str) -> Self {
        match text {
            CAP_NO_SEC => Capability::NoSec,
            CAP_NO_POP => Capability::NoPop,
            CAP_WIFI_SCAN => Capability::WifiScan,
            CAP_WIFI_PROV => Capability::WifiProv,
            CAP_THREAD_PROV => Capability::ThreadProv,
            CAP_THREAD_SCAN => Capability::ThreadScan,
            other => Capability::Unknown(other.to_string()),
        }
    }

    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Capability::NoSec => CAP_NO_SEC,
            Capability::NoPop => CAP_NO_POP,
            Capability::WifiScan => CAP_WIFI_SCAN,
            Capability::WifiProv => CAP_WIFI_PROV,
            Capability::ThreadProv => CAP_THREAD_PROV,
            Capability::ThreadScan => CAP_THREAD_SCAN,
            Capability::Unknown(text) => text,
        }
    }
}

/// `prov.cap`, parsed, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities(Vec<Capability>);

impl Capabilities {
    /// Parses the entries of `prov.cap`.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Self {
        Capabilities(
            entries
                .iter()
                .map(|e| Capability::parse(e.as_ref()))
                .collect(),
        )
    }

    /// Whether `capability` is listed.
    pub fn contains(&self, capability: &Capability) -> bool {
        self.0.contains(capability)
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = &Capability> + '_ {
        self.0.iter()
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Capabilities {
    fn eq(&self, other: &[&str; N]) -> bool {
        *self == other[..]
    }
}

impl PartialEq<[&str]> for Capabilities {
    fn eq(&self, other: &[&str]) -> bool {
        self.0.len() == other.len() && self.0.iter().zip(other).all(|(c, o)| c.as_str() == *o)
    }
}

impl PartialEq<&[&str]> for Capabilities {
    fn eq(&self, other: &&[&str]) -> bool {
        *self == **other
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        Capabilities(iter.into_iter().collect())
    }
}

/// One `set_app_info` entry: a top-level key of its own before `"prov"`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppInfo {
    /// The top-level key (must not be `"prov"`: cJSON would print a duplicate key).
    pub label: String,
    /// The application's version string.
    pub ver: String,
    /// The application's capabilities, in order (may be empty).
    pub cap: Vec<String>,
}

/// The content of a proto-ver response (§8).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionInfo {
    /// Application entries, in `set_app_info` call order.
    pub apps: Vec<AppInfo>,
    /// `prov.ver`: [`WIFI_PROV_VERSION`] or [`NETWORK_PROV_VERSION`]; empty when absent.
    pub prov_ver: String,
    /// `prov.sec_ver`: the security scheme in use; absent on ESP-IDF v4.x.
    pub sec_ver: Option<SecVer>,
    /// `prov.sec_patch_ver`: present only on firmware with the patch-version feature.
    pub sec_patch_ver: Option<u32>,
    /// `prov.cap`, in order: `no_sec` | `no_pop` first, then the scan/prov capabilities.
    pub caps: Capabilities,
}

/// Why a proto-ver response is not a version object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtoVerError {
    /// The response is not UTF-8 text.
    NotUtf8,
    /// The response is text but not a JSON object: old firmware answering with a bare version
    /// string, which therefore announces no capabilities (esp_prov then needs `--sec_ver`).
    PlainText(String),
    /// A `prov` member has the wrong JSON type (named here), so the capabilities that select
    /// the security scheme cannot be trusted.
    BadField(&'static str),
}

impl fmt::Display for ProtoVerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoVerError::NotUtf8 => f.write_str("proto-ver response is not UTF-8"),
            ProtoVerError::PlainText(t) => write!(f, "proto-ver response is a plain string: {t:?}"),
            ProtoVerError::BadField(k) => write!(f, "proto-ver field {k} has the wrong type"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ProtoVerError {}

impl VersionInfo {
    /// The exact proto-ver text, as cJSON's formatted printer writes it (§8, §15.4): one
    /// member per line, TAB indentation, `key:<TAB>value`, arrays on one line with `", "`
    /// between items, no trailing newline.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\n");
        for app in &self.apps {
            open_object(&mut out, &app.label);
            member(&mut out, "ver", &Json::Str(&app.ver), true);
            let caps: Vec<&str> = app.cap.iter().map(String::as_str).collect();
            member(&mut out, "cap", &Json::Array(&caps), false);
            out.push_str("\t},\n");
        }
        open_object(&mut out, "prov");
        member(&mut out, "ver", &Json::Str(&self.prov_ver), true);
        if let Some(v) = self.sec_ver {
            member(&mut out, "sec_ver", &Json::Int(v.into()), true);
        }
        if let Some(v) = self.sec_patch_ver {
            member(&mut out, "sec_patch_ver", &Json::Int(v), true);
        }
        let caps: Vec<&str> = self.caps.iter().map(Capability::as_str).collect();
        member(&mut out, "cap", &Json::Array(&caps), false);
        out.push_str("\t}\n}");
        out
    }

    /// Parses a proto-ver response (client side). Any JSON layout is accepted; absent keys
    /// read as empty / `None`; top-level members other than `"prov"` that are objects become
    /// [`AppInfo`]s in order. Trailing NUL bytes are ignored.
    pub fn parse(bytes: &[u8]) -> Result<VersionInfo, ProtoVerError> {
        let end = bytes
            .iter()
            .rposition(|b| *b != 0)
            .map_or(0, |i| i.saturating_add(1));
        let text = core::str::from_utf8(bytes.get(..end).unwrap_or_default())
            .map_err(|_| ProtoVerError::NotUtf8)?;
        let Ok(OrderedObject(members)) = serde_json::from_str::<OrderedObject>(text) else {
            return Err(ProtoVerError::PlainText(text.to_string()));
        };
        let mut info = VersionInfo::default();
        for (key, value) in members {
            if key == "prov" {
                // A repeated "prov" key: the last one wins, as in Python's json (esp_prov).
                info.read_prov(&value)?;
            } else if let Value::Object(obj) = value {
                info.apps.push(AppInfo {
                    label: key,
                    ver: text_field(obj.get("ver")).unwrap_or_default(),
                    cap: string_list(obj.get("cap")).unwrap_or_default(),
                });
            }
        }
        Ok(info)
    }

    fn read_prov(&mut self, prov: &Value) -> Result<(), ProtoVerError> {
        let Value::Object(prov) = prov else {
            return Err(ProtoVerError::BadField("prov"));
        };
        self.prov_ver = match prov.get("ver") {
            None => String::new(),
            some => text_field(some).ok_or(ProtoVerError::BadField("ver"))?,
        };
        self.sec_ver = number_field(prov.get("sec_ver"))
            .map_err(|()| ProtoVerError::BadField("sec_ver"))?
            .map(SecVer::from);
        self.sec_patch_ver = number_field(prov.get("sec_patch_ver"))
            .map_err(|()| ProtoVerError::BadField("sec_patch_ver"))?;
        self.caps = match prov.get("cap") {
            None => Capabilities::default(),
            some => Capabilities::parse(&string_list(some).ok_or(ProtoVerError::BadField("cap"))?),
        };
        Ok(())
    }

    /// Whether `prov.cap` lists `capability` (exact match, as esp_prov compares).
    pub fn has_capability(&self, capability: &str) -> bool {
        self.caps.iter().any(|c| c.as_str() == capability)
    }

    /// `prov.sec_ver` as reported; `None` on firmware that predates it (ESP-IDF v4.x).
    pub fn sec_ver(&self) -> Option<SecVer> {
        self.sec_ver
    }

    /// The security 2 data-phase variant [`VersionInfo::sec_patch_ver`] names.
    pub fn sec2_patch(&self) -> Result<Sec2Patch, UnknownSec2Patch> {
        Sec2Patch::try_from(self.sec_patch_ver())
    }

    /// The security patch version a client must use: `prov.sec_patch_ver`, or 0 when absent
    /// (firmware before the feature uses the constant 16-byte GCM nonce, §6.4).
    pub fn sec_patch_ver(&self) -> u32 {
        self.sec_patch_ver.unwrap_or(0)
    }

    /// The security scheme a client should use: `sec_ver` when reported, else 0 with the
    /// `no_sec` capability and 1 without it (firmware without `sec_ver` predates security 2;
    /// this is what esp_prov and iOS conclude, §12, §13).
    pub fn security_scheme(&self) -> SecVer {
        match self.sec_ver() {
            Some(v) => v,
            None if self.has_capability(CAP_NO_SEC) => SecVer::Sec0,
            None => SecVer::Sec1,
        }
    }

    /// Whether `prov.ver` equals `expected`, ignoring ASCII case (esp_prov's `--proto_ver`).
    pub fn version_matches(&self, expected: &str) -> bool {
        self.prov_ver.eq_ignore_ascii_case(expected)
    }
}

/// esp_prov's `version_match`: the raw response equals `expected` (a plain version string of
/// old firmware), or it is a version object whose `prov.ver` does; ASCII case ignored.
pub fn version_matches(response: &[u8], expected: &str) -> bool {
    if response.eq_ignore_ascii_case(expected.as_bytes()) {
        return true;
    }
    VersionInfo::parse(response).is_ok_and(|info| info.version_matches(expected))
}

fn text_field(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    let Some(Value::Array(items)) = value else {
        return None;
    };
    items
        .iter()
        .map(|item| item.as_str().map(ToString::to_string))
        .collect()
}

fn number_field(value: Option<&Value>) -> Result<Option<u32>, ()> {
    match value {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or(()),
    }
}

/// A JSON object whose members keep their order (serde_json's `Map` sorts them without the
/// std-only `preserve_order` feature, and the app labels' order matters).
struct OrderedObject(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for OrderedObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersInOrder;
        impl<'de> Visitor<'de> for MembersInOrder {
            type Value = OrderedObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedObject, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Value>()? {
                    members.push(member);
                }
                Ok(OrderedObject(members))
            }
        }
        deserializer.deserialize_map(MembersInOrder)
    }
}

/// A value of the proto-ver JSON.
enum Json<'a> {
    Str(&'a str),
    Int(u32),
    Array(&'a [&'a str]),
}

/// Starts a nested object member at depth 1: `<TAB>"key":<TAB>{<LF>`.
fn open_object(out: &mut String, key: &str) {
    out.push('\t');
    push_json_string(out, key);
    out.push_str(":\t{\n");
}

/// A member at depth 2: `<TAB><TAB>"key":<TAB>value[,]<LF>`.
fn member(out: &mut String, key: &str, value: &Json<'_>, more: bool) {
    out.push_str("\t\t");
    push_json_string(out, key);
    out.push_str(":\t");
    match value {
        Json::Str(s) => push_json_string(out, s),
        Json::Int(n) => out.push_str(&n.to_string()),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_json_string(out, item);
            }
            out.push(']');
        }
    }
    if more {
        out.push(',');
    }
    out.push('\n');
}

/// Appends `s` as a JSON string literal escaped the way cJSON does: `"` and `\` with a
/// backslash, `\b \f \n \r \t` by name, other control characters as `\u00xx` (lower-case
/// hex), everything else (including non-ASCII UTF-8) verbatim.
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                // Writing into a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s8_strings_are_escaped_like_cjson() {
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\n\t\u{1}\u{1f}é/");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001fé/\"");
        let info = VersionInfo {
            prov_ver: "v\"1".into(),
            caps: Capabilities::parse(&["x\ny"]),
            ..VersionInfo::default()
        };
        let back = VersionInfo::parse(info.to_text().as_bytes());
        assert_eq!(back, Ok(info));
    }

    #[test]
    fn s8_plain_and_odd_responses_are_told_apart() {
        assert_eq!(
            VersionInfo::parse(b"V0.1"),
            Err(ProtoVerError::PlainText("V0.1".into()))
        );
        assert_eq!(
            VersionInfo::parse(b"\"v1.1\""),
            Err(ProtoVerError::PlainText("\"v1.1\"".into()))
        );
        assert_eq!(
            VersionInfo::parse(&[0xff, 0xfe]),
            Err(ProtoVerError::NotUtf8)
        );
        assert_eq!(
            VersionInfo::parse(br#"{"prov":{"ver":"v1.1","sec_ver":"2"}}"#),
            Err(ProtoVerError::BadField("sec_ver"))
        );
        assert_eq!(
            VersionInfo::parse(br#"{"prov":{"cap":["a",1]}}"#),
            Err(ProtoVerError::BadField("cap"))
        );
        assert_eq!(VersionInfo::parse(b"{}"), Ok(VersionInfo::default()));
        assert!(version_matches(b"V0.1", "v0.1"));
        assert!(!version_matches(b"V0.1", "v1.1"));
        assert!(version_matches(br#"{"prov":{"ver":"V1.1"}}"#, "v1.1"));
    }

    #[test]
    fn s8_compact_json_with_trailing_nul_parses() {
        let info = VersionInfo::parse(
            b"{\"prov\":{\"ver\":\"v1.1\",\"sec_ver\":1,\"cap\":[\"no_pop\",\"wifi_scan\"]}}\0",
        )
        .unwrap_or_default();
        assert_eq!(info.sec_ver(), Some(SecVer::Sec1));
        assert_eq!(info.sec_patch_ver(), 0);
        assert!(info.has_capability(CAP_NO_POP));
        assert!(!info.has_capability("No_pop"));
        assert_eq!(info.security_scheme(), SecVer::Sec1);
        assert_eq!(info.sec2_patch(), Ok(Sec2Patch::V0));
        assert!(info.caps.contains(&Capability::NoPop));
        assert_eq!(Capability::parse("x").as_str(), "x");
    }
}
