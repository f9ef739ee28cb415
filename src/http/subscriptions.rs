//! `/graphql/ws`: GraphQL subscriptions over WebSocket, with the `graphql-transport-ws`
//! protocol (and the older `graphql-ws`, which Apollo's legacy client speaks).
//!
//! Browsers cannot put an `Authorization` header on a WebSocket, so the token comes in the
//! `connection_init` message's payload: `{"Authorization": "Bearer …"}` (also accepted:
//! `authorization`, `token`, or either inside `headers`). A connection without one acts as
//! the upgrade request's caller. A token that is not valid closes the connection (code
//! 1002, the reason saying why: async-graphql's answer to a refused `connection_init`).

use std::sync::Arc;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Data, ErrorExtensions, Executor};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Extension;
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use serde_json::Value;

use super::Shared;
use crate::access::Viewer;
use crate::graphql::HamkorSchema;
use crate::graphql::cost::CostModel;

/// The schema behind the cost limits every HTTP request meets: a subscription built to
/// hurt is refused before it runs, as over HTTP.
#[derive(Clone)]
struct Guarded {
    schema: HamkorSchema,
    cost: Arc<CostModel>,
}

impl Guarded {
    fn refusal(&self, request: &async_graphql::Request) -> Option<async_graphql::Response> {
        let error = |message: String, code: &'static str| {
            let error = async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code));
            Some(async_graphql::Response::from_errors(vec![error.into_server_error(Default::default())]))
        };
        let document = match async_graphql::parser::parse_query(&request.query) {
            Ok(document) => document,
            Err(err) => return error(err.to_string(), crate::graphql::error::GRAPHQL_PARSE_FAILED),
        };
        let variables = serde_json::to_value(&request.variables).unwrap_or(Value::Null);
        match self.cost.check(&document, request.operation_name.as_deref(), &variables) {
            Ok(_) => None,
            Err(refusal) => error(refusal.to_string(), crate::graphql::error::QUERY_TOO_COMPLEX),
        }
    }
}

impl Executor for Guarded {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        match self.refusal(&request) {
            Some(refused) => refused,
            None => self.schema.execute(request).await,
        }
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        match self.refusal(&request) {
            Some(refused) => stream::once(async move { refused }).boxed(),
            None => Executor::execute_stream(&self.schema, request, session_data),
        }
    }
}

pub async fn upgrade(
    State(state): State<Shared>,
    Extension(viewer): Extension<Viewer>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| {
        let guarded = Guarded { schema: state.schema.clone(), cost: state.cost.clone() };
        GraphQLWebSocket::new(socket, guarded, protocol)
            .on_connection_init(move |payload| connection_init(state, viewer, payload))
            .serve()
    })
}

/// The bearer token of a `connection_init` payload, if it carries one.
fn bearer_of(payload: &Value) -> Option<String> {
    let field = |object: &Value| {
        ["Authorization", "authorization", "token"].iter().find_map(|key| object.get(*key)?.as_str().map(str::to_owned))
    };
    let value = field(payload).or_else(|| payload.get("headers").and_then(field))?;
    Some(value.strip_prefix("Bearer ").unwrap_or(&value).trim().to_owned())
}

async fn connection_init(state: Shared, viewer: Viewer, payload: Value) -> async_graphql::Result<async_graphql::Data> {
    let viewer = match bearer_of(&payload) {
        None => viewer,
        Some(bearer) => match state.tokens.check(&state.pool, &bearer).await {
            Ok(Some(token)) => Viewer {
                role: token.acts_as(),
                token: Some((token.id, token.name)),
                address: viewer.address,
                cli_user: None,
            },
            Ok(None) => return Err("the token is not valid: unknown, expired or revoked".into()),
            Err(_) => return Err("tokens cannot be checked right now; try again in a few seconds".into()),
        },
    };
    Ok(crate::graphql::connection_data(
        viewer,
        &state.pool,
        &state.search,
        &state.recent_partners,
        state.batch_window,
        state.ill_updates.clone(),
        state.ill.agency.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn the_token_is_found_where_clients_put_it() {
        for payload in [
            json!({ "Authorization": "Bearer hamkor_1_x" }),
            json!({ "authorization": "Bearer hamkor_1_x" }),
            json!({ "token": "hamkor_1_x" }),
            json!({ "headers": { "Authorization": "Bearer hamkor_1_x" } }),
        ] {
            assert_eq!(super::bearer_of(&payload).as_deref(), Some("hamkor_1_x"), "{payload}");
        }
        assert_eq!(super::bearer_of(&json!({})), None);
        assert_eq!(super::bearer_of(&Value::Null), None);
    }

    use serde_json::Value;
}
