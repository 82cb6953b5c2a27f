//! The built dashboard (`frontend/dist`), served fast: a file's brotli or gzip twin
//! (`x.js.br`, `x.js.gz`, written by the frontend build) when the client accepts it;
//! hashed files under `assets/` (their name changes with their content) cached for a
//! year as `immutable`; everything else (`index.html`) `no-cache` with an `ETag`, so a
//! new release is picked up at the next load. A path that is no file and has no
//! extension is a dashboard route: it gets `index.html`.
//!
//! Paths are resolved, then checked to lie inside the directory (no `..`, no symlink
//! out), before a byte is read.
//!
//! What it does not do: build or compress anything (`frontend/scripts/compress.mjs`).

use std::path::{Path, PathBuf};

use poem::http::header::{self, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Endpoint, Request, Response};

/// `Cache-Control` of a hashed asset.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else (revalidated with its `ETag`).
pub const NO_CACHE: &str = "no-cache";

/// The dashboard's files (module docs).
#[derive(Debug, Clone)]
pub struct Dashboard {
    root: PathBuf,
}

impl Dashboard {
    /// Serves `dir` (resolved now; it must exist).
    pub fn new(dir: &Path) -> std::io::Result<Self> {
        Ok(Self {
            root: dir.canonicalize()?,
        })
    }

    /// The file a request path names, resolved inside the root: `None` when there is
    /// none (or it would lie outside).
    fn file(&self, rel: &str) -> Option<PathBuf> {
        if rel.split('/').any(|c| c == ".." || c.starts_with('.')) {
            return None;
        }
        let path = self.root.join(rel).canonicalize().ok()?;
        (path.starts_with(&self.root) && path.is_file()).then_some(path)
    }
}

/// The encodings a client accepts (`Accept-Encoding`, `q=0` refused).
fn accepts(req: &Request, coding: &str) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| p.replace(' ', "") == "q=0" || p == "q=0.0");
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

impl Endpoint for Dashboard {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return Ok(StatusCode::METHOD_NOT_ALLOWED.into());
        }
        let rel = req.uri().path().trim_start_matches('/');
        let (file, immutable) = match self.file(rel) {
            Some(f) => (f, rel.starts_with("assets/")),
            None => {
                let last = rel.rsplit('/').next().unwrap_or("");
                if last.contains('.') {
                    return Ok(StatusCode::NOT_FOUND.into());
                }
                match self.file("index.html") {
                    Some(index) => (index, false),
                    None => return Ok(StatusCode::NOT_FOUND.into()),
                }
            }
        };
        let mut send = file.clone();
        let mut encoding = None;
        for (coding, ext) in [("br", "br"), ("gzip", "gz")] {
            let twin = PathBuf::from(format!("{}.{ext}", file.display()));
            if accepts(&req, coding) && twin.is_file() {
                send = twin;
                encoding = Some(coding);
                break;
            }
        }
        let meta = tokio::fs::metadata(&send)
            .await
            .map_err(poem::error::NotFound)?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let etag = format!(
            "W/\"{}-{modified}-{}\"",
            meta.len(),
            encoding.unwrap_or("id")
        );
        let mut response = Response::builder()
            .header(header::CONTENT_TYPE, content_type(&file))
            .header(header::VARY, "Accept-Encoding")
            .header(
                header::CACHE_CONTROL,
                if immutable { IMMUTABLE } else { NO_CACHE },
            )
            .header(header::ETAG, etag.as_str());
        if let Some(coding) = encoding {
            response = response.header(header::CONTENT_ENCODING, coding);
        }
        let fresh = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
        if fresh {
            return Ok(response.status(StatusCode::NOT_MODIFIED).finish());
        }
        if req.method() == Method::HEAD {
            let len = HeaderValue::from(meta.len());
            return Ok(response.header(header::CONTENT_LENGTH, len).finish());
        }
        let bytes = tokio::fs::read(&send)
            .await
            .map_err(poem::error::NotFound)?;
        Ok(response.body(Body::from_vec(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::test::TestClient;

    fn site() -> (tempfile::TempDir, Dashboard) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("index.html"), "<html>index</html>").unwrap();
        std::fs::write(dir.path().join("assets/app-1a2b.js"), "console.log(1)").unwrap();
        std::fs::write(dir.path().join("assets/app-1a2b.js.br"), "BR").unwrap();
        std::fs::write(dir.path().join("assets/app-1a2b.js.gz"), "GZ").unwrap();
        let d = Dashboard::new(dir.path()).unwrap();
        (dir, d)
    }

    #[tokio::test]
    async fn compressed_twins_hashed_assets_immutable_and_routes_get_the_index() {
        let (_dir, d) = site();
        let c = TestClient::new(d);
        let r = c
            .get("/assets/app-1a2b.js")
            .header("Accept-Encoding", "gzip, br")
            .send()
            .await;
        r.assert_status_is_ok();
        r.assert_header("content-encoding", "br");
        r.assert_header("cache-control", IMMUTABLE);
        r.assert_header("vary", "Accept-Encoding");
        r.assert_header("content-type", "text/javascript; charset=utf-8");
        r.assert_text("BR").await;
        let r = c
            .get("/assets/app-1a2b.js")
            .header("Accept-Encoding", "gzip, br;q=0")
            .send()
            .await;
        r.assert_header("content-encoding", "gzip");
        r.assert_text("GZ").await;
        let r = c.get("/assets/app-1a2b.js").send().await;
        r.assert_text("console.log(1)").await;
        let r = c.get("/policies/123").send().await;
        r.assert_status_is_ok();
        r.assert_header("cache-control", NO_CACHE);
        r.assert_text("<html>index</html>").await;
        let r = c.get("/").send().await;
        let etag = r.0.headers()["etag"].to_str().unwrap().to_owned();
        r.assert_text("<html>index</html>").await;
        let r = c
            .get("/")
            .header("If-None-Match", etag.as_str())
            .send()
            .await;
        r.assert_status(StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn nothing_outside_the_directory_or_hidden_is_served() {
        let (dir, d) = site();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("assets/out.js")).unwrap();
        let c = TestClient::new(d);
        c.get("/assets/out.js")
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        // Not a file of the dashboard, no extension: a route, answered with the index.
        c.get("/../etc/passwd")
            .send()
            .await
            .assert_text("<html>index</html>")
            .await;
        c.get("/assets/../../x.js")
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        c.get("/assets/missing.js")
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        c.post("/")
            .send()
            .await
            .assert_status(StatusCode::METHOD_NOT_ALLOWED);
    }
}
