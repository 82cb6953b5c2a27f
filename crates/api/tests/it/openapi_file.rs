//! The committed `openapi/dist-btrfs.json` must be exactly what the code serves.
//! Regenerate with `cargo run -p dist-btrfs -- openapi > openapi/dist-btrfs.json`
//! (or run this test with `UPDATE_OPENAPI=1`).

#[test]
fn committed_spec_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/dist-btrfs.json");
    let generated = format!("{}\n", api::openapi_json());
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).expect("write spec");
    }
    let committed = std::fs::read_to_string(path).expect("openapi/dist-btrfs.json exists");
    assert!(
        committed == generated,
        "openapi/dist-btrfs.json is out of date: run \
         `cargo run -p dist-btrfs -- openapi > openapi/dist-btrfs.json` and commit it"
    );
}

#[test]
fn spec_documents_the_foundation_endpoints() {
    let spec: serde_json::Value = serde_json::from_str(&api::openapi_json()).expect("valid JSON");
    for path in ["/health", "/instance", "/events"] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from the spec"
        );
    }
    assert!(spec["components"]["schemas"]["Problem"].is_object());
}
