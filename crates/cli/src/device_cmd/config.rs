//! `uniprov device --config FILE`: every command-line option from a TOML file.
//!
//! Keys are the long option names, with `-` or `_` (`sec-ver = 2`, `sec2_username = "x"`).
//! Values: a string or number is the option's value, `true` sets a flag (`false` leaves it
//! unset, or sets its `no-` counterpart where one exists: `reset-on-failure = false` is
//! `--no-reset-on-failure`), an array repeats a repeatable option (`transport = ["ble", "http"]`).
//! Precedence: the command line, then the environment (`UNIPROV_POP`, ...), then the file, then
//! the defaults. An option given on the command line replaces the file's whole value, also for
//! repeatable options. Unknown keys are errors, so a typo never goes unnoticed.

use std::ffi::OsString;
use std::path::Path;

use anyhow::bail;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Command, CommandFactory, FromArgMatches};

use super::DeviceArgs;

/// `args` with the options of `--config` merged in (unchanged without `--config`).
pub(super) fn apply(args: DeviceArgs) -> anyhow::Result<DeviceArgs> {
    let Some(path) = args.config.clone() else {
        return Ok(args);
    };
    let file = load(&path)?;
    // The parsed options do not say which values the user typed: parse the command line again
    // for the value sources.
    let all = crate::Cli::command().try_get_matches_from(std::env::args_os())?;
    let Some(cli) = all.subcommand_matches("device") else {
        return Ok(args);
    };
    let cmd = device_command();
    let argv = merge(&cmd, cli, &file).map_err(|e| in_file(&path, &e.to_string()))?;
    parse(&cmd, argv).map_err(|e| in_file(&path, &e.to_string()))
}

/// An error of the options in `path`, one line (clap's own `error: ` prefix and usage dropped).
fn in_file(path: &Path, message: &str) -> anyhow::Error {
    let first = message.lines().next().unwrap_or_default();
    let first = first.trim_start_matches("error: ");
    let first = first.replace("the argument ", "the option ");
    super::startup::Explained::error(
        format!("in --config {}: {first}", path.display()),
        "keys are the long options of `uniprov device --help` (with - or _); the command line wins over the file",
    )
}

/// The options of `uniprov device` as a stand-alone command.
fn device_command() -> Command {
    DeviceArgs::augment_args(Command::new("device").no_binary_name(true))
}

fn load(path: &Path) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        super::startup::Explained::error(
            format!(
                "cannot read --config {}: {}",
                path.display(),
                super::startup::os_text(&e)
            ),
            "give the path of a TOML file of device options (sample: packaging/device.toml)",
        )
    })?;
    toml::from_str::<toml::Table>(&text).map_err(|e| {
        super::startup::toml_error(
            path,
            &text,
            &e,
            "fix the file (sample: packaging/device.toml)",
        )
    })
}

fn parse(cmd: &Command, argv: Vec<OsString>) -> anyhow::Result<DeviceArgs> {
    let matches = cmd.clone().try_get_matches_from(argv)?;
    Ok(DeviceArgs::from_arg_matches(&matches)?)
}

/// The argument list of the merged options: the file's options that neither the command line
/// nor the environment set, then the command line's own options (from `cli`, the matches of
/// the device options on the command line).
fn merge(cmd: &Command, cli: &ArgMatches, file: &toml::Table) -> anyhow::Result<Vec<OsString>> {
    let mut argv = Vec::new();
    for (key, value) in file {
        let long = key.replace('_', "-");
        let Some(arg) = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()))
        else {
            bail!("unknown option {key:?}");
        };
        if long == "config" {
            bail!("\"config\" cannot name another file");
        }
        let id = arg.get_id().as_str();
        if matches!(
            cli.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let flag = !arg.get_action().takes_values();
        let items: Vec<&toml::Value> = match value {
            toml::Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        for item in items {
            let text = match (item, flag) {
                (toml::Value::Boolean(true), true) => None,
                (toml::Value::Boolean(false), true) => {
                    // `reset-on-failure = false` means `--no-reset-on-failure` where one exists.
                    let negated = format!("no-{long}");
                    if cmd
                        .get_arguments()
                        .any(|a| a.get_long() == Some(negated.as_str()))
                    {
                        argv.push(OsString::from(format!("--{negated}")));
                    }
                    continue;
                }
                (_, true) => bail!("{key:?} is a flag: write true or false"),
                (toml::Value::String(s), false) => Some(s.clone()),
                (toml::Value::Integer(n), false) => Some(n.to_string()),
                (toml::Value::Float(n), false) => Some(n.to_string()),
                (_, false) => bail!("{key:?}: expected a string, a number or an array of them"),
            };
            argv.push(OsString::from(format!("--{long}")));
            argv.extend(text.map(OsString::from));
        }
    }
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if cli.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let Some(long) = arg.get_long() else { continue };
        if !arg.get_action().takes_values() {
            argv.push(OsString::from(format!("--{long}")));
            continue;
        }
        let Ok(Some(occurrences)) = cli.try_get_raw_occurrences(id) else {
            continue;
        };
        for values in occurrences {
            argv.push(OsString::from(format!("--{long}")));
            argv.extend(values.map(OsString::from));
        }
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device_cmd::{ModeArg, TransportArg};
    use uniprov::core::security::SecVer;

    fn merged(cli: &[&str], file: &str) -> anyhow::Result<DeviceArgs> {
        let cmd = device_command();
        let matches = cmd.clone().try_get_matches_from(cli)?;
        let table: toml::Table = file.parse()?;
        parse(&cmd, merge(&cmd, &matches, &table)?)
    }

    #[test]
    fn file_values_apply_and_the_command_line_wins() {
        let args = merged(
            &["--sec-ver", "1", "--transport", "console"],
            r#"
                sec-ver = 2
                sec2_username = "alice"
                listen = "127.0.0.1:8080"
                transport = ["http", "console"]
                mode = "session-only"
                no_auto_stop = true
                reset = false
                max-sessions = 4
            "#,
        )
        .expect("merge");
        assert_eq!(args.sec_ver, SecVer::Sec1);
        assert_eq!(args.transports, [TransportArg::Console]);
        assert_eq!(args.sec2_username.as_deref(), Some("alice"));
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(args.mode, ModeArg::SessionOnly);
        assert!(args.no_auto_stop && !args.reset);
        assert_eq!(args.max_sessions, 4);
    }

    #[test]
    fn reset_on_failure_can_be_turned_off_either_way_and_the_command_line_wins() {
        let off = |cli: &[&str], file: &str| merged(cli, file).expect("merge").no_reset_on_failure;
        assert!(!off(&[], ""));
        assert!(off(&[], "reset-on-failure = false"));
        assert!(off(&[], "no_reset_on_failure = true"));
        assert!(!off(&[], "reset-on-failure = true"));
        assert!(!off(&["--reset-on-failure"], "reset-on-failure = false"));
        assert!(!off(&["--reset-on-failure"], "no-reset-on-failure = true"));
        assert!(off(&["--no-reset-on-failure"], "reset-on-failure = true"));
    }

    #[test]
    fn a_command_line_flag_stays_set() {
        let args = merged(&["--no-auto-stop"], "no-auto-stop = false").expect("merge");
        assert!(args.no_auto_stop);
        let args = merged(&[], "app-info = [\"a:1\", \"b:2:x,y\"]").expect("merge");
        assert_eq!(args.app_info.len(), 2);
    }

    #[test]
    fn softap_options_come_from_the_file() {
        let args = merged(
            &[],
            r#"
                softap = true
                service-key = "softap-key-1"
                softap_interface = "uap0"
                softap-channel = 6
            "#,
        )
        .expect("merge");
        assert!(args.softap.softap);
        assert_eq!(
            args.softap.service_key.map(|k| k.0).as_deref(),
            Some("softap-key-1")
        );
        assert_eq!(args.softap.softap_interface.as_deref(), Some("uap0"));
        assert_eq!(args.softap.softap_channel, Some(6));
        assert!(
            merged(&[], "service-key = \"softap-key-1\"").is_err(),
            "needs softap"
        );
    }

    #[test]
    fn bad_files_are_refused() {
        for bad in [
            "no-such-option = 1",
            "config = \"other.toml\"",
            "reset = \"yes\"",
            "sec-ver = 7",
            "listen = { a = 1 }",
        ] {
            assert!(merged(&[], bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_sample_file_parses() {
        let sample = include_str!("../../../../packaging/device.toml");
        // The sample picks NetworkManager, which only a build with that feature offers.
        #[cfg(not(feature = "networkmanager"))]
        let sample = &sample.replace("radio = \"networkmanager\"", "radio = \"wpa-supplicant\"");
        let args = merged(&[], sample).expect("packaging/device.toml");
        assert_eq!(args.sec_ver, SecVer::Sec2);
    }
}
