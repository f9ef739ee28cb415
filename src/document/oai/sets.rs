//! ListSets: every set that has documents, under its three parents. There are at most a
//! few hundred (partners, shipments, languages), so they come in one response, without
//! resumption tokens.

use sqlx::{PgConnection, PgPool};

use super::xml::element;
use super::{Answer, db};
use crate::error::Result;
use crate::global_id::{self, NodeKind};

fn set(out: &mut String, spec: &str, name: &str) {
    out.push_str("<set>");
    element(out, "setSpec", spec);
    element(out, "setName", name);
    out.push_str("</set>\n");
}

/// A language's English name and code (`Uzbek (uzb)`), or the code alone.
fn language_name(code: &str) -> String {
    match isolang::Language::from_639_3(code) {
        Some(language) => format!("{} ({code})", language.to_name()),
        None => code.to_owned(),
    }
}

pub(super) async fn list_sets(conn: &mut PgConnection, pool: &PgPool) -> Result<Answer> {
    let members = db::set_members(conn).await?;
    let exchanges = crate::exchange::db::get_many(pool, &members.exchange_ids).await?;
    let mut partner_ids = members.partner_ids.clone();
    partner_ids.extend(exchanges.iter().map(|e| e.partner_id));
    partner_ids.sort_unstable();
    partner_ids.dedup();
    let partners = crate::partner::db::get_many(pool, &partner_ids).await?;
    let partner_name = |id: i64| partners.iter().find(|p| p.id == id).map_or("", |p| p.best_name(None));

    let mut out = String::from("<ListSets>\n");
    set(&mut out, "partner", "Documents by the partner they came from");
    for &id in &members.partner_ids {
        let name = partner_name(id);
        let name = if name.is_empty() { "Partner" } else { name };
        set(&mut out, &format!("partner:{}", global_id::encode(NodeKind::Partner, id)), name);
    }
    set(&mut out, "exchange", "Documents by the exchange shipment they came with or were sent in");
    for &id in &members.exchange_ids {
        let Some(exchange) = exchanges.iter().find(|e| e.id == id) else { continue };
        let reference = exchange.reference.as_deref().map(str::trim).filter(|r| !r.is_empty());
        let name = match (reference, partner_name(exchange.partner_id)) {
            (Some(reference), "") => reference.to_owned(),
            (Some(reference), partner) => format!("{reference} ({partner})"),
            (None, "") => "Exchange shipment".to_owned(),
            (None, partner) => format!("Exchange shipment ({partner})"),
        };
        set(&mut out, &format!("exchange:{}", global_id::encode(NodeKind::Exchange, id)), &name);
    }
    set(&mut out, "language", "Documents by language");
    for code in members.languages.iter().filter(|code| super::is_language_spec(code)) {
        set(&mut out, &format!("language:{code}"), &language_name(code));
    }
    out.push_str("</ListSets>\n");
    Ok(Ok(out))
}
