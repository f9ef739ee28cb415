//! The demo catalogue: a few dozen documents in the partners' languages and scripts,
//! copies in the project reading rooms and at partners, and exchange shipments in every
//! state — so that a newcomer's first queries show a living catalogue.
//!
//! These records are written for the demo (marked so in their notes) and carry no
//! invented identifiers such as ISBNs. Shipment dates are fixed, so the yearly balances
//! the demo shows do not depend on the day it is loaded.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::document::{self, Contributor, ContributorRole, Description, DocumentFormat, ParallelTitle, Provenance};
use crate::error::Result;
use crate::exchange::{self, ExchangeDirection, ExchangeDraft, ExchangeStatus, Move};
use crate::holding::{self, HoldingDraft, HoldingStatus};

const SOURCE: &str = "hamkor-demo";
const ACTOR: &str = "hamkor demo";
const NOTE: &str = "Demo record written for hamkor's demo content.";

struct Demo {
    key: &'static str,
    title: &'static str,
    parallel: Option<(&'static str, &'static str)>,
    /// (name, role)
    by: &'static [(&'static str, ContributorRole)],
    language: &'static str,
    place: Option<&'static str>,
    year: Option<i32>,
    subjects: &'static [&'static str],
    format: DocumentFormat,
    /// English name of the partner the document came from.
    from: Option<&'static str>,
    /// Title of the project reading room a copy is shelved in.
    room: Option<&'static str>,
}

use ContributorRole::*;
use DocumentFormat::*;

const KOREA: &str = "National Library of Korea";
const CHINA: &str = "National Library of China";
const KAZAKHSTAN: &str = "National Library of Kazakhstan";
const TURKEY: &str = "National Library of Turkey";
const USA: &str = "Embassy of the United States of America in Uzbekistan";
const WINDOW_KOREA: &str = "Window to Korea";
const WINDOW_SHANGHAI: &str = "Window to Shanghai";
const WINDOW_AMERICA: &str = "Window to America";
const KAZAKH_CENTRE: &str = "Center of Kazakh Literature and Culture";
const SCO_HALL: &str = "SCO Knowledge Hall";

#[rustfmt::skip]
const DOCUMENTS: &[Demo] = &[
    Demo { key: "demo-01", title: "Boburnoma", parallel: Some(("Бобурнома", "Cyrl")), by: &[("Bobur, Zahiriddin Muhammad", Author)], language: "uzb", place: Some("Toshkent"), year: Some(2019), subjects: &["Memoirs", "Central Asia -- History"], format: Book, from: None, room: None },
    Demo { key: "demo-02", title: "Хамса", parallel: Some(("Xamsa", "Latn")), by: &[("Навоий, Алишер", Author)], language: "uzb", place: Some("Тошкент"), year: Some(1986), subjects: &["Poetry, Chagatai"], format: Book, from: None, room: None },
    Demo { key: "demo-03", title: "The Manuscript and Book Heritage of the National Library of Uzbekistan named after Alisher Navoi", parallel: None, by: &[], language: "eng", place: Some("Tashkent"), year: None, subjects: &["Manuscripts -- Uzbekistan", "Rare books -- Uzbekistan"], format: Book, from: None, room: None },
    Demo { key: "demo-04", title: "O‘zbekiston tarixi", parallel: Some(("Ўзбекистон тарихи", "Cyrl")), by: &[], language: "uzb", place: Some("Toshkent"), year: Some(2021), subjects: &["Uzbekistan -- History"], format: Book, from: None, room: None },
    Demo { key: "demo-05", title: "홍길동전", parallel: Some(("Hong Kil-tong chŏn", "Latn")), by: &[("허균", Author)], language: "kor", place: Some("서울"), year: Some(2010), subjects: &["Korean fiction"], format: Book, from: Some(KOREA), room: Some(WINDOW_KOREA) },
    Demo { key: "demo-06", title: "춘향전", parallel: Some(("Ch‘unhyang chŏn", "Latn")), by: &[], language: "kor", place: Some("서울"), year: Some(2012), subjects: &["Korean fiction"], format: Book, from: Some(KOREA), room: Some(WINDOW_KOREA) },
    Demo { key: "demo-07", title: "한국 전통 음악", parallel: Some(("Traditional Korean music", "Latn")), by: &[], language: "kor", place: Some("서울"), year: Some(2018), subjects: &["Music -- Korea"], format: Audiovisual, from: Some(KOREA), room: Some(WINDOW_KOREA) },
    Demo { key: "demo-08", title: "红楼梦", parallel: Some(("Hong lou meng", "Latn")), by: &[("曹雪芹", Author)], language: "zho", place: Some("北京"), year: Some(2008), subjects: &["Chinese fiction"], format: Book, from: Some(CHINA), room: Some(WINDOW_SHANGHAI) },
    Demo { key: "demo-09", title: "论语", parallel: Some(("Lun yu", "Latn")), by: &[("孔子", Author)], language: "zho", place: Some("北京"), year: Some(2006), subjects: &["Philosophy, Chinese"], format: Book, from: Some(CHINA), room: Some(WINDOW_SHANGHAI) },
    Demo { key: "demo-10", title: "上海城市地图", parallel: Some(("Shanghai city map", "Latn")), by: &[], language: "zho", place: Some("上海"), year: Some(2016), subjects: &["Shanghai (China) -- Maps"], format: Map, from: Some(CHINA), room: Some(WINDOW_SHANGHAI) },
    Demo { key: "demo-11", title: "Война и мир", parallel: Some(("Voĭna i mir", "Latn")), by: &[("Толстой, Лев Николаевич", Author)], language: "rus", place: Some("Москва"), year: Some(2015), subjects: &["Russian fiction"], format: Book, from: Some("National Library of Russia"), room: None },
    Demo { key: "demo-12", title: "Евгений Онегин", parallel: Some(("Evgeniĭ Onegin", "Latn")), by: &[("Пушкин, Александр Сергеевич", Author)], language: "rus", place: Some("Санкт-Петербург"), year: Some(2011), subjects: &["Poetry, Russian"], format: Book, from: Some("National Library of Russia"), room: None },
    Demo { key: "demo-13", title: "Абай жолы", parallel: Some(("Abai zholy", "Latn")), by: &[("Әуезов, Мұхтар", Author)], language: "kaz", place: Some("Алматы"), year: Some(2017), subjects: &["Kazakh fiction"], format: Book, from: Some(KAZAKHSTAN), room: Some(KAZAKH_CENTRE) },
    Demo { key: "demo-14", title: "Қазақ халық ертегілері", parallel: Some(("Qazaq khalyq ertegіlerі", "Latn")), by: &[], language: "kaz", place: Some("Астана"), year: Some(2020), subjects: &["Tales -- Kazakhstan"], format: Book, from: Some(KAZAKHSTAN), room: Some(KAZAKH_CENTRE) },
    Demo { key: "demo-15", title: "Kürk Mantolu Madonna", parallel: None, by: &[("Ali, Sabahattin", Author)], language: "tur", place: Some("İstanbul"), year: Some(2014), subjects: &["Turkish fiction"], format: Book, from: Some(TURKEY), room: None },
    Demo { key: "demo-16", title: "Dîvânu Lugâti’t-Türk", parallel: None, by: &[("Kâşgarlı Mahmûd", Author), ("Atalay, Besim", Translator)], language: "tur", place: Some("Ankara"), year: Some(2006), subjects: &["Turkic languages -- Dictionaries"], format: Book, from: Some(TURKEY), room: None },
    Demo { key: "demo-17", title: "شاهنامه", parallel: Some(("Shāhnāmah", "Latn")), by: &[("فردوسی", Author)], language: "fas", place: Some("تهران"), year: Some(2009), subjects: &["Epic poetry, Persian"], format: Book, from: Some("National Library and Archives of Iran"), room: None },
    Demo { key: "demo-18", title: "源氏物語", parallel: Some(("Genji monogatari", "Latn")), by: &[("紫式部", Author)], language: "jpn", place: Some("東京"), year: Some(2001), subjects: &["Japanese fiction"], format: Book, from: Some("Aichi University of the Arts"), room: None },
    Demo { key: "demo-19", title: "ვეფხისტყაოსანი", parallel: Some(("Vepkhistkaosani", "Latn")), by: &[("რუსთაველი, შოთა", Author)], language: "kat", place: Some("თბილისი"), year: Some(2016), subjects: &["Epic poetry, Georgian"], format: Manuscript, from: Some("Korneli Kekelidze Georgian National Centre of Manuscripts"), room: None },
    Demo { key: "demo-20", title: "Lāčplēsis", parallel: None, by: &[("Pumpurs, Andrejs", Author)], language: "lav", place: Some("Rīga"), year: Some(2013), subjects: &["Epic poetry, Latvian"], format: Book, from: Some("National Library of Latvia"), room: None },
    Demo { key: "demo-21", title: "Osudy dobrého vojáka Švejka za světové války", parallel: None, by: &[("Hašek, Jaroslav", Author), ("Lada, Josef", Illustrator)], language: "ces", place: Some("Praha"), year: Some(2012), subjects: &["Czech fiction"], format: Book, from: Some("National Library of the Czech Republic"), room: None },
    Demo { key: "demo-22", title: "Faust", parallel: None, by: &[("Goethe, Johann Wolfgang von", Author)], language: "deu", place: Some("Stuttgart"), year: Some(2000), subjects: &["German drama"], format: Book, from: Some("Goethe-Institut Uzbekistan"), room: None },
    Demo { key: "demo-23", title: "Kitabi Dədə Qorqud", parallel: None, by: &[], language: "aze", place: Some("Bakı"), year: Some(2004), subjects: &["Epic literature, Azerbaijani"], format: Book, from: Some("Azerbaijan National Library"), room: None },
    Demo { key: "demo-24", title: "Манас", parallel: Some(("Manas", "Latn")), by: &[], language: "kir", place: Some("Бишкек"), year: Some(2010), subjects: &["Epic poetry, Kyrgyz"], format: Book, from: Some("National Library of the Kyrgyz Republic"), room: None },
    Demo { key: "demo-25", title: "Новая зямля", parallel: Some(("Novaia ziamlia", "Latn")), by: &[("Колас, Якуб", Author)], language: "bel", place: Some("Мінск"), year: Some(2012), subjects: &["Poetry, Belarusian"], format: Book, from: Some("National Library of Belarus"), room: None },
    Demo { key: "demo-26", title: "Saýlanan eserler", parallel: None, by: &[("Magtymguly Pyragy", Author)], language: "tuk", place: Some("Aşgabat"), year: Some(2014), subjects: &["Poetry, Turkmen"], format: Book, from: Some("State Library of the State Cultural Center of Turkmenistan"), room: None },
    Demo { key: "demo-27", title: "Leaves of Grass", parallel: None, by: &[("Whitman, Walt", Author)], language: "eng", place: Some("New York"), year: Some(2005), subjects: &["American poetry"], format: Book, from: Some(USA), room: Some(WINDOW_AMERICA) },
    Demo { key: "demo-28", title: "The Great Gatsby", parallel: None, by: &[("Fitzgerald, F. Scott", Author)], language: "eng", place: Some("New York"), year: Some(2004), subjects: &["American fiction"], format: Book, from: Some(USA), room: Some(WINDOW_AMERICA) },
    Demo { key: "demo-29", title: "Memory of the World: the treasures that record our history", parallel: None, by: &[("UNESCO", Publisher)], language: "eng", place: Some("Paris"), year: Some(2012), subjects: &["Documentary heritage"], format: Book, from: Some("National Commission of the Republic of Uzbekistan for UNESCO"), room: None },
    Demo { key: "demo-30", title: "Shanghai Cooperation Organisation: twenty years", parallel: Some(("Шанхайская организация сотрудничества: двадцать лет", "Cyrl")), by: &[], language: "eng", place: Some("Tashkent"), year: Some(2021), subjects: &["Shanghai Cooperation Organisation"], format: Book, from: Some("SCO People's Diplomacy Center"), room: Some(SCO_HALL) },
    Demo { key: "demo-31", title: "Shashmaqom", parallel: Some(("Шашмақом", "Cyrl")), by: &[], language: "uzb", place: Some("Toshkent"), year: Some(2007), subjects: &["Maqom -- Uzbekistan"], format: Score, from: None, room: None },
    Demo { key: "demo-32", title: "Kutubxona va axborot", parallel: None, by: &[], language: "uzb", place: Some("Toshkent"), year: Some(2023), subjects: &["Library science -- Periodicals"], format: Serial, from: None, room: None },
];

/// (reference, partner, direction, demo keys with copies, (dispatched, received, acknowledged, expected), room)
struct DemoShipment {
    reference: &'static str,
    partner: &'static str,
    direction: ExchangeDirection,
    lines: &'static [(&'static str, i32)],
    dispatched: Option<&'static str>,
    received: Option<&'static str>,
    acknowledged: Option<&'static str>,
    expected: Option<&'static str>,
    room: Option<&'static str>,
}

const SHIPMENTS: &[DemoShipment] = &[
    DemoShipment {
        reference: "DEMO-KR-2025-01",
        partner: KOREA,
        direction: ExchangeDirection::Incoming,
        lines: &[("demo-05", 2), ("demo-06", 1), ("demo-07", 1)],
        dispatched: Some("2025-03-10"),
        received: Some("2025-04-02"),
        acknowledged: Some("2025-04-05"),
        expected: Some("2025-04-01"),
        room: Some(WINDOW_KOREA),
    },
    DemoShipment {
        reference: "DEMO-TR-2024-01",
        partner: TURKEY,
        direction: ExchangeDirection::Incoming,
        lines: &[("demo-15", 1), ("demo-16", 1)],
        dispatched: Some("2024-10-28"),
        received: Some("2024-11-20"),
        acknowledged: None,
        expected: None,
        room: None,
    },
    DemoShipment {
        reference: "DEMO-UZ-KZ-2025-01",
        partner: KAZAKHSTAN,
        direction: ExchangeDirection::Outgoing,
        lines: &[("demo-01", 2), ("demo-02", 2), ("demo-03", 1)],
        dispatched: Some("2025-09-15"),
        received: None,
        acknowledged: None,
        expected: Some("2025-10-01"),
        room: None,
    },
    DemoShipment {
        reference: "DEMO-CN-2026-01",
        partner: CHINA,
        direction: ExchangeDirection::Incoming,
        lines: &[("demo-08", 1), ("demo-09", 1), ("demo-10", 1)],
        dispatched: None,
        received: None,
        acknowledged: None,
        expected: Some("2026-12-15"),
        room: Some(WINDOW_SHANGHAI),
    },
];

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CatalogReport {
    pub documents_created: usize,
    pub holdings_created: usize,
    pub exchanges_created: usize,
}

/// Loads the demo catalogue inside the seed's transaction. `partners` and `projects` map
/// English names and project titles to ids.
pub async fn seed_catalog(
    conn: &mut PgConnection,
    partners: &HashMap<&str, i64>,
    projects: &HashMap<&str, i64>,
) -> Result<CatalogReport> {
    let mut report = CatalogReport::default();
    let mut documents: HashMap<&str, i64> = HashMap::new();
    for demo in DOCUMENTS {
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM documents WHERE source = $1 AND control_number = $2")
                .bind(SOURCE)
                .bind(demo.key)
                .fetch_optional(&mut *conn)
                .await?;
        let id = match existing {
            Some(id) => id,
            None => {
                let description = describe(demo).validate()?;
                let provenance = Provenance {
                    source: Some(SOURCE.into()),
                    control_number: Some(demo.key.into()),
                    origin_partner_id: demo.from.and_then(|p| partners.get(p).copied()),
                    ..Default::default()
                };
                report.documents_created += 1;
                document::db::insert(conn, &description, &provenance, None).await?
            }
        };
        documents.insert(demo.key, id);
    }

    for shipment in SHIPMENTS {
        let Some(&partner_id) = partners.get(shipment.partner) else { continue };
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM exchanges WHERE reference = $1)")
            .bind(shipment.reference)
            .fetch_one(&mut *conn)
            .await?;
        if exists {
            continue;
        }
        let draft = ExchangeDraft {
            partner_id,
            agreement_id: None,
            direction: shipment.direction,
            reference: Some(shipment.reference.into()),
            note: Some("Demo shipment.".into()),
            expected_on: shipment.expected.and_then(date),
            lines: shipment.lines.iter().filter_map(|(key, copies)| Some((*documents.get(key)?, *copies))).collect(),
        }
        .validate()?;
        let id = exchange::db::insert(conn, &draft).await?;
        let planned_on = shipment.dispatched.or(shipment.expected).and_then(date).unwrap_or_default();
        exchange::db::add_event(conn, id, None, ExchangeStatus::Planned, ACTOR, None, planned_on).await?;
        report.exchanges_created += 1;
        let moves = [
            (ExchangeStatus::Dispatched, shipment.dispatched),
            (ExchangeStatus::Received, shipment.received),
            (ExchangeStatus::Acknowledged, shipment.acknowledged),
        ];
        for (to, on) in moves {
            let Some(on) = on.and_then(date) else { break };
            let request = Move {
                to,
                on,
                actor: ACTOR.into(),
                note: None,
                location_project_id: shipment.room.and_then(|r| projects.get(r).copied()),
                barcode_prefix: Some(shipment.reference.to_owned()),
            };
            exchange::make_move(conn, id, request).await?;
            if to == ExchangeStatus::Received && shipment.direction == ExchangeDirection::Incoming {
                report.holdings_created += shipment.lines.iter().map(|(_, c)| *c as usize).sum::<usize>();
            }
        }
    }

    // Copies shelved in the reading rooms that did not come with a demo shipment, and a
    // few copies partners hold (what interlibrary loan would ask them for).
    for demo in DOCUMENTS {
        let document_id = documents[demo.key];
        let in_shipment = SHIPMENTS.iter().any(|s| s.received.is_some() && s.lines.iter().any(|(k, _)| *k == demo.key));
        if !in_shipment {
            let draft = HoldingDraft {
                document_id,
                holder_partner_id: None,
                barcode: format!("NLU-{}", demo.key),
                call_number: None,
                location_project_id: demo.room.and_then(|r| projects.get(r).copied()),
                location_note: None,
                status: HoldingStatus::Available,
                exchange_id: None,
            };
            report.holdings_created += insert_holding_if_absent(conn, &draft).await?;
        }
        if let Some(partner_id) = demo.from.and_then(|p| partners.get(p).copied()) {
            let draft = HoldingDraft {
                document_id,
                holder_partner_id: Some(partner_id),
                barcode: format!("P{partner_id}-{}", demo.key),
                call_number: None,
                location_project_id: None,
                location_note: None,
                status: HoldingStatus::Available,
                exchange_id: None,
            };
            report.holdings_created += insert_holding_if_absent(conn, &draft).await?;
        }
    }
    Ok(report)
}

async fn insert_holding_if_absent(conn: &mut PgConnection, draft: &HoldingDraft) -> Result<usize> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM holdings WHERE COALESCE(holder_partner_id, 0) = COALESCE($1, 0) AND barcode = $2)",
    )
    .bind(draft.holder_partner_id)
    .bind(&draft.barcode)
    .fetch_one(&mut *conn)
    .await?;
    if exists {
        return Ok(0);
    }
    holding::db::insert(conn, draft).await?;
    Ok(1)
}

fn describe(demo: &Demo) -> Description {
    Description {
        title: demo.title.into(),
        parallel_titles: demo
            .parallel
            .map(|(title, script)| ParallelTitle { title: title.into(), subtitle: None, script: Some(script.into()) })
            .into_iter()
            .collect(),
        contributors: demo
            .by
            .iter()
            .map(|(name, role)| Contributor { name: (*name).into(), role: *role, parallel_name: None })
            .collect(),
        languages: vec![demo.language.into()],
        place: demo.place.map(Into::into),
        year: demo.year,
        series_title: (demo.key == "demo-03").then(|| "The Cultural Legacy of Uzbekistan".into()),
        series_volume: (demo.key == "demo-03").then(|| "XLI".into()),
        subjects: demo.subjects.iter().map(|s| (*s).into()).collect(),
        notes: Some(NOTE.into()),
        format: demo.format,
        ..Default::default()
    }
}
