//! MARC import of the repository's own fixtures (`tests/fixtures/marc/`) through the real
//! service, and the exports of what it stored: always run, asserting what `import.rs`
//! asserts over the real files of the corpus.

use base64::Engine;
use hamkor::document::import::{ImportOptions, ImportReport, import};
use hamkor::marc::Encoding;
use serde_json::json;

use crate::corpus::fixture;
use crate::import::{check_exports, import_bytes, titles_of};
use crate::support::TestApp;

async fn import_fixture(app: &TestApp, name: &str, encoding: Option<Encoding>) -> ImportReport {
    import_bytes(app, name, &fixture(name), encoding).await
}

#[tokio::test]
async fn imports_every_fixture_and_reports_each_rejection() {
    let app = TestApp::spawn().await;
    // (file, records read, rejected). Files are imported one after another into one
    // catalogue: collection.xml holds the records of utf8_multilingual.mrc, so those with
    // an ISBN update the documents the first file created, and the others are new
    // documents of another source.
    let expected = [
        ("utf8_multilingual.mrc", 8, 0),
        ("collection.xml", 8, 0),
        ("marc8_eacc.mrc", 4, 0),
        ("marc8_scripts.mrc", 3, 0),
        // Detected from the data under a blank leader/09.
        ("windows1251.mrc", 3, 0),
        // The abstracting-service record has no 245.
        ("cp866.mrc", 2, 1),
        ("broken_records.mrc", 13, 8),
        ("truncated.mrc", 4, 1),
        ("bad_records.xml", 8, 5),
        // The UNIMARC record (title in 200, no 245) is rejected with that reason.
        ("unimarc.mrc", 2, 1),
    ];
    let mut accepted_total = 0;
    for (file, read, rejected) in expected {
        let report = import_fixture(&app, file, None).await;
        assert_eq!((report.read, report.rejected), (read, rejected), "{file}: {report:#?}");
        assert_eq!(report.created + report.updated, read - rejected, "{file}");
        accepted_total += report.created + report.updated;
        for r in &report.rejections {
            assert!(r.position >= 1 && !r.reason.is_empty(), "{file}: a position and a reason for {r:?}");
        }
        if file == "collection.xml" {
            // The records of utf8_multilingual.mrc, in MARCXML: the very same records.
            assert_eq!((report.created, report.updated), (0, 8), "{report:#?}");
            assert!(
                report.changes.iter().all(|c| c.matched_by == Some(hamkor::document::import::MatchRule::SameRecord))
            );
        }
    }
    assert_eq!(accepted_total, 39);
    let documents = app.count("documents").await;
    assert_eq!(documents, 31, "39 accepted records, 8 of them (collection.xml) the very same as earlier ones");

    // Importing everything a second time creates nothing.
    for (file, _, _) in expected {
        let report = import_fixture(&app, file, None).await;
        assert_eq!(report.created, 0, "{file}: {report:#?}");
    }
    assert_eq!(app.count("documents").await, documents);
    let bad = import_fixture(&app, "broken_records.mrc", None).await;
    let positions: Vec<i32> = bad.rejections.iter().map(|r| r.position).collect();
    // Records 10 and 11 are kept with a damaged subfield or field dropped; record 9 lost its
    // only title subfield that way and is refused for having no title.
    assert_eq!(positions, [2, 3, 4, 5, 6, 7, 8, 9], "the good first and last records are kept");
    assert!(bad.rejections[7].reason.contains("245"), "{:?}", bad.rejections[7]);
    assert!(bad.warnings.iter().any(|w| w.position == 10 && w.message.contains("0xE9")), "{:?}", bad.warnings);
    assert_eq!(bad.rejections[0].byte_offset, Some(193));
    assert!(bad.rejections[0].reason.contains("base address"), "{:?}", bad.rejections[0]);
    assert_eq!(bad.rejections[6].control_number.as_deref(), Some("hk-bad-0008"));
    let unimarc = import_fixture(&app, "unimarc.mrc", None).await;
    assert_eq!(unimarc.rejections.len(), 1);
    assert_eq!(unimarc.rejections[0].position, 2);
    assert!(unimarc.rejections[0].reason.contains("UNIMARC"), "{:?}", unimarc.rejections[0]);

    // The Chinese record keeps its 880 title in Han characters beside the romanized one,
    // from UTF-8 and from MARC-8 (EACC) alike.
    for (source, han) in [("utf8_multilingual.mrc", "撒马尔罕史"), ("marc8_eacc.mrc", "丝绸之路")] {
        let found: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM documents WHERE source = $1
             AND parallel_titles @> jsonb_build_array(jsonb_build_object('title', $2::text, 'script', 'Hani'))",
        )
        .bind(source)
        .bind(han)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(found, 1, "the 880 parallel title {han} in Han script is stored");
    }
    let titles = titles_of(&app, "marc8_scripts.mrc").await;
    assert!(titles.iter().any(|t| t == "Łódź i Kraków"), "MARC-8 diacritics are stored composed: {titles:?}");
    let rejections: i64 =
        sqlx::query_scalar("SELECT count(*) FROM import_rejections").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rejections, 2 * 16 + 8 + 1, "rejections are kept with their import");
}

#[tokio::test]
async fn reads_cyrillic_from_windows_1251_and_cp866() {
    let app = TestApp::spawn().await;
    let report = import_fixture(&app, "windows1251.mrc", Some(Encoding::Windows1251)).await;
    assert_eq!((report.read, report.rejected), (3, 0));
    let titles = titles_of(&app, "windows1251.mrc").await;
    assert!(titles.iter().any(|t| t == "История книгопечатания в Средней Азии"), "{titles:?}");

    // The second CP866 record is an abstracting-service record, not a MARC 21 bibliographic
    // one: the title is in field 021 and there is no 245. It decodes correctly, and the
    // import rejects it with that reason and the record's (Cyrillic) 001 rather than
    // guessing; the MARC 21 record before it is imported.
    let options = hamkor::marc::ReadOptions { encoding: Some(Encoding::Cp866) };
    let records = hamkor::marc::read_records(&fixture("cp866.mrc"), options);
    let record = records[1].as_ref().expect("the record reads");
    let title = record.field("021").and_then(|f| f.subfield('a')).expect("field 021");
    assert!(title.starts_with("Автоматизированные библиотечные системы"), "{title}");
    let report = import_fixture(&app, "cp866.mrc", Some(Encoding::Cp866)).await;
    assert_eq!((report.read, report.rejected), (2, 1), "{report:#?}");
    assert_eq!(report.rejections[0].position, 2);
    assert_eq!(report.rejections[0].control_number.as_deref(), Some("Рахимова Д. С."));
    assert!(report.rejections[0].reason.contains("245"), "{:?}", report.rejections[0]);
    assert_eq!(titles_of(&app, "cp866.mrc").await, ["Библиотеки Средней Азии"]);
}

#[tokio::test]
async fn importing_twice_updates_and_never_duplicates() {
    let app = TestApp::spawn().await;
    let first = import_fixture(&app, "utf8_multilingual.mrc", None).await;
    assert_eq!((first.created, first.updated), (8, 0));
    let second = import_fixture(&app, "utf8_multilingual.mrc", None).await;
    assert_eq!((second.created, second.updated), (0, 8));
    assert_eq!(app.count("documents").await, 8);
    let eacc = import_fixture(&app, "marc8_eacc.mrc", None).await;
    assert_eq!((eacc.created, eacc.updated), (4, 0));
    let eacc = import_fixture(&app, "marc8_eacc.mrc", None).await;
    assert_eq!((eacc.created, eacc.updated), (0, 4));
    assert_eq!(app.count("documents").await, 12);

    // The same records under another source are the very same records; an edited one
    // with an ISBN matches by ISBN.
    let options = ImportOptions { source: Some("utf8-again".into()), ..Default::default() };
    let again = import(&app.pool, &fixture("collection.xml"), &options, |_| {}).await.unwrap();
    assert_eq!((again.created, again.updated), (0, 8), "the very same records: {again:#?}");
    let edited = String::from_utf8(fixture("collection.xml"))
        .unwrap()
        .replace("</leader>", "</leader><controlfield tag=\"005\">20261201000000.0</controlfield>");
    let edited = import(&app.pool, edited.as_bytes(), &options, |_| {}).await.unwrap();
    let by_isbn =
        edited.changes.iter().filter(|c| c.matched_by == Some(hamkor::document::import::MatchRule::Isbn)).count();
    assert_eq!((edited.created, edited.updated, by_isbn), (4, 4, 4), "matched by ISBN where there is one: {edited:#?}");
}

#[tokio::test]
async fn import_over_graphql_with_the_same_report() {
    let app = TestApp::spawn().await;
    let mutation = "mutation($input: ImportMarcInput!) { importMarc(input: $input) {
        read created updated rejected rejections { position reason } } }";
    let xml = String::from_utf8(fixture("collection.xml")).unwrap();
    let data = app.data(mutation, json!({ "input": { "records": xml, "source": "staff" } })).await;
    assert_eq!(data["importMarc"]["created"], 8);

    let binary = base64::engine::general_purpose::STANDARD.encode(fixture("windows1251.mrc"));
    let data =
        app.data(mutation, json!({ "input": { "records": binary, "base64": true, "encoding": "WINDOWS_1251" } })).await;
    assert_eq!((data["importMarc"]["read"].as_i64(), data["importMarc"]["created"].as_i64()), (Some(3), Some(3)));

    let bad = base64::engine::general_purpose::STANDARD.encode(fixture("broken_records.mrc"));
    let data = app.data(mutation, json!({ "input": { "records": bad, "base64": true } })).await;
    assert_eq!(data["importMarc"]["rejected"], 8);
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
    let app = TestApp::spawn().await;
    import_fixture(&app, "utf8_multilingual.mrc", None).await;
    check_exports(&app, &fixture("utf8_multilingual.mrc"), "paper road", "Whitfield", "Whitfield, Amelia").await;
}

/// An import writes its new documents with `COPY`: every character a record can hold comes
/// back from the database as it was sent, in text, array and JSON columns alike.
#[tokio::test]
async fn rows_written_with_copy_keep_every_character() {
    use hamkor::db::copy::CopyRows;
    let (pool, _) = crate::support::fresh_database().await;
    let mut conn = pool.acquire().await.expect("a connection");
    sqlx::query("CREATE TEMP TABLE copied (n bigint, t text, a text[], j jsonb)").execute(&mut *conn).await.unwrap();
    let awkward: Vec<String> = [
        "",
        "\\N",
        "NULL",
        "a\tb",
        "line\nbreak\r\n",
        "back\\slash\\",
        "\\.",
        "quote\"s and 'apostrophes'",
        "{braces,commas}",
        "Ўзбекча Oʻzbekcha 中文 한국어 ქართული",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rows = CopyRows::new();
    for (n, text) in awkward.iter().enumerate() {
        rows.int(Some(n as i64)).text(Some(text)).text_array(&awkward[..=n]);
        rows.json(&json!({ "text": text, "list": &awkward[..=n] })).unwrap();
        rows.end_row();
    }
    rows.int(Some(-1)).text(None).text_array(&[]).json(&json!([])).unwrap();
    rows.end_row();
    assert_eq!(rows.send(&mut conn, "COPY copied (n, t, a, j) FROM STDIN").await.expect("the rows are copied"), 11);

    let back: Vec<(i64, Option<String>, Vec<String>, serde_json::Value)> =
        sqlx::query_as("SELECT n, t, a, j FROM copied ORDER BY n").fetch_all(&mut *conn).await.unwrap();
    assert_eq!(back[0], (-1, None, Vec::new(), json!([])));
    for (n, text) in awkward.iter().enumerate() {
        let expected =
            (n as i64, Some(text.clone()), awkward[..=n].to_vec(), json!({ "text": text, "list": &awkward[..=n] }));
        assert_eq!(back[n + 1], expected, "row {n}");
    }

    // A row the server refuses (a number that is not one) fails the whole COPY, and the
    // connection is usable afterwards.
    let mut bad = CopyRows::new();
    bad.text(Some("not a number")).text(None).text_array(&[]).json(&json!(null)).unwrap();
    bad.end_row();
    assert!(bad.send(&mut conn, "COPY copied (n, t, a, j) FROM STDIN").await.is_err());
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM copied").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(count, 11);
}

/// A file longer than one batch is written a batch at a time: the report is still in file
/// order, rejections and all, and a record repeated two batches later is the document its
/// first occurrence created.
#[tokio::test]
async fn a_file_of_several_batches_is_reported_in_file_order() {
    use hamkor::document::import::{BATCH_SIZE, MatchRule, Progress};
    use hamkor::marc::{ReadOptions, read_records, to_iso2709};

    let app = TestApp::spawn().await;
    let count = 2 * BATCH_SIZE + 600;
    let mut records: Vec<_> = read_records(&crate::synthetic_marc::catalogue(count, 7), ReadOptions::default())
        .into_iter()
        .map(|r| r.expect("the synthetic catalogue reads"))
        .collect();
    // Untitled records (rejected) at the start, across the first batch boundary and last.
    let untitled = [5, BATCH_SIZE, BATCH_SIZE + 1, count];
    for position in untitled {
        records[position - 1].fields.retain(|f| f.tag() != "245");
    }
    let repeated_at = 2 * BATCH_SIZE + 200;
    records[repeated_at - 1] = records[2].clone();
    let bytes: Vec<u8> = records.iter().flat_map(|r| to_iso2709(r).expect("the record writes")).collect();

    let options =
        ImportOptions { source: Some("batches".into()), file_name: Some("batches.mrc".into()), ..Default::default() };
    let mut seen_progress = Vec::new();
    let report = import(&app.pool, &bytes, &options, |p| seen_progress.push(p)).await.expect("the import runs");

    assert_eq!(report.read as usize, count);
    let rejected: Vec<usize> = report.rejections.iter().map(|r| r.position as usize).collect();
    assert_eq!(rejected, untitled);
    assert!(report.rejections.iter().all(|r| r.reason.contains("title")), "{:?}", report.rejections);
    let positions: Vec<usize> = report.changes.iter().map(|c| c.position as usize).collect();
    let expected: Vec<usize> = (1..=count).filter(|p| !untitled.contains(p)).collect();
    assert_eq!(positions, expected, "one change per accepted record, in file order");
    assert_eq!((report.created as usize, report.updated), (count - untitled.len() - 1, 1));
    let change_at = |p: usize| report.changes.iter().find(|c| c.position as usize == p).expect("a change");
    assert_eq!(change_at(repeated_at).matched_by, Some(MatchRule::EarlierInFile));
    assert_eq!(change_at(repeated_at).document_id, change_at(3).document_id);
    assert_eq!(report.document_ids, report.changes.iter().map(|c| c.document_id).collect::<Vec<_>>());
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM documents WHERE source = 'batches'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored as usize, count - untitled.len() - 1);

    // Progress: reading, then the accepted records written, up to all of them.
    assert_eq!(seen_progress.first(), Some(&Progress::Reading));
    let through: Vec<(usize, usize)> = seen_progress
        .iter()
        .filter_map(|p| match p {
            Progress::Writing { done, total } => Some((*done, *total)),
            Progress::Reading => None,
        })
        .collect();
    let accepted = count - untitled.len();
    assert!(through.iter().all(|(_, total)| *total == accepted));
    assert!(through.windows(2).all(|w| w[0].0 < w[1].0), "{through:?}");
    assert_eq!(through.first().map(|t| t.0), Some(0));
    assert_eq!(through.last().map(|t| t.0), Some(accepted));
}
