//! Generates the client from `openapi/dist-btrfs.json` with progenitor (builder style, one
//! `Client` for all operations). Two adaptations, both about error bodies: progenitor wants
//! one error body type per operation, and types only `application/json` bodies. Every
//! error of ours is a problem document (`application/problem+json`, `Problem`) except
//! `registerServer`'s 422, whose `ChecksProblem` is a `Problem` with the failed checks
//! added; here every error body is declared as `application/json` `Problem` (it parses as
//! JSON whatever its media type; the 422's checks are dropped, its detail kept).

use std::path::Path;

fn main() {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/dist-btrfs.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", spec_path.display()));
    let mut spec: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing the spec: {e}"));
    errors_as_problems(&mut spec);
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(spec).unwrap_or_else(|e| panic!("reading the spec: {e}"));
    let mut settings = progenitor::GenerationSettings::default();
    settings.with_interface(progenitor::InterfaceStyle::Builder);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("generating the client: {e}"));
    let ast: syn::File = syn::parse2(tokens).unwrap_or_else(|e| panic!("parsing the client: {e}"));
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}")))
        .join("codegen.rs");
    std::fs::write(&out, prettyplease::unparse(&ast))
        .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}

/// Every error response's body becomes the `Problem` schema (see the module docs).
fn errors_as_problems(spec: &mut serde_json::Value) {
    let problem = serde_json::json!({
        "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    });
    let Some(paths) = spec.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for ops in paths.values_mut().filter_map(|o| o.as_object_mut()) {
        for op in ops.values_mut() {
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            for (code, response) in responses.iter_mut() {
                if code.starts_with('2') {
                    continue;
                }
                if let Some(content) = response.get_mut("content") {
                    *content = problem.clone();
                }
            }
        }
    }
}
