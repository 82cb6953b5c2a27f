//! Endpoints `/tokens`: a caller's API tokens (admins see and revoke everyone's), issued
//! with their secret shown once.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use domain::event::{TokenCreated, TokenRevoked};
use domain::{DomainEvent, Role, StreamId};
use engine::accounts::secrets;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use store::projections::auth as accounts;
use store::{AppendMeta, ExpectedVersion};
use uuid::Uuid;

use super::{OperatorAuth, ViewerAuth};
use crate::AppState;
use crate::problem::Problem;

use super::api::{DeleteResponse, RoleDto, Tag};

/// A new API token's settings.
#[derive(Object)]
pub struct NewToken {
    /// What it is for, e.g. `grafana`. 1-64 characters.
    pub name: String,
    /// The token's role; at most your own. Default: your role.
    pub role: Option<RoleDto>,
    /// Days until it expires (1-3650). Default: never.
    pub expires_in_days: Option<u32>,
}

/// An API token (never its secret, except once at creation).
#[derive(Debug, Object)]
pub struct Token {
    pub token_id: Uuid,
    pub name: String,
    pub username: String,
    pub role: RoleDto,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<accounts::TokenRecord> for Token {
    fn from(t: accounts::TokenRecord) -> Self {
        Self {
            token_id: t.token_id,
            name: t.name,
            username: t.username,
            role: t.role.into(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token just issued: the secret is shown this once and never again.
#[derive(Debug, Object)]
pub struct IssuedToken {
    pub token_id: Uuid,
    pub name: String,
    pub role: RoleDto,
    pub expires_at: Option<DateTime<Utc>>,
    /// Send as `Authorization: Bearer <token>`. Store it now: it cannot be shown again.
    pub token: String,
}

#[derive(ApiResponse)]
pub enum CreateTokenResponse {
    #[oai(status = 201)]
    Created(Json<IssuedToken>),
    #[oai(status = 400)]
    BadRequest(Json<Problem>),
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum ListTokensResponse {
    #[oai(status = 200)]
    Ok(Json<Vec<Token>>),
    #[oai(status = 500)]
    Internal(Json<Problem>),
}

pub struct TokensApi;

#[OpenApi]
impl TokensApi {
    /// Issues an API token with at most your role. The secret is in this response only.
    #[oai(
        path = "/tokens",
        method = "post",
        operation_id = "createToken",
        tag = "Tag::Tokens"
    )]
    async fn create(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        body: Json<NewToken>,
    ) -> CreateTokenResponse {
        let me = auth.principal();
        let name = match domain::DisplayName::parse(&body.name) {
            Ok(name) => name,
            Err(e) => {
                return CreateTokenResponse::BadRequest(Json(Problem::invalid(
                    "name",
                    format!("name: {e}"),
                )));
            }
        };
        let role = body.role.map_or(me.role, Role::from);
        if !me.role.allows(role) {
            return CreateTokenResponse::BadRequest(Json(Problem::validation(format!(
                "a token cannot have more than your role ({})",
                me.role
            ))));
        }
        let expires_at = match body.expires_in_days {
            None => None,
            Some(days @ 1..=3650) => Some(Utc::now() + ChronoDuration::days(i64::from(days))),
            Some(_) => {
                return CreateTokenResponse::BadRequest(Json(Problem::validation(
                    "expires_in_days must be between 1 and 3650",
                )));
            }
        };
        let token = secrets::new_token();
        let token_id = Uuid::now_v7();
        let event = DomainEvent::TokenCreated(TokenCreated {
            token_id,
            user_id: me.user_id,
            name: name.to_string(),
            role,
            secret_hash: secrets::hash(&token),
            expires_at,
        });
        let stream = StreamId::for_entity("token", token_id);
        match state
            .events
            .append(
                &stream,
                ExpectedVersion::NoStream,
                &[event],
                &AppendMeta::new(auth.actor()),
            )
            .await
        {
            Ok(_) => CreateTokenResponse::Created(Json(IssuedToken {
                token_id,
                name: name.into_string(),
                role: role.into(),
                expires_at,
                token,
            })),
            Err(e) => CreateTokenResponse::Internal(Json(Problem::internal(&e))),
        }
    }

    /// Your API tokens (admins see everyone's), newest first. Never the secrets.
    #[oai(
        path = "/tokens",
        method = "get",
        operation_id = "listTokens",
        tag = "Tag::Tokens"
    )]
    async fn list(&self, auth: ViewerAuth, state: Data<&AppState>) -> ListTokensResponse {
        let me = auth.principal();
        let whose = (me.role != Role::Admin).then_some(me.user_id);
        match accounts::list_tokens(&state.pool, whose).await {
            Ok(tokens) => {
                ListTokensResponse::Ok(Json(tokens.into_iter().map(Token::from).collect()))
            }
            Err(e) => ListTokensResponse::Internal(Json(Problem::internal(&e))),
        }
    }

    /// Revokes a token (yours, or anyone's for admins). It stops working at once.
    #[oai(
        path = "/tokens/:id",
        method = "delete",
        operation_id = "revokeToken",
        tag = "Tag::Tokens"
    )]
    async fn revoke(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> DeleteResponse {
        let me = auth.principal();
        let token = match accounts::token_by_id(&state.pool, id.0).await {
            Ok(Some(t)) if t.user_id == me.user_id || me.role == Role::Admin => t,
            Ok(_) => return DeleteResponse::NotFound(Json(Problem::not_found("no such token"))),
            Err(e) => return DeleteResponse::Internal(Json(Problem::internal(&e))),
        };
        if token.revoked_at.is_some() {
            return DeleteResponse::Deleted;
        }
        let event = DomainEvent::TokenRevoked(TokenRevoked {
            token_id: token.token_id,
        });
        let stream = StreamId::for_entity("token", token.token_id);
        match state
            .events
            .append(
                &stream,
                ExpectedVersion::Any,
                &[event],
                &AppendMeta::new(auth.actor()),
            )
            .await
        {
            Ok(_) => DeleteResponse::Deleted,
            Err(e) => DeleteResponse::Internal(Json(Problem::internal(&e))),
        }
    }
}
