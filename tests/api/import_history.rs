//! The import history over GraphQL: no silent duplicates (within a file, across files and
//! file names, by 003), what each record became and by which rule, repairs reported, and
//! rolling imports back (refused where it would undo someone else's work).

use serde_json::{Value, json};

use crate::support::TestApp;

/// A MARCXML record: `fields` are (tag, value) for control fields and (tag, "a=…|b=…")
/// for data fields.
fn record(fields: &[(&str, &str)]) -> String {
    let mut out = String::from("<record><leader>00000nam a2200000 a 4500</leader>");
    for (tag, value) in fields {
        if tag.starts_with("00") {
            out.push_str(&format!("<controlfield tag=\"{tag}\">{value}</controlfield>"));
        } else {
            out.push_str(&format!("<datafield tag=\"{tag}\" ind1=\"1\" ind2=\"0\">"));
            for sub in value.split('|') {
                let (code, text) = sub.split_once('=').unwrap();
                out.push_str(&format!("<subfield code=\"{code}\">{text}</subfield>"));
            }
            out.push_str("</datafield>");
        }
    }
    out.push_str("</record>");
    out
}

fn collection(records: &[String]) -> String {
    format!("<collection xmlns=\"http://www.loc.gov/MARC21/slim\">{}</collection>", records.concat())
}

const IMPORT: &str = "mutation($i: ImportMarcInput!) { importMarc(input: $i) {
    id source read created updated rejected warnings { position message }
    changes { position created matchedBy document { id title } } } }";

async fn import(app: &TestApp, records: &[String], source: Option<&str>) -> Value {
    let input = match source {
        Some(source) => json!({ "records": collection(records), "source": source }),
        None => json!({ "records": collection(records) }),
    };
    app.data(IMPORT, json!({ "i": input })).await["importMarc"].clone()
}

fn rules(report: &Value) -> Vec<Value> {
    report["changes"].as_array().unwrap().iter().map(|c| c["matchedBy"].clone()).collect()
}

#[tokio::test]
async fn the_same_record_is_never_created_twice() {
    let app = TestApp::spawn().await;
    // No 001, no ISBN, repeated within the file.
    let anonymous = record(&[("245", "a=A pamphlet without numbers")]);
    let numbered = record(&[("001", "n-1"), ("003", "UzNL"), ("245", "a=Numbered")]);
    let first = import(&app, &[anonymous.clone(), numbered.clone(), anonymous.clone()], None).await;
    assert_eq!((first["created"].clone(), first["updated"].clone()), (json!(2), json!(1)));
    assert_eq!(rules(&first), [Value::Null, Value::Null, json!("EARLIER_IN_FILE")]);
    assert_eq!(first["source"], "UzNL", "the source is the records' 003");
    assert_eq!(first["changes"][0]["document"]["id"], first["changes"][2]["document"]["id"]);

    // The same records again, under another source: the very same records.
    let again = import(&app, &[anonymous.clone(), numbered.clone()], Some("renamed-file.xml")).await;
    assert_eq!((again["created"].clone(), again["updated"].clone()), (json!(0), json!(2)));
    assert_eq!(rules(&again), [json!("SAME_RECORD"), json!("SAME_RECORD")]);

    // A changed record with the same 001 and 003 is the same document, by control number.
    let edited = record(&[("001", "n-1"), ("003", "UzNL"), ("245", "a=Numbered, second edition")]);
    let third = import(&app, &[edited], None).await;
    assert_eq!(rules(&third), [json!("CONTROL_NUMBER")]);
    assert_eq!(third["changes"][0]["document"]["title"], "Numbered, second edition");
    assert_eq!(app.count("documents").await, 2);
}

#[tokio::test]
async fn imports_are_listed_with_what_they_did_and_can_be_rolled_back() {
    let app = TestApp::spawn().await;
    let a = record(&[("001", "r-1"), ("245", "a=First")]);
    let b = record(&[("001", "r-2"), ("245", "a=Second")]);
    let first = import(&app, &[a.clone(), b.clone()], Some("partner-file")).await;
    let edited = record(&[("001", "r-2"), ("245", "a=Second, corrected")]);
    let second = import(&app, &[edited], Some("partner-file")).await;
    assert_eq!(second["updated"], 1);

    let history = app
        .data(
            "{ imports(first: 10) { totalCount nodes { id source read created updated warningCount
                changes { nodes { position created matchedBy document { title } } } } } }",
            json!({}),
        )
        .await;
    let nodes = history["imports"]["nodes"].as_array().unwrap();
    assert_eq!(history["imports"]["totalCount"], 2);
    assert_eq!(nodes[0]["id"], second["id"], "newest first");
    assert_eq!(nodes[1]["changes"]["nodes"].as_array().unwrap().len(), 2);

    const ROLLBACK: &str = "mutation($id: ID!) { rollbackImport(id: $id) { id rolledBackAt rolledBackBy } }";
    // The first import's second document was changed since by the second import.
    let refused = app.error(ROLLBACK, json!({ "id": first["id"] }), "CONFLICT").await;
    assert!(refused["message"].as_str().unwrap().contains("changed since this import"), "{refused:#}");
    assert_eq!(app.count("documents").await, 2, "nothing changed");

    let undone = app.data(ROLLBACK, json!({ "id": second["id"] })).await;
    assert_eq!(undone["rollbackImport"]["rolledBackBy"], crate::support::ADMIN_NAME);
    let titles = app.data("{ documents { nodes { title } } }", json!({})).await;
    let titles: Vec<&str> =
        titles["documents"]["nodes"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["First", "Second"], "the update is undone");
    app.error(ROLLBACK, json!({ "id": second["id"] }), "CONFLICT").await;

    // A created document that now has a copy keeps the import in place.
    let document = first["changes"][0]["document"]["id"].clone();
    let copy = app
        .data(
            "mutation($d: ID!) { createHolding(input: { documentId: $d, barcode: \"C-1\" }) { id } }",
            json!({ "d": document }),
        )
        .await;
    let refused = app.error(ROLLBACK, json!({ "id": first["id"] }), "CONFLICT").await;
    assert!(refused["message"].as_str().unwrap().contains("copies"), "{refused:#}");
    sqlx::query("DELETE FROM holdings WHERE id = $1")
        .bind(hamkor::global_id::decode("id", copy["createHolding"]["id"].as_str().unwrap()).unwrap().1)
        .execute(&app.pool)
        .await
        .unwrap();
    app.data(ROLLBACK, json!({ "id": first["id"] })).await;
    assert_eq!(app.count("documents").await, 0, "the documents it created are gone");
    let changes = app
        .data("query($id: ID!) { node(id: $id) { ... on Import { rolledBackAt changes { nodes { document { id } } } } } }", json!({ "id": first["id"] }))
        .await;
    assert!(!changes["node"]["rolledBackAt"].is_null());
    assert_eq!(changes["node"]["changes"]["nodes"][0]["document"], Value::Null);
    // Bad ids.
    app.error(ROLLBACK, json!({ "id": "nonsense" }), "BAD_USER_INPUT").await;
    app.error(
        ROLLBACK,
        json!({ "id": hamkor::global_id::encode(hamkor::global_id::NodeKind::Import, 999) }),
        "NOT_FOUND",
    )
    .await;
}

/// An ISO 2709 record (UTF-8) of (tag, raw field bytes without the terminator).
fn iso_record(fields: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let (mut directory, mut data) = (Vec::new(), Vec::new());
    for (tag, content) in fields {
        directory.extend_from_slice(format!("{tag}{:04}{:05}", content.len() + 1, data.len()).as_bytes());
        data.extend_from_slice(content);
        data.push(0x1E);
    }
    directory.push(0x1E);
    let base = 24 + directory.len();
    let mut out = format!("{:05}nam a22{base:05} a 4500", base + data.len() + 1).into_bytes();
    out.extend(directory);
    out.extend(data);
    out.push(0x1D);
    out
}

#[tokio::test]
async fn repairs_are_reported_and_the_history_is_for_staff() {
    use base64::Engine;
    let app = TestApp::spawn().await;
    // Three bytes where two indicators belong: the record is kept, the repair reported.
    let bytes = iso_record(&[("001", b"w-1".to_vec()), ("245", b"10x\x1faKept in spite of it".to_vec())]);
    let input =
        json!({ "records": base64::engine::general_purpose::STANDARD.encode(&bytes), "base64": true, "source": "w" });
    let report = app.data(IMPORT, json!({ "i": input })).await["importMarc"].clone();
    assert_eq!((report["created"].clone(), report["rejected"].clone()), (json!(1), json!(0)), "{report:#}");
    let warning = &report["warnings"][0];
    assert_eq!(warning["position"], 1);
    assert!(
        warning["message"].as_str().unwrap().starts_with("field 245: 3 bytes before the first subfield"),
        "{report:#}"
    );
    let history = app
        .data("{ imports { nodes { warningCount warnings { nodes { controlNumber message } } } } }", json!({}))
        .await;
    assert_eq!(history["imports"]["nodes"][0]["warningCount"], 1);
    assert_eq!(history["imports"]["nodes"][0]["warnings"]["nodes"][0]["controlNumber"], "w-1");
    let anonymous = app.gql_as(None, "{ imports { totalCount } }", json!({})).await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

/// Exports of an imported record, read back by an independent BibTeX parser (the
/// `biblatex` crate, as typst uses it) and as RIS and CSL-JSON: names split without their
/// dates and titles, links and DOIs where each format has a place, UTF-8 declared.
#[tokio::test]
async fn exports_give_citation_managers_names_links_and_dois_they_parse() {
    let app = TestApp::spawn().await;
    let xml = record(&[
        ("001", "cite-1"),
        ("024", "a=10.1215/9780822389002|2=doi"),
        ("100", "a=Kelty, Christopher M.,|d=1972-"),
        ("245", "a=Two bits :|b=the cultural significance of free software"),
        ("700", "a=Bougainville, Louis-Antoine de,|c=comte,|d=1729-1811"),
        ("700", "a=King, Martin Luther,|c=Jr.,|d=1929-1968"),
        ("856", "u=https://example.org/two-bits"),
    ])
    .replace("<datafield tag=\"024\" ind1=\"1\"", "<datafield tag=\"024\" ind1=\"7\"");
    let report = import(&app, &[xml], Some("cite")).await;
    let id = report["changes"][0]["document"]["id"].as_str().unwrap().to_owned();

    let get = |ext: &'static str| {
        let url = format!("{}/documents/{id}.{ext}", app.base);
        let client = app.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(content_type.ends_with("; charset=utf-8"), "{ext}: {content_type}");
            response.text().await.unwrap()
        }
    };

    let bib = get("bib").await;
    let bibliography = biblatex::Bibliography::parse(&bib).unwrap_or_else(|e| panic!("{e:?}\n{bib}"));
    let entry = bibliography.iter().next().expect("one entry");
    let authors = entry.author().expect("authors");
    assert_eq!((authors[0].name.as_str(), authors[0].given_name.as_str()), ("Kelty", "Christopher M."), "{bib}");
    let text = |field: &str| entry.get_as::<String>(field).unwrap_or_else(|e| panic!("{field}: {e:?}\n{bib}"));
    assert_eq!(text("doi"), "10.1215/9780822389002");
    assert_eq!(text("url"), "https://example.org/two-bits");
    assert!(!bib.contains("1972") && !bib.contains("comte"), "no dates or titles in names:\n{bib}");

    let ris = get("ris").await;
    for line in ["AU  - Kelty, Christopher M.", "DO  - 10.1215/9780822389002", "UR  - https://example.org/two-bits"] {
        assert!(ris.lines().any(|l| l == line), "{line}:\n{ris}");
    }

    let csl: Value = serde_json::from_str(&get("json").await).unwrap();
    assert_eq!(csl[0]["author"], json!([{ "family": "Kelty", "given": "Christopher M." }]));
    assert_eq!(csl[0]["DOI"], "10.1215/9780822389002");
    assert_eq!(csl[0]["URL"], "https://example.org/two-bits");

    let dc = get("dc").await;
    assert!(dc.contains("<dc:identifier>https://doi.org/10.1215/9780822389002</dc:identifier>"), "{dc}");
}

/// Titles sort without the leading article a record marks as not filed on (245 second
/// indicator), and keep that when staff edit the document.
#[tokio::test]
async fn titles_sort_without_their_nonfiling_article() {
    let app = TestApp::spawn().await;
    let the = record(&[("001", "nf-1"), ("245", "a=The history of Bukhara")]).replace("ind2=\"0\"", "ind2=\"4\"");
    let b = record(&[("001", "nf-2"), ("245", "a=Bukhara bindings")]);
    let z = record(&[("001", "nf-3"), ("245", "a=Zarafshan")]);
    let report = import(&app, &[the, b, z], Some("nonfiling")).await;
    let order = || async {
        let data = app.data("{ documents(orderBy: { field: TITLE }) { nodes { title } } }", json!({})).await;
        data["documents"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(order().await, ["Bukhara bindings", "The history of Bukhara", "Zarafshan"]);
    let id = report["changes"][0]["document"]["id"].clone();
    app.data(
        "mutation($id: ID!) { updateDocument(input: { id: $id, description: { notes: \"Edited\" } }) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(order().await, ["Bukhara bindings", "The history of Bukhara", "Zarafshan"], "kept after an edit");
}

/// Many documents in one file, with the filters of `documents`, parsed back.
#[tokio::test]
async fn many_documents_export_in_one_file() {
    let app = TestApp::spawn().await;
    let records: Vec<String> = (1..=1203)
        .map(|i| {
            record(&[
                ("001", &format!("many-{i}")),
                ("100", "a=Kelty, Christopher M.,|d=1972-"),
                ("245", &format!("a=Volume {i}")),
            ])
        })
        .collect();
    import(&app, &records, Some("many")).await;
    let get = |query: &str| {
        let url = format!("{}/documents.{query}", app.base);
        let client = app.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            let status = response.status();
            let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
            (status, content_type, response.text().await.unwrap())
        }
    };
    let (status, content_type, bib) = get("bib").await;
    assert_eq!(status, 200);
    assert_eq!(content_type.as_deref(), Some("application/x-bibtex; charset=utf-8"));
    let bibliography = biblatex::Bibliography::parse(&bib).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(bibliography.len(), 1203, "every document, across pages");

    let (_, _, json) = get("json?title=Volume%2012&max=5").await;
    let items: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 5);
    let (_, _, xml) = get("marcxml?max=3").await;
    assert_eq!(xml.matches("<record").count(), 3);
    assert!(xml.trim_end().ends_with("</collection>"), "{xml}");
    let (_, _, ris) = get("ris?max=2").await;
    assert_eq!(ris.matches("ER  - ").count(), 2);

    for bad in ["bib?max=0", "bib?year_from=x", "bib?language=klingon", "bib?colour=red", "pdf"] {
        let (status, _, _) = get(bad).await;
        assert!(status == 400 || status == 404, "{bad}: {status}");
    }
}
