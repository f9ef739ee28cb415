//! The OAI-PMH provider at `/oai` as a harvester sees it: every response read with a real
//! XML parser and checked against the structure of the OAI-PMH 2.0 schema, the six verbs
//! over GET and POST, both formats, sets and dates, deletions, every protocol error, and a
//! paged harvest of thousands of records while the catalogue changes under it.

mod xml;

use std::collections::HashMap;

use hamkor::global_id::{self, NodeKind};
use serde_json::json;

use self::xml::{Node, check_envelope, is_datestamp, parse};
use crate::support::TestApp;

async fn read(response: reqwest::Response) -> Node {
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
    assert_eq!(content_type.as_deref(), Some("text/xml; charset=utf-8"));
    let root = parse(&response.text().await.expect("a body"));
    check_envelope(&root);
    root
}

async fn get(app: &TestApp, query: &str) -> Node {
    read(app.client.get(format!("{}/oai?{query}", app.base)).send().await.expect("a response")).await
}

async fn post(app: &TestApp, body: &str) -> Node {
    let request = app.client.post(format!("{}/oai", app.base));
    let request = request.header("content-type", "application/x-www-form-urlencoded").body(body.to_owned());
    read(request.send().await.expect("a response")).await
}

fn errors(root: &Node) -> Vec<&str> {
    root.all("error").iter().filter_map(|e| e.attr("code")).collect()
}

#[track_caller]
fn verb<'a>(root: &'a Node, name: &str) -> &'a Node {
    assert!(errors(root).is_empty(), "unexpected errors: {root:?}");
    root.child(name)
}

fn oai_id(document_global_id: &str) -> String {
    format!("oai:hamkor.local:{document_global_id}")
}

fn oai_id_of(id: i64) -> String {
    oai_id(&global_id::encode(NodeKind::Document, id))
}

/// One harvested item: identifier, datestamp, deleted, set specs, Dublin Core title.
#[derive(Clone, Debug)]
struct Item {
    id: String,
    datestamp: String,
    deleted: bool,
    sets: Vec<String>,
    title: Option<String>,
}

fn items(list: &Node) -> Vec<Item> {
    let header_of = |h: &Node, title: Option<String>| Item {
        id: h.child("identifier").text.clone(),
        datestamp: h.child("datestamp").text.clone(),
        deleted: h.attr("status") == Some("deleted"),
        sets: h.all("setSpec").iter().map(|s| s.text.clone()).collect(),
        title,
    };
    let headers = list.all("header").into_iter().map(|h| header_of(h, None));
    let records = list.all("record").into_iter().map(|r| {
        let dc = r.children.iter().find(|c| c.name == "metadata").and_then(|m| m.children.first());
        let title = dc.and_then(|dc| dc.children.iter().find(|c| c.name == "title")).map(|t| t.text.clone());
        header_of(r.child("header"), title)
    });
    headers.chain(records).collect()
}

/// Every page of a list from `query`, following resumption tokens.
async fn harvest(app: &TestApp, query: &str) -> Vec<Item> {
    let verb_name = if query.contains("verb=ListRecords") { "ListRecords" } else { "ListIdentifiers" };
    let mut query = query.to_owned();
    let mut out = Vec::new();
    loop {
        let root = get(app, &query).await;
        if errors(&root) == ["noRecordsMatch"] && out.is_empty() {
            return out;
        }
        let list = verb(&root, verb_name);
        out.extend(items(list));
        match list.all("resumptionToken").first().map(|t| t.text.as_str()) {
            Some(token) if !token.is_empty() => query = format!("verb={verb_name}&resumptionToken={token}"),
            _ => return out,
        }
    }
}

async fn create_document(app: &TestApp, title: &str, languages: &[&str], partner: Option<&str>) -> String {
    let input = json!({ "description": { "title": title, "languages": languages }, "originPartnerId": partner });
    let data =
        app.data("mutation($i: CreateDocumentInput!) { createDocument(input: $i) { id } }", json!({ "i": input }));
    data.await["createDocument"]["id"].as_str().expect("an id").to_owned()
}

async fn import_record(app: &TestApp, control_number: &str, title: &str) -> (String, String) {
    let record = format!(
        "<collection xmlns=\"http://www.loc.gov/MARC21/slim\"><record><leader>00000nam a2200000 a 4500</leader>\
         <controlfield tag=\"001\">{control_number}</controlfield>\
         <datafield tag=\"041\" ind1=\"0\" ind2=\" \"><subfield code=\"a\">uzb</subfield></datafield>\
         <datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><subfield code=\"a\">{title}</subfield></datafield>\
         <datafield tag=\"591\" ind1=\" \" ind2=\" \"><subfield code=\"a\">A local note</subfield></datafield>\
         </record></collection>"
    );
    let report = app
        .data(
            "mutation($i: ImportMarcInput!) { importMarc(input: $i) { id changes { document { id } } } }",
            json!({ "i": { "records": record, "source": "oai-test" } }),
        )
        .await;
    let import = report["importMarc"]["id"].as_str().expect("an import id").to_owned();
    let document = report["importMarc"]["changes"][0]["document"]["id"].as_str().expect("a document id").to_owned();
    (import, document)
}

#[tokio::test]
async fn oai_identify_formats_and_sets() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Korea", "KR").await;
    let doc = create_document(&app, "Hangul", &["kor"], Some(&partner)).await;
    create_document(&app, "Boburnoma", &["uzb"], None).await;
    let exchange = app
        .data(
            "mutation($i: CreateExchangeInput!) { createExchange(input: $i) { id } }",
            json!({ "i": { "partnerId": partner, "direction": "INCOMING", "reference": "KR-2021-7",
                           "lines": [{ "documentId": doc }] } }),
        )
        .await["createExchange"]["id"]
        .as_str()
        .expect("an exchange id")
        .to_owned();

    for root in [get(&app, "verb=Identify").await, post(&app, "verb=Identify").await] {
        let identify = verb(&root, "Identify");
        assert_eq!(identify.child("protocolVersion").text, "2.0");
        assert_eq!(identify.child("deletedRecord").text, "persistent");
        assert_eq!(identify.child("granularity").text, "YYYY-MM-DDThh:mm:ssZ");
        assert_eq!(identify.child("baseURL").text, root.child("request").text);
        let description = identify.child("description").child("oai-identifier");
        assert_eq!(description.child("repositoryIdentifier").text, "hamkor.local");
        assert!(is_datestamp(&identify.child("earliestDatestamp").text));
    }

    let formats = get(&app, "verb=ListMetadataFormats").await;
    let prefixes: Vec<&str> = verb(&formats, "ListMetadataFormats")
        .children
        .iter()
        .map(|f| f.child("metadataPrefix").text.as_str())
        .collect();
    assert_eq!(prefixes, ["oai_dc", "marcxml"]);
    let marc = &verb(&formats, "ListMetadataFormats").children[1];
    assert_eq!(marc.child("metadataNamespace").text, "http://www.loc.gov/MARC21/slim");
    assert_eq!(marc.child("schema").text, "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd");
    let for_one = get(&app, &format!("verb=ListMetadataFormats&identifier={}", oai_id(&doc))).await;
    assert_eq!(verb(&for_one, "ListMetadataFormats").children.len(), 2);

    let sets = get(&app, "verb=ListSets").await;
    let sets: HashMap<&str, &str> = verb(&sets, "ListSets")
        .children
        .iter()
        .map(|s| (s.child("setSpec").text.as_str(), s.child("setName").text.as_str()))
        .collect();
    assert_eq!(sets.get(format!("partner:{partner}").as_str()), Some(&"National Library of Korea"));
    assert_eq!(sets.get(format!("exchange:{exchange}").as_str()), Some(&"KR-2021-7 (National Library of Korea)"));
    assert_eq!(sets.get("language:uzb"), Some(&"Uzbek (uzb)"));
    assert!(["partner", "exchange", "language", "language:kor"].iter().all(|s| sets.contains_key(s)), "{sets:?}");
    assert_eq!(sets.len(), 7, "{sets:?}");
}

#[tokio::test]
async fn oai_get_record_in_both_formats() {
    let app = TestApp::spawn().await;
    let (_, doc) = import_record(&app, "oai-1", "Qutadg'u bilig &amp; boshqalar").await;
    let query = |prefix: &str| format!("verb=GetRecord&metadataPrefix={prefix}&identifier={}", oai_id(&doc));

    let dc = get(&app, &query("oai_dc")).await;
    let record = verb(&dc, "GetRecord").child("record");
    assert_eq!(record.child("header").child("identifier").text, oai_id(&doc));
    assert_eq!(record.child("header").child("setSpec").text, "language:uzb");
    let dc = record.child("metadata").child("dc");
    assert_eq!(dc.ns, "http://www.openarchives.org/OAI/2.0/oai_dc/");
    assert_eq!(dc.child("title").ns, "http://purl.org/dc/elements/1.1/");
    assert!(dc.child("title").text.starts_with("Qutadg'u bilig & boshqalar"), "{dc:?}");

    let marc = post(&app, &query("marcxml")).await;
    let record = verb(&marc, "GetRecord").child("record").child("metadata").child("record");
    assert_eq!(record.ns, "http://www.loc.gov/MARC21/slim");
    assert!(record.attr("xsi:schemaLocation").is_some_and(|s| s.ends_with("MARC21slim.xsd")));
    let field = |tag: &str| record.children.iter().find(|f| f.attr("tag") == Some(tag));
    assert_eq!(field("001").map(|f| f.text.as_str()), Some("oai-1"));
    let note = field("591").expect("the stored record's own fields survive");
    assert_eq!(note.child("subfield").text, "A local note");

    let request = verb(&marc, "GetRecord");
    assert_eq!(request.children.len(), 1);
    let echoed = &marc.child("request");
    assert_eq!(
        (echoed.attr("metadataPrefix"), echoed.attr("identifier")),
        (Some("marcxml"), Some(oai_id(&doc).as_str()))
    );
}

#[tokio::test]
async fn oai_harvest_in_pages_survives_changes_between_pages() {
    let app = TestApp::spawn().await;
    // Three documents share each second, so pages end inside runs of equal datestamps.
    sqlx::query(
        "INSERT INTO documents (title, languages, updated_at)
         SELECT 'Document ' || g, ARRAY['uzb'], timestamptz '2020-01-01 00:00:00+00' + (g / 3) * interval '1 second'
           FROM generate_series(1, 3000) g",
    )
    .execute(&app.pool)
    .await
    .expect("documents inserted");
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM documents ORDER BY updated_at, id").fetch_all(&app.pool).await.expect("ids");
    let changed = [ids[10], ids[50], ids[99], ids[100], ids[1500], ids[2999]];
    let deleted = [ids[20], ids[2500]];

    let mut query = "verb=ListRecords&metadataPrefix=oai_dc".to_owned();
    let (mut first, mut started, mut pages) = (Vec::<Item>::new(), String::new(), 0);
    loop {
        let root = get(&app, &query).await;
        if started.is_empty() {
            started = root.child("responseDate").text.clone();
        }
        let list = verb(&root, "ListRecords");
        let token = list.all("resumptionToken").first().map(|t| (t.text.clone(), t.attr("cursor").map(str::to_owned)));
        let (token, cursor) = token.expect("every page of a harvest in pages has a resumptionToken");
        assert_eq!(cursor, Some(first.len().to_string()), "the cursor counts what was delivered");
        if pages == 0 {
            let size = list.child("resumptionToken").attr("completeListSize");
            assert_eq!(size, Some("3000"));
        }
        first.extend(items(list));
        pages += 1;
        if pages == 2 {
            // Between pages: records already delivered and records still to come change,
            // one of each is deleted, and a new one arrives.
            sqlx::query("UPDATE documents SET title = 'Changed ' || id, updated_at = now() WHERE id = ANY($1)")
                .bind(&changed[..])
                .execute(&app.pool)
                .await
                .expect("documents changed");
            sqlx::query("DELETE FROM documents WHERE id = ANY($1)")
                .bind(&deleted[..])
                .execute(&app.pool)
                .await
                .expect("deleted");
            create_document(&app, "Added during the harvest", &["uzb"], None).await;
            // A token for the other list verb is refused.
            let wrong = get(&app, &format!("verb=ListIdentifiers&resumptionToken={token}")).await;
            assert_eq!(errors(&wrong), ["badResumptionToken"]);
        }
        if token.is_empty() {
            break;
        }
        query = format!("verb=ListRecords&resumptionToken={token}");
    }
    assert!(pages >= 30, "pages of a hundred: {pages}");
    let datestamps: Vec<&str> = first.iter().map(|i| i.datestamp.as_str()).collect();
    assert!(datestamps.windows(2).all(|w| w[0] <= w[1]), "in order of change");

    // The next harvest, from the first response's date, as harvesters do.
    let second = harvest(&app, &format!("verb=ListRecords&metadataPrefix=oai_dc&from={started}")).await;
    let mut seen: HashMap<&str, Vec<&Item>> = HashMap::new();
    for item in first.iter().chain(&second) {
        seen.entry(item.id.as_str()).or_default().push(item);
    }
    let mut in_first: HashMap<&str, usize> = HashMap::new();
    first.iter().for_each(|i| *in_first.entry(i.id.as_str()).or_default() += 1);
    assert!(in_first.values().all(|&n| n == 1), "no record twice within one harvest");
    for &id in &ids {
        let occurrences = seen.get(oai_id_of(id).as_str()).map_or(&[][..], Vec::as_slice);
        let last = occurrences.last().unwrap_or_else(|| panic!("document {id} was never delivered"));
        if changed.contains(&id) {
            assert_eq!(last.title.as_deref(), Some(format!("Changed {id}").as_str()), "the newest version last");
            assert!(occurrences.iter().all(|o| o.datestamp <= last.datestamp));
        } else if deleted.contains(&id) {
            assert!(last.deleted && last.title.is_none(), "{last:?}");
            assert_eq!(last.sets, ["language:uzb"], "a deletion keeps its sets");
        } else {
            assert_eq!(occurrences.len(), 1, "unchanged document {id} delivered exactly once");
            assert!(last.title.as_deref().is_some_and(|t| t.starts_with("Document ")), "{last:?}");
        }
    }
    assert!(second.iter().any(|i| i.title.as_deref() == Some("Added during the harvest")));
    assert_eq!(second.len(), changed.len() + deleted.len() + 1, "the next harvest has only what changed");
}

/// The sorted identifiers of a ListIdentifiers harvest with `args`.
async fn select(app: &TestApp, args: &str) -> Vec<String> {
    let items = harvest(app, &format!("verb=ListIdentifiers&metadataPrefix=marcxml{args}")).await;
    let mut ids: Vec<String> = items.into_iter().map(|i| i.id).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn oai_selects_by_date_and_set() {
    let app = TestApp::spawn().await;
    let korea = app.create_partner("National Library of Korea", "KR").await;
    let goethe = app.create_partner("Goethe-Institut", "DE").await;
    let a = create_document(&app, "Korean, March 1", &["kor"], Some(&korea)).await;
    let b = create_document(&app, "Uzbek, March 2 morning", &["uzb"], None).await;
    let c = create_document(&app, "Uzbek and Russian, March 2 night", &["uzb", "rus"], Some(&goethe)).await;
    let d = create_document(&app, "Shipped, March 5", &["eng"], None).await;
    let exchange = app
        .data(
            "mutation($i: CreateExchangeInput!) { createExchange(input: $i) { id } }",
            json!({ "i": { "partnerId": korea, "direction": "OUTGOING", "lines": [{ "documentId": d }] } }),
        )
        .await["createExchange"]["id"]
        .as_str()
        .expect("an exchange id")
        .to_owned();
    for (doc, at) in [
        (&a, "2021-03-01 12:00:00+00"),
        (&b, "2021-03-02 10:00:00.5+00"),
        (&c, "2021-03-02 23:59:59+00"),
        (&d, "2021-03-05 00:00:00+00"),
    ] {
        let id = global_id::decode_as("id", doc, NodeKind::Document).expect("a document id");
        sqlx::query("UPDATE documents SET updated_at = $2::timestamptz WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&app.pool)
            .await
            .expect("dated");
    }
    let expect = |docs: &[&String]| {
        let mut ids: Vec<String> = docs.iter().map(|d| oai_id(d)).collect();
        ids.sort();
        ids
    };
    assert_eq!(select(&app, "").await, expect(&[&a, &b, &c, &d]));
    assert_eq!(select(&app, "&from=2021-03-02&until=2021-03-02").await, expect(&[&b, &c]));
    assert_eq!(select(&app, "&from=2021-03-02T10:00:00Z&until=2021-03-02T10:00:00Z").await, expect(&[&b]));
    assert_eq!(select(&app, "&from=2021-03-02T10:00:01Z").await, expect(&[&c, &d]));
    assert_eq!(select(&app, "&until=2021-03-01").await, expect(&[&a]));
    assert_eq!(select(&app, "&set=language:uzb").await, expect(&[&b, &c]));
    assert_eq!(select(&app, "&set=language:uzb&from=2021-03-02T12:00:00Z").await, expect(&[&c]));
    assert_eq!(select(&app, "&set=language").await, expect(&[&a, &b, &c, &d]));
    assert_eq!(select(&app, &format!("&set=partner:{korea}")).await, expect(&[&a]));
    assert_eq!(select(&app, "&set=partner").await, expect(&[&a, &c]));
    assert_eq!(select(&app, &format!("&set=exchange:{exchange}")).await, expect(&[&d]));
    assert_eq!(select(&app, "&set=exchange").await, expect(&[&d]));
    for nothing in ["&until=2020-12-31", "&set=language:zul", "&set=colour:red", "&from=2021-03-06"] {
        let root = get(&app, &format!("verb=ListIdentifiers&metadataPrefix=oai_dc{nothing}")).await;
        assert_eq!(errors(&root), ["noRecordsMatch"], "{nothing}");
    }

    let all = harvest(&app, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
    let sets_of = |doc: &String| all.iter().find(|i| i.id == oai_id(doc)).map(|i| i.sets.clone()).unwrap_or_default();
    assert_eq!(sets_of(&a), [format!("partner:{korea}"), "language:kor".to_owned()]);
    assert_eq!(sets_of(&d), [format!("exchange:{exchange}"), "language:eng".to_owned()]);
    let identify = get(&app, "verb=Identify").await;
    let earliest = &verb(&identify, "Identify").child("earliestDatestamp").text;
    assert_eq!(Some(earliest), all.iter().map(|i| &i.datestamp).min(), "the earliest datestamp is the oldest item's");
}

#[tokio::test]
async fn oai_reports_deleted_records() {
    let app = TestApp::spawn().await;
    let doc = create_document(&app, "Withdrawn", &["uzb"], None).await;
    app.data("mutation($id: ID!) { deleteDocument(id: $id) }", json!({ "id": doc })).await;
    let (import, imported) = import_record(&app, "oai-2", "Rolled back").await;
    app.data("mutation($id: ID!) { rollbackImport(id: $id) { id } }", json!({ "id": import })).await;

    for gone in [&doc, &imported] {
        let root = get(&app, &format!("verb=GetRecord&metadataPrefix=marcxml&identifier={}", oai_id(gone))).await;
        let record = verb(&root, "GetRecord").child("record");
        assert_eq!(record.child("header").attr("status"), Some("deleted"));
        assert_eq!(record.names(), ["header"], "no metadata for a deleted record");
        let formats = get(&app, &format!("verb=ListMetadataFormats&identifier={}", oai_id(gone))).await;
        assert_eq!(verb(&formats, "ListMetadataFormats").children.len(), 2);
    }
    for list in
        ["verb=ListIdentifiers&metadataPrefix=oai_dc&set=language:uzb", "verb=ListRecords&metadataPrefix=oai_dc"]
    {
        let items = harvest(&app, list).await;
        assert_eq!(items.len(), 2, "{list}");
        assert!(items.iter().all(|i| i.deleted && i.title.is_none()), "{items:?}");
    }
}

#[tokio::test]
async fn oai_answers_every_protocol_error() {
    let app = TestApp::spawn().await;
    let doc = create_document(&app, "Present", &["uzb"], None).await;
    let first = get(&app, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
    assert!(verb(&first, "ListIdentifiers").all("resumptionToken").is_empty(), "a complete list has no token");
    let real = token_of_a_two_page_list(&app).await;
    let tampered = {
        let (payload, check) = real.split_once('.').expect("a token of two parts");
        let middle = payload.len() / 2;
        let flipped = if payload[middle..].starts_with('A') { 'B' } else { 'A' };
        format!("{}{flipped}{}.{check}", &payload[..middle], &payload[middle + 1..])
    };
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "badVerb"),
        ("verb=Explode".into(), "badVerb"),
        ("verb=Identify&verb=Identify".into(), "badVerb"),
        ("verb=identify".into(), "badVerb"),
        ("verb=Identify&set=x".into(), "badArgument"),
        ("verb=ListRecords".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2021-02-30".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&until=yesterday".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2021-01-01&until=2021-01-01T00:00:00Z".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2021-01-02&until=2021-01-01".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=a%20b".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai%20dc".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai%20dc".into(), "badArgument"),
        (format!("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken={real}"), "badArgument"),
        ("verb=GetRecord&metadataPrefix=oai_dc".into(), "badArgument"),
        ("verb=GetRecord&identifier=&metadataPrefix=oai_dc".into(), "badArgument"),
        ("verb=ListIdentifiers&resumptionToken=garbage".into(), "badResumptionToken"),
        (format!("verb=ListIdentifiers&resumptionToken={tampered}"), "badResumptionToken"),
        ("verb=ListSets&resumptionToken=anything".into(), "badResumptionToken"),
        ("verb=ListRecords&metadataPrefix=mods".into(), "cannotDisseminateFormat"),
        (format!("verb=GetRecord&metadataPrefix=mods&identifier={}", oai_id(&doc)), "cannotDisseminateFormat"),
        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:hamkor.local:nonsense".into(), "idDoesNotExist"),
        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=%01%3C%26%22".into(), "idDoesNotExist"),
        (format!("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:other.org:{doc}"), "idDoesNotExist"),
        (format!("verb=ListMetadataFormats&identifier={}", oai_id_of(999_999)), "idDoesNotExist"),
        ("verb=ListRecords&metadataPrefix=oai_dc&until=1999-12-31".into(), "noRecordsMatch"),
    ];
    for (query, code) in &cases {
        let root = get(&app, query).await;
        assert_eq!(errors(&root), [*code], "GET {query}");
        let root = post(&app, query).await;
        assert_eq!(errors(&root), [*code], "POST {query}");
    }
    let both = get(&app, "verb=GetRecord&metadataPrefix=mods&identifier=oai:x:y").await;
    assert_eq!(errors(&both), ["idDoesNotExist", "cannotDisseminateFormat"]);
    // Whatever arrives gets an answer in the protocol.
    for junk in ["%FF%FE=%00", "verb", "&&&=", "verb=Identify%00", &"verb=ListSets&".repeat(2000)] {
        let root = get(&app, junk).await;
        assert!(!errors(&root).is_empty(), "{junk:.40}");
    }
    let response = app.client.post(format!("{}/oai", app.base)).body(vec![0xFFu8, 0x00, 0x80]).send().await;
    assert_eq!(errors(&read(response.expect("a response")).await), ["badVerb"]);
}

/// A resumption token of a real list (501 items make two ListIdentifiers pages).
async fn token_of_a_two_page_list(app: &TestApp) -> String {
    sqlx::query("INSERT INTO documents (title) SELECT 'Filler ' || g FROM generate_series(1, 501) g")
        .execute(&app.pool)
        .await
        .expect("documents inserted");
    let root = get(app, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
    let token = verb(&root, "ListIdentifiers").child("resumptionToken").text.clone();
    assert!(!token.is_empty());
    let next = get(app, &format!("verb=ListIdentifiers&resumptionToken={token}")).await;
    let last = verb(&next, "ListIdentifiers").child("resumptionToken");
    assert_eq!((last.text.as_str(), last.attr("cursor")), ("", Some("500")), "the last page's token is empty");
    token
}

#[tokio::test]
async fn oai_names_the_repository_as_configured() {
    let (pool, _) = crate::support::fresh_database().await;
    let options = hamkor::document::oai::OaiOptions {
        repository_identifier: "natlib.uz".into(),
        admin_emails: vec!["oai@natlib.uz".into()],
        base_url: Some("https://hamkor.natlib.uz/oai".into()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(pool, |state| state.with_oai(options)).await;
    let document = create_document(&app, "Boburnoma", &["uzb"], None).await;
    let root = get(&app, "verb=Identify").await;
    let identify = verb(&root, "Identify");
    assert_eq!(identify.child("baseURL").text, "https://hamkor.natlib.uz/oai");
    assert_eq!(identify.child("adminEmail").text, "oai@natlib.uz");
    assert_eq!(identify.child("description").child("oai-identifier").child("repositoryIdentifier").text, "natlib.uz");
    let identifier = format!("oai:natlib.uz:{document}");
    let record = get(&app, &format!("verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier}")).await;
    assert_eq!(verb(&record, "GetRecord").child("record").child("header").child("identifier").text, identifier);
}

#[tokio::test]
async fn a_document_joining_a_shipment_is_harvested_again_with_its_set() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("National Library of Korea", "KR").await;
    let document = create_document(&app, "Hangul", &["kor"], None).await;
    let other = create_document(&app, "Jikji", &["kor"], None).await;
    let shipment = app
        .data(
            "mutation($i: CreateExchangeInput!) { createExchange(input: $i) { id } }",
            json!({ "i": { "partnerId": partner, "direction": "OUTGOING", "lines": [{ "documentId": other }] } }),
        )
        .await["createExchange"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stamp = || async {
        let data = app.data("query($id: ID!) { document(id: $id) { updatedAt } }", json!({ "id": document })).await;
        data["document"]["updatedAt"].as_str().unwrap().to_owned()
    };
    let before = stamp().await;
    app.data(
        "mutation($id: ID!, $lines: [ExchangeLineInput!]!) { setExchangeLines(id: $id, lines: $lines) { id } }",
        json!({ "id": shipment, "lines": [{ "documentId": other }, { "documentId": document }] }),
    )
    .await;
    assert!(stamp().await > before, "the document's change date moved when it joined the shipment's set");
    let set = format!("verb=ListIdentifiers&metadataPrefix=oai_dc&set=exchange:{shipment}");
    let listed = get(&app, &set).await;
    let headers = verb(&listed, "ListIdentifiers").all("header");
    assert_eq!(headers.len(), 2, "{listed:?}");
}
