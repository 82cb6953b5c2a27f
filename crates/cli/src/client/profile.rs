//! Client profiles: `~/.config/dist-btrfs/config.toml` (`$XDG_CONFIG_HOME` if set), written
//! by `dist-btrfs login` with mode 0600, read by every client command:
//!
//! ```toml
//! default = "prod"
//! [profiles.prod]
//! url = "https://backup.example.org"
//! token = "dbt_..."
//! ```
//!
//! `--url`/`DIST_BTRFS_URL` and `--token`/`DIST_BTRFS_TOKEN` beat the profile.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Config {
    /// The profile used when `--profile` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub url: String,
    pub token: String,
}

/// The config file's path.
pub fn path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
            home.join(".config")
        });
    base.join("dist-btrfs").join("config.toml")
}

/// The config file, or an empty one when it does not exist.
pub fn load() -> anyhow::Result<Config> {
    let path = path();
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("reading {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Adds (or replaces) profile `name` and makes it the default; written 0600.
pub fn save(name: &str, profile: Profile) -> anyhow::Result<PathBuf> {
    let mut config = load()?;
    config.profiles.insert(name.to_owned(), profile);
    config.default = Some(name.to_owned());
    let path = path();
    let dir = path.parent().context("config path has no directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let text = toml::to_string(&config).context("writing the profile")?;
    let tmp = path.with_extension("toml.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The profile to use: `name`, else the default one, else none.
pub fn pick(config: &Config, name: Option<&str>) -> anyhow::Result<Option<Profile>> {
    let Some(name) = name.or(config.default.as_deref()) else {
        return Ok(None);
    };
    match config.profiles.get(name) {
        Some(p) => Ok(Some(p.clone())),
        None => bail!(
            "no profile {name:?} in {} (run `dist-btrfs login`)",
            path().display()
        ),
    }
}
