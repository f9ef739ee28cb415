//! MARC import of the real records of the MARC corpus (see `corpus.rs`; these tests are
//! skipped without it), and the exports of what it stored. `import_fixtures.rs` asserts the
//! same over the repository's own fixtures.

use base64::Engine;
use hamkor::document::import::{ImportOptions, ImportReport, import};
use hamkor::marc::Encoding;
use serde_json::json;

use crate::corpus::Corpus;
use crate::support::TestApp;

/// Imports `bytes` as the file `name`, which is also the source.
pub async fn import_bytes(app: &TestApp, name: &str, bytes: &[u8], encoding: Option<Encoding>) -> ImportReport {
    let options = ImportOptions {
        source: Some(name.to_owned()),
        file_name: Some(name.to_owned()),
        encoding,
        ..Default::default()
    };
    import(&app.pool, bytes, &options, |_| {}).await.expect("the import runs")
}

async fn import_file(app: &TestApp, corpus: &Corpus, name: &str, encoding: Option<Encoding>) -> ImportReport {
    import_bytes(app, name, &corpus.read(name), encoding).await
}

pub async fn titles_of(app: &TestApp, source: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT title FROM documents WHERE source = $1 ORDER BY id")
        .bind(source)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn imports_every_shared_file_and_reports_each_rejection() {
    let Some(corpus) = Corpus::find() else { return };
    let app = TestApp::spawn().await;
    // (file, records read, rejected). Files are imported one after another into one
    // catalogue, so a record may update a document an earlier file created (the same ISBN
    // from another source): what is not rejected is created or updated, never duplicated.
    let expected = [
        // 17 of its records are UNIMARC (title in 200, no 245): rejected with that reason.
        ("pride-and-prejudice-fixed.mrc", 383, 17),
        ("chabon.mrc", 2, 0),
        ("chabon.xml", 2, 0),
        ("brkrtest.mrc", 8, 0),
        ("1251.dat", 6, 0),
        // Abstracting-service records with no 245 (see the CP866 test below).
        ("cp866_multirecord.marc", 2, 2),
        ("chinese_mangled_multibyte.mrc", 4, 0),
        ("hebrew.marc", 20, 0),
        ("nepali.marc", 96, 0),
        ("serials_marc21.xml", 7, 0),
        ("batch.xml", 2, 0),
        ("lul_fre_500.mrc", 500, 0),
        ("jazz_1k.mrc", 1000, 0),
        ("bad_records.mrc", 8, 6),
        ("bad_leaders_10_11.mrc", 1, 0),
        ("bad-characters-in-various-fields.mrc", 1, 1),
        ("utf8_invalid.mrc", 1, 0),
    ];
    let mut accepted_total = 0;
    for (file, read, rejected) in expected {
        let report = import_file(&app, &corpus, file, None).await;
        assert_eq!((report.read, report.rejected), (read, rejected), "{file}: {report:#?}");
        assert_eq!(report.created + report.updated, read - rejected, "{file}");
        accepted_total += report.created + report.updated;
        for r in &report.rejections {
            assert!(r.position >= 1 && !r.reason.is_empty(), "{file}: a position and a reason for {r:?}");
        }
    }
    let documents = app.count("documents").await;
    assert!(documents > 1900 && documents <= i64::from(accepted_total), "{documents} documents");

    // Importing everything a second time creates nothing.
    for (file, _, _) in expected {
        let report = import_file(&app, &corpus, file, None).await;
        assert_eq!(report.created, 0, "{file}: {report:#?}");
    }
    assert_eq!(app.count("documents").await, documents);
    let bad = import_file(&app, &corpus, "bad_records.mrc", None).await;
    let positions: Vec<i32> = bad.rejections.iter().map(|r| r.position).collect();
    assert_eq!(positions, [2, 3, 4, 5, 6, 7], "the good first and last records are kept");

    // The Chinese record keeps its 880 title in Han characters beside the romanized one.
    let han: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM documents WHERE source = 'pride-and-prejudice-fixed.mrc'
         AND parallel_titles @> '[{\"title\": \"傲慢与偏见\", \"script\": \"Hani\"}]'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(han >= 1, "the 880 parallel title in Han script is stored");
    let rejections: i64 =
        sqlx::query_scalar("SELECT count(*) FROM import_rejections").fetch_one(&app.pool).await.unwrap();
    assert!(rejections >= 8, "rejections are kept with their import");
}

#[tokio::test]
async fn reads_cyrillic_from_windows_1251_and_cp866() {
    let Some(corpus) = Corpus::find() else { return };
    let app = TestApp::spawn().await;
    let report = import_file(&app, &corpus, "1251.dat", Some(Encoding::Windows1251)).await;
    assert_eq!((report.read, report.rejected), (6, 0));
    let titles = titles_of(&app, "1251.dat").await;
    assert!(titles.iter().any(|t| t == "Основы гидравлического расчета инженерных сетей"), "{titles:?}");

    // The CP866 file holds abstracting-service records, not MARC 21 bibliographic ones: the
    // title is in field 021 and there is no 245. They decode correctly, and the import
    // rejects them with that reason and the record's (Cyrillic) 001 rather than guessing.
    let options = hamkor::marc::ReadOptions { encoding: Some(Encoding::Cp866) };
    let records = hamkor::marc::read_records(&corpus.read("cp866_multirecord.marc"), options);
    let record = records[0].as_ref().expect("the record reads");
    let title = record.field("021").and_then(|f| f.subfield('a')).expect("field 021");
    assert!(title.starts_with("Автоматизация проектирования и подготовки производства"), "{title}");
    let report = import_file(&app, &corpus, "cp866_multirecord.marc", Some(Encoding::Cp866)).await;
    assert_eq!((report.read, report.rejected), (2, 2), "{report:#?}");
    assert_eq!(report.rejections[0].control_number.as_deref(), Some("Никитенко Е. А."));
    assert!(report.rejections[0].reason.contains("245"), "{:?}", report.rejections[0]);
}

#[tokio::test]
async fn importing_twice_updates_and_never_duplicates() {
    let Some(corpus) = Corpus::find() else { return };
    let app = TestApp::spawn().await;
    let first = import_file(&app, &corpus, "lul_fre_500.mrc", None).await;
    assert_eq!((first.created, first.updated), (500, 0));
    let second = import_file(&app, &corpus, "lul_fre_500.mrc", None).await;
    assert_eq!((second.created, second.updated), (0, 500));
    assert_eq!(app.count("documents").await, 500);

    // Another source with the same ISBNs matches by ISBN.
    let chabon = import_file(&app, &corpus, "chabon.mrc", None).await;
    assert_eq!(chabon.created, 2);
    let options = ImportOptions { source: Some("chabon-again".into()), ..Default::default() };
    let again = import(&app.pool, &corpus.read("chabon.xml"), &options, |_| {}).await.unwrap();
    assert_eq!((again.created, again.updated), (0, 2), "matched by ISBN: {again:#?}");
}

#[tokio::test]
async fn import_over_graphql_with_the_same_report() {
    let Some(corpus) = Corpus::find() else { return };
    let app = TestApp::spawn().await;
    let mutation = "mutation($input: ImportMarcInput!) { importMarc(input: $input) {
        read created updated rejected rejections { position reason } } }";
    let xml = String::from_utf8(corpus.read("chabon.xml")).unwrap();
    let data = app.data(mutation, json!({ "input": { "records": xml, "source": "staff" } })).await;
    assert_eq!(data["importMarc"]["created"], 2);

    let binary = base64::engine::general_purpose::STANDARD.encode(corpus.read("1251.dat"));
    let data =
        app.data(mutation, json!({ "input": { "records": binary, "base64": true, "encoding": "WINDOWS_1251" } })).await;
    assert_eq!((data["importMarc"]["read"].as_i64(), data["importMarc"]["created"].as_i64()), (Some(6), Some(6)));

    let bad = base64::engine::general_purpose::STANDARD.encode(corpus.read("bad_records.mrc"));
    let data = app.data(mutation, json!({ "input": { "records": bad, "base64": true } })).await;
    assert_eq!(data["importMarc"]["rejected"], 6);
    assert_eq!(data["importMarc"]["rejections"][0]["position"], 2);

    app.error(mutation, json!({ "input": { "records": "" } }), "BAD_USER_INPUT").await;
    app.error(mutation, json!({ "input": { "records": "%%%", "base64": true } }), "BAD_USER_INPUT").await;
    let unknown = hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Partner, 4242).0;
    app.error(mutation, json!({ "input": { "records": xml, "partnerId": unknown } }), "NOT_FOUND").await;
    let data = app.data(mutation, json!({ "input": { "records": "not marc at all" } })).await;
    assert_eq!(data["importMarc"]["created"], 0);
}

#[tokio::test]
async fn exports_for_reference_managers_and_marc_round_trip() {
    let Some(corpus) = Corpus::find() else { return };
    let app = TestApp::spawn().await;
    import_file(&app, &corpus, "chabon.mrc", None).await;
    check_exports(&app, &corpus.read("chabon.mrc"), "Kavalier", "Chabon", "Chabon, Michael").await;
}

/// Checks the exports of the imported document whose title holds `title_word`, read from
/// the ISO 2709 file `original`: each reference format, the MARCXML export against the
/// record in the file, the download URLs and their failures.
pub async fn check_exports(app: &TestApp, original: &[u8], title_word: &str, family: &str, creator: &str) {
    let data = app
        .data(
            "query($t: String!) { documents(filter: { titleContains: $t }) { edges { node { id title
                bib: export(format: BIBTEX) ris: export(format: RIS) csl: export(format: CSL_JSON)
                dc: export(format: DUBLIN_CORE) marc: export(format: MARC_XML) } } } }",
            json!({ "t": title_word }),
        )
        .await;
    let node = &data["documents"]["edges"][0]["node"];
    let id = node["id"].as_str().unwrap();
    assert!(node["bib"].as_str().unwrap().starts_with("@book{"), "{}", node["bib"]);
    assert!(node["ris"].as_str().unwrap().starts_with("TY  - BOOK"), "{}", node["ris"]);
    let csl: serde_json::Value = serde_json::from_str(node["csl"].as_str().unwrap()).unwrap();
    assert_eq!(csl[0]["author"][0]["family"], family);
    assert!(node["dc"].as_str().unwrap().contains(&format!("<dc:creator>{creator}")), "{}", node["dc"]);

    // MARCXML keeps every field of the imported record.
    let original = hamkor::marc::read_records(original, Default::default());
    let original = original
        .into_iter()
        .filter_map(Result::ok)
        .find(|r| r.field("245").and_then(|f| f.subfield('a')).is_some_and(|t| t.contains(title_word)));
    let original = original.expect("the record in the file");
    let exported = hamkor::marc::read_records(node["marc"].as_str().unwrap().as_bytes(), Default::default());
    let exported = exported.into_iter().next().unwrap().unwrap();
    assert_eq!(exported.fields, original.fields, "the MARCXML export keeps every field");

    for (ext, media) in [
        ("ris", "application/x-research-info-systems"),
        ("bib", "application/x-bibtex"),
        ("json", "application/vnd.citationstyles.csl+json"),
        ("dc", "application/xml"),
        ("marcxml", "application/marcxml+xml"),
    ] {
        let response = app.client.get(format!("{}/documents/{id}.{ext}", app.base)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{ext}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(media), "{ext}");
    }
    let missing = hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Document, 999_999).0;
    let response = app.client.get(format!("{}/documents/{missing}.ris", app.base)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let response = app.client.get(format!("{}/documents/{id}.docx", app.base)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let response = app.client.get(format!("{}/documents/garbage.ris", app.base)).send().await.unwrap();
    assert_eq!(response.status(), 400);
}
