//! Documents and holdings: cataloguing by hand, filters, identifiers, and bad input.

use serde_json::json;

use crate::support::TestApp;

const CREATE: &str = "mutation($input: CreateDocumentInput!) { createDocument(input: $input) {
    id title isbns issns languages format year contributors { name role } parallelTitles { title script } } }";

#[tokio::test]
async fn catalogues_a_document_with_normalised_identifiers() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            CREATE,
            json!({ "input": { "description": {
                "title": "Hong lou meng", "format": "BOOK", "year": 2008, "languages": ["chi", "en"],
                "isbns": ["0-306-40615-2"], "issns": ["0378-5955"],
                "contributors": [{ "name": "Cao, Xueqin", "parallelName": "曹雪芹" }],
                "parallelTitles": [{ "title": "红楼梦", "script": "Hani" }]
            } } }),
        )
        .await;
    let doc = &data["createDocument"];
    assert_eq!(doc["isbns"], json!(["9780306406157"]), "ISBN-10 stored as its ISBN-13");
    assert_eq!(doc["languages"], json!(["zho", "eng"]), "ISO 639-3");
    assert_eq!(doc["contributors"][0]["role"], "AUTHOR");
    assert_eq!(doc["parallelTitles"][0]["title"], "红楼梦");

    // The ISBN-13 of the same book finds it.
    let found = app.data("{ documents(filter: { isbn: \"978-0-306-40615-7\" }) { totalCount } }", json!({})).await;
    assert_eq!(found["documents"]["totalCount"], 1);
}

#[tokio::test]
async fn filters_by_language_format_year_and_partner() {
    let app = TestApp::seeded().await;
    let q = "query($f: DocumentFilter) { documents(filter: $f, first: 100) { totalCount edges { node { title } } } }";
    let korean = app.data(q, json!({ "f": { "languages": ["ko"] } })).await;
    assert_eq!(korean["documents"]["totalCount"], 3);
    let maps = app.data(q, json!({ "f": { "format": "MAP" } })).await;
    assert_eq!(maps["documents"]["edges"][0]["node"]["title"], "上海城市地图");
    let range = app.data(q, json!({ "f": { "yearFrom": 2020, "yearTo": 2021 } })).await;
    assert!(range["documents"]["totalCount"].as_i64().unwrap() >= 3);
    let korea = app.data("{ partners(filter: { country: \"KR\" }) { edges { node { id } } } }", json!({})).await;
    let korea = korea["partners"]["edges"][0]["node"]["id"].clone();
    let from_korea = app.data(q, json!({ "f": { "originPartnerId": korea } })).await;
    assert_eq!(from_korea["documents"]["totalCount"], 3);
    app.error(q, json!({ "f": { "languages": ["klingon"] } }), "BAD_USER_INPUT").await;
    app.error(q, json!({ "f": { "yearFrom": 2020, "yearTo": 2000 } }), "BAD_USER_INPUT").await;
}

#[tokio::test]
async fn bad_documents_are_rejected_and_write_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "title": "" }), "title"),
        (json!({ "title": "x".repeat(2001) }), "title"),
        (json!({ "title": "A", "isbns": ["0-306-40615-3"] }), "isbns"),
        (json!({ "title": "A", "issns": ["1234-5678"] }), "issns"),
        (json!({ "title": "A", "languages": ["xx"] }), "languages"),
        (json!({ "title": "A", "year": 99999 }), "year"),
        (json!({ "subtitle": "no title" }), "title"),
    ];
    for (description, field) in cases {
        let error = app.error(CREATE, json!({ "input": { "description": description } }), "BAD_USER_INPUT").await;
        assert_eq!(error["extensions"]["field"], field, "{description}");
    }
    assert_eq!(app.count("documents").await, 0);
}

#[tokio::test]
async fn holdings_by_holder_with_unique_barcodes_and_guarded_deletes() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Turkey", "TR").await;
    let doc = app.data(CREATE, json!({ "input": { "description": { "title": "Kürk Mantolu Madonna" } } })).await;
    let doc = doc["createDocument"]["id"].as_str().unwrap().to_owned();
    let create = "mutation($input: CreateHoldingInput!) { createHolding(input: $input) { id heldByLibrary holder { name } status } }";
    let ours = app.data(create, json!({ "input": { "documentId": doc, "barcode": "NLU-1" } })).await;
    assert_eq!(ours["createHolding"]["heldByLibrary"], true);
    // The same barcode at another holder is fine; twice at one holder is a conflict.
    let theirs =
        app.data(create, json!({ "input": { "documentId": doc, "barcode": "NLU-1", "holderId": partner } })).await;
    assert_eq!(theirs["createHolding"]["holder"]["name"], "National Library of Turkey");
    let error = app.error(create, json!({ "input": { "documentId": doc, "barcode": "NLU-1" } }), "CONFLICT").await;
    assert_eq!(error["extensions"]["field"], "barcode");

    let id = ours["createHolding"]["id"].as_str().unwrap();
    let update = "mutation($input: UpdateHoldingInput!) { updateHolding(input: $input) { status } }";
    let data = app.data(update, json!({ "input": { "id": id, "status": "ON_LOAN" } })).await;
    assert_eq!(data["updateHolding"]["status"], "ON_LOAN");

    let q = "query($d: ID!, $p: ID!) {
        document(id: $d) { holdings { totalCount } }
        byPartner: holdings(filter: { holderId: $p }) { totalCount }
        ours: holdings(filter: { heldByLibrary: true }) { totalCount }
        partner(id: $p) { holdings { totalCount } } }";
    let data = app.data(q, json!({ "d": doc, "p": partner })).await;
    assert_eq!(data["document"]["holdings"]["totalCount"], 2);
    assert_eq!(data["byPartner"]["totalCount"], 1);
    assert_eq!(data["ours"]["totalCount"], 1);
    assert_eq!(data["partner"]["holdings"]["totalCount"], 1);

    let error = app.error("mutation($id: ID!) { deleteDocument(id: $id) }", json!({ "id": doc }), "CONFLICT").await;
    assert!(error["message"].as_str().unwrap().contains("holdings"), "{error}");
    assert_eq!(app.count("documents").await, 1);
}

/// A list that shows only a document's short fields reads only those columns; one that shows
/// more reads them all. Either way each row shows what the document itself shows.
#[tokio::test]
async fn a_list_shows_every_field_it_selects_as_the_document_has_it() {
    let app = TestApp::seeded().await;
    // The copies are loaded for the whole page at once: every field of theirs must read back
    // as the copy itself has it.
    let short = "id title subtitle languages year format source controlNumber createdAt updatedAt \
                 originPartner { id } holdings(first: 5) { totalCount edges { node { id barcode callNumber \
                 status heldByLibrary holder { id } location { id } locationNote provenance { id } \
                 createdAt updatedAt } } }";
    let long = "contributors { name role } parallelTitles { title } publisher place edition seriesTitle \
                seriesVolume isbns issns subjects abstract notes physicalDescription";
    let of_each =
        |fields: &str| format!("query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Document {{ {fields} }} }} }}");
    for (selection, fragment) in [
        (short.to_owned(), String::new()),
        (format!("{short} ...long"), format!("fragment long on Document {{ {long} }}")),
    ] {
        let list = app
            .data(
                &format!("{{ documents(first: 100) {{ edges {{ node {{ {selection} }} }} }} }} {fragment}"),
                json!({}),
            )
            .await;
        let rows: Vec<serde_json::Value> =
            list["documents"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
        assert!(rows.len() > 5, "the seeded catalogue lists its documents");
        assert!(
            rows.iter().any(|r| r["holdings"]["totalCount"].as_i64().is_some_and(|n| n > 1)),
            "some seeded documents have several copies"
        );
        let ids: Vec<serde_json::Value> = rows.iter().map(|r| r["id"].clone()).collect();
        let fields = if fragment.is_empty() { short.to_owned() } else { format!("{short} {long}") };
        let each = app.data(&of_each(&fields), json!({ "ids": ids })).await;
        assert_eq!(each["nodes"].as_array().unwrap(), &rows, "{selection}");
        if !fragment.is_empty() {
            assert!(rows.iter().any(|r| r["contributors"].as_array().is_some_and(|c| !c.is_empty())));
            assert!(rows.iter().any(|r| r["subjects"].as_array().is_some_and(|s| !s.is_empty())));
        }
    }
}
