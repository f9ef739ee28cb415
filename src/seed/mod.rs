//! The demo and starting content: the partners, memorandums and projects named in the
//! library's own account of its international activities, and a demo catalogue
//! ([`catalog`]).
//!
//! The account names partners and projects but gives no dates, terms, websites or ISIL
//! codes, so none are invented here: they stay unknown until the office records them.
//! Memorandums are recorded as ACTIVE (the account says they are signed) with no dates.
//! Seeding is idempotent: what exists (matched by English name or title) is left as it is,
//! including any edits the office has made since.

pub mod catalog;

use sqlx::PgPool;

use crate::agreement::{self, AgreementDraft, AgreementKind, AgreementStatus};
use crate::error::Result;
use crate::partner::{self, LocalizedName, PartnerDraft, PartnerKind};
use crate::project::{self, ProjectDraft, ProjectKind, ProjectRole, ProjectStatus};

struct SeedPartner {
    kind: PartnerKind,
    country: Option<&'static str>,
    city: Option<&'static str>,
    /// (language tag, name); the English name is the seed's key.
    names: &'static [(&'static str, &'static str)],
    /// The account lists it among those the library signed agreements and memorandums with.
    memorandum: bool,
}

use PartnerKind::*;

const PARTNERS: &[SeedPartner] = &[
    SeedPartner {
        kind: NationalLibrary,
        country: Some("CN"),
        city: Some("Beijing"),
        memorandum: true,
        names: &[
            ("en", "National Library of China"),
            ("zh-Hans", "中国国家图书馆"),
            ("ru", "Национальная библиотека Китая"),
            ("uz-Latn", "Xitoy Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("IR"),
        city: Some("Tehran"),
        memorandum: true,
        names: &[
            ("en", "National Library and Archives of Iran"),
            ("fa", "سازمان اسناد و کتابخانه ملی ایران"),
            ("ru", "Национальная библиотека и архив Ирана"),
            ("uz-Latn", "Eron Milliy kutubxonasi va arxivi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("KR"),
        city: Some("Seoul"),
        memorandum: true,
        names: &[
            ("en", "National Library of Korea"),
            ("ko", "국립중앙도서관"),
            ("ru", "Национальная библиотека Кореи"),
            ("uz-Latn", "Koreya Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("AZ"),
        city: Some("Baku"),
        memorandum: true,
        names: &[
            ("en", "Azerbaijan National Library"),
            ("az", "Azərbaycan Milli Kitabxanası"),
            ("ru", "Национальная библиотека Азербайджана"),
            ("uz-Latn", "Ozarbayjon Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("LV"),
        city: Some("Riga"),
        memorandum: true,
        names: &[
            ("en", "National Library of Latvia"),
            ("lv", "Latvijas Nacionālā bibliotēka"),
            ("ru", "Национальная библиотека Латвии"),
            ("uz-Latn", "Latviya Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("RU"),
        city: None,
        memorandum: true,
        names: &[
            ("en", "National Library of Russia"),
            ("ru", "Национальная библиотека России"),
            ("uz-Latn", "Rossiya Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("BY"),
        city: Some("Minsk"),
        memorandum: true,
        names: &[
            ("en", "National Library of Belarus"),
            ("be", "Нацыянальная бібліятэка Беларусі"),
            ("ru", "Национальная библиотека Беларуси"),
            ("uz-Latn", "Belarus Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("KZ"),
        city: None,
        memorandum: true,
        names: &[
            ("en", "National Library of Kazakhstan"),
            ("kk", "Қазақстанның Ұлттық кітапханасы"),
            ("ru", "Национальная библиотека Казахстана"),
            ("uz-Latn", "Qozog‘iston Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("KG"),
        city: Some("Bishkek"),
        memorandum: true,
        names: &[
            ("en", "National Library of the Kyrgyz Republic"),
            ("ky", "Кыргыз Республикасынын Улуттук китепканасы"),
            ("ru", "Национальная библиотека Кыргызской Республики"),
            ("uz-Latn", "Qirg‘iziston Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("TR"),
        city: Some("Ankara"),
        memorandum: true,
        names: &[
            ("en", "National Library of Turkey"),
            ("tr", "Millî Kütüphane"),
            ("ru", "Национальная библиотека Турции"),
            ("uz-Latn", "Turkiya Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("CZ"),
        city: Some("Prague"),
        memorandum: true,
        names: &[
            ("en", "National Library of the Czech Republic"),
            ("cs", "Národní knihovna České republiky"),
            ("ru", "Национальная библиотека Чешской Республики"),
            ("uz-Latn", "Chexiya Milliy kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: University,
        country: Some("JP"),
        city: None,
        memorandum: true,
        names: &[
            ("en", "Aichi University of the Arts"),
            ("ja", "愛知県立芸術大学"),
            ("ru", "Университет искусств Айти"),
            ("uz-Latn", "Aichi san’at universiteti"),
        ],
    },
    SeedPartner {
        kind: InternationalOrganisation,
        country: None,
        city: None,
        memorandum: true,
        names: &[
            ("en", "IFLA/RAS Regional Center for Central Asia"),
            ("ru", "Региональный центр ИФЛА/РАС для Центральной Азии"),
            ("uz-Latn", "IFLA/RAS Markaziy Osiyo mintaqaviy markazi"),
        ],
    },
    SeedPartner {
        kind: CulturalCentre,
        country: Some("DE"),
        city: Some("Tashkent"),
        memorandum: true,
        names: &[
            ("en", "Goethe-Institut Uzbekistan"),
            ("de", "Goethe-Institut Usbekistan"),
            ("ru", "Гёте-Институт в Узбекистане"),
            ("uz-Latn", "O‘zbekistondagi Gyote instituti"),
        ],
    },
    SeedPartner {
        kind: Archive,
        country: Some("GE"),
        city: Some("Tbilisi"),
        memorandum: true,
        names: &[
            ("en", "Korneli Kekelidze Georgian National Centre of Manuscripts"),
            ("ka", "კორნელი კეკელიძის სახელობის საქართველოს ხელნაწერთა ეროვნული ცენტრი"),
            ("ru", "Национальный центр рукописей Грузии имени Корнелия Кекелидзе"),
            ("uz-Latn", "Korneli Kekelidze nomidagi Gruziya Milliy qo‘lyozmalar markazi"),
        ],
    },
    SeedPartner {
        kind: NationalLibrary,
        country: Some("TM"),
        city: Some("Ashgabat"),
        memorandum: true,
        names: &[
            ("en", "State Library of the State Cultural Center of Turkmenistan"),
            ("ru", "Государственная библиотека Государственного культурного центра Туркменистана"),
            ("uz-Latn", "Turkmaniston Davlat madaniyat markazining Davlat kutubxonasi"),
        ],
    },
    SeedPartner {
        kind: DiplomaticMission,
        country: Some("US"),
        city: Some("Tashkent"),
        memorandum: true,
        names: &[
            ("en", "Embassy of the United States of America in Uzbekistan"),
            ("ru", "Посольство Соединённых Штатов Америки в Узбекистане"),
            ("uz-Latn", "Amerika Qo‘shma Shtatlarining O‘zbekistondagi elchixonasi"),
        ],
    },
    SeedPartner {
        kind: InternationalOrganisation,
        country: Some("UZ"),
        city: Some("Tashkent"),
        memorandum: false,
        names: &[
            ("en", "National Commission of the Republic of Uzbekistan for UNESCO"),
            ("ru", "Национальная комиссия Республики Узбекистан по делам ЮНЕСКО"),
            ("uz-Latn", "O‘zbekiston Respublikasining YUNESKO ishlari bo‘yicha Milliy komissiyasi"),
        ],
    },
    SeedPartner {
        kind: InternationalOrganisation,
        country: Some("UZ"),
        city: Some("Tashkent"),
        memorandum: false,
        names: &[
            ("en", "SCO People's Diplomacy Center"),
            ("ru", "Центр народной дипломатии ШОС"),
            ("uz-Latn", "ShHT Xalq diplomatiyasi markazi"),
        ],
    },
    SeedPartner {
        kind: Company,
        country: None,
        city: None,
        memorandum: false,
        names: &[("en", "Eriell Group"), ("ru", "Eriell Group"), ("uz-Latn", "Eriell Group")],
    },
];

struct SeedProject {
    kind: ProjectKind,
    title: &'static str,
    status: ProjectStatus,
    description: Option<&'static str>,
    /// (English name of the partner, role).
    partners: &'static [(&'static str, ProjectRole)],
}

const UNESCO_COMMISSION: &str = "National Commission of the Republic of Uzbekistan for UNESCO";

// "Window to Korea" and "Window to America" are read as joint projects with the Korean
// national library and the US embassy named just before them; the account names no partner
// for "Window to Shanghai" or the Kazakh centre, so none is attached.
const PROJECTS: &[SeedProject] = &[
    SeedProject {
        kind: ProjectKind::ReadingRoom,
        title: "Window to Korea",
        status: ProjectStatus::Active,
        description: Some("A reading-room corner on Korea, run jointly with Korean partners."),
        partners: &[("National Library of Korea", ProjectRole::CoOrganiser)],
    },
    SeedProject {
        kind: ProjectKind::ReadingRoom,
        title: "Window to Shanghai",
        status: ProjectStatus::Active,
        description: Some("A reading-room corner on Shanghai and China."),
        partners: &[],
    },
    SeedProject {
        kind: ProjectKind::ReadingRoom,
        title: "Window to America",
        status: ProjectStatus::Active,
        description: Some("A reading-room corner on the United States of America."),
        partners: &[("Embassy of the United States of America in Uzbekistan", ProjectRole::CoOrganiser)],
    },
    SeedProject {
        kind: ProjectKind::CulturalCentre,
        title: "Center of Kazakh Literature and Culture",
        status: ProjectStatus::Active,
        description: None,
        partners: &[],
    },
    SeedProject {
        kind: ProjectKind::KnowledgeHall,
        title: "SCO Knowledge Hall",
        status: ProjectStatus::Active,
        description: Some("The knowledge hall of the SCO People's Diplomacy Center at the library."),
        partners: &[("SCO People's Diplomacy Center", ProjectRole::Lead)],
    },
    SeedProject {
        kind: ProjectKind::UnescoProgramme,
        title: "Information for All",
        status: ProjectStatus::Completed,
        description: Some(
            "UNESCO's Information for All Programme (IFAP), implemented with the support of the National Commission for UNESCO.",
        ),
        partners: &[(UNESCO_COMMISSION, ProjectRole::Supporter)],
    },
    SeedProject {
        kind: ProjectKind::UnescoProgramme,
        title: "Memory of the World",
        status: ProjectStatus::Completed,
        description: Some(
            "UNESCO's Memory of the World Programme, implemented with the support of the National Commission for UNESCO.",
        ),
        partners: &[(UNESCO_COMMISSION, ProjectRole::Supporter)],
    },
    SeedProject {
        kind: ProjectKind::UnescoProgramme,
        title: "Fundamentals of Information Culture for Schoolchildren",
        status: ProjectStatus::Completed,
        description: Some("A project implemented with the support of the National Commission for UNESCO."),
        partners: &[(UNESCO_COMMISSION, ProjectRole::Supporter)],
    },
    SeedProject {
        kind: ProjectKind::Publication,
        title: "The Manuscript and Book Heritage of the National Library of Uzbekistan named after Alisher Navoi",
        status: ProjectStatus::Completed,
        description: Some(
            "Book-album, Volume XLI of the series \"The Cultural Legacy of Uzbekistan\". Main sponsor: the oilfield services company Eriell Group.",
        ),
        partners: &[("Eriell Group", ProjectRole::Sponsor)],
    },
];

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub partners_created: usize,
    pub agreements_created: usize,
    pub projects_created: usize,
    pub partnerships_created: usize,
    pub catalog: catalog::CatalogReport,
}

fn english_name(p: &SeedPartner) -> &'static str {
    p.names.iter().find(|(lang, _)| *lang == "en").map_or("", |(_, name)| name)
}

/// Loads the seed content in one transaction; what exists already is left untouched.
pub async fn seed(pool: &PgPool) -> Result<SeedReport> {
    let mut report = SeedReport::default();
    let mut tx = pool.begin().await?;
    let mut partner_ids = std::collections::HashMap::new();
    for p in PARTNERS {
        let english = english_name(p);
        let id = match partner::db::find_by_name(&mut tx, "en", english).await? {
            Some(id) => id,
            None => {
                let names = p
                    .names
                    .iter()
                    .map(|(lang, value)| LocalizedName { lang: lang.to_string(), value: value.to_string() })
                    .collect();
                let draft = PartnerDraft {
                    kind: p.kind,
                    country: p.country.map(str::to_owned),
                    city: p.city.map(str::to_owned),
                    website: None,
                    email: None,
                    isil: None,
                    active: true,
                    names: partner::validate_names(names)?,
                };
                report.partners_created += 1;
                partner::db::insert(&mut tx, &draft).await?
            }
        };
        partner_ids.insert(english, id);
        if p.memorandum {
            let title = format!("Memorandum of cooperation: {english}");
            if agreement::db::find_by_title(&mut tx, id, &title).await?.is_none() {
                let draft = AgreementDraft {
                    partner_id: id,
                    kind: AgreementKind::MemorandumOfUnderstanding,
                    title,
                    signed_on: None,
                    valid_from: None,
                    valid_until: None,
                    status: AgreementStatus::Active,
                    scope: None,
                }
                .validate()?;
                agreement::db::insert(&mut tx, &draft).await?;
                report.agreements_created += 1;
            }
        }
    }
    let mut project_ids = std::collections::HashMap::new();
    for p in PROJECTS {
        let project_id = match project::db::find_by_title(&mut tx, p.title).await? {
            Some(id) => id,
            None => {
                let draft = ProjectDraft {
                    kind: p.kind,
                    title: p.title.to_owned(),
                    status: p.status,
                    starts_on: None,
                    ends_on: None,
                    description: p.description.map(str::to_owned),
                }
                .validate()?;
                report.projects_created += 1;
                project::db::insert(&mut tx, &draft).await?
            }
        };
        project_ids.insert(p.title, project_id);
        for (partner_name, role) in p.partners {
            let Some(&partner_id) = partner_ids.get(partner_name) else { continue };
            if project::db::add_partner_if_absent(&mut tx, project_id, partner_id, *role).await? {
                report.partnerships_created += 1;
            }
        }
    }
    report.catalog = catalog::seed_catalog(&mut tx, &partner_ids, &project_ids).await?;
    tx.commit().await?;
    Ok(report)
}

/// True when the database holds no partner yet (`serve --demo` seeds only then).
pub async fn is_empty(pool: &PgPool) -> Result<bool> {
    let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM partners)").fetch_one(pool).await?;
    Ok(!any)
}
