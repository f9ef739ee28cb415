//! Partners: create, read, filter, order, update, and every bad input.

use serde_json::json;

use crate::support::TestApp;

const CREATE: &str = "mutation($input: CreatePartnerInput!) {
    createPartner(input: $input) { id kind country city website email isil active names { lang value } }
}";

#[tokio::test]
async fn creates_a_partner_with_names_in_several_languages() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            CREATE,
            json!({ "input": {
                "kind": "NATIONAL_LIBRARY", "country": "kr", "city": "Seoul",
                "website": "https://www.nl.go.kr", "email": "intl@nl.go.kr", "isil": "KR-NLK",
                "names": [
                    { "lang": "ko", "value": "국립중앙도서관" },
                    { "lang": "en", "value": "National Library of Korea" },
                    { "lang": "uz-latn", "value": "Koreya Milliy kutubxonasi" },
                    { "lang": "ru", "value": "Национальная библиотека Кореи" }
                ]
            }}),
        )
        .await;
    let partner = &data["createPartner"];
    assert_eq!(partner["country"], "KR", "country codes are stored in upper case");
    assert_eq!(partner["isil"], "KR-NLK");
    assert_eq!(partner["active"], true);
    let langs: Vec<&str> = partner["names"].as_array().unwrap().iter().map(|n| n["lang"].as_str().unwrap()).collect();
    assert_eq!(langs, ["en", "ko", "ru", "uz-Latn"], "tags are canonical and sorted");

    let id = partner["id"].as_str().unwrap();
    let data = app
        .data(
            "query($id: ID!) { partner(id: $id) {
                ko: name(lang: \"ko\") uz: name(lang: \"uz\") fr: name(lang: \"fr\") default: name
            } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["partner"]["ko"], "국립중앙도서관");
    assert_eq!(data["partner"]["uz"], "Koreya Milliy kutubxonasi", "uz finds uz-Latn");
    assert_eq!(data["partner"]["fr"], "National Library of Korea", "falls back to English");
    assert_eq!(data["partner"]["default"], "National Library of Korea");
}

#[tokio::test]
async fn filters_by_country_kind_and_name_in_any_language() {
    let app = TestApp::seeded().await;
    let query = "query($filter: PartnerFilter) { partners(filter: $filter, first: 100) {
        totalCount edges { node { names { value } country kind } } } }";

    let data = app.data(query, json!({ "filter": { "country": "KR" } })).await;
    assert_eq!(data["partners"]["totalCount"], 1);
    assert_eq!(data["partners"]["edges"][0]["node"]["country"], "KR");

    let data = app.data(query, json!({ "filter": { "kind": "NATIONAL_LIBRARY" } })).await;
    assert_eq!(data["partners"]["totalCount"], 12);

    // The same partner found by its Korean, Russian and Uzbek names, ignoring case.
    for needle in ["국립중앙", "библиотека кореи", "KOREYA MILLIY"] {
        let data = app.data(query, json!({ "filter": { "nameContains": needle } })).await;
        assert_eq!(data["partners"]["totalCount"], 1, "{needle}");
    }
    // LIKE wildcards in user text match literally.
    let data = app.data(query, json!({ "filter": { "nameContains": "%" } })).await;
    assert_eq!(data["partners"]["totalCount"], 0);
}

#[tokio::test]
async fn orders_and_paginates_forward_and_backward() {
    let app = TestApp::seeded().await;
    let query = "query($first: Int, $after: String, $last: Int, $before: String) {
        partners(first: $first, after: $after, last: $last, before: $before, orderBy: { field: NAME }) {
            totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { name(lang: \"en\") } } } }";
    let all = app.data(query, json!({ "first": 100 })).await;
    let names: Vec<String> = all["partners"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(names.len(), 20);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by English name");

    let page1 = app.data(query, json!({ "first": 7 })).await;
    assert_eq!(page1["partners"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(page1["partners"]["pageInfo"]["hasPreviousPage"], false);
    let after = page1["partners"]["pageInfo"]["endCursor"].clone();
    let page2 = app.data(query, json!({ "first": 7, "after": after })).await;
    assert_eq!(page2["partners"]["edges"][0]["node"]["name"].as_str().unwrap().to_lowercase(), names[7]);
    assert_eq!(page2["partners"]["pageInfo"]["hasPreviousPage"], true);

    let tail = app.data(query, json!({ "last": 3 })).await;
    let tail_names: Vec<String> = tail["partners"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_lowercase())
        .collect();
    assert_eq!(tail_names, names[17..]);
    let before = tail["partners"]["pageInfo"]["startCursor"].clone();
    let prev = app.data(query, json!({ "last": 2, "before": before })).await;
    assert_eq!(prev["partners"]["edges"][1]["node"]["name"].as_str().unwrap().to_lowercase(), names[16]);
}

#[tokio::test]
async fn updates_fields_clears_nullable_ones_and_replaces_names() {
    let app = TestApp::spawn().await;
    let created = app
        .data(
            CREATE,
            json!({ "input": { "kind": "UNIVERSITY", "country": "JP", "city": "Nagakute",
                "names": [{ "lang": "en", "value": "Aichi University of the Arts" }] } }),
        )
        .await;
    let id = created["createPartner"]["id"].as_str().unwrap();
    let data = app
        .data(
            "mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) {
                city active email names { lang value } } }",
            json!({ "input": { "id": id, "city": null, "active": false, "email": "office@aichi-fam-u.ac.jp",
                "names": [{ "lang": "ja", "value": "愛知県立芸術大学" }, { "lang": "en", "value": "Aichi University of the Arts" }] } }),
        )
        .await;
    let partner = &data["updatePartner"];
    assert_eq!(partner["city"], serde_json::Value::Null);
    assert_eq!(partner["active"], false);
    assert_eq!(partner["email"], "office@aichi-fam-u.ac.jp");
    assert_eq!(partner["names"].as_array().unwrap().len(), 2);
}

/// Each bad input gets a precise error and writes nothing.
#[tokio::test]
async fn bad_partner_input_is_rejected_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.create_partner("National Library of Latvia", "LV").await;
    let base = json!({ "kind": "NATIONAL_LIBRARY", "country": "LV", "names": [{ "lang": "en", "value": "Another" }] });
    let with = |patch: serde_json::Value| {
        let mut input = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let cases = [
        (with(json!({ "country": "XX" })), "BAD_USER_INPUT", "country"),
        (with(json!({ "country": "LVA" })), "BAD_USER_INPUT", "country"),
        (with(json!({ "email": "not-an-email" })), "BAD_USER_INPUT", "email"),
        (with(json!({ "website": "javascript:alert(1)" })), "BAD_USER_INPUT", "website"),
        (with(json!({ "isil": "no hyphen here" })), "BAD_USER_INPUT", "isil"),
        (with(json!({ "names": [] })), "BAD_USER_INPUT", "names"),
        (with(json!({ "names": [{ "lang": "klingon!", "value": "x" }] })), "BAD_USER_INPUT", "names"),
        (with(json!({ "names": [{ "lang": "en", "value": "x".repeat(301) }] })), "BAD_USER_INPUT", "names"),
        (with(json!({ "names": [{ "lang": "en", "value": "   " }] })), "BAD_USER_INPUT", "names"),
        (with(json!({ "city": "c".repeat(10_000) })), "BAD_USER_INPUT", "city"),
        // The same name in the same language as an existing partner, in another case.
        (with(json!({ "names": [{ "lang": "en", "value": "NATIONAL LIBRARY OF LATVIA" }] })), "CONFLICT", "names"),
    ];
    for (variables, code, field) in cases {
        let error = app.error(CREATE, variables.clone(), code).await;
        assert_eq!(error["extensions"]["field"], field, "{variables}");
    }
    assert_eq!(app.count("partners").await, 1, "nothing was written");
    assert_eq!(app.count("partner_names").await, 1);
}

#[tokio::test]
async fn a_conflicting_update_leaves_the_partner_unchanged() {
    let app = TestApp::spawn().await;
    app.create_partner("National Library of Belarus", "BY").await;
    let id = app.create_partner("National Library of Turkey", "TR").await;
    // Renaming to a taken name fails as a whole: the country change is not kept either.
    let error = app
        .error(
            "mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) { id } }",
            json!({ "input": { "id": id, "country": "BY",
                "names": [{ "lang": "en", "value": "National Library of Belarus" }] } }),
            "CONFLICT",
        )
        .await;
    assert_eq!(error["extensions"]["field"], "names");
    let data = app.data("query($id: ID!) { partner(id: $id) { country name } }", json!({ "id": id })).await;
    assert_eq!(data["partner"]["country"], "TR");
    assert_eq!(data["partner"]["name"], "National Library of Turkey");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_clear_errors() {
    let app = TestApp::spawn().await;
    let id = app.create_partner("National Library of China", "CN").await;
    let query = "query($id: ID!) { partner(id: $id) { id } }";

    let unknown = hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Partner, 999_999).0;
    let error = app.error(query, json!({ "id": unknown }), "NOT_FOUND").await;
    assert!(error["message"].as_str().unwrap().contains(&unknown), "the message names the id: {error}");

    app.error(query, json!({ "id": "not-an-id" }), "BAD_USER_INPUT").await;
    let agreement_id = hamkor::graphql::id::encode(hamkor::graphql::id::NodeKind::Agreement, 1).0;
    let error = app.error(query, json!({ "id": agreement_id }), "BAD_USER_INPUT").await;
    assert!(error["message"].as_str().unwrap().contains("not of a Partner"), "{error}");

    let update = "mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) { id } }";
    app.error(update, json!({ "input": { "id": unknown, "active": false } }), "NOT_FOUND").await;
    let data = app.data(query, json!({ "id": id })).await;
    assert_eq!(data["partner"]["id"], id.as_str());
}

#[tokio::test]
async fn page_size_is_capped() {
    let app = TestApp::spawn().await;
    let error = app.error("{ partners(first: 100000) { totalCount } }", json!({}), "BAD_USER_INPUT").await;
    assert_eq!(error["extensions"]["field"], "first");
    app.error("{ partners(last: -1) { totalCount } }", json!({}), "BAD_USER_INPUT").await;
    app.error("{ partners(after: \"bogus\") { totalCount } }", json!({}), "BAD_USER_INPUT").await;
    app.error("{ partners(filter: { country: \"XX\" }) { totalCount } }", json!({}), "BAD_USER_INPUT").await;
    let data = app.data("{ partners(first: 100) { totalCount } }", json!({})).await;
    assert_eq!(data["partners"]["totalCount"], 0);
}
