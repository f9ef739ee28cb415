//! Per-caller rate limits, charged by cost: every request costs [`REQUEST_COST`], and a
//! GraphQL request also what its query costs (see `graphql::cost`). A caller over its budget
//! gets `429 Too Many Requests` with `Retry-After`.
//!
//! A caller is its token, or without one its network address (the address that connected:
//! behind a reverse proxy, give every client its own budget at the proxy). The budget refills continuously (GCRA),
//! so a burst can spend up to a minute's worth at once.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Shared;
use super::errors::error_response;

/// What any request costs, whatever it asks: the work of receiving and answering it.
pub const REQUEST_COST: u64 = 100;
/// The default budget of a caller per minute (cost units of about ten microseconds of
/// work: a third of a core): some 900 searches with facets, or 400 pages of 20 partners
/// with their agreements and projects, a minute. No person at a screen gets near it.
pub const DEFAULT_PER_MINUTE: u32 = 2_000_000;
/// How much of it a caller may spend at once: enough for the costliest query allowed.
const BURST: u32 = 500_000;
/// Introspection is charged a tenth of its cost: tools ask for the whole schema once.
const INTROSPECTION_DISCOUNT: u64 = 10;

/// Who is asking, for rate limits (and, in logs, who made a change).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Caller(pub String);

impl Caller {
    pub fn from_address(address: IpAddr) -> Self {
        Caller(address.to_string())
    }
}

pub struct RateLimits {
    limiter: DefaultKeyedRateLimiter<Caller>,
    per_minute: NonZeroU32,
}

/// The caller must wait this long before its next request goes through.
#[derive(Clone, Copy, Debug)]
pub struct Limited {
    pub retry_after: Duration,
}

impl RateLimits {
    /// A budget of `per_minute` cost units per caller; `None` (no limits) for 0.
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        let per_minute = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(BURST.min(per_minute.get())).unwrap_or(per_minute);
        Some(RateLimits { limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)), per_minute })
    }

    /// Spends `cost` of the caller's budget, or says how long to wait.
    pub fn charge(&self, caller: &Caller, cost: u64) -> Result<(), Limited> {
        let cells = NonZeroU32::new(u32::try_from(cost.max(1)).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN);
        match self.limiter.check_key_n(caller, cells) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(Limited { retry_after: not_until.wait_time_from(DefaultClock::default().now()) }),
            // More than a whole minute's budget at once: it can never go through as one.
            Err(_) => Err(Limited { retry_after: Duration::from_secs(60) }),
        }
    }

    /// A GraphQL request's cost: its data cost and a tenth of its introspection.
    pub fn graphql_cost(data: u64, introspection: u64) -> u64 {
        data.saturating_add(introspection / INTROSPECTION_DISCOUNT)
    }

    pub fn per_minute_budget(&self) -> u32 {
        self.per_minute.get()
    }

    /// Forgets callers whose budget is full again, so memory follows the callers of the
    /// last minute, not of all time.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The 429 answer: a GraphQL-shaped JSON error with the code, and `Retry-After` in seconds.
pub fn too_many_requests(limited: Limited) -> Response {
    let seconds = limited.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        &format!("too many requests from this caller; try again in {seconds} s"),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Charges every request's caller (named by `auth::authenticate`: its token, else its
/// address) [`REQUEST_COST`]. Health probes and metrics scrapes are free: orchestrators call
/// them all the time.
pub async fn rate_limit(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    let caller = match request.extensions().get::<Caller>() {
        Some(caller) => caller.clone(),
        None => {
            let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            Caller::from_address(address.unwrap_or(IpAddr::from([0, 0, 0, 0])))
        }
    };
    let free = matches!(request.uri().path(), "/healthz" | "/readyz" | "/metrics");
    if let (false, Some(limits)) = (free, state.limits.as_deref())
        && let Err(limited) = limits.charge(&caller, REQUEST_COST)
    {
        return too_many_requests(limited).into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}
