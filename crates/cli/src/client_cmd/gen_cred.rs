//! `sec2-gen-cred`: a security 2 salt and verifier for a device (esp_prov's
//! `--sec_ver 2 --sec2_gen_cred`), as hex and as C arrays.

use clap::Args;
use serde_json::json;
use uniprov::core::security::generate_sec2_credentials;
use uniprov::entropy::OsEntropy;

/// Options of `sec2-gen-cred`.
#[derive(Debug, Clone, Args)]
pub struct GenCredArgs {
    /// Security 2 username (the ESP default, like `uniprov device`).
    #[arg(
        long = "sec2-username",
        alias = "sec2_username",
        alias = "username",
        value_name = "USER",
        default_value = "wifiprov"
    )]
    pub username: String,
    /// Security 2 password.
    #[arg(
        long = "sec2-pwd",
        alias = "sec2_pwd",
        alias = "password",
        value_name = "PASSWORD",
        env = "UNIPROV_SEC2_PWD",
        hide_env_values = true
    )]
    pub password: String,
    /// Salt length in bytes.
    #[arg(long = "salt-len", alias = "sec2_salt_len", alias = "sec2-salt-len", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub salt_len: u16,
}

/// `static const char name[] = { 0x.., ... };` with 8 bytes per line.
pub fn c_array(name: &str, bytes: &[u8]) -> String {
    let mut out = format!("static const char {name}[] = {{\n");
    for chunk in bytes.chunks(8) {
        let line: Vec<String> = chunk.iter().map(|b| format!("0x{b:02x}")).collect();
        out.push_str("    ");
        out.push_str(&line.join(", "));
        out.push_str(",\n");
    }
    out.push_str("};\n");
    out
}

/// Runs the command; returns the exit code.
pub fn run(args: &GenCredArgs, json_output: bool) -> u8 {
    let creds = generate_sec2_credentials(
        args.username.as_bytes(),
        args.password.as_bytes(),
        usize::from(args.salt_len),
        &mut OsEntropy,
    );
    let salt = hex::encode(&creds.salt);
    let verifier = hex::encode(creds.verifier.expose());
    if json_output {
        let doc = json!({
            "command": "sec2-gen-cred",
            "ok": true,
            "username": args.username,
            "salt": salt,
            "verifier": verifier,
        });
        println!("{doc}");
    } else {
        println!("==== Salt-verifier for security scheme 2 (SRP6a) ====");
        println!("username: {}", args.username);
        println!("salt (hex):     {salt}");
        println!("verifier (hex): {verifier}\n");
        print!("{}", c_array("sec2_salt", &creds.salt));
        println!();
        print!("{}", c_array("sec2_verifier", creds.verifier.expose()));
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_arrays_have_eight_bytes_per_line() {
        let text = c_array(
            "sec2_salt",
            &[0x03, 0x6e, 0xe0, 0xc7, 0xbc, 0xb9, 0xed, 0xa8, 0x4c],
        );
        assert_eq!(
            text,
            "static const char sec2_salt[] = {\n    0x03, 0x6e, 0xe0, 0xc7, 0xbc, 0xb9, 0xed, 0xa8,\n    0x4c,\n};\n"
        );
    }
}
