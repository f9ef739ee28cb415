//! Full-text search: every behaviour asserted on specific documents in the top results.

use serde_json::{Value, json};

use crate::corpus::{Corpus, fixture};
use crate::support::TestApp;

const SEARCH: &str = "query($q: String!, $f: SearchFilter, $o: SearchOrderBy, $first: Int, $after: String) {
    search(query: $q, filter: $f, orderBy: $o, first: $first, after: $after) {
        totalCount suggestion
        pageInfo { hasNextPage endCursor }
        edges { cursor node { score document { id title year } highlights { title abstract } } }
        facets { languages { value count } formats { format count } countries { value count }
                 partners { partner { name } count } decades { decade count years { year count } }
                 subjects { value count } } } }";

async fn add(app: &TestApp, title: &str, extra: Value) -> String {
    let mut description = json!({ "title": title });
    for (k, v) in extra.as_object().unwrap() {
        description[k] = v.clone();
    }
    let data = app
        .data(
            "mutation($i: CreateDocumentInput!) { createDocument(input: $i) { id } }",
            json!({ "i": { "description": description } }),
        )
        .await;
    data["createDocument"]["id"].as_str().unwrap().to_owned()
}

async fn search(app: &TestApp, query: &str) -> Value {
    search_with(app, query, json!({})).await
}

async fn search_with(app: &TestApp, query: &str, vars: Value) -> Value {
    let mut variables = json!({ "q": query });
    for (k, v) in vars.as_object().unwrap() {
        variables[k] = v.clone();
    }
    app.data(SEARCH, variables).await["search"].clone()
}

fn titles(result: &Value) -> Vec<String> {
    result["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["document"]["title"].as_str().unwrap().to_owned())
        .collect()
}

#[track_caller]
fn assert_top(result: &Value, title: &str) {
    assert_eq!(titles(result).first().map(String::as_str), Some(title), "{result:#}");
}

#[track_caller]
fn assert_found(result: &Value, title: &str) {
    assert!(titles(result).iter().any(|t| t == title), "{title} in {:?}", titles(result));
}

/// A catalogue with the words the tests look for, in several scripts.
async fn catalogue() -> TestApp {
    let app = TestApp::spawn().await;
    add(&app, "Навоий ғазаллари", json!({ "languages": ["uz"] })).await;
    add(&app, "Voskresenīi͡a", json!({ "languages": ["ru"], "abstract": "Romanized by the Library of Congress rules" }))
        .await;
    add(&app, "Воскресения", json!({ "languages": ["ru"] })).await;
    add(&app, "O‘zbekiston tarixi", json!({ "languages": ["uz"], "year": 2021 })).await;
    add(&app, "Абай жолы", json!({ "languages": ["kk"], "year": 2017 })).await;
    add(&app, "İstanbul hatıraları", json!({ "languages": ["tr"] })).await;
    add(&app, "Kürk Mantolu Madonna", json!({ "languages": ["tr"], "year": 2014 })).await;
    add(&app, "Madona", json!({ "languages": ["lv"] })).await;
    add(&app, "The public library", json!({ "languages": ["en"] })).await;
    add(&app, "Национальная библиотека", json!({ "languages": ["ru"] })).await;
    add(&app, "红楼梦", json!({ "languages": ["zh"], "year": 2008 })).await;
    add(&app, "국립중앙도서관 소장 자료", json!({ "languages": ["ko"] })).await;
    add(&app, "源氏物語", json!({ "languages": ["ja"] })).await;
    add(&app, "Milliy kutubxonasi", json!({ "languages": ["uz"] })).await;
    add(&app, "Silk Road maps", json!({ "subjects": ["Caravans"], "abstract": "Maps of the routes." })).await;
    add(&app, "Caravans of the desert", json!({ "abstract": "A history." })).await;
    add(&app, "Desert travels", json!({ "abstract": "About caravans and their routes." })).await;
    app.indexed().await;
    app
}

#[tokio::test]
async fn finds_words_across_scripts_diacritics_and_case() {
    let app = catalogue().await;
    // Uzbek: Latin query, Cyrillic title.
    assert_top(&search(&app, "Navoiy").await, "Навоий ғазаллари");
    // Russian: exact script ranks above the Library of Congress romanization, and the
    // romanization finds the Cyrillic (and the reverse).
    let russian = search(&app, "Воскресения").await;
    assert_eq!(titles(&russian)[..2], ["Воскресения", "Voskresenīi͡a"]);
    assert_top(&search(&app, "Voskresenīi͡a").await, "Voskresenīi͡a");
    assert_found(&search(&app, "Voskreseniya").await, "Воскресения");
    // Kazakh.
    assert_top(&search(&app, "Abai").await, "Абай жолы");
    // Uzbek apostrophes in any form, and the Cyrillic spelling.
    for query in ["O‘zbekiston", "O'zbekiston", "Oʻzbekiston", "Ozbekiston", "Ўзбекистон"] {
        assert_top(&search(&app, query).await, "O‘zbekiston tarixi");
    }
    // Turkish dotted and dotless i; diacritics folded.
    for query in ["istanbul", "ISTANBUL", "İstanbul", "ıstanbul"] {
        assert_top(&search(&app, query).await, "İstanbul hatıraları");
    }
    assert_top(&search(&app, "kurk").await, "Kürk Mantolu Madonna");
}

#[tokio::test]
async fn stems_segments_cjk_and_tolerates_typos() {
    let app = catalogue().await;
    assert_top(&search(&app, "libraries").await, "The public library");
    assert_top(&search(&app, "библиотеки").await, "Национальная библиотека");
    assert_top(&search(&app, "红楼").await, "红楼梦");
    assert_top(&search(&app, "중앙도서관").await, "국립중앙도서관 소장 자료");
    // Traditional characters find the simplified title; Korean with or without the spaces
    // a title has.
    assert_top(&search(&app, "紅樓夢").await, "红楼梦");
    assert_top(&search(&app, "紅樓").await, "红楼梦");
    assert_top(&search(&app, "국립중앙도서관소장자료").await, "국립중앙도서관 소장 자료");
    assert_top(&search(&app, "국립 중앙 도서관").await, "국립중앙도서관 소장 자료");
    assert_top(&search(&app, "源氏").await, "源氏物語");
    // One typo from 5 letters, two from 9; an exact match ranks above a corrected one.
    assert_top(&search(&app, "Mantolo").await, "Kürk Mantolu Madonna");
    assert_top(&search(&app, "kutupxonasy").await, "Milliy kutubxonasi");
    let madona = search(&app, "madona").await;
    assert_eq!(titles(&madona)[..2], ["Madona", "Kürk Mantolu Madonna"]);
    // The page needed the correction, so the corrected word is marked too.
    assert_eq!(madona["edges"][1]["node"]["highlights"]["title"], "Kürk Mantolu <mark>Madonna</mark>");
    // Below 5 letters no typo is forgiven.
    assert_eq!(search(&app, "maps ").await["totalCount"], 1);
    assert_eq!(search(&app, "mapz ").await["totalCount"], 0);
}

/// Chinese, Japanese and Korean are indexed as bigrams; a word of one character (书 "book",
/// 梦 "dream", 책 "book") is found inside them, wherever it stands in the word.
#[tokio::test]
async fn finds_one_character_cjk_words_inside_longer_ones() {
    let app = catalogue().await;
    add(&app, "书 的 历史", json!({ "languages": ["zh"] })).await;
    add(&app, "图书馆学概论", json!({ "languages": ["zh"] })).await;
    add(&app, "Chinese novels", json!({ "abstract": "关于红楼梦的研究" })).await;
    add(&app, "한국의 책과 도서관", json!({ "languages": ["ko"] })).await;
    app.indexed().await;

    // At the end, in the middle, at the start of a bigram.
    let dream = search(&app, "梦").await;
    assert_top(&dream, "红楼梦");
    assert_eq!(dream["edges"][0]["node"]["highlights"]["title"], "红楼<mark>梦</mark>");
    assert_found(&dream, "Chinese novels");
    assert_eq!(dream["totalCount"], 2);
    assert_top(&search(&app, "物").await, "源氏物語");
    assert_top(&search(&app, "책").await, "한국의 책과 도서관");
    // Standing alone as written ranks above inside a longer word.
    let book = search(&app, "书").await;
    assert_eq!(titles(&book), ["书 的 历史", "图书馆学概论"]);
    // Excluded wherever it would be found.
    let without = search(&app, "红楼 -梦").await;
    assert_eq!(without["totalCount"], 0, "{without:#}");
    // Only the character itself: no bigram holds 鹤.
    let crane = search(&app, "鹤").await;
    assert_eq!(crane["totalCount"], 0);
    assert_eq!(crane["suggestion"], Value::Null, "one character has no spelling to correct");
}

#[tokio::test]
async fn prefix_phrases_exclusion_or_and_field_weights() {
    let app = catalogue().await;
    // The last word matches as a prefix while typing; after a space it is a whole word.
    assert_top(&search(&app, "Madon").await, "Madona");
    assert_found(&search(&app, "Madon").await, "Kürk Mantolu Madonna");
    assert_eq!(search(&app, "Kutubxo ").await["totalCount"], 0);
    assert_top(&search(&app, "kutubxo").await, "Milliy kutubxonasi");
    // Phrases keep word order; exclusion; OR.
    assert_eq!(search(&app, "\"Mantolu Madonna\"").await["totalCount"], 1);
    assert_eq!(search(&app, "\"Madonna Mantolu\"").await["totalCount"], 0);
    let excluded = search(&app, "caravans -desert").await;
    assert_eq!(titles(&excluded), ["Silk Road maps"]);
    let either = search(&app, "Navoiy OR Abai").await;
    assert_eq!(either["totalCount"], 2);
    // Title above subjects above abstract.
    assert_eq!(titles(&search(&app, "caravans").await), ["Caravans of the desert", "Silk Road maps", "Desert travels"]);
}

#[tokio::test]
async fn anything_typed_is_answered_never_a_server_error() {
    let app = catalogue().await;
    let long = "слово ".repeat(2000);
    for query in [
        "\"",
        "title:",
        "O'zbekiston",
        "🙂📚",
        ":::",
        "-",
        "OR",
        "\"unclosed",
        "a\u{0000}b",
        long.as_str(),
        "((",
        "*",
        "\\",
    ] {
        let body = app.gql(SEARCH, json!({ "q": query })).await;
        assert!(body.get("errors").is_none(), "{query:?}: {body}");
    }
    let everything = search(&app, "").await;
    assert_eq!(everything["totalCount"], 17, "an empty query lists everything");
    app.error(SEARCH, json!({ "q": "x", "first": 1000 }), "BAD_USER_INPUT").await;
    app.error(SEARCH, json!({ "q": "x", "after": "garbage" }), "BAD_USER_INPUT").await;
    app.error(SEARCH, json!({ "q": "x", "f": { "languages": ["klingon"] } }), "BAD_USER_INPUT").await;
    app.error(SEARCH, json!({ "q": "x", "f": { "countries": ["XX"] } }), "BAD_USER_INPUT").await;
    app.error(SEARCH, json!({ "q": "x", "f": { "yearFrom": 2020, "yearTo": 1990 } }), "BAD_USER_INPUT").await;
    // The widest years an Int can hold are a range like any other.
    let wide = json!({ "f": { "yearFrom": i32::MIN, "yearTo": i32::MAX } });
    assert_eq!(search_with(&app, "", wide).await["totalCount"], 4, "the documents with a year");
}

/// A cursor is opaque, but a client can send any string: one past the end is an empty page;
/// paging deeper than the search window, or to a position no list can have, is refused with
/// BAD_USER_INPUT, never a server error.
#[tokio::test]
async fn cursors_far_past_the_end_are_answered() {
    use base64::Engine;
    let app = catalogue().await;
    let cursor = |offset: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"));
    let past = search_with(&app, "", json!({ "after": cursor("1000") })).await;
    assert_eq!(past["totalCount"], 17);
    assert_eq!(past["edges"].as_array().unwrap().len(), 0);
    assert_eq!(past["pageInfo"]["hasNextPage"], false);
    // The last page of the window is reachable; the one after it is not.
    let last = search_with(&app, "", json!({ "after": cursor("9979"), "first": 20 })).await;
    assert_eq!(last["edges"].as_array().unwrap().len(), 0);
    let error = app.error(SEARCH, json!({ "q": "", "after": cursor("9980"), "first": 20 }), "BAD_USER_INPUT").await;
    assert!(error["message"].as_str().unwrap().contains("10000"), "{error:#}");
    for offset in ["9223372036854775807", "9223372036854775806", "4294967296", "-1"] {
        app.error(SEARCH, json!({ "q": "madonna", "after": cursor(offset) }), "BAD_USER_INPUT").await;
        app.error(
            "query($after: String) { partners(after: $after) { totalCount } }",
            json!({ "after": cursor(offset) }),
            "BAD_USER_INPUT",
        )
        .await;
    }
}

#[tokio::test]
async fn suggests_a_corrected_query_when_nothing_is_found() {
    let app = catalogue().await;
    // Four letters: too short for typo tolerance, so nothing is found.
    let result = search(&app, "Abaq ").await;
    assert_eq!(result["totalCount"], 0);
    let suggestion = result["suggestion"].as_str().expect("a suggestion");
    let corrected = search(&app, suggestion).await;
    assert_top(&corrected, "Абай жолы");
    assert_eq!(search(&app, "Abai").await["suggestion"], Value::Null, "no suggestion when something is found");
}

#[tokio::test]
async fn highlights_what_matched_as_written() {
    let app = catalogue().await;
    let result = search(&app, "navoiy").await;
    assert_eq!(result["edges"][0]["node"]["highlights"]["title"], "<mark>Навоий</mark> ғазаллари");
    let result = search(&app, "congress ").await;
    let snippet = result["edges"][0]["node"]["highlights"]["abstract"].as_str().unwrap();
    assert!(snippet.contains("<mark>Congress</mark>"), "{snippet}");
}

#[tokio::test]
async fn facets_agree_with_filtered_results_and_filters_and_orders_work() {
    let app = TestApp::seeded().await;
    app.indexed().await;
    let all = search(&app, "").await;
    let total = all["totalCount"].as_i64().unwrap();
    assert_eq!(total, app.count("documents").await);
    // Every facet value's count is exactly the number of results with that filter.
    for facet in all["facets"]["languages"].as_array().unwrap() {
        let filtered = search_with(&app, "", json!({ "f": { "languages": [facet["value"]] } })).await;
        assert_eq!(filtered["totalCount"], facet["count"], "language {}", facet["value"]);
    }
    for facet in all["facets"]["formats"].as_array().unwrap() {
        let filtered = search_with(&app, "", json!({ "f": { "formats": [facet["format"]] } })).await;
        assert_eq!(filtered["totalCount"], facet["count"], "format {}", facet["format"]);
    }
    for facet in all["facets"]["countries"].as_array().unwrap() {
        let filtered = search_with(&app, "", json!({ "f": { "countries": [facet["value"]] } })).await;
        assert_eq!(filtered["totalCount"], facet["count"], "country {}", facet["value"]);
    }
    let decade = &all["facets"]["decades"].as_array().unwrap()[0];
    let (from, count) = (decade["decade"].as_i64().unwrap(), decade["count"].clone());
    let filtered = search_with(&app, "", json!({ "f": { "yearFrom": from, "yearTo": from + 9 } })).await;
    assert_eq!(filtered["totalCount"], count);

    // Filters.
    let korean = search_with(&app, "", json!({ "f": { "countries": ["KR"] } })).await;
    assert_eq!(korean["totalCount"], 3);
    let rooms = app
        .data("{ projects(filter: { titleContains: \"Window to Korea\" }) { edges { node { id } } } }", json!({}))
        .await;
    let room = rooms["projects"]["edges"][0]["node"]["id"].clone();
    let shelved = search_with(&app, "", json!({ "f": { "projectIds": [room] } })).await;
    assert_eq!(shelved["totalCount"], 3, "the three Korean documents are shelved in Window to Korea");
    let sent = search_with(&app, "", json!({ "f": { "direction": "OUTGOING" } })).await;
    assert_eq!(sent["totalCount"], 3);
    let planned_not_here = search_with(&app, "红楼梦", json!({ "f": { "hasAvailableHolding": true } })).await;
    assert_eq!(planned_not_here["totalCount"], 1, "a copy is shelved in Window to Shanghai");
    let maps = search_with(&app, "", json!({ "f": { "formats": ["MAP"], "languages": ["zh"] } })).await;
    assert_top(&maps, "上海城市地图");

    // Orders and pages.
    let by_year = search_with(&app, "", json!({ "o": { "field": "YEAR", "direction": "DESC" }, "first": 5 })).await;
    let years: Vec<i64> =
        by_year["edges"].as_array().unwrap().iter().filter_map(|e| e["node"]["document"]["year"].as_i64()).collect();
    assert!(years.windows(2).all(|w| w[0] >= w[1]), "{years:?}");
    let next = search_with(
        &app,
        "",
        json!({ "o": { "field": "YEAR", "direction": "DESC" }, "first": 5, "after": by_year["pageInfo"]["endCursor"] }),
    )
    .await;
    let next_years: Vec<i64> =
        next["edges"].as_array().unwrap().iter().filter_map(|e| e["node"]["document"]["year"].as_i64()).collect();
    assert!(next_years.iter().all(|y| *y <= years[4]), "{next_years:?}");
}

#[tokio::test]
async fn every_change_reaches_the_index() {
    let app = TestApp::spawn().await;
    let id = add(&app, "Boburnoma", json!({})).await;
    app.indexed().await;
    assert_eq!(search(&app, "Boburnoma").await["totalCount"], 1);
    app.data(
        "mutation($i: UpdateDocumentInput!) { updateDocument(input: $i) { id } }",
        json!({ "i": { "id": id, "description": { "title": "Zafarnoma" } } }),
    )
    .await;
    app.indexed().await;
    assert_eq!(search(&app, "Boburnoma ").await["totalCount"], 0);
    assert_eq!(search(&app, "Zafarnoma").await["totalCount"], 1);

    // A copy made available changes the availability filter.
    let available = json!({ "f": { "hasAvailableHolding": true } });
    assert_eq!(search_with(&app, "Zafarnoma", available.clone()).await["totalCount"], 0);
    let holding = app
        .data(
            "mutation($d: ID!) { createHolding(input: { documentId: $d, barcode: \"B-1\" }) { id } }",
            json!({ "d": id }),
        )
        .await;
    app.indexed().await;
    assert_eq!(search_with(&app, "Zafarnoma", available.clone()).await["totalCount"], 1);
    let holding = holding["createHolding"]["id"].clone();
    app.data("mutation($h: ID!) { updateHolding(input: { id: $h, status: MISSING }) { id } }", json!({ "h": holding }))
        .await;
    app.indexed().await;
    assert_eq!(search_with(&app, "Zafarnoma", available).await["totalCount"], 0);

    // Imports and deletes too.
    let options = hamkor::document::import::ImportOptions { source: Some("t".into()), ..Default::default() };
    let bytes = fixture("utf8_multilingual.mrc");
    hamkor::document::import::import(&app.pool, &bytes, &options, |_| {}).await.unwrap();
    app.indexed().await;
    assert_found(&search(&app, "paper road").await, "The paper road");
    sqlx::query("DELETE FROM holdings").execute(&app.pool).await.unwrap();
    app.data("mutation($d: ID!) { deleteDocument(id: $d) }", json!({ "d": id })).await;
    app.indexed().await;
    assert_eq!(search(&app, "Zafarnoma").await["totalCount"], 0);
}

/// Imports whole files, each under its name as the source.
async fn import_files(app: &TestApp, files: &[(&str, Vec<u8>, Option<hamkor::marc::Encoding>)]) {
    for (file, bytes, encoding) in files {
        let options = hamkor::document::import::ImportOptions {
            source: Some((*file).into()),
            encoding: *encoding,
            ..Default::default()
        };
        hamkor::document::import::import(&app.pool, bytes, &options, |_| {}).await.unwrap();
    }
}

#[tokio::test]
async fn finds_real_marc_records_in_their_scripts() {
    let Some(corpus) = Corpus::find() else { return };
    let app = TestApp::spawn().await;
    let files = ["pride-and-prejudice-fixed.mrc", "hebrew.marc", "1251.dat"].map(|file| {
        let encoding = (file == "1251.dat").then_some(hamkor::marc::Encoding::Windows1251);
        (file, corpus.read(file), encoding)
    });
    import_files(&app, &files).await;
    app.indexed().await;
    // The Han title of a Chinese record (from its 880 field), and its pinyin.
    let han = search(&app, "傲慢与偏见").await;
    assert!(han["totalCount"].as_i64().unwrap() >= 1, "{han:#}");
    assert!(search(&app, "Ao man yu pian jian").await["totalCount"].as_i64().unwrap() >= 1);
    // Russian in Windows-1251, found from Latin script too.
    assert_top(&search(&app, "гидравлического расчета").await, "Основы гидравлического расчета инженерных сетей");
    assert_found(&search(&app, "gidravlicheskogo").await, "Основы гидравлического расчета инженерных сетей");
    let english = search(&app, "pride prejudice").await;
    assert!(english["totalCount"].as_i64().unwrap() > 50, "{}", english["totalCount"]);
}

#[tokio::test]
async fn finds_fixture_records_in_their_scripts() {
    let app = TestApp::spawn().await;
    let files = [
        ("utf8_multilingual.mrc", None),
        ("marc8_eacc.mrc", None),
        ("marc8_scripts.mrc", None),
        ("windows1251.mrc", Some(hamkor::marc::Encoding::Windows1251)),
    ]
    .map(|(file, encoding)| (file, fixture(file), encoding));
    import_files(&app, &files).await;
    app.indexed().await;
    // The Han title of a Chinese record (from its 880 field), and its pinyin; the same from
    // MARC-8 EACC, and Hangul and kana.
    assert_top(&search(&app, "撒马尔罕史").await, "Samaerhan shi");
    assert_top(&search(&app, "Samaerhan shi").await, "Samaerhan shi");
    assert_top(&search(&app, "丝绸之路").await, "Si chou zhi lu");
    assert_top(&search(&app, "한국의 책").await, "Han'guk ŭi chaek sa");
    assert_top(&search(&app, "ロシアの歴史").await, "Roshia no rekishi");
    // Hebrew from MARC-8, and Latin diacritics composed from MARC-8 found without them.
    assert_top(&search(&app, "הזכרונות").await, "Sefer ha-zikhronot");
    assert_top(&search(&app, "Lodz Krakow").await, "Łódź i Kraków");
    // Russian in Windows-1251, found from Latin script too.
    assert_top(&search(&app, "книгопечатания").await, "История книгопечатания в Средней Азии");
    assert_found(&search(&app, "knigopechataniya").await, "История книгопечатания в Средней Азии");
    let samarkand = search(&app, "Samarkand").await;
    assert!(samarkand["totalCount"].as_i64().unwrap() >= 3, "{samarkand:#}");
}

#[tokio::test]
async fn a_russian_yo_romanized_as_plain_e_finds_the_word() {
    let app = TestApp::spawn().await;
    add(&app, "Емельян Пугачёв", json!({ "languages": ["ru"] })).await;
    add(&app, "Пугачев бунт", json!({ "languages": ["ru"] })).await;
    app.indexed().await;
    for query in ["Pugachev", "Pugachyov", "Pugachëv", "Пугачев", "Пугачёв"] {
        assert_found(&search(&app, query).await, "Емельян Пугачёв");
    }
    // The word written with е is found by е, as before.
    assert_found(&search(&app, "Pugachev").await, "Пугачев бунт");
}

/// Creates a national library of `country` named `name` (in English); its id.
async fn national_library(app: &TestApp, country: &str, name: &str) -> Value {
    app.data(
        "mutation($c: String!, $n: String!) {
           createPartner(input: { kind: NATIONAL_LIBRARY, country: $c, names: [{ lang: \"en\", value: $n }] }) { id } }",
        json!({ "c": country, "n": name }),
    )
    .await["createPartner"]["id"]
        .clone()
}

/// Every field of a document, as a client might select it on a hit.
const WHOLE_DOCUMENT: &str = "fragment Whole on Document {
    id title subtitle parallelTitles { title subtitle script } contributors { name role parallelName }
    languages publisher place year edition seriesTitle seriesVolume isbns issns subjects abstract notes
    physicalDescription format source controlNumber originPartner { id } originExchange { id }
    createdAt updatedAt }";

/// A results page shows its hits from the index's copy of each document: every field equal
/// to what PostgreSQL holds, after a change too, and never the stored MARC record.
#[tokio::test]
async fn a_hit_shows_its_document_as_postgresql_holds_it() {
    let app = TestApp::spawn().await;
    let partner = national_library(&app, "KR", "National Library of Korea").await;
    let description = json!({
        "title": "Jikji", "subtitle": "selected teachings", "languages": ["ko", "en"],
        "parallelTitles": [{ "title": "직지심체요절", "script": "Hang" }],
        "contributors": [{ "name": "Baegun", "role": "AUTHOR", "parallelName": "백운" }],
        "publisher": "Heungdeoksa", "place": "Cheongju", "year": 1377, "edition": "2nd",
        "seriesTitle": "Treasures", "seriesVolume": "1", "isbns": ["9780306406157"], "issns": ["0378-5955"],
        "subjects": ["Buddhism"], "abstract": "The oldest book printed with movable metal type.",
        "notes": "Facsimile.", "physicalDescription": "307 p.", "format": "BOOK"
    });
    let id = app
        .data(
            "mutation($i: CreateDocumentInput!) { createDocument(input: $i) { id } }",
            json!({ "i": { "description": description, "originPartnerId": partner } }),
        )
        .await["createDocument"]["id"]
        .clone();
    let options = hamkor::document::import::ImportOptions { source: Some("t".into()), ..Default::default() };
    hamkor::document::import::import(&app.pool, &fixture("utf8_multilingual.mrc"), &options, |_| {}).await.unwrap();
    app.indexed().await;

    let hit_and_stored = async |query: &str, id: &Value| {
        let data = app
            .data(
                &format!(
                    "query($q: String!, $id: ID!) {{
                       search(query: $q) {{ edges {{ node {{ document {{ ...Whole }} }} }} }}
                       document(id: $id) {{ ...Whole export(format: MARC_XML) }} }} {WHOLE_DOCUMENT}"
                ),
                json!({ "q": query, "id": id }),
            )
            .await;
        let hits = data["search"]["edges"].as_array().unwrap().clone();
        let hit = hits.into_iter().map(|e| e["node"]["document"].clone()).find(|d| d["id"] == *id);
        let mut stored = data["document"].clone();
        let export = stored.as_object_mut().unwrap().remove("export").unwrap();
        (hit.unwrap_or_else(|| panic!("{query} finds {id}")), stored, export)
    };
    let (hit, stored, _) = hit_and_stored("Jikji", &id).await;
    assert_eq!(hit, stored);
    assert_eq!(hit["originPartner"]["id"], partner);

    // An imported record: its MARC record is exported from PostgreSQL, not kept in the index.
    let imported: Value = app.data("{ documents(first: 50) { nodes { id title } } }", json!({})).await;
    let paper_road = imported["documents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"] == "The paper road")
        .map(|d| d["id"].clone())
        .unwrap();
    let (hit, stored, export) = hit_and_stored("paper road", &paper_road).await;
    assert_eq!(hit, stored);
    assert!(export.as_str().unwrap().contains("The paper road"), "{export}");

    // After a change the copy follows PostgreSQL.
    app.data(
        "mutation($i: UpdateDocumentInput!) { updateDocument(input: $i) { id } }",
        json!({ "i": { "id": id, "description": { "publisher": "Cheongju Goindoe", "year": 1378 } } }),
    )
    .await;
    app.indexed().await;
    let (hit, stored, _) = hit_and_stored("Jikji", &id).await;
    assert_eq!(hit["publisher"], "Cheongju Goindoe");
    assert_eq!(hit, stored);
}

/// A results page names its partners from rows this server read moments ago: a renamed
/// partner shows under its new name there within a second, and at once everywhere else.
#[tokio::test]
async fn a_renamed_partner_shows_in_results_within_a_second() {
    let app = TestApp::spawn().await;
    let partner = national_library(&app, "LV", "National Library of Latvia").await;
    app.data(
        "mutation($i: CreateDocumentInput!) { createDocument(input: $i) { id } }",
        json!({ "i": { "description": { "title": "Dainas" }, "originPartnerId": partner } }),
    )
    .await;
    app.indexed().await;
    let page = "{ search(query: \"Dainas\") { edges { node { document { originPartner { name } } } }
                  facets { partners { partner { id name } count } } } }";
    let names = async || {
        let data = app.data(page, json!({})).await;
        let search = &data["search"];
        let hit = search["edges"][0]["node"]["document"]["originPartner"]["name"].as_str().unwrap().to_owned();
        let facet = search["facets"]["partners"][0]["partner"]["name"].as_str().unwrap().to_owned();
        (hit, facet)
    };
    let old = "National Library of Latvia".to_owned();
    assert_eq!(names().await, (old.clone(), old));

    app.data(
        "mutation($i: UpdatePartnerInput!) { updatePartner(input: $i) { id } }",
        json!({ "i": { "id": partner, "names": [{ "lang": "en", "value": "Latvian National Digital Library" }] } }),
    )
    .await;
    let direct = app.data("query($id: ID!) { partner(id: $id) { name } }", json!({ "id": partner })).await;
    assert_eq!(direct["partner"]["name"], "Latvian National Digital Library");
    tokio::time::sleep(hamkor::partner::recent::MAX_AGE).await;
    let new = "Latvian National Digital Library".to_owned();
    assert_eq!(names().await, (new.clone(), new));
}
