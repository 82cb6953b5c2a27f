//! The HTTP API under test: `api::app` behind poem's `TestClient` (no socket), with an
//! account of a chosen role whose API token goes with every request, as automation
//! would use the API. Requests and answers are JSON values; an answer that is not JSON
//! comes back as a JSON string.

use api::AppState;
use domain::{Actor, Role};
use engine::accounts::sessions;
use poem::http::StatusCode;
use poem::test::TestClient;
use serde_json::Value;
use sqlx::PgPool;
use store::EventStore;

use crate::fleet::{Fleet, count};

/// The app as poem's test client sees it.
pub type Client = TestClient<poem::endpoint::BoxEndpoint<'static, poem::Response>>;

/// See the module doc.
pub struct TestApp {
    pub client: Client,
    pub pool: PgPool,
    pub state: AppState,
    /// `Authorization` header value of the account's API token.
    pub bearer: String,
}

/// Creates the account `<role>1` (password `<role>-password-1`) with an API token of
/// its role: the `Authorization` header value.
pub async fn api_token(events: &EventStore, role: Role) -> String {
    let name = format!("{}1", role.as_str());
    let password = format!("{}-password-1", role.as_str());
    let user_id = engine::accounts::create_user(events, &name, &password, role, Actor::System)
        .await
        .unwrap();
    let issued = sessions::create_token(
        events,
        sessions::Caller { user_id, role },
        sessions::TokenRequest {
            name: "tests".into(),
            role: Some(role),
            expires_in_days: None,
        },
        Actor::System,
    )
    .await
    .unwrap();
    format!("Bearer {}", issued.secret)
}

impl TestApp {
    /// The app over `state` (its database migrated), logged in as a new `role` account.
    pub async fn start(state: AppState, role: Role) -> Self {
        store::db::migrate(&state.pool).await.unwrap();
        let bearer = api_token(&state.events, role).await;
        let pool = state.pool.clone();
        let app = api::app(state.clone(), None);
        let app = poem::EndpointExt::boxed(poem::EndpointExt::map_to_response(app));
        Self {
            client: TestClient::new(app),
            pool,
            state,
            bearer,
        }
    }

    /// The app over `fleet`'s database, hosts and vault, logged in as a new `role`
    /// account.
    pub async fn for_fleet(fleet: &Fleet, role: Role) -> Self {
        let state = AppState::with_hosts(fleet.pool.clone(), fleet.hosts.clone())
            .with_vault(fleet.vault.clone());
        Self::start(state, role).await
    }

    /// Sends `method path` with the token (and `body` as JSON): (status, answer).
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.send_as(&self.bearer, method, path, body).await
    }

    /// [`TestApp::send`] with another `Authorization` header value.
    pub async fn send_as(
        &self,
        bearer: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let req = match method {
            "GET" => self.client.get(path),
            "POST" => self.client.post(path),
            "PATCH" => self.client.patch(path),
            "PUT" => self.client.put(path),
            "DELETE" => self.client.delete(path),
            _ => panic!("method {method}"),
        }
        .header("authorization", bearer);
        let req = match body {
            Some(b) => req.body_json(&b),
            None => req,
        };
        let resp = req.send().await;
        let status = resp.0.status();
        let text = resp.0.into_body().into_string().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send("POST", path, Some(body)).await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str) -> (StatusCode, Value) {
        self.send("POST", path, None).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send("PATCH", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send("DELETE", path, None).await
    }

    /// A one-integer query on the app's database.
    pub async fn count(&self, sql: &str) -> i64 {
        count(&self.pool, sql).await
    }

    /// How many events the log holds.
    pub async fn events(&self) -> i64 {
        self.count("SELECT count(*) FROM events").await
    }
}

/// Asserts a problem+json refusal with status `want`, a `/problems/` type and a detail.
pub fn assert_problem(status: StatusCode, body: &Value, want: StatusCode, what: &str) {
    assert_eq!(status, want, "{what}: {body}");
    assert_eq!(body["status"], want.as_u16(), "{what}: {body}");
    assert!(
        body["type"].as_str().unwrap().starts_with("/problems/"),
        "{body}"
    );
    assert!(!body["detail"].as_str().unwrap_or("").is_empty(), "{body}");
}
