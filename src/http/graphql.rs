//! `/graphql` as the GraphQL-over-HTTP specification describes it.
//!
//! - POST with `Content-Type: application/json` runs any operation; another content type is
//!   415, a body that is not a JSON object with a string `query` is 400.
//! - GET runs queries from the URL (`query`, `operationName`, `variables`, `extensions`);
//!   a mutation over GET is 405, so a link or a prefetch can never change data. A browser
//!   asking for HTML gets GraphiQL.
//! - The response is `application/graphql-response+json` or `application/json`, as the
//!   `Accept` header prefers. With the former, a request that fails to parse or validate is
//!   400 and has no `data` entry; with the latter it is 200, as the spec asks for
//!   compatibility with older clients.

use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection};
use async_graphql::{ServerError, Value};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::limits::{Caller, RateLimits, too_many_requests};
use super::{AppState, OperationLabel, RequestId, Shared};
use crate::access::Viewer;
use crate::graphql::cost::Refusal;
use crate::graphql::error::{
    BAD_USER_INPUT, GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, INTERNAL_SERVER_ERROR, QUERY_TOO_COMPLEX,
    SERVICE_UNAVAILABLE,
};
use crate::graphql::prepare_request;

/// What a client is told to wait during a database outage before trying again.
const OUTAGE_RETRY_AFTER_SECONDS: u64 = 5;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }
}

/// Picks the response media type from `Accept`: the acceptable type with the highest
/// quality, the earlier one on a tie. No header means `application/json`; a header that
/// accepts neither is `None` (406).
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    let mut best: Option<(f32, MediaType)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality =
            parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => MediaType::GraphqlResponseJson,
            JSON | "*/*" | "application/*" => MediaType::Json,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, candidate));
        }
    }
    best.map(|(_, media)| media)
}

/// The request parameters, checked for the types the spec requires.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    extensions: Option<serde_json::Value>,
}

fn params_from_json(body: serde_json::Value) -> Result<Params, String> {
    let serde_json::Value::Object(mut map) = body else {
        return Err("the request body must be a JSON object".into());
    };
    let query = match map.remove("query") {
        Some(serde_json::Value::String(q)) => q,
        Some(_) => return Err("`query` must be a string".into()),
        None => return Err("the request has no `query`".into()),
    };
    let operation_name = match map.remove("operationName") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(name)) => Some(name),
        Some(_) => return Err("`operationName` must be a string or null".into()),
    };
    let object_or_null = |field: &str, value: Option<serde_json::Value>| match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v @ serde_json::Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(format!("`{field}` must be an object or null")),
    };
    let variables = object_or_null("variables", map.remove("variables"))?;
    let extensions = object_or_null("extensions", map.remove("extensions"))?;
    Ok(Params { query, operation_name, variables, extensions })
}

fn params_from_url(query: &std::collections::HashMap<String, String>) -> Result<Params, String> {
    let mut map = serde_json::Map::new();
    if let Some(q) = query.get("query") {
        map.insert("query".into(), json!(q));
    }
    if let Some(name) = query.get("operationName").filter(|n| !n.is_empty()) {
        map.insert("operationName".into(), json!(name));
    }
    for field in ["variables", "extensions"] {
        if let Some(text) = query.get(field).filter(|t| !t.is_empty()) {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|_| format!("`{field}` must be URL-encoded JSON"))?;
            map.insert(field.into(), value);
        }
    }
    params_from_json(serde_json::Value::Object(map))
}

/// A response for a request the server cannot even start on (bad body, bad parameters).
fn request_error(status: StatusCode, media: MediaType, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, [(header::CONTENT_TYPE, media.content_type())], body.to_string()).into_response()
}

pub async fn post(
    State(state): State<Shared>,
    axum::Extension(request_id): axum::Extension<RequestId>,
    axum::Extension(caller): axum::Extension<Caller>,
    axum::Extension(viewer): axum::Extension<Viewer>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            MediaType::Json,
            "NOT_ACCEPTABLE",
            "the Accept header must allow application/graphql-response+json or application/json",
        );
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mut ct_parts = content_type.split(';');
    let is_json = ct_parts.next().is_some_and(|m| m.trim().eq_ignore_ascii_case(JSON));
    let utf8 = ct_parts
        .all(|p| p.trim().strip_prefix("charset=").is_none_or(|c| c.trim_matches('"').eq_ignore_ascii_case("utf-8")));
    if !is_json || !utf8 {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql takes a JSON body: set Content-Type: application/json",
        );
    }
    let params = serde_json::from_slice::<serde_json::Value>(&body)
        .map_err(|e| format!("the body is not valid JSON: {e}"))
        .and_then(params_from_json);
    match params {
        Ok(params) => execute(&state, params, media, request_id, (&caller, &viewer), false).await,
        Err(message) => request_error(StatusCode::BAD_REQUEST, media, "BAD_REQUEST", &message),
    }
}

pub async fn get(
    State(state): State<Shared>,
    axum::Extension(request_id): axum::Extension<RequestId>,
    axum::Extension(caller): axum::Extension<Caller>,
    axum::Extension(viewer): axum::Extension<Viewer>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let wants_html =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !query.contains_key("query") {
        if !state.options.graphiql {
            return super::errors::error_response(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "GraphiQL is turned off on this server; POST GraphQL requests to /graphql",
            );
        }
        return Html(super::graphiql::page()).into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            MediaType::Json,
            "NOT_ACCEPTABLE",
            "the Accept header must allow application/graphql-response+json or application/json",
        );
    };
    match params_from_url(&query) {
        Ok(params) => execute(&state, params, media, request_id, (&caller, &viewer), true).await,
        Err(message) => request_error(StatusCode::BAD_REQUEST, media, "BAD_REQUEST", &message),
    }
}

/// What the selected operation is, when the document parses and the operation exists.
fn operation_type(doc: &async_graphql::parser::types::ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
        _ => None,
    }
}

fn operation_name_of(doc: &async_graphql::parser::types::ExecutableDocument, name: Option<&str>) -> Option<String> {
    if let Some(name) = name {
        return Some(name.to_owned());
    }
    match &doc.operations {
        DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.keys().next().map(|n| n.to_string()),
        _ => None,
    }
}

/// Whether the selected operation reads or writes data (anything but introspection and
/// `__typename`).
fn needs_database(doc: &ExecutableDocument, name: Option<&str>) -> bool {
    let operation = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    };
    operation.is_none_or(|op| {
        op.node.selection_set.node.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => !field.node.name.node.starts_with("__"),
            _ => true,
        })
    })
}

/// The answer to a query refused for its cost, before anything ran: a request error, like
/// a validation failure.
fn refused(refusal: &Refusal, media: MediaType) -> Response {
    let status = if media == MediaType::GraphqlResponseJson { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let mut extensions = serde_json::Map::new();
    let code = match refusal {
        Refusal::FragmentCycle { .. } => GRAPHQL_VALIDATION_FAILED,
        _ => QUERY_TOO_COMPLEX,
    };
    extensions.insert("code".into(), json!(code));
    match refusal {
        Refusal::TooComplex { cost, limit } | Refusal::IntrospectionTooComplex { cost, limit } => {
            extensions.insert("cost".into(), json!(cost));
            extensions.insert("limit".into(), json!(limit));
        }
        Refusal::TooDeep { depth, limit } => {
            extensions.insert("depth".into(), json!(depth));
            extensions.insert("limit".into(), json!(limit));
        }
        Refusal::FragmentRepeated { times, limit, .. } => {
            extensions.insert("expansions".into(), json!(times));
            extensions.insert("limit".into(), json!(limit));
        }
        Refusal::FragmentCycle { .. } => {}
    }
    let body = json!({ "errors": [{ "message": refusal.to_string(), "extensions": extensions }] });
    (status, [(header::CONTENT_TYPE, media.content_type())], body.to_string()).into_response()
}

async fn execute(
    state: &AppState,
    params: Params,
    media: MediaType,
    request_id: RequestId,
    (caller, viewer): (&Caller, &Viewer),
    is_get: bool,
) -> Response {
    let started = Instant::now();
    let doc = match state.parsed.parse(&params.query) {
        Ok(doc) => doc,
        Err(err) => {
            let status = if media == MediaType::GraphqlResponseJson { StatusCode::BAD_REQUEST } else { StatusCode::OK };
            state.metrics.record_error(GRAPHQL_PARSE_FAILED);
            let mut response = request_error(status, media, GRAPHQL_PARSE_FAILED, &err.to_string());
            response.extensions_mut().insert(OperationLabel("(unparsable)".into()));
            return response;
        }
    };
    let op_type = operation_type(&doc, params.operation_name.as_deref());
    let label = state.metrics.operation_label(operation_name_of(&doc, params.operation_name.as_deref()).as_deref());
    if is_get && op_type == Some(OperationType::Mutation) {
        let mut response = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            "METHOD_NOT_ALLOWED",
            "mutations are only accepted over POST",
        );
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let empty = serde_json::Value::Object(serde_json::Map::new());
    let cost =
        match state.cost.check(&doc, params.operation_name.as_deref(), params.variables.as_ref().unwrap_or(&empty)) {
            Ok(cost) => cost,
            Err(refusal) => {
                state.metrics.record_error(QUERY_TOO_COMPLEX);
                let mut response = refused(&refusal, media);
                response.extensions_mut().insert(OperationLabel(label));
                return response;
            }
        };
    if cost.introspection > 0 && !state.options.introspection {
        let status = if media == MediaType::GraphqlResponseJson { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        state.metrics.record_error(GRAPHQL_VALIDATION_FAILED);
        return request_error(status, media, GRAPHQL_VALIDATION_FAILED, "introspection is turned off on this server");
    }
    if let Some(limits) = state.limits.as_deref()
        && let Err(limited) = limits.charge(caller, RateLimits::graphql_cost(cost.data, cost.introspection))
    {
        state.metrics.record_error("RATE_LIMITED");
        return too_many_requests(limited);
    }
    if state.health.down_since().is_some() && needs_database(&doc, params.operation_name.as_deref()) {
        state.metrics.record_error(SERVICE_UNAVAILABLE);
        let mut response = request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            media,
            SERVICE_UNAVAILABLE,
            "the database is unreachable; try again in a few seconds",
        );
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(OUTAGE_RETRY_AFTER_SECONDS));
        return response;
    }

    let mut request = async_graphql::Request::new(params.query);
    request.set_parsed_query(doc);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    if let Some(serde_json::Value::Object(extensions)) = params.extensions {
        for (key, value) in extensions {
            if let Ok(value) = Value::from_json(value) {
                request.extensions.insert(key, value);
            }
        }
    }
    let request = prepare_request(
        request,
        viewer.clone(),
        &state.pool,
        &state.search,
        &state.recent_partners,
        state.batch_window,
    )
    .data(request_id.clone())
    .data(state.tokens.clone())
    .data(state.ill.agency.clone());
    let mut response = state.schema.execute(request).await;

    // Parse, validation and variable-coercion failures happen before execution: they have
    // no data and no path. Execution errors always have a path.
    let request_failed = !response.errors.is_empty()
        && response.data == Value::Null
        && response.errors.iter().all(|e| e.path.is_empty());
    for error in &mut response.errors {
        label_error(error, request_failed, &request_id);
        let code = error_code(error);
        if code == SERVICE_UNAVAILABLE {
            state.health.report_unavailable();
        }
        state.metrics.record_error(&code);
    }
    state.metrics.record_request(&label, started.elapsed());

    let status = if request_failed && media == MediaType::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Serialised straight from the response: no intermediate JSON tree.
    let body = ResponseBody { data: (!request_failed).then_some(&response.data), errors: &response.errors };
    let body = serde_json::to_string(&body).unwrap_or_else(|err| {
        tracing::error!(error = %err, "cannot serialise a GraphQL response");
        json!({ "errors": [{ "message": "the response could not be serialised", "extensions": { "code": INTERNAL_SERVER_ERROR, "requestId": request_id.0 } }] }).to_string()
    });
    let mut http = (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response();
    http.extensions_mut().insert(OperationLabel(label));
    http
}

/// `{"data": …, "errors": […]}`: `data` absent when the request failed before execution,
/// `errors` absent when there are none.
#[derive(serde::Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    errors: &'a [ServerError],
}

fn error_code(error: &ServerError) -> String {
    match error.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(Value::String(code)) => code.clone(),
        _ => INTERNAL_SERVER_ERROR.to_owned(),
    }
}

/// Every error leaves with a code: ours carry one already; the ones async-graphql raises
/// itself are validation failures (before execution) or argument coercion failures
/// (during execution). Internal errors get the request id, to find them in the log.
fn label_error(error: &mut ServerError, request_failed: bool, request_id: &RequestId) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        let code = if request_failed { GRAPHQL_VALIDATION_FAILED } else { BAD_USER_INPUT };
        extensions.set("code", code);
    }
    if matches!(extensions.get("code"), Some(Value::String(c)) if c == INTERNAL_SERVER_ERROR) {
        extensions.set("requestId", request_id.0.as_str());
        error.message = format!("internal error; the server log has the details under request id {}", request_id.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("application/graphql-response+json")), Some(MediaType::GraphqlResponseJson));
        assert_eq!(
            negotiate(&accept("application/graphql-response+json, application/json;q=0.9")),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(negotiate(&accept("application/json, application/graphql-response+json")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
    }

    #[test]
    fn parameters_must_have_the_right_types() {
        assert!(params_from_json(json!({"query": "{ __typename }"})).is_ok());
        assert!(params_from_json(json!({"query": 1})).is_err());
        assert!(params_from_json(json!({"qeury": "{ __typename }"})).is_err());
        assert!(params_from_json(json!({"query": "{ a }", "variables": "x"})).is_err());
        assert!(params_from_json(json!({"query": "{ a }", "operationName": false})).is_err());
        assert!(params_from_json(json!({"query": "{ a }", "extensions": ["x"]})).is_err());
        assert!(params_from_json(json!(["query"])).is_err());
    }
}
