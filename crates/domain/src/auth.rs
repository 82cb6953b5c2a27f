//! Users, roles and the rules between them. Pure: hashing and token generation
//! happen in the API crate; this module only says who may do what and which names
//! and passwords are acceptable.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a user (or a token acting for one) may do. Ordered: `Viewer < Operator < Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read everything, change nothing.
    Viewer,
    /// Snapshots, replication, policies.
    Operator,
    /// Everything, including users and servers.
    Admin,
}

impl Role {
    /// Whether a holder of `self` may do what needs `required`.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Self::Viewer),
            "operator" => Some(Self::Operator),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a user name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("user name must be 1 to 32 characters")]
    Length,
    #[error(
        "user name must start with a lowercase letter and contain only a-z, 0-9, '.', '_' and '-'"
    )]
    Charset,
}

/// A user name: `[a-z][a-z0-9._-]{0,31}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, UsernameError> {
        if s.is_empty() || s.len() > 32 {
            return Err(UsernameError::Length);
        }
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if !(first_ok && rest_ok) {
            return Err(UsernameError::Charset);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least {min} characters")]
    TooShort { min: usize },
    #[error("password must be at most {max} bytes")]
    TooLong { max: usize },
    #[error("password must not contain control characters")]
    ControlCharacter,
    #[error("password is too common (it is in a list of leaked passwords)")]
    Common,
}

pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longer passwords are refused before any hashing (argon2 time grows with length).
pub const PASSWORD_MAX_BYTES: usize = 1024;

/// The most common passwords of leaked sets, lower-cased (see the file's header).
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

fn is_common(password: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let set = SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    });
    let lower = password.to_lowercase();
    // "password2026!!" is as weak as "password": also check without trailing digits
    // and punctuation.
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    set.contains(lower.as_str()) || set.contains(stem)
}

/// Checks a password before it is hashed for a login: only the length bound, so an
/// attacker cannot make the server hash megabytes.
pub fn check_login_password(password: &str) -> Result<(), PasswordError> {
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(PasswordError::TooLong {
            max: PASSWORD_MAX_BYTES,
        });
    }
    Ok(())
}

/// Checks a new password: 12+ characters, at most 1,024 bytes, no control
/// characters, not a common password (long passphrases beat composition rules).
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    check_login_password(password)?;
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(PasswordError::TooShort {
            min: PASSWORD_MIN_CHARS,
        });
    }
    if password.chars().any(char::is_control) {
        return Err(PasswordError::ControlCharacter);
    }
    if is_common(password) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.allows(Role::Operator));
        assert!(Role::Operator.allows(Role::Operator));
        assert!(Role::Operator.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Operator));
        assert!(!Role::Operator.allows(Role::Admin));
        for role in [Role::Viewer, Role::Operator, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("admin").is_ok());
        assert!(Username::parse("ops.team-2_x").is_ok());
        assert_eq!(Username::parse(""), Err(UsernameError::Length));
        assert_eq!(Username::parse(&"a".repeat(33)), Err(UsernameError::Length));
        for bad in ["Admin", "1abc", "a b", "a;b", "a$(x)", "a/b", "é"] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("correct horse battery").is_ok());
        assert!(matches!(
            check_new_password("eleven char"),
            Err(PasswordError::TooShort { .. })
        ));
        assert_eq!(
            check_new_password("twelve chars\n"),
            Err(PasswordError::ControlCharacter)
        );
        assert_eq!(
            check_new_password("line\u{7f}delete-pass"),
            Err(PasswordError::ControlCharacter)
        );
        for common in [
            "1qaz2wsx3edc",
            "QWERTY123456",
            "password2026!!!",
            "iloveyou12345",
        ] {
            assert_eq!(
                check_new_password(common),
                Err(PasswordError::Common),
                "{common}"
            );
        }
        // 1,024 bytes is the bound, counted in bytes (4-byte characters count 4).
        assert!(check_new_password(&"x".repeat(1024)).is_ok());
        assert!(matches!(
            check_new_password(&"\u{1F600}".repeat(257)),
            Err(PasswordError::TooLong { .. })
        ));
        assert!(check_login_password(&"x".repeat(1025)).is_err());
        assert!(matches!(
            check_new_password("short"),
            Err(PasswordError::TooShort { .. })
        ));
        assert!(matches!(
            check_new_password(&"x".repeat(1025)),
            Err(PasswordError::TooLong { .. })
        ));
    }

    proptest! {
        #[test]
        fn username_parse_never_panics(s in "\\PC{0,40}") {
            if let Ok(u) = Username::parse(&s) {
                prop_assert_eq!(u.as_str(), s.as_str());
            }
        }
    }
}
