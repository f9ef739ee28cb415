//! The yearly interlibrary loan report the office gives beside the exchange balance: per
//! partner and role, how many requests, how many filled and unfilled (with the reasons),
//! how long supply and return took, and how many loans are overdue now.

use chrono::NaiveDate;
use sqlx::PgPool;

use super::Role;
use crate::error::Result;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct IllYearReport {
    pub partner_id: i64,
    pub role: Role,
    pub year: i32,
    /// Requests created that year.
    pub requests: i64,
    /// Of those, supplied (loan sent or copy delivered).
    pub filled: i64,
    pub unfilled: i64,
    pub cancelled: i64,
    /// Days from the request to the supply, on average over the filled ones.
    pub average_days_to_supply: Option<f64>,
    /// Days from the supply to the loan's completion, on average over the returned loans.
    pub average_days_to_return: Option<f64>,
    /// Loans of that year's requests past their due date today.
    pub overdue_now: i64,
    #[sqlx(skip)]
    pub unfilled_reasons: Vec<(String, i64)>,
}

/// The report for `year`; only `partner`'s rows when given (a partner's portal).
pub async fn for_year(pool: &PgPool, year: i32, partner: Option<i64>, today: NaiveDate) -> Result<Vec<IllYearReport>> {
    let mut rows: Vec<IllYearReport> = sqlx::query_as(
        "SELECT partner_id, role, $1::int AS year, count(*) AS requests,
                count(*) FILTER (WHERE supplied_at IS NOT NULL) AS filled,
                count(*) FILTER (WHERE status = 'unfilled') AS unfilled,
                count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
                (avg(extract(epoch FROM supplied_at - created_at)) / 86400)::float8 AS average_days_to_supply,
                (avg(extract(epoch FROM closed_at - supplied_at)) FILTER (WHERE status = 'loan_completed') / 86400)::float8
                    AS average_days_to_return,
                count(*) FILTER (WHERE status = 'overdue' OR (status IN ('loaned', 'received') AND due_date < $3))
                    AS overdue_now
           FROM ill_requests
          WHERE extract(year FROM created_at)::int = $1 AND ($2::bigint IS NULL OR partner_id = $2)
          GROUP BY partner_id, role
          ORDER BY partner_id, role",
    )
    .bind(year)
    .bind(partner)
    .bind(today)
    .fetch_all(pool)
    .await?;
    let reasons: Vec<(i64, Role, String, i64)> = sqlx::query_as(
        "SELECT partner_id, role, coalesce(unfilled_reason, 'no reason given'), count(*)
           FROM ill_requests
          WHERE status = 'unfilled' AND extract(year FROM created_at)::int = $1
            AND ($2::bigint IS NULL OR partner_id = $2)
          GROUP BY 1, 2, 3 ORDER BY 4 DESC, 3",
    )
    .bind(year)
    .bind(partner)
    .fetch_all(pool)
    .await?;
    for (partner_id, role, reason, count) in reasons {
        if let Some(row) = rows.iter_mut().find(|r| r.partner_id == partner_id && r.role == role) {
            row.unfilled_reasons.push((reason, count));
        }
    }
    Ok(rows)
}
