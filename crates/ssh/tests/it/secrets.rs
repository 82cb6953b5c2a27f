//! Secrets never show: `Debug` of configs and hosts, and the messages of key errors, do not
//! contain passwords, passphrases or private key material. Private keys of every supported
//! kind decode, with and without a passphrase. Needs `ssh-keygen`, not the lab.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use ssh::{Auth, Fingerprint, HostKeyPolicy, KeyError, SshConfig, SshHost};

fn keygen(dir: &Path, kind: &str, bits: Option<&str>, passphrase: &str) -> PathBuf {
    let path = dir.join(format!("id_{kind}_{}", passphrase.len()));
    let mut cmd = std::process::Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", passphrase, "-C", "test", "-f"])
        .arg(&path);
    if let Some(b) = bits {
        cmd.args(["-b", b]);
    }
    assert!(cmd.status().unwrap().success());
    path
}

fn fingerprint_of_pub(path: &Path) -> String {
    let out = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(path.with_extension("pub"))
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned()
}

/// Base64 lines of a private key file: none of them may appear in any rendering.
fn key_body_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_owned)
        .collect()
}

#[test]
fn keys_decode_and_match_ssh_keygen_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let pass = "s3cret passphrase";
    for (kind, bits) in [("ed25519", None), ("rsa", Some("2048")), ("ecdsa", None)] {
        for p in ["", pass] {
            let key = keygen(dir.path(), kind, bits, p);
            let passphrase = (!p.is_empty()).then(|| SecretString::from(p));
            let auth = Auth::private_key_file(&key, passphrase.as_ref())
                .unwrap_or_else(|e| panic!("{kind} {p:?}: {e}"));
            let Auth::Key(k) = &auth else { panic!() };
            assert_eq!(k.public_fingerprint().as_str(), fingerprint_of_pub(&key));
            let shown = format!("{auth:?}");
            for line in key_body_lines(&key) {
                assert!(!shown.contains(&line), "key material in Debug: {shown}");
            }
            assert!(!shown.contains(pass));
        }
    }
}

#[test]
fn wrong_or_missing_passphrase_is_a_clear_error_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let pass = "the-right-one-9";
    let key = keygen(dir.path(), "ed25519", None, pass);
    let missing = Auth::private_key_file(&key, None).unwrap_err();
    assert!(
        matches!(missing, KeyError::PassphraseRequired),
        "{missing:?}"
    );
    let wrong_pass = SecretString::from("the-wrong-one-7");
    let wrong = Auth::private_key_file(&key, Some(&wrong_pass)).unwrap_err();
    assert!(matches!(wrong, KeyError::Decode(_)), "{wrong:?}");
    for shown in [
        missing.to_string(),
        format!("{missing:?}"),
        wrong.to_string(),
        format!("{wrong:?}"),
    ] {
        assert!(
            !shown.contains(pass) && !shown.contains("the-wrong-one-7"),
            "{shown}"
        );
        for line in key_body_lines(&key) {
            assert!(!shown.contains(&line), "{shown}");
        }
    }
    let garbage =
        Auth::private_key(&SecretString::from("not a key at all, secret-xyz"), None).unwrap_err();
    assert!(!garbage.to_string().contains("secret-xyz"));
    assert!(!format!("{garbage:?}").contains("secret-xyz"));
}

#[test]
fn config_and_host_debug_redact_the_password() {
    let secret = "pa55-w0rd-do-not-print";
    let cfg = SshConfig::new(
        "127.0.0.11",
        2222,
        "dbtlab",
        Auth::password(SecretString::from(secret)),
        HostKeyPolicy::Pinned(
            Fingerprint::parse("SHA256:J7tw+aaFeuY2gHybfW+sM8UL4ZWz+1n6M5db5PLXBFA").unwrap(),
        ),
    );
    let host = SshHost::new(cfg.clone());
    for shown in [format!("{cfg:?}"), format!("{cfg:#?}"), format!("{host:?}")] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }
}
