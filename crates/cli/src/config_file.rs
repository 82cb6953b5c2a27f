//! The configuration file (`/etc/dist-btrfs/dist-btrfs.toml`, or `--config FILE` /
//! `DIST_BTRFS_CONFIG`): the same settings as the flags and environment variables, under
//! the flag's name (`hooks-dir = "/srv/hooks"` is `--hooks-dir /srv/hooks` is
//! `DIST_BTRFS_HOOKS_DIR=/srv/hooks`). A flag beats its variable, which beats the file,
//! which beats the default.
//!
//! How: the file's settings become flags inserted before the command line's own (global
//! ones before the command name, the command's after it), except those the command line
//! or the environment already give; then clap parses as usual, so a value in the file is
//! checked exactly like a flag. A key that is no setting (with a variable) of any command
//! is an error naming the file; a setting of another command is ignored (one file serves
//! `serve`, `migrate`, `backup` ...). The default file is read only when it exists and
//! this user may read it (the package installs it root's, 0640); a `--config` file must.
//!
//! Not here: what the settings mean (`crate::settings`, `main`).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The file read when neither `--config` nor `DIST_BTRFS_CONFIG` names one.
pub const DEFAULT_CONFIG: &str = "/etc/dist-btrfs/dist-btrfs.toml";
/// The variable naming the file.
pub const CONFIG_ENV: &str = "DIST_BTRFS_CONFIG";

/// `args` (program name first) with the configuration file's settings added as flags;
/// `env` reads a variable (the process environment, or a test's).
pub fn with_config_file(
    command: &clap::Command,
    args: Vec<OsString>,
    env: impl Fn(&str) -> Option<OsString>,
) -> anyhow::Result<Vec<OsString>> {
    let (config, args) = take_config_flag(args)?;
    let (path, must_exist) = match config.or_else(|| env(CONFIG_ENV).map(PathBuf::from)) {
        Some(p) => (p, true),
        None => (PathBuf::from(DEFAULT_CONFIG), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // The default file missing, or unreadable to a user running client commands
        // (it is root's, 0640): no file.
        Err(e)
            if !must_exist
                && matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
                ) =>
        {
            return Ok(args);
        }
        Err(e) => {
            return Err(e).with_context(|| format!("reading the config file {}", path.display()));
        }
    };
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("parsing the config file {}", path.display()))?;
    insert_settings(command, args, &table, &path, env)
}

/// Removes `--config FILE` / `--config=FILE` from `args` (before the first `--`).
fn take_config_flag(args: Vec<OsString>) -> anyhow::Result<(Option<PathBuf>, Vec<OsString>)> {
    let mut out = Vec::with_capacity(args.len());
    let mut config = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        if a == "--" {
            out.push(a);
            out.extend(it.by_ref());
            break;
        }
        if a == "--config" {
            let v = it.next().context("--config needs a FILE")?;
            config = Some(PathBuf::from(v));
        } else if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--config=")) {
            config = Some(PathBuf::from(v));
        } else {
            out.push(a);
        }
    }
    Ok((config, out))
}

/// A setting: its flag and variable, whether it takes a value.
struct Setting {
    long: String,
    env: String,
    takes_value: bool,
}

fn settings_of(command: &clap::Command) -> Vec<Setting> {
    command
        .get_arguments()
        .filter_map(|a| {
            Some(Setting {
                long: a.get_long()?.to_owned(),
                env: a.get_env()?.to_string_lossy().into_owned(),
                takes_value: a.get_action().takes_values(),
            })
        })
        .collect()
}

fn insert_settings(
    command: &clap::Command,
    args: Vec<OsString>,
    table: &toml::Table,
    path: &Path,
    env: impl Fn(&str) -> Option<OsString>,
) -> anyhow::Result<Vec<OsString>> {
    let global = settings_of(command);
    let mut known: BTreeSet<String> = global.iter().map(|s| s.long.clone()).collect();
    for sub in command.get_subcommands() {
        known.extend(settings_of(sub).into_iter().map(|s| s.long));
    }
    known.remove("config");
    if let Some(key) = table.keys().find(|k| !known.contains(*k)) {
        bail!(
            "the config file {} sets {key:?}, which is no setting (the keys are the flags' names, \
             as `dist-btrfs settings-table` lists them)",
            path.display()
        );
    }
    // The command's path: each level's name is the first later word that names one of
    // its parent's subcommands (`users reset-password`); each level's settings go right
    // after its name, where clap expects them.
    let mut levels: Vec<(usize, Vec<Setting>)> = Vec::new();
    let mut parent = command;
    let mut from = 1;
    while let Some(at) = args
        .iter()
        .skip(from)
        .position(|a| parent.get_subcommands().any(|s| a == s.get_name()))
        .map(|i| i + from)
    {
        let Some(sub) = parent.get_subcommands().find(|s| args[at] == s.get_name()) else {
            break;
        };
        levels.push((at, settings_of(sub)));
        parent = sub;
        from = at + 1;
    }
    if levels.is_empty() {
        return Ok(args);
    }
    let given = |long: &str| {
        args.iter().any(|a| {
            a.to_str()
                .is_some_and(|s| s == format!("--{long}") || s.starts_with(&format!("--{long}=")))
        })
    };
    let flags = |settings: &[Setting]| -> anyhow::Result<Vec<OsString>> {
        let mut out = Vec::new();
        for s in settings {
            let Some(value) = table.get(&s.long) else {
                continue;
            };
            if given(&s.long) || env(&s.env).is_some() {
                continue;
            }
            out.extend(as_flags(s, value, path)?);
        }
        Ok(out)
    };
    let mut out = Vec::with_capacity(args.len() + table.len());
    out.push(args[0].clone());
    out.extend(flags(&global)?);
    let mut next = 1;
    for (at, settings) in &levels {
        out.extend(args[next..=*at].iter().cloned());
        out.extend(flags(settings)?);
        next = at + 1;
    }
    out.extend(args[next..].iter().cloned());
    Ok(out)
}

/// One file value as flags: `--long=VALUE` (an array: one per element); a boolean
/// switch: `--long` when true, nothing when false.
fn as_flags(s: &Setting, value: &toml::Value, path: &Path) -> anyhow::Result<Vec<OsString>> {
    let bad = || {
        anyhow::anyhow!(
            "the config file {} sets {:?} to a table or date; give a string, number, boolean \
             or a list of them",
            path.display(),
            s.long
        )
    };
    let scalar = |v: &toml::Value| -> anyhow::Result<String> {
        Ok(match v {
            toml::Value::String(x) => x.clone(),
            toml::Value::Integer(x) => x.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(x) => x.to_string(),
            _ => return Err(bad()),
        })
    };
    if !s.takes_value {
        return match value {
            toml::Value::Boolean(true) => Ok(vec![format!("--{}", s.long).into()]),
            toml::Value::Boolean(false) => Ok(Vec::new()),
            _ => bail!(
                "the config file {} sets {:?}, a switch, to something else than true or false",
                path.display(),
                s.long
            ),
        };
    }
    let values = match value {
        toml::Value::Array(items) => items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
        v => vec![scalar(v)?],
    };
    Ok(values
        .into_iter()
        .map(|v| format!("--{}={v}", s.long).into())
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use clap::{Arg, ArgAction, Command};

    use super::*;

    fn cli() -> Command {
        Command::new("d")
            .arg(Arg::new("log").long("log").env("D_LOG").global(true))
            .subcommand(
                Command::new("serve")
                    .arg(Arg::new("listen").long("listen").env("D_LISTEN"))
                    .arg(
                        Arg::new("proxy")
                            .long("trusted-proxy")
                            .env("D_PROXIES")
                            .action(ArgAction::Append),
                    )
                    .arg(
                        Arg::new("tls")
                            .long("insecure")
                            .env("D_INSECURE")
                            .action(ArgAction::SetTrue),
                    ),
            )
            .subcommand(
                Command::new("migrate").arg(Arg::new("db").long("database-url").env("D_DB")),
            )
            .subcommand(
                Command::new("users").subcommand(
                    Command::new("reset-password")
                        .arg(Arg::new("user"))
                        .arg(Arg::new("db").long("database-url").env("D_DB")),
                ),
            )
    }

    fn run(file: &str, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<Vec<String>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("c.toml");
        std::fs::write(&path, file)?;
        let env: HashMap<String, OsString> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        let mut argv: Vec<OsString> = vec!["d".into(), "--config".into(), path.clone().into()];
        argv.extend(args.iter().map(OsString::from));
        let out = with_config_file(&cli(), argv, |k| env.get(k).cloned())?;
        Ok(out
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect())
    }

    #[test]
    fn file_settings_become_flags_of_their_command() {
        let file = "log = \"debug\"\nlisten = \"127.0.0.1:9\"\ntrusted-proxy = [\"10.0.0.0/8\", \
                    \"::1/128\"]\ninsecure = true\ndatabase-url = \"postgres://x\"\n";
        assert_eq!(
            run(file, &["serve"], &[]).unwrap(),
            [
                "d",
                "--log=debug",
                "serve",
                "--listen=127.0.0.1:9",
                "--trusted-proxy=10.0.0.0/8",
                "--trusted-proxy=::1/128",
                "--insecure"
            ]
        );
        assert_eq!(
            run(file, &["migrate"], &[]).unwrap(),
            ["d", "--log=debug", "migrate", "--database-url=postgres://x"]
        );
    }

    #[test]
    fn nested_commands_get_their_settings_after_their_own_name() {
        let file = "database-url = \"postgres://x\"\nlog = \"warn\"\n";
        assert_eq!(
            run(file, &["users", "reset-password", "alice"], &[]).unwrap(),
            [
                "d",
                "--log=warn",
                "users",
                "reset-password",
                "--database-url=postgres://x",
                "alice"
            ]
        );
        let parsed = cli()
            .try_get_matches_from(run(file, &["users", "reset-password", "alice"], &[]).unwrap())
            .unwrap();
        let (_, users) = parsed.subcommand().unwrap();
        let (_, reset) = users.subcommand().unwrap();
        assert_eq!(reset.get_one::<String>("db").unwrap(), "postgres://x");
    }

    #[test]
    fn flags_and_variables_beat_the_file() {
        let file = "listen = \"127.0.0.1:9\"\nlog = \"debug\"\ninsecure = false\n";
        assert_eq!(
            run(
                file,
                &["serve", "--listen", "0.0.0.0:1"],
                &[("D_LOG", "warn")]
            )
            .unwrap(),
            ["d", "serve", "--listen", "0.0.0.0:1"]
        );
        assert_eq!(
            run(file, &["serve", "--listen=0.0.0.0:1"], &[]).unwrap(),
            ["d", "--log=debug", "serve", "--listen=0.0.0.0:1"]
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_naming_the_file() {
        let err = run("lisen = \"x\"\n", &["serve"], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.toml") && err.contains("\"lisen\""), "{err}");
        let err = run("insecure = \"yes\"\n", &["serve"], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("a switch"), "{err}");
        let err = run("listen = {a = 1}\n", &["serve"], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("a table"), "{err}");
        let err = format!("{:#}", run("listen = \n", &["serve"], &[]).unwrap_err());
        assert!(err.contains("parsing the config file"), "{err}");
    }

    #[test]
    fn a_named_file_must_exist_the_default_may_not() {
        let argv = vec![OsString::from("d"), "--config=/nonexistent/x.toml".into()];
        assert!(with_config_file(&cli(), argv, |_| None).is_err());
        let argv = vec![OsString::from("d"), "serve".into()];
        let out = with_config_file(&cli(), argv.clone(), |_| None).unwrap();
        // Only when the machine has no default file (a test box does not).
        if !Path::new(DEFAULT_CONFIG).exists() {
            assert_eq!(out, argv);
        }
    }
}
