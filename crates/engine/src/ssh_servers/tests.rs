//! Unit tests of the SSH server rules (no I/O).

use super::*;

#[test]
fn addresses() {
    for ok in ["127.0.0.11", "::1", "host", "a.example.org", "a-b.c.", "x1"] {
        assert!(validate_address(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "a b",
        "a;b",
        "$(id)",
        "-a",
        "a-",
        "a..b",
        "user@host",
        "host:22",
        "`x`",
        "a_b",
    ] {
        assert!(validate_address(bad).is_err(), "{bad}");
    }
}

#[test]
fn ports_and_users() {
    assert!(validate_port(0).is_err());
    assert!(validate_port(70000).is_err());
    assert_eq!(validate_port(22).unwrap(), 22);
    assert!(validate_username("dbtlab").is_ok());
    for bad in ["", "-o", "a b", "a;b"] {
        assert!(validate_username(bad).is_err());
    }
}
