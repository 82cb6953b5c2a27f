//! The authorization matrix: every operation of the OpenAPI document and the least role
//! that may call it, tried with no, bogus, expired and revoked credentials and with
//! viewer / operator / admin tokens and sessions. A new endpoint fails the test until it
//! is listed. The fixture is `auth`'s.

use poem::http::{Method, StatusCode};
use serde_json::Value;
use sqlx::PgPool;

use chrono::{Duration, Utc};
use domain::event::TokenCreated;
use domain::{Actor, DomainEvent, Role, StreamId};
use store::{AppendMeta, ExpectedVersion};
use uuid::Uuid;

use crate::auth::{ADMIN_PW, Fixture, OPERATOR_PW, Session, VIEWER_PW, fixture};

fn routes() -> Vec<(Method, String, String)> {
    let spec: Value = serde_json::from_str(&api::openapi_json()).unwrap();
    let mut routes = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let concrete = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        Uuid::now_v7().to_string()
                    } else {
                        seg.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            routes.push((
                method.to_uppercase().parse().unwrap(),
                format!("/api/v1{concrete}"),
                op["operationId"].as_str().unwrap().to_owned(),
            ));
        }
    }
    assert!(routes.len() >= 10, "the spec lists the API: {routes:?}");
    routes
}

/// The authorization matrix: every operation in the spec and the least role that may
/// call it. A route missing here (or listed but gone) fails the test, so a new
/// endpoint cannot ship without a decision on who may call it.
const MATRIX: &[(&str, Need)] = &[
    ("getHealth", Need::Nobody),
    ("login", Need::Nobody),
    // Any logged-in user.
    ("getMe", Need::Viewer),
    ("logout", Need::Viewer),
    ("changeOwnPassword", Need::Viewer),
    ("getInstance", Need::Viewer),
    ("getMetrics", Need::Viewer),
    ("listEvents", Need::Viewer),
    ("streamEvents", Need::Viewer),
    ("listTokens", Need::Viewer),
    ("listServers", Need::Viewer),
    ("getServer", Need::Viewer),
    ("discoverSubvolumes", Need::Viewer),
    ("listSubvolumes", Need::Viewer),
    ("getSubvolume", Need::Viewer),
    ("listSnapshots", Need::Viewer),
    ("getSnapshot", Need::Viewer),
    ("listRestores", Need::Viewer),
    ("getRestore", Need::Viewer),
    ("listSnapshotReplicas", Need::Viewer),
    ("listPolicies", Need::Viewer),
    ("getPolicy", Need::Viewer),
    ("previewPolicy", Need::Viewer),
    ("listStorage", Need::Viewer),
    ("storageHistory", Need::Viewer),
    ("subvolumeStorage", Need::Viewer),
    ("subvolumeStorageHistory", Need::Viewer),
    ("listTargets", Need::Viewer),
    ("getTarget", Need::Viewer),
    ("listSubvolumeTargets", Need::Viewer),
    ("listReplicas", Need::Viewer),
    ("getTargetRetention", Need::Viewer),
    ("listReplications", Need::Viewer),
    ("getReplication", Need::Viewer),
    ("getReplicationHealth", Need::Viewer),
    ("getFleetStatus", Need::Viewer),
    ("previewReplication", Need::Operator),
    ("getSubvolumeReplicationHealth", Need::Viewer),
    // Day-to-day operations.
    ("createToken", Need::Operator),
    ("revokeToken", Need::Operator),
    ("manageSubvolume", Need::Operator),
    ("unmanageSubvolume", Need::Operator),
    ("syncSubvolume", Need::Operator),
    ("pruneSubvolume", Need::Operator),
    ("setSubvolumeRpo", Need::Operator),
    ("createSnapshot", Need::Operator),
    ("deleteSnapshot", Need::Operator),
    ("adoptSnapshot", Need::Operator),
    // A snapshot's files are the users' data: browsing and restoring are operator+.
    ("browseSnapshot", Need::Operator),
    ("diffSnapshots", Need::Operator),
    ("browseReplica", Need::Operator),
    ("downloadSnapshotFile", Need::Operator),
    ("downloadReplicaFile", Need::Operator),
    ("requestRestore", Need::Operator),
    ("releaseSnapshot", Need::Operator),
    ("deleteReplica", Need::Operator),
    ("verifyReplica", Need::Operator),
    ("createPolicy", Need::Operator),
    ("updatePolicy", Need::Operator),
    ("deletePolicy", Need::Operator),
    ("assignPolicy", Need::Operator),
    ("unassignPolicy", Need::Operator),
    ("collectStorage", Need::Operator),
    ("addTarget", Need::Operator),
    ("updateTarget", Need::Operator),
    ("removeTarget", Need::Operator),
    ("requestReplication", Need::Operator),
    // Accounts, servers, the instance.
    ("listUsers", Need::Admin),
    ("createUser", Need::Admin),
    ("patchUser", Need::Admin),
    ("deleteUser", Need::Admin),
    ("patchInstance", Need::Admin),
    ("registerServer", Need::Admin),
    ("updateServer", Need::Admin),
    ("removeServer", Need::Admin),
    ("testServer", Need::Admin),
    ("probeServerHostKey", Need::Admin),
    ("acceptServerHostKey", Need::Admin),
    ("setStorageSettings", Need::Admin),
    // Snapshot hooks run programs on servers.
    ("setSnapshotHooks", Need::Admin),
    ("listServerHooks", Need::Admin),
    ("listChannels", Need::Admin),
    ("createChannel", Need::Admin),
    ("updateChannel", Need::Admin),
    ("deleteChannel", Need::Admin),
    ("testChannel", Need::Admin),
    ("listAlertRules", Need::Admin),
    ("createAlertRule", Need::Admin),
    ("updateAlertRule", Need::Admin),
    ("deleteAlertRule", Need::Admin),
    ("listFiringAlerts", Need::Admin),
    ("listDeliveries", Need::Admin),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Nobody,
    Viewer,
    Operator,
    Admin,
}

impl Need {
    fn allows(self, role: Role) -> bool {
        match self {
            Need::Nobody | Need::Viewer => true,
            Need::Operator => role.allows(Role::Operator),
            Need::Admin => role == Role::Admin,
        }
    }
}

/// Which credentials a matrix row is tried with.
enum Caller<'a> {
    Token(&'a str),
    Session(&'a Session),
}

impl Fixture {
    async fn call_as(&self, method: &Method, path: &str, caller: &Caller<'_>) -> StatusCode {
        let mut req = self.client.request(method.clone(), path);
        req = match caller {
            Caller::Token(token) => req.header("authorization", format!("Bearer {token}")),
            Caller::Session(s) => req
                .header("cookie", &s.cookie)
                .header("x-csrf-token", &s.csrf),
        };
        req.content_type("application/json")
            .body("{}")
            .send()
            .await
            .0
            .status()
    }

    /// An API token of `user` that expired a minute ago.
    pub(crate) async fn expired_token(&self, user: &str) -> String {
        let token = engine::accounts::secrets::new_token();
        let user_id = store::projections::auth::user_by_name(&self.state.pool, user)
            .await
            .unwrap()
            .unwrap()
            .user_id;
        let token_id = Uuid::now_v7();
        self.state
            .events
            .append(
                &StreamId::for_entity("token", token_id),
                ExpectedVersion::NoStream,
                &[DomainEvent::TokenCreated(TokenCreated {
                    token_id,
                    user_id,
                    name: "expired".into(),
                    role: Role::Admin,
                    secret_hash: engine::accounts::secrets::hash(&token),
                    expires_at: Some(Utc::now() - Duration::minutes(1)),
                })],
                &AppendMeta::new(Actor::System),
            )
            .await
            .unwrap();
        token
    }
}

#[sqlx::test(migrations = false)]
async fn the_authorization_matrix_holds_for_every_operation(pool: PgPool) {
    let f = fixture(pool).await;
    let spec: Value = serde_json::from_str(&api::openapi_json()).unwrap();
    let mut routes = routes();
    // Logging out ends the session it is called with: last.
    routes.sort_by_key(|(_, _, op)| op == "logout");

    // The table and the spec list the same operations.
    let mut in_spec: Vec<&str> = routes.iter().map(|(_, _, op)| op.as_str()).collect();
    let mut in_table: Vec<&str> = MATRIX.iter().map(|(op, _)| *op).collect();
    in_spec.sort_unstable();
    in_table.sort_unstable();
    assert_eq!(
        in_spec, in_table,
        "every operation needs a row in MATRIX (and every row an operation)"
    );

    let admin = f.session("admin", ADMIN_PW).await;
    let operator = f.session("operator", OPERATOR_PW).await;
    let viewer = f.session("viewer", VIEWER_PW).await;
    let tokens = [
        (Role::Viewer, f.token(&admin, "viewer", None).await),
        (Role::Operator, f.token(&admin, "operator", None).await),
        (Role::Admin, f.token(&admin, "admin", None).await),
    ];
    let sessions = [
        (Role::Viewer, &viewer),
        (Role::Operator, &operator),
        (Role::Admin, &admin),
    ];
    let expired = f.expired_token("admin").await;
    let revoked = f.token(&admin, "admin", None).await;
    let listed: Value = f
        .client
        .get("/api/v1/tokens")
        .header("authorization", format!("Bearer {revoked}"))
        .send()
        .await
        .json()
        .await
        .value()
        .deserialize();
    let revoked_id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["role"] == "admin")
        .unwrap()["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.call_as(
        &Method::DELETE,
        &format!("/api/v1/tokens/{revoked_id}"),
        &Caller::Session(&admin),
    )
    .await;

    let mut probes = 0;
    for (method, path, op) in &routes {
        let need = MATRIX.iter().find(|(o, _)| o == op).unwrap().1;
        if need == Need::Nobody {
            assert_ne!(
                f.call(method, path, None).await,
                StatusCode::UNAUTHORIZED,
                "{op} is public"
            );
            probes += 1;
            continue;
        }
        assert_eq!(
            spec_security(&spec, op),
            ["bearerToken", "sessionCookie"],
            "{op} declares both schemes"
        );
        for (what, bearer) in [
            ("no credentials", None),
            ("a bogus token", Some("dbt_not-a-real-token")),
            ("an expired token", Some(expired.as_str())),
            ("a revoked token", Some(revoked.as_str())),
        ] {
            assert_eq!(
                f.call(method, path, bearer).await,
                StatusCode::UNAUTHORIZED,
                "{method} {path} ({op}) with {what}"
            );
            probes += 1;
        }
        let callers = tokens
            .iter()
            .map(|(role, t)| (*role, "token", Caller::Token(t)))
            .chain(
                sessions
                    .iter()
                    .map(|(role, s)| (*role, "session", Caller::Session(s))),
            );
        for (role, via, caller) in callers {
            let status = f.call_as(method, path, &caller).await;
            if need.allows(role) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{op} as {role} {via}: {status}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{op} as {role} {via}");
            }
            probes += 1;
        }
    }
    // 63 operations x 10 callers, less the public ones: the matrix is not empty.
    assert!(probes >= 600, "{probes} probes");
}

fn spec_security(spec: &Value, op_id: &str) -> Vec<String> {
    for ops in spec["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            if op["operationId"] == op_id {
                return op["security"]
                    .as_array()
                    .map(|alts| {
                        alts.iter()
                            .flat_map(|a| a.as_object().unwrap().keys().cloned())
                            .collect()
                    })
                    .unwrap_or_default();
            }
        }
    }
    panic!("no operation {op_id}")
}
