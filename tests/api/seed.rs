//! The seed content: what the library's account of its international activities names.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn seeds_the_partners_memorandums_and_projects_of_the_source_text() {
    let app = TestApp::spawn().await;
    let first = hamkor::seed::seed(&app.pool).await.unwrap();
    assert_eq!((first.partners_created, first.agreements_created, first.projects_created), (20, 17, 9));

    let data = app
        .data(
            "{ partners(first: 100) { totalCount edges { node { country name(lang: \"en\") agreements { totalCount } } } }
               projects(first: 100) { totalCount edges { node { title kind partners { edges { node { role partner { name } } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["partners"]["totalCount"], 20);
    let partners = data["partners"]["edges"].as_array().unwrap();
    let countries: Vec<&str> = partners.iter().filter_map(|e| e["node"]["country"].as_str()).collect();
    for country in ["CN", "IR", "KR", "AZ", "LV", "RU", "BY", "KZ", "KG", "TR", "CZ", "JP", "GE", "TM", "US"] {
        assert!(countries.contains(&country), "a partner in {country}");
    }
    let eriell = partners.iter().find(|e| e["node"]["name"] == "Eriell Group").expect("Eriell Group");
    assert_eq!(eriell["node"]["agreements"]["totalCount"], 0, "a sponsor, not a memorandum partner");

    let projects = data["projects"]["edges"].as_array().unwrap();
    assert_eq!(data["projects"]["totalCount"], 9);
    let album = projects
        .iter()
        .find(|e| e["node"]["title"].as_str().unwrap().starts_with("The Manuscript and Book Heritage"))
        .expect("the book-album");
    assert_eq!(album["node"]["kind"], "PUBLICATION");
    assert_eq!(album["node"]["partners"]["edges"][0]["node"]["role"], "SPONSOR");
    assert_eq!(album["node"]["partners"]["edges"][0]["node"]["partner"]["name"], "Eriell Group");
    let hall = projects.iter().find(|e| e["node"]["title"] == "SCO Knowledge Hall").expect("the SCO Knowledge Hall");
    assert_eq!(hall["node"]["partners"]["edges"][0]["node"]["partner"]["name"], "SCO People's Diplomacy Center");
    let unesco: Vec<_> = projects.iter().filter(|e| e["node"]["kind"] == "UNESCO_PROGRAMME").collect();
    assert_eq!(unesco.len(), 3);

    // No invented facts: the source gives no dates for the memorandums.
    let dated: i64 =
        sqlx::query_scalar("SELECT count(*) FROM agreements WHERE signed_on IS NOT NULL OR valid_until IS NOT NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(dated, 0);

    let second = hamkor::seed::seed(&app.pool).await.unwrap();
    assert_eq!(second, hamkor::seed::SeedReport::default(), "seeding twice changes nothing");
    assert_eq!(app.count("partners").await, 20);
    assert_eq!(app.count("project_partners").await, 7);
}
