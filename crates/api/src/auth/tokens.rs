//! Endpoints `/tokens`: a caller's API tokens (admins see and revoke everyone's), issued
//! with their secret shown once.

use chrono::{DateTime, Utc};
use domain::Role;
use engine::accounts::AccountError;
use engine::accounts::sessions::{self, Caller, TokenError, TokenRequest};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use store::projections::auth as accounts;
use uuid::Uuid;

use super::{OperatorAuth, ViewerAuth};
use crate::AppState;
use crate::problem::Problem;

use super::api::{RoleDto, Tag};
use crate::respond::{Answer, Created, NoContent, documented};

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

documented!(
    /// Issuing a token.
    CreateTokenErrors:
        400 "Invalid name, a role above yours, or an expiry out of range (`field` says which).",
        500 "A server-side failure."
);
documented!(
    /// Listing tokens.
    ListTokensErrors: 500 "A server-side failure."
);
documented!(
    /// Revoking a token.
    RevokeTokenErrors:
        400 "Invalid parameters.",
        404 "No such token (or not yours).",
        500 "A server-side failure."
);

pub struct TokensApi;

#[OpenApi]
impl TokensApi {
    /// Issues an API token with at most your role. The secret is in this response only.
    #[oai(path = "/tokens", method = "post", operation_id = "createToken", tag = "Tag::Tokens")]
    async fn create(
        &self,
        auth: OperatorAuth,
        state: Data<&AppState>,
        body: Json<NewToken>,
    ) -> Answer<Created<IssuedToken>, CreateTokenErrors> {
        let me = auth.principal();
        let body = body.0;
        let issued = sessions::create_token(
            &state.events,
            Caller {
                user_id: me.user_id,
                role: me.role,
            },
            TokenRequest {
                name: body.name,
                role: body.role.map(Role::from),
                expires_in_days: body.expires_in_days,
            },
            auth.actor(),
        )
        .await
        .map_err(|e| match e {
            TokenError::Account(e) => Problem::internal(&e),
            e => Problem::validation(e.to_string()).with_field(e.field()),
        })?;
        Ok(Created(IssuedToken {
            token_id: issued.token_id,
            name: issued.name.into_string(),
            role: issued.role.into(),
            expires_at: issued.expires_at,
            token: issued.secret,
        }))
    }

    /// Your API tokens (admins see everyone's), newest first. Never the secrets.
    #[oai(path = "/tokens", method = "get", operation_id = "listTokens", tag = "Tag::Tokens")]
    async fn list(
        &self,
        auth: ViewerAuth,
        state: Data<&AppState>,
    ) -> Answer<Json<Vec<Token>>, ListTokensErrors> {
        let me = auth.principal();
        let whose = (me.role != Role::Admin).then_some(me.user_id);
        let tokens = accounts::list_tokens(&state.pool, whose).await?;
        Ok(Json(tokens.into_iter().map(Token::from).collect()))
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
    ) -> Answer<NoContent, RevokeTokenErrors> {
        let me = auth.principal();
        let caller = Caller {
            user_id: me.user_id,
            role: me.role,
        };
        sessions::revoke_token(&state.events, caller, id.0, auth.actor())
            .await
            .map_err(|e| match e {
                AccountError::NoSuchToken => Problem::not_found("no such token"),
                e => Problem::internal(&e),
            })?;
        Ok(NoContent)
    }
}
